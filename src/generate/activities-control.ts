/**
 * Control-plane and in-cluster component traffic: leader election, the controllers of
 * kube-controller-manager (each under its own service account), the scheduler's events,
 * kube-apiserver talking to itself, and operators (Argo CD, cert-manager, ingress-nginx,
 * Prometheus, metrics-server, the cluster autoscaler, a CI deployer).
 */
import { currentPod, latency, makePlan, rvAt, workloadPods, type Ctx } from './activity.js';
import type { Identity } from './identities.js';
import { withClient } from './identities.js';
import { leaseObject, type LeaseState } from './objects-node.js';
import { podList } from './objects-pod.js';
import {
  autoscalerStatus, certificateObject, deploymentObject, endpointSliceObject, eventName, eventObject, replicaSetObject, scaleObject,
  subjectAccessReview, tokenReview,
} from './objects.js';
import { conflictStatus, resourceAttrs, type Plan } from './plan.js';
import { hash32, Rng, Stream } from './random.js';
import { LANE_INDEX, slotOfOrdinal } from './schedule.js';
import { goJSONString, queryEscape, secondTime, uuid4 } from './text.js';
import { DISCOVERY_PATHS } from './names.js';
import { TYPES } from './watchers.js';
import type { Workload } from './workloads.js';

interface LeaderLease {
  lease: LeaseState;
  identity: Identity;
  query: string;
}

const leaderCache = new WeakMap<object, LeaderLease[]>();

function leaderLeases(ctx: Ctx): LeaderLease[] {
  let leases = leaderCache.get(ctx.cluster);
  if (leases) return leases;
  const c = ctx.cluster;
  const rng = new Rng(ctx.seed, Stream.object, 77);
  const cp = c.controlPlane[1];
  const b = c.build;
  const mk = (name: string, namespace: string, identity: Identity, manager: string, duration: number, query: string, holder = `${cp.name}_${uuid4(rng)}`): LeaderLease => ({
    lease: { name, namespace, uid: uuid4(rng), holder, durationSeconds: duration, createdUs: c.startUs - 200 * 86_400_000_000, acquireUs: c.startUs - 3 * 86_400_000_000 - rng.range(0, 3_600_000_000), manager, ownerNode: null },
    identity,
    query,
  });
  const kcm = mk('kube-controller-manager', 'kube-system', c.kcm, 'kube-controller-manager', 15, 'timeout=5s');
  const sched = mk('kube-scheduler', 'kube-system', withClient(c.scheduler, c.scheduler.sourceIP, `kube-scheduler/${b.version} (linux/amd64) kubernetes/${b.commit}/leader-election`), 'kube-scheduler', 15, 'timeout=5s');
  const apiserver = mk(c.apiserverLease, 'kube-system', c.apiserver, 'kube-apiserver', 3600, 'timeout=10s', `${c.apiserverLease}_${uuid4(rng)}`);
  const cm = mk('cert-manager-controller', 'kube-system', c.operators.certManager, 'cert-manager-controller', 60, 'timeout=10s');
  const ingress = mk('ingress-nginx-leader', 'ingress-nginx', c.operators.ingressNginx, 'nginx-ingress-controller', 30, '');
  const ca = mk('cluster-autoscaler', 'kube-system', c.operators.clusterAutoscaler, 'cluster-autoscaler', 15, 'timeout=10s');
  leases = [kcm, sched, kcm, sched, cm, kcm, sched, apiserver, kcm, sched, cm, ingress, kcm, sched, ca, cm];
  leaderCache.set(ctx.cluster, leases);
  return leases;
}

/** Leader election: the active kube-controller-manager and kube-scheduler renew every 2 s, operators less often. */
export function leaderActivity(ctx: Ctx, slot: number, ordinal: number, t: number, rng: Rng): Plan[] {
  const pattern = leaderLeases(ctx);
  const l = pattern[ordinal % pattern.length];
  const prevOrdinal = ordinal - pattern.length;
  const prev = prevOrdinal >= 0 ? rvAt(ctx, slotOfOrdinal(ctx.schedule, LANE_INDEX.leader, prevOrdinal), 1) : ctx.cluster.rv0 - 7 - (ordinal % pattern.length);
  const rv = rvAt(ctx, slot, 1);
  return [makePlan(slot, 0, rng, {
    identity: l.identity, verb: 'update', type: TYPES.leases, namespace: l.lease.namespace, name: l.lease.name, query: l.query || undefined, at: t, latencyUs: latency.write(rng),
    refUid: l.lease.uid, refResourceVersion: String(prev),
    requestBody: (omf) => leaseObject(l.lease, prev, t, omf),
    responseBody: (omf) => leaseObject(l.lease, rv, t, omf),
  })];
}

function randomAppWorkload(ctx: Ctx, rng: Rng): Workload {
  const pod = rng.pick(ctx.cluster.churningPods);
  return pod.workload;
}

const controller = (ctx: Ctx, name: string) => ctx.cluster.controllers.get(name)!;

export function endpointSliceUpdate(ctx: Ctx, slot: number, _o: number, t: number, rng: Rng): Plan[] {
  const w = randomAppWorkload(ctx, rng);
  const pods = workloadPods(ctx, w.index, slot);
  const prev = rvAt(ctx, slot) - rng.range(100, 200_000);
  const rv = rvAt(ctx, slot, 1);
  return [makePlan(slot, 0, rng, {
    identity: controller(ctx, 'endpointslice-controller'), verb: 'update', type: TYPES.endpointslices, namespace: w.namespace.name, name: w.sliceName, at: t, latencyUs: latency.write(rng),
    refUid: w.sliceUid, refResourceVersion: String(prev),
    requestBody: (omf) => endpointSliceObject(w, pods, prev, t, omf),
    responseBody: (omf) => endpointSliceObject(w, pods, rv, t, omf),
  })];
}

export function workloadStatusUpdate(ctx: Ctx, slot: number, _o: number, t: number, rng: Rng): Plan[] {
  const w = randomAppWorkload(ctx, rng);
  const prev = rvAt(ctx, slot) - rng.range(100, 200_000);
  const rv = rvAt(ctx, slot, 1);
  const rs = rng.chance(0.6);
  const conflict = rng.chance(0.03);
  const type = rs ? TYPES.replicasets : TYPES.deployments;
  const name = rs ? w.rsName : w.name;
  const body = (v: number, omf: boolean) => (rs ? replicaSetObject(w, v, w.replicas, t, omf) : deploymentObject(w, v, w.replicas, t, omf));
  return [makePlan(slot, 0, rng, {
    identity: controller(ctx, rs ? 'replicaset-controller' : 'deployment-controller'), verb: 'update', type, namespace: w.namespace.name, name, subresource: 'status', at: t, latencyUs: latency.write(rng),
    refUid: rs ? w.rsUid : w.uid, refResourceVersion: String(prev),
    status: conflict ? conflictStatus(resourceAttrs(null, [], 'update', 'apps', 'v1', type.resource, w.namespace.name, name, 'status', '')) : undefined,
    requestBody: (omf) => body(prev, omf),
    responseBody: (omf) => body(rv, omf),
  })];
}

const DISCOVERY_REASON = 'RBAC: allowed by ClusterRoleBinding "system:discovery" of ClusterRole "system:discovery" to Group "system:authenticated"';

/** Discovery: controllers and operators walk /api and /apis/GROUP/VERSION (non-resource GETs). */
export function discovery(ctx: Ctx, slot: number, _o: number, t: number, rng: Rng): Plan[] {
  const who = rng.pick(['resourcequota-controller', 'generic-garbage-collector', 'namespace-controller', 'horizontal-pod-autoscaler']);
  const path = rng.pick(DISCOVERY_PATHS);
  return [makePlan(slot, 0, rng, { identity: controller(ctx, who), verb: 'get', path, query: 'timeout=32s', at: t, latencyUs: latency.get(rng), reason: DISCOVERY_REASON })];
}

/** The horizontal pod autoscaler reads pod metrics and the target's scale. */
export function hpaActivity(ctx: Ctx, slot: number, _o: number, t: number, rng: Rng): Plan[] {
  const w = randomAppWorkload(ctx, rng);
  const hpa = controller(ctx, 'horizontal-pod-autoscaler');
  const ns = w.namespace.name;
  const metrics = makePlan(slot, 0, rng, {
    identity: hpa, verb: 'list', type: { group: 'metrics.k8s.io', version: 'v1beta1', resource: 'pods', namespaced: true }, namespace: ns,
    query: `labelSelector=${queryEscape(`app.kubernetes.io/name=${w.name}`)}`, at: t, latencyUs: latency.list(rng) * 2,
    // Body values come from their own generator: a body may be rendered in any window, in any order.
    responseBody: () => { const m = new Rng(ctx.seed, Stream.object, slot * 8 + 3); return `{"kind":"PodMetricsList","apiVersion":"metrics.k8s.io/v1beta1","metadata":{},"items":[${workloadPods(ctx, w.index, slot).map((p) => `{"metadata":{"name":"${p.name}","namespace":"${ns}","creationTimestamp":"${secondTime(t)}","labels":{"app.kubernetes.io/name":"${w.name}","pod-template-hash":"${w.rsHash}"}},"timestamp":"${secondTime(t - 9_000_000)}","window":"15.032s","containers":[{"name":"app","usage":{"cpu":"${m.range(2_000_000, 400_000_000)}n","memory":"${m.range(40_000, 900_000)}Ki"}}]}`).join(',')}]}`; },
  });
  const scale = makePlan(slot, 1, rng, {
    identity: hpa, verb: 'get', type: TYPES.deployments, namespace: ns, name: w.name, subresource: 'scale', at: metrics.completeUs + rng.range(200, 3_000), latencyUs: latency.get(rng),
    responseBody: () => scaleObject(w, rvAt(ctx, slot) - 5000, w.replicas),
  });
  return [metrics, scale];
}

export function controllerEvent(ctx: Ctx, slot: number, _o: number, t: number, rng: Rng): Plan[] {
  const w = randomAppWorkload(ctx, rng);
  const ns = w.namespace.name;
  const scheduled = rng.chance(0.35);
  if (scheduled) {
    const pod = currentPod(ctx, rng.pick(ctx.cluster.churningPods), slot);
    const name = eventName(pod.name, rng);
    const body = (created: boolean) => `{"kind":"Event","apiVersion":"events.k8s.io/v1","metadata":{"name":"${name}","namespace":"${pod.workload.namespace.name}",${created ? `"uid":"${uuid4(new Rng(ctx.seed, Stream.object, slot))}","resourceVersion":"${rvAt(ctx, slot, 1)}","creationTimestamp":"${secondTime(t)}"` : '"creationTimestamp":null'}},"eventTime":"${secondTime(t).replace('Z', '.000000Z')}","reportingController":"default-scheduler","reportingInstance":"default-scheduler-${ctx.cluster.controlPlane[1].name}","action":"Binding","reason":"Scheduled","regarding":{"kind":"Pod","namespace":"${pod.workload.namespace.name}","name":"${pod.name}","uid":"${pod.uid}","apiVersion":"v1","resourceVersion":"${rvAt(ctx, slot) - 40}"},"note":${goJSONString(`Successfully assigned ${pod.workload.namespace.name}/${pod.name} to ${pod.node}`)},"type":"Normal","deprecatedFirstTimestamp":null,"deprecatedLastTimestamp":null}`;
    return [makePlan(slot, 0, rng, {
      identity: ctx.cluster.scheduler, verb: 'create', type: { group: 'events.k8s.io', version: 'v1', resource: 'events', namespaced: true }, namespace: pod.workload.namespace.name, at: t, latencyUs: latency.write(rng), refName: name,
      requestBody: () => body(false), responseBody: () => body(true),
    })];
  }
  const rsEvent = rng.chance(0.6);
  const involvedName = rsEvent ? w.rsName : w.name;
  const pod = currentPod(ctx, rng.pick(ctx.cluster.churningPods), slot);
  const fields = rsEvent
    ? { namespace: ns, involvedKind: 'ReplicaSet', involvedName, involvedUid: w.rsUid, reason: 'SuccessfulCreate', type: 'Normal', message: `Created pod: ${pod.name}`, component: 'replicaset-controller', host: '' }
    : { namespace: ns, involvedKind: 'Deployment', involvedName, involvedUid: w.uid, reason: 'ScalingReplicaSet', type: 'Normal', message: `Scaled up replica set ${w.rsName} from ${w.replicas - 1} to ${w.replicas}`, component: 'deployment-controller', host: '' };
  const name = eventName(involvedName, rng);
  const uid = uuid4(rng);
  return [makePlan(slot, 0, rng, {
    identity: controller(ctx, rsEvent ? 'replicaset-controller' : 'deployment-controller'), verb: 'create', type: TYPES.events, namespace: ns, at: t, latencyUs: latency.write(rng), refName: name,
    requestBody: () => eventObject(fields, name, t, null),
    responseBody: () => eventObject(fields, name, t, { uid, rv: rvAt(ctx, slot, 1) }),
  })];
}

/** kube-apiserver reconciles the default/kubernetes service and its endpoints, talking to itself over ::1. */
export function apiserverSelf(ctx: Ctx, slot: number, _o: number, t: number, rng: Rng): Plan[] {
  const c = ctx.cluster;
  const kind = rng.int(4);
  const rv = rvAt(ctx, slot) - rng.range(1000, 900_000);
  const at = secondTime(c.startUs - 400 * 86_400_000_000);
  const ip = c.apiserverIP;
  const specs = [
    { type: TYPES.namespaces, name: 'default', body: `{"kind":"Namespace","apiVersion":"v1","metadata":{"name":"default","uid":"${c.namespaces[3].uid}","resourceVersion":"${rv}","creationTimestamp":"${at}","labels":{"kubernetes.io/metadata.name":"default"}},"spec":{"finalizers":["kubernetes"]},"status":{"phase":"Active"}}` },
    { type: TYPES.services, name: 'kubernetes', body: `{"kind":"Service","apiVersion":"v1","metadata":{"name":"kubernetes","namespace":"default","resourceVersion":"${rv}","creationTimestamp":"${at}","labels":{"component":"apiserver","provider":"kubernetes"}},"spec":{"ports":[{"name":"https","protocol":"TCP","port":443,"targetPort":6443}],"clusterIP":"10.96.0.1","clusterIPs":["10.96.0.1"],"type":"ClusterIP","sessionAffinity":"None","ipFamilies":["IPv4"],"ipFamilyPolicy":"SingleStack","internalTrafficPolicy":"Cluster"},"status":{"loadBalancer":{}}}` },
    { type: TYPES.endpoints, name: 'kubernetes', body: `{"kind":"Endpoints","apiVersion":"v1","metadata":{"name":"kubernetes","namespace":"default","resourceVersion":"${rv}","creationTimestamp":"${at}","labels":{"endpointslice.kubernetes.io/skip-mirror":"true"}},"subsets":[{"addresses":[{"ip":"${ip}"}],"ports":[{"name":"https","port":6443,"protocol":"TCP"}]}]}` },
    { type: TYPES.endpointslices, name: 'kubernetes', body: `{"kind":"EndpointSlice","apiVersion":"discovery.k8s.io/v1","metadata":{"name":"kubernetes","namespace":"default","resourceVersion":"${rv}","generation":1,"creationTimestamp":"${at}","labels":{"kubernetes.io/service-name":"kubernetes"}},"addressType":"IPv4","endpoints":[{"addresses":["${ip}"],"conditions":{"ready":true}}],"ports":[{"name":"https","protocol":"TCP","port":6443}]}` },
  ];
  const s = specs[kind];
  return [makePlan(slot, 0, rng, { identity: c.apiserver, verb: 'get', type: s.type, namespace: 'default', name: s.name, at: t, latencyUs: latency.get(rng), responseBody: () => s.body })];
}

/** Aggregated API servers and webhooks delegate authentication and authorization: TokenReviews and SubjectAccessReviews. */
export function delegatedAuth(ctx: Ctx, slot: number, _o: number, t: number, rng: Rng): Plan[] {
  const ops = ctx.cluster.operators;
  const who = rng.pick([ops.metricsServer, ops.metricsServer, ops.prometheus, ops.ingressNginx]);
  const asker = rng.pick(ctx.cluster.humans);
  const bodyRng = () => new Rng(ctx.seed, Stream.object, slot * 8 + 1);
  const sub = makePlan(slot, 0, rng, {
    identity: who, verb: 'create', type: { group: 'authentication.k8s.io', version: 'v1', resource: 'tokenreviews', namespaced: false }, query: 'timeout=10s', at: t, latencyUs: latency.review(rng),
    requestBody: () => tokenReview(bodyRng(), asker.name, asker.identity.groups, false),
    responseBody: () => tokenReview(bodyRng(), asker.name, asker.identity.groups, true),
  });
  const ns = rng.pick(ctx.cluster.appNamespaces).name;
  const attrs = `"resourceAttributes":{"namespace":"${ns}","verb":"list","group":"metrics.k8s.io","version":"v1beta1","resource":"pods"}`;
  const sar = makePlan(slot, 1, rng, {
    identity: who, verb: 'create', type: { group: 'authorization.k8s.io', version: 'v1', resource: 'subjectaccessreviews', namespaced: false }, query: 'timeout=10s', at: sub.completeUs + rng.range(100, 900), latencyUs: latency.review(rng),
    requestBody: () => subjectAccessReview(asker.name, asker.identity.groups, attrs, false, '', false, false),
    responseBody: () => subjectAccessReview(asker.name, asker.identity.groups, attrs, true, asker.identity.allowReason, true, false),
  });
  return [sub, sar];
}

/** Informer relists and periodic reads by operators. */
export function operatorRead(ctx: Ctx, slot: number, _o: number, t: number, rng: Rng): Plan[] {
  const ops = ctx.cluster.operators;
  const w = randomAppWorkload(ctx, rng);
  const ns = w.namespace.name;
  const rv = rvAt(ctx, slot) - rng.range(10, 5000);
  switch (rng.int(5)) {
    case 0:
      return [makePlan(slot, 0, rng, {
        identity: ops.argocd, verb: 'list', type: TYPES.pods, namespace: ns, query: 'limit=500&resourceVersion=0', at: t, latencyUs: latency.list(rng),
        responseBody: (omf) => podList(workloadPods(ctx, w.index, slot).slice(0, 6), rv, t, omf),
      })];
    case 1:
      return [makePlan(slot, 0, rng, { identity: ops.argocd, verb: 'get', type: TYPES.deployments, namespace: ns, name: w.name, at: t, latencyUs: latency.get(rng), responseBody: (omf) => deploymentObject(w, rv, w.replicas, t, omf) })];
    case 2:
      return [makePlan(slot, 0, rng, {
        identity: ops.prometheus, verb: 'list', type: TYPES.endpoints, namespace: ns, query: 'limit=500&resourceVersion=0', at: t, latencyUs: latency.list(rng),
        responseBody: () => `{"kind":"EndpointsList","apiVersion":"v1","metadata":{"resourceVersion":"${rv}"},"items":[{"metadata":{"name":"${w.name}","namespace":"${ns}","resourceVersion":"${rv - 300}","creationTimestamp":"${secondTime(w.createdUs)}"},"subsets":[{"addresses":[${workloadPods(ctx, w.index, slot).map((p) => `{"ip":"${p.podIP}","nodeName":"${p.node}","targetRef":{"kind":"Pod","namespace":"${ns}","name":"${p.name}","uid":"${p.uid}"}}`).join(',')}],"ports":[{"name":"http","port":${w.containers[0].port},"protocol":"TCP"}]}]}]}`,
      })];
    case 3:
      return [makePlan(slot, 0, rng, { identity: ops.coredns, verb: 'list', type: TYPES.services, query: 'limit=500&resourceVersion=0', at: t, latencyUs: latency.list(rng), responseBody: () => `{"kind":"ServiceList","apiVersion":"v1","metadata":{"resourceVersion":"${rv}"},"items":[{"metadata":{"name":"${w.name}","namespace":"${ns}","uid":"${w.serviceUid}","resourceVersion":"${rv - 9000}","creationTimestamp":"${secondTime(w.createdUs)}"},"spec":{"ports":[{"name":"http","protocol":"TCP","port":80,"targetPort":"http"}],"selector":{"app.kubernetes.io/name":"${w.name}"},"clusterIP":"${w.clusterIP}","clusterIPs":["${w.clusterIP}"],"type":"ClusterIP","sessionAffinity":"None","ipFamilies":["IPv4"],"ipFamilyPolicy":"SingleStack","internalTrafficPolicy":"Cluster"},"status":{"loadBalancer":{}}}]}` })];
    default:
      return [makePlan(slot, 0, rng, { identity: ops.certManager, verb: 'get', type: TYPES.secrets, namespace: ns, name: `${w.name}-tls`, at: t, latencyUs: latency.get(rng), status: rng.chance(0.2) ? { status: 'Failure', message: `secrets "${w.name}-tls" not found`, reason: 'NotFound', details: { name: `${w.name}-tls`, kind: 'secrets' }, code: 404 } : undefined, responseBody: () => `{"kind":"Secret","apiVersion":"v1","metadata":{"name":"${w.name}-tls","namespace":"${ns}","resourceVersion":"${rv - 70000}","creationTimestamp":"${secondTime(w.createdUs)}","annotations":{"cert-manager.io/certificate-name":"${w.name}-tls","cert-manager.io/issuer-kind":"ClusterIssuer","cert-manager.io/issuer-name":"letsencrypt-prod"}},"data":{"tls.crt":"LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUZhekNDQkZPZ0F3SUJBZ0lTQkxj","tls.key":"LS0tLS1CRUdJTiBSU0EgUFJJVkFURSBLRVktLS0tLQpNSUlFcEFJQkFBS0NBUUVB"},"type":"kubernetes.io/tls"}` })];
  }
}

/** Operators writing: Argo CD syncs (server-side apply), cert-manager status, the autoscaler's status ConfigMap. */
export function operatorWrite(ctx: Ctx, slot: number, _o: number, t: number, rng: Rng): Plan[] {
  const ops = ctx.cluster.operators;
  const w = randomAppWorkload(ctx, rng);
  const ns = w.namespace.name;
  const rv = rvAt(ctx, slot, 1);
  const prev = rvAt(ctx, slot) - rng.range(100, 90_000);
  switch (rng.int(3)) {
    case 0:
      return [makePlan(slot, 0, rng, {
        identity: ops.argocd, verb: 'patch', type: TYPES.deployments, namespace: ns, name: w.name, query: 'fieldManager=argocd-controller&force=true', at: t, latencyUs: latency.write(rng) * 1.5,
        requestBody: () => deploymentObject(w, 0, w.replicas, t, true).replace(/,"resourceVersion":"0","creationTimestamp":"[^"]*"/, '').replace(/,"status":\{.*\}\}$/, '}').replace(/"uid":"[^"]*",/, ''),
        responseBody: (omf) => deploymentObject(w, rv, w.replicas, t, omf),
      })];
    case 1:
      return [makePlan(slot, 0, rng, {
        identity: ops.certManager, verb: 'update', type: TYPES.certificates, namespace: ns, name: `${w.name}-tls`, subresource: 'status', at: t, latencyUs: latency.write(rng),
        refUid: w.sliceUid.replace(/^.{4}/, 'ce47'), refResourceVersion: String(prev),
        requestBody: () => certificateObject(ctx.cluster, w, prev, t),
        responseBody: () => certificateObject(ctx.cluster, w, rv, t),
      })];
    default:
      return [makePlan(slot, 0, rng, {
        identity: ops.clusterAutoscaler, verb: 'update', type: TYPES.configmaps, namespace: 'kube-system', name: 'cluster-autoscaler-status', at: t, latencyUs: latency.write(rng),
        refResourceVersion: String(prev),
        requestBody: () => autoscalerStatus(prev, t, ctx.cluster.nodes.length),
        responseBody: () => autoscalerStatus(rv, t, ctx.cluster.nodes.length),
      })];
  }
}

/** The CI pipeline's `kubectl apply`: GET the deployment, then PATCH it with the client-side-apply field manager. */
export function ciApply(ctx: Ctx, slot: number, _o: number, t: number, rng: Rng): Plan[] {
  const ci = ctx.cluster.operators.ciDeployer;
  const w = randomAppWorkload(ctx, rng);
  const ns = w.namespace.name;
  const rv = rvAt(ctx, slot, 1);
  const get = makePlan(slot, 0, rng, { identity: ci, verb: 'get', type: TYPES.deployments, namespace: ns, name: w.name, at: t, latencyUs: latency.get(rng), responseBody: (omf) => deploymentObject(w, rv - 40, w.replicas, t, omf) });
  const image = `${w.containers[0].image.split(':')[0]}:v${1 + (hash32(slot >>> 0) % 4)}.${hash32(slot >>> 0, 1) % 30}.${hash32(slot >>> 0, 2) % 12}`;
  const patch = `{"metadata":{"annotations":{"kubectl.kubernetes.io/last-applied-configuration":${goJSONString(`{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"annotations":{},"name":"${w.name}","namespace":"${ns}"},"spec":{"replicas":${w.replicas},"template":{"spec":{"containers":[{"image":"${image}","name":"app"}]}}}}\n`)}}},"spec":{"template":{"spec":{"$setElementOrder/containers":[{"name":"app"}],"containers":[{"image":"${image}","name":"app"}]}}}}`;
  // A manifest with a misspelt field, refused by strict field validation (400).
  const typo = rng.chance(0.03);
  const apply = makePlan(slot, 1, rng, {
    identity: ci, verb: 'patch', type: TYPES.deployments, namespace: ns, name: w.name, query: 'fieldManager=kubectl-client-side-apply&fieldValidation=Strict', at: get.completeUs + rng.range(3_000, 60_000), latencyUs: latency.write(rng),
    status: typo ? { status: 'Failure', message: 'strict decoding error: unknown field "spec.template.spec.containers[0].imagePullPolcy"', reason: 'BadRequest', code: 400 } : undefined,
    requestBody: () => patch,
    responseBody: (omf) => deploymentObject(w, rv, w.replicas, t, omf),
  });
  return [get, apply];
}
