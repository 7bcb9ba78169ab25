/**
 * Long-running watches: who keeps one open on what. Every informer of every component
 * is a watcher; the watch lane (schedule.ts) restarts them round-robin, each watch
 * lasting the timeoutSeconds its client asked for (client-go picks 5–10 minutes), so a
 * watch shows up as RequestReceived and ResponseStarted when it opens and ResponseComplete
 * when it times out.
 */
import type { Identity } from './identities.js';
import { withClient } from './identities.js';
import type { NodeInfo, OperatorName, ServerBuild } from './cluster.js';
import type { Namespace } from './workloads.js';
import { queryEscape } from './text.js';

export interface ResourceType {
  readonly group: string;
  readonly version: string;
  readonly resource: string;
  readonly namespaced: boolean;
}

export interface Watcher {
  readonly identity: Identity;
  readonly type: ResourceType;
  readonly namespace: string;
  /** Set when the watch is narrowed to one object by `fieldSelector=metadata.name=…`. */
  readonly name: string;
  /** Query parameters between allowWatchBookmarks and resourceVersion, already escaped and sorted (`fieldSelector=…&labelSelector=…`). */
  readonly selectors: string;
  /** client-go's request timeout, added as `timeout=` by kube components. */
  readonly clientTimeout: boolean;
}

const T = (group: string, version: string, resource: string, namespaced = true): ResourceType => ({ group, version, resource, namespaced });

export const TYPES = {
  pods: T('', 'v1', 'pods'),
  nodes: T('', 'v1', 'nodes', false),
  services: T('', 'v1', 'services'),
  endpoints: T('', 'v1', 'endpoints'),
  configmaps: T('', 'v1', 'configmaps'),
  secrets: T('', 'v1', 'secrets'),
  namespaces: T('', 'v1', 'namespaces', false),
  serviceaccounts: T('', 'v1', 'serviceaccounts'),
  persistentvolumes: T('', 'v1', 'persistentvolumes', false),
  persistentvolumeclaims: T('', 'v1', 'persistentvolumeclaims'),
  events: T('', 'v1', 'events'),
  resourcequotas: T('', 'v1', 'resourcequotas'),
  limitranges: T('', 'v1', 'limitranges'),
  replicationcontrollers: T('', 'v1', 'replicationcontrollers'),
  deployments: T('apps', 'v1', 'deployments'),
  replicasets: T('apps', 'v1', 'replicasets'),
  statefulsets: T('apps', 'v1', 'statefulsets'),
  daemonsets: T('apps', 'v1', 'daemonsets'),
  jobs: T('batch', 'v1', 'jobs'),
  cronjobs: T('batch', 'v1', 'cronjobs'),
  leases: T('coordination.k8s.io', 'v1', 'leases'),
  endpointslices: T('discovery.k8s.io', 'v1', 'endpointslices'),
  ingresses: T('networking.k8s.io', 'v1', 'ingresses'),
  ingressclasses: T('networking.k8s.io', 'v1', 'ingressclasses', false),
  networkpolicies: T('networking.k8s.io', 'v1', 'networkpolicies'),
  poddisruptionbudgets: T('policy', 'v1', 'poddisruptionbudgets'),
  horizontalpodautoscalers: T('autoscaling', 'v2', 'horizontalpodautoscalers'),
  roles: T('rbac.authorization.k8s.io', 'v1', 'roles'),
  rolebindings: T('rbac.authorization.k8s.io', 'v1', 'rolebindings'),
  clusterroles: T('rbac.authorization.k8s.io', 'v1', 'clusterroles', false),
  clusterrolebindings: T('rbac.authorization.k8s.io', 'v1', 'clusterrolebindings', false),
  storageclasses: T('storage.k8s.io', 'v1', 'storageclasses', false),
  csinodes: T('storage.k8s.io', 'v1', 'csinodes', false),
  csidrivers: T('storage.k8s.io', 'v1', 'csidrivers', false),
  csistoragecapacities: T('storage.k8s.io', 'v1', 'csistoragecapacities'),
  volumeattachments: T('storage.k8s.io', 'v1', 'volumeattachments', false),
  priorityclasses: T('scheduling.k8s.io', 'v1', 'priorityclasses', false),
  runtimeclasses: T('node.k8s.io', 'v1', 'runtimeclasses', false),
  certificatesigningrequests: T('certificates.k8s.io', 'v1', 'certificatesigningrequests', false),
  customresourcedefinitions: T('apiextensions.k8s.io', 'v1', 'customresourcedefinitions', false),
  mutatingwebhookconfigurations: T('admissionregistration.k8s.io', 'v1', 'mutatingwebhookconfigurations', false),
  validatingwebhookconfigurations: T('admissionregistration.k8s.io', 'v1', 'validatingwebhookconfigurations', false),
  certificates: T('cert-manager.io', 'v1', 'certificates'),
  certificaterequests: T('cert-manager.io', 'v1', 'certificaterequests'),
  issuers: T('cert-manager.io', 'v1', 'issuers'),
  clusterissuers: T('cert-manager.io', 'v1', 'clusterissuers', false),
  applications: T('argoproj.io', 'v1alpha1', 'applications'),
  servicemonitors: T('monitoring.coreos.com', 'v1', 'servicemonitors'),
} as const satisfies Record<string, ResourceType>;

/** The collection path: /api/v1/pods, /apis/apps/v1/namespaces/ns/deployments. */
export function collectionPath(type: ResourceType, namespace: string): string {
  const prefix = type.group === '' ? `/api/${type.version}` : `/apis/${type.group}/${type.version}`;
  return namespace === '' ? `${prefix}/${type.resource}` : `${prefix}/namespaces/${namespace}/${type.resource}`;
}

export function objectPath(type: ResourceType, namespace: string, name: string): string {
  return `${collectionPath(type, type.namespaced ? namespace : '')}/${name}`;
}

interface WatcherInputs {
  nodes: readonly NodeInfo[];
  kcm: Identity;
  scheduler: Identity;
  operators: Readonly<Record<OperatorName, Identity>>;
  appNamespaces: readonly Namespace[];
  build: ServerBuild;
}

const PROXY_SELECTOR = `labelSelector=${queryEscape('!service.kubernetes.io/headless,!service.kubernetes.io/service-proxy-name')}`;

export function buildWatchers(input: WatcherInputs): Watcher[] {
  const out: Watcher[] = [];
  const add = (identity: Identity, type: ResourceType, options: { namespace?: string; name?: string; field?: string; label?: string; timeout?: boolean } = {}) => {
    const selectors: string[] = [];
    const field = options.field ?? (options.name ? `metadata.name=${options.name}` : undefined);
    if (field) selectors.push(`fieldSelector=${queryEscape(field)}`);
    if (options.label) selectors.push(options.label.startsWith('labelSelector=') ? options.label : `labelSelector=${queryEscape(options.label)}`);
    out.push({ identity, type, namespace: options.namespace ?? '', name: options.name ?? '', selectors: selectors.join('&'), clientTimeout: options.timeout ?? true });
  };
  const { build } = input;
  const informers = (id: Identity) => withClient(id, id.sourceIP, `kube-controller-manager/${build.version} (linux/amd64) kubernetes/${build.commit}/shared-informers`);
  const kcm = informers(input.kcm);
  for (const t of [
    TYPES.pods, TYPES.nodes, TYPES.services, TYPES.endpointslices, TYPES.replicasets, TYPES.deployments, TYPES.daemonsets,
    TYPES.statefulsets, TYPES.jobs, TYPES.cronjobs, TYPES.namespaces, TYPES.serviceaccounts, TYPES.secrets, TYPES.configmaps,
    TYPES.persistentvolumes, TYPES.persistentvolumeclaims, TYPES.leases, TYPES.roles, TYPES.rolebindings, TYPES.clusterroles,
    TYPES.clusterrolebindings, TYPES.horizontalpodautoscalers, TYPES.poddisruptionbudgets, TYPES.ingresses, TYPES.networkpolicies,
    TYPES.csinodes, TYPES.csidrivers, TYPES.storageclasses, TYPES.volumeattachments, TYPES.resourcequotas, TYPES.limitranges,
    TYPES.priorityclasses, TYPES.certificatesigningrequests, TYPES.validatingwebhookconfigurations, TYPES.mutatingwebhookconfigurations,
    TYPES.replicationcontrollers, TYPES.endpoints,
  ]) add(kcm, t);
  add(input.scheduler, TYPES.pods, { field: 'status.phase!=Succeeded,status.phase!=Failed' });
  for (const t of [
    TYPES.nodes, TYPES.persistentvolumes, TYPES.persistentvolumeclaims, TYPES.services, TYPES.namespaces, TYPES.storageclasses,
    TYPES.csinodes, TYPES.csidrivers, TYPES.csistoragecapacities, TYPES.replicasets, TYPES.statefulsets, TYPES.poddisruptionbudgets,
    TYPES.replicationcontrollers,
  ]) add(input.scheduler, t);
  for (const node of input.nodes) {
    add(node.kubelet, TYPES.pods, { field: `spec.nodeName=${node.name}` });
    add(node.kubelet, TYPES.nodes, { name: node.name });
    add(node.kubelet, TYPES.services);
    add(node.kubelet, TYPES.runtimeclasses);
    add(node.kubelet, TYPES.csidrivers);
    const ns = input.appNamespaces[node.index % input.appNamespaces.length].name;
    add(node.kubelet, TYPES.configmaps, { namespace: ns, name: 'kube-root-ca.crt' });
    add(node.kubeProxy, TYPES.services, { label: PROXY_SELECTOR });
    add(node.kubeProxy, TYPES.endpointslices, { label: PROXY_SELECTOR });
    add(node.kubeProxy, TYPES.nodes, { name: node.name });
  }
  const ops = input.operators;
  for (const t of [TYPES.services, TYPES.endpointslices, TYPES.namespaces]) add(ops.coredns, t, { timeout: false });
  add(ops.metricsServer, TYPES.nodes, { timeout: false });
  for (const ns of input.appNamespaces) {
    for (const t of [TYPES.pods, TYPES.services, TYPES.endpoints]) add(ops.prometheus, t, { namespace: ns.name, timeout: false });
  }
  for (const t of [TYPES.servicemonitors, TYPES.nodes, TYPES.configmaps]) add(ops.prometheus, t, { timeout: false });
  for (const t of [
    TYPES.applications, TYPES.deployments, TYPES.replicasets, TYPES.pods, TYPES.services, TYPES.configmaps, TYPES.secrets,
    TYPES.ingresses, TYPES.serviceaccounts, TYPES.roles, TYPES.rolebindings, TYPES.horizontalpodautoscalers, TYPES.jobs,
    TYPES.cronjobs, TYPES.statefulsets, TYPES.persistentvolumeclaims, TYPES.networkpolicies, TYPES.endpointslices,
  ]) add(ops.argocd, t, { timeout: false });
  for (const t of [TYPES.certificates, TYPES.certificaterequests, TYPES.issuers, TYPES.clusterissuers, TYPES.ingresses]) add(ops.certManager, t, { timeout: false });
  add(ops.certManager, TYPES.secrets, { label: 'controller.cert-manager.io/fao=true', timeout: false });
  for (const t of [TYPES.ingresses, TYPES.ingressclasses, TYPES.services, TYPES.endpointslices, TYPES.secrets]) add(ops.ingressNginx, t, { timeout: false });
  add(ops.ingressNginx, TYPES.configmaps, { namespace: 'ingress-nginx', timeout: false });
  for (const t of [TYPES.pods, TYPES.nodes, TYPES.poddisruptionbudgets, TYPES.statefulsets, TYPES.replicasets, TYPES.daemonsets]) add(ops.clusterAutoscaler, t, { timeout: false });
  return out;
}
