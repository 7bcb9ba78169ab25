/**
 * kube-apiserver's policy validation (ValidatePolicy in
 * k8s.io/apiserver/pkg/apis/audit/validation/validation.go): the same checks, in the
 * same order, with the same field paths and messages. Note two quirks kept on
 * purpose: a bad group is reported at `rules[i].resources.group` (no index: upstream
 * builds the path without one), and identical messages are reported once, as
 * field.ErrorList.ToAggregate does.
 */
import { LEVELS, STAGES, type GroupResources, type Policy, type PolicyRule } from '../types.js';
import { goJSONString, goJSONStrings, goQuote } from '../go-format.js';

export type FieldErrorType = 'Required' | 'Invalid' | 'NotSupported';

export interface FieldError {
  type: FieldErrorType;
  field: string;
  /** The message body, e.g. `Invalid value: "x": non-resource URL rules must begin with a '/' character`. */
  message: string;
  /** The field path whose source position best shows the problem. */
  positionPath: string;
}

export interface ValidateOptions {
  /** Accept `group: "*"` (Kubernetes 1.36+). Default true. */
  wildcardGroup?: boolean;
  /** Show non-string bad values as JSON (Kubernetes 1.34+) rather than Go's %#v. Default true. */
  jsonFieldErrorValues?: boolean;
}

/**
 * How field.Error shows a bad value that is not a plain `string`: a level (the named
 * type audit.Level) or a []string. Since apimachinery 1.34 ErrorBody json.Marshals
 * them (`"a\u003cb"`, `["x"]`); before, it printed them with %#v (`"a<b"`,
 * `[]string{"x"}`). A plain string is %q in every release.
 */
interface ValueFormat {
  level(value: string): string;
  list(values: readonly string[]): string;
}

const JSON_VALUES: ValueFormat = { level: goJSONString, list: goJSONStrings };
const GO_SYNTAX_VALUES: ValueFormat = { level: goQuote, list: (values) => `[]string{${values.map(goQuote).join(', ')}}` };

const STAGE_LIST = STAGES.join(',');

export function validatePolicy(policy: Policy, options: ValidateOptions = {}): FieldError[] {
  const errors: FieldError[] = [];
  const format = (options.jsonFieldErrorValues ?? true) ? JSON_VALUES : GO_SYNTAX_VALUES;
  validateOmitStages(policy.omitStages, 'omitStages', errors);
  policy.rules.forEach((rule, i) => validateRule(rule, `rules[${i}]`, errors, options.wildcardGroup ?? true, format));
  return dedupeLikeToAggregate(errors);
}

function validateRule(rule: PolicyRule, path: string, errors: FieldError[], wildcardGroup: boolean, format: ValueFormat): void {
  validateLevel(rule.level, `${path}.level`, path, errors, format);
  validateNonResourceURLs(rule.nonResourceURLs, `${path}.nonResourceURLs`, errors);
  validateResources(rule.resources, `${path}.resources`, errors, wildcardGroup, format);
  validateOmitStages(rule.omitStages, `${path}.omitStages`, errors);
  if (rule.nonResourceURLs.length > 0 && (rule.resources.length > 0 || rule.namespaces.length > 0)) {
    errors.push(invalid(`${path}.nonResourceURLs`, format.list(rule.nonResourceURLs), 'rules cannot apply to both regular resources and non-resource URLs'));
  }
}

function validateLevel(level: string, field: string, rulePath: string, errors: FieldError[], format: ValueFormat): void {
  if ((LEVELS as readonly string[]).includes(level)) return;
  if (level === '') {
    // Missing: point at the rule itself.
    errors.push({ type: 'Required', field, message: 'Required value', positionPath: rulePath });
    return;
  }
  errors.push({
    type: 'NotSupported',
    field,
    // The bad value is an audit.Level, not a string: see ValueFormat.
    message: `Unsupported value: ${format.level(level)}: supported values: ${LEVELS.map((l) => goQuote(l)).join(', ')}`,
    positionPath: field,
  });
}

function validateNonResourceURLs(urls: readonly string[], path: string, errors: FieldError[]): void {
  urls.forEach((url, i) => {
    if (url === '*') return;
    const field = `${path}[${i}]`;
    if (!url.startsWith('/')) errors.push(invalid(field, goQuote(url), "non-resource URL rules must begin with a '/' character"));
    if (url !== '' && url.slice(0, -1).includes('*')) {
      errors.push(invalid(field, goQuote(url), "non-resource URL wildcards '*' must be the final character of the rule"));
    }
  });
}

function validateResources(list: readonly GroupResources[], path: string, errors: FieldError[], wildcardGroup: boolean, format: ValueFormat): void {
  list.forEach((gr, i) => {
    // The empty string is the core group; "*" is any group from 1.36.
    if (gr.group !== '' && !(wildcardGroup && gr.group === '*')) {
      const problems = dnsSubdomainProblems(gr.group);
      if (problems.length > 0) {
        errors.push({ ...invalid(`${path}.group`, goQuote(gr.group), problems.join(',')), positionPath: `${path}[${i}].group` });
      }
    }
    if (gr.resourceNames.length > 0 && gr.resources.length === 0) {
      errors.push({
        ...invalid(`${path}.resourceNames`, format.list(gr.resourceNames), 'using resourceNames requires at least one resource'),
        positionPath: `${path}[${i}].resourceNames`,
      });
    }
  });
}

function validateOmitStages(stages: readonly string[], path: string, errors: FieldError[]): void {
  stages.forEach((stage, i) => {
    if ((STAGES as readonly string[]).includes(stage)) return;
    errors.push(invalid(`${path}[${i}]`, goQuote(stage), `allowed stages are ${STAGE_LIST}`));
  });
}

function invalid(field: string, quotedValue: string, detail: string): FieldError {
  return { type: 'Invalid', field, message: `Invalid value: ${quotedValue}: ${detail}`, positionPath: field };
}

const DNS1123_LABEL = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const DNS1123_SUBDOMAIN_FMT = `${DNS1123_LABEL}(\\.${DNS1123_LABEL})*`;
const DNS1123_SUBDOMAIN = new RegExp(`^${DNS1123_SUBDOMAIN_FMT}$`);
const DNS1123_SUBDOMAIN_MAX = 253;

/** IsDNS1123Subdomain from k8s.io/apimachinery/pkg/util/validation, messages included. */
export function dnsSubdomainProblems(value: string): string[] {
  const problems: string[] = [];
  // Go counts bytes.
  if (new TextEncoder().encode(value).length > DNS1123_SUBDOMAIN_MAX) problems.push(`must be no more than ${DNS1123_SUBDOMAIN_MAX} characters`);
  if (!DNS1123_SUBDOMAIN.test(value)) {
    problems.push(
      "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character " +
        `(e.g. 'example.com', regex used for validation is '${DNS1123_SUBDOMAIN_FMT}')`,
    );
  }
  return problems;
}

/** field.ErrorList.ToAggregate drops an error whose full text was already reported. */
function dedupeLikeToAggregate(errors: FieldError[]): FieldError[] {
  const seen = new Set<string>();
  return errors.filter((e) => {
    const text = `${e.field}: ${e.message}`;
    if (seen.has(text)) return false;
    seen.add(text);
    return true;
  });
}
