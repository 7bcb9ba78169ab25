/**
 * The linter, finding by finding: for each id, policies that trigger it and close
 * policies that must not (first-match order, an earlier rule that already settles a
 * request, a pattern that does not cover another). Expected values come from how
 * kube-apiserver matches (pkg/audit/policy/checker.go) and what it writes per level,
 * never from running the linter.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { loadPolicy, parseKubernetesVersion } from '../../../src/audit/policy/index.js';
import { cisSummary, LINT_RULES, lintPolicy, lintPolicySource, toSarif, type LintFinding } from '../../../src/audit/policy/lint/index.js';

/** A policy file: head lines (policy-wide fields) and one flow-style YAML mapping per rule. */
function yaml(rules: string[], head: string[] = []): string {
  return ['apiVersion: audit.k8s.io/v1', 'kind: Policy', ...head, 'rules:', ...rules.map((r) => `- ${r}`), ''].join('\n');
}
const OMIT_RR = ['omitStages: [RequestReceived]'];

function lint(text: string, version?: string): LintFinding[] {
  const loaded = loadPolicy(text, { strict: false, kubernetesVersion: parseKubernetesVersion('1.36') });
  assert.ok(loaded.policy !== null && loaded.loadable, `test policy must load: ${JSON.stringify(loaded.errors)}`);
  return lintPolicy(loaded.policy, { positions: loaded.positions, kubernetesVersion: version === undefined ? undefined : parseKubernetesVersion(version) });
}

interface Want {
  id: string;
  /** true: at least one finding with this id (at `rule` when given, with `field` when given); false: none at all. */
  present: boolean;
  rule?: number | null;
  field?: string;
  /** Text the message must contain. */
  says?: string;
}

interface Case {
  desc: string;
  input: string;
  want: Want;
  version?: string;
}

const SECRETS = '{group: "", resources: [secrets]}';
const CATCH_ALL = '{level: Metadata}';

const cases: Case[] = [
  // credential-body-logged
  { desc: 'secrets at RequestResponse', input: yaml([`{level: RequestResponse, resources: [${SECRETS}]}`, CATCH_ALL], OMIT_RR), want: { id: 'credential-body-logged', present: true, rule: 0 } },
  {
    desc: 'secrets at RequestResponse but every secret request is caught at Metadata first',
    input: yaml([`{level: Metadata, resources: [${SECRETS}]}`, `{level: RequestResponse, resources: [${SECRETS}, {group: "", resources: [pods]}]}`, CATCH_ALL], OMIT_RR),
    want: { id: 'credential-body-logged', present: false },
  },
  {
    desc: 'a catch-all at RequestResponse logs secret bodies',
    input: yaml(['{level: RequestResponse}'], OMIT_RR),
    want: { id: 'credential-body-logged', present: true, rule: 0, says: 'secrets' },
  },
  {
    desc: 'secret writes at Request: the request body holds the data',
    input: yaml([`{level: Request, verbs: [create, update, patch], resources: [${SECRETS}]}`, CATCH_ALL], OMIT_RR),
    want: { id: 'credential-body-logged', present: true, rule: 0, says: 'at Request' },
  },
  {
    desc: 'secret reads at Request: a read has no request body and the response is not logged',
    input: yaml([`{level: Request, verbs: [get, list, watch], resources: [${SECRETS}]}`, CATCH_ALL], OMIT_RR),
    want: { id: 'credential-body-logged', present: false },
  },
  {
    desc: 'secret watches at RequestResponse: watch responses are never logged',
    input: yaml([`{level: RequestResponse, verbs: [watch], resources: [${SECRETS}]}`, CATCH_ALL], OMIT_RR),
    want: { id: 'credential-body-logged', present: false },
  },
  {
    desc: 'tokenreviews at Request: the reviewed token is in the request',
    input: yaml(['{level: Request, resources: [{group: authentication.k8s.io, resources: [tokenreviews]}]}', CATCH_ALL], OMIT_RR),
    want: { id: 'credential-body-logged', present: true, rule: 0, says: 'tokenreviews' },
  },
  {
    desc: 'token requests at Request: the token is only in the response',
    input: yaml(['{level: Request, resources: [{group: "", resources: [serviceaccounts/token]}]}', CATCH_ALL], OMIT_RR),
    want: { id: 'credential-body-logged', present: false },
  },
  {
    desc: 'a RequestResponse rule for one named secret',
    input: yaml([`{level: RequestResponse, resources: [{group: "", resources: [secrets], resourceNames: [db-password]}]}`, CATCH_ALL], OMIT_RR),
    want: { id: 'credential-body-logged', present: true, rule: 0 },
  },
  {
    desc: 'a RequestResponse rule for one named user',
    input: yaml([`{level: RequestResponse, users: [bob], resources: [${SECRETS}]}`, CATCH_ALL], OMIT_RR),
    want: { id: 'credential-body-logged', present: true, rule: 0, says: 'bob' },
  },
  {
    desc: 'a RequestResponse rule for secrets in one namespace',
    input: yaml([`{level: RequestResponse, namespaces: [vault], resources: [${SECRETS}]}`, CATCH_ALL], OMIT_RR),
    want: { id: 'credential-body-logged', present: true, rule: 0, says: 'vault' },
  },
  // sensitive-body-logged
  { desc: 'configmaps at RequestResponse', input: yaml(['{level: RequestResponse, resources: [{group: "", resources: [configmaps]}]}', CATCH_ALL], OMIT_RR), want: { id: 'sensitive-body-logged', present: true, rule: 0 } },
  {
    desc: 'configmaps at Metadata before a RequestResponse catch-all',
    input: yaml(['{level: Metadata, resources: [{group: "", resources: [configmaps]}]}', '{level: RequestResponse}'], OMIT_RR),
    want: { id: 'sensitive-body-logged', present: false },
  },
  // security-request-dropped
  {
    desc: 'exec dropped by a None rule',
    input: yaml(['{level: None, resources: [{group: "", resources: [pods/exec]}]}', CATCH_ALL], OMIT_RR),
    want: { id: 'security-request-dropped', present: true, rule: 0, says: 'pods/exec' },
  },
  {
    desc: 'pods/log dropped: not security-relevant',
    input: yaml(['{level: None, resources: [{group: "", resources: [pods/log]}]}', CATCH_ALL], OMIT_RR),
    want: { id: 'security-request-dropped', present: false },
  },
  {
    desc: 'all reads dropped: kubectl exec over WebSockets is a get',
    input: yaml(['{level: None, verbs: [get, list, watch]}', CATCH_ALL], OMIT_RR),
    want: { id: 'security-request-dropped', present: true, rule: 0, says: 'get pods/exec' },
  },
  {
    desc: 'get and update in kube-system dropped (the cloud-provider policy trap): secret reads there are lost',
    input: yaml(['{level: None, verbs: [get, update], namespaces: [kube-system]}', CATCH_ALL], OMIT_RR),
    want: { id: 'security-request-dropped', present: true, rule: 0, says: 'secrets in kube-system' },
  },
  {
    desc: 'get and update of endpoints in kube-system dropped: nothing security-relevant',
    input: yaml(['{level: None, verbs: [get, update], namespaces: [kube-system], resources: [{group: "", resources: [endpoints]}]}', CATCH_ALL], OMIT_RR),
    want: { id: 'security-request-dropped', present: false },
  },
  {
    desc: 'RBAC changes by nodes dropped with everything nodes do',
    input: yaml(['{level: None, userGroups: ["system:nodes"]}', CATCH_ALL], OMIT_RR),
    want: { id: 'security-request-dropped', present: true, rule: 0, says: 'RBAC' },
  },
  {
    desc: 'a catch-all only for authenticated users: anonymous and unauthenticated requests fall through',
    input: yaml(['{level: Metadata, userGroups: ["system:authenticated"]}'], OMIT_RR),
    want: { id: 'security-request-dropped', present: true, rule: null, says: 'anonymous' },
  },
  { desc: 'a plain catch-all keeps everything', input: yaml([CATCH_ALL], OMIT_RR), want: { id: 'security-request-dropped', present: false } },
  // no-catch-all
  { desc: 'only secrets and pods are logged', input: yaml([`{level: Metadata, resources: [${SECRETS}]}`], OMIT_RR), want: { id: 'no-catch-all', present: true, rule: null, field: 'rules' } },
  {
    desc: 'an explicit None catch-all is a decision, not an omission',
    input: yaml([`{level: Metadata, resources: [${SECRETS}]}`, '{level: None}'], OMIT_RR),
    want: { id: 'no-catch-all', present: false },
  },
  {
    desc: 'a catch-all with userGroups does not catch requests without a user',
    input: yaml(['{level: Metadata, userGroups: ["system:authenticated", "system:unauthenticated"]}'], OMIT_RR),
    want: { id: 'no-catch-all', present: true, says: 'without a user' },
  },
  // request-received-logged
  { desc: 'no omitStages', input: yaml([CATCH_ALL]), want: { id: 'request-received-logged', present: true, rule: 0 } },
  { desc: 'omitStages at the top', input: yaml([CATCH_ALL], OMIT_RR), want: { id: 'request-received-logged', present: false } },
  { desc: 'omitStages on the rule', input: yaml(['{level: Metadata, omitStages: [RequestReceived]}']), want: { id: 'request-received-logged', present: false } },
  {
    desc: 'only the rule that logs without omitStages is named',
    input: yaml([`{level: Metadata, resources: [${SECRETS}], omitStages: [RequestReceived]}`, '{level: Request}']),
    want: { id: 'request-received-logged', present: true, rule: 1 },
  },
  { desc: 'a None-only policy logs no stage at all', input: yaml(['{level: None}']), want: { id: 'request-received-logged', present: false } },
  // noise-logged / noise-bodies-logged
  { desc: 'everything at Metadata logs lease renewals', input: yaml([CATCH_ALL], OMIT_RR), want: { id: 'noise-logged', present: true, rule: 0, says: 'lease' } },
  {
    desc: 'noise dropped before the catch-all',
    input: yaml(
      [
        '{level: None, verbs: [get, update], resources: [{group: coordination.k8s.io, resources: [leases]}]}',
        '{level: None, resources: [{group: "", resources: [events]}, {group: events.k8s.io, resources: [events]}]}',
        '{level: None, nonResourceURLs: ["/healthz*", "/livez*", "/readyz*", /metrics]}',
        '{level: None, users: ["system:kube-proxy", "system:serviceaccount:kube-system:kube-proxy"], verbs: [watch]}',
        '{level: None, userGroups: ["system:nodes"], verbs: [get], resources: [{group: "", resources: [nodes]}]}',
        CATCH_ALL,
      ],
      OMIT_RR,
    ),
    want: { id: 'noise-logged', present: false },
  },
  { desc: 'everything at RequestResponse logs lease bodies', input: yaml(['{level: RequestResponse}'], OMIT_RR), want: { id: 'noise-bodies-logged', present: true, rule: 0 } },
  {
    desc: 'reads at Request, the rest at Metadata: no costly bodies',
    input: yaml(['{level: Request, verbs: [get, list, watch]}', CATCH_ALL], OMIT_RR),
    want: { id: 'noise-bodies-logged', present: false },
  },
  {
    desc: 'lease updates at Request: the request body is written for every renewal',
    input: yaml(['{level: Request, resources: [{group: coordination.k8s.io, resources: [leases]}]}', CATCH_ALL], OMIT_RR),
    want: { id: 'noise-bodies-logged', present: true, rule: 0, says: 'lease' },
  },
  {
    desc: 'node status patches at Request (what GKE does): the large Node response is not written',
    input: yaml(['{level: Request, userGroups: ["system:nodes"], verbs: [update, patch], resources: [{group: "", resources: [nodes/status, pods/status]}]}', CATCH_ALL], OMIT_RR),
    want: { id: 'noise-bodies-logged', present: false },
  },
  // rule-shadowed
  { desc: 'a rule after a catch-all', input: yaml([CATCH_ALL, '{level: None, resources: [{group: "", resources: [pods]}]}'], OMIT_RR), want: { id: 'rule-shadowed', present: true, rule: 1 } },
  {
    desc: '"pods" does not cover pods/exec',
    input: yaml(['{level: Metadata, resources: [{group: "", resources: [pods]}]}', '{level: Request, resources: [{group: "", resources: [pods/exec]}]}', CATCH_ALL], OMIT_RR),
    want: { id: 'rule-shadowed', present: false },
  },
  {
    desc: '"pods/*" covers pods/exec',
    input: yaml(['{level: Metadata, resources: [{group: "", resources: ["pods/*"]}]}', '{level: Request, resources: [{group: "", resources: [pods/exec]}]}', CATCH_ALL], OMIT_RR),
    want: { id: 'rule-shadowed', present: true, rule: 1, says: 'rules[0]' },
  },
  {
    desc: '"*/log" covers pods/log',
    input: yaml(['{level: None, resources: [{group: "", resources: ["*/log"]}]}', '{level: Request, resources: [{group: "", resources: [pods/log]}]}', CATCH_ALL], OMIT_RR),
    want: { id: 'rule-shadowed', present: true, rule: 1 },
  },
  {
    desc: '"*/log" does not cover pods',
    input: yaml(['{level: None, resources: [{group: "", resources: ["*/log"]}]}', '{level: Request, resources: [{group: "", resources: [pods]}]}', CATCH_ALL], OMIT_RR),
    want: { id: 'rule-shadowed', present: false },
  },
  {
    desc: 'users: a superset covers',
    input: yaml(['{level: None, users: [a, b]}', '{level: Metadata, users: [a], verbs: [get]}', CATCH_ALL], OMIT_RR),
    want: { id: 'rule-shadowed', present: true, rule: 1 },
  },
  {
    desc: 'users: a subset does not cover',
    input: yaml(['{level: None, users: [a]}', '{level: Metadata, users: [a, b]}', CATCH_ALL], OMIT_RR),
    want: { id: 'rule-shadowed', present: false },
  },
  {
    desc: 'resourceNames narrow the earlier rule',
    input: yaml([`{level: None, resources: [{group: "", resources: [secrets], resourceNames: [x]}]}`, `{level: Metadata, resources: [${SECRETS}]}`, CATCH_ALL], OMIT_RR),
    want: { id: 'rule-shadowed', present: false },
  },
  {
    desc: 'resourceNames of the later rule are within the earlier rule',
    input: yaml([`{level: Metadata, resources: [${SECRETS}]}`, `{level: None, resources: [{group: "", resources: [secrets], resourceNames: [x]}]}`, CATCH_ALL], OMIT_RR),
    want: { id: 'rule-shadowed', present: true, rule: 1 },
  },
  {
    desc: 'a URL prefix covers a longer path',
    input: yaml(['{level: None, nonResourceURLs: ["/healthz*"]}', '{level: Metadata, nonResourceURLs: [/healthz/etcd]}', CATCH_ALL], OMIT_RR),
    want: { id: 'rule-shadowed', present: true, rule: 1 },
  },
  {
    desc: 'an exact URL does not cover a prefix',
    input: yaml(['{level: None, nonResourceURLs: [/healthz]}', '{level: Metadata, nonResourceURLs: ["/healthz*"]}', CATCH_ALL], OMIT_RR),
    want: { id: 'rule-shadowed', present: false },
  },
  {
    desc: 'namespaces: a superset covers',
    input: yaml(['{level: None, namespaces: [a, b]}', '{level: Metadata, namespaces: [a], resources: [{group: "", resources: [pods]}]}', CATCH_ALL], OMIT_RR),
    want: { id: 'rule-shadowed', present: true, rule: 1 },
  },
  {
    desc: 'verbs: a subset does not cover',
    input: yaml(['{level: None, verbs: [get]}', '{level: Metadata, verbs: [get, list]}', CATCH_ALL], OMIT_RR),
    want: { id: 'rule-shadowed', present: false },
  },
  {
    desc: 'a resource rule does not cover a rule without resources',
    input: yaml(['{level: None, resources: [{group: ""}]}', '{level: Metadata, verbs: [get]}', CATCH_ALL], OMIT_RR),
    want: { id: 'rule-shadowed', present: false },
  },
  {
    desc: 'group "*" covers every group from 1.36',
    input: yaml(['{level: Metadata, resources: [{group: "*"}]}', '{level: None, resources: [{group: apps, resources: [deployments]}]}', CATCH_ALL], OMIT_RR),
    want: { id: 'rule-shadowed', present: true, rule: 1 },
  },
  {
    desc: 'group "*" is no wildcard before 1.36',
    input: yaml(['{level: Metadata, resources: [{group: "*"}]}', '{level: None, resources: [{group: apps, resources: [deployments]}]}', CATCH_ALL], OMIT_RR),
    want: { id: 'rule-shadowed', present: false },
    version: '1.35',
  },
  {
    desc: 'a shadowed rule with the same result is called redundant',
    input: yaml([CATCH_ALL, '{level: Metadata, verbs: [get]}'], OMIT_RR),
    want: { id: 'rule-shadowed', present: true, rule: 1, says: 'redundant' },
  },
  // rule-never-matches
  { desc: 'only upper-case verbs', input: yaml(['{level: None, verbs: [GET, LIST]}', CATCH_ALL], OMIT_RR), want: { id: 'rule-never-matches', present: true, rule: 0 } },
  { desc: 'lower-case verbs', input: yaml(['{level: None, verbs: [get, list]}', CATCH_ALL], OMIT_RR), want: { id: 'rule-never-matches', present: false } },
  {
    desc: 'resourceNames with only create: a create carries no name',
    input: yaml(['{level: None, verbs: [create], resources: [{group: "", resources: [configmaps], resourceNames: [x]}]}', CATCH_ALL], OMIT_RR),
    want: { id: 'rule-never-matches', present: true, rule: 0, says: 'resourceNames' },
  },
  {
    desc: 'resourceNames with create on pods/exec: the pod is named in the path',
    input: yaml(['{level: None, verbs: [create], resources: [{group: "", resources: [pods/exec], resourceNames: [x]}]}', CATCH_ALL], OMIT_RR),
    want: { id: 'rule-never-matches', present: false },
  },
  {
    desc: 'namespaces with only cluster-scoped resources',
    input: yaml(['{level: None, namespaces: [kube-system], resources: [{group: "", resources: [nodes]}]}', CATCH_ALL], OMIT_RR),
    want: { id: 'rule-never-matches', present: true, rule: 0, says: 'cluster-scoped' },
  },
  {
    desc: 'namespaces with a namespaced resource',
    input: yaml(['{level: None, namespaces: [kube-system], resources: [{group: "", resources: [nodes, pods]}]}', CATCH_ALL], OMIT_RR),
    want: { id: 'rule-never-matches', present: false },
  },
  {
    desc: 'namespaces including "" with cluster-scoped resources',
    input: yaml(['{level: None, namespaces: ["", kube-system], resources: [{group: "", resources: [nodes]}]}', CATCH_ALL], OMIT_RR),
    want: { id: 'rule-never-matches', present: false },
  },
  {
    desc: 'nonResourceURLs with a resource verb',
    input: yaml(['{level: None, verbs: [list], nonResourceURLs: ["/healthz*"]}', CATCH_ALL], OMIT_RR),
    want: { id: 'rule-never-matches', present: true, rule: 0 },
  },
  { desc: 'nonResourceURLs with get', input: yaml(['{level: None, verbs: [get], nonResourceURLs: ["/healthz*"]}', CATCH_ALL], OMIT_RR), want: { id: 'rule-never-matches', present: false } },
  {
    desc: 'every resource entry dead',
    input: yaml(['{level: None, resources: [{group: "", resources: ["*/*"]}]}', CATCH_ALL], OMIT_RR),
    want: { id: 'rule-never-matches', present: true, rule: 0 },
  },
  {
    desc: 'resourceNames with only create in one entry, another entry alive',
    input: yaml(['{level: None, verbs: [create], resources: [{group: "", resources: [configmaps], resourceNames: [x]}, {group: "", resources: [pods]}]}', CATCH_ALL], OMIT_RR),
    want: { id: 'rule-never-matches', present: false },
  },
  {
    desc: 'authorization-only verbs on a rule that also sees non-resource requests: in practice never',
    input: yaml(['{level: None, verbs: [impersonate]}', CATCH_ALL], OMIT_RR),
    want: { id: 'rule-never-matches', present: true, rule: 0, says: 'non-standard' },
  },
  // unknown-verb
  { desc: 'upper-case verb', input: yaml(['{level: None, verbs: [GET, list]}', CATCH_ALL], OMIT_RR), want: { id: 'unknown-verb', present: true, field: 'rules[0].verbs[0]', says: '"get"' } },
  { desc: 'verb "*" is literal', input: yaml(['{level: None, verbs: ["*"]}', CATCH_ALL], OMIT_RR), want: { id: 'unknown-verb', present: true, field: 'rules[0].verbs[0]' } },
  {
    desc: 'an HTTP method on a resource rule',
    input: yaml(['{level: None, verbs: [post], resources: [{group: "", resources: [pods]}]}', CATCH_ALL], OMIT_RR),
    want: { id: 'unknown-verb', present: true, says: '"create"' },
  },
  { desc: 'an HTTP method on a non-resource rule', input: yaml(['{level: None, verbs: [post], nonResourceURLs: ["/api*"]}', CATCH_ALL], OMIT_RR), want: { id: 'unknown-verb', present: false } },
  { desc: 'known verbs', input: yaml(['{level: None, verbs: [get, deletecollection, watch]}', CATCH_ALL], OMIT_RR), want: { id: 'unknown-verb', present: false } },
  {
    desc: 'an odd lower-case verb on a rule without resources: only a non-standard method would carry it',
    input: yaml(['{level: None, verbs: [propfind, get]}', CATCH_ALL], OMIT_RR),
    want: { id: 'unknown-verb', present: true, field: 'rules[0].verbs[0]', says: 'PROPFIND' },
  },
  // authorization-only-verb
  { desc: 'impersonate', input: yaml(['{level: RequestResponse, verbs: [impersonate, create]}', CATCH_ALL], OMIT_RR), want: { id: 'authorization-only-verb', present: true, field: 'rules[0].verbs[0]' } },
  { desc: 'bind and escalate', input: yaml(['{level: RequestResponse, verbs: [bind, escalate]}', CATCH_ALL], OMIT_RR), want: { id: 'rule-never-matches', present: true, rule: 0 } },
  { desc: 'no authorization verb', input: yaml(['{level: RequestResponse, verbs: [create]}', CATCH_ALL], OMIT_RR), want: { id: 'authorization-only-verb', present: false } },
  // unknown-resource
  {
    desc: 'deployments in the core group',
    input: yaml(['{level: None, resources: [{group: "", resources: [pods, deployments]}]}', CATCH_ALL], OMIT_RR),
    want: { id: 'unknown-resource', present: true, field: 'rules[0].resources[0].resources[1]', says: '"apps"' },
  },
  { desc: 'deployments in apps', input: yaml(['{level: None, resources: [{group: apps, resources: [deployments, deployments/scale]}]}', CATCH_ALL], OMIT_RR), want: { id: 'unknown-resource', present: false } },
  { desc: '"*/*" is literal', input: yaml(['{level: None, resources: [{group: "", resources: [pods, "*/*"]}]}', CATCH_ALL], OMIT_RR), want: { id: 'unknown-resource', present: true, field: 'rules[0].resources[0].resources[1]' } },
  { desc: 'a misspelt subresource', input: yaml(['{level: None, resources: [{group: "", resources: [pods/exe]}]}', CATCH_ALL], OMIT_RR), want: { id: 'unknown-resource', present: true, says: 'subresource' } },
  { desc: 'a custom resource group is not judged', input: yaml(['{level: None, resources: [{group: example.com, resources: [widgets, Gadgets]}]}', CATCH_ALL], OMIT_RR), want: { id: 'unknown-resource', present: false } },
  { desc: '"*/status" in apps', input: yaml(['{level: None, resources: [{group: apps, resources: ["*/status", "deployments/*"]}]}', CATCH_ALL], OMIT_RR), want: { id: 'unknown-resource', present: false } },
  { desc: '"*/exec" in apps', input: yaml(['{level: None, resources: [{group: apps, resources: ["*/exec"]}]}', CATCH_ALL], OMIT_RR), want: { id: 'unknown-resource', present: true } },
  { desc: 'podsecuritypolicies on 1.36', input: yaml(['{level: None, resources: [{group: policy, resources: [podsecuritypolicies]}]}', CATCH_ALL], OMIT_RR), want: { id: 'unknown-resource', present: true, says: '1.25' } },
  {
    desc: 'podsecuritypolicies on 1.24',
    input: yaml(['{level: None, resources: [{group: policy, resources: [podsecuritypolicies]}]}', CATCH_ALL], OMIT_RR),
    want: { id: 'unknown-resource', present: false },
    version: '1.24',
  },
  { desc: 'a kubelet subresource', input: yaml(['{level: None, resources: [{group: "", resources: [nodes/stats]}]}', CATCH_ALL], OMIT_RR), want: { id: 'unknown-resource', present: true, says: 'kubelet' } },
  { desc: 'an alpha group whose resources move too fast to judge', input: yaml(['{level: None, resources: [{group: resource.k8s.io, resources: [futureclaims]}]}', CATCH_ALL], OMIT_RR), want: { id: 'unknown-resource', present: false } },
  // wildcard-group-unsupported
  { desc: 'group "*" on 1.35', input: yaml(['{level: None, resources: [{group: "*", resources: [leases]}]}', CATCH_ALL], OMIT_RR), want: { id: 'wildcard-group-unsupported', present: true, field: 'rules[0].resources[0].group' }, version: '1.35' },
  { desc: 'group "*" on 1.36', input: yaml(['{level: None, resources: [{group: "*", resources: [leases]}]}', CATCH_ALL], OMIT_RR), want: { id: 'wildcard-group-unsupported', present: false } },
  // cis-3.2.1 / cis-3.2.2
  { desc: 'a policy that logs nothing', input: yaml(['{level: None}'], OMIT_RR), want: { id: 'cis-3.2.1', present: true, rule: null } },
  { desc: 'a policy that logs something', input: yaml([CATCH_ALL], OMIT_RR), want: { id: 'cis-3.2.1', present: false } },
  {
    desc: 'the lab policy (seed 000) misses exec and RBAC',
    input: yaml([`{level: Metadata, resources: [${SECRETS}]}`, '{level: RequestResponse, resources: [{group: "", resources: [pods]}]}']),
    want: { id: 'cis-3.2.2', present: true, says: 'pods/exec' },
  },
  { desc: 'everything at Metadata covers CIS 3.2.2', input: yaml([CATCH_ALL], OMIT_RR), want: { id: 'cis-3.2.2', present: false } },
  { desc: 'everything at Request logs secret bodies on writes', input: yaml(['{level: Request}'], OMIT_RR), want: { id: 'cis-3.2.2', present: true, says: 'bodies' } },
];

describe('lintPolicy: each finding, triggered and not', () => {
  for (const c of cases) {
    test(`${c.want.present ? '' : 'no '}${c.want.id}: ${c.desc}`, () => {
      const findings = lint(c.input, c.version);
      const mine = findings.filter((f) => f.id === c.want.id);
      if (!c.want.present) {
        assert.deepEqual(mine, [], `unexpected ${c.want.id}`);
        return;
      }
      const at = mine.filter((f) => (c.want.rule === undefined || f.rule === c.want.rule) && (c.want.field === undefined || f.field === c.want.field));
      assert.ok(at.length > 0, `want ${c.want.id} at rule ${c.want.rule} field ${c.want.field}; got ${JSON.stringify(findings.map((f) => [f.id, f.rule, f.field]))}`);
      if (c.want.says !== undefined) assert.ok(at.some((f) => f.message.includes(c.want.says!)), `no ${c.want.id} message says ${JSON.stringify(c.want.says)}: ${at.map((f) => f.message).join(' | ')}`);
    });
  }

  test('every id in the table is triggered by some case and avoided by another', () => {
    const triggered = new Set(cases.filter((c) => c.want.present).map((c) => c.want.id));
    const avoided = new Set(cases.filter((c) => !c.want.present).map((c) => c.want.id));
    const fromLoader: readonly string[] = ['policy-refused', 'unknown-field', 'literal-pattern'];
    const lintIds = LINT_RULES.map((r) => r.id as string).filter((id) => !fromLoader.includes(id));
    assert.deepEqual(lintIds.filter((id) => !triggered.has(id)), []);
    assert.deepEqual(lintIds.filter((id) => !avoided.has(id)), []);
  });
});

describe('lintPolicy: positions and severities', () => {
  test('findings point at the rule or entry in the file', () => {
    const text = yaml([CATCH_ALL, '{level: None, verbs: [GET]}']);
    const findings = lint(text);
    const verb = findings.find((f) => f.id === 'unknown-verb')!;
    assert.deepEqual([verb.line, verb.column, verb.field, verb.rule], [5, 25, 'rules[1].verbs[0]', 1]);
    const shadowed = findings.find((f) => f.id === 'rule-shadowed');
    assert.equal(shadowed, undefined, 'a dead rule is reported as never matching, not as shadowed');
  });

  test('without positions every finding is at 1:1', () => {
    const loaded = loadPolicy(yaml(['{level: RequestResponse}']));
    for (const f of lintPolicy(loaded.policy!)) assert.deepEqual([f.line, f.column], [1, 1]);
  });

  test('a finding has the severity its id has in LINT_RULES', () => {
    const severity = new Map<string, string>(LINT_RULES.map((r) => [r.id, r.severity]));
    const findings = [yaml(['{level: RequestResponse, verbs: [GET, impersonate, get]}', '{level: None, resources: [{group: "", resources: ["*/*"]}]}']), yaml(['{level: None}'])].flatMap((t) => lint(t));
    assert.ok(findings.length > 5);
    for (const f of findings) assert.equal(f.severity, severity.get(f.id), f.id);
  });

  test('ids are unique kebab-case', () => {
    const ids = LINT_RULES.map((r) => r.id);
    assert.equal(new Set(ids).size, ids.length);
    for (const id of ids) assert.match(id, /^[a-z0-9]+(?:[-.][a-z0-9]+)*$/);
  });
});

describe('lintPolicySource', () => {
  const table = [
    { desc: 'a refused policy gives its load errors', input: 'apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: Loud\n', want: { loadable: false, ids: ['policy-refused'] } },
    { desc: 'a misspelt field', input: yaml(['{level: None, resource: [{group: ""}]}', CATCH_ALL], OMIT_RR), want: { loadable: true, ids: ['unknown-field'] } },
    { desc: 'a glob in users', input: yaml(['{level: None, users: ["*apiserver"]}', CATCH_ALL], OMIT_RR), want: { loadable: true, ids: ['literal-pattern'] } },
  ];
  for (const c of table) {
    test(c.desc, () => {
      const result = lintPolicySource(c.input);
      assert.equal(result.loadable, c.want.loadable);
      for (const id of c.want.ids) assert.ok(result.findings.some((f) => f.id === id), `want ${id}: ${JSON.stringify(result.findings)}`);
    });
  }
});

describe('cisSummary', () => {
  test('lists each check with its verdict', () => {
    const loaded = loadPolicy(yaml([`{level: Metadata, resources: [${SECRETS}]}`, '{level: None}'], OMIT_RR));
    const [c321, c322] = cisSummary(loaded.policy!);
    assert.equal(c321.id, 'cis-3.2.1');
    assert.equal(c321.passed, true);
    assert.equal(c322.passed, false);
    const byTitle = new Map(c322.checks.map((k) => [k.title, k.passed]));
    assert.equal(byTitle.get('Secret access is logged'), true);
    assert.equal(byTitle.get('RBAC changes are logged'), false);
  });
});

describe('toSarif', () => {
  test('a SARIF 2.1.0 log GitHub code scanning accepts', () => {
    const findings = lint(yaml(['{level: RequestResponse}']));
    const sarif = toSarif(findings, { file: 'policy.yaml', toolVersion: '1.2.3' }) as any;
    assert.equal(sarif.version, '2.1.0');
    assert.match(sarif.$schema, /sarif/);
    const run = sarif.runs[0];
    assert.equal(run.tool.driver.name, 'kubetrail');
    assert.deepEqual(run.tool.driver.rules.map((r: any) => r.id), LINT_RULES.map((r) => r.id));
    for (const r of run.tool.driver.rules) {
      assert.ok(r.shortDescription.text && r.fullDescription.text && r.help.text);
      assert.ok(['error', 'warning', 'note'].includes(r.defaultConfiguration.level));
    }
    assert.equal(run.results.length, findings.length);
    const leak = run.results.find((r: any) => r.ruleId === 'credential-body-logged');
    assert.equal(leak.level, 'error');
    assert.equal(leak.locations[0].physicalLocation.artifactLocation.uri, 'policy.yaml');
    assert.equal(leak.locations[0].physicalLocation.region.startLine, 4);
    assert.equal(run.tool.driver.rules[leak.ruleIndex].id, 'credential-body-logged');
    assert.ok(run.results.some((r: any) => r.level === 'note'), 'info findings are notes');
  });
});
