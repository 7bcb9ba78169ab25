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
import { readKubeYAML, type KEntry, type KMap, type SourcePos } from '../kyaml/index.js';
import { AUDIT_API_VERSION, type Policy } from '../types.js';
import { decodePolicy } from './decode.js';
import { issueAt, type PolicyIssue } from './issues.js';
import { validatePolicy } from './validate.js';
import { formatVersion, LATEST_KUBERNETES_VERSION, policyFeatures, type KubernetesVersion } from './version.js';
import { compareGoStrings } from '../go-format.js';

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

  // kube-apiserver's decoder reads a file whose first non-space character is '{' as
  // JSON, with no fallback to YAML (recognizer.go, json.go RecognizesData).
  const json = startsLikeJSON(text);
  if (json !== null) {
    const problem = jsonSyntaxProblem(json);
    if (problem !== null) return refuse([problem]);
  }
  const read = readKubeYAML(text);
  if (read.errors.length > 0 || read.root === null) {
    return refuse(read.errors.map((e) => issueAt(e.code === 'empty' ? 'not-a-policy' : 'syntax', '', readErrorMessage(e.code, e.message), e.pos)));
  }
  const root = read.root;
  if (root.kind !== 'map') {
    const what = root.kind === 'seq' ? 'a list' : 'a single value';
    return refuse([issueAt('not-a-policy', '', `expected a Policy object (apiVersion: ${AUDIT_API_VERSION}, kind: Policy, rules: [...]), found ${what}`, root.pos)]);
  }

  const typeMeta = checkTypeMeta(root, features.betaVersionsServed, version, warnings, json !== null);
  if (typeMeta.refused.length > 0) return refuse(typeMeta.refused);

  const decoded = decodePolicy(root, { withoutFields: features.omitManagedFields ? undefined : new Set(['omitManagedFields']) });
  if (decoded.typeErrors.length > 0) return refuse(decoded.typeErrors, decoded.positions);

  // Strict-decoding findings, in the order they stand in the file.
  const strictIssues: PolicyIssue[] = [
    ...typeMeta.strict,
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
  const validation = validatePolicy(policy, { wildcardGroup: features.wildcardGroup, jsonFieldErrorValues: features.jsonFieldErrorValues });
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
 * apiVersion and kind, read first as kube-apiserver's decoder does
 * (k8s.io/apimachinery runtime/serializer/json: SimpleMetaFactory.Interpret, then
 * gvkWithDefaults against the internal Policy it decodes into):
 *
 * - both are read with encoding/json, which matches keys case-insensitively, from the
 *   JSON that sigs.k8s.io/yaml writes with its keys sorted; so among `kind`, `Kind`,
 *   `KIND`... the one sorting last wins, and a non-string value under any of them is
 *   fatal;
 * - a missing kind is taken from the target type: `apiVersion: audit.k8s.io/v1`
 *   alone loads as a Policy (a strict finding here, since nothing else reads it so);
 * - a missing apiVersion decodes as the internal version, which LoadPolicyFromBytes
 *   then refuses ("unknown group version field");
 * - a registered kind other than Policy (an Event) cannot convert to a Policy, and an
 *   unregistered one is unknown: both refused.
 */
function checkTypeMeta(root: KMap, betaVersionsServed: boolean, version: KubernetesVersion, warnings: PolicyIssue[], json: boolean): { refused: PolicyIssue[]; strict: PolicyIssue[] } {
  const apiVersionEntry = typeMetaEntry(root, 'apiVersion', json);
  const kindEntry = typeMetaEntry(root, 'kind', json);
  const issues: PolicyIssue[] = [];
  for (const [name, entries] of [['apiVersion', apiVersionEntry.all], ['kind', kindEntry.all]] as const) {
    for (const entry of entries) {
      const node = entry.value;
      if (node.kind === 'scalar' && (node.type === 'str' || node.type === 'null')) continue;
      const got = node.kind === 'scalar' ? node.source : node.kind === 'seq' ? 'a list' : 'an object';
      issues.push(issueAt('type', entry.key === name ? name : entry.key, `must be a string, got ${got}`, node.pos));
    }
  }
  if (issues.length > 0) return { refused: issues, strict: [] };
  const stringOf = (entry: KEntry | undefined): string => (entry !== undefined && entry.value.kind === 'scalar' && entry.value.type === 'str' ? (entry.value.value as string) : '');
  const apiVersion = stringOf(apiVersionEntry.winner);
  const kind = stringOf(kindEntry.winner);

  if (apiVersion === '') {
    const looksLikeBareRules = root.entries.has('rules') && kind === '';
    return {
      refused: [
        issueAt(
          'api-version',
          'apiVersion',
          `apiVersion is missing: kube-apiserver refuses a policy without "apiVersion: ${AUDIT_API_VERSION}"${looksLikeBareRules ? ` (this looks like a bare rules list, as some tools write; add apiVersion: ${AUDIT_API_VERSION} and kind: Policy)` : ''}`,
          root.pos,
        ),
      ],
      strict: [],
    };
  }

  const apiVersionPos = apiVersionEntry.winner!.value.pos;
  const gv = parseGroupVersion(apiVersion);
  if (gv === null) {
    return { refused: [issueAt('api-version', 'apiVersion', `${JSON.stringify(apiVersion)} is not a valid apiVersion (GROUP/VERSION): kube-apiserver loads only apiVersion: ${AUDIT_API_VERSION}, kind: Policy`, apiVersionPos)], strict: [] };
  }
  if (gv.group === AUDIT_GROUP && REMOVED_VERSIONS.has(gv.version)) {
    if (betaVersionsServed) {
      warnings.push(issueAt('version', 'apiVersion', `${apiVersion} is deprecated and was removed in Kubernetes 1.24; use ${AUDIT_API_VERSION} (the fields are the same)`, apiVersionPos));
    } else {
      return {
        refused: [
          issueAt(
            'api-version',
            'apiVersion',
            `${apiVersion} was removed in Kubernetes 1.24 (this check follows ${formatVersion(version)}); use ${AUDIT_API_VERSION}, the fields are the same`,
            apiVersionPos,
          ),
        ],
        strict: [],
      };
    }
  } else if (apiVersion !== AUDIT_API_VERSION) {
    const what = gv.group === AUDIT_GROUP ? `${apiVersion} is not a version of the audit API` : `a ${kind === '' ? 'document' : kind} of ${apiVersion} is not an audit policy`;
    return { refused: [issueAt('api-version', 'apiVersion', `${what}: kube-apiserver loads only apiVersion: ${AUDIT_API_VERSION}, kind: Policy`, apiVersionPos)], strict: [] };
  }
  if (kind === '') {
    return {
      refused: [],
      strict: [issueAt('kind', 'kind', 'kind is missing: kube-apiserver takes it as Policy from the type it decodes into, but write "kind: Policy" for every other reader', kindEntry.winner?.keyPos ?? root.pos)],
    };
  }
  if (kind !== 'Policy') {
    return { refused: [issueAt('kind', 'kind', `kind "${kind}" is not a Policy: kube-apiserver loads only kind: Policy from ${AUDIT_API_VERSION}`, kindEntry.winner!.value.pos)], strict: [] };
  }
  return { refused: [], strict: [] };
}

/**
 * The entries encoding/json would assign to a struct field named `name`: every key
 * equal to it under Go's case folding, in the order the decoder meets them (sorted,
 * for the JSON sigs.k8s.io/yaml writes from YAML; as written, for JSON input); the
 * last one wins.
 */
function typeMetaEntry(root: KMap, name: string, json: boolean): { all: KEntry[]; winner: KEntry | undefined } {
  const folded = goFoldName(name);
  const all = [...root.entries.values()].filter((e) => goFoldName(e.key) === folded);
  if (!json) all.sort((a, b) => compareGoStrings(a.key, b.key));
  return { all, winner: all[all.length - 1] };
}

/** Go's unicode.IsSpace. */
const GO_SPACE = /[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]/;

/**
 * The text when kube-apiserver would read it as JSON (utilyaml.IsJSONBuffer: '{' after
 * Unicode spaces; a byte-order mark is no space, so such a file goes to YAML), else null.
 */
function startsLikeJSON(input: string | Uint8Array): string | null {
  const text = typeof input === 'string' ? input : new TextDecoder('utf-8', { ignoreBOM: true }).decode(input);
  let i = 0;
  while (i < text.length && GO_SPACE.test(text[i])) i++;
  return text[i] === '{' ? text : null;
}

/** A syntax error of JSON input, placed at the offset JSON.parse names (else the end). */
function jsonSyntaxProblem(text: string): PolicyIssue | null {
  try {
    JSON.parse(text);
    return null;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const at = /at position (\d+)/.exec(message);
    const offset = Math.min(at ? Number(at[1]) : text.length, text.length);
    const before = text.slice(0, offset);
    const line = before.split('\n').length;
    const column = offset - (before.lastIndexOf('\n') + 1) + 1;
    const detail = message.replace(/\s*\(line \d+ column \d+\)/, '').replace(/ in JSON at position \d+/, '');
    return issueAt('syntax', '', `not valid JSON: ${detail} (kube-apiserver reads a file that starts with "{" as JSON, not YAML)`, { offset, line, column });
  }
}

/** encoding/json's foldName: ASCII upper case; K (U+212A) and ſ (U+017F) fold to K and S. */
function goFoldName(key: string): string {
  return key.replace(/[a-z\u212a\u017f]/g, (c) => (c === '\u212a' ? 'K' : c === '\u017f' ? 'S' : c.toUpperCase()));
}


/** schema.ParseGroupVersion: "" is empty, "v1" a version alone, "g/v" both; more slashes are an error. */
function parseGroupVersion(text: string): { group: string; version: string } | null {
  const parts = text.split('/');
  if (parts.length === 1) return { group: '', version: text };
  if (parts.length === 2) return { group: parts[0], version: parts[1] };
  return null;
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
