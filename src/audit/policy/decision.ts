import { STAGES, type Level, type Policy, type PolicyRule, type Stage } from '../types.js';

/** What kube-apiserver decides for one request: auditinternal.RequestAuditConfig plus the rule index. */
export interface AuditDecision {
  readonly level: Level;
  /** In stage order: RequestReceived, ResponseStarted, ResponseComplete, Panic. */
  readonly omitStages: readonly Stage[];
  readonly omitManagedFields: boolean;
  /** 0-based index of the first matching rule; null when no rule matched (level None). */
  readonly rule: number | null;
}

export interface EvaluationOptions {
  /** `group: "*"` matches every group (Kubernetes 1.36+). Default true. */
  wildcardGroup?: boolean;
}

/** omitStages = policy ∪ rule, as NewPolicyRuleEvaluator merges them, in stage order. */
export function unionStages(...lists: readonly (readonly string[])[]): Stage[] {
  return STAGES.filter((stage) => lists.some((list) => list.includes(stage)));
}

/** The rule's omitManagedFields when set, else the policy's (isOmitManagedFields). */
export function effectiveOmitManagedFields(rule: PolicyRule, policy: Policy): boolean {
  return rule.omitManagedFields ?? policy.omitManagedFields;
}

export function ruleDecision(policy: Policy, index: number): AuditDecision {
  const rule = policy.rules[index];
  return {
    level: rule.level as Level,
    omitStages: unionStages(policy.omitStages, rule.omitStages),
    omitManagedFields: effectiveOmitManagedFields(rule, policy),
    rule: index,
  };
}

/** No rule matched: level None with the policy-wide settings (DefaultAuditLevel). */
export function defaultDecision(policy: Policy): AuditDecision {
  return {
    level: 'None',
    omitStages: unionStages(policy.omitStages),
    omitManagedFields: policy.omitManagedFields,
    rule: null,
  };
}
