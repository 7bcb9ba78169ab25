/**
 * Linting a policy file as a whole: load it the way kube-apiserver does, then lint
 * what it would hold. A file kube-apiserver would refuse gives its load errors as
 * `policy-refused` findings and nothing else; the strict-decoding findings
 * (unknown or repeated fields, globs) become `unknown-field` and `literal-pattern`.
 */
import { formatIssue, type PolicyIssue } from '../issues.js';
import { loadPolicy } from '../load.js';
import { LATEST_KUBERNETES_VERSION, type KubernetesVersion } from '../version.js';
import { cisSummary, type CisControl } from './cis.js';
import { lintPolicy, sortFindings } from './lint.js';
import type { LintFinding } from './types.js';

export interface SourceLintResult {
  /** kube-apiserver would load the file. */
  loadable: boolean;
  findings: LintFinding[];
  /** CIS 3.2 controls; empty when the file does not load. */
  cis: CisControl[];
}

export function lintPolicySource(text: string | Uint8Array, options: { kubernetesVersion?: KubernetesVersion } = {}): SourceLintResult {
  const kubernetesVersion = options.kubernetesVersion ?? LATEST_KUBERNETES_VERSION;
  const loaded = loadPolicy(text, { strict: false, kubernetesVersion });
  if (!loaded.loadable || loaded.policy === null) {
    return { loadable: false, findings: loaded.errors.map((e) => issueFinding('policy-refused', 'error', e)), cis: [] };
  }
  const strictFindings = loaded.warnings.flatMap((w) =>
    w.code === 'unknown-field' || w.code === 'duplicate-field'
      ? [issueFinding('unknown-field', 'warning', w)]
      : w.code === 'literal-pattern'
        ? [issueFinding('literal-pattern', 'warning', w)]
        : [],
  );
  const lintOptions = { positions: loaded.positions, kubernetesVersion };
  return {
    loadable: true,
    findings: sortFindings([...strictFindings, ...lintPolicy(loaded.policy, lintOptions)]),
    cis: cisSummary(loaded.policy, lintOptions),
  };
}

function issueFinding(id: string, severity: LintFinding['severity'], issue: PolicyIssue): LintFinding {
  const rule = /^rules\[(\d+)\]/.exec(issue.field);
  return { id, severity, message: formatIssue(issue), field: issue.field, line: issue.line, column: issue.column, rule: rule ? Number(rule[1]) : null };
}
