/**
 * The policy linter: leaks, blind spots, noise and dead rules, judged under
 * first-match order. Checks about what gets logged run representative requests
 * through the real evaluator (probes.ts); checks about rules that cannot match or
 * are never reached read the rule fields (check-matchable.ts, check-shadowing.ts).
 * Every finding id is listed, with its severity and help text, in LINT_RULES; SARIF
 * output (sarif.ts) is built from that table.
 */
export { lintPolicy, hasFindingAtLeast, sortFindings } from './lint.js';
export { lintPolicySource } from './source.js';
export type { SourceLintResult } from './source.js';
export { LINT_RULES, lintRuleInfo } from './catalog.js';
export type { LintRuleId, LintRuleInfo } from './catalog.js';
export { cisSummary } from './cis.js';
export type { CisCheck, CisControl } from './cis.js';
export { toSarif, SARIF_SCHEMA } from './sarif.js';
export type { SarifOptions } from './sarif.js';
export type { LintFinding, LintOptions, LintSeverity } from './types.js';
