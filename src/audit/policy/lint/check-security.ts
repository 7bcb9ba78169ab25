/**
 * security-request-dropped: requests an incident responder needs that end at level
 * None, at a None rule or by matching no rule. Each class is probed for every actor,
 * system components included: a stolen controller or kube-proxy token used to bind
 * a role is exactly what must not go unrecorded.
 *
 * Impersonation has no class of its own: kube-apiserver evaluates the policy for the
 * authenticated (impersonating) user, so an impersonated request is logged exactly
 * when a request of that user would be.
 */
import type { LintContext } from './context.js';
import { describeActors, describeRequests, nonResourceProbes, actorsOfKind, resourceProbes, type Actor, type Probe, type ResourceTarget } from './probes.js';
import type { LintFinding } from './types.js';

export interface SecurityClass {
  readonly name: string;
  readonly targets: readonly ResourceTarget[];
  readonly verbs: readonly string[];
  /** Only these actors (default: all). */
  readonly actors?: readonly Actor['kind'][];
}

const RBAC = 'rbac.authorization.k8s.io';
const WRITES = ['create', 'update', 'patch', 'delete'];

export const SECURITY_CLASSES: readonly SecurityClass[] = [
  {
    name: 'exec, attach and port-forward requests',
    targets: [
      { group: '', resource: 'pods/exec' },
      { group: '', resource: 'pods/attach' },
      { group: '', resource: 'pods/portforward' },
    ],
    // SPDY clients POST (create); WebSocket clients, kubectl from 1.30 on, GET.
    verbs: ['create', 'get'],
  },
  { name: 'kubelet API requests through nodes/proxy', targets: [{ group: '', resource: 'nodes/proxy' }], verbs: ['get', 'create'] },
  {
    name: 'RBAC changes',
    targets: [
      { group: RBAC, resource: 'roles' },
      { group: RBAC, resource: 'rolebindings' },
      { group: RBAC, resource: 'clusterroles' },
      { group: RBAC, resource: 'clusterrolebindings' },
    ],
    verbs: WRITES,
  },
  { name: 'Secret reads and writes', targets: [{ group: '', resource: 'secrets' }], verbs: ['get', 'list', 'watch', ...WRITES] },
  { name: 'token requests', targets: [{ group: '', resource: 'serviceaccounts/token' }], verbs: ['create'] },
  { name: 'CSR approvals', targets: [{ group: 'certificates.k8s.io', resource: 'certificatesigningrequests/approval' }], verbs: ['update', 'patch'] },
  {
    name: 'admission webhook changes',
    targets: [
      { group: 'admissionregistration.k8s.io', resource: 'validatingwebhookconfigurations' },
      { group: 'admissionregistration.k8s.io', resource: 'mutatingwebhookconfigurations' },
    ],
    verbs: WRITES,
  },
  {
    name: 'anonymous and unauthenticated requests',
    targets: [
      { group: '', resource: 'pods' },
      { group: '', resource: 'namespaces' },
      { group: '', resource: 'configmaps' },
    ],
    verbs: ['get', 'list', 'create'],
    actors: ['anonymous', 'unauthenticated'],
  },
];

/** Discovery paths an anonymous scanner probes first; health checks are not among them. */
export const ANONYMOUS_PATHS: readonly string[] = ['/', '/api', '/apis', '/openapi/v2'];

export function securityProbes(ctx: LintContext, actors: readonly Actor[], cls: SecurityClass): Probe[] {
  const who = cls.actors === undefined ? actors : actorsOfKind(actors, ...cls.actors);
  const probes = cls.targets.flatMap((t) => resourceProbes(ctx.policy, who, t, cls.verbs));
  if (cls.actors !== undefined) probes.push(...nonResourceProbes(who, 'get', ANONYMOUS_PATHS));
  return probes;
}

export function checkSecurity(ctx: LintContext, actors: readonly Actor[]): LintFinding[] {
  const findings: LintFinding[] = [];
  for (const cls of SECURITY_CLASSES) {
    const byRule = new Map<number | null, Probe[]>();
    for (const probe of securityProbes(ctx, actors, cls)) {
      const d = ctx.evaluate(probe.attrs);
      if (d.level !== 'None') continue;
      const list = byRule.get(d.rule) ?? [];
      list.push(probe);
      byRule.set(d.rule, list);
    }
    for (const [rule, probes] of byRule) {
      const how = rule === null ? 'match no rule' : 'end at level None at this rule';
      findings.push(
        ctx.finding(
          'security-request-dropped',
          rule === null ? 'rules' : `rules[${rule}]`,
          `${cls.name} are not logged: ${describeRequests(probes)} by ${describeActors(probes.map((p) => p.actor))} ${how}`,
          rule,
        ),
      );
    }
  }
  return findings;
}
