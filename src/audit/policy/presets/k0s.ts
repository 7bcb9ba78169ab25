import type { AcceptedFinding } from './types.js';

/**
 * The default audit policy k0rdent documents for k0s clusters (seed 004), as a plain
 * audit.k8s.io/v1 Policy (the `spec.policy` of its ClusterAuditPolicy). The rules are
 * k0rdent's, in k0rdent's order; kubetrail only adds the comments explaining each one.
 * Note that the core group ("") is not in its Request/RequestResponse lists, so pods,
 * services and the rest of the core API are logged at Metadata.
 */
export const K0S_DESCRIPTION = "k0rdent's default for k0s clusters: noise dropped, built-in and k0s APIs with bodies, core API at Metadata";

const GROUPS = [
  'admissionregistration.k8s.io',
  'apiextensions.k8s.io',
  'apiregistration.k8s.io',
  'apps',
  'authentication.k8s.io',
  'authorization.k8s.io',
  'autoscaling',
  'batch',
  'certificates.k8s.io',
  'coordination.k8s.io',
  'discovery.k8s.io',
  'extensions',
  'flowcontrol.apiserver.k8s.io',
  'metrics.k8s.io',
  'networking.k8s.io',
  'node.k8s.io',
  'policy',
  'rbac.authorization.k8s.io',
  'scheduling.k8s.io',
  'storage.k8s.io',
];
const K0S_GROUPS = ['k0s.k0sproject.io', 'helm.k0sproject.io', 'autopilot.k0sproject.io'];
const groupList = [...GROUPS.map((g) => `      - group: "${g}"\n`), '      # k0s\n', ...K0S_GROUPS.map((g) => `      - group: "${g}"\n`)].join('');

export const K0S_POLICY = `# kubetrail preset "k0s": the default audit policy k0rdent documents for k0s clusters,
# as a plain Policy (what a ClusterAuditPolicy holds in spec.policy).
apiVersion: audit.k8s.io/v1
kind: Policy
rules:
  # kube-proxy on every node watches services and endpoints all the time: high volume,
  # low risk.
  - level: None
    users: ["system:kube-proxy"]
    verbs: ["watch"]
    resources:
      - group: "" # core
        resources: ["endpoints", "services", "services/status"]
  # Kubelets read their own Node object constantly.
  - level: None
    userGroups: ["system:nodes"]
    verbs: ["get"]
    resources:
      - group: "" # core
        resources: ["nodes", "nodes/status"]
  # Control-plane components renew endpoints-based leader election in kube-system.
  - level: None
    users:
      - system:kube-controller-manager
      - system:cloud-controller-manager
      - system:kube-scheduler
      - system:serviceaccount:kube-system:endpoint-controller
    verbs: ["get", "update"]
    namespaces: ["kube-system"]
    resources:
      - group: "" # core
        resources: ["endpoints"]
  # kube-apiserver checks namespaces for its own bookkeeping.
  - level: None
    users: ["system:apiserver"]
    verbs: ["get"]
    resources:
      - group: "" # core
        resources: ["namespaces", "namespaces/status", "namespaces/finalize"]
  # The cluster autoscaler keeps its status in kube-system configmaps and endpoints.
  - level: None
    users: ["cluster-autoscaler"]
    verbs: ["get", "update"]
    namespaces: ["kube-system"]
    resources:
      - group: "" # core
        resources: ["configmaps", "endpoints"]
  # Leader election lease renewals: high volume from every controller.
  - level: None
    verbs: ["get", "update"]
    resources:
      - group: "coordination.k8s.io"
        resources: ["leases"]
  # Controllers fetching metrics for autoscaling (HPA).
  - level: None
    users:
      - system:kube-controller-manager
      - system:cloud-controller-manager
    verbs: ["get", "list"]
    resources:
      - group: "metrics.k8s.io"
  # Read-only health and discovery URLs.
  - level: None
    nonResourceURLs:
      - /healthz*
      - /version
      - /swagger*
  # Events are high volume and are themselves a log.
  - level: None
    resources:
      - group: "" # core
        resources: ["events"]
  # Node and pod status updates from nodes are frequent and the objects are large:
  # log the request (what changed), not the response.
  - level: Request
    users: ["kubelet", "system:node-problem-detector", "system:serviceaccount:kube-system:node-problem-detector"]
    verbs: ["update", "patch"]
    resources:
      - group: "" # core
        resources: ["nodes/status", "pods/status"]
    omitStages:
      - "RequestReceived"
  # The same for kubelets, which authenticate as members of system:nodes.
  - level: Request
    userGroups: ["system:nodes"]
    verbs: ["update", "patch"]
    resources:
      - group: "" # core
        resources: ["nodes/status", "pods/status"]
    omitStages:
      - "RequestReceived"
  # A namespace deletion removes everything in it with deletecollection calls whose
  # responses can be huge: log the request only.
  - level: Request
    users: ["system:serviceaccount:kube-system:namespace-controller"]
    verbs: ["deletecollection"]
    omitStages:
      - "RequestReceived"
  # Secrets, ConfigMaps, TokenRequests and TokenReviews carry credentials in their
  # bodies: record who touched which object, never the data.
  - level: Metadata
    resources:
      - group: "" # core
        resources: ["secrets", "configmaps", "serviceaccounts/token"]
      - group: authentication.k8s.io
        resources: ["tokenreviews"]
    omitStages:
      - "RequestReceived"
  # Reads of known APIs: record the request, skip the (possibly large) response.
  - level: Request
    verbs: ["get", "list", "watch"]
    resources:
${groupList}    omitStages:
      - "RequestReceived"
  # Changes to known APIs, with request and response bodies.
  - level: RequestResponse
    resources:
${groupList}    omitStages:
      - "RequestReceived"
  # Everything else, the core API ("") included, at Metadata.
  - level: Metadata
    omitStages:
      - "RequestReceived"
`;

export const K0S_ACCEPTED_FINDINGS: readonly AcceptedFinding[] = [
  {
    id: 'noise-logged',
    reason:
      "k0rdent's rules kept as they are: /livez, /readyz and /metrics probes, events.k8s.io events and kube-proxy's watches (as its service account, and of endpointslices) are logged at Metadata or Request without bodies; add None rules for them if volume matters",
  },
];
