/**
 * Node-side traffic: kubelets renewing their leases and reporting status, the life of
 * an app pod (replaced by its ReplicaSet, bound by the scheduler, started and stopped by
 * a kubelet), long-running watches, and the kubelet's smaller chores.
 */
import { CREATE_OFFSET_US, currentPod, incarnationAt, latency, makePlan, nodeOfPod, podInstance, rvAt, watchQuery, type Ctx } from './activity.js';
import type { NodeInfo } from './cluster.js';
import { leaseObject, nodeObject, nodeStatusPatch, type LeaseState } from './objects-node.js';
import { ISTIO_MUTATION_ANNOTATION } from './objects-istio.js';
import { bindingRequest, deleteOptions, injected, podCreateRequest, podObject, podStatusPatch, type PodInstance } from './objects-pod.js';
import { configMapObject, eventName, eventObject, secretObject, tokenRequest } from './objects.js';
import { conflictStatus, resourceAttrs, type Plan } from './plan.js';
import { hash32, Rng } from './random.js';
import { LANE_INDEX, slotOfOrdinal } from './schedule.js';
import { uuid4 } from './text.js';
import { TYPES } from './watchers.js';

const leaseCache = new WeakMap<NodeInfo, LeaseState>();

function nodeLease(node: NodeInfo): LeaseState {
  let l = leaseCache.get(node);
  if (l === undefined) {
    l = { name: node.name, namespace: 'kube-node-lease', uid: node.leaseUid, holder: node.name, durationSeconds: 40, createdUs: node.createdUs + 2_000_000, acquireUs: node.createdUs, manager: 'kubelet', ownerNode: node };
    leaseCache.set(node, l);
  }
  return l;
}

/** Every node renews its Lease in kube-node-lease (kubelet's heartbeat, every ~10 s). */
export function nodeLeaseActivity(ctx: Ctx, slot: number, ordinal: number, t: number, rng: Rng): Plan[] {
  const nodes = ctx.cluster.nodes;
  const node = nodes[ordinal % nodes.length];
  const lease = nodeLease(node);
  const prev = ordinal >= nodes.length ? rvAt(ctx, slotOfOrdinal(ctx.schedule, LANE_INDEX.nodeLease, ordinal - nodes.length), 1) : ctx.cluster.rv0 - 1 - node.index;
  const rv = rvAt(ctx, slot, 1);
  const conflict = rng.chance(0.002);
  const spec = { identity: node.kubelet, verb: 'update', type: TYPES.leases, namespace: 'kube-node-lease', name: node.name, query: 'timeout=10s', at: t, latencyUs: latency.write(rng), refUid: lease.uid, refResourceVersion: String(prev) };
  return [
    makePlan(slot, 0, rng, {
      ...spec,
      status: conflict ? conflictStatus(resourceAttrs(null, [], 'update', 'coordination.k8s.io', 'v1', 'leases', 'kube-node-lease', node.name, '', '')) : undefined,
      requestBody: (omf) => leaseObject(lease, prev, t, omf),
      responseBody: (omf) => leaseObject(lease, rv, t, omf),
    }),
  ];
}

/** The kubelet reads its Node every 10 s (from the watch cache: resourceVersion=0). */
export function nodeGetActivity(ctx: Ctx, slot: number, ordinal: number, t: number, rng: Rng): Plan[] {
  const node = ctx.cluster.nodes[ordinal % ctx.cluster.nodes.length];
  const rv = rvAt(ctx, slot) - 1 - (ordinal % 2000);
  return [makePlan(slot, 0, rng, { identity: node.kubelet, verb: 'get', type: TYPES.nodes, name: node.name, query: 'resourceVersion=0&timeout=10s', at: t, latencyUs: latency.get(rng), responseBody: (omf) => nodeObject(ctx.cluster, node, rv, t - 9_000_000, omf) })];
}

/** The kubelet patches its node's status: condition heartbeats every few minutes, or on change. */
export function nodeStatusActivity(ctx: Ctx, slot: number, ordinal: number, t: number, rng: Rng): Plan[] {
  const node = ctx.cluster.nodes[(ordinal * 7) % ctx.cluster.nodes.length];
  const rv = rvAt(ctx, slot, 1);
  return [
    makePlan(slot, 0, rng, {
      identity: node.kubelet, verb: 'patch', type: TYPES.nodes, name: node.name, subresource: 'status', query: 'timeout=10s', at: t, latencyUs: latency.write(rng),
      requestBody: () => nodeStatusPatch(t),
      responseBody: (omf) => nodeObject(ctx.cluster, node, rv, t, omf),
    }),
  ];
}

function psaAnnotations(pod: PodInstance): Record<string, string> {
  const ns = pod.workload.namespace;
  const out: Record<string, string> = { 'pod-security.kubernetes.io/enforce-policy': `${ns.enforce}:${ns.enforceVersion}` };
  if (injected(pod.workload)) Object.assign(out, ISTIO_MUTATION_ANNOTATION);
  if (ns.auditRestricted && !pod.workload.containers[0].hardened) {
    const c = pod.workload.containers[0].name;
    out['pod-security.kubernetes.io/audit-violations'] = `would violate PodSecurity "restricted:latest": allowPrivilegeEscalation != false (container "${c}" must set securityContext.allowPrivilegeEscalation=false), unrestricted capabilities (container "${c}" must set securityContext.capabilities.drop=["ALL"]), runAsNonRoot != true (pod or container "${c}" must set securityContext.runAsNonRoot=true), seccompProfile (pod or container "${c}" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")`;
  }
  return out;
}

/**
 * One app pod is replaced (the churn lane visits every app pod in turn): the old one is
 * deleted by its ReplicaSet (or evicted by the cluster autoscaler) and stopped by its
 * kubelet; the ReplicaSet creates a new one (generateName: the create's objectRef has no
 * name), the scheduler binds it, and its kubelet reports it running.
 */
export function churnActivity(ctx: Ctx, slot: number, ordinal: number, t: number, rng: Rng): Plan[] {
  const all = ctx.cluster.churningPods;
  const podSlot = all[ordinal % all.length];
  const incarnation = Math.floor(ordinal / all.length) + 1;
  const old = podInstance(ctx, podSlot, incarnation - 1);
  const pod = podInstance(ctx, podSlot, incarnation);
  const w = podSlot.workload;
  const ns = w.namespace.name;
  const rs = ctx.cluster.controllers.get('replicaset-controller')!;
  const oldKubelet = nodeOfPod(ctx, old).kubelet;
  const newKubelet = nodeOfPod(ctx, pod).kubelet;
  const plans: Plan[] = [];
  const rv = (sub: number) => rvAt(ctx, slot, sub);
  if (rng.chance(0.15)) {
    plans.push(makePlan(slot, 0, rng, {
      identity: ctx.cluster.operators.clusterAutoscaler, verb: 'create', type: TYPES.pods, namespace: ns, name: old.name, subresource: 'eviction', at: t, latencyUs: latency.write(rng),
      status: { status: 'Success', code: 201 },
      requestBody: () => `{"kind":"Eviction","apiVersion":"policy/v1","metadata":{"name":"${old.name}","namespace":"${ns}","creationTimestamp":null},"deleteOptions":{}}`,
    }));
  } else {
    plans.push(makePlan(slot, 0, rng, {
      identity: rs, verb: 'delete', type: TYPES.pods, namespace: ns, name: old.name, at: t, latencyUs: latency.write(rng),
      requestBody: () => deleteOptions({}),
      responseBody: (omf) => podObject(old, 'running', rv(0), t, omf, t),
    }));
  }
  const createAt = t + CREATE_OFFSET_US;
  const create = makePlan(slot, 1, rng, {
    identity: rs, verb: 'create', type: TYPES.pods, namespace: ns, at: createAt, latencyUs: latency.write(rng), annotations: psaAnnotations(pod),
    requestBody: () => podCreateRequest(w),
    responseBody: (omf) => podObject(pod, 'pending', rv(1), createAt, omf),
  });
  plans.push(create);
  const bindAt = create.completeUs + rng.range(2_000, 40_000);
  plans.push(makePlan(slot, 2, rng, {
    identity: ctx.cluster.scheduler, verb: 'create', type: TYPES.pods, namespace: ns, name: pod.name, subresource: 'binding', at: bindAt, latencyUs: latency.write(rng), refUid: pod.uid,
    status: { status: 'Success', code: 201 },
    requestBody: () => bindingRequest(pod),
  }));
  const stopAt = t + rng.range(400_000, 2_400_000);
  plans.push(makePlan(slot, 3, rng, {
    identity: oldKubelet, verb: 'patch', type: TYPES.pods, namespace: ns, name: old.name, subresource: 'status', at: stopAt, latencyUs: latency.write(rng),
    requestBody: () => podStatusPatch(old, 'terminating', stopAt),
    responseBody: (omf) => podObject(old, 'terminating', rv(3), stopAt, omf, t),
  }));
  const goneAt = t + rng.range(2_600_000, 4_000_000);
  plans.push(makePlan(slot, 4, rng, {
    identity: oldKubelet, verb: 'delete', type: TYPES.pods, namespace: ns, name: old.name, at: goneAt, latencyUs: latency.write(rng),
    requestBody: () => deleteOptions({ gracePeriodSeconds: 0, uid: old.uid }),
    responseBody: (omf) => podObject(old, 'terminating', rv(4), goneAt, omf, t),
  }));
  const runAt = bindAt + rng.range(1_500_000, 4_000_000);
  plans.push(makePlan(slot, 5, rng, {
    identity: newKubelet, verb: 'patch', type: TYPES.pods, namespace: ns, name: pod.name, subresource: 'status', at: runAt, latencyUs: latency.write(rng),
    requestBody: () => podStatusPatch(pod, 'running', runAt),
    responseBody: (omf) => podObject(pod, 'running', rv(5), runAt, omf),
  }));
  return plans;
}

/**
 * A watch reopens (the watch lane visits every watcher in turn): ResponseStarted right
 * away, ResponseComplete when the timeoutSeconds the client asked for (5–10 min) runs out.
 */
export function watchActivity(ctx: Ctx, slot: number, ordinal: number, t: number, rng: Rng): Plan[] {
  const watchers = ctx.cluster.watchers;
  const watcher = watchers[ordinal % watchers.length];
  const timeoutSeconds = 300 + (hash32(ctx.seed.lo, ordinal >>> 0, 0x77a7c4, Math.floor(ordinal / 4294967296)) % 300);
  const rv = rvAt(ctx, slot) - rng.range(1, 5000);
  return [
    makePlan(slot, 0, rng, {
      identity: watcher.identity, verb: 'watch', type: watcher.type, namespace: watcher.namespace, attrName: watcher.name,
      query: watchQuery(watcher.selectors, rv, timeoutSeconds, watcher.clientTimeout), at: t,
      startedAfterUs: rng.range(250, 1_800), latencyUs: timeoutSeconds * 1e6 + rng.range(50, 900),
    }),
  ];
}

/** The longest a watch stays open, for finding the ones that end in a window. */
export const MAX_WATCH_US = 601_000_000;

// ---- pool activities of kubelets ----

export function kubeletPodStatus(ctx: Ctx, slot: number, _o: number, t: number, rng: Rng): Plan[] {
  const podSlot = rng.pick(ctx.cluster.churningPods);
  const pod = currentPod(ctx, podSlot, slot);
  if (incarnationAt(ctx, podSlot, slot) > 0 && t - pod.createdUs < 8_000_000) return [];
  const kubelet = nodeOfPod(ctx, pod).kubelet;
  const ns = pod.workload.namespace.name;
  return [makePlan(slot, 0, rng, {
    identity: kubelet, verb: 'patch', type: TYPES.pods, namespace: ns, name: pod.name, subresource: 'status', at: t, latencyUs: latency.write(rng),
    requestBody: () => podStatusPatch(pod, 'running', t),
    responseBody: (omf) => podObject(pod, 'running', rvAt(ctx, slot, 1), t, omf),
  })];
}

export function kubeletGetConfig(ctx: Ctx, slot: number, _o: number, t: number, rng: Rng): Plan[] {
  const pod = currentPod(ctx, rng.pick(ctx.cluster.churningPods), slot);
  const w = pod.workload;
  const secret = rng.chance(0.5);
  const rv = rvAt(ctx, slot) - rng.range(10_000, 900_000);
  return [makePlan(slot, 0, rng, {
    identity: nodeOfPod(ctx, pod).kubelet, verb: 'get', type: secret ? TYPES.secrets : TYPES.configmaps, namespace: w.namespace.name, name: secret ? w.secret : w.configMap, at: t, latencyUs: latency.get(rng),
    responseBody: (omf) => (secret ? secretObject(w, rv, new Rng(ctx.seed, 0x5ec, w.index), omf) : configMapObject(w, rv, omf)),
  })];
}

export function kubeletTokenRequest(ctx: Ctx, slot: number, _o: number, t: number, rng: Rng): Plan[] {
  const pod = currentPod(ctx, rng.pick(ctx.cluster.churningPods), slot);
  const w = pod.workload;
  const bodyRng = () => new Rng(ctx.seed, 0x70c, slot);
  return [makePlan(slot, 0, rng, {
    identity: nodeOfPod(ctx, pod).kubelet, verb: 'create', type: TYPES.serviceaccounts, namespace: w.namespace.name, name: w.serviceAccount, subresource: 'token', at: t, latencyUs: latency.write(rng) / 3,
    annotations: { 'authentication.kubernetes.io/issued-credential-id': `JTI=${uuid4(rng)}` },
    requestBody: () => tokenRequest(pod, false, t, bodyRng()),
    responseBody: () => tokenRequest(pod, true, t, bodyRng()),
  })];
}

const KUBELET_EVENTS = [
  { reason: 'Pulled', type: 'Normal', message: (image: string) => `Container image "${image}" already present on machine` },
  { reason: 'Created', type: 'Normal', message: () => 'Created container: app' },
  { reason: 'Started', type: 'Normal', message: () => 'Started container app' },
  { reason: 'Unhealthy', type: 'Warning', message: () => 'Readiness probe failed: Get "http://10.244.3.17:8080/readyz": context deadline exceeded (Client.Timeout exceeded while awaiting headers)' },
  { reason: 'BackOff', type: 'Warning', message: (image: string) => `Back-off pulling image "${image}"` },
];

export function kubeletEvent(ctx: Ctx, slot: number, _o: number, t: number, rng: Rng): Plan[] {
  const pod = currentPod(ctx, rng.pick(ctx.cluster.churningPods), slot);
  const node = nodeOfPod(ctx, pod);
  const kind = rng.pick(KUBELET_EVENTS);
  const ns = pod.workload.namespace.name;
  const fields = { namespace: ns, involvedKind: 'Pod', involvedName: pod.name, involvedUid: pod.uid, reason: kind.reason, type: kind.type, message: kind.message(pod.workload.containers[0].image), component: 'kubelet', host: node.name };
  const name = eventName(pod.name, rng);
  const uid = uuid4(rng);
  return [makePlan(slot, 0, rng, {
    identity: node.kubelet, verb: 'create', type: TYPES.events, namespace: ns, at: t, latencyUs: latency.write(rng), refName: name,
    requestBody: () => eventObject(fields, name, t, null),
    responseBody: () => eventObject(fields, name, t, { uid, rv: rvAt(ctx, slot, 1) }),
  })];
}
