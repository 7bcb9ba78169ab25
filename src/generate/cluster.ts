/**
 * The synthetic cluster every generated request talks about: its nodes, namespaces,
 * workloads, people and components, built once from (seed, size, start) so that every
 * worker thread holds the same cluster and names recur over time (the same nodes renew
 * their leases, the same people scale the same deployments).
 */
import { CONTROLLER_ACCOUNTS, KUBECTL_BUILDS, KUBECTL_PLATFORMS, PEOPLE, SERVER_BUILDS, TEAMS, APP_NAMESPACES } from './names.js';
import { Rng, Stream, seedWords, type SeedWords } from './random.js';
import { hexString, nameSuffix, uuid4 } from './text.js';
import {
  makeIdentity, rbacReason, serviceAccountClusterReason, serviceAccountGroups, serviceAccountName, type Identity,
} from './identities.js';
import { buildNamespace, buildWorkload, pickWorkloadNames, type Namespace, type PodSlot, type Workload } from './workloads.js';
import { buildWatchers, type Watcher } from './watchers.js';

export interface ServerBuild {
  readonly version: string;
  readonly commit: string;
  readonly minor: number;
}

export interface NodeInfo {
  readonly index: number;
  readonly name: string;
  readonly ip: string;
  readonly uid: string;
  readonly leaseUid: string;
  readonly zone: string;
  readonly controlPlane: boolean;
  readonly kubelet: Identity;
  readonly kubeProxy: Identity;
  readonly kubeProxyPod: string;
  readonly providerID: string;
  readonly instanceType: string;
  readonly createdUs: number;
}

export type HumanRole = 'masters' | 'admin' | 'sre' | 'developer' | 'viewer';

export interface Human {
  readonly name: string;
  readonly role: HumanRole;
  readonly team: string;
  /** Namespaces a developer's RoleBinding covers. */
  readonly namespaces: readonly string[];
  readonly identity: Identity;
  readonly kubectlMinor: number;
}

export interface Cluster {
  readonly seed: SeedWords;
  readonly startUs: number;
  readonly build: ServerBuild;
  readonly region: string;
  readonly apiserverIP: string;
  readonly apiserverLease: string;
  readonly controlPlane: readonly NodeInfo[];
  readonly workers: readonly NodeInfo[];
  /** Control-plane nodes first, then workers. */
  readonly nodes: readonly NodeInfo[];
  readonly namespaces: readonly Namespace[];
  readonly appNamespaces: readonly Namespace[];
  readonly workloads: readonly Workload[];
  /** App pods, replaced over time by the churn lane. */
  readonly churningPods: readonly PodSlot[];
  /** System pods (coredns, operators): stable names. */
  readonly stablePods: readonly PodSlot[];
  readonly humans: readonly Human[];
  readonly apiserver: Identity;
  readonly kcm: Identity;
  readonly scheduler: Identity;
  readonly controllers: ReadonlyMap<string, Identity>;
  readonly operators: Readonly<Record<OperatorName, Identity>>;
  readonly watchers: readonly Watcher[];
  /** The etcd revision when the log starts; resourceVersions grow from here. */
  readonly rv0: number;
}

export type OperatorName = 'coredns' | 'metricsServer' | 'argocd' | 'prometheus' | 'certManager' | 'ingressNginx' | 'clusterAutoscaler' | 'ciDeployer';

const DAY_US = 86_400_000_000;

export interface ClusterOptions {
  seed: number;
  /** Worker nodes (the control plane adds three). */
  workers: number;
  startUs: number;
}

export function buildCluster(options: ClusterOptions): Cluster {
  const seed = seedWords(options.seed);
  const rng = new Rng(seed, Stream.cluster, 0);
  const build = rng.pick(SERVER_BUILDS);
  const region = rng.pick(['eu-west-1', 'us-east-2', 'eu-central-1', 'ap-southeast-2']);
  const zones = ['a', 'b', 'c'].map((z) => `${region}${z}`);
  const startUs = options.startUs;
  const agent = (component: string, suffix = '') => `${component}/${build.version} (linux/amd64) kubernetes/${build.commit}${suffix}`;

  const nodes: NodeInfo[] = [];
  const total = options.workers + 3;
  const usedIPs = new Set<string>();
  for (let i = 0; i < total; i++) {
    const nr = new Rng(seed, Stream.cluster, 100_000 + i);
    let ip: string;
    do ip = `10.0.${nr.range(i < 3 ? 0 : 16, i < 3 ? 15 : 127)}.${nr.range(4, 250)}`;
    while (usedIPs.has(ip));
    usedIPs.add(ip);
    const name = `ip-${ip.replace(/\./g, '-')}.${region}.compute.internal`;
    const controlPlane = i < 3;
    const fingerprint = hexString(nr, 64);
    const kubeletUser = { username: `system:node:${name}`, groups: ['system:nodes', 'system:authenticated'], extra: x509Extra(build, fingerprint) };
    const kubeProxyPod = `kube-proxy-${nameSuffix(nr)}`;
    const podUid = uuid4(nr);
    const nodeUid = uuid4(nr);
    const kubeProxyUser = {
      username: serviceAccountName('kube-system', 'kube-proxy'),
      uid: KUBE_PROXY_SA_UID(seed),
      groups: serviceAccountGroups('kube-system'),
      extra: {
        'authentication.kubernetes.io/credential-id': [`JTI=${uuid4(nr)}`],
        'authentication.kubernetes.io/node-name': [name],
        'authentication.kubernetes.io/node-uid': [nodeUid],
        'authentication.kubernetes.io/pod-name': [kubeProxyPod],
        'authentication.kubernetes.io/pod-uid': [podUid],
      },
    };
    nodes.push({
      index: i,
      name,
      ip,
      uid: nodeUid,
      leaseUid: uuid4(nr),
      zone: zones[i % 3],
      controlPlane,
      kubelet: makeIdentity(kubeletUser, ip, agent('kubelet'), ''),
      kubeProxy: makeIdentity(kubeProxyUser, ip, agent('kube-proxy'), serviceAccountClusterReason('kubeadm:node-proxier', 'system:node-proxier', 'kube-system', 'kube-proxy')),
      kubeProxyPod,
      providerID: `aws:///${zones[i % 3]}/i-0${hexString(nr, 16)}`,
      instanceType: controlPlane ? 'm6i.xlarge' : nr.pick(['m6i.2xlarge', 'm6i.2xlarge', 'c6i.4xlarge', 'r6i.2xlarge']),
      createdUs: startUs - Math.floor((controlPlane ? 400 : 1 + nr.float() * 90) * DAY_US),
    });
  }
  const controlPlane = nodes.slice(0, 3);
  const workers = nodes.slice(3);
  const cp = controlPlane[0];

  // Namespaces: system, infrastructure, then the teams' application namespaces.
  const systemNames = ['kube-system', 'kube-public', 'kube-node-lease', 'default', 'monitoring', 'ingress-nginx', 'cert-manager', 'argocd', 'ci'];
  const appCount = Math.max(4, Math.min(APP_NAMESPACES.length, Math.round(4 + Math.sqrt(options.workers) * 1.2)));
  const appNames = [...APP_NAMESPACES].sort((a, b) => hashOrder(seed, a) - hashOrder(seed, b)).slice(0, appCount);
  const namespaces: Namespace[] = [
    ...systemNames.map((n, i) => buildNamespace(seed, n, null, i)),
    ...appNames.map((n, i) => buildNamespace(seed, n, TEAMS[i % TEAMS.length], 100 + i)),
  ];
  const byName = new Map(namespaces.map((n) => [n.name, n]));
  const appNamespaces = namespaces.filter((n) => n.team !== null);

  // Workloads: about ten app pods per worker node, spread over the app namespaces.
  const workloads: Workload[] = [];
  const system = (ns: string, name: string, image: string, replicas: number, serviceAccount = name) =>
    workloads.push(buildWorkload(seed, { namespace: byName.get(ns)!, name, index: workloads.length, churns: false, image, replicas, serviceAccount }, startUs));
  system('kube-system', 'coredns', 'registry.k8s.io/coredns/coredns:v1.11.3', 2);
  system('kube-system', 'metrics-server', 'registry.k8s.io/metrics-server/metrics-server:v0.7.2', 1);
  system('monitoring', 'prometheus', 'quay.io/prometheus/prometheus:v2.54.1', 2, 'prometheus-k8s');
  system('argocd', 'argocd-application-controller', 'quay.io/argoproj/argocd:v2.13.3', 1);
  system('cert-manager', 'cert-manager', 'quay.io/jetstack/cert-manager-controller:v1.16.2', 1);
  system('ingress-nginx', 'ingress-nginx-controller', 'registry.k8s.io/ingress-nginx/controller:v1.11.3', 2, 'ingress-nginx');
  system('kube-system', 'cluster-autoscaler', 'registry.k8s.io/autoscaling/cluster-autoscaler:v1.31.0', 1);
  const targetPods = Math.max(12, options.workers * 10);
  let pods = 0;
  for (let k = 0; pods < targetPods; k++) {
    const ns = appNamespaces[k % appNamespaces.length];
    const names = pickWorkloadNames(new Rng(seed, Stream.cluster, 3000 + k), 1 + Math.floor(k / appNamespaces.length));
    const name = names[names.length - 1] + (k >= appNamespaces.length * 20 ? `-${Math.floor(k / appNamespaces.length)}` : '');
    if (workloads.some((w) => w.namespace === ns && w.name === name)) continue;
    const w = buildWorkload(seed, { namespace: ns, name, index: workloads.length, churns: true }, startUs);
    workloads.push(w);
    pods += w.replicas;
  }
  const churningPods: PodSlot[] = [];
  const stablePods: PodSlot[] = [];
  for (const w of workloads) {
    for (let r = 0; r < w.replicas; r++) {
      if (w.churns) churningPods.push({ workload: w, replica: r, churnIndex: churningPods.length });
      else stablePods.push({ workload: w, replica: r, churnIndex: -1 });
    }
  }

  const apiserver = makeIdentity({ username: 'system:apiserver', uid: uuid4(rng), groups: ['system:masters'] }, '::1', agent('kube-apiserver'), '');
  const x509 = (r: Rng) => x509Extra(build, hexString(r, 64));
  const kcm = makeIdentity({ username: 'system:kube-controller-manager', groups: ['system:authenticated'], extra: x509(rng) }, cp.ip, agent('kube-controller-manager', '/leader-election'), rbacReason({ kind: 'ClusterRoleBinding', name: 'system:kube-controller-manager' }, { kind: 'ClusterRole', name: 'system:kube-controller-manager' }, { kind: 'User', name: 'system:kube-controller-manager' }));
  const scheduler = makeIdentity({ username: 'system:kube-scheduler', groups: ['system:authenticated'], extra: x509(rng) }, cp.ip, agent('kube-scheduler', '/scheduler'), rbacReason({ kind: 'ClusterRoleBinding', name: 'system:kube-scheduler' }, { kind: 'ClusterRole', name: 'system:kube-scheduler' }, { kind: 'User', name: 'system:kube-scheduler' }));
  const controllers = new Map<string, Identity>();
  for (const c of CONTROLLER_ACCOUNTS) {
    const user = { username: serviceAccountName('kube-system', c), uid: uuid4(rng), groups: serviceAccountGroups('kube-system'), extra: { 'authentication.kubernetes.io/credential-id': [`JTI=${uuid4(rng)}`] } };
    controllers.set(c, makeIdentity(user, cp.ip, agent('kube-controller-manager', `/${user.username}`), serviceAccountClusterReason(`system:controller:${c}`, `system:controller:${c}`, 'kube-system', c)));
  }

  const podOf = (workload: string) => stablePods.find((p) => p.workload.name === workload)!;
  const operator = (workload: string, ns: string, sa: string, ua: string, binding: string, role: string, podIP: string): Identity => {
    const pod = podOf(workload);
    const or = new Rng(seed, Stream.cluster, 7000 + pod.workload.index);
    const node = workers[pod.workload.index % workers.length];
    const user = {
      username: serviceAccountName(ns, sa),
      uid: uuid4(or),
      groups: serviceAccountGroups(ns),
      extra: {
        'authentication.kubernetes.io/credential-id': [`JTI=${uuid4(or)}`],
        'authentication.kubernetes.io/node-name': [node.name],
        'authentication.kubernetes.io/node-uid': [node.uid],
        'authentication.kubernetes.io/pod-name': [`${pod.workload.rsName}-${nameSuffix(or)}`],
        'authentication.kubernetes.io/pod-uid': [uuid4(or)],
      },
    };
    return makeIdentity(user, podIP, ua, serviceAccountClusterReason(binding, role, ns, sa));
  };
  const podIP = (k: number) => `10.244.${3 + k}.${10 + k * 7}`;
  const operators: Record<OperatorName, Identity> = {
    coredns: operator('coredns', 'kube-system', 'coredns', 'coredns/v0.0.0 (linux/amd64) kubernetes/$Format', 'system:coredns', 'system:coredns', podIP(0)),
    metricsServer: operator('metrics-server', 'kube-system', 'metrics-server', 'metrics-server/v0.7.2 (linux/amd64) kubernetes/$Format', 'system:metrics-server', 'system:metrics-server', podIP(1)),
    prometheus: operator('prometheus', 'monitoring', 'prometheus-k8s', 'Prometheus/2.54.1', 'prometheus-k8s', 'prometheus-k8s', podIP(2)),
    argocd: operator('argocd-application-controller', 'argocd', 'argocd-application-controller', 'argocd-application-controller/v2.13.3 (linux/amd64) kubernetes/$Format', 'argocd-application-controller', 'argocd-application-controller', podIP(3)),
    certManager: operator('cert-manager', 'cert-manager', 'cert-manager', 'cert-manager-controller/v1.16.2 (linux/amd64) cert-manager/1f7e7ad44b8f0b2d45d9fd3a1c7b4f2a9a6f7c35', 'cert-manager-controller-certificates', 'cert-manager-controller-certificates', podIP(4)),
    ingressNginx: operator('ingress-nginx-controller', 'ingress-nginx', 'ingress-nginx', 'nginx-ingress-controller/v1.11.3 (linux/amd64) ingress-nginx/0106de65cfccb74405a6dfa7d9daffc6f0a6ef1a', 'ingress-nginx', 'ingress-nginx', podIP(5)),
    clusterAutoscaler: operator('cluster-autoscaler', 'kube-system', 'cluster-autoscaler', 'cluster-autoscaler/v1.31.0 (linux/amd64) kubernetes/$Format', 'cluster-autoscaler', 'cluster-autoscaler', podIP(6)),
    ciDeployer: makeIdentity(
      { username: serviceAccountName('ci', 'deployer'), uid: uuid4(rng), groups: serviceAccountGroups('ci'), extra: { 'authentication.kubernetes.io/credential-id': [`JTI=${uuid4(rng)}`] } },
      `203.0.113.${rng.range(20, 200)}`,
      `kubectl/${KUBECTL_BUILDS[3].version} (linux/amd64) kubernetes/${KUBECTL_BUILDS[3].commit}`,
      serviceAccountClusterReason('ci-deployer', 'edit', 'ci', 'deployer'),
    ),
  };

  const humans = buildHumans(seed, appNamespaces, build);
  return {
    seed,
    startUs,
    build,
    region,
    apiserverIP: cp.ip,
    apiserverLease: `apiserver-${hexString(rng, 26)}`,
    controlPlane,
    workers,
    nodes,
    namespaces,
    appNamespaces,
    workloads,
    churningPods,
    stablePods,
    humans,
    apiserver,
    kcm,
    scheduler,
    controllers,
    operators,
    watchers: buildWatchers({ nodes, kcm, scheduler, operators, appNamespaces, build }),
    rv0: 4_000_000 + rng.range(0, 40_000_000),
  };
}

/** Since Kubernetes 1.32 a client certificate's fingerprint is recorded as the user's credential-id. */
function x509Extra(build: ServerBuild, fingerprint: string): Record<string, string[]> | undefined {
  return build.minor >= 32 ? { 'authentication.kubernetes.io/credential-id': [`X509SHA256=${fingerprint}`] } : undefined;
}

function KUBE_PROXY_SA_UID(seed: SeedWords): string {
  return uuid4(new Rng(seed, Stream.cluster, 99));
}

function hashOrder(seed: SeedWords, s: string): number {
  let h = seed.lo;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

function buildHumans(seed: SeedWords, appNamespaces: readonly Namespace[], build0: ServerBuild): Human[] {
  const rng = new Rng(seed, Stream.cluster, 9000);
  const count = rng.range(8, 12);
  const domain = rng.pick(['example.com', 'acme.example', 'corp.example.org']);
  const people = [...PEOPLE].sort((a, b) => hashOrder(seed, a) - hashOrder(seed, b)).slice(0, count);
  const roles: HumanRole[] = ['masters', 'admin', 'sre', 'sre', 'viewer', 'developer'];
  return people.map((person, i) => {
    const role: HumanRole = i < roles.length ? roles[i] : 'developer';
    const team = TEAMS[i % TEAMS.length];
    const namespaces = appNamespaces.filter((n) => n.team === team).map((n) => n.name);
    if (namespaces.length === 0) namespaces.push(appNamespaces[i % appNamespaces.length].name);
    const build = rng.pick(KUBECTL_BUILDS);
    const platform = rng.pick(KUBECTL_PLATFORMS);
    const ip = rng.chance(0.7) ? `10.8.${rng.range(0, 31)}.${rng.range(2, 254)}` : `198.51.100.${rng.range(2, 254)}`;
    const agent = `kubectl/${build.version} (${platform}) kubernetes/${build.commit}`;
    let username = `${person}@${domain}`;
    let groups: string[];
    let reason: string;
    let extra: Record<string, string[]> | undefined;
    switch (role) {
      case 'masters':
        username = 'kubernetes-admin';
        groups = ['kubeadm:cluster-admins', 'system:authenticated'];
        extra = { 'authentication.kubernetes.io/credential-id': [`X509SHA256=${hexString(rng, 64)}`] };
        if (!x509Extra(build0, '')) extra = undefined;
        reason = rbacReason({ kind: 'ClusterRoleBinding', name: 'kubeadm:cluster-admins' }, { kind: 'ClusterRole', name: 'cluster-admin' }, { kind: 'Group', name: 'kubeadm:cluster-admins' });
        break;
      case 'admin':
        groups = ['system:masters', 'system:authenticated'];
        reason = '';
        break;
      case 'sre':
        groups = ['sre', 'oncall', 'system:authenticated'];
        reason = rbacReason({ kind: 'ClusterRoleBinding', name: 'sre-cluster-admin' }, { kind: 'ClusterRole', name: 'cluster-admin' }, { kind: 'Group', name: 'sre' });
        break;
      case 'viewer':
        groups = ['auditors', 'system:authenticated'];
        reason = rbacReason({ kind: 'ClusterRoleBinding', name: 'auditors-view' }, { kind: 'ClusterRole', name: 'view' }, { kind: 'Group', name: 'auditors' });
        break;
      default:
        groups = [`dev-${team}`, 'system:authenticated'];
        reason = rbacReason({ kind: 'RoleBinding', name: `${team}-developers`, namespace: namespaces[0] }, { kind: 'ClusterRole', name: 'edit' }, { kind: 'Group', name: `dev-${team}` });
    }
    return {
      name: username,
      role,
      team,
      namespaces,
      identity: makeIdentity({ username, groups, extra }, ip, agent, reason),
      kubectlMinor: Number(build.version.split('.')[1]),
    };
  });
}
