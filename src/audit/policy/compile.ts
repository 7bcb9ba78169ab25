/**
 * The compiled evaluator: the same decisions as kube-apiserver's checker (and as
 * ./interpret.ts), computed with work done once per policy instead of once per request.
 *
 * - Rules are pre-sorted into candidate lists keyed by (verb, resource request or not):
 *   a rule that cannot match a verb, or the kind of request, is never visited.
 * - Each rule becomes a closure holding only the checks its set fields need, with
 *   sets for long lists and plain comparison for one-element lists.
 * - Decisions are built once and frozen; evaluate() returns one of them, so a call
 *   allocates nothing.
 */
import type { RequestAttributes } from '../request.js';
import type { GroupResources, Policy, PolicyRule } from '../types.js';
import { defaultDecision, ruleDecision, type AuditDecision, type EvaluationOptions } from './decision.js';
import { pathMatches } from './interpret.js';

export interface CompiledPolicy {
  readonly policy: Policy;
  /** The decision for one request; the returned object is shared and frozen. */
  evaluate(attrs: RequestAttributes): AuditDecision;
}

type Matcher = (attrs: RequestAttributes) => boolean;

interface CandidateList {
  readonly rules: Int32Array;
}

export function compilePolicy(policy: Policy, options: EvaluationOptions = {}): CompiledPolicy {
  const wildcardGroup = options.wildcardGroup ?? true;
  const decisions = policy.rules.map((_, i) => Object.freeze(ruleDecision(policy, i)));
  const fallback = Object.freeze(defaultDecision(policy));
  for (const d of [...decisions, fallback]) Object.freeze(d.omitStages);
  const matchers = policy.rules.map((rule) => compileRule(rule, wildcardGroup));

  // Candidate lists: for every verb some rule names, the rules that can match it;
  // plus one list for any other verb (only rules without a verb list).
  const kinds = [true, false] as const;
  const namedVerbs = new Set(policy.rules.flatMap((r) => r.verbs));
  const byVerb = kinds.map((resourceRequest) => {
    const map = new Map<string, CandidateList>();
    for (const verb of namedVerbs) map.set(verb, candidates(policy.rules, resourceRequest, verb));
    return map;
  });
  const otherVerbs = kinds.map((resourceRequest) => candidates(policy.rules, resourceRequest, null));
  const [resourceByVerb, nonResourceByVerb] = byVerb;
  const [resourceOther, nonResourceOther] = otherVerbs;

  function evaluate(attrs: RequestAttributes): AuditDecision {
    const list = attrs.resourceRequest
      ? (resourceByVerb.get(attrs.verb) ?? resourceOther)
      : (nonResourceByVerb.get(attrs.verb) ?? nonResourceOther);
    const rules = list.rules;
    for (let i = 0; i < rules.length; i++) {
      const index = rules[i];
      if (matchers[index](attrs)) return decisions[index];
    }
    return fallback;
  }
  return { policy, evaluate };
}

/** Rules that can match a request of this kind and verb (null verb: one no rule names). */
function candidates(rules: readonly PolicyRule[], resourceRequest: boolean, verb: string | null): CandidateList {
  const out: number[] = [];
  rules.forEach((rule, i) => {
    if (rule.verbs.length > 0 && (verb === null || !rule.verbs.includes(verb))) return;
    const resourceOnly = rule.resources.length > 0 || rule.namespaces.length > 0;
    const nonResourceOnly = !resourceOnly && rule.nonResourceURLs.length > 0;
    if (resourceOnly && !resourceRequest) return;
    if (nonResourceOnly && resourceRequest) return;
    out.push(i);
  });
  return { rules: Int32Array.from(out) };
}

/** A membership test specialised to the list's size. */
function membership(list: readonly string[]): (value: string) => boolean {
  if (list.length === 1) {
    const only = list[0];
    return function isOnly(value) {
      return value === only;
    };
  }
  const set = new Set(list);
  return function isMember(value) {
    return set.has(value);
  };
}

function compileRule(rule: PolicyRule, wildcardGroup: boolean): Matcher {
  // The verb and the kind of request were settled by the candidate lists.
  const checks: Matcher[] = [];
  if (rule.users.length > 0) {
    const isUser = membership(rule.users);
    checks.push(function usersMatch(a) {
      return a.user !== null && isUser(a.user);
    });
  }
  if (rule.userGroups.length > 0) {
    const isGroup = membership(rule.userGroups);
    checks.push(function userGroupsMatch(a) {
      if (a.user === null) return false;
      const groups = a.groups;
      for (let i = 0; i < groups.length; i++) if (isGroup(groups[i])) return true;
      return false;
    });
  }
  if (rule.namespaces.length > 0 || rule.resources.length > 0) {
    if (rule.namespaces.length > 0) {
      const isNamespace = membership(rule.namespaces);
      checks.push(function namespacesMatch(a) {
        return isNamespace(a.namespace);
      });
    }
    if (rule.resources.length > 0) checks.push(compileResources(rule.resources, wildcardGroup));
  } else if (rule.nonResourceURLs.length > 0) {
    checks.push(compileNonResourceURLs(rule.nonResourceURLs));
  }
  switch (checks.length) {
    case 0:
      return function matchAll() {
        return true;
      };
    case 1:
      return checks[0];
    case 2: {
      const [c0, c1] = checks;
      return function match2(a) {
        return c0(a) && c1(a);
      };
    }
    default:
      return function matchAllChecks(a) {
        for (let i = 0; i < checks.length; i++) if (!checks[i](a)) return false;
        return true;
      };
  }
}

function compileNonResourceURLs(specs: readonly string[]): Matcher {
  if (specs.includes('*')) {
    return function anyPath() {
      return true;
    };
  }
  const exact = new Set(specs.filter((s) => !s.endsWith('*')));
  const prefixes = specs.filter((s) => s.endsWith('*')).map((s) => s.replace(/\*+$/, ''));
  return function nonResourceURLsMatch(a) {
    if (exact.has(a.path)) return true;
    for (let i = 0; i < prefixes.length; i++) if (a.path.startsWith(prefixes[i])) return true;
    return false;
  };
}

/** One group's resource list, reduced to lookups. */
interface CompiledGroupResources {
  group: string;
  anyGroup: boolean;
  /** No resources listed: everything in the group. */
  anyResource: boolean;
  names: ((value: string) => boolean) | null;
  /** `*` present. */
  star: boolean;
  /** Exact `resource/subresource` entries, by resource (a literal `*\/*` lands here too). */
  exactSubs: Map<string, Set<string>>;
  /** Every entry as written: compared with a request that has no subresource, or whose resource holds a slash. */
  literal: Set<string>;
  /** Subresources from `*\/sub` entries. */
  anyResourceSub: Set<string>;
  /** Resources from `res/*` entries (match the resource with or without a subresource). */
  allSubsOf: Set<string>;
}

function compileResources(list: readonly GroupResources[], wildcardGroup: boolean): Matcher {
  const groups: CompiledGroupResources[] = list.map((gr) => ({
    group: gr.group,
    anyGroup: wildcardGroup && gr.group === '*',
    anyResource: gr.resources.length === 0,
    names: gr.resourceNames.length > 0 ? membership(gr.resourceNames) : null,
    star: gr.resources.includes('*'),
    exactSubs: groupBySubresource(gr.resources),
    literal: new Set(gr.resources),
    anyResourceSub: new Set(gr.resources.filter((r) => r.startsWith('*/')).map((r) => r.slice(2))),
    allSubsOf: new Set(gr.resources.filter((r) => r.endsWith('/*')).map((r) => r.slice(0, -2))),
  }));
  return function resourcesMatch(a) {
    for (let g = 0; g < groups.length; g++) {
      const gr = groups[g];
      if (gr.group !== a.apiGroup && !gr.anyGroup) continue;
      if (gr.anyResource) return true;
      if (gr.names !== null && !gr.names(a.name)) continue;
      if (gr.star) return true;
      if (a.subresource === '') {
        if (gr.literal.has(a.resource)) return true;
      } else {
        if (a.resource.includes('/')) {
          if (gr.literal.has(`${a.resource}/${a.subresource}`)) return true;
        } else {
          const subs = gr.exactSubs.get(a.resource);
          if (subs !== undefined && subs.has(a.subresource)) return true;
        }
        if (gr.anyResourceSub.has(a.subresource)) return true;
      }
      if (gr.allSubsOf.has(a.resource)) return true;
    }
    return false;
  };
}

/** `pods/log` → pods: {log}; the split is at the first slash, like the request's own resource/subresource. */
function groupBySubresource(resources: readonly string[]): Map<string, Set<string>> {
  const map = new Map<string, Set<string>>();
  for (const r of resources) {
    const slash = r.indexOf('/');
    if (slash < 0) continue;
    const resource = r.slice(0, slash);
    let subs = map.get(resource);
    if (subs === undefined) map.set(resource, (subs = new Set()));
    subs.add(r.slice(slash + 1));
  }
  return map;
}
