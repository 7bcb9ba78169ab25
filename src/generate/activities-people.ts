/**
 * People and the outside world: engineers with kubectl (reads, logs, exec, scaling,
 * rollouts, secrets, RBAC changes, impersonation, refusals), health probes, anonymous
 * scanners and clients whose credentials no longer work.
 */
import { currentPod, incarnationAt, latency, makePlan, podInstance, rvAt, type Ctx } from './activity.js';
import type { Human } from './cluster.js';
import { makeIdentity, rbacReason, unauthenticated, userJSON, type Identity } from './identities.js';
import { SCANNER_AGENTS, SCANNER_PATHS } from './names.js';
import { deleteOptions, podObject } from './objects-pod.js';
import { bindingObject, deploymentObject, podTable, scaleObject, secretObject, subjectAccessReview, type BindingSpec } from './objects.js';
import { alreadyExistsStatus, notFoundStatus, resourceAttrs, type Plan, type StatusFields } from './plan.js';
import { Rng, WeightedTable } from './random.js';
import { queryEscape, secondTime, uuid4 } from './text.js';
import { TYPES, type ResourceType } from './watchers.js';

const ROLE_WEIGHT: Record<Human['role'], number> = { masters: 1, admin: 2, sre: 4, viewer: 2, developer: 3 };

interface Access {
  allowed: boolean;
  reason: string;
}

/** A developer's access comes from their team's RoleBinding in the namespace. */
function rbacReasonFor(h: Human, namespace: string): string {
  return rbacReason({ kind: 'RoleBinding', name: `${h.team}-developers`, namespace }, { kind: 'ClusterRole', name: 'edit' }, { kind: 'Group', name: `dev-${h.team}` });
}

/** What RBAC answers a person: admins everything; developers edit their team's namespaces; viewers read all but secrets. */
function access(h: Human, verb: string, type: ResourceType, namespace: string, subresource = ''): Access {
  if (h.role === 'masters' || h.role === 'admin' || h.role === 'sre') return { allowed: true, reason: h.identity.allowReason };
  const read = verb === 'get' || verb === 'list' || verb === 'watch';
  const rbac = type.group === 'rbac.authorization.k8s.io';
  if (h.role === 'viewer') {
    const ok = read && type.resource !== 'secrets' && subresource !== 'exec' && subresource !== 'portforward';
    return { allowed: ok, reason: ok ? h.identity.allowReason : '' };
  }
  const ok = type.namespaced && h.namespaces.includes(namespace) && !rbac;
  return { allowed: ok, reason: ok ? rbacReasonFor(h, namespace) : '' };
}

function pickHuman(ctx: Ctx, rng: Rng): Human {
  const humans = ctx.cluster.humans;
  const total = humans.reduce((s, h) => s + ROLE_WEIGHT[h.role], 0);
  let x = rng.float() * total;
  for (const h of humans) {
    x -= ROLE_WEIGHT[h.role];
    if (x < 0) return h;
  }
  return humans[humans.length - 1];
}

/** A namespace the person works in (mostly their own). */
function pickNamespace(ctx: Ctx, h: Human, rng: Rng): string {
  if (h.role === 'developer' && rng.chance(0.88)) return rng.pick(h.namespaces);
  return rng.pick(ctx.cluster.appNamespaces).name;
}

function appPodIn(ctx: Ctx, namespace: string, rng: Rng) {
  const pods = ctx.cluster.churningPods.filter((p) => p.workload.namespace.name === namespace);
  return pods.length > 0 ? rng.pick(pods) : rng.pick(ctx.cluster.churningPods);
}

type HumanAction = (ctx: Ctx, h: Human, slot: number, t: number, rng: Rng) => Plan[];

const listPods: HumanAction = (ctx, h, slot, t, rng) => {
  const ns = pickNamespace(ctx, h, rng);
  const a = access(h, 'list', TYPES.pods, ns);
  const pods = ctx.cluster.churningPods.filter((p) => p.workload.namespace.name === ns).slice(0, 12).map((p) => currentPod(ctx, p, slot));
  return [makePlan(slot, 0, rng, { identity: h.identity, verb: 'list', type: TYPES.pods, namespace: ns, query: 'limit=500', at: t, latencyUs: latency.list(rng), forbid: !a.allowed, reason: a.reason, responseBody: (omf) => podTable(pods, rvAt(ctx, slot), t, omf) })];
};

const describePod: HumanAction = (ctx, h, slot, t, rng) => {
  const slotPod = appPodIn(ctx, pickNamespace(ctx, h, rng), rng);
  const pod = currentPod(ctx, slotPod, slot);
  const ns = pod.workload.namespace.name;
  const a = access(h, 'get', TYPES.pods, ns);
  const get = makePlan(slot, 0, rng, { identity: h.identity, verb: 'get', type: TYPES.pods, namespace: ns, name: pod.name, at: t, latencyUs: latency.get(rng), forbid: !a.allowed, reason: a.reason, responseBody: (omf) => podObject(pod, 'running', rvAt(ctx, slot) - 300, t, omf) });
  if (!a.allowed) return [get];
  const selector = queryEscape(`involvedObject.name=${pod.name},involvedObject.namespace=${ns},involvedObject.uid=${pod.uid}`);
  const events = makePlan(slot, 1, rng, { identity: h.identity, verb: 'list', type: TYPES.events, namespace: ns, query: `fieldSelector=${selector}&limit=500`, at: get.completeUs + rng.range(5_000, 40_000), latencyUs: latency.list(rng), reason: a.reason, responseBody: () => `{"kind":"EventList","apiVersion":"v1","metadata":{"resourceVersion":"${rvAt(ctx, slot)}"},"items":[]}` });
  return [get, events];
};

const logs: HumanAction = (ctx, h, slot, t, rng) => {
  const pod = currentPod(ctx, appPodIn(ctx, pickNamespace(ctx, h, rng), rng), slot);
  const ns = pod.workload.namespace.name;
  const a = access(h, 'get', TYPES.pods, ns, 'log');
  const follow = rng.chance(0.3);
  const query = follow ? 'container=app&follow=true&tailLines=100' : rng.chance(0.5) ? 'container=app' : 'container=app&tailLines=200';
  const duration = !a.allowed ? latency.get(rng) : follow ? rng.range(5_000_000, 115_000_000) : rng.range(40_000, 1_500_000);
  return [makePlan(slot, 0, rng, { identity: h.identity, verb: 'get', type: TYPES.pods, namespace: ns, name: pod.name, subresource: 'log', query, at: t, latencyUs: duration, startedAfterUs: a.allowed ? rng.range(3_000, 30_000) : undefined, forbid: !a.allowed, reason: a.reason })];
};

/** kubectl exec: SPDY (POST, verb create) before kubectl 1.30, WebSocket (GET, verb get) since. */
const exec: HumanAction = (ctx, h, slot, t, rng) => {
  const pod = currentPod(ctx, appPodIn(ctx, pickNamespace(ctx, h, rng), rng), slot);
  const ns = pod.workload.namespace.name;
  const verb = h.kubectlMinor >= 30 ? 'get' : 'create';
  const a = access(h, verb, TYPES.pods, ns, 'exec');
  const interactive = rng.chance(0.6);
  const command = interactive ? 'command=sh&container=app&stdin=true&stdout=true&tty=true' : `command=cat&command=%2Fetc%2Fapp%2Fapp.yaml&container=app&stderr=true&stdout=true`;
  const duration = !a.allowed ? latency.get(rng) : interactive ? rng.range(8_000_000, 118_000_000) : rng.range(300_000, 2_500_000);
  return [makePlan(slot, 0, rng, { identity: h.identity, verb, type: TYPES.pods, namespace: ns, name: pod.name, subresource: 'exec', query: command, at: t, latencyUs: duration, startedAfterUs: a.allowed ? rng.range(15_000, 90_000) : undefined, code: 101, forbid: !a.allowed, reason: a.reason })];
};

const portForward: HumanAction = (ctx, h, slot, t, rng) => {
  const pod = currentPod(ctx, appPodIn(ctx, pickNamespace(ctx, h, rng), rng), slot);
  const ns = pod.workload.namespace.name;
  const verb = h.kubectlMinor >= 30 ? 'get' : 'create';
  const a = access(h, verb, TYPES.pods, ns, 'portforward');
  return [makePlan(slot, 0, rng, { identity: h.identity, verb, type: TYPES.pods, namespace: ns, name: pod.name, subresource: 'portforward', at: t, latencyUs: a.allowed ? rng.range(10_000_000, 110_000_000) : latency.get(rng), startedAfterUs: a.allowed ? rng.range(10_000, 60_000) : undefined, code: 101, forbid: !a.allowed, reason: a.reason })];
};

function workloadIn(ctx: Ctx, ns: string, rng: Rng) {
  return appPodIn(ctx, ns, rng).workload;
}

const scale: HumanAction = (ctx, h, slot, t, rng) => {
  const w = workloadIn(ctx, pickNamespace(ctx, h, rng), rng);
  const ns = w.namespace.name;
  const a = access(h, 'patch', TYPES.deployments, ns, 'scale');
  // Now and then a typo: a negative count, refused by validation (422 Invalid).
  const replicas = rng.chance(0.04) ? -1 : Math.max(0, w.replicas + rng.pick([-1, 1, 1, 2, 3]));
  const invalid: StatusFields | undefined = replicas < 0
    ? { status: 'Failure', message: `Scale.autoscaling "${w.name}" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0`, reason: 'Invalid', details: { name: w.name, group: 'autoscaling', kind: 'Scale', causes: [{ reason: 'FieldValueInvalid', message: 'Invalid value: -1: must be greater than or equal to 0', field: 'spec.replicas' }] }, code: 422 }
    : undefined;
  return [makePlan(slot, 0, rng, {
    identity: h.identity, verb: 'patch', type: TYPES.deployments, namespace: ns, name: w.name, subresource: 'scale', at: t, latencyUs: latency.write(rng), forbid: !a.allowed, reason: a.reason, status: invalid,
    requestBody: () => `{"spec":{"replicas":${replicas}}}`,
    responseBody: () => scaleObject(w, rvAt(ctx, slot, 1), replicas),
  })];
};

const rollout: HumanAction = (ctx, h, slot, t, rng) => {
  const w = workloadIn(ctx, pickNamespace(ctx, h, rng), rng);
  const ns = w.namespace.name;
  const a = access(h, 'patch', TYPES.deployments, ns);
  const restart = rng.chance(0.6);
  const patch = restart
    ? `{"spec":{"template":{"metadata":{"annotations":{"kubectl.kubernetes.io/restartedAt":"${secondTime(t)}"}}}}}`
    : `{"spec":{"template":{"spec":{"containers":[{"image":"${w.containers[0].image.split(':')[0]}:v${rng.range(1, 5)}.${rng.range(0, 30)}.${rng.range(0, 9)}","name":"app"}]}}}}`;
  return [makePlan(slot, 0, rng, {
    identity: h.identity, verb: 'patch', type: TYPES.deployments, namespace: ns, name: w.name, query: `fieldManager=${restart ? 'kubectl-rollout' : 'kubectl-set'}`, at: t, latencyUs: latency.write(rng), forbid: !a.allowed, reason: a.reason,
    requestBody: () => patch,
    responseBody: (omf) => deploymentObject(w, rvAt(ctx, slot, 1), w.replicas, t, omf),
  })];
};

const deletePod: HumanAction = (ctx, h, slot, t, rng) => {
  const pod = currentPod(ctx, appPodIn(ctx, pickNamespace(ctx, h, rng), rng), slot);
  const ns = pod.workload.namespace.name;
  const a = access(h, 'delete', TYPES.pods, ns);
  return [makePlan(slot, 0, rng, {
    identity: h.identity, verb: 'delete', type: TYPES.pods, namespace: ns, name: pod.name, at: t, latencyUs: latency.write(rng), forbid: !a.allowed, reason: a.reason,
    requestBody: () => deleteOptions({ propagationPolicy: 'Background' }),
    responseBody: (omf) => podObject(pod, 'running', rvAt(ctx, slot, 1), t, omf, t),
  })];
};

const readSecret: HumanAction = (ctx, h, slot, t, rng) => {
  const list = rng.chance(0.25);
  const ns = rng.chance(0.1) ? 'kube-system' : pickNamespace(ctx, h, rng);
  const w = workloadIn(ctx, ns === 'kube-system' ? pickNamespace(ctx, h, rng) : ns, rng);
  const a = access(h, list ? 'list' : 'get', TYPES.secrets, ns);
  const bodyRng = () => new Rng(ctx.seed, 0x5ec, w.index);
  const rv = rvAt(ctx, slot) - 70_000;
  if (list) return [makePlan(slot, 0, rng, { identity: h.identity, verb: 'list', type: TYPES.secrets, namespace: ns, query: 'limit=500', at: t, latencyUs: latency.list(rng), forbid: !a.allowed, reason: a.reason, responseBody: (omf) => `{"kind":"SecretList","apiVersion":"v1","metadata":{"resourceVersion":"${rvAt(ctx, slot)}"},"items":[${secretObject(w, rv, bodyRng(), omf).replace('{"kind":"Secret","apiVersion":"v1",', '{')}]}` })];
  const name = ns === 'kube-system' ? 'aws-secret' : w.secret;
  return [makePlan(slot, 0, rng, { identity: h.identity, verb: 'get', type: TYPES.secrets, namespace: ns, name, at: t, latencyUs: latency.get(rng), forbid: !a.allowed, reason: a.reason, status: a.allowed && ns === 'kube-system' ? notFoundStatus(resourceAttrs(null, [], 'get', '', 'v1', 'secrets', ns, name, '', '')) : undefined, responseBody: (omf) => secretObject(w, rv, bodyRng(), omf) })];
};

const rbacChange: HumanAction = (ctx, h, slot, t, rng) => {
  const ns = pickNamespace(ctx, h, rng);
  const target = rng.pick(ctx.cluster.humans);
  const cluster = rng.chance(0.3);
  const remove = rng.chance(0.25);
  const type = cluster ? TYPES.clusterrolebindings : TYPES.rolebindings;
  const role = cluster ? rng.pick(['view', 'view', 'cluster-admin']) : rng.pick(['edit', 'view', 'admin']);
  const who = target.name.split('@')[0];
  const b: BindingSpec = cluster
    ? { kind: 'ClusterRoleBinding', name: `${who}-${role}`, namespace: '', role, roleKind: 'ClusterRole', subjectKind: 'User', subject: target.name }
    : { kind: 'RoleBinding', name: `${who}-${role}`, namespace: ns, role, roleKind: 'ClusterRole', subjectKind: 'User', subject: target.name };
  const verb = remove ? 'delete' : 'create';
  const a = access(h, verb, type, cluster ? '' : ns);
  const uid = uuid4(rng);
  if (remove) {
    return [makePlan(slot, 0, rng, {
      identity: h.identity, verb, type, namespace: b.namespace, name: b.name, at: t, latencyUs: latency.write(rng), forbid: !a.allowed, reason: a.reason,
      requestBody: () => deleteOptions({ propagationPolicy: 'Background' }),
      status: { status: 'Success', details: { name: b.name, group: 'rbac.authorization.k8s.io', kind: type.resource, uid }, code: 200 },
    })];
  }
  const exists = rng.chance(0.1);
  return [makePlan(slot, 0, rng, {
    identity: h.identity, verb, type, namespace: b.namespace, query: 'fieldManager=kubectl-create&fieldValidation=Strict', at: t, latencyUs: latency.write(rng), forbid: !a.allowed, reason: a.reason, refName: b.name,
    status: exists ? alreadyExistsStatus(resourceAttrs(null, [], 'create', 'rbac.authorization.k8s.io', 'v1', type.resource, b.namespace, '', '', ''), b.name) : undefined,
    requestBody: () => bindingObject(b, null, 'kubectl-create', true),
    responseBody: (omf) => bindingObject(b, { uid, rv: rvAt(ctx, slot, 1), us: t }, 'kubectl-create', omf),
  })];
};

/** An admin checks what a developer can do: `kubectl --as=… --as-group=…`. The policy sees the admin; RBAC judges the developer. */
const impersonate: HumanAction = (ctx, h, slot, t, rng) => {
  const admin = h.role === 'developer' || h.role === 'viewer' ? ctx.cluster.humans.find((x) => x.role === 'admin' || x.role === 'masters')! : h;
  const dev = ctx.cluster.humans.find((x) => x.role === 'developer') ?? ctx.cluster.humans[ctx.cluster.humans.length - 1];
  const ns = rng.chance(0.6) ? dev.namespaces[0] : rng.pick(ctx.cluster.appNamespaces).name;
  const type = rng.pick([TYPES.pods, TYPES.deployments, TYPES.secrets]);
  const a = access(dev, 'list', type, ns);
  const impersonated = `,"impersonatedUser":${userJSON({ username: dev.name, groups: dev.identity.groups })}`;
  return [makePlan(slot, 0, rng, { identity: admin.identity, verb: 'list', type, namespace: ns, query: 'limit=500', at: t, latencyUs: latency.list(rng), impersonated, effectiveUser: dev.name, forbid: !a.allowed, reason: a.reason, responseBody: () => `{"kind":"Table","apiVersion":"meta.k8s.io/v1","metadata":{"resourceVersion":"${rvAt(ctx, slot)}"},"columnDefinitions":[],"rows":[]}` })];
};

/** Someone asks for a pod that is gone (an earlier incarnation's name). */
const staleName: HumanAction = (ctx, h, slot, t, rng) => {
  const podSlot = appPodIn(ctx, pickNamespace(ctx, h, rng), rng);
  const k = incarnationAt(ctx, podSlot, slot);
  const gone = podInstance(ctx, podSlot, k + 1 + rng.int(3));
  const ns = gone.workload.namespace.name;
  const a = access(h, 'get', TYPES.pods, ns);
  return [makePlan(slot, 0, rng, { identity: h.identity, verb: 'get', type: TYPES.pods, namespace: ns, name: gone.name, at: t, latencyUs: latency.get(rng), forbid: !a.allowed, reason: a.reason, status: notFoundStatus(resourceAttrs(null, [], 'get', '', 'v1', 'pods', ns, gone.name, '', '')) })];
};

const canI: HumanAction = (ctx, h, slot, t, rng) => {
  const ns = pickNamespace(ctx, h, rng);
  const attrs = `"resourceAttributes":{"namespace":"${ns}","verb":"create","resource":"pods","subresource":"exec"}`;
  const a = access(h, 'create', TYPES.pods, ns, 'exec');
  return [makePlan(slot, 0, rng, {
    identity: h.identity, verb: 'create', type: { group: 'authorization.k8s.io', version: 'v1', resource: 'selfsubjectaccessreviews', namespaced: false }, at: t, latencyUs: latency.review(rng),
    reason: 'RBAC: allowed by ClusterRoleBinding "system:basic-user" of ClusterRole "system:basic-user" to Group "system:authenticated"',
    requestBody: () => subjectAccessReview(h.name, [], attrs, false, '', false, true),
    responseBody: () => subjectAccessReview(h.name, [], attrs, a.allowed, a.reason, true, true),
  })];
};

const nodes: HumanAction = (ctx, h, slot, t, rng) => {
  const a = access(h, 'list', TYPES.nodes, '');
  if (!a.allowed || rng.chance(0.85)) {
    return [makePlan(slot, 0, rng, { identity: h.identity, verb: 'list', type: TYPES.nodes, query: 'limit=500', at: t, latencyUs: latency.list(rng), forbid: !a.allowed, reason: a.reason, responseBody: () => `{"kind":"Table","apiVersion":"meta.k8s.io/v1","metadata":{"resourceVersion":"${rvAt(ctx, slot)}"},"columnDefinitions":[],"rows":[]}` })];
  }
  const node = rng.pick(ctx.cluster.workers);
  const unschedulable = rng.chance(0.5);
  return [makePlan(slot, 0, rng, { identity: h.identity, verb: 'patch', type: TYPES.nodes, name: node.name, at: t, latencyUs: latency.write(rng), reason: a.reason, requestBody: () => `{"spec":{"unschedulable":${unschedulable}}}` })];
};

const discoveryRead: HumanAction = (_ctx, h, slot, t, rng) => {
  const path = rng.pick(['/api', '/apis', '/openapi/v3', '/version']);
  return [makePlan(slot, 0, rng, { identity: h.identity, verb: 'get', path, query: path === '/version' ? undefined : 'timeout=32s', at: t, latencyUs: latency.get(rng), code: path === '/openapi/v3' && rng.chance(0.5) ? 304 : 200, reason: 'RBAC: allowed by ClusterRoleBinding "system:discovery" of ClusterRole "system:discovery" to Group "system:authenticated"' })];
};

const HUMAN_ACTIONS: [HumanAction, number][] = [
  [listPods, 15], [describePod, 8], [logs, 8], [exec, 5], [portForward, 1], [scale, 4], [rollout, 5], [deletePod, 4],
  [readSecret, 6], [rbacChange, 4], [impersonate, 4], [staleName, 3], [canI, 2], [nodes, 3], [discoveryRead, 6],
];
const humanTable = new WeightedTable(HUMAN_ACTIONS.map(([, w]) => w));

export function humanActivity(ctx: Ctx, slot: number, _o: number, t: number, rng: Rng): Plan[] {
  const h = pickHuman(ctx, rng);
  return HUMAN_ACTIONS[humanTable.pick(rng)][0](ctx, h, slot, t, rng);
}

/** The longest a person's request stays open (exec, port-forward, logs --follow). */
export const MAX_HUMAN_US = 121_000_000;

const PUBLIC_INFO = 'RBAC: allowed by ClusterRoleBinding "system:public-info-viewer" of ClusterRole "system:public-info-viewer" to Group "system:unauthenticated"';
const PUBLIC_PATHS = new Set(['/version', '/healthz', '/livez', '/readyz']);

function anonymous(ip: string, agent: string): Identity {
  return makeIdentity({ username: 'system:anonymous', groups: ['system:unauthenticated'] }, ip, agent, PUBLIC_INFO);
}

/** Health checks: kubelet probes of kube-apiserver and the load balancer, anonymous and allowed. */
export function healthActivity(ctx: Ctx, slot: number, ordinal: number, t: number, rng: Rng): Plan[] {
  const cp = ctx.cluster.controlPlane[0];
  const kind = ordinal % 10;
  const probe = kind < 6 ? { path: '/readyz', agent: `kube-probe/1.${ctx.cluster.build.minor}`, ip: cp.ip } : kind < 8 ? { path: '/livez', agent: `kube-probe/1.${ctx.cluster.build.minor}`, ip: cp.ip } : { path: '/healthz', agent: 'ELB-HealthChecker/2.0', ip: `10.0.${rng.range(0, 2)}.${rng.range(5, 60)}` };
  return [makePlan(slot, 0, rng, { identity: anonymous(probe.ip, probe.agent), verb: 'get', path: probe.path, at: t, latencyUs: latency.health(rng) })];
}

/** The internet and stale clients: anonymous scanners (refused except public info), and requests whose credentials fail (401). */
export function anonActivity(ctx: Ctx, slot: number, _o: number, t: number, rng: Rng): Plan[] {
  const ip = rng.chance(0.5) ? `203.0.113.${rng.range(1, 254)}` : `192.0.2.${rng.range(1, 254)}`;
  if (rng.chance(0.4)) {
    // A CI runner still using a token that has expired.
    const id = unauthenticated(`10.8.${rng.range(40, 47)}.${rng.range(2, 254)}`, 'kubectl/v1.29.10 (linux/amd64) kubernetes/f0c1d8e');
    const ns = rng.pick(ctx.cluster.appNamespaces).name;
    const plan = makePlan(slot, 0, rng, { identity: id, verb: 'list', type: TYPES.pods, namespace: ns, query: 'limit=500', at: t, latencyUs: 0, startedAfterUs: rng.range(200, 2_000), authFailed: true, code: 401, rawStatusJSON: '{"metadata":{},"message":"Authentication failed, attempted: bearer","code":401}' });
    return [plan];
  }
  const path = rng.pick(SCANNER_PATHS);
  const id = anonymous(ip, rng.pick(SCANNER_AGENTS));
  const allowed = PUBLIC_PATHS.has(path);
  const resource = path === '/api/v1/pods' || path.startsWith('/api/v1/namespaces/');
  if (resource) {
    const ns = path.includes('kube-system') ? 'kube-system' : '';
    return [makePlan(slot, 0, rng, { identity: id, verb: 'list', type: path.endsWith('secrets') ? TYPES.secrets : TYPES.pods, namespace: ns, at: t, latencyUs: latency.health(rng), forbid: true })];
  }
  return [makePlan(slot, 0, rng, { identity: id, verb: 'get', path, at: t, latencyUs: latency.health(rng), forbid: !allowed })];
}
