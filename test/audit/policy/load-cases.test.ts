/**
 * Loading policy files as kube-apiserver loads them (LoadPolicyFromBytes in
 * k8s.io/apiserver pkg/audit/policy/reader.go), case by case.
 *
 * Field paths and messages of validation errors are kube-apiserver's own
 * (pkg/apis/audit/validation/validation.go, formatted by apimachinery's
 * field.Error and joined by ToAggregate); they are compared exactly. Messages that are
 * kubetrail's own (syntax, types, unknown fields) are matched by a pattern. Every error
 * is checked at its 1-based line and column. `valid` is the strict verdict; with
 * strict: false, `valid` must equal `loadable` (the CLI contract).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { loadPolicy, parseKubernetesVersion, type LoadOptions, type LoadResult } from '../../../src/audit/policy/index.js';

type Expected = [field: string, message: string | RegExp, line: number, column: number];

interface LoadCase {
  desc: string;
  /** Where the expected verdict and message come from. */
  source: string;
  input: string | Uint8Array;
  options?: LoadOptions;
  want: { loadable: boolean; valid: boolean; errors: Expected[]; warnings?: Expected[] };
  /** Further checks of the loaded policy. */
  check?: (result: LoadResult) => void;
}

const H = 'apiVersion: audit.k8s.io/v1\nkind: Policy\n';
const v = (text: string) => ({ kubernetesVersion: parseKubernetesVersion(text) });

const VALIDATION = 'validation.go';
const LEVELS = 'supported values: "None", "Metadata", "Request", "RequestResponse"';
const STAGES = 'allowed stages are RequestReceived,ResponseStarted,ResponseComplete,Panic';
const SLASH = "non-resource URL rules must begin with a '/' character";
const STAR = "non-resource URL wildcards '*' must be the final character of the rule";
const MIXED = 'rules cannot apply to both regular resources and non-resource URLs';
const NAMES = 'using resourceNames requires at least one resource';
const DNS =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character " +
  "(e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const TOO_LONG = 'must be no more than 253 characters';
const ZERO_RULES = /^loaded illegal policy with 0 rules/;

const OK = { loadable: true, valid: true, errors: [] };

const CASES: LoadCase[] = [
  // ---- validation.go, rule by rule --------------------------------------------------
  { desc: 'a minimal valid policy', source: 'reader_test.go TestParser (shape)', input: `${H}rules:\n- level: Metadata\n`, want: OK },
  { desc: 'upstream policyDefPattern loads', source: 'reader_test.go TestParser', input: `${H}rules:\n  - level: None\n    nonResourceURLs:\n      - /healthz*\n      - /version\n  - level: RequestResponse\n    users: ["tim"]\n    userGroups: ["testers", "developers"]\n    verbs: ["patch", "delete", "create"]\n    resources:\n      - group: ""\n      - group: "rbac.authorization.k8s.io"\n        resources: ["clusterroles", "clusterrolebindings"]\n    namespaces: ["default", "kube-system"]\n  - level: Metadata\n`, want: OK, check: (r) => assert.equal(r.policy!.rules.length, 3) },
  { desc: 'level missing: Required value, at the rule', source: `${VALIDATION} validateLevel: case "": field.Required(fldPath, "")`, input: `${H}rules:\n- verbs: [get]\n`, want: { loadable: false, valid: false, errors: [['rules[0].level', 'Required value', 4, 3]] } },
  { desc: 'level "" is missing too', source: `${VALIDATION} validateLevel: case ""`, input: `${H}rules:\n- level: ""\n`, want: { loadable: false, valid: false, errors: [['rules[0].level', 'Required value', 4, 3]] } },
  { desc: 'level null is missing too', source: `${VALIDATION} validateLevel: a JSON null leaves Level ""`, input: `${H}rules:\n- level: null\n  verbs: [get]\n`, want: { loadable: false, valid: false, errors: [['rules[0].level', 'Required value', 4, 3]] } },
  { desc: 'an empty rule (null item) is missing its level', source: 'validation_test.go invalidRules: {} (Empty rule (missing Level))', input: `${H}rules:\n-\n- level: None\n`, want: { loadable: false, valid: false, errors: [['rules[0].level', 'Required value', 4, 2]] } },
  { desc: 'an unknown level: NotSupported lists the four', source: `${VALIDATION} validateLevel: field.NotSupported(fldPath, level, validLevels); validation_test.go "FooBar"`, input: `${H}rules:\n- level: FooBar\n`, want: { loadable: false, valid: false, errors: [['rules[0].level', `Unsupported value: "FooBar": ${LEVELS}`, 4, 10]] } },
  { desc: 'levels are case-sensitive', source: `${VALIDATION} validateLevel: switch on the exact constants`, input: `${H}rules:\n- level: metadata\n`, want: { loadable: false, valid: false, errors: [['rules[0].level', `Unsupported value: "metadata": ${LEVELS}`, 4, 10]] } },
  { desc: 'a bad level is shown as JSON (1.34+: the value is an audit.Level, not a string)', source: 'apimachinery field/errors.go ErrorBody: json.Marshal for non-string values', input: `${H}rules:\n- level: "a<b&c>"\n`, want: { loadable: false, valid: false, errors: [['rules[0].level', `Unsupported value: "a\\u003cb\\u0026c\\u003e": ${LEVELS}`, 4, 10]] } },
  { desc: 'a bad level before 1.34 is shown with %#v', source: 'apimachinery v0.33 field/errors.go ErrorBody: %#v for other types', input: `${H}rules:\n- level: "a<b&c>"\n`, options: v('1.33'), want: { loadable: false, valid: false, errors: [['rules[0].level', `Unsupported value: "a<b&c>": ${LEVELS}`, 4, 10]] } },
  { desc: 'nonResourceURLs must begin with "/"', source: `${VALIDATION} validateNonResourceURLs; validation_test.go "logs"`, input: `${H}rules:\n- level: Metadata\n  nonResourceURLs: [logs, "/healthz*"]\n`, want: { loadable: false, valid: false, errors: [['rules[0].nonResourceURLs[0]', `Invalid value: "logs": ${SLASH}`, 5, 21]] } },
  { desc: 'an empty nonResourceURL must begin with "/"', source: `${VALIDATION} validateNonResourceURLs; validation_test.go empty non-resource URLs`, input: `${H}rules:\n- level: Metadata\n  nonResourceURLs: ["", "/healthz*"]\n`, want: { loadable: false, valid: false, errors: [['rules[0].nonResourceURLs[0]', `Invalid value: "": ${SLASH}`, 5, 21]] } },
  { desc: 'a "*" before the end: /logs/*/*', source: `${VALIDATION} validateNonResourceURLs: ContainsRune(url[:len(url)-1], '*'); validation_test.go multi "*"`, input: `${H}rules:\n- level: Metadata\n  nonResourceURLs:\n  - /metrics\n  - /logs/*/*\n`, want: { loadable: false, valid: false, errors: [['rules[0].nonResourceURLs[1]', `Invalid value: "/logs/*/*": ${STAR}`, 7, 5]] } },
  { desc: 'a "*" in the middle: /logs/*.log', source: `${VALIDATION} validateNonResourceURLs; validation_test.go "/logs/*.log"`, input: `${H}rules:\n- level: Metadata\n  nonResourceURLs: ["/logs/*.log", /metrics]\n`, want: { loadable: false, valid: false, errors: [['rules[0].nonResourceURLs[0]', `Invalid value: "/logs/*.log": ${STAR}`, 5, 21]] } },
  { desc: '"**" breaks both rules, reported in order', source: `${VALIDATION} validateNonResourceURLs: the "/" check, then the "*" check`, input: `${H}rules:\n- level: Metadata\n  nonResourceURLs: ["**"]\n`, want: { loadable: false, valid: false, errors: [['rules[0].nonResourceURLs[0]', `Invalid value: "**": ${SLASH}`, 5, 21], ['rules[0].nonResourceURLs[0]', `Invalid value: "**": ${STAR}`, 5, 21]] } },
  { desc: '"*" alone and a trailing "*" are fine', source: `${VALIDATION} validateNonResourceURLs: url == "*" is skipped; validation_test.go validRules`, input: `${H}rules:\n- level: Metadata\n  userGroups: [developers]\n  nonResourceURLs: ["/logs*", "/healthz*", /metrics, "*"]\n`, want: OK },
  { desc: 'resources and nonResourceURLs together: the list as JSON', source: `${VALIDATION} validatePolicyRule: field.Invalid(…nonResourceURLs, rule.NonResourceURLs, …); validation_test.go NonResourceURLs + ResourceKinds`, input: `${H}rules:\n- level: Metadata\n  resources: [{resources: [secrets]}]\n  nonResourceURLs: ["/logs*"]\n`, want: { loadable: false, valid: false, errors: [['rules[0].nonResourceURLs', `Invalid value: ["/logs*"]: ${MIXED}`, 6, 20]] } },
  { desc: 'namespaces and nonResourceURLs together', source: 'validation_test.go invalidRules: NonResourceURLs + Namespaces', input: `${H}rules:\n- level: Metadata\n  namespaces: [default]\n  nonResourceURLs: ["/logs*"]\n`, want: { loadable: false, valid: false, errors: [['rules[0].nonResourceURLs', `Invalid value: ["/logs*"]: ${MIXED}`, 6, 20]] } },
  { desc: 'the JSON list escapes HTML characters as json.Marshal does', source: 'apimachinery field/errors.go ErrorBody: json.Marshal (HTML-safe)', input: `${H}rules:\n- level: Metadata\n  namespaces: [default]\n  nonResourceURLs: ["/a<b", /c]\n`, want: { loadable: false, valid: false, errors: [['rules[0].nonResourceURLs', `Invalid value: ["/a\\u003cb","/c"]: ${MIXED}`, 6, 20]] } },
  { desc: 'before 1.34 the list is shown with %#v', source: 'apimachinery v0.33 field/errors.go ErrorBody: %#v', input: `${H}rules:\n- level: Metadata\n  namespaces: [default]\n  nonResourceURLs: ["/logs*", /x]\n`, options: v('1.33'), want: { loadable: false, valid: false, errors: [['rules[0].nonResourceURLs', `Invalid value: []string{"/logs*", "/x"}: ${MIXED}`, 6, 20]] } },
  { desc: 'a bad group is reported at resources.group, without an index', source: `${VALIDATION} validateResources: fldPath.Child("group"); validation_test.go "rbac.authorization.k8s.io/v1beta1"`, input: `${H}rules:\n- level: Metadata\n  resources: [{group: rbac.authorization.k8s.io/v1beta1, resources: [roles]}]\n`, want: { loadable: false, valid: false, errors: [['rules[0].resources.group', `Invalid value: "rbac.authorization.k8s.io/v1beta1": ${DNS}`, 5, 23]] } },
  { desc: 'a group with capitals', source: `${VALIDATION} validateResources → NameIsDNSSubdomain`, input: `${H}rules:\n- level: Metadata\n  resources:\n  - group: Apps\n`, want: { loadable: false, valid: false, errors: [['rules[0].resources.group', `Invalid value: "Apps": ${DNS}`, 6, 12]] } },
  { desc: 'a group too long and not lower case: both messages joined by ","', source: `${VALIDATION} validateResources: strings.Join(msgs, ","); IsDNS1123Subdomain`, input: `${H}rules:\n- level: Metadata\n  resources:\n  - group: ${'A'.repeat(254)}\n`, want: { loadable: false, valid: false, errors: [['rules[0].resources.group', `Invalid value: "${'A'.repeat(254)}": ${TOO_LONG},${DNS}`, 6, 12]] } },
  { desc: 'a group of 254 lower-case letters is only too long', source: 'apimachinery validation.go IsDNS1123Subdomain: len > 253', input: `${H}rules:\n- level: Metadata\n  resources:\n  - group: ${'a'.repeat(254)}\n`, want: { loadable: false, valid: false, errors: [['rules[0].resources.group', `Invalid value: "${'a'.repeat(254)}": ${TOO_LONG}`, 6, 12]] } },
  { desc: 'a group of 253 characters is fine', source: 'apimachinery validation.go IsDNS1123Subdomain: DNS1123SubdomainMaxLength = 253', input: `${H}rules:\n- level: Metadata\n  resources:\n  - group: ${'a'.repeat(253)}\n`, want: OK },
  { desc: 'group "*" is accepted (1.36)', source: `${VALIDATION} validateResources: groupResource.Group != "*"`, input: `${H}rules:\n- level: Metadata\n  resources: [{group: "*", resources: ["*/status"]}]\n`, want: OK },
  { desc: 'group "*" is refused before 1.36', source: 'validation.go at v0.35.0: every non-empty group must be a DNS subdomain', input: `${H}rules:\n- level: Metadata\n  resources: [{group: "*"}]\n`, options: v('1.35'), want: { loadable: false, valid: false, errors: [['rules[0].resources.group', new RegExp(`^Invalid value: "\\*": ${escapeRegExp(DNS)}`), 5, 23]] } },
  { desc: 'resourceNames without resources', source: `${VALIDATION} validateResources; validation_test.go ResourceNames without Resources`, input: `${H}rules:\n- level: Metadata\n  verbs: [get]\n  resources: [{resourceNames: [leader]}]\n  namespaces: [kube-system]\n`, want: { loadable: false, valid: false, errors: [['rules[0].resources.resourceNames', `Invalid value: ["leader"]: ${NAMES}`, 6, 31]] } },
  { desc: 'a bad stage in a rule', source: `${VALIDATION} validateOmitStages; validation_test.go invalid omitStages in rule`, input: `${H}rules:\n- level: Metadata\n  omitStages: [foo]\n`, want: { loadable: false, valid: false, errors: [['rules[0].omitStages[0]', `Invalid value: "foo": ${STAGES}`, 5, 16]] } },
  { desc: 'stages are case-sensitive', source: `${VALIDATION} validateOmitStages: string(stage) == validOmitStage`, input: `${H}rules:\n- level: Metadata\n  omitStages: [RequestReceived, panic]\n`, want: { loadable: false, valid: false, errors: [['rules[0].omitStages[1]', `Invalid value: "panic": ${STAGES}`, 5, 33]] } },
  { desc: 'policy omitStages are checked before every rule, wherever they stand', source: `${VALIDATION} ValidatePolicy: validateOmitStages(policy.OmitStages) first`, input: `${H}rules:\n- level: Loud\nomitStages: [foo]\n`, want: { loadable: false, valid: false, errors: [['omitStages[0]', `Invalid value: "foo": ${STAGES}`, 5, 14], ['rules[0].level', `Unsupported value: "Loud": ${LEVELS}`, 4, 10]] } },
  { desc: 'within a rule: level, nonResourceURLs, resources, omitStages, then the mix', source: `${VALIDATION} validatePolicyRule: the order of its appends`, input: `${H}rules:\n- omitStages: [Later]\n  namespaces: [a]\n  resources: [{group: Bad}]\n  nonResourceURLs: [x]\n  level: Bogus\n`, want: { loadable: false, valid: false, errors: [['rules[0].level', `Unsupported value: "Bogus": ${LEVELS}`, 8, 10], ['rules[0].nonResourceURLs[0]', `Invalid value: "x": ${SLASH}`, 7, 21], ['rules[0].resources.group', `Invalid value: "Bad": ${DNS}`, 6, 23], ['rules[0].omitStages[0]', `Invalid value: "Later": ${STAGES}`, 4, 16], ['rules[0].nonResourceURLs', `Invalid value: ["x"]: ${MIXED}`, 7, 20]] } },
  { desc: 'rules are validated in order', source: `${VALIDATION} ValidatePolicy: for i, rule := range policy.Rules`, input: `${H}rules:\n- level: Metadata\n  omitStages: [Nope]\n- level: Metadata\n- level: Verbose\n`, want: { loadable: false, valid: false, errors: [['rules[0].omitStages[0]', `Invalid value: "Nope": ${STAGES}`, 5, 16], ['rules[2].level', `Unsupported value: "Verbose": ${LEVELS}`, 7, 10]] } },
  { desc: 'identical messages are reported once', source: 'apimachinery field/errors.go ToAggregate: errorMsgs.Has(msg) → continue', input: `${H}rules:\n- level: Metadata\n  resources:\n  - group: Bad\n  - group: Bad\n  - group: Worse\n`, want: { loadable: false, valid: false, errors: [['rules[0].resources.group', `Invalid value: "Bad": ${DNS}`, 6, 12], ['rules[0].resources.group', `Invalid value: "Worse": ${DNS}`, 8, 12]] } },
  { desc: 'the same mistake in two rules is two messages (the paths differ)', source: 'apimachinery field/errors.go ToAggregate: the whole "field: body" text is compared', input: `${H}rules:\n- level: Loud\n- level: Loud\n`, want: { loadable: false, valid: false, errors: [['rules[0].level', `Unsupported value: "Loud": ${LEVELS}`, 4, 10], ['rules[1].level', `Unsupported value: "Loud": ${LEVELS}`, 5, 10]] } },

  // ---- zero rules -------------------------------------------------------------------
  { desc: 'rules: [] is refused', source: 'reader.go LoadPolicyFromBytes: "loaded illegal policy with 0 rules"', input: `${H}rules: []\n`, want: { loadable: false, valid: false, errors: [['rules', ZERO_RULES, 3, 8]] } },
  { desc: 'no rules at all is refused', source: 'reader_test.go TestPolicyCntCheck "policyWithNoRule"', input: 'apiVersion: audit.k8s.io/v1\nkind: Policy', want: { loadable: false, valid: false, errors: [['rules', ZERO_RULES, 1, 1]] } },
  { desc: 'validation errors come before the rule count', source: 'reader.go LoadPolicyFromBytes: ValidatePolicy runs before the len(policy.Rules) check', input: `${H}omitStages: [foo]\nrules: []\n`, want: { loadable: false, valid: false, errors: [['omitStages[0]', `Invalid value: "foo": ${STAGES}`, 3, 14], ['rules', ZERO_RULES, 4, 8]] } },

  // ---- apiVersion and kind ----------------------------------------------------------
  { desc: 'no apiVersion nor kind (a bare rules list) is refused', source: 'reader_test.go TestParsePolicyWithNoVersionOrKind: "unknown group version field"', input: 'rules:\n- level: Metadata\n', want: { loadable: false, valid: false, errors: [['apiVersion', /^apiVersion is missing.*bare rules list/, 1, 1]] } },
  { desc: 'kind without apiVersion is refused', source: 'json.go gvkWithDefaults gives the internal version, which reader.go refuses', input: 'kind: Policy\nrules:\n- level: Metadata\n', want: { loadable: false, valid: false, errors: [['apiVersion', /^apiVersion is missing/, 1, 1]] } },
  { desc: 'apiVersion without kind loads: the kind comes from the target type', source: 'json.go Decode: gvkWithDefaults(actual, Policy) fills an empty kind; reader.go checks only the group version', input: 'apiVersion: audit.k8s.io/v1\nrules:\n- level: Metadata\n', want: { loadable: true, valid: false, errors: [['kind', /^kind is missing/, 1, 1]] } },
  { desc: 'apiVersion and kind in other letter cases load (the type is read case-insensitively)', source: 'json/meta.go SimpleMetaFactory.Interpret uses encoding/json; the strict decode then reports the unknown fields', input: 'APIVersion: audit.k8s.io/v1\nKind: Policy\nrules:\n- level: Metadata\n', want: { loadable: true, valid: false, errors: [['APIVersion', /^unknown field "APIVersion"/, 1, 1], ['Kind', /^unknown field "Kind"/, 2, 1]] } },
  { desc: 'a Pod is refused', source: 'runtime.UseOrCreateObject: no kind "Pod" is registered for version "v1" in the audit scheme', input: 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n', want: { loadable: false, valid: false, errors: [['apiVersion', /not an audit policy/, 1, 13]] } },
  { desc: 'an audit Event is refused', source: 'versioning.go Decode: a v1 Event cannot convert into a Policy', input: 'apiVersion: audit.k8s.io/v1\nkind: Event\nlevel: Metadata\n', want: { loadable: false, valid: false, errors: [['kind', /^kind "Event" is not a Policy/, 2, 7]] } },
  { desc: 'audit.k8s.io/v1beta1 is refused from 1.24', source: 'reader.go: apiGroupVersions holds only v1 (v1beta1 removed in 1.24)', input: 'apiVersion: audit.k8s.io/v1beta1\nkind: Policy\nrules:\n- level: Metadata\n', want: { loadable: false, valid: false, errors: [['apiVersion', /^audit\.k8s\.io\/v1beta1 was removed in Kubernetes 1\.24/, 1, 13]] } },
  { desc: 'audit.k8s.io/v1beta1 loads with a warning for 1.23', source: 'reader.go at v0.23.0: apiGroupVersions has v1beta1, v1alpha1, v1; klog.Warningf deprecated', input: 'apiVersion: audit.k8s.io/v1beta1\nkind: Policy\nrules:\n- level: Metadata\n', options: v('1.23'), want: { loadable: true, valid: true, errors: [], warnings: [['apiVersion', /deprecated/, 1, 13]] } },
  { desc: 'audit.k8s.io/v1alpha1 loads with a warning for 1.23', source: 'reader.go at v0.23.0: apiGroupVersions', input: 'apiVersion: audit.k8s.io/v1alpha1\nkind: Policy\nrules:\n- level: Metadata\n', options: v('1.23'), want: { loadable: true, valid: true, errors: [], warnings: [['apiVersion', /deprecated/, 1, 13]] } },
  { desc: 'audit.k8s.io/v2 is refused', source: 'the audit scheme registers no v2', input: 'apiVersion: audit.k8s.io/v2\nkind: Policy\nrules:\n- level: Metadata\n', want: { loadable: false, valid: false, errors: [['apiVersion', /not a version of the audit API/, 1, 13]] } },
  { desc: 'JSON: kind and Kind both present, the later in the file wins (Pod: refused)', source: 'json/meta.go Interpret: encoding/json matches keys case-insensitively, each assignment overwriting the last', input: '{"apiVersion":"audit.k8s.io/v1","kind":"Policy","Kind":"Pod","rules":[{"level":"None"}]}', want: { loadable: false, valid: false, errors: [['kind', /^kind "Pod" is not a Policy/, 1, 56]] } },
  { desc: 'YAML: kind and Kind both present, the keys are sorted first, so kind wins', source: 'sigs.k8s.io/yaml YAMLToJSON: json.Marshal sorts map keys ("Kind" < "kind") before Interpret reads them', input: 'apiVersion: audit.k8s.io/v1\nkind: Policy\nKind: Pod\nrules:\n- level: None\n', want: { loadable: true, valid: false, errors: [['Kind', /^unknown field "Kind"/, 3, 1]] } },
  { desc: 'a number for apiVersion is fatal', source: 'json/meta.go Interpret: json.Unmarshal into a string field fails', input: 'apiVersion: 1\nkind: Policy\nrules:\n- level: Metadata\n', want: { loadable: false, valid: false, errors: [['apiVersion', /^must be a string/, 1, 13]] } },

  // ---- not a policy at all ----------------------------------------------------------
  { desc: 'a list', source: 'json.go Decode: a JSON array does not decode into a Policy', input: '- level: Metadata\n', want: { loadable: false, valid: false, errors: [['', /found a list/, 1, 1]] } },
  { desc: 'a scalar', source: 'json.go Decode: a JSON string does not decode into a Policy', input: 'hello\n', want: { loadable: false, valid: false, errors: [['', /found a single value/, 1, 1]] } },
  { desc: 'an empty file', source: 'reader_test.go TestPolicyCntCheck "emptyPolicyFile"', input: '', want: { loadable: false, valid: false, errors: [['', /empty/, 1, 1]] } },
  { desc: 'only a comment', source: 'reader_test.go TestPolicyCntCheck (an empty document)', input: '# nothing here\n', want: { loadable: false, valid: false, errors: [['', /empty/, 1, 1]] } },
  { desc: 'not YAML: an unclosed flow list', source: 'go-yaml refuses it: "failed decoding"', input: `${H}rules: [{level: None}\n`, want: { loadable: false, valid: false, errors: [['', /^not valid YAML/, 4, 1]] } },
  { desc: 'binary bytes', source: 'go-yaml refuses invalid UTF-8', input: new Uint8Array([...new TextEncoder().encode(`${H}rules:\n- level: `), 0xff, 0xfe, 0x00, 0x0a]), want: { loadable: false, valid: false, errors: [['', /invalid UTF-8/, 4, 10]] } },
  { desc: 'a NUL byte', source: 'go-yaml refuses control characters', input: `${H}rules:\n- level: None\u0000\n`, want: { loadable: false, valid: false, errors: [['', /control character U\+0000/, 4, 14]] } },
  { desc: 'a tab as indentation', source: 'go-yaml: "found character that cannot start any token"', input: `${H}rules:\n\t- level: None\n`, want: { loadable: false, valid: false, errors: [['', /[Tt]ab/, 4, 1]] } },

  // ---- strict findings: duplicates and unknown fields -------------------------------
  { desc: 'a repeated key: strict error; kube-apiserver keeps the last value', source: 'json.go unmarshal: YAMLToJSONStrict fails, reader.go falls back to the lenient decoder (YAMLToJSON keeps the last)', input: `${H}rules:\n- level: None\n  level: Metadata\n`, want: { loadable: true, valid: false, errors: [['rules[0].level', /^duplicate field "level"/, 5, 3]] }, check: (r) => assert.equal(r.policy!.rules[0].level, 'Metadata') },
  { desc: 'a repeated rules key: the last list wins', source: 'YAMLToJSON keeps the last value', input: `${H}rules:\n- level: None\nrules:\n- level: Request\n- level: Metadata\n`, want: { loadable: true, valid: false, errors: [['rules', /^duplicate field "rules"/, 5, 1]] }, check: (r) => assert.deepEqual(r.policy!.rules.map((x) => x.level), ['Request', 'Metadata']) },
  { desc: 'a wrong-case field (Level) is unknown: strict error, dropped leniently', source: 'sigs.k8s.io/json decodes case-sensitively; reader.go lenient fallback drops unknown fields', input: `${H}rules:\n- level: None\n  Level: Metadata\n`, want: { loadable: true, valid: false, errors: [['rules[0].Level', /^unknown field "Level" \(did you mean "level"\?\)/, 5, 3]] }, check: (r) => assert.equal(r.policy!.rules[0].level, 'None') },
  { desc: 'only Level: the rule has no level at all', source: 'the lenient decode drops Level, then validateLevel: Required', input: `${H}rules:\n- Level: None\n`, want: { loadable: false, valid: false, errors: [['rules[0].Level', /^unknown field "Level"/, 4, 3], ['rules[0].level', 'Required value', 4, 3]] } },
  { desc: 'Rules: instead of rules: leaves zero rules', source: 'the lenient decode drops Rules; reader.go "loaded illegal policy with 0 rules"', input: `${H}Rules:\n- level: None\n`, want: { loadable: false, valid: false, errors: [['Rules', /^unknown field "Rules"/, 3, 1], ['rules', ZERO_RULES, 1, 1]] } },
  { desc: 'a misindented field (upstream policyWithUnknownField) loads', source: 'reader_test.go TestParsePolicyWithUnknownField: LoadPolicyFromFile succeeds', input: `${H}rules:\n- level: None\n  resources:\n  - group: coordination.k8s.io\n    resources:\n    - "leases"\n    verbs: ["watch", "get", "list"] # invalid indentation on verbs\n`, want: { loadable: true, valid: false, errors: [['rules[0].resources[0].verbs', /^unknown field "verbs"/, 9, 5]] }, check: (r) => assert.deepEqual(r.policy!.rules[0].verbs, []) },
  { desc: 'an unknown field inside metadata', source: 'metav1.ObjectMeta has no "nmae": strict error, dropped leniently', input: `${H}metadata:\n  nmae: x\nrules:\n- level: None\n`, want: { loadable: true, valid: false, errors: [['metadata.nmae', /^unknown field "nmae" \(did you mean "name"\?\)/, 4, 3]] } },

  { desc: 'omitManagedFields before 1.23 is an unknown field, dropped silently', source: 'omitManagedFields came in 1.23; reader.go before 1.26 decoded leniently only', input: `${H}omitManagedFields: true\nrules:\n- level: None\n`, options: v('1.22'), want: { loadable: true, valid: false, errors: [['omitManagedFields', /^unknown field "omitManagedFields".*drops it without a warning/, 3, 1]] }, check: (r) => assert.equal(r.policy!.omitManagedFields, false) },
  { desc: 'metadata.creationTimestamp: null is fine (as kubectl writes it)', source: 'metav1.Time.UnmarshalJSON: null is the zero time', input: `${H}metadata:\n  name: audit\n  creationTimestamp: null\nrules:\n- level: None\n`, want: OK },
  { desc: 'metadata.creationTimestamp: "" is fatal', source: 'metav1.Time.UnmarshalJSON: time.Parse(time.RFC3339, "") fails', input: `${H}metadata:\n  creationTimestamp: ""\nrules:\n- level: None\n`, want: { loadable: false, valid: false, errors: [['metadata.creationTimestamp', /^must be an RFC 3339 time/, 4, 22]] } },
  { desc: 'a non-printable character in a group is escaped as %q does', source: 'validation.go: field.Invalid with a string value → strconv.Quote', input: `${H}rules:\n- level: Metadata\n  resources: [{group: "a\u200bb"}]\n`, want: { loadable: false, valid: false, errors: [['rules[0].resources.group', `Invalid value: "a\\u200bb": ${DNS}`, 5, 23]] } },

  // ---- YAML 1.1 scalars -------------------------------------------------------------
  { desc: 'level: yes is a boolean: fatal type error', source: 'go-yaml v2 resolves yes to true (YAML 1.1); true into a string is an UnmarshalTypeError', input: `${H}rules:\n- level: yes\n`, want: { loadable: false, valid: false, errors: [['rules[0].level', /boolean.*yes/, 4, 10]] } },
  { desc: 'users: [on] is a boolean: fatal type error', source: 'go-yaml v2 resolves on to true', input: `${H}rules:\n- level: None\n  users: [on]\n`, want: { loadable: false, valid: false, errors: [['rules[0].users[0]', /boolean.*on/, 5, 11]] } },
  { desc: 'users: ["on"] quoted is a string', source: 'a quoted scalar is always a string', input: `${H}rules:\n- level: None\n  users: ["on", 'off', y]\n`, want: { loadable: false, valid: false, errors: [['rules[0].users[2]', /boolean.*y/, 5, 24]] } },
  { desc: 'verbs: [get, no]', source: 'go-yaml v2 resolves no to false', input: `${H}rules:\n- level: None\n  verbs: [get, no]\n`, want: { loadable: false, valid: false, errors: [['rules[0].verbs[1]', /boolean.*no/, 5, 16]] } },
  { desc: 'a leading-zero number is an octal integer', source: 'go-yaml v2 resolves 017 as an int', input: `${H}rules:\n- level: None\n  namespaces: [017]\n`, want: { loadable: false, valid: false, errors: [['rules[0].namespaces[0]', /number 017/, 5, 16]] } },
  { desc: 'omitManagedFields: yes is true', source: 'go-yaml v2 resolves yes to true; a bool field takes it', input: `${H}rules:\n- level: None\n  omitManagedFields: yes\n`, want: OK, check: (r) => assert.equal(r.policy!.rules[0].omitManagedFields, true) },
  { desc: 'omitManagedFields: "true" quoted is a string: fatal', source: 'a JSON string into a *bool is an UnmarshalTypeError', input: `${H}rules:\n- level: None\n  omitManagedFields: "true"\n`, want: { loadable: false, valid: false, errors: [['rules[0].omitManagedFields', /^must be true or false/, 5, 22]] } },

  // ---- JSON, documents, anchors, merges, size ---------------------------------------
  { desc: 'JSON input', source: 'recognizer.go: a buffer starting with "{" goes to the JSON serializer', input: '{"apiVersion":"audit.k8s.io/v1","kind":"Policy","rules":[{"level":"Metadata","users":["a\\/b"]}]}', want: OK, check: (r) => assert.deepEqual(r.policy!.rules[0].users, ['a/b']) },
  { desc: 'JSON with a repeated key: strict error', source: 'sigs.k8s.io/json UnmarshalStrict reports duplicate fields', input: '{"apiVersion":"audit.k8s.io/v1","kind":"Policy","rules":[{"level":"None","level":"Metadata"}]}', want: { loadable: true, valid: false, errors: [['rules[0].level', /^duplicate field "level"/, 1, 74]] }, check: (r) => assert.equal(r.policy!.rules[0].level, 'Metadata') },
  { desc: 'a "{" file that is YAML but not JSON is refused', source: 'recognizer.go: the JSON serializer recognizes "{" and decodes without falling back to YAML', input: '{apiVersion: audit.k8s.io/v1, kind: Policy, rules: [{level: None}]}\n', want: { loadable: false, valid: false, errors: [['', /^not valid JSON/, 1, 2]] } },
  { desc: 'only the first document counts', source: 'go-yaml v2 Unmarshal parses one document', input: `${H}rules:\n- level: None\n---\n{{{ not yaml at all\n`, want: OK },
  { desc: 'a first document that is not a policy is refused, whatever follows', source: 'go-yaml v2 Unmarshal parses one document', input: `apiVersion: v1\nkind: Pod\n---\n${H}rules:\n- level: None\n`, want: { loadable: false, valid: false, errors: [['apiVersion', /not an audit policy/, 1, 13]] } },
  { desc: 'a leading document marker is fine', source: 'go-yaml v2: an explicit document start', input: `---\n${H}rules:\n- level: None\n`, want: OK },
  { desc: 'anchors and aliases expand', source: 'go-yaml v2 resolves aliases', input: `${H}rules:\n- &quiet {level: None, users: &who [a, b]}\n- *quiet\n- level: Metadata\n  users: *who\n`, want: OK, check: (r) => assert.deepEqual(r.policy!.rules.map((x) => [x.level, x.users]), [['None', ['a', 'b']], ['None', ['a', 'b']], ['Metadata', ['a', 'b']]]) },
  { desc: 'a merge key, then an override: strict error (go-yaml strict: key already set)', source: 'go-yaml v2 decode.go setMapIndex (strict) and merge; the lenient decode keeps the later key', input: `${H}rules:\n- &base {level: None, users: [a]}\n- <<: *base\n  level: Metadata\n`, want: { loadable: true, valid: false, errors: [['rules[1].level', /^duplicate field "level"/, 6, 3]] }, check: (r) => assert.deepEqual([r.policy!.rules[1].level, r.policy!.rules[1].users], ['Metadata', ['a']]) },
  { desc: 'a key, then a merge: the merge overwrites it (go-yaml v2 order)', source: 'go-yaml v2 decode.go mapping: the merge sets its keys where it stands', input: `${H}rules:\n- &base {level: None, users: [a]}\n- level: Metadata\n  <<: *base\n`, want: { loadable: true, valid: false, errors: [['rules[1].level', /^duplicate field "level"/, 6, 3]] }, check: (r) => assert.equal(r.policy!.rules[1].level, 'None') },
  { desc: 'merging a list of mappings: earlier ones take precedence', source: 'go-yaml v2 decode.go merge: "Step backwards as earlier nodes take precedence"', input: `${H}rules:\n- &a {level: Request}\n- &b {level: None, verbs: [get]}\n- <<: [*a, *b]\n`, want: { loadable: true, valid: false, errors: [['rules[2].level', /^duplicate field "level"/, 6, 3]] }, check: (r) => assert.deepEqual([r.policy!.rules[2].level, r.policy!.rules[2].verbs], ['Request', ['get']]) },
  { desc: 'nesting far too deep is refused without a crash', source: 'go-yaml v2 parserc.go limits depth (10000); kubetrail refuses earlier, cleanly', input: `${H}rules:\n- level: None\nextra: ${'['.repeat(5000)}${']'.repeat(5000)}\n`, want: { loadable: false, valid: false, errors: [['', /nested/, 5, 1008]] } },
  { desc: 'moderate nesting inside an unknown field loads', source: 'the lenient decode drops the unknown field', input: `${H}rules:\n- level: None\nextra: ${'['.repeat(100)}${']'.repeat(100)}\n`, want: { loadable: true, valid: false, errors: [['extra', /^unknown field "extra"/, 5, 1]] } },
];

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function assertIssues(actual: LoadResult['errors'], expected: Expected[], what: string, source: string): void {
  const shown = actual.map((e) => [e.field, e.message, e.line, e.column]);
  assert.equal(actual.length, expected.length, `${what}: ${JSON.stringify(shown, null, 1)}\nsource: ${source}`);
  expected.forEach(([field, message, line, column], i) => {
    const got = actual[i];
    assert.equal(got.field, field, `${what}[${i}].field (source: ${source})`);
    if (typeof message === 'string') assert.equal(got.message, message, `${what}[${i}].message (source: ${source})`);
    else assert.match(got.message, message, `${what}[${i}].message (source: ${source})`);
    assert.deepEqual([got.line, got.column], [line, column], `${what}[${i}] position of ${JSON.stringify(got.message)}`);
  });
}

describe('loading policies: kube-apiserver cases', () => {
  test(`there are at least 40 cases (${CASES.length})`, () => {
    assert.ok(CASES.length >= 40);
    assert.equal(new Set(CASES.map((c) => c.desc)).size, CASES.length, 'case descriptions are unique');
  });

  for (const c of CASES) {
    test(c.desc, () => {
      const result = loadPolicy(c.input, c.options);
      assert.equal(result.loadable, c.want.loadable, `loadable (source: ${c.source}); errors: ${JSON.stringify(result.errors.map((e) => e.message))}`);
      assert.equal(result.valid, c.want.valid, 'valid (strict)');
      assertIssues(result.errors, c.want.errors, 'errors', c.source);
      if (c.want.warnings !== undefined) assertIssues(result.warnings, c.want.warnings, 'warnings', c.source);
      assert.equal(result.policy !== null, c.want.loadable || result.policy !== null, 'a loadable file has a policy');
      if (c.want.loadable) assert.notEqual(result.policy, null);

      // With strict off, valid means exactly "kube-apiserver would load it", and the
      // strict findings move to the warnings.
      const lenient = loadPolicy(c.input, { ...c.options, strict: false });
      assert.equal(lenient.loadable, c.want.loadable);
      assert.equal(lenient.valid, c.want.loadable);
      assert.equal(lenient.errors.length + lenient.warnings.length, result.errors.length + result.warnings.length, 'the same findings, differently ranked');
      c.check?.(result);
    });
  }
});

describe('loading a very large policy', () => {
  test('5,000 rules of three lines each load, in order', () => {
    const lines = [H.trimEnd(), 'rules:'];
    for (let i = 0; i < 5_000; i++) lines.push(`- level: ${i % 2 === 0 ? 'Metadata' : 'None'}`, `  users: [user-${i}]`, `  resources: [{group: apps, resources: [deployments], resourceNames: [d${i}]}]`);
    const started = performance.now();
    const result = loadPolicy(lines.join('\n'));
    const elapsed = performance.now() - started;
    assert.equal(result.valid, true, JSON.stringify(result.errors.slice(0, 3)));
    assert.equal(result.policy!.rules.length, 5_000);
    assert.deepEqual(result.policy!.rules[4_999].users, ['user-4999']);
    assert.deepEqual(result.positions.get('rules[4999].resources[0].resourceNames[0]'), { offset: result.positions.get('rules[4999].resources[0].resourceNames[0]')!.offset, line: 15_003, column: 71 });
    assert.ok(elapsed < 10_000, `took ${Math.round(elapsed)} ms`);
  });

  test('an error in the last of 20,000 rules is placed on its line', () => {
    const lines = [H.trimEnd(), 'rules:'];
    for (let i = 0; i < 20_000; i++) lines.push('- level: Metadata');
    lines.push('- level: Everything');
    const result = loadPolicy(lines.join('\n'));
    assert.equal(result.errors.length, 1);
    assert.deepEqual([result.errors[0].field, result.errors[0].line, result.errors[0].column], ['rules[20000].level', 20_004, 10]);
  });
});
