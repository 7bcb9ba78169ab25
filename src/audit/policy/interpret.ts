/**
 * The plain rule-by-rule evaluator: a direct reading of kube-apiserver's policy
 * checker (k8s.io/apiserver/pkg/audit/policy/checker.go), written for clarity. It is
 * the reference the compiled evaluator is tested against (test/audit/policy/differential)
 * and the baseline of bench/policy-eval.
 */
import type { RequestAttributes } from '../request.js';
import type { Policy, PolicyRule } from '../types.js';
import { defaultDecision, ruleDecision, type AuditDecision, type EvaluationOptions } from './decision.js';

/** Which field of a rule decided that it does not match; null when it matches. */
export type RuleMismatch =
  | 'users'
  | 'userGroups'
  | 'verbs'
  | 'nonResourceRequest'
  | 'namespaces'
  | 'resources'
  | 'resourceRequest'
  | 'nonResourceURLs';

export function interpretPolicy(
  policy: Policy,
  attrs: RequestAttributes,
  options: EvaluationOptions = {},
): AuditDecision {
  for (let i = 0; i < policy.rules.length; i++) {
    if (ruleMismatch(policy.rules[i], attrs, options) === null) return ruleDecision(policy, i);
  }
  return defaultDecision(policy);
}

/**
 * Checks one rule in kube-apiserver's order and says which field failed first.
 * Users and groups need a user: a request without one (failed authentication) never
 * matches a rule that names users or groups. A rule naming resources or namespaces
 * is checked against resource requests only, and then its nonResourceURLs are never
 * looked at; validation refuses such a mix anyway.
 */
export function ruleMismatch(
  rule: PolicyRule,
  attrs: RequestAttributes,
  options: EvaluationOptions = {},
): RuleMismatch | null {
  if (rule.users.length > 0) {
    if (attrs.user === null || !rule.users.includes(attrs.user)) return 'users';
  }
  if (rule.userGroups.length > 0) {
    if (attrs.user === null) return 'userGroups';
    if (!attrs.groups.some((group) => rule.userGroups.includes(group))) return 'userGroups';
  }
  if (rule.verbs.length > 0 && !rule.verbs.includes(attrs.verb)) return 'verbs';
  if (rule.namespaces.length > 0 || rule.resources.length > 0) {
    if (!attrs.resourceRequest) return 'nonResourceRequest';
    if (rule.namespaces.length > 0 && !rule.namespaces.includes(attrs.namespace)) return 'namespaces';
    if (rule.resources.length === 0) return null;
    return resourcesMatch(rule, attrs, options.wildcardGroup ?? true) ? null : 'resources';
  }
  if (rule.nonResourceURLs.length > 0) {
    if (attrs.resourceRequest) return 'resourceRequest';
    return rule.nonResourceURLs.some((spec) => pathMatches(attrs.path, spec)) ? null : 'nonResourceURLs';
  }
  return null;
}

function resourcesMatch(rule: PolicyRule, attrs: RequestAttributes, wildcardGroup: boolean): boolean {
  const combined = attrs.subresource === '' ? attrs.resource : `${attrs.resource}/${attrs.subresource}`;
  for (const gr of rule.resources) {
    if (gr.group !== attrs.apiGroup && !(wildcardGroup && gr.group === '*')) continue;
    if (gr.resources.length === 0) return true;
    for (const res of gr.resources) {
      if (gr.resourceNames.length > 0 && !gr.resourceNames.includes(attrs.name)) continue;
      if (resourceMatches(res, attrs.resource, attrs.subresource, combined)) return true;
    }
  }
  return false;
}

/**
 * One entry of `resources` against a request:
 * - `*` matches every resource and every subresource;
 * - `pods` matches pods only, `pods/log` the log subresource only;
 * - `*\/log` matches the log subresource of any resource (a subresource is required);
 * - `pods/*` matches pods *and* all its subresources (kube-apiserver does not require one);
 * - anything else, `*\/*` included, is compared literally and so matches nothing real.
 */
export function resourceMatches(res: string, resource: string, subresource: string, combined: string): boolean {
  if (res === combined || res === '*') return true;
  if (subresource !== '' && res.startsWith('*/') && res.slice(2) === subresource) return true;
  if (res.endsWith('/*') && res.slice(0, -2) === resource) return true;
  return false;
}

/** `*` matches every path; a trailing `*` is a raw prefix match (`/healthz*` matches `/healthzX`). */
export function pathMatches(path: string, spec: string): boolean {
  if (spec === '*' || spec === path) return true;
  return spec.endsWith('*') && path.startsWith(spec.replace(/\*+$/, ''));
}
