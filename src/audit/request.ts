/**
 * Request attributes: what kube-apiserver's audit policy sees of a request
 * (authorizer.Attributes in k8s.io/apiserver), and the two ways kubetrail obtains
 * them: the JSON shape of the command contract, and a recorded audit Event.
 */
import type { ScannedEvent } from './event-scan.js';
import type { AuditEvent } from './types.js';
import { compareGoStrings } from './go-format.js';

export interface RequestAttributes {
  /** The authenticated user's name; null when no user is attached (failed authentication). */
  user: string | null;
  groups: readonly string[];
  verb: string;
  resourceRequest: boolean;
  apiGroup: string;
  apiVersion: string;
  resource: string;
  subresource: string;
  namespace: string;
  name: string;
  path: string;
}

export class RequestAttributesError extends Error {
  readonly code = 'InvalidRequestAttributes';
  constructor(
    message: string,
    /** The offending field of the request object, when one is to blame. */
    readonly field?: string,
  ) {
    super(message);
    this.name = 'RequestAttributesError';
  }
}

const STRING_FIELDS = [
  'verb',
  'apiGroup',
  'apiVersion',
  'resource',
  'subresource',
  'namespace',
  'name',
  'path',
] as const;
const KNOWN_FIELDS = new Set<string>(['user', 'groups', 'resourceRequest', ...STRING_FIELDS]);

/**
 * Reads the request JSON of the command contract. Absent fields mean empty;
 * `"user": null` or no user means the request carries no user. Anything else of the
 * wrong type is refused with the field named: a silently coerced request would give
 * a confident wrong answer.
 */
export function requestAttributesFromJSON(value: unknown): RequestAttributes {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new RequestAttributesError(
      `a request must be a JSON object, got ${describeJSONType(value)}`,
    );
  }
  const input = value as Record<string, unknown>;
  for (const key of Object.keys(input)) {
    if (!KNOWN_FIELDS.has(key)) {
      throw new RequestAttributesError(
        `unknown field "${key}"; known fields: user, groups, ${STRING_FIELDS.join(', ')}, resourceRequest`,
        key,
      );
    }
  }
  const attrs: RequestAttributes = {
    user: null,
    groups: [],
    verb: '',
    resourceRequest: false,
    apiGroup: '',
    apiVersion: '',
    resource: '',
    subresource: '',
    namespace: '',
    name: '',
    path: '',
  };
  if (input.user !== undefined && input.user !== null) {
    if (typeof input.user !== 'string') {
      throw new RequestAttributesError(
        `"user" must be a string or null, got ${describeJSONType(input.user)}`,
        'user',
      );
    }
    attrs.user = input.user;
  }
  if (input.groups !== undefined && input.groups !== null) {
    if (!Array.isArray(input.groups) || input.groups.some((g) => typeof g !== 'string')) {
      throw new RequestAttributesError('"groups" must be an array of strings', 'groups');
    }
    attrs.groups = input.groups as string[];
  }
  for (const field of STRING_FIELDS) {
    const v = input[field];
    if (v === undefined || v === null) continue;
    if (typeof v !== 'string') {
      throw new RequestAttributesError(
        `"${field}" must be a string, got ${describeJSONType(v)}`,
        field,
      );
    }
    attrs[field] = v;
  }
  if (input.resourceRequest !== undefined && input.resourceRequest !== null) {
    if (typeof input.resourceRequest !== 'boolean') {
      throw new RequestAttributesError(
        `"resourceRequest" must be true or false, got ${describeJSONType(input.resourceRequest)}`,
        'resourceRequest',
      );
    }
    attrs.resourceRequest = input.resourceRequest;
  }
  return attrs;
}

export function describeJSONType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  switch (typeof value) {
    case 'string':
      return `a string (${JSON.stringify(value).slice(0, 40)})`;
    case 'number':
      return `a number (${value})`;
    case 'boolean':
      return `a boolean (${value})`;
    case 'object':
      return 'an object';
    default:
      return typeof value;
  }
}

/** Path parts of the request info parser, as kube-apiserver's RequestInfoFactory uses them. */
export interface RequestInfo {
  resourceRequest: boolean;
  apiGroup: string;
  apiVersion: string;
  resource: string;
  subresource: string;
  namespace: string;
  name: string;
  path: string;
}

const API_PREFIXES = new Set(['api', 'apis']);
const GROUPLESS_API_PREFIXES = new Set(['api']);
const NAMESPACE_SUBRESOURCES = new Set(['status', 'finalize']);

/**
 * Splits a request URI the way kube-apiserver's RequestInfoFactory does
 * (k8s.io/apiserver/pkg/endpoints/request/requestinfo.go), with the default prefixes
 * "api" and "apis". The verb is not derived here: the recorded event already holds
 * the verb kube-apiserver computed (list vs watch vs get, deletecollection).
 */
export function parseRequestURI(requestURI: string, verb: string): RequestInfo {
  const q = requestURI.indexOf('?');
  const rawPath = q >= 0 ? requestURI.slice(0, q) : requestURI;
  const query = q >= 0 ? requestURI.slice(q + 1) : '';
  const path = safeDecodePath(rawPath);
  const info: RequestInfo = {
    resourceRequest: false,
    apiGroup: '',
    apiVersion: '',
    resource: '',
    subresource: '',
    namespace: '',
    name: '',
    path,
  };
  let parts = splitPath(path);
  if (parts.length < 3 || !API_PREFIXES.has(parts[0])) return info;
  const prefix = parts[0];
  parts = parts.slice(1);
  if (!GROUPLESS_API_PREFIXES.has(prefix)) {
    if (parts.length < 3) return info;
    info.apiGroup = parts[0];
    parts = parts.slice(1);
  }
  info.resourceRequest = true;
  info.apiVersion = parts[0];
  parts = parts.slice(1);
  let pathVerb = '';
  if (parts[0] === 'watch' || parts[0] === 'proxy') {
    if (parts.length < 2) return info;
    pathVerb = parts[0];
    parts = parts.slice(1);
  }
  if (parts[0] === 'namespaces') {
    if (parts.length > 1) {
      info.namespace = parts[1];
      if (parts.length > 2 && !NAMESPACE_SUBRESOURCES.has(parts[2])) parts = parts.slice(2);
    }
  }
  if (parts.length >= 3 && pathVerb !== 'proxy') info.subresource = parts[2];
  if (parts.length >= 2) info.name = parts[1];
  if (parts.length >= 1) info.resource = parts[0];
  // The name of a list or watch narrowed to one object. RequestInfoFactory looks for it
  // only when the method made the verb "get" and the path named no object; a watch
  // spelt with the deprecated /watch/ path prefix is never narrowed.
  if (info.name === '' && pathVerb === '' && (verb === 'list' || verb === 'watch') && query !== '') {
    info.name = nameFromListQuery(query);
  }
  return info;
}

function splitPath(path: string): string[] {
  const trimmed = path.replace(/^\/+|\/+$/g, '');
  return trimmed === '' ? [] : trimmed.split('/');
}

function safeDecodePath(path: string): string {
  // kube-apiserver works on the decoded URL path (req.URL.Path).
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

/**
 * url.ParseQuery: pairs split at '&', a pair holding ';' or a bad escape is skipped,
 * '+' is a space; the values of each key in order.
 */
function parseGoQuery(query: string): Map<string, string[]> {
  const values = new Map<string, string[]>();
  for (const pair of query.split('&')) {
    if (pair === '' || pair.includes(';')) continue;
    const eq = pair.indexOf('=');
    const key = goQueryUnescape(eq < 0 ? pair : pair.slice(0, eq));
    const value = goQueryUnescape(eq < 0 ? '' : pair.slice(eq + 1));
    if (key === null || value === null) continue;
    const list = values.get(key);
    if (list === undefined) values.set(key, [value]);
    else list.push(value);
  }
  return values;
}

/** url.QueryUnescape: %XX (two hex digits, else an error) and '+' as a space; the bytes read as UTF-8. */
function goQueryUnescape(text: string): string | null {
  if (!text.includes('%')) return text.replace(/\+/g, ' ');
  const bytes: number[] = [];
  const encoder = new TextEncoder();
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '%') {
      const hex = text.slice(i + 1, i + 3);
      if (!/^[0-9a-fA-F]{2}$/.test(hex)) return null;
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else if (c === '+') {
      bytes.push(0x20);
    } else {
      const cp = text.codePointAt(i)!;
      const ch = String.fromCodePoint(cp);
      if (ch.length === 2) i++;
      bytes.push(...encoder.encode(ch));
    }
  }
  return new TextDecoder('utf-8').decode(new Uint8Array(bytes));
}

/**
 * The `metadata.name` a list or watch is narrowed to, as RequestInfoFactory finds it:
 * its query must decode as ListOptions (fieldSelector and labelSelector parse,
 * limit and timeoutSeconds are integers; any failure and there is no name), the field
 * selector must require `metadata.name` to equal one value, and that value must be a
 * valid path segment name. Only the first fieldSelector parameter counts.
 */
function nameFromListQuery(query: string): string {
  const params = parseGoQuery(query);
  for (const intParam of ['limit', 'timeoutSeconds']) {
    const v = params.get(intParam);
    if (v !== undefined && !isGoInt64(v[0])) return '';
  }
  const selector = params.get('fieldSelector')?.[0];
  if (selector === undefined) return '';
  const name = exactMatchFromFieldSelector(selector, 'metadata.name');
  if (name === null || name === '.' || name === '..' || /[/%]/.test(name)) return '';
  return name;
}

/** strconv.ParseInt(s, 10, 64). */
function isGoInt64(text: string): boolean {
  const m = /^([+-]?)([0-9]+)$/.exec(text);
  if (!m) return false;
  const digits = BigInt(m[2]);
  return m[1] === '-' ? digits <= 9223372036854775808n : digits <= 9223372036854775807n;
}

/**
 * fields.ParseSelector followed by RequiresExactMatch(field): terms split at unescaped
 * commas and *sorted*; each term is `lhs op rhs` with the first of "!=", "==", "=" found
 * scanning left to right (no trimming of spaces); a value may escape only '\\', ',' and
 * '=' and may hold none of them unescaped. Any bad term makes the whole selector
 * invalid (null). The answer is the value of the first `field=value` or
 * `field==value` term in sorted order.
 */
function exactMatchFromFieldSelector(selector: string, field: string): string | null {
  const terms = splitSelectorTerms(selector).sort(compareGoStrings);
  let found: string | null = null;
  for (const term of terms) {
    if (term === '') continue;
    const split = splitSelectorTerm(term);
    if (split === null) return null;
    const value = unescapeSelectorValue(split.rhs);
    if (value === null) return null;
    if (found === null && split.op !== '!=' && split.lhs === field) found = value;
  }
  return found;
}

function splitSelectorTerms(selector: string): string[] {
  if (selector === '') return [];
  const terms: string[] = [];
  let start = 0;
  let inSlash = false;
  for (let i = 0; i < selector.length; i++) {
    const c = selector[i];
    if (inSlash) inSlash = false;
    else if (c === '\\') inSlash = true;
    else if (c === ',') {
      terms.push(selector.slice(start, i));
      start = i + 1;
    }
  }
  terms.push(selector.slice(start));
  return terms;
}

function splitSelectorTerm(term: string): { lhs: string; op: string; rhs: string } | null {
  for (let i = 0; i < term.length; i++) {
    for (const op of ['!=', '==', '=']) {
      if (term.startsWith(op, i)) return { lhs: term.slice(0, i), op, rhs: term.slice(i + op.length) };
    }
  }
  return null;
}

function unescapeSelectorValue(value: string): string | null {
  let out = '';
  let inSlash = false;
  for (const c of value) {
    if (inSlash) {
      if (c !== '\\' && c !== ',' && c !== '=') return null;
      out += c;
      inSlash = false;
    } else if (c === '\\') inSlash = true;
    else if (c === ',' || c === '=') return null;
    else out += c;
  }
  return inSlash ? null : out;
}


/**
 * The attributes kube-apiserver evaluated its policy with, recovered from a recorded
 * event:
 * - the user is the *authenticated* user (`user`), never `impersonatedUser`: the audit
 *   filter runs before impersonation in kube-apiserver's handler chain;
 * - an event whose user has neither a name nor groups was written for a request that
 *   failed authentication, when no user was attached: user is null;
 * - the verb is the event's verb (for non-resource requests, the lower-cased HTTP method);
 * - group, version, resource, subresource, namespace and name come from the request
 *   URI, parsed as kube-apiserver parses it, because objectRef is filled in later from
 *   the object (a create's name, for one, is unknown when the policy is evaluated);
 *   objectRef is used only when the event has no requestURI.
 */
export function attributesFromEvent(event: AuditEvent): RequestAttributes {
  // Events come from files: a field of the wrong type (never written by kube-apiserver)
  // reads as absent rather than flowing on as a non-string.
  const user = isObject(event.user) ? event.user : {};
  const username = stringOr(user.username);
  const groups = Array.isArray(user.groups) ? user.groups.filter((g): g is string => typeof g === 'string') : [];
  const attributedUser = username === '' && groups.length === 0 ? null : username;
  const verb = stringOr(event.verb);
  if (typeof event.requestURI === 'string' && event.requestURI !== '') {
    const info = parseRequestURI(event.requestURI, verb);
    return { user: attributedUser, groups: attributedUser === null ? [] : groups, verb, ...info };
  }
  const ref = isObject(event.objectRef) ? event.objectRef : undefined;
  return {
    user: attributedUser,
    groups: attributedUser === null ? [] : groups,
    verb,
    resourceRequest: ref !== undefined,
    apiGroup: stringOr(ref?.apiGroup),
    apiVersion: stringOr(ref?.apiVersion),
    resource: stringOr(ref?.resource),
    subresource: stringOr(ref?.subresource),
    namespace: stringOr(ref?.namespace),
    name: stringOr(ref?.name),
    path: '',
  };
}

/**
 * The same attributes from an event's scanned fields (see event-scan.ts): the fast path of
 * policy simulation, which must decide exactly as attributesFromEvent does.
 */
export function attributesFromScanned(event: ScannedEvent): RequestAttributes {
  const username = event.username ?? '';
  const groups = event.groups ?? [];
  const attributedUser = username === '' && groups.length === 0 ? null : username;
  const verb = event.verb ?? '';
  if (event.requestURI !== null && event.requestURI !== '') {
    // Spelled out rather than spread: this runs for every replayed event.
    const info = cachedRequestInfo(event.requestURI, verb);
    return {
      user: attributedUser,
      groups: attributedUser === null ? [] : groups,
      verb,
      resourceRequest: info.resourceRequest,
      apiGroup: info.apiGroup,
      apiVersion: info.apiVersion,
      resource: info.resource,
      subresource: info.subresource,
      namespace: info.namespace,
      name: info.name,
      path: info.path,
    };
  }
  return {
    user: attributedUser,
    groups: attributedUser === null ? [] : groups,
    verb,
    resourceRequest: event.hasObjectRef,
    apiGroup: event.apiGroup ?? '',
    apiVersion: event.apiVersionRef ?? '',
    resource: event.resource ?? '',
    subresource: event.subresource ?? '',
    namespace: event.namespace ?? '',
    name: event.name ?? '',
    path: '',
  };
}

// Replayed traffic repeats the same URIs (watches, lists, gets of the same objects) many
// times over; parsing one is the costliest part of evaluating an event.
const infoCache = new Map<string, RequestInfo>();
const INFO_CACHE_MAX = 50_000;

function cachedRequestInfo(requestURI: string, verb: string): RequestInfo {
  // The query string matters only to a list or watch whose fieldSelector may name one
  // object (a key can be spelt with %-escapes); otherwise the path alone decides, and the
  // path repeats where the query (resourceVersion, timeoutSeconds) rarely does.
  const q = requestURI.indexOf('?');
  const queryMatters = q >= 0 && (verb === 'list' || verb === 'watch') && (requestURI.includes('fieldSelector', q) || requestURI.includes('%', q));
  const key = queryMatters || q < 0 ? requestURI : requestURI.slice(0, q);
  let info = infoCache.get(key);
  if (info === undefined) {
    if (infoCache.size >= INFO_CACHE_MAX) infoCache.clear();
    info = Object.freeze(parseRequestURI(requestURI, verb));
    infoCache.set(key, info);
  }
  return info;
}

function isObject<T>(value: T | null | undefined): value is T {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function stringOr(value: unknown): string {
  return typeof value === 'string' ? value : '';
}
