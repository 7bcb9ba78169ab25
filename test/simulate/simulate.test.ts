/** policy simulate and diff: totals that add up exactly, hand-checked counts, coverage findings, store = log. */
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { presetPolicyText } from '../../src/audit/policy/index.js';
import { runCli } from '../support/cli.js';
import { tempStore } from '../store/helpers.js';

function ev(i: number, fields: Record<string, unknown>): string {
  return JSON.stringify({
    kind: 'Event',
    apiVersion: 'audit.k8s.io/v1',
    level: 'RequestResponse',
    auditID: `a-${i}`,
    stage: 'ResponseComplete',
    requestURI: '/api/v1/namespaces/default/pods/x',
    verb: 'get',
    user: { username: 'alice', groups: ['system:authenticated'] },
    objectRef: { resource: 'pods', namespace: 'default', name: 'x', apiVersion: 'v1' },
    responseStatus: { code: 200 },
    requestReceivedTimestamp: `2026-12-03T10:00:${String(i).padStart(2, '0')}.000000Z`,
    stageTimestamp: `2026-12-03T10:00:${String(i).padStart(2, '0')}.001000Z`,
    ...fields,
  });
}

const LOG = [
  ev(1, { verb: 'create', requestObject: { kind: 'Pod', spec: { a: 'x'.repeat(100) } }, responseObject: { kind: 'Pod', spec: { a: 'x'.repeat(100) } } }),
  ev(2, { verb: 'get', requestURI: '/api/v1/namespaces/default/secrets/db', objectRef: { resource: 'secrets', namespace: 'default', name: 'db', apiVersion: 'v1' }, responseObject: { kind: 'Secret', data: { p: 'c2VjcmV0' } } }),
  ev(3, { verb: 'create', requestURI: '/api/v1/namespaces/default/pods/x/exec?command=sh', objectRef: { resource: 'pods', subresource: 'exec', namespace: 'default', name: 'x', apiVersion: 'v1' }, stage: 'ResponseStarted' }),
  ev(4, { verb: 'create', requestURI: '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', user: { username: 'system:serviceaccount:kube-system:rbac', groups: [] }, objectRef: { resource: 'clusterrolebindings', apiGroup: 'rbac.authorization.k8s.io', name: 'admin', apiVersion: 'v1' } }),
  ev(5, { verb: 'watch', requestURI: '/api/v1/namespaces/default/pods?watch=true', objectRef: { resource: 'pods', namespace: 'default', apiVersion: 'v1' }, user: { username: 'system:kube-scheduler', groups: [] } }),
  'not json',
];

const POLICIES: Record<string, string> = {
  dropAll: 'apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: None\n',
  secretsWithBodies: 'apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: RequestResponse\n  resources:\n  - group: ""\n    resources: ["secrets"]\n- level: Metadata\n  omitStages: ["ResponseStarted"]\n',
  noWatch: 'apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: None\n  verbs: ["watch"]\n- level: Request\n',
};

function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'kubetrail-sim-'));
  const log = join(dir, 'audit.log');
  writeFileSync(log, `${LOG.join('\n')}\n`);
  for (const [name, text] of Object.entries(POLICIES)) writeFileSync(join(dir, `${name}.yaml`), text);
  writeFileSync(join(dir, 'recommended.yaml'), presetPolicyText('recommended'));
  return { dir, log, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

async function simulate(dir: string, policy: string, source: string[]) {
  const r = await runCli(['policy', 'simulate', '-f', join(dir, `${policy}.yaml`), ...source, '-o', 'json']);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout);
}

test('totals add up exactly, per rule and overall, for every policy', async () => {
  const s = setup();
  try {
    const inputBytes = LOG.slice(0, 5).reduce((a, l) => a + Buffer.byteLength(l), 0);
    for (const policy of [...Object.keys(POLICIES), 'recommended']) {
      const r = await simulate(s.dir, policy, ['--log', s.log]);
      assert.deepEqual(r.input, { events: 5, bytes: inputBytes }, policy);
      assert.equal(r.kept.events + r.dropped.events, 5, policy);
      assert.equal(r.kept.bytes + r.dropped.bytes, inputBytes, policy);
      assert.equal(r.byRule.reduce((a: number, x: { matched: { events: number } }) => a + x.matched.events, 0), 5, policy);
      assert.equal(r.byRule.reduce((a: number, x: { matched: { bytes: number } }) => a + x.matched.bytes, 0), inputBytes, policy);
      assert.equal(r.byRule.reduce((a: number, x: { bytesAfter: number }) => a + x.bytesAfter, 0), r.bytesAfter, policy);
      assert.equal(r.skipped, 1, 'the line that is not JSON is counted, not fatal');
    }
  } finally {
    s.cleanup();
  }
});

test('hand-checked: what each policy keeps, drops and flags', async () => {
  const s = setup();
  try {
    const drop = await simulate(s.dir, 'dropAll', ['--log', s.log]);
    assert.equal(drop.kept.events, 0);
    assert.equal(drop.bytesAfter, 0);
    assert.deepEqual(drop.coverage.map((c: { id: string }) => c.id).sort(), ['exec-attach-portforward-dropped', 'human-writes-dropped', 'rbac-changes-dropped', 'secret-access-dropped']);
    assert.deepEqual(drop.coverage.find((c: { id: string }) => c.id === 'human-writes-dropped').examples, ['a-1', 'a-3']);

    const secrets = await simulate(s.dir, 'secretsWithBodies', ['--log', s.log]);
    assert.equal(secrets.kept.events, 4, 'the exec event at ResponseStarted is omitted');
    assert.deepEqual(secrets.coverage.map((c: { id: string }) => c.id).sort(), ['exec-attach-portforward-dropped', 'human-writes-dropped', 'secret-bodies-logged'], 'the exec (a write by alice) is dropped with its stage; the secret is logged with its body');
    // Metadata drops the bodies of event 1; the secret (rule 0) stays as recorded.
    const rule0 = secrets.byRule.find((r: { rule: number | null }) => r.rule === 0);
    assert.equal(rule0.bytesAfter, Buffer.byteLength(LOG[1]));
    assert.ok(secrets.bytesAfter < secrets.kept.bytes);

    const noWatch = await simulate(s.dir, 'noWatch', ['--log', s.log]);
    assert.equal(noWatch.dropped.events, 1);
    assert.equal(noWatch.byUser.find((u: { key: string }) => u.key === 'system:kube-scheduler').after.events, 0);
    assert.equal(noWatch.rates.before.eventsPerSecond.toFixed(3), (5 / 4).toFixed(3), '5 events over 4 seconds');
  } finally {
    s.cleanup();
  }
});

test('--store gives the same report as --log over the same events', async () => {
  const s = setup();
  const t = tempStore();
  try {
    await runCli(['ingest', '--store', t.dir, '--key', t.keyPath, s.log]);
    const fromLog = await simulate(s.dir, 'secretsWithBodies', ['--log', s.log]);
    const fromStore = await simulate(s.dir, 'secretsWithBodies', ['--store', t.dir]);
    assert.deepEqual({ ...fromStore, skipped: 1 }, fromLog);
  } finally {
    s.cleanup();
    t.cleanup();
  }
});

test('diff: a policy against itself changes nothing; two policies show which traffic moves', async () => {
  const s = setup();
  try {
    const same = JSON.parse((await runCli(['policy', 'diff', join(s.dir, 'noWatch.yaml'), join(s.dir, 'noWatch.yaml'), '--log', s.log, '-o', 'json'])).stdout);
    assert.equal(same.changed, 0);
    assert.equal(same.events, 5);
    const d = JSON.parse((await runCli(['policy', 'diff', join(s.dir, 'noWatch.yaml'), join(s.dir, 'dropAll.yaml'), '--log', s.log, '-o', 'json'])).stdout);
    assert.equal(d.changed, 4);
    assert.deepEqual(d.cells.map((c: { from: string; to: string; events: number }) => `${c.from}→${c.to}:${c.events}`).sort(), ['None→None:1', 'Request→None:4']);
    const bad = await runCli(['policy', 'simulate', '-f', join(s.dir, 'noWatch.yaml')]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--log FILE\.\.\. or --store DIR/);
  } finally {
    s.cleanup();
  }
});
