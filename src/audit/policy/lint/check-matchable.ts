/**
 * unknown-verb, authorization-only-verb, unknown-resource, wildcard-group-unsupported
 * and rule-never-matches: entries no request can match, read from the rule's fields
 * alone. Each finding is certain: an entry is called dead only when kube-apiserver's
 * request parser cannot produce a request it matches (see kubernetes-api.ts), and a
 * resource is called unknown only in a built-in group, whose resources are fixed.
 */
import type { PolicyRule } from '../../types.js';
import type { LintContext } from './context.js';
import { AUTHORIZATION_ONLY_VERBS, builtInResources, groupsServing, isBuiltInGroup, isJudgedGroup, isKnownVerb, KUBELET_SUBRESOURCES, NON_RESOURCE_VERBS, resourceInfo, RESOURCE_VERBS } from './kubernetes-api.js';
import { parseResourcePattern, reachesSubresources, type ResourcePattern } from './resource-patterns.js';
import type { LintFinding } from './types.js';

export type RequestKind = 'resource' | 'non-resource' | 'both';

/** Which requests a rule is checked against: resources or namespaces make it resource-only (checker.go). */
export function requestKind(rule: PolicyRule): RequestKind {
  if (rule.resources.length > 0 || rule.namespaces.length > 0) return 'resource';
  if (rule.nonResourceURLs.length > 0) return 'non-resource';
  return 'both';
}

const RESOURCE_FOR_METHOD: Record<string, string> = { post: 'create', put: 'update', head: 'get' };
const METHOD_FOR_RESOURCE_VERB: Record<string, string> = { list: 'get', watch: 'get', create: 'post', update: 'put', deletecollection: 'delete' };

export interface MatchableResult {
  findings: LintFinding[];
  /** Rules no request can match. */
  dead: Set<number>;
}

export function checkMatchable(ctx: LintContext): MatchableResult {
  const findings: LintFinding[] = [];
  const dead = new Set<number>();
  const minor = ctx.version.minor;
  ctx.policy.rules.forEach((rule, i) => {
    const path = `rules[${i}]`;
    const kind = requestKind(rule);
    const reasons: string[] = [];

    const verbProblems = rule.verbs.map((verb) => verbProblem(verb, kind));
    verbProblems.forEach((problem, j) => {
      if (problem !== null) findings.push(ctx.finding(problem.id, `${path}.verbs[${j}]`, problem.message, i));
    });
    const liveVerbs = rule.verbs.filter((_, j) => verbProblems[j] === null);
    if (rule.verbs.length > 0 && liveVerbs.length === 0) {
      reasons.push(verbProblems.every((p) => p!.certain) ? 'no request carries any of its verbs' : 'no request a Kubernetes client sends carries any of its verbs (only a non-standard HTTP method could)');
    }

    const entryReasons: string[] = [];
    const liveEntries = rule.resources.filter((gr, g) => {
      const entryPath = `${path}.resources[${g}]`;
      if (gr.group === '*' && !ctx.wildcardGroup) {
        findings.push(ctx.finding('wildcard-group-unsupported', `${entryPath}.group`, `group "*" is refused by kube-apiserver before 1.36 (this check follows ${ctx.version.major}.${minor}); list the groups, or leave out "resources" to match every resource`, i));
        entryReasons.push(`resources[${g}] has group "*"`);
        return false;
      }
      const patterns = gr.resources.map(parseResourcePattern);
      const live = patterns.filter((p, k) => {
        const problem = patternProblem(gr.group, p, gr.resources[k], minor);
        if (problem === null) return true;
        findings.push(ctx.finding('unknown-resource', `${entryPath}.resources[${k}]`, problem, i));
        return false;
      });
      if (gr.resources.length > 0 && live.length === 0) {
        entryReasons.push(`resources[${g}] names no resource kube-apiserver serves`);
        return false;
      }
      if (gr.resourceNames.length > 0 && liveVerbs.length > 0) {
        const named = liveVerbs.some((v) => v !== 'deletecollection' && (v !== 'create' || live.some(reachesSubresources)));
        if (!named) {
          const create = liveVerbs.includes('create') ? ' (a create names its object in the body, not the path)' : '';
          entryReasons.push(`resources[${g}] lists resourceNames, but ${liveVerbs.join(' and ')} requests carry no object name${create}`);
          return false;
        }
      }
      return true;
    });
    if (rule.resources.length > 0 && liveEntries.length === 0) reasons.push(...entryReasons);

    if (reasons.length === 0 && rule.namespaces.length > 0 && !rule.namespaces.includes('') && liveEntries.length > 0) {
      const allClusterScoped = liveEntries.every(
        (gr) =>
          isBuiltInGroup(gr.group) &&
          gr.resources.length > 0 &&
          gr.resources.map(parseResourcePattern).every((p) => p.kind === 'never' || (p.kind === 'exact' && p.resource !== 'namespaces' && resourceInfo(gr.group, joinPattern(p))?.clusterScoped === true)),
      );
      if (allClusterScoped) reasons.push('it lists namespaces, but all its resources are cluster-scoped, and kube-apiserver serves them with namespace "" (add "" to namespaces, or remove namespaces)');
    }

    if (reasons.length > 0) {
      dead.add(i);
      findings.push(ctx.finding('rule-never-matches', path, `this rule can never match: ${reasons.join('; ')}`, i));
    }
  });
  return { findings, dead };
}

function joinPattern(p: { resource: string; subresource: string }): string {
  return p.subresource === '' ? p.resource : `${p.resource}/${p.subresource}`;
}

interface VerbProblem {
  id: 'unknown-verb' | 'authorization-only-verb';
  message: string;
  /**
   * No request at all carries it. Otherwise only a non-standard HTTP method could:
   * a non-resource request's verb is whatever lower-cased method the client sent.
   */
  certain: boolean;
}

/** Characters of an HTTP method token (RFC 9110 tchar), lower-case: the verbs a non-resource request can carry. */
const LOWER_METHOD = /^[a-z0-9!#$%&'*+.^_`|~-]+$/;

function verbProblem(verb: string, kind: RequestKind): VerbProblem | null {
  const q = JSON.stringify(verb);
  // A resource request's verb comes from a fixed set; a non-resource request's from the method.
  const certain = kind === 'resource' || !LOWER_METHOD.test(verb);
  const only = certain ? '' : `; only a request with the non-standard HTTP method ${verb.toUpperCase()} would carry it`;
  if (AUTHORIZATION_ONLY_VERBS.has(verb)) {
    return { id: 'authorization-only-verb', certain, message: `${q} is checked by the authorizer inside kube-apiserver, never carried by the request itself, so it matches nothing in an audit policy${only}` };
  }
  if (!isKnownVerb(verb)) {
    const lower = verb.toLowerCase();
    const hint =
      verb === '*'
        ? 'verbs are compared exactly; leave "verbs" out to match every verb'
        : lower !== verb && isKnownVerb(lower)
          ? `verbs are lower-case: use ${JSON.stringify(lower)}`
          : 'requests carry get, list, watch, create, update, patch, delete, deletecollection, or for non-resource URLs the lower-cased HTTP method';
    return { id: 'unknown-verb', certain, message: `${certain ? 'no request carries' : 'no standard request carries'} the verb ${q}: ${hint}${only}` };
  }
  if (kind === 'resource' && !RESOURCE_VERBS.has(verb)) {
    const instead = RESOURCE_FOR_METHOD[verb];
    return { id: 'unknown-verb', certain, message: `${q} is an HTTP method: a resource request carries ${instead === undefined ? 'a verb such as get or create' : JSON.stringify(instead)} instead` };
  }
  if (kind === 'non-resource' && !NON_RESOURCE_VERBS.has(verb)) {
    const instead = METHOD_FOR_RESOURCE_VERB[verb];
    return { id: 'unknown-verb', certain, message: `${q} is a resource verb: a non-resource request carries its lower-cased HTTP method${instead === undefined ? '' : ` (${JSON.stringify(instead)})`}${only}` };
  }
  return null;
}

function patternProblem(group: string, p: ResourcePattern, text: string, minor: number): string | null {
  if (p.kind === 'never') return `${p.why}: it matches no resource kube-apiserver serves`;
  if (group === '*' || !isJudgedGroup(group) || p.kind === 'all') return null;
  const served = builtInResources(group, minor);
  const groupName = group === '' ? 'the core group ("")' : `group ${JSON.stringify(group)}`;
  const unknown = (what: string, name: string) => {
    const removedIn = resourceInfo(group, name)?.removedIn;
    if (removedIn !== undefined) return `${groupName} stopped serving ${what} in Kubernetes 1.${removedIn} (this check follows 1.${minor})`;
    if (name !== name.toLowerCase() && served.includes(name.toLowerCase())) return `resource names are lower-case: ${groupName} serves ${JSON.stringify(name.toLowerCase())}, not ${what}`;
    const elsewhere = groupsServing(name, minor).filter((g) => g !== group);
    const hint = elsewhere.length > 0 ? `; ${name} is served by ${elsewhere.map((g) => (g === '' ? 'the core group ("")' : `group ${JSON.stringify(g)}`)).join(' and ')}` : '';
    return `${groupName} does not serve ${what}${hint}`;
  };
  switch (p.kind) {
    case 'exact': {
      if (served.includes(text)) return null;
      if (group === '' && KUBELET_SUBRESOURCES.has(text)) return `${text} is authorized by the kubelet for its own API; kube-apiserver never serves it, so the audit policy never sees such a request (the kubelet API through kube-apiserver is nodes/proxy)`;
      if (p.subresource !== '' && served.includes(p.resource)) return `${groupName} serves ${p.resource} but not the subresource ${JSON.stringify(p.subresource)}`;
      return unknown(JSON.stringify(text), text);
    }
    case 'with-subresources':
      return served.includes(p.resource) ? null : unknown(JSON.stringify(p.resource), p.resource);
    case 'any-resource':
      return served.some((r) => r.endsWith(`/${p.subresource}`)) ? null : `no resource of ${groupName} has the subresource ${JSON.stringify(p.subresource)}`;
  }
}
