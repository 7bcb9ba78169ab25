import type { AcceptedFinding } from './types.js';

/**
 * kind's guide (seed 001): every request at Metadata. Never logs a body, so it can
 * never leak a secret; the price is no record of *what* changed.
 */
export const METADATA_DESCRIPTION = 'every request at Metadata: who did what to which object, never a body';

export const METADATA_POLICY = `# kubetrail preset "metadata": every request at Metadata (kind's guide), RequestReceived omitted.
# No request or response body is ever written, so no secret can leak into the log;
# you see who did what to which object and the result, not what changed.
apiVersion: audit.k8s.io/v1
kind: Policy
# Every request would otherwise be logged twice: once when it arrives (RequestReceived)
# and again when its response is done, with nothing new in the first event.
omitStages:
  - RequestReceived
rules:
  # Everything at Metadata: user, groups, verb, object, source IPs, user agent, status.
  - level: Metadata
`;

export const METADATA_ACCEPTED_FINDINGS: readonly AcceptedFinding[] = [
  {
    id: 'noise-logged',
    reason: 'one rule on purpose: events, leases, health checks and kube-proxy watches are logged at Metadata too; use "recommended" to drop them',
  },
];
