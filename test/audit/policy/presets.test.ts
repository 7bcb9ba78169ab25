/**
 * The presets: each loads as kube-apiserver loads it (strict), explains every rule,
 * and lints clean but for the findings it lists as accepted (and each listed one
 * really occurs, so the lists stay true). The decisions that make "recommended" and
 * "writes-only" what they claim are spot-checked through the compiled evaluator.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { compilePolicy, loadPolicy, type CompiledPolicy } from '../../../src/audit/policy/index.js';
import { cisSummary, lintPolicy } from '../../../src/audit/policy/lint/index.js';
import { ACCEPTED_FINDINGS, isPresetName, PRESET_DESCRIPTIONS, PRESET_NAMES, presetPolicyText, type PresetName } from '../../../src/audit/policy/presets/index.js';
import { requestAttributesFromJSON } from '../../../src/audit/request.js';
import type { Level } from '../../../src/audit/types.js';

function load(name: PresetName) {
  const loaded = loadPolicy(presetPolicyText(name), { strict: true });
  assert.ok(loaded.policy !== null);
  return loaded;
}

describe('presets', () => {
  for (const name of PRESET_NAMES) {
    describe(name, () => {
      test('loads valid under strict checking, without warnings', () => {
        const loaded = loadPolicy(presetPolicyText(name), { strict: true });
        assert.deepEqual(loaded.errors, []);
        assert.deepEqual(loaded.warnings, []);
        assert.equal(loaded.valid, true);
      });

      test('lints clean except for its accepted findings, each of which occurs', () => {
        const loaded = load(name);
        const findings = lintPolicy(loaded.policy!, { positions: loaded.positions });
        const accepted = new Set(ACCEPTED_FINDINGS[name].map((a) => a.id));
        const unexpected = findings.filter((f) => !accepted.has(f.id));
        assert.deepEqual(unexpected, [], `findings not in ACCEPTED_FINDINGS.${name}`);
        const seen = new Set(findings.map((f) => f.id));
        assert.deepEqual([...accepted].filter((id) => !seen.has(id)), [], 'accepted findings that no longer occur: remove them from the list');
        for (const a of ACCEPTED_FINDINGS[name]) assert.ok(a.reason.length > 20, `${a.id} needs a reason`);
        assert.ok(!findings.some((f) => f.severity === 'error'), 'no preset may accept an error');
      });

      test('meets CIS 3.2.1 and 3.2.2', () => {
        for (const control of cisSummary(load(name).policy!)) assert.equal(control.passed, true, `${control.id}: ${JSON.stringify(control.checks)}`);
      });

      test('every rule has a comment saying why', () => {
        const lines = presetPolicyText(name).split('\n');
        lines.forEach((line, i) => {
          if (!/^\s*- level:/.test(line)) return;
          let j = i - 1;
          while (j >= 0 && lines[j].trim() === '') j--;
          assert.match(lines[j], /^\s*#/, `rule at line ${i + 1} has no comment above it`);
        });
      });

      test('has a one-line description', () => {
        assert.ok(PRESET_DESCRIPTIONS[name].length > 20 && !PRESET_DESCRIPTIONS[name].includes('\n'));
      });
    });
  }

  test('isPresetName', () => {
    assert.equal(isPresetName('recommended'), true);
    assert.equal(isPresetName('Recommended'), false);
    assert.equal(isPresetName(undefined), false);
  });
});

interface Decision {
  desc: string;
  input: Record<string, unknown>;
  want: Level;
}

const alice = { user: 'alice', groups: ['system:authenticated'] };
const node = { user: 'system:node:worker-1', groups: ['system:nodes', 'system:authenticated'] };
const kcm = { user: 'system:kube-controller-manager', groups: ['system:authenticated'] };
const anonymous = { user: 'system:anonymous', groups: ['system:unauthenticated'] };
const res = (verb: string, resource: string, extra: Record<string, unknown> = {}) => ({ verb, resourceRequest: true, resource, namespace: 'team-a', ...extra });

const RECOMMENDED: Decision[] = [
  { desc: 'exec by SPDY (create)', input: { ...alice, ...res('create', 'pods', { subresource: 'exec', name: 'web' }) }, want: 'RequestResponse' },
  { desc: 'exec by WebSocket (get)', input: { ...alice, ...res('get', 'pods', { subresource: 'exec', name: 'web' }) }, want: 'Request' },
  { desc: 'port-forward', input: { ...alice, ...res('create', 'pods', { subresource: 'portforward', name: 'web' }) }, want: 'RequestResponse' },
  { desc: 'secret get', input: { ...alice, ...res('get', 'secrets', { name: 'db' }) }, want: 'Metadata' },
  { desc: 'secret get in kube-system (the trap of the original policy)', input: { ...alice, ...res('get', 'secrets', { name: 'db', namespace: 'kube-system' }) }, want: 'Metadata' },
  { desc: 'secret update by a controller in kube-system', input: { ...kcm, ...res('update', 'secrets', { name: 'x', namespace: 'kube-system' }) }, want: 'Metadata' },
  { desc: 'secret create', input: { ...alice, ...res('create', 'secrets') }, want: 'Metadata' },
  { desc: 'token request', input: { ...alice, ...res('create', 'serviceaccounts', { subresource: 'token', name: 'default' }) }, want: 'Metadata' },
  { desc: 'token review', input: { ...kcm, verb: 'create', resourceRequest: true, apiGroup: 'authentication.k8s.io', resource: 'tokenreviews' }, want: 'Metadata' },
  { desc: 'configmap update', input: { ...alice, ...res('update', 'configmaps', { name: 'cfg' }) }, want: 'Metadata' },
  { desc: 'lease renewal by a node', input: { ...node, ...res('update', 'leases', { apiGroup: 'coordination.k8s.io', namespace: 'kube-node-lease', name: 'worker-1' }) }, want: 'None' },
  { desc: 'lease creation', input: { ...alice, ...res('create', 'leases', { apiGroup: 'coordination.k8s.io' }) }, want: 'RequestResponse' },
  { desc: 'kube-proxy watching endpoint slices', input: { user: 'system:kube-proxy', groups: ['system:authenticated'], ...res('watch', 'endpointslices', { apiGroup: 'discovery.k8s.io', namespace: '' }) }, want: 'None' },
  { desc: 'kubelet reading its Node', input: { ...node, ...res('get', 'nodes', { namespace: '', name: 'worker-1' }) }, want: 'None' },
  { desc: 'kubelet patching its Node status', input: { ...node, ...res('patch', 'nodes', { namespace: '', name: 'worker-1', subresource: 'status' }) }, want: 'Metadata' },
  { desc: '/healthz', input: { ...anonymous, verb: 'get', path: '/healthz' }, want: 'None' },
  { desc: '/readyz/etcd', input: { ...anonymous, verb: 'get', path: '/readyz/etcd' }, want: 'None' },
  { desc: 'discovery', input: { ...alice, verb: 'get', path: '/apis' }, want: 'Metadata' },
  { desc: 'event creation', input: { ...kcm, ...res('create', 'events') }, want: 'None' },
  { desc: 'clusterrolebinding creation', input: { ...alice, ...res('create', 'clusterrolebindings', { apiGroup: 'rbac.authorization.k8s.io', namespace: '' }) }, want: 'RequestResponse' },
  { desc: 'pod list', input: { ...alice, ...res('list', 'pods') }, want: 'Request' },
  { desc: 'deployment update', input: { ...alice, ...res('update', 'deployments', { apiGroup: 'apps', name: 'web' }) }, want: 'RequestResponse' },
  { desc: 'custom resource update', input: { ...alice, ...res('update', 'widgets', { apiGroup: 'example.com', name: 'w' }) }, want: 'Metadata' },
  { desc: 'anonymous pod list', input: { ...anonymous, ...res('list', 'pods') }, want: 'Request' },
  { desc: 'a request without a user', input: { verb: 'get', path: '/api' }, want: 'Metadata' },
];

const WRITES_ONLY: Decision[] = [
  { desc: 'pod list', input: { ...alice, ...res('list', 'pods') }, want: 'None' },
  { desc: 'deployment update', input: { ...alice, ...res('update', 'deployments', { apiGroup: 'apps', name: 'web' }) }, want: 'RequestResponse' },
  { desc: 'exec by WebSocket (get)', input: { ...alice, ...res('get', 'pods', { subresource: 'exec', name: 'web' }) }, want: 'Metadata' },
  { desc: 'secret get', input: { ...alice, ...res('get', 'secrets', { name: 'db' }) }, want: 'Metadata' },
  { desc: 'secret read by a node', input: { ...node, ...res('get', 'secrets', { name: 'db' }) }, want: 'Metadata' },
  { desc: 'configmap update', input: { ...alice, ...res('update', 'configmaps', { name: 'cfg' }) }, want: 'Metadata' },
  { desc: 'configmap read', input: { ...alice, ...res('get', 'configmaps', { name: 'cfg' }) }, want: 'None' },
  { desc: 'anonymous configmap read', input: { ...anonymous, ...res('get', 'configmaps', { name: 'cfg' }) }, want: 'Metadata' },
  { desc: 'RBAC change by the controller manager', input: { ...kcm, ...res('update', 'clusterroles', { apiGroup: 'rbac.authorization.k8s.io', namespace: '', name: 'admin' }) }, want: 'RequestResponse' },
  { desc: 'pod status patch by a node', input: { ...node, ...res('patch', 'pods', { subresource: 'status', name: 'web' }) }, want: 'None' },
  { desc: 'replicaset scaling by the controller manager', input: { ...kcm, ...res('update', 'replicasets', { apiGroup: 'apps', name: 'web' }) }, want: 'None' },
  { desc: 'lease renewal by a workload', input: { user: 'system:serviceaccount:team-a:op', groups: ['system:serviceaccounts', 'system:authenticated'], ...res('update', 'leases', { apiGroup: 'coordination.k8s.io' }) }, want: 'None' },
  { desc: '/livez', input: { ...anonymous, verb: 'get', path: '/livez' }, want: 'None' },
  { desc: 'anonymous discovery', input: { ...anonymous, verb: 'get', path: '/api' }, want: 'Metadata' },
];

function decisionTable(name: PresetName, cases: Decision[]) {
  describe(`${name}: decisions`, () => {
    let compiled: CompiledPolicy;
    for (const c of cases) {
      test(c.desc, () => {
        compiled ??= compilePolicy(load(name).policy!);
        assert.equal(compiled.evaluate(requestAttributesFromJSON(c.input)).level, c.want);
      });
    }
  });
}

decisionTable('recommended', RECOMMENDED);
decisionTable('writes-only', WRITES_ONLY);

describe('k0s: the k0rdent rules, unchanged', () => {
  test('16 rules of k0rdent, ending in a Metadata catch-all that omits RequestReceived', () => {
    const rules = load('k0s').policy!.rules;
    assert.equal(rules.length, 16);
    assert.deepEqual(rules[rules.length - 1], { ...rules[rules.length - 1], level: 'Metadata', omitStages: ['RequestReceived'], resources: [], verbs: [] });
  });
  test('the core group is logged at Metadata, as in k0rdent', () => {
    const compiled = compilePolicy(load('k0s').policy!);
    assert.equal(compiled.evaluate(requestAttributesFromJSON({ ...alice, ...res('create', 'pods') })).level, 'Metadata');
    assert.equal(compiled.evaluate(requestAttributesFromJSON({ ...alice, ...res('create', 'deployments', { apiGroup: 'apps' }) })).level, 'RequestResponse');
  });
});
