/** who and history on genuine OpenShift audit events from ../shared/corpus, and their argument parsing. */
import { strict as assert } from 'node:assert';
import { describe, test } from 'node:test';
import { normaliseVerb, parseObject } from '../../src/query/index.js';
import { runCli } from '../support/cli.js';
import { SKIP_WITHOUT_SHARED, sharedPath } from '../support/paths.js';
import { tempStore } from '../store/helpers.js';

describe('who and history on the shared corpus', { skip: SKIP_WITHOUT_SHARED }, () => {
  const cases: { desc: string; args: string[]; code: number; want: RegExp[] }[] = [
    {
      desc: 'who exec\'d into a pod (a subresource; only ResponseStarted was logged)',
      args: ['who', 'created', 'pods/exec/kube-apiserver-oscar7', '-n', 'openshift-kube-apiserver'],
      code: 0,
      want: [/was created once/, /kube:admin/, /result 101/, /\(ResponseStarted\)/],
    },
    {
      desc: 'who patched a deployment (short resource name, past tense)',
      args: ['who', 'patched', 'deploy/multus-admission-controller', '-n', 'openshift-multus'],
      code: 0,
      want: [/system:serviceaccount:openshift-network-operator:default/, /result 200/, /authorization allow/],
    },
    { desc: 'a delete that failed', args: ['who', 'deleted', 'prometheusrules/kube-apiserver-slos', '-n', 'openshift-kube-apiserver'], code: 0, want: [/result 404/] },
    { desc: 'nothing matches', args: ['who', 'deleted', 'pod/nope', '-n', 'default'], code: 1, want: [/nobody deleted pods\/nope in default/] },
    { desc: 'the history of a deployment', args: ['history', 'deployments/multus-admission-controller', '-n', 'openshift-multus'], code: 0, want: [/deployments\/multus-admission-controller in openshift-multus: \d+ events, oldest first/, /patch {2}200/] },
  ];
  for (const c of cases) {
    test(c.desc, async () => {
      const s = tempStore();
      try {
        const ingest = await runCli(['ingest', '--store', s.dir, '--key', s.keyPath, sharedPath('corpus/openshift-cluster-logging-operator/apiaudit-vrl/audit_in.log')]);
        assert.equal(ingest.code, 0, ingest.stderr);
        const r = await runCli([...c.args, '--store', s.dir]);
        assert.equal(r.code, c.code, r.stderr);
        for (const w of c.want) assert.match(r.stdout, w);
        if (c.code === 0) {
          const json = JSON.parse((await runCli([...c.args, '--store', s.dir, '-o', 'json'])).stdout);
          assert.ok(Array.isArray(json.requests ?? json.entries));
        }
      } finally {
        s.cleanup();
      }
    });
  }
});

test('verbs and objects as people type them', () => {
  const verbs: [string, string][] = [['created', 'create'], ['Deleted', 'delete'], ['patch', 'patch'], ['got', 'get'], ['watched', 'watch']];
  for (const [text, want] of verbs) assert.equal(normaliseVerb(text), want);
  assert.throws(() => normaliseVerb('yeeted'), /not a verb kubetrail knows/);
  const objects: [string, { resource: string; subresource: string | null; name: string }][] = [
    ['pod/web-1', { resource: 'pods', subresource: null, name: 'web-1' }],
    ['po/web-1', { resource: 'pods', subresource: null, name: 'web-1' }],
    ['deployments.apps/api', { resource: 'deployments', subresource: null, name: 'api' }],
    ['pods/exec/web-1', { resource: 'pods', subresource: 'exec', name: 'web-1' }],
    ['widget/w', { resource: 'widgets', subresource: null, name: 'w' }],
  ];
  for (const [text, want] of objects) assert.deepEqual(parseObject(text), want);
  for (const bad of ['pod', 'pod/', '/x', 'a/b/c/d']) assert.throws(() => parseObject(bad), /expected RESOURCE\/NAME/);
});

describe('query with a query string', { skip: SKIP_WITHOUT_SHARED }, () => {
  test('the string and the flags select the same events; a bad field lists the accepted ones', async () => {
    const s = tempStore();
    try {
      await runCli(['ingest', '--store', s.dir, '--key', s.keyPath, sharedPath('corpus/openshift-cluster-logging-operator/apiaudit-vrl/audit_in.log')]);
      const byString = await runCli(['query', '--store', s.dir, '-o', 'jsonl', 'verb=patch ns=openshift-multus']);
      const byFlags = await runCli(['query', '--store', s.dir, '-o', 'jsonl', '--verb', 'patch', '--namespace', 'openshift-multus']);
      assert.equal(byString.code, 0, byString.stderr);
      assert.equal(byString.stdout, byFlags.stdout);
      assert.ok(byString.stdout.split('\n').filter(Boolean).length >= 3);
      const bad = await runCli(['query', '--store', s.dir, 'colour=red']);
      assert.equal(bad.code, 2);
      assert.match(bad.stderr, /unknown field "colour"; use user, group, as\|impersonated, verb, resource\|res, namespace\|ns, name, ip\|source/);
    } finally {
      s.cleanup();
    }
  });
});

describe('--log gives the same answers as --store', { skip: SKIP_WITHOUT_SHARED }, () => {
  test('who, history, stats and query over the same events', async () => {
    const s = tempStore();
    try {
      const log = sharedPath('corpus/openshift-cluster-logging-operator/apiaudit-vrl/audit_in.log');
      await runCli(['ingest', '--store', s.dir, '--key', s.keyPath, log]);
      const commands = [
        ['who', 'patched', 'deploy/multus-admission-controller', '-n', 'openshift-multus', '-o', 'json'],
        ['history', 'deployments/multus-admission-controller', '-n', 'openshift-multus', '-o', 'json'],
        ['stats', '--health', '-o', 'json'],
        ['query', '-o', 'jsonl', 'verb=patch'],
      ];
      for (const c of commands) {
        const fromStore = await runCli([...c, '--store', s.dir]);
        const fromLog = await runCli([...c, '--log', log]);
        assert.equal(fromLog.code, fromStore.code, c.join(' '));
        assert.equal(fromLog.stdout, fromStore.stdout, c.join(' '));
        assert.match(fromLog.stderr, /temporary index/);
      }
      const neither = await runCli(['who', 'created', 'pod/x']);
      assert.equal(neither.code, 2);
      assert.match(neither.stderr, /--store DIR or --log FILE/);
    } finally {
      s.cleanup();
    }
  });
});

test('query --follow prints events committed by another process as they arrive', async () => {
  const { spawn } = await import('node:child_process');
  const { writeFileSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { CLI_PATH } = await import('../support/paths.js');
  const { eventLine } = await import('../store/helpers.js');
  const s = tempStore();
  try {
    writeFileSync(join(s.root, 'first.log'), `${eventLine(1)}\n`);
    await runCli(['ingest', '--store', s.dir, '--key', s.keyPath, join(s.root, 'first.log')]);
    const follow = spawn(process.execPath, [CLI_PATH, 'query', '--store', s.dir, '--follow', '--poll', '50', '-o', 'jsonl', 'verb=get'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    follow.stdout.on('data', (c: Buffer) => (out += c.toString()));
    const lines = () => out.split('\n').filter(Boolean);
    const until = async (n: number) => {
      for (let waited = 0; lines().length < n; waited += 50) {
        assert.ok(waited < 15_000, `saw ${lines().length} of ${n} lines`);
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    await until(1);
    writeFileSync(join(s.root, 'more.log'), `${eventLine(2)}\n${eventLine(3, { verb: 'delete' })}\n${eventLine(4)}\n`);
    await runCli(['ingest', '--store', s.dir, '--key', s.keyPath, join(s.root, 'more.log')]);
    await until(3);
    follow.kill('SIGTERM');
    const code = await new Promise((r) => follow.once('exit', r));
    assert.equal(code, 0);
    assert.deepEqual(lines(), [eventLine(1), eventLine(2), eventLine(4)], 'the matches, in order, each once; the delete is filtered out');
  } finally {
    s.cleanup();
  }
});
