/**
 * What kube-apiserver can put in the request attributes an audit policy sees: the
 * verbs its request-info parser produces, and the resources the built-in API groups
 * serve. The linter uses these to tell an entry that can never match from one that
 * merely has not matched yet.
 *
 * Facts from k8s.io/apiserver pkg/endpoints/request/requestinfo.go:
 * - a resource request's verb comes from the HTTP method (POST create, GET/HEAD get,
 *   PUT update, PATCH patch, DELETE delete), turned into list, watch or
 *   deletecollection when no name is given, or from the deprecated path prefixes
 *   /watch/ and /proxy/; any other method gives the empty verb;
 * - a non-resource request's verb is the lower-cased HTTP method.
 * The authorization-only verbs (impersonate, bind, escalate, use, approve, sign,
 * attest) are asked of the authorizer by admission and by the impersonation filter;
 * no request carries them, so an audit rule naming them matches nothing.
 */

export const RESOURCE_VERBS: ReadonlySet<string> = new Set(['get', 'list', 'watch', 'create', 'update', 'patch', 'delete', 'deletecollection', 'proxy']);
/** Lower-cased HTTP methods; any other method a client sends is possible too, but none is worth a rule. */
export const NON_RESOURCE_VERBS: ReadonlySet<string> = new Set(['get', 'put', 'post', 'patch', 'delete', 'head', 'options']);
export const AUTHORIZATION_ONLY_VERBS: ReadonlySet<string> = new Set(['impersonate', 'bind', 'escalate', 'use', 'approve', 'sign', 'attest']);

export function isKnownVerb(verb: string): boolean {
  return RESOURCE_VERBS.has(verb) || NON_RESOURCE_VERBS.has(verb);
}

/** Verbs a request with an object name can carry (create only for subresources such as pods/exec). */
export const NAMED_VERBS: ReadonlySet<string> = new Set(['get', 'update', 'patch', 'delete', 'watch', 'list', 'proxy', 'create']);

interface ResourceInfo {
  /** Cluster-scoped resources are requested with namespace "" (namespaces themselves with their own name). */
  readonly clusterScoped: boolean;
  /** The first minor release that no longer serves it (1.x), when it was removed. */
  readonly removedIn?: number;
}

type GroupTable = Readonly<Record<string, ResourceInfo>>;

const ns: ResourceInfo = { clusterScoped: false };
const cluster: ResourceInfo = { clusterScoped: true };

/**
 * Built-in groups → resources and subresources, the union over Kubernetes 1.19–1.36
 * (alpha and beta APIs included, since a cluster may enable them). A resource is
 * reported unknown only when it is in none of them (or removed before the release
 * linted for), so a missing entry here errs on the side of silence.
 */
const BUILT_IN: Readonly<Record<string, GroupTable>> = {
  '': {
    bindings: ns,
    componentstatuses: cluster,
    configmaps: ns,
    endpoints: ns,
    events: ns,
    limitranges: ns,
    namespaces: cluster,
    'namespaces/finalize': cluster,
    'namespaces/status': cluster,
    nodes: cluster,
    'nodes/proxy': cluster,
    'nodes/status': cluster,
    persistentvolumeclaims: ns,
    'persistentvolumeclaims/status': ns,
    persistentvolumes: cluster,
    'persistentvolumes/status': cluster,
    pods: ns,
    'pods/attach': ns,
    'pods/binding': ns,
    'pods/ephemeralcontainers': ns,
    'pods/eviction': ns,
    'pods/exec': ns,
    'pods/log': ns,
    'pods/portforward': ns,
    'pods/proxy': ns,
    'pods/resize': ns,
    'pods/status': ns,
    podtemplates: ns,
    replicationcontrollers: ns,
    'replicationcontrollers/scale': ns,
    'replicationcontrollers/status': ns,
    resourcequotas: ns,
    'resourcequotas/status': ns,
    secrets: ns,
    serviceaccounts: ns,
    'serviceaccounts/token': ns,
    services: ns,
    'services/proxy': ns,
    'services/status': ns,
  },
  'admissionregistration.k8s.io': {
    mutatingwebhookconfigurations: cluster,
    validatingwebhookconfigurations: cluster,
    validatingadmissionpolicies: cluster,
    'validatingadmissionpolicies/status': cluster,
    validatingadmissionpolicybindings: cluster,
    mutatingadmissionpolicies: cluster,
    'mutatingadmissionpolicies/status': cluster,
    mutatingadmissionpolicybindings: cluster,
  },
  'apiextensions.k8s.io': { customresourcedefinitions: cluster, 'customresourcedefinitions/status': cluster },
  'apiregistration.k8s.io': { apiservices: cluster, 'apiservices/status': cluster },
  apps: {
    controllerrevisions: ns,
    daemonsets: ns,
    'daemonsets/status': ns,
    deployments: ns,
    'deployments/scale': ns,
    'deployments/status': ns,
    replicasets: ns,
    'replicasets/scale': ns,
    'replicasets/status': ns,
    statefulsets: ns,
    'statefulsets/scale': ns,
    'statefulsets/status': ns,
  },
  'authentication.k8s.io': { tokenreviews: cluster, selfsubjectreviews: cluster },
  'authorization.k8s.io': {
    localsubjectaccessreviews: ns,
    selfsubjectaccessreviews: cluster,
    selfsubjectrulesreviews: cluster,
    subjectaccessreviews: cluster,
  },
  autoscaling: { horizontalpodautoscalers: ns, 'horizontalpodautoscalers/status': ns },
  batch: { cronjobs: ns, 'cronjobs/status': ns, jobs: ns, 'jobs/status': ns },
  'certificates.k8s.io': {
    certificatesigningrequests: cluster,
    'certificatesigningrequests/approval': cluster,
    'certificatesigningrequests/status': cluster,
    clustertrustbundles: cluster,
    podcertificaterequests: ns,
    'podcertificaterequests/status': ns,
  },
  'coordination.k8s.io': { leases: ns, leasecandidates: ns },
  'discovery.k8s.io': { endpointslices: ns },
  'events.k8s.io': { events: ns },
  extensions: {
    // extensions/v1beta1 served only Ingress from 1.16 until its removal in 1.22.
    ingresses: { clusterScoped: false, removedIn: 22 },
    'ingresses/status': { clusterScoped: false, removedIn: 22 },
  },
  'flowcontrol.apiserver.k8s.io': {
    flowschemas: cluster,
    'flowschemas/status': cluster,
    prioritylevelconfigurations: cluster,
    'prioritylevelconfigurations/status': cluster,
  },
  'internal.apiserver.k8s.io': { storageversions: cluster, 'storageversions/status': cluster },
  'networking.k8s.io': {
    ingressclasses: cluster,
    ingresses: ns,
    'ingresses/status': ns,
    clustercidrs: cluster,
    ipaddresses: cluster,
    networkpolicies: ns,
    'networkpolicies/status': ns,
    servicecidrs: cluster,
    'servicecidrs/status': cluster,
  },
  'node.k8s.io': { runtimeclasses: cluster },
  policy: {
    poddisruptionbudgets: ns,
    'poddisruptionbudgets/status': ns,
    podsecuritypolicies: { clusterScoped: true, removedIn: 25 },
  },
  'rbac.authorization.k8s.io': { clusterrolebindings: cluster, clusterroles: cluster, rolebindings: ns, roles: ns },
  'resource.k8s.io': {
    deviceclasses: cluster,
    devicetaintrules: cluster,
    'devicetaintrules/status': cluster,
    podschedulings: ns,
    'podschedulings/status': ns,
    podschedulingcontexts: ns,
    'podschedulingcontexts/status': ns,
    resourceclaims: ns,
    'resourceclaims/status': ns,
    resourceclaimtemplates: ns,
    resourceclaimparameters: ns,
    resourceclasses: cluster,
    resourceclassparameters: ns,
    resourceslices: cluster,
  },
  'scheduling.k8s.io': { priorityclasses: cluster, workloads: ns },
  'storage.k8s.io': {
    csidrivers: cluster,
    csinodes: cluster,
    csistoragecapacities: ns,
    storageclasses: cluster,
    volumeattachments: cluster,
    'volumeattachments/status': cluster,
    volumeattributesclasses: cluster,
  },
  'storagemigration.k8s.io': { storageversionmigrations: cluster, 'storageversionmigrations/status': cluster },
};

/**
 * Groups whose alpha APIs change from release to release faster than this table
 * can be trusted to follow: their resources are known (for scope) but an unknown
 * name there is not reported.
 */
const UNJUDGED_GROUPS = new Set(['resource.k8s.io', 'scheduling.k8s.io', 'storagemigration.k8s.io', 'internal.apiserver.k8s.io']);

export function isBuiltInGroup(group: string): boolean {
  return Object.hasOwn(BUILT_IN, group);
}

/** Built-in groups whose resource names the linter judges (see UNJUDGED_GROUPS). */
export function isJudgedGroup(group: string): boolean {
  return isBuiltInGroup(group) && !UNJUDGED_GROUPS.has(group);
}

/** Kubelet authorization subresources: the kubelet asks about them; kube-apiserver never serves them. */
export const KUBELET_SUBRESOURCES: ReadonlySet<string> = new Set(['nodes/log', 'nodes/metrics', 'nodes/stats', 'nodes/spec', 'nodes/healthz', 'nodes/configz', 'nodes/pods', 'nodes/checkpoint']);

/** The built-in resources (and `resource/subresource` pairs) of a group, served by the given minor release. */
export function builtInResources(group: string, minor: number): string[] {
  const table = BUILT_IN[group];
  if (table === undefined) return [];
  return Object.keys(table).filter((r) => table[r].removedIn === undefined || minor < table[r].removedIn!);
}

export function resourceInfo(group: string, resource: string): ResourceInfo | undefined {
  const table = BUILT_IN[group];
  return table !== undefined && Object.hasOwn(table, resource) ? table[resource] : undefined;
}

/** Other built-in groups that serve this resource name: for "did you mean" hints. */
export function groupsServing(resource: string, minor: number): string[] {
  return Object.keys(BUILT_IN).filter((g) => builtInResources(g, minor).includes(resource));
}
