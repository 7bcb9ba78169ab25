import type { AcceptedFinding } from './types.js';

/**
 * The cloud-provider style policy of seed 002, corrected. Two traps of the original
 * are gone: its `None` rule for get/update in kube-system dropped every secret read
 * there (an attacker reading kube-system secrets went unrecorded), and its noise
 * rules came before the secrets rule. Here the credential rule comes first, so no
 * later rule can log a secret body or drop a secret access.
 */
export const RECOMMENDED_DESCRIPTION = 'production default: credentials at Metadata, noise dropped, reads at Request, writes at RequestResponse, the rest at Metadata';

/** Built-in API groups whose bodies are safe and useful to log (custom resources stay at Metadata). */
const KNOWN_GROUPS = [
  '""',
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
  'flowcontrol.apiserver.k8s.io',
  'networking.k8s.io',
  'node.k8s.io',
  'policy',
  'rbac.authorization.k8s.io',
  'resource.k8s.io',
  'scheduling.k8s.io',
  'storage.k8s.io',
];
const groupList = KNOWN_GROUPS.map((g) => `      - group: ${g}\n`).join('');

export const RECOMMENDED_POLICY = `# kubetrail preset "recommended": credentials at Metadata, high-volume noise dropped,
# reads at Request, writes at RequestResponse, everything else at Metadata.
# Rules are checked in order and the first match decides, so the order below matters.
apiVersion: audit.k8s.io/v1
kind: Policy
# Every request would otherwise be logged twice: once when it arrives (RequestReceived)
# and again when its response is done, with nothing new in the first event.
omitStages:
  - RequestReceived
# managedFields (server-side apply bookkeeping) often doubles an object's size and
# says nothing about who changed what.
omitManagedFields: true
rules:
  # Secrets, ConfigMaps, TokenReviews and TokenRequests carry credentials in their
  # bodies: record who touched which object, never the data. First, so that no later
  # rule can log these bodies, and no noise rule can drop an access to them.
  - level: Metadata
    resources:
      - group: ""
        resources: ["secrets", "configmaps", "serviceaccounts/token"]
      - group: authentication.k8s.io
        resources: ["tokenreviews"]

  # kube-proxy on every node watches services and endpoints all the time: high volume,
  # no forensic value.
  - level: None
    users: ["system:kube-proxy", "system:serviceaccount:kube-system:kube-proxy"]
    verbs: ["watch"]
    resources:
      - group: ""
        resources: ["endpoints", "services", "services/status"]
      - group: discovery.k8s.io
        resources: ["endpointslices"]
  # Kubelets read their own Node object constantly (health and status checks).
  - level: None
    userGroups: ["system:nodes"]
    verbs: ["get"]
    resources:
      - group: ""
        resources: ["nodes", "nodes/status"]
  # kube-apiserver checks namespaces for its own bookkeeping.
  - level: None
    users: ["system:apiserver"]
    verbs: ["get"]
    resources:
      - group: ""
        resources: ["namespaces", "namespaces/status", "namespaces/finalize"]
  # Leader election and node heartbeats renew a Lease every few seconds per component
  # and per node: the largest share of traffic in a quiet cluster. Creating or deleting
  # a Lease is still logged below.
  - level: None
    verbs: ["get", "update"]
    resources:
      - group: coordination.k8s.io
        resources: ["leases"]
  # Events are written by every controller and kubelet and are themselves a log.
  - level: None
    resources:
      - group: ""
        resources: ["events"]
      - group: events.k8s.io
        resources: ["events"]
  # Health checks, metrics scrapes and version probes: frequent, anonymous, read-only.
  - level: None
    nonResourceURLs:
      - /healthz*
      - /livez*
      - /readyz*
      - /metrics
      - /version

  # Kubelets report node and pod status often, and the Node object is large: record
  # that it happened, not the bodies.
  - level: Metadata
    userGroups: ["system:nodes"]
    verbs: ["update", "patch"]
    resources:
      - group: ""
        resources: ["nodes/status", "pods/status"]

  # Reads of built-in APIs: a read has no request body, and its response (a whole list
  # at times) is large; Request records the read without the response.
  - level: Request
    verbs: ["get", "list", "watch"]
    resources:
${groupList}
  # Changes to built-in APIs, with request and response bodies: what was asked and
  # what the object became. This covers pods/exec, attach and portforward, RBAC
  # changes, certificate approvals and admission webhook changes.
  - level: RequestResponse
    resources:
${groupList}
  # Everything else at Metadata: custom resources (their bodies may hold credentials
  # kubetrail cannot know about), discovery and other non-resource requests, and
  # requests without a user (failed authentication).
  - level: Metadata
`;

export const RECOMMENDED_ACCEPTED_FINDINGS: readonly AcceptedFinding[] = [];
