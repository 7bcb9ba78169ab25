import type { AcceptedFinding } from './types.js';

/**
 * The policy of the hands-on lab (seed 000): secrets at Metadata, pods at
 * RequestResponse. The lab's two rules log nothing else: a `kubectl exec`, an RBAC
 * change or a token request would go unrecorded. kubetrail adds a Metadata catch-all
 * and drops the duplicate RequestReceived stage, and keeps the lab's choices otherwise.
 */
export const MINIMAL_DESCRIPTION = "the lab's policy made safe: secrets at Metadata, pods at RequestResponse, everything else at Metadata";

export const MINIMAL_POLICY = `# kubetrail preset "minimal": secrets at Metadata, pods at RequestResponse, the rest at Metadata.
# Small and easy to read; for production prefer "recommended", which also drops noise.
apiVersion: audit.k8s.io/v1
kind: Policy
# Every request would otherwise be logged twice: once when it arrives (RequestReceived)
# and again when its response is done, with nothing new in the first event.
omitStages:
  - RequestReceived
rules:
  # Secrets hold credentials: record who touched which secret, never its data.
  # First, so that no later rule can log secret bodies.
  - level: Metadata
    resources:
      - group: ""
        resources: ["secrets"]
  # Pods: full request and response bodies, to see what was run (image, command,
  # service account, privileges). Subresources such as pods/exec are not "pods" and
  # fall to the catch-all below.
  - level: RequestResponse
    resources:
      - group: ""
        resources: ["pods"]
  # Everything else at Metadata (who, what, when, result). Without this catch-all,
  # exec into pods, RBAC changes and token requests would not be logged at all.
  - level: Metadata
`;

/** Lint findings this preset keeps on purpose, with why. */
export const MINIMAL_ACCEPTED_FINDINGS: readonly AcceptedFinding[] = [
  {
    id: 'noise-bodies-logged',
    reason: "the lab's choice: pods at RequestResponse includes lists and gets of pods by controllers and kubelets, whose responses are large; use \"recommended\" to log pod reads at Request",
  },
  {
    id: 'noise-logged',
    reason: 'kept small on purpose: events, leases, health checks and kube-proxy watches are logged at Metadata by the catch-all instead of adding drop rules',
  },
];
