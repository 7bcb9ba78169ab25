/**
 * Request attributes: what kube-apiserver's audit policy sees of a request
 * (authorizer.Attributes in k8s.io/apiserver), and the two ways kubetrail obtains
 * them: the JSON shape of the command contract, and a recorded audit Event.
 */
import type { AuditEvent } from './types.js';

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
  if (info.name === '' && (verb === 'list' || verb === 'watch') && query !== '') {
    info.name = nameFromFieldSelector(query);
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

/** A list or watch narrowed by `fieldSelector=metadata.name=X` is authorized (and audited) as X. */
function nameFromFieldSelector(query: string): string {
  for (const pair of query.split('&')) {
    const eq = pair.indexOf('=');
    if (eq < 0 || pair.slice(0, eq) !== 'fieldSelector') continue;
    let selector: string;
    try {
      selector = decodeURIComponent(pair.slice(eq + 1).replace(/\+/g, ' '));
    } catch {
      return '';
    }
    for (const term of splitSelectorTerms(selector)) {
      const m = /^\s*metadata\.name\s*(==|=)\s*(.*?)\s*$/.exec(term);
      if (!m) continue;
      const name = m[2].replace(/\\(.)/g, '$1');
      if (name === '' || name === '.' || name === '..' || /[/%]/.test(name)) return '';
      return name;
    }
    return '';
  }
  return '';
}

function splitSelectorTerms(selector: string): string[] {
  const terms: string[] = [];
  let current = '';
  for (let i = 0; i < selector.length; i++) {
    const c = selector[i];
    if (c === '\\' && i + 1 < selector.length) {
      current += c + selector[++i];
    } else if (c === ',') {
      terms.push(current);
      current = '';
    } else {
      current += c;
    }
  }
  terms.push(current);
  return terms;
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
  const username = event.user?.username ?? '';
  const groups = event.user?.groups ?? [];
  const user = username === '' && groups.length === 0 ? null : username;
  const verb = event.verb ?? '';
  if (typeof event.requestURI === 'string' && event.requestURI !== '') {
    const info = parseRequestURI(event.requestURI, verb);
    return { user, groups: user === null ? [] : groups, verb, ...info };
  }
  const ref = event.objectRef;
  return {
    user,
    groups: user === null ? [] : groups,
    verb,
    resourceRequest: ref !== undefined && ref !== null,
    apiGroup: ref?.apiGroup ?? '',
    apiVersion: ref?.apiVersion ?? '',
    resource: ref?.resource ?? '',
    subresource: ref?.subresource ?? '',
    namespace: ref?.namespace ?? '',
    name: ref?.name ?? '',
    path: '',
  };
}
