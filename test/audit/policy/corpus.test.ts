/**
 * Policies and audit logs from public repositories (../shared/corpus, see its
 * SOURCES.md): what kube-apiserver makes of them. Skipped when ../shared is absent.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { compilePolicy, interpretPolicy, loadPolicy } from '../../../src/audit/policy/index.js';
import { attributesFromEvent } from '../../../src/audit/request.js';
import type { AuditEvent } from '../../../src/audit/types.js';
import { runCli } from '../../support/cli.js';
import { SKIP_WITHOUT_SHARED, sharedPath } from '../../support/paths.js';

const skip = SKIP_WITHOUT_SHARED;
const corpus = (...parts: string[]) => sharedPath('corpus', ...parts);
const readBytes = (path: string) => new Uint8Array(readFileSync(path));
const eventsOf = (path: string): AuditEvent[] =>
  readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as AuditEvent);

describe('corpus policies', { skip }, () => {
  test('audit2rbac/demo-policy.yaml loads and is valid', () => {
    const result = loadPolicy(readBytes(corpus('audit2rbac', 'demo-policy.yaml')));
    assert.deepEqual(result.errors, []);
    assert.equal(result.valid, true);
    assert.equal(result.policy!.rules.length, 1);
    assert.deepEqual(result.policy!.rules[0].users, ['system:admin', 'alice', 'bob', 'system:serviceaccount:ns1:sa1']);
    assert.deepEqual(result.policy!.rules[0].omitStages, ['RequestReceived', 'ResponseStarted', 'Panic']);
  });

  test('apiaudit-vrl/example_policy.yaml (a bare rules list) is refused: no apiVersion', () => {
    for (const strict of [true, false]) {
      const result = loadPolicy(readBytes(corpus('openshift-cluster-logging-operator', 'apiaudit-vrl', 'example_policy.yaml')), { strict });
      assert.equal(result.loadable, false);
      assert.equal(result.valid, false);
      assert.equal(result.policy, null);
      assert.equal(result.errors.length, 1);
      assert.equal(result.errors[0].field, 'apiVersion');
      assert.match(result.errors[0].message, /^apiVersion is missing/);
    }
  });

  test('apiaudit/filter-policy.transcribed.yaml: kube-apiserver loads it, but "*apiserver" is no glob (strict error)', () => {
    const path = corpus('openshift-cluster-logging-operator', 'apiaudit', 'filter-policy.transcribed.yaml');
    const lenient = loadPolicy(readBytes(path), { strict: false });
    assert.equal(lenient.loadable, true);
    assert.equal(lenient.valid, true);
    const strict = loadPolicy(readBytes(path));
    assert.equal(strict.loadable, true);
    assert.equal(strict.valid, false);
    assert.deepEqual(
      strict.errors.map((e) => [e.code, e.field, e.line, e.column]),
      [['literal-pattern', 'rules[0].users[0]', 9, 11]],
    );
  });

  test('filter-policy on its audit.log, as kube-apiserver would decide (exact user names)', () => {
    const policy = loadPolicy(readBytes(corpus('openshift-cluster-logging-operator', 'apiaudit', 'filter-policy.transcribed.yaml')), { strict: false }).policy!;
    const events = eventsOf(corpus('openshift-cluster-logging-operator', 'apiaudit', 'audit.log'));
    const compiled = compilePolicy(policy);
    const decisions = events.map((e) => compiled.evaluate(attributesFromEvent(e)));
    // checker.go hasString: "*apiserver" matches no real user, so the get by
    // system:apiserver falls to rule 1 (get → None), unlike the CLO filter's glob.
    assert.deepEqual(
      decisions.map((d) => [d.level, d.rule]),
      [
        ['None', 1],
        ['Metadata', 3],
        ['Metadata', 3],
        ['None', 1],
        ['Request', 2],
      ],
    );
    events.forEach((e, i) => assert.deepEqual(interpretPolicy(policy, attributesFromEvent(e)), { ...decisions[i] }));
  });
});

/** Files holding one audit event per line (SOURCES.md), with their event counts. */
const EVENT_LOGS: [string[], number][] = [
  [['audit2rbac', 'demo.log'], 37],
  [['audit2rbac', 'demo.v1beta1-2017.log'], 37],
  [['falco-k8s-audit-traces', 'falco-k8s-audit-traces.jsonl'], 51],
  [['openshift-cluster-logging-operator', 'apiaudit-vrl', 'audit_in.log'], 100],
  [['openshift-cluster-logging-operator', 'apiaudit', 'audit.log'], 5],
  [['openshift-cluster-logging-operator', 'syslog-test-2021', 'OpenshiftAuditLogs.jsonl'], 17],
  [['sysdiglabs-aks-audit-log', 'aks_inner_events.jsonl'], 23],
  [['panther-analysis', 'panther_native_events.jsonl'], 188],
];

describe('eval --events over corpus logs', { skip }, () => {
  for (const [parts, count] of EVENT_LOGS) {
    test(`${parts.join('/')}: one line per event`, async () => {
      const run = await runCli(['policy', 'eval', '-f', corpus('audit2rbac', 'demo-policy.yaml'), '--events', corpus(...parts), '-o', 'jsonl']);
      assert.equal(run.code, 0, run.stderr);
      assert.doesNotMatch(run.stderr, /\n {4}at /);
      const lines = run.stdout.trim().split('\n').map((l) => JSON.parse(l));
      assert.equal(lines.length, count);
      const events = eventsOf(corpus(...parts));
      lines.forEach((line, i) => {
        assert.equal(line.auditID, events[i].auditID ?? null, `line ${i + 1}`);
        assert.ok(['None', 'Metadata'].includes(line.level), `line ${i + 1}: ${JSON.stringify(line)}`);
      });
    });
  }

  test('audit2rbac/demo.log: every request came from system:admin (impersonating), a listed user', async () => {
    const run = await runCli(['policy', 'eval', '-f', corpus('audit2rbac', 'demo-policy.yaml'), '--events', corpus('audit2rbac', 'demo.log')]);
    assert.equal(run.code, 0, run.stderr);
    for (const line of run.stdout.trim().split('\n')) {
      const d = JSON.parse(line);
      assert.deepEqual([d.level, d.rule, d.omitStages, d.omitManagedFields], ['Metadata', 0, ['RequestReceived', 'ResponseStarted', 'Panic'], false]);
    }
  });

  test('a file of non-events (an index) gives an error line per line and exit 1', async () => {
    const run = await runCli(['policy', 'eval', '-f', corpus('audit2rbac', 'demo-policy.yaml'), '--events', corpus('falco-k8s-audit-traces', 'falco-k8s-audit-traces.index.jsonl')]);
    assert.equal(run.code, 1);
    const lines = run.stdout.trim().split('\n').map((l) => JSON.parse(l));
    assert.equal(lines.length, readFileSync(corpus('falco-k8s-audit-traces', 'falco-k8s-audit-traces.index.jsonl'), 'utf8').trim().split('\n').length);
    assert.ok(lines.every((l) => typeof l.error === 'string'));
  });
});
