/**
 * noise-logged, noise-bodies-logged: high-volume, low-value requests that reach the
 * log. Each class is a set of concrete requests by the components that make them;
 * a class is reported with bodies (warning) when the decision writes a body it
 * would be costly to keep, and as merely logged (info) otherwise.
 *
 * Bodies, as kube-apiserver writes them: a write's request body from level Request
 * on; a get's or list's response body only at RequestResponse; a watch's never.
 */
import type { Level } from '../../types.js';
import type { LintContext } from './context.js';
import { actorsOfKind, describeActors, describeRequests, nonResourceProbes, resourceProbes, type Actor, type ActorKind, type Probe, type ResourceTarget } from './probes.js';
import type { LintFinding } from './types.js';

interface NoiseClass {
  readonly name: string;
  readonly actors: readonly ActorKind[];
  /** Only these actors (by user name), when the kind is too broad. */
  readonly users?: readonly string[];
  readonly targets?: readonly ResourceTarget[];
  readonly verbs: readonly string[];
  readonly paths?: readonly string[];
  /** Report when merely logged (Metadata), or only when the bodies are (the requests are worth a Metadata record). */
  readonly reportMetadata: boolean;
  /** The least level whose bodies are costly: writes' request bodies already at Request, or only the response at RequestResponse. */
  readonly costlyFrom: Level;
}

export const NOISE_CLASSES: readonly NoiseClass[] = [
  {
    name: 'lease renewals (leader election, node heartbeats)',
    actors: ['component', 'node'],
    targets: [{ group: 'coordination.k8s.io', resource: 'leases' }],
    verbs: ['get', 'update'],
    reportMetadata: true,
    costlyFrom: 'Request',
  },
  {
    name: 'events written by components',
    actors: ['component', 'node'],
    targets: [
      { group: '', resource: 'events' },
      { group: 'events.k8s.io', resource: 'events' },
    ],
    verbs: ['create', 'update', 'patch'],
    reportMetadata: true,
    costlyFrom: 'Request',
  },
  {
    name: 'health, readiness and metrics probes',
    actors: ['anonymous', 'node', 'component', 'workload'],
    verbs: ['get'],
    paths: ['/healthz', '/livez', '/readyz', '/metrics'],
    reportMetadata: true,
    costlyFrom: 'RequestResponse',
  },
  {
    name: 'kube-proxy watches of services and endpoints',
    actors: ['component'],
    users: ['system:kube-proxy', 'system:serviceaccount:kube-system:kube-proxy'],
    targets: [
      { group: '', resource: 'endpoints' },
      { group: '', resource: 'services' },
      { group: 'discovery.k8s.io', resource: 'endpointslices' },
    ],
    verbs: ['watch'],
    reportMetadata: true,
    costlyFrom: 'RequestResponse',
  },
  {
    name: 'kubelets reading their Node',
    actors: ['node'],
    targets: [{ group: '', resource: 'nodes' }],
    verbs: ['get'],
    reportMetadata: true,
    costlyFrom: 'RequestResponse',
  },
  {
    name: 'node and pod status updates by kubelets',
    actors: ['node'],
    targets: [
      { group: '', resource: 'nodes/status' },
      { group: '', resource: 'pods/status' },
    ],
    verbs: ['patch', 'update'],
    reportMetadata: false,
    // The patch is modest; the response is the whole Node (image lists included).
    costlyFrom: 'RequestResponse',
  },
  {
    name: 'lists by controllers and kubelets',
    actors: ['component', 'node'],
    targets: [
      { group: '', resource: 'pods' },
      { group: '', resource: 'nodes' },
      { group: 'apps', resource: 'replicasets' },
    ],
    verbs: ['list'],
    reportMetadata: false,
    costlyFrom: 'RequestResponse',
  },
];

const WRITES = new Set(['create', 'update', 'patch']);

/** Does this decision write a body of this request that costs (see costlyFrom)? Non-resource requests have none. */
function costlyBody(level: Level, probe: Probe, costlyFrom: Level): boolean {
  const verb = probe.attrs.verb;
  if (!probe.attrs.resourceRequest || verb === 'watch' || level === 'None' || level === 'Metadata') return false;
  const written = level === 'RequestResponse' || WRITES.has(verb);
  return written && (costlyFrom === 'Request' || level === 'RequestResponse');
}

export function noiseProbes(ctx: LintContext, actors: readonly Actor[], cls: NoiseClass): Probe[] {
  let who = actorsOfKind(actors, ...cls.actors);
  if (cls.users !== undefined) who = who.filter((a) => a.user !== null && cls.users!.includes(a.user));
  const probes = (cls.targets ?? []).flatMap((t) => resourceProbes(ctx.policy, who, t, cls.verbs));
  for (const verb of cls.paths === undefined ? [] : cls.verbs) probes.push(...nonResourceProbes(who, verb, cls.paths!));
  return probes;
}

export function checkNoise(ctx: LintContext, actors: readonly Actor[]): LintFinding[] {
  const findings: LintFinding[] = [];
  for (const cls of NOISE_CLASSES) {
    // rule → probes logged with bodies / merely logged
    const withBodies = new Map<number, Probe[]>();
    const logged = new Map<number, Probe[]>();
    for (const probe of noiseProbes(ctx, actors, cls)) {
      const d = ctx.evaluate(probe.attrs);
      if (d.rule === null || d.level === 'None') continue;
      const bucket = costlyBody(d.level, probe, cls.costlyFrom) ? withBodies : cls.reportMetadata ? logged : null;
      if (bucket === null) continue;
      bucket.set(d.rule, [...(bucket.get(d.rule) ?? []), probe]);
    }
    for (const [rule, probes] of withBodies) {
      const level = ctx.policy.rules[rule].level;
      findings.push(ctx.finding('noise-bodies-logged', `rules[${rule}]`, `${cls.name} are logged with bodies at ${level} by this rule: ${summary(probes)}`, rule));
    }
    for (const [rule, probes] of logged) {
      if (withBodies.has(rule)) continue;
      const level = ctx.policy.rules[rule].level;
      findings.push(ctx.finding('noise-logged', `rules[${rule}]`, `${cls.name} are logged at ${level} by this rule: ${summary(probes)}`, rule));
    }
  }
  return findings;
}

function summary(probes: readonly Probe[]): string {
  return `${describeRequests(probes)} by ${describeActors(probes.map((p) => p.actor))}`;
}
