/**
 * Every finding the linter can report, with a stable id. SARIF rules are built from
 * this table, and the ids are what users put in suppression lists and what presets
 * list as accepted, so an id is never renamed or reused.
 */
import type { LintSeverity } from './types.js';

export interface LintRuleInfo {
  readonly id: string;
  /** The severity the finding is reported with. */
  readonly severity: LintSeverity;
  readonly title: string;
  /** Why it matters and what to do. */
  readonly help: string;
}

export const LINT_RULES = [
  {
    id: 'policy-refused',
    severity: 'error',
    title: 'kube-apiserver would refuse this policy',
    help:
      'kube-apiserver would not start with this file (a YAML error, a wrong apiVersion or kind, a field of the wrong type, a value validation refuses, or no rules). ' +
      'The message is the problem as kube-apiserver reports it, with its field path. Nothing else is checked until the file loads.',
  },
  {
    id: 'unknown-field',
    severity: 'warning',
    title: 'Field kube-apiserver ignores',
    help:
      'kube-apiserver drops unknown fields (a misspelt `resource:` or `verb:`) and keeps only the last of repeated ones, without a word before 1.26 and with only a log line since. ' +
      'The rule then matches more or less than it says. Fix the spelling or remove the duplicate.',
  },
  {
    id: 'literal-pattern',
    severity: 'warning',
    title: 'Glob where kube-apiserver compares exactly',
    help:
      'users, userGroups, verbs, namespaces and resourceNames are compared exactly: `*apiserver` or `team-*` matches only a value spelled that way, so the entry matches nothing. ' +
      'List the exact values, or leave the field out to match all.',
  },
  {
    id: 'credential-body-logged',
    severity: 'error',
    title: 'Credentials reach the audit log',
    help:
      'A rule logs request or response bodies (level Request or RequestResponse) for Secrets, TokenRequests (serviceaccounts/token) or TokenReviews. ' +
      'Their bodies carry secret data and bearer tokens, which then sit in plain text in every copy of the audit log. ' +
      'Bodies are written for writes at Request and above, and for reads at RequestResponse (watch responses are never logged). ' +
      'Add a Metadata rule for these resources before any rule that logs bodies.',
  },
  {
    id: 'sensitive-body-logged',
    severity: 'warning',
    title: 'ConfigMap bodies reach the audit log',
    help:
      'A rule logs request or response bodies of ConfigMaps, which often hold passwords, keys and connection strings despite the advice not to. ' +
      'Log them at Metadata, as kube-apiserver\'s own example policies do. CertificateSigningRequests are not included: they hold public keys and issued certificates, nothing secret.',
  },
  {
    id: 'security-request-dropped',
    severity: 'warning',
    title: 'Security-relevant requests are not logged',
    help:
      'Requests an incident responder needs end at level None, either at a None rule or because no rule matches them: exec, attach and port-forward into pods, the kubelet proxy, ' +
      'RBAC changes, Secret access, token requests, CSR approvals, admission webhook changes, and anything anonymous or unauthenticated. ' +
      'Impersonated requests are evaluated as the impersonating user, so they are covered by the users above. Put a rule that logs these before the None rule.',
  },
  {
    id: 'no-catch-all',
    severity: 'warning',
    title: 'Some requests match no rule and are not logged',
    help:
      'A request no rule matches is not audited at all (level None). The message lists kinds of requests that fall through. ' +
      'End the policy with a catch-all rule, usually `- level: Metadata`, so that nothing goes unrecorded by accident; a deliberate `- level: None` catch-all also silences this.',
  },
  {
    id: 'request-received-logged',
    severity: 'warning',
    title: 'RequestReceived stage is logged',
    help:
      'Without omitStages: [RequestReceived] every request is written twice: once when it arrives and once when its response is done, the first event adding nothing the second lacks. ' +
      'Add `omitStages: ["RequestReceived"]` at the top level of the policy.',
  },
  {
    id: 'noise-bodies-logged',
    severity: 'warning',
    title: 'High-volume traffic is logged with bodies',
    help:
      'Frequent, low-value requests (lease renewals, events, node and pod status updates, lists by controllers and kubelets) are logged with request or response bodies. ' +
      'They dominate the log\'s size and the API server\'s audit cost. Drop them (level None) or log them at Metadata.',
  },
  {
    id: 'noise-logged',
    severity: 'info',
    title: 'High-volume, low-value traffic is logged',
    help:
      'Lease renewals, events, health and metrics probes, kube-proxy watches and kubelets reading their own Node are logged (at Metadata). ' +
      'They are most of the requests in a quiet cluster; cloud-provider policies drop them with None rules placed after the security-relevant rules.',
  },
  {
    id: 'rule-shadowed',
    severity: 'warning',
    title: 'Rule is never reached',
    help:
      'Every request this rule matches is matched by an earlier rule, and the first matching rule decides. ' +
      'Delete the rule if it is redundant, or move it above the earlier rule if it was meant to take effect.',
  },
  {
    id: 'rule-never-matches',
    severity: 'warning',
    title: 'Rule can never match',
    help:
      'No request kube-apiserver can receive matches this rule: all of its verbs or resources are ones no request carries, or its fields contradict each other ' +
      '(resourceNames with only create or deletecollection, which carry no name; namespaces with only cluster-scoped resources; nonResourceURLs with verbs only resource requests have).',
  },
  {
    id: 'unknown-verb',
    severity: 'warning',
    title: 'Verb no request carries',
    help:
      'kube-apiserver compares verbs exactly. Resource requests carry get, list, watch, create, update, patch, delete or deletecollection; ' +
      'non-resource requests carry the lower-cased HTTP method (get, put, post, patch, delete, head, options). Any other entry matches nothing.',
  },
  {
    id: 'authorization-only-verb',
    severity: 'warning',
    title: 'Authorization-only verb in an audit rule',
    help:
      'impersonate, bind, escalate, use, approve, sign and attest are verbs of authorization checks made inside kube-apiserver; no request carries them, so the audit policy never sees them. ' +
      'Impersonated requests are audited under the impersonating user (with impersonatedUser in the event); RBAC bind and escalate show up as writes to roles and bindings; ' +
      'CSR approval as an update of certificatesigningrequests/approval.',
  },
  {
    id: 'unknown-resource',
    severity: 'warning',
    title: 'Resource the API group does not serve',
    help:
      'The entry names a resource (or resource/subresource) that this built-in API group does not serve, or a pattern kube-apiserver compares literally such as `*/*`. ' +
      'Resources are plural and lower-case (`deployments`), a subresource is written `pods/exec`, `pods/*` matches pods and all its subresources, `*/status` a subresource of any resource.',
  },
  {
    id: 'wildcard-group-unsupported',
    severity: 'error',
    title: 'group "*" before Kubernetes 1.36',
    help: 'Before Kubernetes 1.36 kube-apiserver refuses `group: "*"` and does not start. List the groups, or leave `resources` out to match every resource.',
  },
  {
    id: 'cis-3.2.1',
    severity: 'warning',
    title: 'CIS 3.2.1: the policy logs nothing',
    help: 'CIS Kubernetes Benchmark 3.2.1 asks for a minimal audit policy. Every request this policy can see ends at level None. Add `- level: Metadata` as the last rule.',
  },
  {
    id: 'cis-3.2.2',
    severity: 'warning',
    title: 'CIS 3.2.2: the policy misses key security concerns',
    help:
      'CIS Kubernetes Benchmark 3.2.2 asks that the policy cover key security concerns: access to Secrets, ConfigMaps and TokenReviews logged at Metadata only (no bodies), ' +
      'changes to pods and deployments logged, and pods/exec, pods/portforward, pods/proxy and services/proxy logged; kubetrail also asks for RBAC changes. The message lists what is missing.',
  },
] as const satisfies readonly LintRuleInfo[];

export type LintRuleId = (typeof LINT_RULES)[number]['id'];

const BY_ID = new Map<string, LintRuleInfo>(LINT_RULES.map((r) => [r.id, r]));

export function lintRuleInfo(id: string): LintRuleInfo | undefined {
  return BY_ID.get(id);
}
