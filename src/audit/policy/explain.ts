/**
 * Why a request got its level: the first rule that matched and, for every rule before
 * it, the first field (in kube-apiserver's checking order) that did not match.
 */
import type { RequestAttributes } from '../request.js';
import type { Policy } from '../types.js';
import { defaultDecision, ruleDecision, type AuditDecision, type EvaluationOptions } from './decision.js';
import { ruleMismatch, type RuleMismatch } from './interpret.js';

export interface RuleExplanation {
  rule: number;
  matched: boolean;
  /** The field that failed; absent for the matching rule. */
  mismatch?: RuleMismatch;
  reason: string;
}

export interface Explanation {
  decision: AuditDecision;
  /** Every rule up to and including the match (all rules when none matched). */
  rules: RuleExplanation[];
}

export function explainPolicy(policy: Policy, attrs: RequestAttributes, options: EvaluationOptions = {}): Explanation {
  const rules: RuleExplanation[] = [];
  for (let i = 0; i < policy.rules.length; i++) {
    const mismatch = ruleMismatch(policy.rules[i], attrs, options);
    if (mismatch === null) {
      rules.push({ rule: i, matched: true, reason: 'every field the rule sets matches' });
      return { decision: ruleDecision(policy, i), rules };
    }
    rules.push({ rule: i, matched: false, mismatch, reason: describeMismatch(mismatch, attrs) });
  }
  return { decision: defaultDecision(policy), rules };
}

function describeMismatch(mismatch: RuleMismatch, a: RequestAttributes): string {
  const q = JSON.stringify;
  switch (mismatch) {
    case 'users':
      return a.user === null ? 'users: the request has no user (failed authentication)' : `users: ${q(a.user)} is not listed`;
    case 'userGroups':
      return a.user === null ? 'userGroups: the request has no user (failed authentication)' : `userGroups: none of [${a.groups.map((g) => q(g)).join(', ')}] is listed`;
    case 'verbs':
      return `verbs: ${q(a.verb)} is not listed`;
    case 'nonResourceRequest':
      return `resources/namespaces: ${q(a.path)} is a non-resource request, and a rule with resources or namespaces matches resource requests only`;
    case 'namespaces':
      return `namespaces: ${q(a.namespace)} is not listed${a.namespace === '' ? ' (cluster-scoped or all-namespaces requests have namespace "")' : ''}`;
    case 'resources': {
      const res = a.subresource === '' ? a.resource : `${a.resource}/${a.subresource}`;
      return `resources: no entry matches group ${q(a.apiGroup)}, resource ${q(res)}${a.name === '' ? '' : `, name ${q(a.name)}`}`;
    }
    case 'resourceRequest':
      return 'nonResourceURLs: this is a resource request, and nonResourceURLs match non-resource requests only';
    case 'nonResourceURLs':
      return `nonResourceURLs: no entry matches path ${q(a.path)}`;
  }
}
