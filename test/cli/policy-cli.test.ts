/**
 * `kubetrail policy validate|eval|explain` through the real built binary: exit codes,
 * the JSON shapes of the command contract (DESIGN.md), diagnostics on stderr as
 * `file:line:column: message`, and never a stack trace.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, type CliRun } from '../support/cli.js';

let dir = '';
const file = (name: string) => join(dir, name);
const runs: CliRun[] = [];

async function kubetrail(args: string[], stdin?: string): Promise<CliRun> {
  const run = await runCli(args, { cwd: dir, stdin, env: { KUBETRAIL_DEBUG: '' } });
  runs.push(run);
  return run;
}

const VALID = 'apiVersion: audit.k8s.io/v1\nkind: Policy\nomitStages: [RequestReceived]\nrules:\n- level: None\n  users: [bob]\n- level: RequestResponse\n  resources: [{group: "", resources: [secrets]}]\n  omitManagedFields: true\n- level: Metadata\n  omitStages: [Panic]\n';
const INVALID = 'apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: Verbose\n- level: Metadata\n  nonResourceURLs: [healthz]\n';
const UNKNOWN_FIELD = 'apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: Metadata\n  Level: None\n';
const WILDCARD_GROUP = 'apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: Request\n  resources: [{group: "*", resources: [deployments]}]\n- level: None\n';
const DIAGNOSTIC = /^([^:]+):(\d+):(\d+): (.+)$/;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'kubetrail-policy-cli-'));
  writeFileSync(file('valid.yaml'), VALID);
  writeFileSync(file('invalid.yaml'), INVALID);
  writeFileSync(file('unknown.yaml'), UNKNOWN_FIELD);
  writeFileSync(file('wildcard.yaml'), WILDCARD_GROUP);
  writeFileSync(file('binary.yaml'), Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x00, 0xff, 0xfe]));
  writeFileSync(file('bare.yaml'), 'rules:\n- level: Metadata\n');
  mkdirSync(file('a-directory'));
});

after(() => {
  rmSync(dir, { recursive: true, force: true });
  // Whatever happened, no run printed a stack trace.
  for (const run of runs) assert.doesNotMatch(run.stderr, /\n {4}at /, run.stderr);
});

describe('policy validate', () => {
  test('a valid policy: exit 0, {"valid":true,"errors":[],"warnings":[]}, nothing on stderr', async () => {
    const run = await kubetrail(['policy', 'validate', '-f', 'valid.yaml', '-o', 'json']);
    assert.equal(run.code, 0, run.stderr);
    const report = JSON.parse(run.stdout);
    assert.equal(report.valid, true);
    assert.deepEqual(report.errors, []);
    assert.deepEqual(report.warnings, []);
    assert.equal(run.stderr, '');
    assert.equal(run.stdout.trim().split('\n').length, 1, 'one JSON document');
  });

  test('an invalid policy: exit 1, errors in kube-apiserver order with field, message, line, column', async () => {
    const run = await kubetrail(['policy', 'validate', '-f', 'invalid.yaml', '-o', 'json']);
    assert.equal(run.code, 1);
    const report = JSON.parse(run.stdout);
    assert.equal(report.valid, false);
    assert.deepEqual(
      report.errors.map((e: Record<string, unknown>) => ({ field: e.field, message: e.message, line: e.line, column: e.column })),
      [
        { field: 'rules[0].level', message: 'Unsupported value: "Verbose": supported values: "None", "Metadata", "Request", "RequestResponse"', line: 4, column: 10 },
        { field: 'rules[1].nonResourceURLs[0]', message: "Invalid value: \"healthz\": non-resource URL rules must begin with a '/' character", line: 6, column: 21 },
      ],
    );
    const diagnostics = run.stderr.trim().split('\n');
    assert.equal(diagnostics.length, 2);
    assert.equal(diagnostics[0], 'invalid.yaml:4:10: error: rules[0].level: Unsupported value: "Verbose": supported values: "None", "Metadata", "Request", "RequestResponse"');
    assert.match(diagnostics[1], /^invalid\.yaml:6:21: error: rules\[1\]\.nonResourceURLs\[0\]: Invalid value: "healthz"/);
  });

  test('text output names the verdict and exits 1', async () => {
    const run = await kubetrail(['policy', 'validate', '-f', 'invalid.yaml']);
    assert.equal(run.code, 1);
    assert.match(run.stdout, /^invalid\.yaml: invalid \(kube-apiserver would refuse it\); 2 errors, 0 warnings\n$/);
  });

  test('an unknown field is an error by default (exit 1)', async () => {
    const run = await kubetrail(['policy', 'validate', '-f', 'unknown.yaml', '-o', 'json']);
    assert.equal(run.code, 1);
    const report = JSON.parse(run.stdout);
    assert.equal(report.valid, false);
    assert.equal(report.errors[0].field, 'rules[0].Level');
    assert.deepEqual([report.errors[0].line, report.errors[0].column], [5, 3]);
    assert.match(run.stderr, /^unknown\.yaml:5:3: error: rules\[0\]\.Level: unknown field "Level"/m);
  });

  for (const flag of [['--strict=false'], ['--no-strict'], ['--strict', 'false']]) {
    test(`${flag.join(' ')}: an unknown field is a warning, exit 0`, async () => {
      const run = await kubetrail(['policy', 'validate', '-f', 'unknown.yaml', '-o', 'json', ...flag]);
      assert.equal(run.code, 0, run.stderr);
      const report = JSON.parse(run.stdout);
      assert.equal(report.valid, true);
      assert.deepEqual(report.errors, []);
      assert.equal(report.warnings.length, 1);
      assert.equal(report.warnings[0].field, 'rules[0].Level');
      assert.match(run.stderr, /^unknown\.yaml:5:3: warning: rules\[0\]\.Level: unknown field/m);
    });
  }

  test('--strict=false still fails what kube-apiserver refuses', async () => {
    const run = await kubetrail(['policy', 'validate', '-f', 'invalid.yaml', '-o', 'json', '--strict=false']);
    assert.equal(run.code, 1);
    assert.equal(JSON.parse(run.stdout).valid, false);
  });

  test('--strict=true is the default', async () => {
    const run = await kubetrail(['policy', 'validate', '-f', 'unknown.yaml', '-o', 'json', '--strict=true']);
    assert.equal(run.code, 1);
  });

  test('a bare rules list is refused: exit 1', async () => {
    const run = await kubetrail(['policy', 'validate', '-f', 'bare.yaml', '-o', 'json']);
    assert.equal(run.code, 1);
    const report = JSON.parse(run.stdout);
    assert.equal(report.valid, false);
    assert.equal(report.errors[0].field, 'apiVersion');
    assert.match(run.stderr, /^bare\.yaml:1:1: error: apiVersion: apiVersion is missing/m);
  });

  test('binary bytes: invalid (exit 1), not a crash', async () => {
    const run = await kubetrail(['policy', 'validate', '-f', 'binary.yaml', '-o', 'json']);
    assert.equal(run.code, 1);
    assert.equal(JSON.parse(run.stdout).valid, false);
    const [first] = run.stderr.trim().split('\n');
    assert.match(first, DIAGNOSTIC);
  });

  // readPolicyBytes opens /dev/stdin, which fails (ENXIO) when stdin is a socket, as it
  // is for a child process spawned by Node or by many CI runners; a shell pipe works.
  test('a policy on stdin (-f -)', async () => {
    const run = await kubetrail(['policy', 'validate', '-f', '-', '-o', 'json'], VALID);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(JSON.parse(run.stdout).valid, true);
  });

  test('a missing file: exit 2, one line on stderr', async () => {
    const run = await kubetrail(['policy', 'validate', '-f', 'missing.yaml', '-o', 'json']);
    assert.equal(run.code, 2);
    assert.equal(run.stdout, '');
    assert.match(run.stderr, /^kubetrail: missing\.yaml: cannot read policy file: no such file\n$/);
  });

  test('a directory: exit 2', async () => {
    const run = await kubetrail(['policy', 'validate', '-f', 'a-directory', '-o', 'json']);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /a-directory/);
  });

  test('--kubernetes-version 1.35 refuses group "*"; 1.36 accepts it', async () => {
    const old = await kubetrail(['policy', 'validate', '-f', 'wildcard.yaml', '-o', 'json', '--kubernetes-version', '1.35']);
    assert.equal(old.code, 1);
    assert.equal(JSON.parse(old.stdout).errors[0].field, 'rules[0].resources.group');
    const current = await kubetrail(['policy', 'validate', '-f', 'wildcard.yaml', '-o', 'json', '--kubernetes-version', 'v1.36.0']);
    assert.equal(current.code, 0, current.stderr);
  });

  test('usage mistakes exit 2: bad --strict value, bad -o, bad version, no -f', async () => {
    for (const args of [
      ['policy', 'validate', '-f', 'valid.yaml', '--strict=maybe'],
      ['policy', 'validate', '-f', 'valid.yaml', '-o', 'xml'],
      ['policy', 'validate', '-f', 'valid.yaml', '--kubernetes-version', 'latest'],
      ['policy', 'validate'],
    ]) {
      const run = await kubetrail(args);
      assert.equal(run.code, 2, `${args.join(' ')}: ${run.stderr}`);
      assert.match(run.stderr, /^kubetrail: /, args.join(' '));
    }
  });
});

describe('policy eval', () => {
  test('one request: the decision as JSON', async () => {
    const run = await kubetrail(['policy', 'eval', '-f', 'valid.yaml', '--request', '{"user":"alice","verb":"get","resourceRequest":true,"resource":"secrets","namespace":"default","name":"s"}', '-o', 'json']);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, '{"level":"RequestResponse","omitStages":["RequestReceived"],"omitManagedFields":true,"rule":1}\n');
  });

  test('stages in stage order, policy ∪ rule', async () => {
    const run = await kubetrail(['policy', 'eval', '-f', 'valid.yaml', '--request', '{"user":"alice","verb":"get","path":"/healthz"}']);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(JSON.parse(run.stdout), { level: 'Metadata', omitStages: ['RequestReceived', 'Panic'], omitManagedFields: false, rule: 2 });
  });

  test('no rule matches: level None, rule null', async () => {
    const run = await kubetrail(['policy', 'eval', '-f', 'wildcard.yaml', '--request', '{"user":null,"verb":"get","path":"/healthz"}', '-o', 'json']);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(JSON.parse(run.stdout), { level: 'None', omitStages: [], omitManagedFields: false, rule: 1 });
  });

  test('--kubernetes-version 1.35: a file kube-apiserver 1.35 would refuse is not evaluated (exit 1)', async () => {
    const run = await kubetrail(['policy', 'eval', '-f', 'wildcard.yaml', '--request', '{"verb":"get"}', '--kubernetes-version', '1.35']);
    assert.equal(run.code, 1);
    assert.equal(run.stdout, '');
    assert.match(run.stderr, /^wildcard\.yaml:5:23: error: rules\[0\]\.resources\.group: Invalid value: "\*"/m);
  });

  test('a policy kube-apiserver would refuse: exit 1, the reasons on stderr', async () => {
    const run = await kubetrail(['policy', 'eval', '-f', 'invalid.yaml', '--request', '{"verb":"get"}']);
    assert.equal(run.code, 1);
    assert.equal(run.stdout, '');
    const lines = run.stderr.trim().split('\n');
    assert.match(lines[0], /^invalid\.yaml:4:10: error: rules\[0\]\.level: /);
  });

  test('strict findings do not stop eval: a warning, then the decision', async () => {
    const run = await kubetrail(['policy', 'eval', '-f', 'unknown.yaml', '--request', '{"verb":"get"}']);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(JSON.parse(run.stdout), { level: 'Metadata', omitStages: [], omitManagedFields: false, rule: 0 });
    assert.match(run.stderr, /^unknown\.yaml:5:3: warning: /m);
  });

  test('a bad --request: exit 2', async () => {
    for (const request of ['{not json', '[1,2]', '{"user":5}', '{"verb":"get","colour":"red"}']) {
      const run = await kubetrail(['policy', 'eval', '-f', 'valid.yaml', '--request', request]);
      assert.equal(run.code, 2, request);
      assert.match(run.stderr, /^kubetrail: --request: /, request);
    }
  });

  test('none or two of --request/--requests/--events: exit 2', async () => {
    assert.equal((await kubetrail(['policy', 'eval', '-f', 'valid.yaml'])).code, 2);
    assert.equal((await kubetrail(['policy', 'eval', '-f', 'valid.yaml', '--request', '{}', '--requests', 'r.jsonl'])).code, 2);
  });

  test('JSONL: one output line per input line; malformed lines give {"error"} and exit 1 at the end', async () => {
    const input = [
      '{"user":"bob","verb":"get"}',
      'not json',
      '',
      '{"user":"alice","verb":"get","resourceRequest":true,"resource":"secrets"}',
      '{"user":"alice","verb":7}',
      '[]',
      '{"user":null,"path":"/metrics","verb":"get"}',
    ];
    writeFileSync(file('requests.jsonl'), `${input.join('\n')}\n`);
    const run = await kubetrail(['policy', 'eval', '-f', 'valid.yaml', '--requests', 'requests.jsonl', '-o', 'jsonl']);
    assert.equal(run.code, 1);
    const out = run.stdout.split('\n');
    assert.equal(out.pop(), '', 'the output ends with a newline');
    assert.equal(out.length, input.length);
    const parsed = out.map((l) => JSON.parse(l));
    assert.deepEqual(parsed[0], { level: 'None', omitStages: ['RequestReceived'], omitManagedFields: false, rule: 0 });
    assert.deepEqual(parsed[3], { level: 'RequestResponse', omitStages: ['RequestReceived'], omitManagedFields: true, rule: 1 });
    assert.deepEqual(parsed[6], { level: 'Metadata', omitStages: ['RequestReceived', 'Panic'], omitManagedFields: false, rule: 2 });
    for (const i of [1, 2, 4, 5]) {
      assert.deepEqual(Object.keys(parsed[i]), ['error'], `line ${i + 1}`);
      assert.ok(typeof parsed[i].error === 'string' && parsed[i].error.length > 0);
    }
    const diagnostics = run.stderr.trim().split('\n');
    assert.deepEqual(diagnostics.map((d) => d.split(':').slice(0, 3).join(':')), ['requests.jsonl:2:1', 'requests.jsonl:3:1', 'requests.jsonl:5:1', 'requests.jsonl:6:1']);
  });

  test('JSONL without a bad line: exit 0; CRLF line ends are fine; stdin works', async () => {
    const input = '{"user":"bob","verb":"get"}\r\n{"verb":"list","resourceRequest":true,"resource":"pods"}\r\n';
    const run = await kubetrail(['policy', 'eval', '-f', 'valid.yaml', '--requests', '-'], input);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(run.stdout.trim().split('\n').map((l) => JSON.parse(l).rule), [0, 2]);
  });

  test('--events: one line per recorded event, judged by its own attributes', async () => {
    const events = [
      { kind: 'Event', apiVersion: 'audit.k8s.io/v1', level: 'Metadata', auditID: 'a1', stage: 'ResponseComplete', requestURI: '/api/v1/namespaces/default/secrets/s', verb: 'get', user: { username: 'system:admin', groups: ['system:masters'] }, impersonatedUser: { username: 'bob' } },
      { kind: 'Event', apiVersion: 'audit.k8s.io/v1', level: 'Metadata', auditID: 'a2', stage: 'ResponseComplete', requestURI: '/healthz', verb: 'get', user: { username: 'bob' } },
    ];
    writeFileSync(file('audit.log'), `${events.map((e) => JSON.stringify(e)).join('\n')}\nnot an event\n`);
    const run = await kubetrail(['policy', 'eval', '-f', 'valid.yaml', '--events', 'audit.log']);
    assert.equal(run.code, 1);
    const out = run.stdout.trim().split('\n').map((l) => JSON.parse(l));
    assert.equal(out.length, 3);
    assert.deepEqual(out[0], { auditID: 'a1', stage: 'ResponseComplete', level: 'RequestResponse', omitStages: ['RequestReceived'], omitManagedFields: true, rule: 1 });
    assert.deepEqual(out[1], { auditID: 'a2', stage: 'ResponseComplete', level: 'None', omitStages: ['RequestReceived'], omitManagedFields: false, rule: 0 });
    assert.deepEqual(Object.keys(out[2]), ['error']);
    assert.match(run.stderr, /^audit\.log:3:1: /m);
  });

  test('--events: pretty-printed documents across lines, a cut one, and single lines around them', async () => {
    const event = (id: string, extra: Record<string, unknown> = {}) => ({ kind: 'Event', apiVersion: 'audit.k8s.io/v1', level: 'Metadata', auditID: id, stage: 'ResponseComplete', requestURI: '/healthz', verb: 'get', user: { username: 'bob' }, ...extra });
    const pretty = JSON.stringify({ kind: 'EventList', apiVersion: 'audit.k8s.io/v1', items: [event('p1', { userAgent: 'braces } ] { [ and a quote \\" inside' }), event('p2')] }, null, 2);
    const cut = JSON.stringify(event('cut'), null, 2).split('\n').slice(0, 4).join('\n');
    const cases: Array<{ name: string; text: string; ids: Array<string | null>; errorLines: number[] }> = [
      { name: 'a pretty EventList then a line', text: `${pretty}\n${JSON.stringify(event('s1'))}\n`, ids: ['p1', 'p2', 's1'], errorLines: [] },
      { name: 'a line, a cut pretty document, a line', text: `${JSON.stringify(event('s0'))}\n${cut}\n${JSON.stringify(event('s1'))}\n`, ids: ['s0', null, 's1'], errorLines: [2] },
      { name: 'a pretty document never closed', text: `${JSON.stringify(event('s0'))}\n${cut}\n`, ids: ['s0', null], errorLines: [2] },
      // Each item on a line of its own: a whole object at the start of a line that the open list takes.
      { name: 'an EventList with one item a line', text: `{"kind":"EventList","apiVersion":"audit.k8s.io/v1","items":[\n${JSON.stringify(event('l1'))},\n${JSON.stringify(event('l2'))}\n]}\n${JSON.stringify(event('s1'))}\n`, ids: ['l1', 'l2', 's1'], errorLines: [] },
      { name: 'a body on the line after its key', text: `${JSON.stringify(event('b1'), null, 2).replace('"verb": "get",', '"verb": "get",\n  "requestObject":\n{"kind":"Pod"},')}\n`, ids: ['b1'], errorLines: [] },
      { name: 'a cut list, then a line', text: `{"kind":"EventList","items":[\n${JSON.stringify(event('l1'))}\n${JSON.stringify(event('s1'))}\n`, ids: [null, 's1'], errorLines: [1] },
    ];
    for (const c of cases) {
      writeFileSync(file('pretty.log'), c.text);
      const run = await kubetrail(['policy', 'eval', '-f', 'valid.yaml', '--events', 'pretty.log']);
      assert.equal(run.code, c.errorLines.length > 0 ? 1 : 0, `${c.name}: ${run.stderr}`);
      const out = run.stdout.trim().split('\n').map((l) => JSON.parse(l) as { auditID?: string; error?: string });
      assert.deepEqual(out.map((o) => (o.error !== undefined ? null : o.auditID)), c.ids, c.name);
      assert.deepEqual([...run.stderr.matchAll(/^pretty\.log:(\d+):1: /gm)].map((m) => Number(m[1])), c.errorLines, c.name);
    }
  });
});

describe('policy explain', () => {
  const request = '{"user":"alice","groups":["dev"],"verb":"get","resourceRequest":true,"resource":"pods","namespace":"default","name":"p"}';

  test('text: each rule up to the match, with its line and why it failed', async () => {
    const run = await kubetrail(['policy', 'explain', '-f', 'valid.yaml', '--request', request]);
    assert.equal(run.code, 0, run.stderr);
    const lines = run.stdout.trim().split('\n');
    assert.match(lines[0], /^rule 0 \(line 5\): no match — users: "alice" is not listed$/);
    assert.match(lines[1], /^rule 1 \(line 7\): no match — resources: /);
    assert.match(lines[2], /^rule 2 \(line 10\): MATCHES \(level Metadata\)$/);
    assert.match(lines[3], /^decision: Metadata \(rule 2; omits RequestReceived, Panic; managed fields kept\)$/);
  });

  test('json: the decision equals eval\'s, and every rule is accounted for', async () => {
    const [explained, evaluated] = await Promise.all([
      kubetrail(['policy', 'explain', '-f', 'valid.yaml', '--request', request, '-o', 'json']),
      kubetrail(['policy', 'eval', '-f', 'valid.yaml', '--request', request, '-o', 'json']),
    ]);
    assert.equal(explained.code, 0, explained.stderr);
    const explanation = JSON.parse(explained.stdout);
    assert.deepEqual(explanation.decision, JSON.parse(evaluated.stdout));
    assert.deepEqual(explanation.rules.map((r: { rule: number; matched: boolean; mismatch?: string; line: number }) => [r.rule, r.matched, r.mismatch ?? null, r.line]), [
      [0, false, 'users', 5],
      [1, false, 'resources', 7],
      [2, true, null, 10],
    ]);
  });

  test('no rule matches: said so', async () => {
    const run = await kubetrail(['policy', 'explain', '-f', 'wildcard.yaml', '--request', '{"verb":"get","path":"/x"}', '--kubernetes-version', '1.36']);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^rule 0 \(line 4\): no match — resources\/namespaces: "\/x" is a non-resource request/m);
    assert.match(run.stdout, /decision: None \(rule 1;/);
  });
});

describe('the command line itself', () => {
  test('--version prints the package version (and loads no command); --help still lists every command', async () => {
    const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
    const version = await kubetrail(['--version']);
    assert.deepEqual([version.code, version.stdout], [0, `${pkg.version}\n`]);
    const help = await kubetrail(['--help']);
    assert.equal(help.code, 0);
    for (const command of ['policy', 'ingest', 'verify', 'query', 'who', 'serve', 'enable', 'tail']) assert.match(help.stdout, new RegExp(`\\n  ${command}\\b`), command);
  });

  test('an unknown command: exit 2', async () => {
    const run = await kubetrail(['polcy', 'validate']);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /^kubetrail: unknown command 'polcy'/);
  });

  test('an unknown subcommand or flag: exit 2', async () => {
    assert.equal((await kubetrail(['policy', 'validat', '-f', 'valid.yaml'])).code, 2);
    const run = await kubetrail(['policy', 'validate', '-f', 'valid.yaml', '--colour']);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /unknown option '--colour'/);
  });

  test('diagnostics are file:line:column: message', async () => {
    // Usage errors (exit 2) print a plain `kubetrail: …` line (and commander's hints).
    const diagnostics = runs
      .filter((r) => r.code !== 2)
      .flatMap((r) => r.stderr.split('\n'))
      .filter((l) => l !== '' && !l.startsWith('kubetrail: '));
    assert.ok(diagnostics.length > 10);
    for (const line of diagnostics) {
      const m = DIAGNOSTIC.exec(line);
      assert.ok(m !== null, `not a diagnostic: ${JSON.stringify(line)}`);
      assert.ok(Number(m[2]) >= 1 && Number(m[3]) >= 1, line);
    }
  });
});
