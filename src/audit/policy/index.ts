/**
 * audit.k8s.io/v1 Policy: load (parse, decode, validate) exactly as kube-apiserver
 * does, compile, evaluate and explain.
 */
export { loadPolicy } from './load.js';
export type { LoadOptions, LoadResult } from './load.js';
export { formatIssue } from './issues.js';
export type { PolicyIssue, PolicyIssueCode } from './issues.js';
export { validatePolicy, dnsSubdomainProblems } from './validate.js';
export type { FieldError, FieldErrorType, ValidateOptions } from './validate.js';
export { decodePolicy, closestField } from './decode.js';
export { compilePolicy } from './compile.js';
export type { CompiledPolicy } from './compile.js';
export { interpretPolicy, ruleMismatch, resourceMatches, pathMatches } from './interpret.js';
export type { RuleMismatch } from './interpret.js';
export { explainPolicy } from './explain.js';
export type { Explanation, RuleExplanation } from './explain.js';
export { defaultDecision, ruleDecision, unionStages } from './decision.js';
export type { AuditDecision, EvaluationOptions } from './decision.js';
export {
  LATEST_KUBERNETES_VERSION,
  OLDEST_KUBERNETES_VERSION,
  KubernetesVersionError,
  parseKubernetesVersion,
  formatVersion,
  compareVersions,
  policyFeatures,
} from './version.js';
export type { KubernetesVersion, PolicyFeatures } from './version.js';
export { lintPolicy, lintPolicySource, LINT_RULES, cisSummary, toSarif } from './lint/index.js';
export type { LintFinding, LintOptions, LintSeverity, LintRuleId, LintRuleInfo, CisCheck, CisControl } from './lint/index.js';
export { PRESET_NAMES, PRESET_DESCRIPTIONS, ACCEPTED_FINDINGS, isPresetName, presetPolicyText } from './presets/index.js';
export type { PresetName } from './presets/index.js';
