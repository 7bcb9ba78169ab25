/**
 * Problems found in a policy file, as data. Every one names the field (kube-apiserver's
 * field path, e.g. `rules[1].resources.group`) and where it stands in the file.
 */
import type { SourcePos } from '../kyaml/index.js';

export type PolicyIssueCode =
  /** Not YAML, or YAML go-yaml would refuse. */
  | 'syntax'
  /** Valid YAML that is not an object, or not a Policy (a Pod, a list, ...). */
  | 'not-a-policy'
  | 'api-version'
  | 'kind'
  /** A value of the wrong type: fatal for kube-apiserver. */
  | 'type'
  /** Strict-decoding findings: kube-apiserver falls back to a lenient decode that drops them. */
  | 'unknown-field'
  | 'duplicate-field'
  /** A glob or regex where kube-apiserver compares exactly (an extension of other tools): matches nothing. */
  | 'literal-pattern'
  /** Validation (k8s.io/apiserver/pkg/apis/audit/validation), by field.ErrorType. */
  | 'required'
  | 'invalid'
  | 'not-supported'
  | 'no-rules'
  /** A field or version the chosen Kubernetes release does not know. */
  | 'version';

export interface PolicyIssue {
  code: PolicyIssueCode;
  /** Field path in kube-apiserver's notation; "" when the whole document is at fault. */
  field: string;
  /** The message alone; kube-apiserver prints `${field}: ${message}`. */
  message: string;
  line: number;
  column: number;
  /** Offset into the text (UTF-16 units), for editors. */
  offset: number;
}

export function issueAt(code: PolicyIssueCode, field: string, message: string, pos: SourcePos): PolicyIssue {
  return { code, field, message, line: pos.line, column: pos.column, offset: pos.offset };
}

/** The line kube-apiserver would log for an issue, e.g. `rules[0].level: Required value`. */
export function formatIssue(issue: PolicyIssue): string {
  return issue.field === '' ? issue.message : `${issue.field}: ${issue.message}`;
}
