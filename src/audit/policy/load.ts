/**
 * Loading a policy file as kube-apiserver does (LoadPolicyFromBytes), with the answer
 * split the way a user needs it:
 *
 *   read YAML → check apiVersion and kind → decode strictly (unknown and repeated
 *   fields) → decode leniently → validate → refuse zero rules
 *
 * `loadable` is exactly "kube-apiserver would start with this file". `valid` is the
 * stricter verdict kubetrail gives by default: unknown and repeated fields, which
 * kube-apiserver silently drops, are errors too, because a misspelt field silently
 * changes what gets logged.
 */
import { readKubeYAML, type KMap, type SourcePos } from '../kyaml/index.js';
import { AUDIT_API_VERSION, type Policy } from '../types.js';
import { decodePolicy } from './decode.js';
import { issueAt, type PolicyIssue } from './issues.js';
import { validatePolicy } from './validate.js';
import { formatVersion, LATEST_KUBERNETES_VERSION, policyFeatures, type KubernetesVersion } from './version.js';

export interface LoadOptions {
  /** Unknown and repeated fields are errors (default) or warnings. */
  strict?: boolean;
  kubernetesVersion?: KubernetesVersion;
}

export interface LoadResult {
  /** The policy as kube-apiserver would hold it (unknown fields dropped); null when it cannot be decoded at all. */
  policy: Policy | null;
  /** kube-apiserver would load the file. */
  loadable: boolean;
  /** No errors under the chosen strictness. */
  valid: boolean;
  errors: PolicyIssue[];
  warnings: PolicyIssue[];
  /** Where each field path's value stands; lint and explain point into the file with it. */
  positions: Map<string, SourcePos>;
}

const AUDIT_GROUP = 'audit.k8s.io';
const REMOVED_VERSIONS = new Set(['v1alpha1', 'v1beta1']);

export function loadPolicy(text: string | Uint8Array, options: LoadOptions = {}): LoadResult {
  const strict = options.strict ?? true;
  const version = options.kubernetesVersion ?? LATEST_KUBERNETES_VERSION;
  const features = policyFeatures(version);
  const errors: PolicyIssue[] = [];
  const warnings: PolicyIssue[] = [];
  const refuse = (issues: PolicyIssue[], positions = new Map<string, SourcePos>()): LoadResult => ({
    policy: null,
    loadable: false,
    valid: false,
    errors: issues,
    warnings,
    positions,
  });

  const read = readKubeYAML(text);
  if (read.errors.length > 0 || read.root === null) {
    return refuse(read.errors.map((e) => issueAt(e.code === 'empty' ? 'not-a-policy' : 'syntax', '', readErrorMessage(e.code, e.message), e.pos)));
  }
  const root = read.root;
  if (root.kind !== 'map') {
    const what = root.kind === 'seq' ? 'a list' : 'a single value';
    return refuse([issueAt('not-a-policy', '', `expected a Policy object (apiVersion: ${AUDIT_API_VERSION}, kind: Policy, rules: [...]), found ${what}`, root.pos)]);
  }

  const typeMeta = checkTypeMeta(root, features.betaVersionsServed, version, warnings);
  if (typeMeta.length > 0) return refuse(typeMeta);

  const decoded = decodePolicy(root, { withoutFields: features.omitManagedFields ? undefined : new Set(['omitManagedFields']) });
  if (decoded.typeErrors.length > 0) return refuse(decoded.typeErrors, decoded.positions);

  // Strict-decoding findings, in the order they stand in the file.
  const strictIssues: PolicyIssue[] = [
    ...decoded.unknownFields.map((issue) => ({
      ...issue,
      message: `${issue.message}: kube-apiserver ${features.strictDecodingWithFallback ? 'falls back to lenient decoding and drops it' : 'drops it without a warning'}`,
    })),
    ...read.duplicates.map((dup) =>
      issueAt(
        'duplicate-field',
        dup.parentPath === '' ? dup.key : `${dup.parentPath}.${dup.key}`,
        `duplicate field "${dup.key}" (first at line ${dup.firstPos.line}): kube-apiserver keeps the last value`,
        dup.pos,
      ),
    ),
    ...literalPatterns(decoded.policy, decoded.positions),
  ].sort((a, b) => a.offset - b.offset);
  (strict ? errors : warnings).push(...strictIssues);

  const policy = decoded.policy;
  const positionOf = (path: string): SourcePos => {
    for (let p = path; ; p = parentPath(p)) {
      const pos = decoded.positions.get(p);
      if (pos !== undefined) return pos;
      if (p === '') return root.pos;
    }
  };
  const validation = validatePolicy(policy, { wildcardGroup: features.wildcardGroup });
  const validationIssues = validation.map((e) =>
    issueAt(e.type === 'Required' ? 'required' : e.type === 'NotSupported' ? 'not-supported' : 'invalid', e.field, e.message, positionOf(e.positionPath)),
  );
  if (!features.wildcardGroup) {
    for (const issue of validationIssues) {
      if (issue.field.endsWith('.resources.group') && issue.message.startsWith('Invalid value: "*"')) {
        issue.message += ` (group "*" is accepted from Kubernetes 1.36; this check follows ${formatVersion(version)})`;
      }
    }
  }
  const ruleCount = issueAt('no-rules', 'rules', 'loaded illegal policy with 0 rules: a policy needs at least one rule (a catch-all `- level: Metadata` logs everything else)', positionOf('rules'));
  const kubeErrors = [...validationIssues, ...(policy.rules.length === 0 ? [ruleCount] : [])];
  errors.push(...kubeErrors);

  return {
    policy,
    loadable: kubeErrors.length === 0,
    valid: errors.length === 0,
    errors,
    warnings,
    positions: decoded.positions,
  };
}

function parentPath(path: string): string {
  const m = /^(.*)(\.[^.[\]]+|\[\d+\])$/.exec(path);
  return m ? m[1] : '';
}

function readErrorMessage(code: string, message: string): string {
  switch (code) {
    case 'empty':
      return `the file is empty: kube-apiserver needs a Policy (apiVersion: ${AUDIT_API_VERSION}, kind: Policy, rules: [...])`;
    case 'syntax':
      return `not valid YAML: ${message}`;
    default:
      return message;
  }
}

/**
 * apiVersion and kind, read first as kube-apiserver's decoder does: without both it
 * cannot tell what the document is, and a document of another kind is refused whole.
 */
function checkTypeMeta(root: KMap, betaVersionsServed: boolean, version: KubernetesVersion, warnings: PolicyIssue[]): PolicyIssue[] {
  const apiVersionNode = root.entries.get('apiVersion')?.value;
  const kindNode = root.entries.get('kind')?.value;
  const apiVersion = apiVersionNode?.kind === 'scalar' && apiVersionNode.type === 'str' ? (apiVersionNode.value as string) : undefined;
  const kind = kindNode?.kind === 'scalar' && kindNode.type === 'str' ? (kindNode.value as string) : undefined;
  const issues: PolicyIssue[] = [];
  if (apiVersionNode !== undefined && apiVersionNode.kind === 'scalar' && apiVersionNode.type !== 'str' && apiVersionNode.type !== 'null') {
    issues.push(issueAt('type', 'apiVersion', `must be a string, got ${apiVersionNode.source}`, apiVersionNode.pos));
  }
  if (kindNode !== undefined && kindNode.kind === 'scalar' && kindNode.type !== 'str' && kindNode.type !== 'null') {
    issues.push(issueAt('type', 'kind', `must be a string, got ${kindNode.source}`, kindNode.pos));
  }
  if (issues.length > 0) return issues;

  const looksLikeBareRules = root.entries.has('rules') && apiVersion === undefined && kind === undefined;
  if (kind === undefined || kind === '') {
    issues.push(
      issueAt(
        'kind',
        'kind',
        `kind is missing: kube-apiserver refuses a policy without "kind: Policy"${looksLikeBareRules ? ' (this looks like a bare rules list, as some tools write; add apiVersion: audit.k8s.io/v1 and kind: Policy)' : ''}`,
        root.pos,
      ),
    );
  }
  if (apiVersion === undefined || apiVersion === '') {
    issues.push(issueAt('api-version', 'apiVersion', `apiVersion is missing: kube-apiserver refuses a policy without "apiVersion: ${AUDIT_API_VERSION}"`, root.pos));
  }
  if (issues.length > 0) return issues;

  const [group, ver] = apiVersion!.includes('/') ? apiVersion!.split('/', 2) : ['', apiVersion!];
  const apiVersionPos = apiVersionNode!.pos;
  if (group === AUDIT_GROUP && REMOVED_VERSIONS.has(ver)) {
    if (betaVersionsServed) {
      warnings.push(issueAt('version', 'apiVersion', `${apiVersion} is deprecated and was removed in Kubernetes 1.24; use ${AUDIT_API_VERSION} (the fields are the same)`, apiVersionPos));
    } else {
      return [
        issueAt(
          'api-version',
          'apiVersion',
          `${apiVersion} was removed in Kubernetes 1.24 (this check follows ${formatVersion(version)}); use ${AUDIT_API_VERSION}, the fields are the same`,
          apiVersionPos,
        ),
      ];
    }
  } else if (apiVersion !== AUDIT_API_VERSION) {
    const what = group === AUDIT_GROUP ? `${apiVersion} is not a version of the audit API` : `a ${kind} of ${apiVersion} is not an audit policy`;
    return [issueAt('api-version', 'apiVersion', `${what}: kube-apiserver loads only apiVersion: ${AUDIT_API_VERSION}, kind: Policy`, apiVersionPos)];
  }
  if (kind !== 'Policy') {
    return [issueAt('kind', 'kind', `kind "${kind}" is not a Policy: kube-apiserver loads only kind: Policy from ${AUDIT_API_VERSION}`, kindNode!.pos)];
  }
  return [];
}

const EXACT_MATCH_FIELDS = ['users', 'userGroups', 'verbs', 'namespaces'] as const;

/**
 * Glob-looking entries where kube-apiserver compares strings exactly. Tools such as
 * OpenShift's log filter accept `*apiserver` in users; kube-apiserver loads it and
 * matches only a user literally named "*apiserver", so the rule silently does nothing.
 * kube-apiserver accepts them, so they are strict findings, not load errors.
 */
function literalPatterns(policy: Policy, positions: Map<string, SourcePos>): PolicyIssue[] {
  const issues: PolicyIssue[] = [];
  const check = (values: readonly string[], path: string, what: string) => {
    values.forEach((value, i) => {
      if (!/[*?]/.test(value)) return;
      const field = `${path}[${i}]`;
      issues.push(
        issueAt(
          'literal-pattern',
          field,
          `${JSON.stringify(value)} is not a pattern: kube-apiserver compares ${what} exactly, so this matches only ${what === 'verbs' ? 'the verb' : 'a name'} spelled ${JSON.stringify(value)}; list the exact values (or leave the field out to match all)`,
          positions.get(field) ?? positions.get(path) ?? { offset: 0, line: 1, column: 1 },
        ),
      );
    });
  };
  policy.rules.forEach((rule, r) => {
    for (const field of EXACT_MATCH_FIELDS) check(rule[field], `rules[${r}].${field}`, field);
    rule.resources.forEach((gr, g) => check(gr.resourceNames, `rules[${r}].resources[${g}].resourceNames`, 'resourceNames'));
  });
  return issues;
}
