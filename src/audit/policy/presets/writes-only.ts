import type { AcceptedFinding } from './types.js';

/**
 * Seed 003's filtering example ("log no reads, nothing from system components,
 * everything else at RequestResponse"), made safe. The original drops reads first,
 * which also drops reading secrets and, since kubectl 1.30 execs over WebSockets (a
 * GET), `kubectl exec`; and it logs secret bodies at RequestResponse. Here the
 * security-relevant requests are settled before any drop rule.
 */
export const WRITES_ONLY_DESCRIPTION = 'changes only: writes by people and workloads with bodies, no reads and no system components, security events always kept';

const KNOWN_GROUPS = [
  '""',
  'admissionregistration.k8s.io',
  'apiextensions.k8s.io',
  'apiregistration.k8s.io',
  'apps',
  'autoscaling',
  'batch',
  'certificates.k8s.io',
  'discovery.k8s.io',
  'networking.k8s.io',
  'node.k8s.io',
  'policy',
  'rbac.authorization.k8s.io',
  'resource.k8s.io',
  'scheduling.k8s.io',
  'storage.k8s.io',
];
const groupList = KNOWN_GROUPS.map((g) => `      - group: ${g}\n`).join('');

export const WRITES_ONLY_POLICY = `# kubetrail preset "writes-only": who changed what, with bodies; no reads, no system
# components. Security-relevant requests (secret access, exec, attach, port-forward,
# token requests, anonymous requests) are always kept, whatever the verb or the user.
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
  # Any access to credentials, reads included and by anyone: who touched which
  # secret or token, never the data. Before the drop rules, so none of them applies.
  - level: Metadata
    resources:
      - group: ""
        resources: ["secrets", "serviceaccounts/token"]
      - group: authentication.k8s.io
        resources: ["tokenreviews"]
  # Running commands in, attaching to, or tunnelling into pods and nodes, whatever the
  # verb: kubectl exec over WebSockets is a GET, which the read rule below would drop.
  - level: Metadata
    resources:
      - group: ""
        resources: ["pods/exec", "pods/attach", "pods/portforward", "pods/proxy", "nodes/proxy", "services/proxy"]
  # Changes to who may do what (RBAC), certificate approvals and admission webhooks,
  # by anyone, system components included: a stolen component token used to grant
  # itself more rights must not be dropped by the rules below.
  - level: RequestResponse
    verbs: ["create", "update", "patch", "delete", "deletecollection"]
    resources:
      - group: rbac.authorization.k8s.io
        resources: ["roles", "rolebindings", "clusterroles", "clusterrolebindings"]
      - group: certificates.k8s.io
        resources: ["certificatesigningrequests/approval"]
      - group: admissionregistration.k8s.io
        resources: ["validatingwebhookconfigurations", "mutatingwebhookconfigurations", "validatingadmissionpolicies", "validatingadmissionpolicybindings", "mutatingadmissionpolicies", "mutatingadmissionpolicybindings"]

  # Kubelets and control-plane components change objects all the time to run the
  # cluster; drop what they do (their security-relevant requests were kept above).
  - level: None
    userGroups: ["system:nodes"]
  # Control-plane components by their own user names.
  - level: None
    users:
      - system:kube-scheduler
      - system:kube-controller-manager
      - system:cloud-controller-manager
      - system:kube-proxy
      - system:apiserver
      - system:serviceaccount:kube-system:kube-proxy
  # No reads by authenticated users. Anonymous requests and requests that failed
  # authentication carry no "system:authenticated" group, so they are never dropped.
  - level: None
    userGroups: ["system:authenticated"]
    verbs: ["get", "list", "watch"]
  # Leases and events change constantly and carry nothing worth keeping.
  - level: None
    resources:
      - group: coordination.k8s.io
        resources: ["leases"]
      - group: ""
        resources: ["events"]
      - group: events.k8s.io
        resources: ["events"]
  # Health checks and metrics scrapes (load balancers probe anonymously).
  - level: None
    nonResourceURLs:
      - /healthz*
      - /livez*
      - /readyz*
      - /metrics

  # ConfigMaps often hold credentials too: changes (and anonymous reads) without bodies.
  - level: Metadata
    resources:
      - group: ""
        resources: ["configmaps"]
  # Changes to built-in APIs by people and workloads, with request and response bodies.
  - level: RequestResponse
    resources:
${groupList}
  # Everything else at Metadata: changes to custom resources (their bodies may hold
  # credentials kubetrail cannot know about), anonymous and unauthenticated requests.
  - level: Metadata
`;

export const WRITES_ONLY_ACCEPTED_FINDINGS: readonly AcceptedFinding[] = [];
