/**
 * `kubetrail generate` through the real built binary: the contract's invocation, the
 * same bytes for the same arguments, refusals of bad arguments with exit 2 and a
 * message (an invalid policy: exit 1, as everywhere), and a reader that goes away.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, type CliRun } from '../support/cli.js';
import { CLI_PATH } from '../support/paths.js';
import { parseStart } from '../../src/cli/generate.js';

let dir = '';
const runs: CliRun[] = [];
async function kubetrail(args: string[]): Promise<CliRun> {
  const run = await runCli(args, { cwd: dir, env: { KUBETRAIL_DEBUG: '' } });
  runs.push(run);
  return run;
}

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'kubetrail-generate-'));
  writeFileSync(join(dir, 'metadata.yaml'), 'apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: Metadata\n');
  writeFileSync(join(dir, 'invalid.yaml'), 'apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: Verbose\n');
  writeFileSync(join(dir, 'nothing.yaml'), 'apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: None\n');
});

after(() => {
  rmSync(dir, { recursive: true, force: true });
  for (const run of runs) assert.doesNotMatch(run.stderr, /\n {4}at /, run.stderr);
});

describe('kubetrail generate', () => {
  test('--events 1000 --seed 7: exit 0, 1000 audit events on stdout, nothing on stderr, the same bytes twice', async () => {
    const [a, b] = await Promise.all([kubetrail(['generate', '--events', '1000', '--seed', '7']), kubetrail(['generate', '--events', '1000', '--seed', '7'])]);
    assert.equal(a.code, 0, a.stderr);
    assert.equal(a.stderr, '');
    const lines = a.stdout.split('\n');
    assert.equal(lines.pop(), '');
    assert.equal(lines.length, 1000);
    for (const l of lines) {
      const e = JSON.parse(l);
      assert.equal(e.apiVersion, 'audit.k8s.io/v1');
      assert.equal(e.kind, 'Event');
    }
    assert.ok(lines[0].includes('"requestReceivedTimestamp":"2026-11-23T10:00:'), 'starts at the default start');
    assert.equal(b.stdout, a.stdout);
  });

  test('--workers 2 and --workers 0 write the same bytes', async () => {
    const args = ['generate', '--events', '3000', '--seed', '2', '--policy', 'metadata.yaml', '--rate', '500', '--start', '2025-01-01T00:00:00.5Z'];
    const [w0, w2] = await Promise.all([kubetrail([...args, '--workers', '0']), kubetrail([...args, '--workers', '2'])]);
    assert.equal(w0.code, 0, w0.stderr);
    assert.equal(w2.code, 0, w2.stderr);
    assert.equal(w2.stdout, w0.stdout);
    assert.ok(w0.stdout.startsWith('{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata"'));
    assert.ok(w0.stdout.includes('"requestReceivedTimestamp":"2025-01-01T00:00:00.5'));
  });

  const refusals: { desc: string; args: string[]; code: number; message: RegExp }[] = [
    { desc: 'no --events', args: [], code: 2, message: /--events/ },
    { desc: '--events that is not a number', args: ['--events', 'many'], code: 2, message: /--events "many": expected a number of events/ },
    { desc: 'negative --events', args: ['--events', '-5'], code: 2, message: /--events/ },
    { desc: 'fractional --events', args: ['--events', '1.5'], code: 2, message: /--events "1\.5"/ },
    { desc: 'a --seed that is not a whole number', args: ['--events', '10', '--seed', 'abc'], code: 2, message: /--seed "abc"/ },
    { desc: 'a --start that is not RFC 3339', args: ['--events', '10', '--start', 'yesterday'], code: 2, message: /--start "yesterday": expected an RFC 3339 time/ },
    { desc: 'a --start on a day that does not exist', args: ['--events', '10', '--start', '2026-02-30T00:00:00Z'], code: 2, message: /--start/ },
    { desc: 'a zero --rate', args: ['--events', '10', '--rate', '0'], code: 2, message: /--rate "0"/ },
    { desc: 'a --workers that is not a number', args: ['--events', '10', '--workers', 'lots'], code: 2, message: /--workers "lots"/ },
    { desc: 'an unreadable --policy', args: ['--events', '10', '--policy', 'missing.yaml'], code: 2, message: /missing\.yaml: cannot read policy file: no such file/ },
    { desc: 'a policy kube-apiserver would refuse', args: ['--events', '10', '--policy', 'invalid.yaml'], code: 1, message: /invalid\.yaml: kube-apiserver would refuse this policy/ },
    { desc: 'a policy that logs nothing', args: ['--events', '10', '--policy', 'nothing.yaml'], code: 2, message: /logs none of the generated requests/ },
  ];
  // Started together: each is a process start, and they do not depend on each other.
  const refused = new Map<string, Promise<CliRun>>();
  before(() => {
    for (const r of refusals) refused.set(r.desc, kubetrail(['generate', ...r.args]));
  });
  for (const r of refusals) {
    test(`${r.desc}: exit ${r.code} with a message, nothing on stdout`, async () => {
      const run = await refused.get(r.desc)!;
      assert.equal(run.code, r.code, run.stderr);
      assert.match(run.stderr, r.message);
      assert.equal(run.stdout, '');
    });
  }

  test('a reader that goes away (| head): exit 0, quietly', async () => {
    const child = spawn(process.execPath, [CLI_PATH, 'generate', '--events', '2000000', '--workers', '2'], { cwd: dir });
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
    child.stdout.destroy();
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    assert.equal(code, 0, stderr);
    assert.equal(stderr, '');
  });
});

describe('--start', () => {
  const cases: { input: string; want: number | null }[] = [
    { input: '2026-11-23T10:00:00Z', want: Date.UTC(2026, 10, 23, 10) * 1000 },
    { input: '2026-11-23T10:00:00.123456Z', want: Date.UTC(2026, 10, 23, 10) * 1000 + 123456 },
    { input: '2026-11-23T10:00:00.5Z', want: Date.UTC(2026, 10, 23, 10) * 1000 + 500000 },
    { input: '2026-11-23T11:00:00+01:00', want: Date.UTC(2026, 10, 23, 10) * 1000 },
    { input: '2026-11-23t10:00:00z', want: Date.UTC(2026, 10, 23, 10) * 1000 },
    { input: '2026-11-23', want: null },
    { input: '2026-11-23T25:00:00Z', want: null },
    { input: '2026-02-29T00:00:00Z', want: null },
    { input: '1969-12-31T23:59:59Z', want: null },
  ];
  for (const c of cases) {
    test(`${c.input} → ${c.want ?? 'refused'}`, () => {
      if (c.want === null) assert.throws(() => parseStart(c.input), /--start/);
      else assert.equal(parseStart(c.input), c.want);
    });
  }
});
