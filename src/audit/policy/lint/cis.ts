/**
 * CIS Kubernetes Benchmark, section 3.2 (Logging), answered from what the policy
 * really does to representative requests:
 *
 * - 3.2.1 "Ensure that a minimal audit policy is created": the policy has rules and
 *   some rule logs (level above None).
 * - 3.2.2 "Ensure that the audit policy covers key security concerns": Secret access
 *   is logged; Secrets, ConfigMaps and TokenReviews are logged at Metadata only (no
 *   body written, by anyone; a get at Request writes none and passes); changes to
 *   pods and deployments are logged; pods/exec, pods/portforward, pods/proxy and
 *   services/proxy are logged; and, kubetrail's addition, RBAC changes are logged.
 *
 * "Logged" is asked of people, administrators and workload service accounts, the
 * actors the benchmark is about, by their default identities: a policy may
 * deliberately silence a user it names.
 */
import type { Policy } from '../../types.js';
import { bodyLogged, SENSITIVE_RESOURCES } from './check-bodies.js';
import { lintContext, type LintContext } from './context.js';
import { actorsFor, actorsOfKind, DEFAULT_ACTORS, describeActors, describeRequests, resourceProbes, type Actor, type Probe, type ResourceTarget } from './probes.js';
import type { LintFinding, LintOptions } from './types.js';

export interface CisCheck {
  /** What is checked, e.g. "Secret, ConfigMap and TokenReview access is logged". */
  readonly title: string;
  readonly passed: boolean;
  /** Requests that fail the check, described; empty when it passes. */
  readonly failures: readonly string[];
}

export interface CisControl {
  readonly id: 'cis-3.2.1' | 'cis-3.2.2';
  readonly title: string;
  readonly passed: boolean;
  readonly checks: readonly CisCheck[];
}

/** Who must be seen: people, administrators and workloads (the default actors, not the users a policy names). */
const CIS_ACTORS = actorsOfKind(DEFAULT_ACTORS, 'human', 'admin', 'workload');

interface Requirement {
  readonly title: string;
  /** Each with its own verbs when not all of the requirement's apply (tokenreviews are only created). */
  readonly targets: readonly (ResourceTarget & { readonly verbs?: readonly string[] })[];
  readonly verbs: readonly string[];
  /** logged: above None for people, admins and workloads; no-bodies: no actor at all gets the bodies. */
  readonly kind: 'logged' | 'no-bodies';
}

const REQUIREMENTS: readonly Requirement[] = [
  {
    title: 'Secret access is logged',
    targets: [{ group: '', resource: 'secrets' }],
    verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'],
    kind: 'logged',
  },
  {
    title: 'Secrets, ConfigMaps and TokenReviews are logged at Metadata only (no bodies)',
    targets: SENSITIVE_RESOURCES.filter((s) => s.resource !== 'serviceaccounts/token').map((s) => ({ group: s.group, resource: s.resource, verbs: s.verbs })),
    verbs: [],
    kind: 'no-bodies',
  },
  {
    title: 'changes to pods and deployments are logged',
    targets: [
      { group: '', resource: 'pods' },
      { group: 'apps', resource: 'deployments' },
    ],
    verbs: ['create', 'update', 'patch', 'delete'],
    kind: 'logged',
  },
  {
    title: 'pods/exec, pods/portforward, pods/proxy and services/proxy are logged',
    targets: [
      { group: '', resource: 'pods/exec' },
      { group: '', resource: 'pods/portforward' },
      { group: '', resource: 'pods/proxy', verbs: ['get'] },
      { group: '', resource: 'services/proxy', verbs: ['get'] },
    ],
    verbs: ['create', 'get'],
    kind: 'logged',
  },
  {
    title: 'RBAC changes are logged',
    targets: ['roles', 'rolebindings', 'clusterroles', 'clusterrolebindings'].map((resource) => ({ group: 'rbac.authorization.k8s.io', resource })),
    verbs: ['create', 'update', 'patch', 'delete'],
    kind: 'logged',
  },
];

/** The two CIS 3.2 controls for this policy, each with its checks. */
export function cisSummary(policy: Policy, options: LintOptions = {}): CisControl[] {
  return cisFromContext(lintContext(policy, options), actorsFor(policy));
}

export function cisFromContext(ctx: LintContext, allActors: readonly Actor[]): CisControl[] {
  const checks = REQUIREMENTS.map((req) => requirementCheck(ctx, req.kind === 'logged' ? CIS_ACTORS : allActors, req));
  const logsAnything = ctx.policy.rules.some((r) => r.level !== 'None' && r.level !== '');
  const minimal: CisCheck = {
    title: 'the policy has rules and logs some requests',
    passed: ctx.policy.rules.length > 0 && logsAnything,
    failures: logsAnything ? [] : ['every rule is at level None'],
  };
  return [
    { id: 'cis-3.2.1', title: 'CIS 3.2.1 Ensure that a minimal audit policy is created', passed: minimal.passed, checks: [minimal] },
    { id: 'cis-3.2.2', title: 'CIS 3.2.2 Ensure that the audit policy covers key security concerns', passed: checks.every((c) => c.passed), checks },
  ];
}

function requirementCheck(ctx: LintContext, actors: readonly Actor[], req: Requirement): CisCheck {
  const failures = new Map<string, Probe[]>();
  const fail = (why: string, probe: Probe) => failures.set(why, [...(failures.get(why) ?? []), probe]);
  for (const target of req.targets) {
    const sensitive = SENSITIVE_RESOURCES.find((s) => s.group === target.group && s.resource === target.resource);
    for (const probe of resourceProbes(ctx.policy, actors, target, target.verbs ?? req.verbs)) {
      const d = ctx.evaluate(probe.attrs);
      if (req.kind === 'logged' && d.level === 'None') fail('not logged', probe);
      if (req.kind === 'no-bodies' && sensitive !== undefined && bodyLogged(d.level, probe.attrs.verb, sensitive.secretIn)) fail(`logged with bodies (${d.level})`, probe);
    }
  }
  const described = [...failures].map(([why, probes]) => `${describeRequests(probes, 3)} by ${describeActors(probes.map((p) => p.actor))}: ${why}`);
  return { title: req.title, passed: failures.size === 0, failures: described };
}

/** Failing controls as findings (passing ones are only in the summary). */
export function cisFindings(ctx: LintContext, controls: readonly CisControl[]): LintFinding[] {
  return controls
    .filter((c) => !c.passed)
    .map((c) => {
      const failed = c.checks.filter((k) => !k.passed).map((k) => `${k.title}? no: ${k.failures.join('; ')}`);
      return ctx.finding(c.id, '', `${c.title}: not met. ${failed.join('. ')}`, null);
    });
}
