/**
 * The compiled evaluator: the same decisions as kube-apiserver's checker (and as
 * ./interpret.ts), with the work done once per policy, or once per kind of request,
 * instead of once per request.
 *
 * - Resource requests are answered from a *plan* per (verb, group, resource,
 *   subresource): the rules that can match that tuple, in order, each reduced to the
 *   checks the tuple leaves open (users, groups, namespaces, resource names). A rule
 *   left with no check ends the plan: nothing after it can be reached. Plans are built
 *   on first use and cached (bounded; past the bound, the per-verb path below answers).
 * - Non-resource requests walk per-verb candidate lists of rule closures that hold only
 *   the checks their set fields need.
 * - Decisions are built once and frozen; evaluate() returns one of them, so a call
 *   allocates nothing once its plan exists.
 */
import type { RequestAttributes } from '../request.js';
import type { GroupResources, Policy, PolicyRule } from '../types.js';
import { defaultDecision, ruleDecision, type AuditDecision, type EvaluationOptions } from './decision.js';
import { resourceMatches } from './interpret.js';

export interface CompiledPolicy {
  readonly policy: Policy;
  /** The decision for one request; the returned object is shared and frozen. */
  evaluate(attrs: RequestAttributes): AuditDecision;
}

export interface CompileOptions extends EvaluationOptions {
  /** Most cached resource plans (each is a few small arrays). Default 20,000. */
  maxPlans?: number;
}

type Matcher = (attrs: RequestAttributes) => boolean;

/** Rules to try for one kind of request, each with the checks left open (null: none). */
interface Plan {
  readonly rules: Int32Array;
  readonly checks: readonly (Matcher | null)[];
}

export function compilePolicy(policy: Policy, options: CompileOptions = {}): CompiledPolicy {
  const wildcardGroup = options.wildcardGroup ?? true;
  const maxPlans = options.maxPlans ?? 20_000;
  const rules = policy.rules;
  const decisions = rules.map((_, i) => Object.freeze(ruleDecision(policy, i)));
  const fallback = Object.freeze(defaultDecision(policy));
  for (const d of [...decisions, fallback]) Object.freeze(d.omitStages);
  const identityChecks = rules.map(compileIdentityChecks);
  const fullMatchers = rules.map((rule, i) => compileFullMatcher(rule, identityChecks[i], wildcardGroup));

  const namedVerbs = new Set(rules.flatMap((r) => r.verbs));
  const verbLists = (resourceRequest: boolean) => {
    const map = new Map<string, Plan>();
    for (const verb of namedVerbs) map.set(verb, listPlan(candidates(rules, resourceRequest, verb), fullMatchers));
    return { byVerb: map, other: listPlan(candidates(rules, resourceRequest, null), fullMatchers) };
  };
  const resourceLists = verbLists(true);
  const nonResourceLists = verbLists(false);

  // verb → group → resource → subresource → plan
  const plans = new Map<string, Map<string, Map<string, Map<string, Plan>>>>();
  let planCount = 0;

  function resourcePlan(a: RequestAttributes): Plan {
    let byGroup = plans.get(a.verb);
    if (byGroup === undefined) {
      if (planCount >= maxPlans) return resourceLists.byVerb.get(a.verb) ?? resourceLists.other;
      plans.set(a.verb, (byGroup = new Map()));
    }
    let byResource = byGroup.get(a.apiGroup);
    if (byResource === undefined) {
      if (planCount >= maxPlans) return resourceLists.byVerb.get(a.verb) ?? resourceLists.other;
      byGroup.set(a.apiGroup, (byResource = new Map()));
    }
    let bySubresource = byResource.get(a.resource);
    if (bySubresource === undefined) {
      if (planCount >= maxPlans) return resourceLists.byVerb.get(a.verb) ?? resourceLists.other;
      byResource.set(a.resource, (bySubresource = new Map()));
    }
    let plan = bySubresource.get(a.subresource);
    if (plan === undefined) {
      const verbList = resourceLists.byVerb.get(a.verb) ?? resourceLists.other;
      if (planCount >= maxPlans) return verbList;
      plan = buildResourcePlan(rules, verbList.rules, identityChecks, a.apiGroup, a.resource, a.subresource, wildcardGroup);
      bySubresource.set(a.subresource, plan);
      planCount++;
    }
    return plan;
  }

  function evaluate(attrs: RequestAttributes): AuditDecision {
    const plan = attrs.resourceRequest ? resourcePlan(attrs) : (nonResourceLists.byVerb.get(attrs.verb) ?? nonResourceLists.other);
    const planRules = plan.rules;
    const checks = plan.checks;
    for (let i = 0; i < planRules.length; i++) {
      const check = checks[i];
      if (check === null || check(attrs)) return decisions[planRules[i]];
    }
    return fallback;
  }
  return { policy, evaluate };
}

function listPlan(ruleIndexes: number[], matchers: readonly (Matcher | null)[]): Plan {
  return { rules: Int32Array.from(ruleIndexes), checks: ruleIndexes.map((i) => matchers[i]) };
}

/** Rules that can match a request of this kind and verb (null verb: one no rule names). */
function candidates(rules: readonly PolicyRule[], resourceRequest: boolean, verb: string | null): number[] {
  const out: number[] = [];
  rules.forEach((rule, i) => {
    if (rule.verbs.length > 0 && (verb === null || !rule.verbs.includes(verb))) return;
    const resourceOnly = rule.resources.length > 0 || rule.namespaces.length > 0;
    const nonResourceOnly = !resourceOnly && rule.nonResourceURLs.length > 0;
    if (resourceOnly && !resourceRequest) return;
    if (nonResourceOnly && resourceRequest) return;
    out.push(i);
  });
  return out;
}

/**
 * The plan for one (group, resource, subresource) of resource requests: each
 * candidate rule's resource list is settled here once. What remains per request is
 * who asks (users, groups), where (namespaces) and, for entries with resourceNames,
 * which object.
 */
function buildResourcePlan(
  rules: readonly PolicyRule[],
  verbCandidates: Int32Array,
  identityChecks: readonly (Matcher | null)[],
  group: string,
  resource: string,
  subresource: string,
  wildcardGroup: boolean,
): Plan {
  const planRules: number[] = [];
  const checks: (Matcher | null)[] = [];
  for (const index of verbCandidates) {
    const rule = rules[index];
    const match = rule.resources.length === 0 ? ({ kind: 'always' } as const) : staticResourceMatch(rule.resources, group, resource, subresource, wildcardGroup);
    if (match.kind === 'never') continue;
    const open: Matcher[] = [];
    const identity = identityChecks[index];
    if (identity !== null) open.push(identity);
    if (rule.namespaces.length > 0) {
      const isNamespace = membership(rule.namespaces);
      open.push(function namespacesMatch(a) {
        return isNamespace(a.namespace);
      });
    }
    if (match.kind === 'names') {
      const isName = membership([...match.names]);
      open.push(function resourceNamesMatch(a) {
        return isName(a.name);
      });
    }
    planRules.push(index);
    checks.push(allOf(open));
    if (open.length === 0) break; // this rule always matches: later rules are unreachable
  }
  return { rules: Int32Array.from(planRules), checks };
}

type StaticMatch = { kind: 'always' } | { kind: 'never' } | { kind: 'names'; names: Set<string> };

/** Does a rule's resources list match this tuple regardless of the name, only for some names, or never? */
function staticResourceMatch(list: readonly GroupResources[], group: string, resource: string, subresource: string, wildcardGroup: boolean): StaticMatch {
  const combined = subresource === '' ? resource : `${resource}/${subresource}`;
  const names = new Set<string>();
  for (const gr of list) {
    if (gr.group !== group && !(wildcardGroup && gr.group === '*')) continue;
    if (gr.resources.length === 0) return { kind: 'always' };
    if (!gr.resources.some((res) => resourceMatches(res, resource, subresource, combined))) continue;
    if (gr.resourceNames.length === 0) return { kind: 'always' };
    for (const name of gr.resourceNames) names.add(name);
  }
  return names.size > 0 ? { kind: 'names', names } : { kind: 'never' };
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

function allOf(checks: readonly Matcher[]): Matcher | null {
  switch (checks.length) {
    case 0:
      return null;
    case 1:
      return checks[0];
    case 2: {
      const [c0, c1] = checks;
      return function both(a) {
        return c0(a) && c1(a);
      };
    }
    default:
      return function every(a) {
        for (let i = 0; i < checks.length; i++) if (!checks[i](a)) return false;
        return true;
      };
  }
}

/** users and userGroups: both need a user (a request that failed authentication has none). */
function compileIdentityChecks(rule: PolicyRule): Matcher | null {
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
  return allOf(checks);
}

/** Everything but the verb and the kind of request, which the candidate lists settle. */
function compileFullMatcher(rule: PolicyRule, identity: Matcher | null, wildcardGroup: boolean): Matcher | null {
  const checks: Matcher[] = identity === null ? [] : [identity];
  if (rule.namespaces.length > 0 || rule.resources.length > 0) {
    if (rule.namespaces.length > 0) {
      const isNamespace = membership(rule.namespaces);
      checks.push(function namespacesMatch(a) {
        return isNamespace(a.namespace);
      });
    }
    if (rule.resources.length > 0) {
      const resources = rule.resources;
      checks.push(function resourcesMatch(a) {
        return staticResourceMatchAt(resources, a, wildcardGroup);
      });
    }
  } else if (rule.nonResourceURLs.length > 0) {
    checks.push(compileNonResourceURLs(rule.nonResourceURLs));
  }
  return allOf(checks);
}

/** The uncached path (past the plan bound): the rule's resources against one request. */
function staticResourceMatchAt(list: readonly GroupResources[], a: RequestAttributes, wildcardGroup: boolean): boolean {
  const match = staticResourceMatch(list, a.apiGroup, a.resource, a.subresource, wildcardGroup);
  return match.kind === 'always' || (match.kind === 'names' && match.names.has(a.name));
}

function compileNonResourceURLs(specs: readonly string[]): Matcher {
  if (specs.includes('*')) {
    return function anyPath() {
      return true;
    };
  }
  const exact = new Set(specs.filter((s) => !s.endsWith('*')));
  const prefixed = specs.filter((s) => s.endsWith('*'));
  const prefixes = prefixed.map((s) => s.replace(/\*+$/, ''));
  return function nonResourceURLsMatch(a) {
    if (exact.has(a.path)) return true;
    for (let i = 0; i < prefixes.length; i++) if (a.path.startsWith(prefixes[i])) return true;
    return false;
  };
}

