/**
 * Kubernetes releases whose audit-policy behaviour differs. kubetrail follows the
 * newest release unless told otherwise (`--kubernetes-version`); each difference below
 * names the upstream change that introduced it.
 */

export interface KubernetesVersion {
  major: number;
  minor: number;
}

/** The newest release kubetrail knows the behaviour of. */
export const LATEST_KUBERNETES_VERSION: KubernetesVersion = { major: 1, minor: 36 };
/** The oldest release whose behaviour is modelled; older ones are refused rather than guessed. */
export const OLDEST_KUBERNETES_VERSION: KubernetesVersion = { major: 1, minor: 19 };

export interface PolicyFeatures {
  /** `group: "*"` matches any API group (1.36: "Allow wildcard '*' for API groups in audit policy rules"). */
  wildcardGroup: boolean;
  /** Strict decoding first, lenient fallback with a warning (1.26); before, unknown and duplicate fields were dropped without a word. */
  strictDecodingWithFallback: boolean;
  /** audit.k8s.io/v1alpha1 and v1beta1 still load (removed in 1.24). */
  betaVersionsServed: boolean;
  /** `omitManagedFields` exists on Policy and PolicyRule (1.23). */
  omitManagedFields: boolean;
  /**
   * Validation messages show a non-string bad value (a level, a list) as JSON (1.34:
   * apimachinery's field.Error.ErrorBody switched to json.Marshal); before, as Go's
   * %#v (`[]string{"x"}`).
   */
  jsonFieldErrorValues: boolean;
}

export class KubernetesVersionError extends Error {
  readonly code = 'InvalidKubernetesVersion';
  constructor(message: string) {
    super(message);
    this.name = 'KubernetesVersionError';
  }
}

/** Accepts `1.30`, `v1.30`, `1.30.2`, `v1.30.2-gke.100`. */
export function parseKubernetesVersion(text: string): KubernetesVersion {
  const m = /^v?(\d+)\.(\d+)(?:\.\d+)?(?:[-+][0-9A-Za-z.+-]*)?$/.exec(text.trim());
  if (!m) {
    throw new KubernetesVersionError(
      `invalid Kubernetes version "${text}": expected MAJOR.MINOR such as 1.36 or v1.30.2`,
    );
  }
  const version = { major: Number(m[1]), minor: Number(m[2]) };
  if (version.major !== 1 || compareVersions(version, OLDEST_KUBERNETES_VERSION) < 0) {
    throw new KubernetesVersionError(
      `Kubernetes ${text} is not supported: kubetrail models ${formatVersion(OLDEST_KUBERNETES_VERSION)} to ${formatVersion(LATEST_KUBERNETES_VERSION)} and later`,
    );
  }
  return version;
}

export function formatVersion(v: KubernetesVersion): string {
  return `${v.major}.${v.minor}`;
}

export function compareVersions(a: KubernetesVersion, b: KubernetesVersion): number {
  return a.major !== b.major ? a.major - b.major : a.minor - b.minor;
}

function atLeast(v: KubernetesVersion, minor: number): boolean {
  return compareVersions(v, { major: 1, minor }) >= 0;
}

export function policyFeatures(version: KubernetesVersion = LATEST_KUBERNETES_VERSION): PolicyFeatures {
  return {
    wildcardGroup: atLeast(version, 36),
    strictDecodingWithFallback: atLeast(version, 26),
    betaVersionsServed: !atLeast(version, 24),
    omitManagedFields: atLeast(version, 23),
    jsonFieldErrorValues: atLeast(version, 34),
  };
}
