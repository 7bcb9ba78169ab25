import type { SourcePos } from '../../kyaml/index.js';
import type { KubernetesVersion } from '../version.js';

export type LintSeverity = 'error' | 'warning' | 'info';

/** One problem found in a policy, pointing at the rule or entry at fault. */
export interface LintFinding {
  /** A stable kebab-case id from LINT_RULES. */
  id: string;
  severity: LintSeverity;
  message: string;
  /** Field path in the policy, e.g. `rules[3]` or `rules[3].verbs[0]`; "" for the whole policy. */
  field: string;
  /** 1-based; 1 when the policy was not read from a file. */
  line: number;
  column: number;
  /** 0-based index of the rule concerned; null when the finding is about the whole policy. */
  rule: number | null;
}

export interface LintOptions {
  /** Where each field stands in the file (LoadResult.positions); without it every finding is at 1:1. */
  positions?: Map<string, SourcePos>;
  /** The release the policy is meant for (default: the newest kubetrail knows). */
  kubernetesVersion?: KubernetesVersion;
}
