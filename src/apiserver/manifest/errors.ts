/** Errors of reading and patching a kube-apiserver static-pod manifest: what, where, what to do. */

export type ManifestErrorCode =
  /** Not YAML, or not a single document. */
  | 'BAD_YAML'
  /** YAML, but not a Pod with a kube-apiserver container (a DaemonSet, a truncated file…). */
  | 'NOT_APISERVER_POD'
  /** Something kubetrail will not edit safely (flags in a flow list, a conflicting volume…). */
  | 'UNSUPPORTED'
  /** A path or value that cannot be used. */
  | 'BAD_VALUE'
  /** The patched text failed its own re-check: a bug, never written. */
  | 'SELF_CHECK';

export class ManifestError extends Error {
  readonly code: ManifestErrorCode;
  /** 1-based position in the manifest, when the problem has one. */
  readonly line: number | null;
  readonly column: number | null;
  /** The field path, e.g. `spec.containers[0].command`. */
  readonly field: string | null;
  constructor(code: ManifestErrorCode, message: string, where: { line?: number | null; column?: number | null; field?: string | null } = {}) {
    super(message);
    this.name = 'ManifestError';
    this.code = code;
    this.line = where.line ?? null;
    this.column = where.column ?? null;
    this.field = where.field ?? null;
  }
}

export function isManifestError(err: unknown): err is ManifestError {
  return err instanceof ManifestError;
}
