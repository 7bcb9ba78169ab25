/**
 * Policy evaluation, case by case, against what kube-apiserver decides.
 *
 * Every expected value comes from upstream k8s.io/apiserver, never from running our
 * engine: either a case of pkg/audit/policy/checker_test.go (re-stated here as our own
 * table; `source` names it) or the logic of pkg/audit/policy/checker.go (`source`
 * names the function and the line of logic). Each case runs through the compiled
 * evaluator (with and without its plan cache), the plain interpreter and explain, and
 * all must give the same decision.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { compilePolicy, explainPolicy, interpretPolicy, loadPolicy, parseKubernetesVersion, policyFeatures } from '../../../src/audit/policy/index.js';
import { attributesFromEvent, requestAttributesFromJSON, type RequestAttributes } from '../../../src/audit/request.js';
import { emptyRule, type AuditEvent, type Level, type Policy, type PolicyRule, type Stage } from '../../../src/audit/types.js';

interface Want {
  level: Level;
  omitStages: Stage[];
  omitManagedFields: boolean;
  rule: number | null;
}

interface EvalCase {
  desc: string;
  /** Where the expected value comes from upstream. */
  source: string;
  /** YAML text (loaded as kube-apiserver loads it) or a Policy built directly (for what validation refuses). */
  policy: string | Policy;
  /** The request JSON of the `policy eval --request` contract. */
  request: Record<string, unknown>;
  want: Want;
  /** Kubernetes before 1.36: `group: "*"` is no wildcard. */
  wildcardGroup?: boolean;
}

const RR: Stage = 'RequestReceived';
const RS: Stage = 'ResponseStarted';
const RC: Stage = 'ResponseComplete';
const PANIC: Stage = 'Panic';

function want(level: Level, rule: number | null, omitStages: Stage[] = [], omitManagedFields = false): Want {
  return { level, omitStages, omitManagedFields, rule };
}

/** A policy file: head lines (policy-wide fields) and one flow-style YAML mapping per rule. */
function yaml(rules: string[], head: string[] = []): string {
  return ['apiVersion: audit.k8s.io/v1', 'kind: Policy', ...head, 'rules:', ...rules.map((r) => `- ${r}`), ''].join('\n');
}

/** A Policy built directly, for rules kube-apiserver's validation would refuse but its checker still runs. */
function built(rules: Partial<PolicyRule>[], head: Partial<Policy> = {}): Policy {
  return {
    apiVersion: 'audit.k8s.io/v1',
    kind: 'Policy',
    metadata: {},
    omitStages: [],
    omitManagedFields: false,
    ...head,
    rules: rules.map((r) => ({ ...emptyRule(), ...r })),
  };
}

// ---------------------------------------------------------------------------------
// Part 1: checker_test.go, restated. The requests of its `attrs` map and the rules of
// its `rules` map, under our own names; every call of its test() helper becomes a row.
// ---------------------------------------------------------------------------------

const tim = { user: 'tim@k8s.io', groups: ['humans', 'developers'] };
const UPSTREAM_REQUESTS: Record<string, Record<string, unknown>> = {
  namespaced: { ...tim, verb: 'get', namespace: 'default', apiGroup: '', apiVersion: 'v1', resource: 'pods', name: 'busybox', resourceRequest: true, path: '/api/v1/namespaces/default/pods/busybox' },
  cluster: { ...tim, verb: 'get', apiGroup: 'rbac.authorization.k8s.io', apiVersion: 'v1beta1', resource: 'clusterroles', name: 'edit', resourceRequest: true, path: '/apis/rbac.authorization.k8s.io/v1beta1/clusterroles/edit' },
  nonResource: { ...tim, verb: 'get', resourceRequest: false, path: '/logs/kubelet.log' },
  subresource: { ...tim, verb: 'get', namespace: 'default', apiGroup: '', apiVersion: 'v1', resource: 'pods', subresource: 'log', name: 'busybox', resourceRequest: true, path: '/api/v1/namespaces/default/pods/busybox' },
  Unauthorized: { user: null, verb: 'get', namespace: 'default', apiGroup: '', apiVersion: 'v1', resource: 'pods', name: 'busybox', resourceRequest: true, path: '/api/v1/namespaces/default/pods/busybox' },
  ClusterRoleUpdate: { ...tim, verb: 'update', apiGroup: 'rbac.authorization.k8s.io', apiVersion: 'v1beta1', resource: 'clusterroles', subresource: 'status', name: 'somerole', resourceRequest: true, path: '/apis/rbac.authorization.k8s.io/v1beta1/clusterroles/somerole' },
};

const UPSTREAM_RULES: Record<string, string> = {
  default: '{level: Metadata}',
  create: '{level: Request, verbs: [create]}',
  tims: '{level: Metadata, users: ["tim@k8s.io"]}',
  humans: '{level: Metadata, userGroups: [humans]}',
  serviceAccounts: '{level: Request, userGroups: ["system:serviceaccounts"]}',
  getPods: '{level: RequestResponse, verbs: [get], resources: [{resources: [pods]}]}',
  getPodLogs: '{level: Request, verbs: [get], resources: [{resources: [pods/log]}]}',
  getPodWildcardMatching: '{level: Request, verbs: [get], resources: [{resources: ["*"]}]}',
  getPodResourceWildcardMatching: '{level: Request, verbs: [get], resources: [{resources: ["*/log"]}]}',
  getPodSubResourceWildcardMatching: '{level: Request, verbs: [get], resources: [{resources: ["pods/*"]}]}',
  getClusterRoles: '{level: RequestResponse, verbs: [get], resources: [{group: rbac.authorization.k8s.io, resources: [clusterroles]}], namespaces: [""]}',
  getGroupWildCardMatchingWithSubresourceWildcardMatching: '{level: RequestResponse, verbs: [update], resources: [{group: "*", resources: ["*/status"]}]}',
  getLogs: '{level: RequestResponse, verbs: [get], nonResourceURLs: ["/logs*"]}',
  getMetrics: '{level: Request, verbs: [get], nonResourceURLs: [/metrics]}',
  clusterRoleEdit: '{level: Request, resources: [{group: rbac.authorization.k8s.io, resources: [clusterroles], resourceNames: [edit]}]}',
  'omit RequestReceived': '{level: Request, omitStages: [RequestReceived]}',
  'only audit panic': '{level: Request, omitStages: [RequestReceived, ResponseStarted, ResponseComplete]}',
};

/**
 * testAuditLevel's calls: request, rules in order, the level upstream asserts, and the
 * index of the first matching rule (worked out by hand from ruleMatches; upstream
 * asserts the level only).
 */
const AUDIT_LEVEL_ROWS: [string, string[], Level, number | null][] = [
  ['namespaced', ['default'], 'Metadata', 0],
  ['namespaced', ['create'], 'None', null],
  ['namespaced', ['tims'], 'Metadata', 0],
  ['namespaced', ['humans'], 'Metadata', 0],
  ['namespaced', ['serviceAccounts'], 'None', null],
  ['namespaced', ['getPods'], 'RequestResponse', 0],
  ['namespaced', ['getClusterRoles'], 'None', null],
  ['namespaced', ['getLogs'], 'None', null],
  ['namespaced', ['getMetrics'], 'None', null],
  ['namespaced', ['getMetrics', 'serviceAccounts', 'default'], 'Metadata', 2],
  ['namespaced', ['getMetrics', 'getPods', 'default'], 'RequestResponse', 1],
  ['namespaced', ['getPodLogs', 'getPods'], 'RequestResponse', 1],
  ['cluster', ['default'], 'Metadata', 0],
  ['cluster', ['create'], 'None', null],
  ['cluster', ['tims'], 'Metadata', 0],
  ['cluster', ['humans'], 'Metadata', 0],
  ['cluster', ['serviceAccounts'], 'None', null],
  ['cluster', ['getPods'], 'None', null],
  ['cluster', ['getClusterRoles'], 'RequestResponse', 0],
  ['cluster', ['clusterRoleEdit', 'getClusterRoles'], 'Request', 0],
  ['cluster', ['getLogs'], 'None', null],
  ['cluster', ['getMetrics'], 'None', null],
  ['cluster', ['getMetrics', 'serviceAccounts', 'default'], 'Metadata', 2],
  ['cluster', ['getMetrics', 'getClusterRoles', 'default'], 'RequestResponse', 1],
  ['cluster', ['getPodLogs', 'getPods'], 'None', null],
  ['nonResource', ['default'], 'Metadata', 0],
  ['nonResource', ['create'], 'None', null],
  ['nonResource', ['tims'], 'Metadata', 0],
  ['nonResource', ['humans'], 'Metadata', 0],
  ['nonResource', ['serviceAccounts'], 'None', null],
  ['nonResource', ['getPods'], 'None', null],
  ['nonResource', ['getClusterRoles'], 'None', null],
  ['nonResource', ['getLogs'], 'RequestResponse', 0],
  ['nonResource', ['getMetrics'], 'None', null],
  ['nonResource', ['getMetrics', 'serviceAccounts', 'default'], 'Metadata', 2],
  ['nonResource', ['getLogs', 'getClusterRoles', 'default'], 'RequestResponse', 0],
  ['nonResource', ['getPodLogs', 'getPods'], 'None', null],
  ['subresource', ['getPodLogs', 'getPods'], 'Request', 0],
  ['subresource', ['getPodWildcardMatching'], 'Request', 0],
  ['subresource', ['getPodResourceWildcardMatching'], 'Request', 0],
  ['subresource', ['getPodSubResourceWildcardMatching'], 'Request', 0],
  ['Unauthorized', ['tims'], 'None', null],
  ['Unauthorized', ['tims', 'default'], 'Metadata', 1],
  ['Unauthorized', ['humans'], 'None', null],
  ['Unauthorized', ['humans', 'default'], 'Metadata', 1],
  ['ClusterRoleUpdate', ['getGroupWildCardMatchingWithSubresourceWildcardMatching'], 'RequestResponse', 0],
];

/** TestChecker and TestCheckerPolicyOmitStages beyond testAuditLevel: request, rules, policy stages, level, stages, rule. */
const OMIT_STAGES_ROWS: [string, string, string[], Stage[], Level, Stage[], number][] = [
  ['TestChecker', 'namespaced', ['omit RequestReceived', 'getPods', 'default'], [], 'Request', [RR], 0],
  ['TestChecker', 'namespaced', ['only audit panic', 'getPods', 'default'], [], 'Request', [RR, RS, RC], 0],
  ['TestChecker', 'cluster', ['omit RequestReceived', 'getPods', 'default'], [], 'Request', [RR], 0],
  ['TestChecker', 'cluster', ['only audit panic', 'getPods', 'default'], [], 'Request', [RR, RS, RC], 0],
  ['TestChecker', 'nonResource', ['omit RequestReceived', 'getPods', 'default'], [], 'Request', [RR], 0],
  ['TestChecker', 'nonResource', ['only audit panic', 'getPods', 'default'], [], 'Request', [RR, RS, RC], 0],
  ['TestCheckerPolicyOmitStages', 'namespaced', ['omit RequestReceived', 'getPods', 'default'], [RR, RS], 'Request', [RR, RS], 0],
  ['TestCheckerPolicyOmitStages', 'namespaced', ['only audit panic', 'getPods', 'default'], [RR, RS], 'Request', [RR, RS, RC], 0],
  ['TestCheckerPolicyOmitStages', 'cluster', ['omit RequestReceived', 'getPods', 'default'], [RR, RS], 'Request', [RR, RS], 0],
  ['TestCheckerPolicyOmitStages', 'cluster', ['only audit panic', 'getPods', 'default'], [RR, RS], 'Request', [RR, RS, RC], 0],
  ['TestCheckerPolicyOmitStages', 'nonResource', ['default', 'omit RequestReceived', 'getPods'], [RR, RS], 'Metadata', [RR, RS], 0],
  ['TestCheckerPolicyOmitStages', 'nonResource', ['only audit panic', 'getPods', 'default'], [RR, RS], 'Request', [RR, RS, RC], 0],
];

function upstreamPolicy(ruleNames: string[], policyStages: Stage[]): string {
  return yaml(
    ruleNames.map((name) => UPSTREAM_RULES[name]),
    policyStages.length > 0 ? [`omitStages: [${policyStages.join(', ')}]`] : [],
  );
}

const UPSTREAM_CASES: EvalCase[] = [
  // testAuditLevel runs once with no policy stages (TestChecker) and once with
  // [RequestReceived, ResponseStarted] (TestCheckerPolicyOmitStages).
  ...([[], [RR, RS]] as Stage[][]).flatMap((stages) =>
    AUDIT_LEVEL_ROWS.map(([req, rules, level, rule]): EvalCase => ({
      desc: `${req} × [${rules.join(', ')}]${stages.length > 0 ? ' with policy omitStages' : ''}`,
      source: `checker_test.go ${stages.length > 0 ? 'TestCheckerPolicyOmitStages' : 'TestChecker'} → testAuditLevel: test(t, "${req}", Level${level}, …, ${rules.map((r) => `"${r}"`).join(', ')})`,
      policy: upstreamPolicy(rules, stages),
      request: UPSTREAM_REQUESTS[req],
      want: want(level, rule, stages),
    })),
  ),
  ...OMIT_STAGES_ROWS.map(([testName, req, rules, policyStages, level, stages, rule]): EvalCase => ({
    desc: `${testName}: ${req} × [${rules.join(', ')}] omits ${stages.join(', ')}`,
    source: `checker_test.go ${testName}: test(t, "${req}", Level${level}, …, ${rules.map((r) => `"${r}"`).join(', ')})`,
    policy: upstreamPolicy(rules, policyStages),
    request: UPSTREAM_REQUESTS[req],
    want: want(level, rule, stages),
  })),
  // TestOmitManagedFields: a request with only a verb, one rule matching it.
  ...(
    [
      ['global policy default is false, rule does not override', false, undefined, false],
      ['global policy default is true, rule does not override', true, undefined, true],
      ['global policy default is true, rule overrides to false', true, false, false],
      ['global policy default is false, rule overrides to true', false, true, true],
    ] as [string, boolean, boolean | undefined, boolean][]
  ).map(([name, policyDefault, ruleValue, expected]): EvalCase => ({
    desc: `omitManagedFields: ${name}`,
    source: `checker_test.go TestOmitManagedFields "${name}"`,
    policy: yaml(
      [`{level: RequestResponse, verbs: [get]${ruleValue === undefined ? '' : `, omitManagedFields: ${ruleValue}`}}`],
      [`omitManagedFields: ${policyDefault}`],
    ),
    request: { verb: 'get' },
    want: want('RequestResponse', 0, [], expected),
  })),
];

// ---------------------------------------------------------------------------------
// Part 2: every matching dimension and edge, from checker.go's logic.
// ---------------------------------------------------------------------------------

const alice = { user: 'alice', groups: ['system:authenticated', 'dev'] };
const podGet = { ...alice, verb: 'get', resourceRequest: true, apiGroup: '', apiVersion: 'v1', resource: 'pods', namespace: 'default', name: 'web', path: '/api/v1/namespaces/default/pods/web' };
const podLog = { ...podGet, subresource: 'log', path: '/api/v1/namespaces/default/pods/web/log' };
const podExec = { ...podGet, verb: 'create', subresource: 'exec', path: '/api/v1/namespaces/default/pods/web/exec' };
const podList = { ...podGet, verb: 'list', name: '', path: '/api/v1/namespaces/default/pods' };
const podCreate = { ...podGet, verb: 'create', name: '', path: '/api/v1/namespaces/default/pods' };
const deployGet = { ...alice, verb: 'get', resourceRequest: true, apiGroup: 'apps', apiVersion: 'v1', resource: 'deployments', namespace: 'default', name: 'web', path: '/apis/apps/v1/namespaces/default/deployments/web' };
const deployScale = { ...deployGet, verb: 'update', subresource: 'scale', path: '/apis/apps/v1/namespaces/default/deployments/web/scale' };
const nodeGet = { ...alice, verb: 'get', resourceRequest: true, apiGroup: '', apiVersion: 'v1', resource: 'nodes', name: 'n1', path: '/api/v1/nodes/n1' };
const allPods = { ...alice, verb: 'list', resourceRequest: true, apiGroup: '', apiVersion: 'v1', resource: 'pods', path: '/api/v1/pods' };
const healthz = { ...alice, verb: 'get', resourceRequest: false, path: '/healthz' };
const nonResource = (path: string) => ({ ...alice, verb: 'get', resourceRequest: false, path });

const CATCH_ALL = '{level: Metadata}';
const RULES_CHECKER = 'checker.go ruleMatches';
const RESOURCES_CHECKER = 'checker.go ruleMatchesResource';
const PATH_CHECKER = 'checker.go pathMatches';

const OWN_CASES: EvalCase[] = [
  // First match wins.
  { desc: 'the first matching rule wins even when a later one logs more', source: 'checker.go EvaluatePolicyRule: returns on the first rule for which ruleMatches is true', policy: yaml(['{level: None, verbs: [get]}', '{level: RequestResponse}']), request: podGet, want: want('None', 0) },
  { desc: 'rules that do not match are passed over in order', source: 'checker.go EvaluatePolicyRule: for _, rule := range p.Rules', policy: yaml(['{level: Metadata, users: [bob]}', '{level: Request, verbs: [list]}', '{level: RequestResponse, resources: [{resources: [pods]}]}']), request: podGet, want: want('RequestResponse', 2) },
  { desc: 'no rule matches: level None, rule null, the policy-wide settings', source: 'checker.go EvaluatePolicyRule: DefaultAuditLevel with p.OmitStages and p.OmitManagedFields', policy: yaml(['{level: Metadata, users: [bob], omitStages: [Panic], omitManagedFields: false}'], ['omitStages: [ResponseStarted]', 'omitManagedFields: true']), request: podGet, want: want('None', null, [RS], true) },
  { desc: 'a rule that sets nothing but the level matches a request without a user', source: `${RULES_CHECKER}: user is consulted only when Users or UserGroups is set`, policy: yaml([CATCH_ALL]), request: { ...podGet, user: null, groups: [] }, want: want('Metadata', 0) },
  { desc: 'a rule that sets nothing but the level matches a non-resource request', source: `${RULES_CHECKER}: with no resources, namespaces or nonResourceURLs it returns true`, policy: yaml(['{level: Request}']), request: healthz, want: want('Request', 0) },

  // users
  { desc: 'users: an exact name matches', source: `${RULES_CHECKER}: hasString(r.Users, user.GetName())`, policy: yaml(['{level: Metadata, users: [bob, alice]}']), request: podGet, want: want('Metadata', 0) },
  { desc: 'users: "*" is not a wildcard', source: `${RULES_CHECKER}: hasString compares with ==`, policy: yaml(['{level: Metadata, users: ["*"]}']), request: podGet, want: want('None', null) },
  { desc: 'users: a trailing "*" is not a prefix', source: `${RULES_CHECKER}: hasString compares with ==`, policy: yaml(['{level: Metadata, users: ["system:serviceaccount:*"]}']), request: { ...podGet, user: 'system:serviceaccount:kube-system:default' }, want: want('None', null) },
  { desc: 'users: "*" matches only a user literally named "*"', source: `${RULES_CHECKER}: hasString compares with ==`, policy: yaml(['{level: Metadata, users: ["*"]}']), request: { ...podGet, user: '*' }, want: want('Metadata', 0) },
  { desc: 'users: names are case-sensitive', source: `${RULES_CHECKER}: hasString compares with ==`, policy: yaml(['{level: Metadata, users: [Alice]}']), request: podGet, want: want('None', null) },
  { desc: 'users: no user (failed authentication) never matches, not even [""]', source: `${RULES_CHECKER}: if user == nil || !hasString(...) return false`, policy: yaml(['{level: Metadata, users: [""]}', '{level: None}']), request: { ...podGet, user: null, groups: [] }, want: want('None', 1) },
  { desc: 'users: an authenticated user with an empty name matches [""]', source: `${RULES_CHECKER}: user is not nil and hasString([""], "") holds`, policy: yaml(['{level: Metadata, users: [""]}']), request: { ...podGet, user: '' }, want: want('Metadata', 0) },
  { desc: 'users: an absent user field means no user', source: `${RULES_CHECKER}: if user == nil … return false (DESIGN: absent user = no user)`, policy: yaml(['{level: Metadata, users: [alice]}']), request: { verb: 'get', resourceRequest: true, resource: 'pods' }, want: want('None', null) },

  // userGroups
  { desc: 'userGroups: any one group in common matches', source: `${RULES_CHECKER}: for _, group := range user.GetGroups() { if hasString(r.UserGroups, group) … }`, policy: yaml(['{level: Metadata, userGroups: [ops, dev]}']), request: podGet, want: want('Metadata', 0) },
  { desc: 'userGroups: no group in common', source: `${RULES_CHECKER}: matched stays false`, policy: yaml(['{level: Metadata, userGroups: [ops, "system:masters"]}']), request: podGet, want: want('None', null) },
  { desc: 'userGroups: a user with no groups never matches', source: `${RULES_CHECKER}: the loop over an empty group list leaves matched false`, policy: yaml(['{level: Metadata, userGroups: ["system:authenticated"]}']), request: { ...podGet, groups: [] }, want: want('None', null) },
  { desc: 'userGroups: a trailing "*" is not a prefix', source: `${RULES_CHECKER}: hasString compares with ==`, policy: yaml(['{level: Metadata, userGroups: ["system:serviceaccounts:*"]}']), request: { ...podGet, groups: ['system:serviceaccounts', 'system:serviceaccounts:kube-system'] }, want: want('None', null) },
  { desc: 'userGroups: no user never matches, whatever groups the request lists', source: `${RULES_CHECKER}: if len(r.UserGroups) > 0 { if user == nil { return false } }`, policy: yaml(['{level: Metadata, userGroups: ["system:unauthenticated"]}']), request: { ...podGet, user: null, groups: ['system:unauthenticated'] }, want: want('None', null) },
  { desc: 'users and userGroups must both match', source: `${RULES_CHECKER}: each set field must match`, policy: yaml(['{level: Request, users: [alice], userGroups: [ops]}', CATCH_ALL]), request: podGet, want: want('Metadata', 1) },
  { desc: 'users and userGroups both matching', source: `${RULES_CHECKER}: each set field must match`, policy: yaml(['{level: Request, users: [alice], userGroups: [ops, dev]}', CATCH_ALL]), request: podGet, want: want('Request', 0) },

  // verbs
  { desc: 'verbs: "*" is not a wildcard', source: `${RULES_CHECKER}: hasString(r.Verbs, attrs.GetVerb())`, policy: yaml(['{level: Metadata, verbs: ["*"]}']), request: podGet, want: want('None', null) },
  { desc: 'verbs: "*" matches only the verb "*"', source: `${RULES_CHECKER}: hasString compares with ==`, policy: yaml(['{level: Metadata, verbs: ["*"]}']), request: { ...podGet, verb: '*' }, want: want('Metadata', 0) },
  { desc: 'verbs: case-sensitive', source: `${RULES_CHECKER}: hasString compares with ==`, policy: yaml(['{level: Metadata, verbs: [GET]}']), request: podGet, want: want('None', null) },
  { desc: 'verbs: any listed verb matches', source: `${RULES_CHECKER}: hasString(r.Verbs, …)`, policy: yaml(['{level: Metadata, verbs: [list, watch, get]}']), request: podGet, want: want('Metadata', 0) },
  { desc: 'verbs: apply to non-resource requests too', source: `${RULES_CHECKER}: the verb check comes before the resource/non-resource split`, policy: yaml(['{level: Metadata, verbs: [get]}']), request: healthz, want: want('Metadata', 0) },
  { desc: 'verbs: an empty verb does not match a verb list', source: `${RULES_CHECKER}: hasString(["get"], "") is false`, policy: yaml(['{level: Metadata, verbs: [get]}']), request: { ...podGet, verb: '' }, want: want('None', null) },

  // resources: groups
  { desc: 'group left out is the core group: it does not match apps', source: `${RESOURCES_CHECKER}: gr.Group == apiGroup with Group ""`, policy: yaml(['{level: Metadata, resources: [{resources: [deployments]}]}']), request: deployGet, want: want('None', null) },
  { desc: 'group "" matches the core group', source: `${RESOURCES_CHECKER}: gr.Group == apiGroup`, policy: yaml(['{level: Metadata, resources: [{group: "", resources: [pods]}]}']), request: podGet, want: want('Metadata', 0) },
  { desc: 'group apps matches apps', source: `${RESOURCES_CHECKER}: gr.Group == apiGroup`, policy: yaml(['{level: Metadata, resources: [{group: apps, resources: [deployments]}]}']), request: deployGet, want: want('Metadata', 0) },
  { desc: 'group apps does not match the same resource name in the core group', source: `${RESOURCES_CHECKER}: gr.Group == apiGroup`, policy: yaml(['{level: Metadata, resources: [{group: apps, resources: [pods]}]}']), request: podGet, want: want('None', null) },
  { desc: 'group "*" matches any group (1.36)', source: `${RESOURCES_CHECKER}: gr.Group == apiGroup || gr.Group == "*"`, policy: yaml(['{level: Metadata, resources: [{group: "*", resources: [deployments]}]}']), request: deployGet, want: want('Metadata', 0) },
  { desc: 'group "*" matches the core group too (1.36)', source: `${RESOURCES_CHECKER}: gr.Group == "*"`, policy: yaml(['{level: Metadata, resources: [{group: "*", resources: [pods]}]}']), request: podGet, want: want('Metadata', 0) },
  { desc: 'group "*" with no resources matches every resource request, subresources too', source: `${RESOURCES_CHECKER}: gr.Group == "*", then len(gr.Resources) == 0 returns true`, policy: yaml(['{level: Metadata, resources: [{group: "*"}]}']), request: deployScale, want: want('Metadata', 0) },
  { desc: 'before 1.36 group "*" is a literal: apps does not match', source: 'checker.go at v0.35.0 ruleMatchesResource: if gr.Group == apiGroup', policy: built([{ level: 'Metadata', resources: [{ group: '*', resources: ['deployments'], resourceNames: [] }] }]), request: deployGet, want: want('None', null), wildcardGroup: false },
  { desc: 'before 1.36 group "*" matches a request whose group is literally "*"', source: 'checker.go at v0.35.0 ruleMatchesResource: if gr.Group == apiGroup', policy: built([{ level: 'Metadata', resources: [{ group: '*', resources: ['deployments'], resourceNames: [] }] }]), request: { ...deployGet, apiGroup: '*' }, want: want('Metadata', 0), wildcardGroup: false },

  // resources: the entries
  { desc: '"*" matches any resource', source: `${RESOURCES_CHECKER}: res == "*"`, policy: yaml(['{level: Metadata, resources: [{resources: ["*"]}]}']), request: podGet, want: want('Metadata', 0) },
  { desc: '"*" matches subresources too', source: `${RESOURCES_CHECKER}: res == "*" is checked before any subresource logic`, policy: yaml(['{level: Metadata, resources: [{resources: ["*"]}]}']), request: podLog, want: want('Metadata', 0) },
  { desc: '"pods/*" matches pods itself', source: `${RESOURCES_CHECKER}: HasSuffix(res, "/*") && resource == TrimSuffix(res, "/*") (no subresource needed)`, policy: yaml(['{level: Metadata, resources: [{resources: ["pods/*"]}]}']), request: podGet, want: want('Metadata', 0) },
  { desc: '"pods/*" matches every pods subresource', source: `${RESOURCES_CHECKER}: HasSuffix(res, "/*") && resource == TrimSuffix(res, "/*")`, policy: yaml(['{level: Metadata, resources: [{resources: ["pods/*"]}]}']), request: podExec, want: want('Metadata', 0) },
  { desc: '"pods/*" does not match another resource\'s subresource', source: `${RESOURCES_CHECKER}: resource must equal TrimSuffix(res, "/*")`, policy: yaml(['{level: Metadata, resources: [{resources: ["pods/*"]}]}']), request: { ...podGet, resource: 'services', subresource: 'status' }, want: want('None', null) },
  { desc: '"*/log" needs a subresource: pods alone does not match', source: `${RESOURCES_CHECKER}: len(subresource) > 0 && HasPrefix(res, "*/")`, policy: yaml(['{level: Metadata, resources: [{resources: ["*/log"]}]}']), request: podGet, want: want('None', null) },
  { desc: '"*/log" matches pods/log', source: `${RESOURCES_CHECKER}: subresource == TrimPrefix(res, "*/")`, policy: yaml(['{level: Metadata, resources: [{resources: ["*/log"]}]}']), request: podLog, want: want('Metadata', 0) },
  { desc: '"*/status" matches the status of any resource in the group', source: `${RESOURCES_CHECKER}: subresource == TrimPrefix(res, "*/")`, policy: yaml(['{level: Metadata, resources: [{group: apps, resources: ["*/status"]}]}']), request: { ...deployGet, verb: 'update', subresource: 'status' }, want: want('Metadata', 0) },
  { desc: '"*/log" does not match pods/exec', source: `${RESOURCES_CHECKER}: subresource == TrimPrefix(res, "*/")`, policy: yaml(['{level: Metadata, resources: [{resources: ["*/log"]}]}']), request: podExec, want: want('None', null) },
  { desc: '"*/*" matches no real resource', source: `${RESOURCES_CHECKER}: "*/*" is neither "*", nor "*/"+subresource, nor resource+"/*" for a real name`, policy: yaml(['{level: Metadata, resources: [{resources: ["*/*"]}]}']), request: podGet, want: want('None', null) },
  { desc: '"*/*" matches no real subresource', source: `${RESOURCES_CHECKER}: TrimPrefix("*/*", "*/") is "*", not "log"`, policy: yaml(['{level: Metadata, resources: [{resources: ["*/*"]}]}']), request: podLog, want: want('None', null) },
  { desc: '"pods/log" matches pods/log', source: `${RESOURCES_CHECKER}: res == combinedResource`, policy: yaml(['{level: Metadata, resources: [{resources: [pods/log]}]}']), request: podLog, want: want('Metadata', 0) },
  { desc: '"pods/log" does not match pods', source: `${RESOURCES_CHECKER}: combinedResource is "pods"`, policy: yaml(['{level: Metadata, resources: [{resources: [pods/log]}]}']), request: podGet, want: want('None', null) },
  { desc: '"pods" does not match pods/log', source: `${RESOURCES_CHECKER}: combinedResource is "pods/log"`, policy: yaml(['{level: Metadata, resources: [{resources: [pods]}]}']), request: podLog, want: want('None', null) },
  { desc: '"pods" does not match pods/exec either', source: `${RESOURCES_CHECKER}: combinedResource is "pods/exec"`, policy: yaml(['{level: Metadata, resources: [{resources: [pods]}]}', '{level: None, resources: [{resources: [pods/exec]}]}']), request: podExec, want: want('None', 1) },
  { desc: 'resource names are case-sensitive', source: `${RESOURCES_CHECKER}: res == combinedResource`, policy: yaml(['{level: Metadata, resources: [{resources: [Pods]}]}']), request: podGet, want: want('None', null) },
  { desc: 'any group entry may match: the second one here', source: `${RESOURCES_CHECKER}: for _, gr := range r.Resources`, policy: yaml(['{level: Metadata, resources: [{group: apps, resources: [deployments]}, {resources: [pods]}]}']), request: podGet, want: want('Metadata', 0) },
  { desc: 'a group with an empty resources list matches all its resources and subresources', source: `${RESOURCES_CHECKER}: if len(gr.Resources) == 0 { return true }`, policy: yaml(['{level: Metadata, resources: [{group: apps}]}']), request: deployScale, want: want('Metadata', 0) },
  { desc: 'an empty resources list covers its own group only', source: `${RESOURCES_CHECKER}: the group must match first`, policy: yaml(['{level: Metadata, resources: [{group: ""}]}']), request: deployGet, want: want('None', null) },
  { desc: '"deployments/scale" matches the scale subresource in apps', source: `${RESOURCES_CHECKER}: res == resource + "/" + subresource`, policy: yaml(['{level: Metadata, resources: [{group: apps, resources: [deployments/scale]}]}']), request: deployScale, want: want('Metadata', 0) },

  // resourceNames
  { desc: 'resourceNames: a listed name matches', source: `${RESOURCES_CHECKER}: hasString(gr.ResourceNames, name)`, policy: yaml(['{level: Metadata, resources: [{resources: [pods], resourceNames: [db, web]}]}']), request: podGet, want: want('Metadata', 0) },
  { desc: 'resourceNames: another name does not', source: `${RESOURCES_CHECKER}: hasString(gr.ResourceNames, name)`, policy: yaml(['{level: Metadata, resources: [{resources: [pods], resourceNames: [db]}]}']), request: podGet, want: want('None', null) },
  { desc: 'resourceNames: a list (no name) never matches', source: `${RESOURCES_CHECKER}: hasString(["web"], "") is false`, policy: yaml(['{level: Metadata, resources: [{resources: [pods], resourceNames: [web]}]}']), request: podList, want: want('None', null) },
  { desc: 'resourceNames: a create (no name yet) never matches', source: `${RESOURCES_CHECKER}: hasString(["web"], "") is false`, policy: yaml(['{level: Metadata, resources: [{resources: [pods], resourceNames: [web]}]}']), request: podCreate, want: want('None', null) },
  { desc: 'resourceNames: checked before "*" (an unlisted name fails even for "*")', source: `${RESOURCES_CHECKER}: the name test guards every res, "*" included`, policy: yaml(['{level: Metadata, resources: [{resources: ["*"], resourceNames: [db]}]}']), request: podGet, want: want('None', null) },
  { desc: 'resourceNames: a listed name with "*" matches its subresources', source: `${RESOURCES_CHECKER}: name listed, then res == "*"`, policy: yaml(['{level: Metadata, resources: [{resources: ["*"], resourceNames: [web]}]}']), request: podLog, want: want('Metadata', 0) },
  { desc: 'resourceNames: belong to their own group entry only', source: `${RESOURCES_CHECKER}: each gr has its own ResourceNames`, policy: yaml(['{level: Metadata, resources: [{resources: [configmaps], resourceNames: [a]}, {resources: [pods]}]}']), request: podGet, want: want('Metadata', 0) },
  { desc: 'resourceNames: [""] matches a request without a name (a list)', source: `${RESOURCES_CHECKER}: hasString([""], "") is true`, policy: yaml(['{level: Metadata, resources: [{resources: [pods], resourceNames: [""]}]}']), request: podList, want: want('Metadata', 0) },
  { desc: 'resourceNames without resources (refused by validation) are ignored by the checker', source: `${RESOURCES_CHECKER}: len(gr.Resources) == 0 returns true before names are read`, policy: built([{ level: 'Metadata', resources: [{ group: '', resources: [], resourceNames: ['db'] }] }]), request: podGet, want: want('Metadata', 0) },

  // namespaces
  { desc: 'namespaces: a listed namespace matches', source: `${RESOURCES_CHECKER}: hasString(r.Namespaces, attrs.GetNamespace())`, policy: yaml(['{level: Metadata, namespaces: [kube-system, default]}']), request: podGet, want: want('Metadata', 0) },
  { desc: 'namespaces: another namespace does not', source: `${RESOURCES_CHECKER}: hasString(r.Namespaces, …)`, policy: yaml(['{level: Metadata, namespaces: [kube-system]}']), request: podGet, want: want('None', null) },
  { desc: 'namespaces: "" matches a cluster-scoped resource', source: `${RESOURCES_CHECKER}: "Non-namespaced resources use the empty string"`, policy: yaml(['{level: Metadata, namespaces: [""]}']), request: nodeGet, want: want('Metadata', 0) },
  { desc: 'namespaces: "" matches a request across all namespaces', source: `${RESOURCES_CHECKER}: a list of /api/v1/pods has namespace ""`, policy: yaml(['{level: Metadata, namespaces: [""]}']), request: allPods, want: want('Metadata', 0) },
  { desc: 'namespaces: "" does not match a namespaced request', source: `${RESOURCES_CHECKER}: hasString([""], "default") is false`, policy: yaml(['{level: Metadata, namespaces: [""]}']), request: podGet, want: want('None', null) },
  { desc: 'namespaces: never match a non-resource request, not even ""', source: `${RESOURCES_CHECKER}: if !attrs.IsResourceRequest() { return false }`, policy: yaml(['{level: Metadata, namespaces: [""]}']), request: healthz, want: want('None', null) },
  { desc: 'namespaces: "kube-*" is not a pattern', source: `${RESOURCES_CHECKER}: hasString compares with ==`, policy: yaml(['{level: Metadata, namespaces: ["kube-*"]}']), request: { ...podGet, namespace: 'kube-system' }, want: want('None', null) },
  { desc: 'namespaces and resources must both match (namespace differs)', source: `${RESOURCES_CHECKER}: namespaces first, then resources`, policy: yaml(['{level: Request, namespaces: [default], resources: [{resources: [secrets]}]}']), request: { ...podGet, resource: 'secrets', namespace: 'kube-system' }, want: want('None', null) },
  { desc: 'namespaces and resources both matching', source: `${RESOURCES_CHECKER}: namespaces first, then resources`, policy: yaml(['{level: Request, namespaces: [default], resources: [{resources: [secrets]}]}']), request: { ...podGet, resource: 'secrets' }, want: want('Request', 0) },
  { desc: 'a namespaces-only rule matches any resource in the namespace', source: `${RESOURCES_CHECKER}: if len(r.Resources) == 0 { return true }`, policy: yaml(['{level: Metadata, namespaces: [default]}']), request: deployScale, want: want('Metadata', 0) },

  // nonResourceURLs
  { desc: 'nonResourceURLs: "*" matches any path', source: `${PATH_CHECKER}: if spec == "*" { return true }`, policy: yaml(['{level: Metadata, nonResourceURLs: ["*"]}']), request: nonResource('/openapi/v2'), want: want('Metadata', 0) },
  { desc: 'nonResourceURLs: "*" never matches a resource request', source: 'checker.go ruleMatchesNonResource: if attrs.IsResourceRequest() { return false }', policy: yaml(['{level: Metadata, nonResourceURLs: ["*"]}']), request: podGet, want: want('None', null) },
  { desc: 'nonResourceURLs: an exact path', source: `${PATH_CHECKER}: if spec == path`, policy: yaml(['{level: Metadata, nonResourceURLs: [/metrics]}']), request: nonResource('/metrics'), want: want('Metadata', 0) },
  { desc: 'nonResourceURLs: an exact path is not a prefix', source: `${PATH_CHECKER}: no trailing "*", so only spec == path`, policy: yaml(['{level: Metadata, nonResourceURLs: [/metrics]}']), request: nonResource('/metrics/cadvisor'), want: want('None', null) },
  { desc: 'nonResourceURLs: "/healthz*" matches /healthz', source: `${PATH_CHECKER}: HasPrefix(path, TrimRight(spec, "*"))`, policy: yaml(['{level: Metadata, nonResourceURLs: ["/healthz*"]}']), request: healthz, want: want('Metadata', 0) },
  { desc: 'nonResourceURLs: "/healthz*" is a raw prefix: /healthzfoo matches', source: `${PATH_CHECKER}: HasPrefix("/healthzfoo", "/healthz")`, policy: yaml(['{level: Metadata, nonResourceURLs: ["/healthz*"]}']), request: nonResource('/healthzfoo'), want: want('Metadata', 0) },
  { desc: 'nonResourceURLs: "/healthz*" matches /healthz/etcd', source: `${PATH_CHECKER}: HasPrefix("/healthz/etcd", "/healthz")`, policy: yaml(['{level: Metadata, nonResourceURLs: ["/healthz*"]}']), request: nonResource('/healthz/etcd'), want: want('Metadata', 0) },
  { desc: 'nonResourceURLs: "/healthz/*" does not match /healthz', source: `${PATH_CHECKER}: HasPrefix("/healthz", "/healthz/") is false`, policy: yaml(['{level: Metadata, nonResourceURLs: ["/healthz/*"]}']), request: healthz, want: want('None', null) },
  { desc: 'nonResourceURLs: "/api*" matches /apis', source: `${PATH_CHECKER}: HasPrefix("/apis", "/api")`, policy: yaml(['{level: Metadata, nonResourceURLs: ["/api*"]}']), request: nonResource('/apis'), want: want('Metadata', 0) },
  { desc: 'nonResourceURLs: a matching path on a resource request does not count', source: 'checker.go ruleMatchesNonResource: if attrs.IsResourceRequest() { return false }', policy: yaml(['{level: Metadata, nonResourceURLs: ["/api*"]}']), request: podGet, want: want('None', null) },
  { desc: 'nonResourceURLs: paths are case-sensitive', source: `${PATH_CHECKER}: spec == path`, policy: yaml(['{level: Metadata, nonResourceURLs: [/Healthz]}']), request: healthz, want: want('None', null) },
  { desc: 'nonResourceURLs: any listed path matches', source: 'checker.go ruleMatchesNonResource: for _, spec := range r.NonResourceURLs', policy: yaml(['{level: Metadata, nonResourceURLs: [/version, "/livez*", /healthz]}']), request: healthz, want: want('Metadata', 0) },
  { desc: 'nonResourceURLs: "/a**" (refused by validation) trims every trailing "*"', source: `${PATH_CHECKER}: strings.TrimRight(spec, "*")`, policy: built([{ level: 'Metadata', nonResourceURLs: ['/a**'] }]), request: nonResource('/abc'), want: want('Metadata', 0) },
  { desc: 'nonResourceURLs: "" (refused by validation) matches only the empty path', source: `${PATH_CHECKER}: spec == path`, policy: built([{ level: 'Metadata', nonResourceURLs: [''] }]), request: nonResource(''), want: want('Metadata', 0) },

  // A rule with both resources and nonResourceURLs: validation refuses it; the checker reads it as resource-only.
  { desc: 'resources + nonResourceURLs: a matching resource request matches', source: `${RULES_CHECKER}: if len(r.Namespaces) > 0 || len(r.Resources) > 0 { return ruleMatchesResource(r, attrs) }`, policy: built([{ level: 'Request', resources: [{ group: '', resources: ['pods'], resourceNames: [] }], nonResourceURLs: ['*'] }]), request: podGet, want: want('Request', 0) },
  { desc: 'resources + nonResourceURLs: a matching non-resource request does not', source: `${RULES_CHECKER}: the resource branch returns before nonResourceURLs are read`, policy: built([{ level: 'Request', resources: [{ group: '', resources: ['pods'], resourceNames: [] }], nonResourceURLs: ['*'] }]), request: healthz, want: want('None', null) },
  { desc: 'namespaces + nonResourceURLs: a non-resource request does not match', source: `${RULES_CHECKER}: len(r.Namespaces) > 0 takes the resource branch`, policy: built([{ level: 'Request', namespaces: [''], nonResourceURLs: ['/healthz'] }]), request: healthz, want: want('None', null) },
  { desc: 'resources + nonResourceURLs: the URLs never widen the match', source: `${RULES_CHECKER}: the resource branch decides alone`, policy: built([{ level: 'Request', resources: [{ group: '', resources: ['pods'], resourceNames: [] }], nonResourceURLs: ['/api*'] }]), request: { ...podGet, resource: 'secrets', path: '/api/v1/namespaces/default/secrets/web' }, want: want('None', null) },

  // omitStages
  { desc: 'omitStages: policy ∪ rule, in stage order', source: 'checker.go NewPolicyRuleEvaluator: unionStages(policy.OmitStages, rule.OmitStages); order per the eval contract', policy: yaml(['{level: Metadata, omitStages: [RequestReceived]}'], ['omitStages: [ResponseComplete]']), request: podGet, want: want('Metadata', 0, [RR, RC]) },
  { desc: 'omitStages: written out of order, reported in stage order', source: 'checker.go unionStages (a set)', policy: yaml(['{level: Metadata, omitStages: [Panic, RequestReceived]}']), request: podGet, want: want('Metadata', 0, [RR, PANIC]) },
  { desc: 'omitStages: overlapping lists merge', source: 'checker_test.go TestUnionStages: {RequestReceived, ResponseStarted} ∪ {Panic, RequestReceived}', policy: yaml(['{level: Metadata, omitStages: [Panic, RequestReceived]}'], ['omitStages: [RequestReceived, ResponseStarted]']), request: podGet, want: want('Metadata', 0, [RR, RS, PANIC]) },
  { desc: 'omitStages: duplicates collapse', source: 'checker_test.go TestUnionStages: {RequestReceived, RequestReceived} twice', policy: yaml(['{level: Metadata, omitStages: [RequestReceived, RequestReceived]}'], ['omitStages: [RequestReceived]']), request: podGet, want: want('Metadata', 0, [RR]) },
  { desc: 'omitStages: a rule that did not match lends none of its stages', source: 'checker.go EvaluatePolicyRule: OmitStages of the matching rule only', policy: yaml(['{level: Request, users: [bob], omitStages: [Panic]}', '{level: Metadata}']), request: podGet, want: want('Metadata', 1) },
  { desc: 'omitStages: no match gives the policy stages only', source: 'checker.go EvaluatePolicyRule: OmitStages: p.OmitStages', policy: yaml(['{level: Request, users: [bob], omitStages: [Panic]}'], ['omitStages: [ResponseStarted]']), request: podGet, want: want('None', null, [RS]) },
  { desc: 'omitStages: a matching None rule still reports its stages', source: 'checker.go EvaluatePolicyRule: the matching rule\'s config whatever its level', policy: yaml(['{level: None, omitStages: [RequestReceived]}'], ['omitStages: [Panic]']), request: podGet, want: want('None', 0, [RR, PANIC]) },

  // omitManagedFields
  { desc: 'omitManagedFields: the rule\'s false beats the policy\'s true', source: 'checker.go isOmitManagedFields: the rule value when set', policy: yaml(['{level: RequestResponse, omitManagedFields: false}'], ['omitManagedFields: true']), request: podGet, want: want('RequestResponse', 0, [], false) },
  { desc: 'omitManagedFields: the rule\'s true beats the policy\'s default', source: 'checker.go isOmitManagedFields: the rule value when set', policy: yaml(['{level: RequestResponse, omitManagedFields: true}']), request: podGet, want: want('RequestResponse', 0, [], true) },
  { desc: 'omitManagedFields: unset on the rule, the policy\'s true applies', source: 'checker.go isOmitManagedFields: policyRule.OmitManagedFields == nil → policyDefault', policy: yaml(['{level: Request}'], ['omitManagedFields: true']), request: podGet, want: want('Request', 0, [], true) },
  { desc: 'omitManagedFields: no match, the policy\'s value', source: 'checker.go EvaluatePolicyRule: OmitManagedFields: p.OmitManagedFields', policy: yaml(['{level: Request, users: [bob], omitManagedFields: false}'], ['omitManagedFields: true']), request: podGet, want: want('None', null, [], true) },
  { desc: 'omitManagedFields: null on the rule counts as unset', source: 'checker.go isOmitManagedFields: a JSON null leaves the *bool nil', policy: yaml(['{level: Request, omitManagedFields: null}'], ['omitManagedFields: true']), request: podGet, want: want('Request', 0, [], true) },
  { desc: 'omitManagedFields: the override of a rule that did not match does not apply', source: 'checker.go EvaluatePolicyRule: isOmitManagedFields(&rule, …) of the matching rule', policy: yaml(['{level: Request, users: [bob], omitManagedFields: true}', CATCH_ALL]), request: podGet, want: want('Metadata', 1, [], false) },
];

const CASES = [...UPSTREAM_CASES, ...OWN_CASES];

function policyOf(c: EvalCase): Policy {
  if (typeof c.policy !== 'string') return c.policy;
  const loaded = loadPolicy(c.policy, { strict: false });
  assert.ok(loaded.loadable && loaded.policy !== null, `the policy must load: ${JSON.stringify(loaded.errors)}`);
  return loaded.policy;
}

function decisionOf(d: { level: string; omitStages: readonly string[]; omitManagedFields: boolean; rule: number | null }) {
  return { level: d.level, omitStages: [...d.omitStages], omitManagedFields: d.omitManagedFields, rule: d.rule };
}

describe('policy evaluation: kube-apiserver checker cases', () => {
  test(`there are at least 150 cases (${CASES.length})`, () => {
    assert.ok(CASES.length >= 150);
    assert.equal(new Set(CASES.map((c) => c.desc)).size, CASES.length, 'case descriptions are unique');
  });

  for (const c of CASES) {
    test(c.desc, () => {
      const policy = policyOf(c);
      const attrs = requestAttributesFromJSON(c.request);
      const options = { wildcardGroup: c.wildcardGroup ?? true };
      const compiled = compilePolicy(policy, options);
      const message = `source: ${c.source}`;
      assert.deepEqual(decisionOf(compiled.evaluate(attrs)), c.want, `compiled: ${message}`);
      // Twice: the second answer comes from the cached plan.
      assert.deepEqual(decisionOf(compiled.evaluate(attrs)), c.want, `compiled (cached plan): ${message}`);
      assert.deepEqual(decisionOf(compilePolicy(policy, { ...options, maxPlans: 0 }).evaluate(attrs)), c.want, `compiled without plans: ${message}`);
      assert.deepEqual(decisionOf(interpretPolicy(policy, attrs, options)), c.want, `interpreted: ${message}`);
      assert.deepEqual(decisionOf(explainPolicy(policy, attrs, options).decision), c.want, `explained: ${message}`);
    });
  }
});

describe('group "*" and the Kubernetes version', () => {
  const text = yaml(['{level: Metadata, resources: [{group: "*", resources: [deployments]}]}']);
  const request = requestAttributesFromJSON(deployGet);

  test('1.36 loads it and matches any group', () => {
    const version = parseKubernetesVersion('1.36');
    const loaded = loadPolicy(text, { kubernetesVersion: version });
    assert.equal(loaded.loadable, true);
    const options = { wildcardGroup: policyFeatures(version).wildcardGroup };
    assert.equal(compilePolicy(loaded.policy!, options).evaluate(request).level, 'Metadata');
    assert.equal(interpretPolicy(loaded.policy!, request, options).level, 'Metadata');
  });

  test('1.35 refuses it: "*" is no DNS subdomain (validation.go before 1.36)', () => {
    const loaded = loadPolicy(text, { kubernetesVersion: parseKubernetesVersion('1.35') });
    assert.equal(loaded.loadable, false);
    assert.equal(loaded.errors.length, 1);
    assert.equal(loaded.errors[0].field, 'rules[0].resources.group');
    assert.match(loaded.errors[0].message, /^Invalid value: "\*": a lowercase RFC 1123 subdomain must consist of/);
    assert.equal(policyFeatures(parseKubernetesVersion('1.35')).wildcardGroup, false);
  });
});

// ---------------------------------------------------------------------------------
// Part 3: recorded events → the attributes kube-apiserver evaluated its policy with.
// ---------------------------------------------------------------------------------

interface EventCase {
  desc: string;
  source: string;
  event: Partial<AuditEvent>;
  want: Partial<RequestAttributes>;
}

const ADMIN = { username: 'system:admin', groups: ['system:masters', 'system:authenticated'] };
const REQUESTINFO = 'requestinfo.go NewRequestInfo';

function event(requestURI: string, verb: string, extra: Partial<AuditEvent> = {}): Partial<AuditEvent> {
  return { kind: 'Event', apiVersion: 'audit.k8s.io/v1', level: 'Metadata', auditID: 'a', stage: 'ResponseComplete', requestURI, verb, user: ADMIN, ...extra };
}

const EVENT_CASES: EventCase[] = [
  {
    desc: 'the authenticated user, not the impersonated one',
    source: 'config.go DefaultBuildHandlerChain: WithAudit wraps WithImpersonation, so the audit filter runs first and sees the authenticated user',
    event: event('/api/v1/namespaces/default/pods', 'list', { impersonatedUser: { username: 'bob', groups: ['system:authenticated'] } }),
    want: { user: 'system:admin', groups: ['system:masters', 'system:authenticated'] },
  },
  {
    desc: 'an event without a user (failed authentication) has no user',
    source: 'config.go: WithFailedAuthenticationAudit runs with no user in the context; GetAuthorizerAttributes leaves User nil',
    event: event('/api/v1/namespaces', 'get', { user: {} }),
    want: { user: null, groups: [] },
  },
  {
    desc: 'a non-resource GET keeps its verb and path',
    source: `${REQUESTINFO}: fewer than 3 parts or no API prefix → non-resource, Verb = lower-cased method`,
    event: event('/healthz?verbose', 'get'),
    want: { resourceRequest: false, verb: 'get', path: '/healthz', resource: '', namespace: '' },
  },
  {
    desc: 'a HEAD of a non-resource path',
    source: `${REQUESTINFO}: Verb = strings.ToLower(req.Method)`,
    event: event('/', 'head'),
    want: { resourceRequest: false, verb: 'head', path: '/' },
  },
  {
    desc: '/apis/apps/v1 is discovery, not a resource request',
    source: 'requestinfo_test.go TestGetNonAPIRequestInfo "group without enough steps"',
    event: event('/apis/apps/v1', 'get'),
    want: { resourceRequest: false, path: '/apis/apps/v1' },
  },
  {
    desc: 'GET /api/v1/namespaces/foo is in namespace foo',
    source: 'requestinfo_test.go TestGetAPIRequestInfo: GET /api/v1/namespaces/other → namespace other, resource namespaces, name other',
    event: event('/api/v1/namespaces/foo', 'get'),
    want: { resourceRequest: true, namespace: 'foo', resource: 'namespaces', name: 'foo', subresource: '' },
  },
  {
    desc: 'namespace status is a namespaces subresource',
    source: 'requestinfo_test.go TestGetAPIRequestInfo: PUT /api/v1/namespaces/other/status',
    event: event('/api/v1/namespaces/other/status', 'update'),
    want: { namespace: 'other', resource: 'namespaces', name: 'other', subresource: 'status' },
  },
  {
    desc: 'a create is named by its URL (no name), not by objectRef',
    source: `${REQUESTINFO}: the name is Parts[1] of the URL; objectRef is filled in later from the object`,
    event: event('/api/v1/namespaces/default/pods', 'create', { objectRef: { resource: 'pods', namespace: 'default', name: 'nginx', apiVersion: 'v1' } }),
    want: { resource: 'pods', namespace: 'default', name: '', verb: 'create' },
  },
  {
    desc: 'a list narrowed by fieldSelector=metadata.name=x is named x',
    source: 'requestinfo_test.go TestSelectorParsing "metadata.name selector"',
    event: event('/apis/group/version/resource?fieldSelector=metadata.name=name1', 'list'),
    want: { apiGroup: 'group', apiVersion: 'version', resource: 'resource', name: 'name1' },
  },
  {
    desc: 'a watch narrowed by fieldSelector is named too',
    source: 'requestinfo_test.go TestSelectorParsing "metadata.name selector with watch"',
    event: event('/apis/group/version/resource?watch=true&fieldSelector=metadata.name=name1', 'watch'),
    want: { name: 'name1' },
  },
  {
    desc: 'an invalid selector names nothing',
    source: 'requestinfo_test.go TestSelectorParsing "invalid selector with metadata.name"',
    event: event('/apis/group/version/resource?fieldSelector=metadata.name=name1,foo', 'list'),
    want: { name: '' },
  },
  {
    desc: 'the first fieldSelector parameter counts',
    source: 'requestinfo_test.go TestSelectorParsing "selector on repeated param matches parsed param"',
    event: event('/apis/group/version/resource?fieldSelector=metadata.name=foo&fieldSelector=metadata.name=bar', 'list'),
    want: { name: 'foo' },
  },
  {
    desc: 'a watch by the deprecated /watch/ path is not narrowed',
    source: 'requestinfo_test.go TestSelectorParsing "selector on deprecated root type watch is not parsed"',
    event: event('/apis/group/version/watch/resource?fieldSelector=metadata.name=foo', 'watch'),
    want: { resource: 'resource', name: '' },
  },
  {
    desc: 'another field in the selector names nothing',
    source: 'requestinfo_test.go TestSelectorParsing "random selector"',
    event: event('/apis/group/version/resource?fieldSelector=foo=bar&labelSelector=baz=qux', 'list'),
    want: { name: '' },
  },
  {
    desc: 'metadata.name!=x names nothing',
    source: 'fields/selector.go: a notHasTerm has no RequiresExactMatch',
    event: event('/api/v1/pods?fieldSelector=metadata.name!%3Dx', 'list'),
    want: { name: '' },
  },
  {
    desc: 'metadata.name==x names x',
    source: 'fields/selector.go parseSelector: doubleEqualOperator makes a hasTerm',
    event: event('/api/v1/pods?fieldSelector=metadata.name%3D%3Dx', 'list'),
    want: { name: 'x' },
  },
  {
    desc: 'terms are sorted before the name is taken',
    source: 'fields/selector.go parseSelector: sort.StringSlice(parts).Sort(); andTerm.RequiresExactMatch returns the first',
    event: event('/api/v1/pods?fieldSelector=metadata.name%3Db%2Cmetadata.name%3Da', 'list'),
    want: { name: 'a' },
  },
  {
    desc: 'a space before the field is part of the field name',
    source: 'fields/selector.go splitTerm: no trimming, so " metadata.name" is another field',
    event: event('/api/v1/pods?fieldSelector=+metadata.name%3Dx', 'list'),
    want: { name: '' },
  },
  {
    desc: 'a name that is not a path segment is dropped',
    source: `${REQUESTINFO}: len(content.IsPathSegmentName(name)) == 0`,
    event: event('/api/v1/pods?fieldSelector=metadata.name%3D..', 'list'),
    want: { name: '' },
  },
  {
    desc: 'a bad limit spoils the list options: no name',
    source: `${REQUESTINFO}: DecodeParameters fails (limit is an int64), opts reset, name not set`,
    event: event('/api/v1/pods?limit=ten&fieldSelector=metadata.name%3Dx', 'list'),
    want: { name: '' },
  },
  {
    desc: 'a get of one object ignores a field selector',
    source: 'requestinfo_test.go TestSelectorParsing "selector on other verb is ignored"',
    event: event('/apis/group/version/resource/name?fieldSelector=foo=bar', 'get'),
    want: { name: 'name' },
  },
  {
    desc: 'a subresource comes from the third part',
    source: 'requestinfo_test.go TestGetAPIRequestInfo: GET /api/v1/namespaces/other/pods/foo/status',
    event: event('/api/v1/namespaces/default/pods/web/log?container=c', 'get'),
    want: { resource: 'pods', name: 'web', subresource: 'log', namespace: 'default' },
  },
  {
    desc: 'a proxy subresource',
    source: 'requestinfo_test.go TestGetAPIRequestInfo: GET /api/v1/namespaces/other/pods/foo/proxy/subpath',
    event: event('/api/v1/namespaces/other/pods/foo/proxy/subpath', 'get'),
    want: { resource: 'pods', name: 'foo', subresource: 'proxy' },
  },
  {
    desc: 'the proxy path verb takes no subresource',
    source: 'requestinfo_test.go TestGetAPIRequestInfo: GET /api/v1/proxy/namespaces/other/pods/foo/subpath/not/a/subresource',
    event: event('/api/v1/proxy/namespaces/other/pods/foo/subpath/not/a/subresource', 'proxy'),
    want: { resource: 'pods', name: 'foo', subresource: '', namespace: 'other' },
  },
  {
    desc: 'a group, version and subresource under /apis',
    source: 'requestinfo_test.go TestGetNonAPIRequestInfo "simple group" (group/version/resource/name/subresource)',
    event: event('/apis/apps/v1/namespaces/default/deployments/web/scale', 'update'),
    want: { resourceRequest: true, apiGroup: 'apps', apiVersion: 'v1', resource: 'deployments', name: 'web', subresource: 'scale', namespace: 'default' },
  },
  {
    desc: 'a cluster-scoped resource has namespace ""',
    source: `${REQUESTINFO}: Namespace = metav1.NamespaceNone when the path has no namespaces/ part`,
    event: event('/apis/rbac.authorization.k8s.io/v1/clusterroles/edit', 'get'),
    want: { apiGroup: 'rbac.authorization.k8s.io', resource: 'clusterroles', name: 'edit', namespace: '' },
  },
];

describe('recorded events → request attributes', () => {
  for (const c of EVENT_CASES) {
    test(c.desc, () => {
      const attrs = attributesFromEvent(c.event as AuditEvent);
      const picked = Object.fromEntries(Object.keys(c.want).map((k) => [k, attrs[k as keyof RequestAttributes]]));
      assert.deepEqual(picked, c.want, `source: ${c.source}`);
    });
  }

  test('an impersonated request is judged as its authenticated user', () => {
    const policy = policyOf({ desc: '', source: '', request: {}, want: want('None', null), policy: yaml(['{level: RequestResponse, users: [bob]}', '{level: Metadata, users: ["system:admin"]}']) });
    const attrs = attributesFromEvent(event('/api/v1/namespaces/default/pods', 'list', { impersonatedUser: { username: 'bob', groups: ['system:authenticated'] } }) as AuditEvent);
    assert.deepEqual(decisionOf(compilePolicy(policy).evaluate(attrs)), want('Metadata', 1));
    assert.deepEqual(decisionOf(interpretPolicy(policy, attrs)), want('Metadata', 1));
  });

  test('a create never matches a rule naming the object it creates', () => {
    const policy = policyOf({ desc: '', source: '', request: {}, want: want('None', null), policy: yaml(['{level: RequestResponse, resources: [{resources: [pods], resourceNames: [nginx]}]}', '{level: Metadata}']) });
    const attrs = attributesFromEvent(event('/api/v1/namespaces/default/pods', 'create', { objectRef: { resource: 'pods', namespace: 'default', name: 'nginx', apiVersion: 'v1' } }) as AuditEvent);
    assert.deepEqual(decisionOf(compilePolicy(policy).evaluate(attrs)), want('Metadata', 1));
  });

  test('a failed authentication matches only rules without users or userGroups', () => {
    const policy = policyOf({ desc: '', source: '', request: {}, want: want('None', null), policy: yaml(['{level: None, userGroups: ["system:unauthenticated"]}', '{level: RequestResponse, users: [""]}', '{level: Request, nonResourceURLs: ["/api*"]}']) });
    const attrs = attributesFromEvent(event('/api', 'get', { user: {} }) as AuditEvent);
    assert.deepEqual(decisionOf(compilePolicy(policy).evaluate(attrs)), want('Request', 2));
    assert.deepEqual(decisionOf(interpretPolicy(policy, attrs)), want('Request', 2));
  });
});
