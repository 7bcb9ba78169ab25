/**
 * What every activity needs: the context (cluster, schedule), a builder that turns a
 * request description into a Plan the way kube-apiserver would account for it, and the
 * pods that exist at a given moment (which incarnation of each app pod is running).
 */
import type { Cluster, NodeInfo } from './cluster.js';
import type { Identity } from './identities.js';
import type { PodInstance } from './objects-pod.js';
import { forbiddenStatus, latencyAnnotations, nonResourceAttrs, resourceAttrs, statusObject, type BodyFn, type Plan, type StatusFields } from './plan.js';
import { hash32, Rng, Stream, type SeedWords } from './random.js';
import { LANE_INDEX, laneCountBefore, slotOfOrdinal, slotTime, type Schedule } from './schedule.js';
import { hexString, nameSuffixFromHash, uuidFromHash } from './text.js';
import { collectionPath, type ResourceType } from './watchers.js';
import { podIP, podName, podNodeIndex, podUid, type PodSlot } from './workloads.js';

export interface Ctx {
  readonly cluster: Cluster;
  readonly schedule: Schedule;
  readonly seed: SeedWords;
}

/** An activity: the requests one slot makes (in the order they are sent). */
export type Activity = (ctx: Ctx, slot: number, ordinal: number, t: number, rng: Rng) => Plan[];

export interface RequestSpec {
  identity: Identity;
  verb: string;
  /** A resource request: type, namespace, name, subresource. */
  type?: ResourceType;
  namespace?: string;
  name?: string;
  /** The name as the request attributes see it when the URL has none (list/watch narrowed by fieldSelector). */
  attrName?: string;
  subresource?: string;
  /** A non-resource request's path. */
  path?: string;
  /** The query string, without '?', already escaped. */
  query?: string;
  at: number;
  latencyUs: number;
  code?: number;
  /** The response was a Status (errors, deletes answered with Success). */
  status?: StatusFields;
  /** authorization.k8s.io/reason; default the identity's. */
  reason?: string;
  forbid?: boolean;
  annotations?: Record<string, string>;
  /** `,"impersonatedUser":{...}` */
  impersonated?: string;
  /** The user named in a Forbidden message (the impersonated one when impersonating). */
  effectiveUser?: string;
  refName?: string;
  refUid?: string;
  refResourceVersion?: string;
  /** Long-running: ResponseStarted this long after arrival, ResponseComplete after latencyUs. */
  startedAfterUs?: number;
  authFailed?: boolean;
  /** A responseStatus that is not a Status object's copy (failed authentication: message and code only). */
  rawStatusJSON?: string;
  requestBody?: BodyFn | null;
  responseBody?: BodyFn | null;
}

const SLOW_US = 500_000;

/** The audit ID kube-apiserver minted for a slot's sub-request: a UUID v4 from (seed, slot, sub), so it needs no draw from the slot's generator. */
export function auditIDFor(seed: SeedWords, slot: number, sub: number): string {
  const lo = slot >>> 0;
  const hi = Math.floor(slot / 4294967296);
  return uuidFromHash(
    hash32(seed.lo ^ 0x41d17, lo, sub, seed.hi),
    hash32(seed.hi ^ 0x3c6ef372, lo ^ 0x9e37, hi, sub),
    hash32(lo, seed.lo ^ 0x7f4a7c15, sub ^ 0x55, hi),
    hash32(sub ^ 0x1b873593, hi, seed.hi, lo ^ 0xcc9e2d51),
  );
}

export function makePlan(slot: number, sub: number, rng: Rng, spec: RequestSpec): Plan {
  const id = spec.identity;
  let path: string;
  let attrs;
  if (spec.type) {
    const type = spec.type;
    const ns = type.namespaced ? (spec.namespace ?? '') : '';
    path = collectionPath(type, ns);
    // kube-apiserver's request info reads /api/v1/namespaces/NAME as namespace NAME too.
    const attrNamespace = type.resource === 'namespaces' && type.group === '' && spec.name ? spec.name : ns;
    if (spec.name) path += `/${spec.name}`;
    if (spec.subresource) path += `/${spec.subresource}`;
    attrs = resourceAttrs(id.user, id.groups, spec.verb, type.group, type.version, type.resource, attrNamespace, spec.name ?? spec.attrName ?? '', spec.subresource ?? '', path);
  } else {
    path = spec.path ?? '/';
    attrs = nonResourceAttrs(id.user, id.groups, spec.verb, path);
  }
  const uri = spec.query ? `${path}?${spec.query}` : path;
  let code = spec.code ?? (spec.verb === 'create' ? 201 : 200);
  let status = spec.status;
  if (spec.forbid) status = forbiddenStatus(attrs, spec.effectiveUser ?? id.user ?? '');
  if (status) code = status.code;
  const longRunning = spec.startedAfterUs !== undefined;
  let extra = spec.annotations ?? null;
  if (!longRunning && !spec.authFailed && spec.latencyUs > SLOW_US) extra = { ...extra, ...latencyAnnotations(spec.latencyUs, 0.6 + rng.float() * 0.35) };
  const failed = status !== undefined && status.status === 'Failure';
  return {
    slot,
    sub,
    identity: id,
    impersonated: spec.impersonated ?? '',
    verb: spec.verb,
    uri,
    attrs,
    refName: spec.refName ?? '',
    refUid: spec.refUid ?? '',
    refResourceVersion: spec.refResourceVersion ?? '',
    code,
    status: status ?? null,
    rawStatus: spec.rawStatusJSON ?? '',
    reason: spec.forbid || spec.authFailed ? null : (spec.reason ?? id.allowReason),
    forbid: spec.forbid ?? false,
    extraAnnotations: extra,
    receivedUs: spec.at,
    startedUs: longRunning ? spec.at + spec.startedAfterUs! : -1,
    completeUs: spec.at + Math.max(1, Math.round(spec.latencyUs)),
    authFailed: spec.authFailed ?? false,
    // A request refused by authorization never reaches decoding: no request object.
    requestBody: spec.forbid ? null : (spec.requestBody ?? null),
    responseBody: status !== undefined && (failed || spec.responseBody === undefined) ? () => statusObject(status) : (spec.responseBody ?? null),
    rendered: null,
  };
}

/** Typical server-side latencies, in microseconds. */
export const latency = {
  get: (rng: Rng) => rng.logNormal(1_200, 2.2, 150, rng.chance(0.002) ? 1_900_000 : 60_000),
  list: (rng: Rng) => rng.logNormal(9_000, 2.5, 800, rng.chance(0.01) ? 1_900_000 : 400_000),
  write: (rng: Rng) => rng.logNormal(7_000, 1.9, 1_500, rng.chance(0.004) ? 1_900_000 : 120_000),
  review: (rng: Rng) => rng.logNormal(900, 1.8, 200, 40_000),
  health: (rng: Rng) => rng.logNormal(600, 1.8, 80, 30_000),
};

// ---- pods over time ----

/** Pod instances by (slot, incarnation), per schedule: creation times depend on the slot rate. */
const podCaches = new WeakMap<Schedule, Map<number, PodInstance>>();

/** The incarnation of a pod slot running at slot i: how many churn visits it had before. */
export function incarnationAt(ctx: Ctx, pod: PodSlot, slot: number): number {
  if (pod.churnIndex < 0) return 0;
  const total = ctx.cluster.churningPods.length;
  const visits = laneCountBefore(ctx.schedule, LANE_INDEX.churn, slot);
  return visits > pod.churnIndex ? Math.floor((visits - 1 - pod.churnIndex) / total) + 1 : 0;
}

/** When an incarnation was created: its churn visit (plus the create's offset), or days before the log for incarnation 0. */
export function incarnationCreatedUs(ctx: Ctx, pod: PodSlot, incarnation: number): number {
  if (incarnation === 0) {
    const h = hash32(ctx.seed.lo, pod.workload.index, pod.replica, 0x0c0ffee);
    return ctx.cluster.startUs - 3_600_000_000 - (h % (30 * 24)) * 3_600_000_000;
  }
  const ordinal = (incarnation - 1) * ctx.cluster.churningPods.length + pod.churnIndex;
  return slotTime(ctx.schedule, slotOfOrdinal(ctx.schedule, LANE_INDEX.churn, ordinal)) + CREATE_OFFSET_US;
}

/** The churn activity creates the replacement this long after deleting the old pod. */
export const CREATE_OFFSET_US = 12_000;

export function podInstance(ctx: Ctx, pod: PodSlot, incarnation: number): PodInstance {
  const key = (pod.workload.index * 4096 + pod.replica) * 1_000_003 + incarnation;
  let podCache = podCaches.get(ctx.schedule);
  if (podCache === undefined) podCaches.set(ctx.schedule, (podCache = new Map()));
  let p = podCache.get(key);
  if (p !== undefined) return p;
  const workers = ctx.cluster.workers;
  const nodeIndex = pod.churnIndex < 0 ? pod.workload.index % workers.length : podNodeIndex(ctx.seed, pod, incarnation, workers.length);
  const node = workers[nodeIndex];
  const rng = new Rng(ctx.seed, Stream.pod, key);
  p = {
    workload: pod.workload,
    name: podName(ctx.seed, pod, incarnation),
    uid: podUid(ctx.seed, pod, incarnation),
    node: node.name,
    hostIP: node.ip,
    podIP: podIP(ctx.seed, pod, incarnation, node.index),
    createdUs: incarnationCreatedUs(ctx, pod, incarnation),
    accessSuffix: nameSuffixFromHash(rng.u32()),
    restarts: rng.chance(0.85) ? 0 : rng.range(1, 4),
    containerIDs: [...pod.workload.containers, null].map(() => hexString(rng, 64)),
  };
  if (podCache.size > 20_000) podCache.clear();
  podCache.set(key, p);
  return p;
}

export function currentPod(ctx: Ctx, pod: PodSlot, slot: number): PodInstance {
  return podInstance(ctx, pod, incarnationAt(ctx, pod, slot));
}

const nodesByName = new WeakMap<Cluster, Map<string, NodeInfo>>();

/** The node a pod instance runs on. */
export function nodeOfPod(ctx: Ctx, pod: PodInstance): NodeInfo {
  let map = nodesByName.get(ctx.cluster);
  if (map === undefined) {
    map = new Map(ctx.cluster.nodes.map((n) => [n.name, n]));
    nodesByName.set(ctx.cluster, map);
  }
  return map.get(pod.node) ?? ctx.cluster.workers[0];
}

/** All current pods of a workload. */
export function workloadPods(ctx: Ctx, workloadIndex: number, slot: number): PodInstance[] {
  const w = ctx.cluster.workloads[workloadIndex];
  const slots = (w.churns ? ctx.cluster.churningPods : ctx.cluster.stablePods).filter((p) => p.workload === w);
  return slots.map((p) => currentPod(ctx, p, slot));
}

/** The resourceVersion the store is at for a slot's sub-request (etcd's revision only grows). */
export function rvAt(ctx: Ctx, slot: number, sub = 0): number {
  return ctx.cluster.rv0 + slot * 3 + sub;
}

/** client-go's watch query, keys sorted as url.Values.Encode sorts them. */
export function watchQuery(selectors: string, rv: number, timeoutSeconds: number, clientTimeout: boolean): string {
  const sel = selectors === '' ? '' : `&${selectors}`;
  const timeout = clientTimeout ? `&timeout=${Math.floor(timeoutSeconds / 60)}m${timeoutSeconds % 60}s` : '';
  return `allowWatchBookmarks=true${sel}&resourceVersion=${rv}${timeout}&timeoutSeconds=${timeoutSeconds}&watch=true`;
}
