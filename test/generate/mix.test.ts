/**
 * The traffic is a cluster's: every kind of actor shows up doing what it does, names
 * recur, periodic work keeps its period, event sizes sit in their bands, and the log
 * runs at the rate asked for.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { LogGenerator, planLog } from '../../src/generate/index.js';
import { generateRequests } from '../../src/generate/index.js';
import { LANE_INDEX, forEachLaneSlot } from '../../src/generate/schedule.js';
import { planSlot } from '../../src/generate/lanes.js';
import type { Plan } from '../../src/generate/plan.js';
import { POLICIES, START_US, logText, parseLog } from './helpers.js';

const config = planLog({ seed: 21, startUs: START_US, rate: 200, policy: POLICIES.everything });
const gen = new LogGenerator(config);
/** The first 40,000 slots, plus every slot of the rarer lanes (people, the outside) up to 1,500,000. */
const FIRST = 40_000;
const plans: Plan[] = gen.plans(0, FIRST);
for (const lane of [LANE_INDEX.human, LANE_INDEX.anon]) forEachLaneSlot(gen.ctx.schedule, lane, FIRST, 1_500_000, (slot) => plans.push(...planSlot(gen.ctx, slot)));

const user = (p: Plan) => p.attrs.user ?? '';
const agent = (p: Plan) => p.identity.userAgent;
const path = (p: Plan) => p.uri.split('?')[0];

describe('actors', () => {
  const cases: { desc: string; match: (p: Plan) => boolean }[] = [
    { desc: 'kubelets renew their node Lease', match: (p) => user(p).startsWith('system:node:') && p.verb === 'update' && p.attrs.resource === 'leases' && p.attrs.namespace === 'kube-node-lease' },
    { desc: 'kubelets patch nodes/status', match: (p) => user(p).startsWith('system:node:') && p.attrs.subresource === 'status' && p.attrs.resource === 'nodes' },
    { desc: 'kubelets patch pods/status', match: (p) => user(p).startsWith('system:node:') && p.verb === 'patch' && p.attrs.resource === 'pods' && p.attrs.subresource === 'status' },
    { desc: 'kubelets read secrets and configmaps', match: (p) => user(p).startsWith('system:node:') && p.verb === 'get' && (p.attrs.resource === 'secrets' || p.attrs.resource === 'configmaps') },
    { desc: 'kubelets request service-account tokens', match: (p) => user(p).startsWith('system:node:') && p.attrs.subresource === 'token' && p.verb === 'create' },
    { desc: 'kubelets are in group system:nodes', match: (p) => user(p).startsWith('system:node:') && p.attrs.groups.includes('system:nodes') },
    { desc: 'controllers run as kube-system service accounts: the ReplicaSet controller creates pods', match: (p) => user(p) === 'system:serviceaccount:kube-system:replicaset-controller' && p.verb === 'create' && p.attrs.resource === 'pods' },
    { desc: 'kube-controller-manager renews its leader Lease', match: (p) => user(p) === 'system:kube-controller-manager' && p.attrs.resource === 'leases' },
    { desc: 'the scheduler binds pods', match: (p) => user(p) === 'system:kube-scheduler' && p.attrs.subresource === 'binding' && p.verb === 'create' },
    { desc: 'kube-proxy watches services and endpointslices', match: (p) => user(p) === 'system:serviceaccount:kube-system:kube-proxy' && p.verb === 'watch' },
    { desc: 'coredns lists or watches', match: (p) => user(p) === 'system:serviceaccount:kube-system:coredns' && (p.verb === 'watch' || p.verb === 'list') },
    { desc: 'kube-apiserver reads its own service from ::1', match: (p) => user(p) === 'system:apiserver' && p.identity.sourceIP === '::1' },
    { desc: 'people use kubectl, in group system:authenticated', match: (p) => /^kubectl\/v1\.\d+\.\d+ \([a-z]+\/[a-z0-9]+\) kubernetes\/[0-9a-f]{7}$/.test(agent(p)) && p.attrs.groups.includes('system:authenticated') && !user(p).startsWith('system:') },
    { desc: 'admins impersonate', match: (p) => p.impersonated.startsWith(',"impersonatedUser":{"username":') },
    { desc: 'refusals: 403 with a forbid decision', match: (p) => p.forbid && p.code === 403 },
    { desc: 'pods/exec', match: (p) => p.attrs.subresource === 'exec' && (p.verb === 'create' || p.verb === 'get') },
    { desc: 'pods/exec as a create (kubectl before 1.30)', match: (p) => p.attrs.subresource === 'exec' && p.verb === 'create' },
    { desc: 'secret reads by people', match: (p) => p.attrs.resource === 'secrets' && agent(p).startsWith('kubectl/') && p.verb === 'get' },
    { desc: 'RBAC changes: rolebindings or clusterrolebindings created or deleted', match: (p) => (p.attrs.resource === 'rolebindings' || p.attrs.resource === 'clusterrolebindings') && (p.verb === 'create' || p.verb === 'delete') },
    { desc: 'deployments scaled with a replicas patch on deployments/scale', match: (p) => p.attrs.subresource === 'scale' && p.verb === 'patch' && /^\{"spec":\{"replicas":\d+\}\}$/.test(p.requestBody?.(false) ?? '') },
    { desc: 'deletes', match: (p) => p.verb === 'delete' },
    { desc: 'health checks: non-resource GETs of /healthz, /livez, /readyz', match: (p) => !p.attrs.resourceRequest && ['/healthz', '/livez', '/readyz'].includes(path(p)) && p.verb === 'get' },
    { desc: 'anonymous requests', match: (p) => user(p) === 'system:anonymous' && p.attrs.groups.includes('system:unauthenticated') },
    { desc: 'failed authentication (no user attached, 401)', match: (p) => p.attrs.user === null && p.code === 401 && p.authFailed },
    { desc: 'not found (404)', match: (p) => p.code === 404 },
    { desc: 'conflicts (409)', match: (p) => p.code === 409 },
    { desc: 'validation errors (422)', match: (p) => p.code === 422 && p.status?.reason === 'Invalid' },
    { desc: 'strict field validation errors (400)', match: (p) => p.code === 400 },
    { desc: 'watches with ?watch=true&resourceVersion=', match: (p) => p.verb === 'watch' && /[?&]resourceVersion=\d+/.test(p.uri) && p.uri.endsWith('&watch=true') },
    { desc: 'client-side apply (?fieldManager=kubectl-client-side-apply)', match: (p) => p.uri.includes('fieldManager=kubectl-client-side-apply') },
    { desc: 'requests with ?timeout=10s', match: (p) => p.uri.includes('timeout=10s') },
    { desc: 'pod creates carry pod-security.kubernetes.io/enforce-policy', match: (p) => p.attrs.resource === 'pods' && p.verb === 'create' && p.attrs.subresource === '' && p.extraAnnotations?.['pod-security.kubernetes.io/enforce-policy'] !== undefined },
  ];
  for (const c of cases) {
    test(c.desc, () => {
      assert.ok(plans.some(c.match), `no request matched among ${plans.length}`);
    });
  }

  test('the request stream for benchmarks: generateRequests gives exactly count attributes, deterministically', () => {
    const a = generateRequests({ count: 5000, seed: 4 });
    assert.equal(a.length, 5000);
    assert.deepEqual(a, generateRequests({ count: 5000, seed: 4 }));
    assert.notDeepEqual(a, generateRequests({ count: 5000, seed: 5 }));
    assert.ok(a.some((r) => r.user === null) || a.some((r) => r.resourceRequest === false));
  });
});

describe('names recur over time', () => {
  test('at the default rate and policy, the same nodes renew their leases again and again, every 10 s', () => {
    const recommended = new LogGenerator(planLog({ seed: 21, startUs: START_US, rate: 200, policy: POLICIES.recommended }));
    const renewals = new Map<string, number[]>();
    for (const p of recommended.plans(0, 20_000)) {
      if (p.attrs.resource !== 'leases' || p.attrs.namespace !== 'kube-node-lease') continue;
      renewals.set(p.attrs.name, [...(renewals.get(p.attrs.name) ?? []), p.receivedUs]);
    }
    assert.ok(renewals.size >= 3);
    for (const [node, times] of renewals) {
      assert.ok(times.length >= 3, `${node} renewed ${times.length} times`);
      const period = (times[times.length - 1] - times[0]) / (times.length - 1) / 1e6;
      assert.ok(period > 8 && period < 12, `${node}: every ${period.toFixed(1)} s`);
    }
  });

  test('pods bound by the scheduler are later patched and deleted by name', () => {
    const bound = new Set(plans.filter((p) => p.attrs.subresource === 'binding').map((p) => p.attrs.name));
    const later = plans.filter((p) => p.attrs.resource === 'pods' && p.attrs.subresource !== 'binding' && bound.has(p.attrs.name));
    assert.ok(bound.size > 10 && later.length > bound.size, `${bound.size} bound, ${later.length} later requests`);
  });
});

describe('sizes', () => {
  const events = parseLog(logText('recommended', 20_000));
  const lines = logText('recommended', 20_000).split('\n').filter((l) => l !== '');
  const byLevel = (level: string) => lines.filter((_, i) => events[i].level === level).map((l) => l.length);
  const avg = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

  test('Metadata events average 0.5–1.3 KB', () => {
    const sizes = byLevel('Metadata');
    assert.ok(sizes.length > 1000);
    assert.ok(avg(sizes) >= 500 && avg(sizes) <= 1300, `average ${avg(sizes).toFixed(0)} B`);
  });

  test('RequestResponse events average over 4 KB and many exceed 10 KB', () => {
    const sizes = byLevel('RequestResponse');
    assert.ok(sizes.length > 1000);
    assert.ok(avg(sizes) > 4096, `average ${avg(sizes).toFixed(0)} B`);
    const big = sizes.filter((s) => s > 10_240).length / sizes.length;
    assert.ok(big > 0.1, `${(big * 100).toFixed(1)}% over 10 KB`);
  });

  test('with managedFields kept, pod bodies are larger still', () => {
    const kept = logText('everything', 4000).split('\n').filter((l) => l.includes('"kind":"Pod"') && l.includes('"managedFields"'));
    assert.ok(kept.length > 0);
    assert.ok(Math.max(...kept.map((l) => l.length)) > 12_000);
  });
});

describe('rate', () => {
  for (const rate of [200, 1000]) {
    test(`--rate ${rate}: the log spans about events / rate seconds`, () => {
      const events = parseLog(logText('recommended', 6000, 11, rate));
      const span = (Date.parse(events[events.length - 1].stageTimestamp) - Date.parse(events[0].stageTimestamp)) / 1000;
      const expected = 6000 / rate;
      assert.ok(Math.abs(span - expected) / expected < 0.3, `${span.toFixed(1)} s for ${expected} s`);
    });
  }
});
