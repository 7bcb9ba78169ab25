/**
 * no-catch-all and request-received-logged: what happens to ordinary traffic. Both
 * are decided by running representative requests of every kind of actor through the
 * evaluator, so a policy that ends with a rule matching everything (whatever its
 * level) is never told it lacks a catch-all, and a RequestReceived finding names
 * only rules that really log some request.
 */
import { listText, type LintContext } from './context.js';
import { describeActors, describeResource, nonResourceProbes, resourceProbes, type Actor, type Probe, type ResourceTarget } from './probes.js';
import type { LintFinding } from './types.js';

/** Everyday requests across the API: core, built-in groups, a custom resource, discovery. */
const ORDINARY_TARGETS: readonly ResourceTarget[] = [
  { group: '', resource: 'pods' },
  { group: '', resource: 'services' },
  { group: '', resource: 'configmaps' },
  { group: '', resource: 'namespaces' },
  { group: '', resource: 'nodes' },
  { group: 'apps', resource: 'deployments' },
  { group: 'batch', resource: 'jobs' },
  { group: 'networking.k8s.io', resource: 'ingresses' },
  { group: 'rbac.authorization.k8s.io', resource: 'clusterroles' },
  { group: 'example.com', resource: 'widgets' },
];
const ORDINARY_VERBS = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'];
const ORDINARY_PATHS = ['/api', '/apis', '/version', '/openapi/v2', '/healthz', '/.well-known/openid-configuration'];

export function ordinaryProbes(ctx: LintContext, actors: readonly Actor[]): Probe[] {
  return [...ORDINARY_TARGETS.flatMap((t) => resourceProbes(ctx.policy, actors, t, ORDINARY_VERBS)), ...nonResourceProbes(actors, 'get', ORDINARY_PATHS)];
}

export function checkCatchAll(ctx: LintContext, probes: Iterable<Probe>): LintFinding[] {
  const unmatched: Probe[] = [];
  for (const p of probes) if (ctx.evaluate(p.attrs).rule === null) unmatched.push(p);
  if (unmatched.length === 0) return [];
  // What is requested (a resource or a path) → who, then grouped by who.
  const byWhat = new Map<string, Probe[]>();
  for (const p of unmatched) {
    const what = p.attrs.resourceRequest ? describeResource(p.attrs) : p.attrs.path;
    byWhat.set(what, [...(byWhat.get(what) ?? []), p]);
  }
  const byWho = new Map<string, string[]>();
  for (const [what, probes] of byWhat) {
    const who = describeActors(probes.map((p) => p.actor));
    byWho.set(who, [...(byWho.get(who) ?? []), what]);
  }
  const examples = [...byWho].map(([who, whats]) => `${listText(whats, 4)} by ${who}`);
  return [
    ctx.finding(
      'no-catch-all',
      'rules',
      `requests that match no rule are not logged: ${examples.slice(0, 3).join('; ')}${examples.length > 3 ? '; and more' : ''}; end the policy with \`- level: Metadata\` to log them`,
      null,
    ),
  ];
}

export function checkRequestReceived(ctx: LintContext, probes: Iterable<Probe>): LintFinding[] {
  const rules = new Set<number>();
  for (const p of probes) {
    const d = ctx.evaluate(p.attrs);
    if (d.rule !== null && d.level !== 'None' && !d.omitStages.includes('RequestReceived')) rules.add(d.rule);
  }
  if (rules.size === 0) return [];
  const sorted = [...rules].sort((a, b) => a - b);
  const names = sorted.map((r) => `rules[${r}]`);
  return [
    ctx.finding(
      'request-received-logged',
      `rules[${sorted[0]}]`,
      `${listText(names, 5)} log the RequestReceived stage, so each request they match is written twice; add \`omitStages: ["RequestReceived"]\` at the top of the policy`,
      sorted[0],
    ),
  ];
}
