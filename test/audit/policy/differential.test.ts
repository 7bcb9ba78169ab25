/**
 * The compiled evaluator against the plain interpreter, on random policy/request
 * pairs built from small vocabularies so that rules and requests collide often
 * (wildcards, subresource forms, empty names and namespaces, URL prefixes), with and
 * without `group: "*"` as a wildcard. A third, independent reading of checker.go
 * written here (oracle) joins the vote, and explainPolicy must agree with all of them.
 *
 * Policies are built directly, not loaded, so rules that validation refuses (both
 * resources and nonResourceURLs, resourceNames without resources, odd URLs) are
 * covered: the evaluators must agree on whatever Policy they are given.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { compilePolicy, explainPolicy, interpretPolicy, type AuditDecision } from '../../../src/audit/policy/index.js';
import type { RequestAttributes } from '../../../src/audit/request.js';
import { LEVELS, STAGES, type GroupResources, type Policy, type PolicyRule, type Stage } from '../../../src/audit/types.js';

const SEED = 20_260_101;
const POLICIES = 1_200;

const USERS = ['alice', 'bob', '', '*', 'system:admin', 'system:serviceaccount:kube-system:default'];
const GROUPS = ['system:authenticated', 'dev', 'ops', 'system:masters', '*', ''];
const VERBS = ['get', 'list', 'watch', 'create', 'update', 'delete', '*', ''];
const API_GROUPS = ['', 'apps', 'rbac.authorization.k8s.io', '*'];
const RULE_RESOURCES = ['pods', 'pods/log', 'pods/*', '*/log', '*/status', '*/*', '*', 'deployments', 'deployments/scale', 'secrets', '', 'pods/log/*', '*/', '/log', 'pods/'];
const RESOURCES = ['pods', 'deployments', 'secrets', 'nodes', '*', '', 'pods/log'];
const SUBRESOURCES = ['', '', 'log', 'status', 'exec', 'scale', '*', 'log/x'];
const NAMES = ['', 'web', 'db', '*'];
const NAMESPACES = ['', 'default', 'kube-system', '*'];
const URL_SPECS = ['*', '/healthz', '/healthz*', '/healthz/*', '/metrics', '/api*', '/', '', '/**', 'x*', '/healthzfoo'];
const PATHS = ['/healthz', '/healthzfoo', '/healthz/etcd', '/metrics', '/metrics/x', '/api', '/apis', '/', '', '/api/v1/pods', '*', '/**'];

const pick = (values: readonly string[]) => fc.constantFrom(...values);
/** Usually empty (the field is unset), else one to three entries, repeats allowed. */
const sometimes = (values: readonly string[], emptyWeight = 3) =>
  fc.oneof({ arbitrary: fc.constant([] as string[]), weight: emptyWeight }, { arbitrary: fc.array(pick(values), { minLength: 1, maxLength: 3 }), weight: 2 });

const groupResourcesArb: fc.Arbitrary<GroupResources> = fc.record({
  group: pick(API_GROUPS),
  resources: sometimes(RULE_RESOURCES, 1),
  resourceNames: sometimes(NAMES, 3),
});

const ruleArb: fc.Arbitrary<PolicyRule> = fc.record({
  level: pick(LEVELS),
  users: sometimes(USERS),
  userGroups: sometimes(GROUPS),
  verbs: sometimes(VERBS),
  resources: fc.oneof({ arbitrary: fc.constant([] as GroupResources[]), weight: 2 }, { arbitrary: fc.array(groupResourcesArb, { minLength: 1, maxLength: 3 }), weight: 3 }),
  namespaces: sometimes(NAMESPACES, 4),
  nonResourceURLs: sometimes(URL_SPECS, 3),
  omitStages: sometimes(STAGES, 3),
  omitManagedFields: fc.constantFrom(undefined, true, false),
});

const policyArb: fc.Arbitrary<Policy> = fc.record({
  apiVersion: fc.constant('audit.k8s.io/v1'),
  kind: fc.constant('Policy'),
  metadata: fc.constant({}),
  rules: fc.array(ruleArb, { minLength: 0, maxLength: 8 }),
  omitStages: sometimes(STAGES, 3),
  omitManagedFields: fc.boolean(),
});

const requestArb: fc.Arbitrary<RequestAttributes> = fc.record({
  user: fc.oneof({ arbitrary: fc.constant(null), weight: 1 }, { arbitrary: pick(USERS), weight: 5 }),
  groups: fc.array(pick(GROUPS), { maxLength: 3 }),
  verb: pick(VERBS),
  resourceRequest: fc.boolean(),
  apiGroup: pick(API_GROUPS),
  apiVersion: pick(['v1', '']),
  resource: pick(RESOURCES),
  subresource: pick(SUBRESOURCES),
  namespace: pick(NAMESPACES),
  name: pick(NAMES),
  path: pick(PATHS),
});

/** checker.go's matching, written out once more, independently of src/. */
function oracle(policy: Policy, a: RequestAttributes, wildcardGroup: boolean): AuditDecision {
  const has = (list: readonly string[], v: string) => list.some((x) => x === v);
  const matches = (r: PolicyRule): boolean => {
    if (r.users.length > 0 && (a.user === null || !has(r.users, a.user))) return false;
    if (r.userGroups.length > 0 && (a.user === null || !a.groups.some((g) => has(r.userGroups, g)))) return false;
    if (r.verbs.length > 0 && !has(r.verbs, a.verb)) return false;
    if (r.namespaces.length > 0 || r.resources.length > 0) {
      if (!a.resourceRequest) return false;
      if (r.namespaces.length > 0 && !has(r.namespaces, a.namespace)) return false;
      if (r.resources.length === 0) return true;
      const combined = a.subresource !== '' ? `${a.resource}/${a.subresource}` : a.resource;
      return r.resources.some((gr) => {
        if (!(gr.group === a.apiGroup || (wildcardGroup && gr.group === '*'))) return false;
        if (gr.resources.length === 0) return true;
        return gr.resources.some((res) => {
          if (gr.resourceNames.length > 0 && !has(gr.resourceNames, a.name)) return false;
          if (res === combined || res === '*') return true;
          if (a.subresource.length > 0 && res.startsWith('*/') && a.subresource === res.slice(2)) return true;
          return res.endsWith('/*') && a.resource === res.slice(0, res.length - 2);
        });
      });
    }
    if (r.nonResourceURLs.length > 0) {
      if (a.resourceRequest) return false;
      return r.nonResourceURLs.some((spec) => {
        if (spec === '*' || spec === a.path) return true;
        let prefix = spec;
        while (prefix.endsWith('*')) prefix = prefix.slice(0, -1);
        return spec.endsWith('*') && a.path.startsWith(prefix);
      });
    }
    return true;
  };
  const inOrder = (...lists: readonly string[][]) => STAGES.filter((s) => lists.some((l) => l.includes(s))) as Stage[];
  const index = policy.rules.findIndex(matches);
  if (index < 0) return { level: 'None', omitStages: inOrder(policy.omitStages), omitManagedFields: policy.omitManagedFields, rule: null };
  const rule = policy.rules[index];
  return { level: rule.level as AuditDecision['level'], omitStages: inOrder(policy.omitStages, rule.omitStages), omitManagedFields: rule.omitManagedFields ?? policy.omitManagedFields, rule: index };
}

const plain = (d: AuditDecision) => ({ level: d.level, omitStages: [...d.omitStages], omitManagedFields: d.omitManagedFields, rule: d.rule });

test(`compiled = interpreted = oracle = explained on ≥ 10,000 random pairs (seed ${SEED})`, () => {
  let pairs = 0;
  let matched = 0;
  let cachedRuns = 0;
  fc.assert(
    fc.property(policyArb, fc.array(requestArb, { minLength: 8, maxLength: 14 }), fc.boolean(), (policy, requests, wildcardGroup) => {
      const options = { wildcardGroup };
      const compiled = compilePolicy(policy, options);
      const uncached = compilePolicy(policy, { ...options, maxPlans: 0 });
      const tiny = compilePolicy(policy, { ...options, maxPlans: 2 });
      for (const request of requests) {
        const want = plain(oracle(policy, request, wildcardGroup));
        const context = () => JSON.stringify({ policy, request, wildcardGroup });
        assert.deepEqual(plain(interpretPolicy(policy, request, options)), want, `interpreter vs oracle: ${context()}`);
        assert.deepEqual(plain(compiled.evaluate(request)), want, `compiled vs oracle: ${context()}`);
        assert.deepEqual(plain(uncached.evaluate(request)), want, `compiled (no plans) vs oracle: ${context()}`);
        assert.deepEqual(plain(tiny.evaluate(request)), want, `compiled (2 plans) vs oracle: ${context()}`);
        assert.deepEqual(plain(explainPolicy(policy, request, options).decision), want, `explain vs oracle: ${context()}`);
        pairs++;
        if (want.rule !== null) matched++;
      }
      // Asked again, in reverse: answers from cached plans must not change.
      for (const request of [...requests].reverse()) {
        assert.deepEqual(plain(compiled.evaluate(request)), plain(oracle(policy, request, wildcardGroup)));
        cachedRuns++;
      }
    }),
    { seed: SEED, numRuns: POLICIES, endOnFailure: true },
  );
  assert.ok(pairs >= 10_000, `${pairs} pairs`);
  assert.ok(cachedRuns >= 10_000);
  // The vocabularies must make rules match often enough to mean something.
  assert.ok(matched > pairs * 0.2 && matched < pairs * 0.95, `${matched} of ${pairs} matched a rule`);
});

test('explain agrees with the interpreter, and names a mismatch for every rule before the match', () => {
  fc.assert(
    fc.property(policyArb, requestArb, fc.boolean(), (policy, request, wildcardGroup) => {
      const explanation = explainPolicy(policy, request, { wildcardGroup });
      const decision = plain(interpretPolicy(policy, request, { wildcardGroup }));
      assert.deepEqual(plain(explanation.decision), decision);
      const expectedLength = decision.rule === null ? policy.rules.length : decision.rule + 1;
      assert.equal(explanation.rules.length, expectedLength);
      explanation.rules.forEach((r, i) => {
        assert.equal(r.rule, i);
        assert.equal(r.matched, i === decision.rule);
        assert.equal(r.mismatch === undefined, r.matched);
        assert.ok(r.reason.length > 0);
      });
    }),
    { seed: SEED + 1, numRuns: 3_000 },
  );
});

test('a compiled policy never changes the Policy it was given, and its decisions are frozen', () => {
  fc.assert(
    fc.property(policyArb, requestArb, (policy, request) => {
      const before = JSON.stringify(policy);
      const decision = compilePolicy(policy).evaluate(request);
      assert.equal(JSON.stringify(policy), before);
      assert.ok(Object.isFrozen(decision) && Object.isFrozen(decision.omitStages));
    }),
    { seed: SEED + 2, numRuns: 1_000 },
  );
});
