/**
 * Synthetic kube-apiserver audit logs: realistic traffic of a production cluster,
 * produced through the audit policy engine, deterministic per seed.
 *
 * Every request is built as kube-apiserver would see it (the request attributes the
 * policy evaluates: authenticated user and groups, verb, API group/version/resource/
 * subresource, namespace, name, path), evaluated with the policy, and written as the
 * events kube-apiserver would write: nothing at level None; RequestReceived,
 * ResponseStarted (long-running requests: watch, exec, attach, port-forward, logs;
 * failed authentication writes only this one) and ResponseComplete unless omitted;
 * bodies only at Request (requestObject) and RequestResponse (also responseObject);
 * managedFields dropped when the policy says omitManagedFields.
 *
 * The log is ordered as kube-apiserver's log backend writes it: by stage time (when
 * each event is handed to the backend), so a watch's ResponseComplete appears minutes
 * after its ResponseStarted and a RequestReceived precedes its ResponseComplete.
 * stageTimestamp never decreases down the file; requestReceivedTimestamp does not
 * follow file order for events of long requests.
 *
 * Traffic mix at the default --rate 200 (about 260 requests/s on a 100-node cluster;
 * "events" is the share of lines under the recommended preset, which drops leases,
 * Events, node GETs and health checks and omits RequestReceived). Lane rates: lanes.ts.
 *
 * | actor | requests | share of requests | share of events |
 * | --- | --- | --- | --- |
 * | kube-controller-manager (`system:kube-controller-manager`; controllers as `system:serviceaccount:kube-system:*-controller`) | leader-election Lease every 2 s; EndpointSlice, ReplicaSet and Deployment status updates (3% conflicts); pod creates and deletes by the ReplicaSet controller; discovery GETs; HPA metrics and scale reads; Events | 31% | 34% |
 * | operators and service accounts (Argo CD, Prometheus, cert-manager, ingress-nginx, metrics-server, cluster-autoscaler, a CI deployer) | relists and reads, server-side and client-side apply, status updates, TokenReviews and SubjectAccessReviews, leader election, evictions | 31% | 39% |
 * | kubelets (`system:node:NAME`, group system:nodes) | Lease renewal in kube-node-lease every 10 s per node; Node GET every 10 s; nodes/status patches; pods/status patches; Secret and ConfigMap reads; serviceaccounts/token creates; Events | 29% | 20% |
 * | kube-apiserver (`system:apiserver` from ::1) | reads of the default/kubernetes Service, Endpoints, EndpointSlice and Namespace; its identity Lease | 5% | 5% |
 * | kube-scheduler (`system:kube-scheduler`) | pods/binding creates, leader-election Lease, events.k8s.io Events | 3% | 0.3% |
 * | watches (informers of kube-controller-manager, the scheduler, kubelets, kube-proxy, coredns, operators) | a watch opens (RequestReceived, ResponseStarted) and times out after its timeoutSeconds, 5–10 min (ResponseComplete); each watcher reopens every ~7.5 min | 0.9% | 1.9% |
 * | health checks (`system:anonymous`: kube-probe, the load balancer) | GET /readyz, /livez, /healthz | 0.7% | 0% |
 * | people with kubectl (admins in system:masters, SREs, developers bound per namespace, auditors) | get/describe, logs, exec (create before kubectl 1.30, get after), port-forward, scale (deployments/scale patch), rollout restart and set image, pod deletes, secret reads, RoleBinding/ClusterRoleBinding creates and deletes, impersonation (`--as`), 403 forbid, 404 for pods that are gone, 409, 422, SelfSubjectAccessReviews | 0.13% (0.035 requests/s per person) | 0.2% |
 * | the outside (anonymous scanners; a client with an expired token) | 403 for system:anonymous except public paths; 401 failed authentication (ResponseStarted only, user `{}`) | 0.02% | 0.02% |
 *
 * Annotations: authorization.k8s.io/decision and /reason (RBAC reasons as the RBAC
 * authorizer words them; "" for the Node authorizer, system:masters and refusals),
 * pod-security.kubernetes.io/enforce-policy (and audit-violations) on pod creates,
 * authentication.kubernetes.io/issued-credential-id on token requests,
 * apiserver.latency.k8s.io/* on requests slower than 500 ms.
 *
 * Determinism and parallelism: a slot's requests are a pure function of (seed, slot), so
 * any window of the log can be produced alone (log.ts) and parallel output equals serial
 * output byte for byte (parallel.ts). Sizes: Metadata and Request events are 0.6–1.7 KB
 * (about 1.1 KB on average: service accounts' bound tokens add credential-id, node and pod
 * to the user's extra); pods are 5–12 KB (Istio-injected ones carry a sidecar), so a
 * quarter of RequestResponse events exceed 10 KB even without managedFields.
 */
import type { RequestAttributes } from '../audit/request.js';
import type { Policy } from '../audit/types.js';
import { LogGenerator, planLog, requestAttributes, workersForRate, ASSUMED_LINES_PER_SLOT, type LogConfig } from './log.js';
import { buildCluster } from './cluster.js';
import { laneCounts } from './schedule.js';
import { laneRates } from './lanes.js';

export { LogGenerator, planLog, NothingToLogError } from './log.js';
export type { LogConfig } from './log.js';
export { streamLog } from './parallel.js';
export type { StreamLogOptions, StreamLogResult } from './parallel.js';

/** The default start of a generated log: fixed, so output depends only on the arguments. */
export const DEFAULT_START = '2026-11-23T10:00:00Z';
/** Default events per second. */
export const DEFAULT_RATE = 200;

export interface GenerateOptions {
  seed: number;
  /** Events per second on average (default 200). */
  rate?: number;
  /** Microseconds since the epoch (default DEFAULT_START). */
  startUs?: number;
}

const NO_POLICY: Policy = { apiVersion: 'audit.k8s.io/v1', kind: 'Policy', metadata: {}, rules: [], omitStages: [], omitManagedFields: false };

function requestConfig(options: GenerateOptions): LogConfig {
  const rate = options.rate ?? DEFAULT_RATE;
  const startUs = options.startUs ?? Date.parse(DEFAULT_START) * 1000;
  const workers = workersForRate(rate);
  const cluster = buildCluster({ seed: options.seed, workers, startUs });
  const slotsPerSecond = rate / ASSUMED_LINES_PER_SLOT;
  return { seed: options.seed, startUs, workers, counts: Array.from(laneCounts(laneRates(cluster, slotsPerSecond))), slotsPerSecond, policy: NO_POLICY, linesPerSlot: 1 };
}

/**
 * The request stream before any policy: the attributes of the first `count` requests
 * kube-apiserver would evaluate its policy with (the authenticated user, never the
 * impersonated one; `user: null` for failed authentication), in the order they are sent.
 * For benchmarks of policy evaluation on realistic requests.
 */
export function generateRequests(options: GenerateOptions & { count: number }): RequestAttributes[] {
  return requestAttributes(new LogGenerator(requestConfig(options)), options.count);
}

/**
 * The first `events` lines of the audit log under `policy`, in this thread (for tests
 * and small logs; streamLog writes large ones with worker threads).
 */
export function generateAuditLog(options: GenerateOptions & { events: number; policy: Policy }): string {
  const config = planLog({ seed: options.seed, startUs: options.startUs ?? Date.parse(DEFAULT_START) * 1000, rate: options.rate ?? DEFAULT_RATE, policy: options.policy });
  const gen = new LogGenerator(config);
  let out = '';
  let lines = 0;
  let slot = 0;
  const step = Math.max(64, Math.ceil(4096 / config.linesPerSlot));
  while (lines < options.events) {
    const w = gen.window(slot, slot + step);
    slot += step;
    if (lines + w.lines <= options.events) {
      out += w.text;
      lines += w.lines;
    } else {
      let at = 0;
      for (let k = lines; k < options.events; k++) at = w.text.indexOf('\n', at) + 1;
      out += w.text.slice(0, at);
      lines = options.events;
    }
  }
  return out;
}
