/**
 * A request plan: everything kube-apiserver knows about one request by the time it
 * writes its audit events — who sent it, what it asked for (the request attributes the
 * policy sees), how it was answered, and when each stage happened. Plans are cheap;
 * bodies are functions called only when the policy's level logs them.
 */
import type { RequestAttributes } from '../audit/request.js';
import type { Identity } from './identities.js';
import { goDuration, goJSONString } from './text.js';

/** Renders a body; `omitManagedFields` drops metadata.managedFields as the policy asks. */
export type BodyFn = (omitManagedFields: boolean) => string;

export interface Plan {
  /** Request slot and position within the slot's activity: with the stage time, the log order. */
  slot: number;
  sub: number;
  identity: Identity;
  /** `,"impersonatedUser":{...}` or "". */
  impersonated: string;
  verb: string;
  /** The request URI as sent (escaped for JSON only when an event is written). */
  uri: string;
  attrs: RequestAttributes;
  /** objectRef fields kube-apiserver fills from the request object (LogRequestObject): a create's name, an update's uid and resourceVersion. */
  refName: string;
  refUid: string;
  refResourceVersion: string;
  code: number;
  /** The response was a Status: its fields are copied into responseStatus. */
  status: StatusFields | null;
  /** A responseStatus that is not a Status copy (failed authentication); "" otherwise. */
  rawStatus: string;
  /** authorization.k8s.io/reason of an allowed request; null when refused (forbid) or never authorized (failed authentication). */
  reason: string | null;
  forbid: boolean;
  extraAnnotations: Record<string, string> | null;
  receivedUs: number;
  /** ResponseStarted (long-running requests and failed authentication); -1 when there is none. */
  startedUs: number;
  completeUs: number;
  /** Failed authentication: only a ResponseStarted event, no ResponseComplete. */
  authFailed: boolean;
  requestBody: BodyFn | null;
  responseBody: BodyFn | null;
  /** Rendered once, when the first event of the request is written. */
  rendered: RenderedParts | null;
}

export interface RenderedParts {
  auditID: string;
  uriJSON: string;
  statusJSON: string;
  /** Sorted annotation entries without the braces, "" for none. */
  annotations: string;
}

/** The parts of a plan every event of it shares, rendered on first use. */
export function renderedParts(plan: Plan, auditID: () => string): RenderedParts {
  if (plan.rendered !== null) return plan.rendered;
  let annotations = '';
  if (!plan.authFailed) {
    const base = plan.forbid ? FORBID_ANNOTATIONS : allowAnnotations(plan.reason ?? '');
    annotations = plan.extraAnnotations ? withAnnotations(base, plan.extraAnnotations) : base;
  }
  const statusPart = plan.rawStatus !== '' ? plan.rawStatus : plan.status ? statusJSON(plan.status) : `{"metadata":{},"code":${plan.code}}`;
  plan.rendered = { auditID: auditID(), uriJSON: goJSONString(plan.uri), statusJSON: statusPart, annotations };
  return plan.rendered;
}

const annotationCache = new Map<string, string>();

/** authorization.k8s.io/decision and /reason, rendered once per distinct reason. */
export function allowAnnotations(reason: string): string {
  let s = annotationCache.get(reason);
  if (s === undefined) {
    s = `"authorization.k8s.io/decision":"allow","authorization.k8s.io/reason":${goJSONString(reason)}`;
    annotationCache.set(reason, s);
  }
  return s;
}

export const FORBID_ANNOTATIONS = '"authorization.k8s.io/decision":"forbid","authorization.k8s.io/reason":""';

/** Annotations from key/value pairs, sorted by key as Go writes a map. */
export function annotationsFrom(pairs: Record<string, string>): string {
  return Object.keys(pairs)
    .sort()
    .map((k) => `${goJSONString(k)}:${goJSONString(pairs[k])}`)
    .join(',');
}

/** Merges extra annotations into an authorization pair list, keeping keys sorted. */
export function withAnnotations(base: string, extra: Record<string, string>): string {
  const keys = Object.keys(extra).sort();
  const before = keys.filter((k) => k < 'authorization.k8s.io/decision');
  const after = keys.filter((k) => k >= 'authorization.k8s.io/decision');
  const render = (ks: string[]) => ks.map((k) => `${goJSONString(k)}:${goJSONString(extra[k])}`).join(',');
  return [render(before), base, render(after)].filter((s) => s !== '').join(',');
}

/**
 * The latency annotations kube-apiserver adds to requests slower than 500 ms
 * (writeLatencyToAnnotation): per-layer times and the total, as Go durations.
 */
export function latencyAnnotations(totalUs: number, etcdShare: number): Record<string, string> {
  const totalNs = totalUs * 1000;
  const etcd = Math.round(totalNs * etcdShare);
  const serialize = Math.round(totalNs * 0.004) + 3127;
  return {
    'apiserver.latency.k8s.io/etcd': goDuration(etcd),
    'apiserver.latency.k8s.io/response-write': goDuration(1874 + (totalUs % 977)),
    'apiserver.latency.k8s.io/serialize-response-object': goDuration(serialize),
    'apiserver.latency.k8s.io/total': goDuration(totalNs),
    'apiserver.latency.k8s.io/transform-response-object': goDuration(1190 + (totalUs % 733)),
  };
}

export interface StatusFields {
  status: 'Success' | 'Failure';
  message?: string;
  reason?: string;
  details?: { name?: string; group?: string; kind?: string; uid?: string; causes?: { reason: string; message: string; field: string }[] };
  code: number;
}

/** metav1.Status fields in struct order: metadata, status, message, reason, details, code. */
export function statusBody(s: StatusFields, withCode: boolean): string {
  let out = `"metadata":{},"status":"${s.status}"`;
  if (s.message) out += `,"message":${goJSONString(s.message)}`;
  if (s.reason) out += `,"reason":"${s.reason}"`;
  if (s.details) {
    const d = s.details;
    const parts: string[] = [];
    if (d.name) parts.push(`"name":${goJSONString(d.name)}`);
    if (d.group) parts.push(`"group":${goJSONString(d.group)}`);
    if (d.kind) parts.push(`"kind":${goJSONString(d.kind)}`);
    if (d.uid) parts.push(`"uid":"${d.uid}"`);
    if (d.causes) parts.push(`"causes":[${d.causes.map((c) => `{"reason":"${c.reason}","message":${goJSONString(c.message)},"field":${goJSONString(c.field)}}`).join(',')}]`);
    out += `,"details":{${parts.join(',')}}`;
  }
  if (withCode) out += `,"code":${s.code}`;
  return out;
}

/** The responseStatus an event carries for a Status response (LogResponseObject copies these fields). */
export function statusJSON(s: StatusFields): string {
  return `{${statusBody(s, true)}}`;
}

/** The Status object itself as a responseObject. */
export function statusObject(s: StatusFields): string {
  return `{"kind":"Status","apiVersion":"v1",${statusBody(s, s.status === 'Failure')}}`;
}

/** `pods`, `deployments.apps`: how kube-apiserver names a resource in error messages. */
export function qualifiedResource(attrs: RequestAttributes): string {
  return attrs.apiGroup === '' ? attrs.resource : `${attrs.resource}.${attrs.apiGroup}`;
}

/** RBAC's Forbidden message for a resource request, as the authorization filter words it. */
export function forbiddenStatus(attrs: RequestAttributes, user: string): StatusFields {
  if (!attrs.resourceRequest) {
    return { status: 'Failure', message: `forbidden: User "${user}" cannot ${attrs.verb} path "${attrs.path}"`, reason: 'Forbidden', code: 403 };
  }
  const resource = attrs.subresource === '' ? attrs.resource : `${attrs.resource}/${attrs.subresource}`;
  const subject = attrs.name === '' ? qualifiedResource(attrs) : `${qualifiedResource(attrs)} "${attrs.name}"`;
  const scope = attrs.namespace === '' ? 'at the cluster scope' : `in the namespace "${attrs.namespace}"`;
  const details: StatusFields['details'] = { kind: attrs.resource };
  if (attrs.name !== '') details.name = attrs.name;
  if (attrs.apiGroup !== '') details.group = attrs.apiGroup;
  return {
    status: 'Failure',
    message: `${subject} is forbidden: User "${user}" cannot ${attrs.verb} resource "${resource}" in API group "${attrs.apiGroup}" ${scope}`,
    reason: 'Forbidden',
    details: orderDetails(details),
    code: 403,
  };
}

export function notFoundStatus(attrs: RequestAttributes): StatusFields {
  return {
    status: 'Failure',
    message: `${qualifiedResource(attrs)} "${attrs.name}" not found`,
    reason: 'NotFound',
    details: orderDetails({ name: attrs.name, group: attrs.apiGroup || undefined, kind: attrs.resource }),
    code: 404,
  };
}

export function alreadyExistsStatus(attrs: RequestAttributes, name: string): StatusFields {
  return {
    status: 'Failure',
    message: `${qualifiedResource(attrs)} "${name}" already exists`,
    reason: 'AlreadyExists',
    details: orderDetails({ name, group: attrs.apiGroup || undefined, kind: attrs.resource }),
    code: 409,
  };
}

export function conflictStatus(attrs: RequestAttributes): StatusFields {
  return {
    status: 'Failure',
    message: `Operation cannot be fulfilled on ${qualifiedResource(attrs)} "${attrs.name}": the object has been modified; please apply your changes to the latest version and try again`,
    reason: 'Conflict',
    details: orderDetails({ name: attrs.name, group: attrs.apiGroup || undefined, kind: attrs.resource }),
    code: 409,
  };
}

function orderDetails(d: NonNullable<StatusFields['details']>): NonNullable<StatusFields['details']> {
  return { name: d.name, group: d.group, kind: d.kind, uid: d.uid, causes: d.causes };
}

/** Attributes of a resource request, as kube-apiserver's request info parser derives them. */
export function resourceAttrs(
  user: string | null,
  groups: readonly string[],
  verb: string,
  group: string,
  version: string,
  resource: string,
  namespace: string,
  name: string,
  subresource: string,
  path: string,
): RequestAttributes {
  return { user, groups: user === null ? [] : groups, verb, resourceRequest: true, apiGroup: group, apiVersion: version, resource, subresource, namespace, name, path };
}

export function nonResourceAttrs(user: string | null, groups: readonly string[], verb: string, path: string): RequestAttributes {
  return { user, groups: user === null ? [] : groups, verb, resourceRequest: false, apiGroup: '', apiVersion: '', resource: '', subresource: '', namespace: '', name: '', path };
}
