/**
 * rule-shadowed: a rule every request of which an earlier rule already matches, so
 * it never decides anything. The check is sound, not complete: it reports rule j only
 * when one earlier rule i is, field by field, at least as broad (users, groups and
 * verbs as supersets or unset; namespaces likewise; every resources entry of j
 * covered by an entry of i, taking `*`, `pods/*`, `*\/log`, group "*" and
 * resourceNames into account; every nonResourceURL of j covered by a URL or prefix
 * of i). Rules shadowed only by several earlier rules together are not reported.
 */
import type { GroupResources, PolicyRule } from '../../types.js';
import { unionStages } from '../decision.js';
import type { LintContext } from './context.js';
import { requestKind } from './check-matchable.js';
import { parseResourcePattern, patternCovers, type ResourcePattern } from './resource-patterns.js';
import type { LintFinding } from './types.js';

export function checkShadowing(ctx: LintContext, dead: ReadonlySet<number>): LintFinding[] {
  const findings: LintFinding[] = [];
  const rules = ctx.policy.rules;
  for (let j = 1; j < rules.length; j++) {
    if (dead.has(j)) continue;
    for (let i = 0; i < j; i++) {
      if (dead.has(i) || !ruleCovers(rules[i], rules[j], ctx.wildcardGroup)) continue;
      const same = sameDecision(ctx, i, j);
      findings.push(
        ctx.finding(
          'rule-shadowed',
          `rules[${j}]`,
          same
            ? `this rule is never reached: rules[${i}] matches every request it matches, with the same result; it is redundant and can be deleted`
            : `this rule never takes effect: rules[${i}] (level ${rules[i].level}) matches every request it matches first; move it above rules[${i}] if its level ${rules[j].level} is meant to apply`,
          j,
        ),
      );
      break;
    }
  }
  return findings;
}

function sameDecision(ctx: LintContext, i: number, j: number): boolean {
  const p = ctx.policy;
  const [a, b] = [p.rules[i], p.rules[j]];
  const stages = (r: PolicyRule) => unionStages(p.omitStages, r.omitStages).join(',');
  return a.level === b.level && stages(a) === stages(b) && (a.omitManagedFields ?? p.omitManagedFields) === (b.omitManagedFields ?? p.omitManagedFields);
}

/** A list constraint: unset (empty) matches anything; otherwise outer must list every value inner lists. */
function listCovers(outer: readonly string[], inner: readonly string[]): boolean {
  if (outer.length === 0) return true;
  return inner.length > 0 && inner.every((v) => outer.includes(v));
}

/** Every request `inner` matches, `outer` matches. */
export function ruleCovers(outer: PolicyRule, inner: PolicyRule, wildcardGroup: boolean): boolean {
  if (!listCovers(outer.users, inner.users)) return false;
  if (!listCovers(outer.userGroups, inner.userGroups)) return false;
  if (!listCovers(outer.verbs, inner.verbs)) return false;
  const outerKind = requestKind(outer);
  const innerKind = requestKind(inner);
  if (outerKind === 'both') return true;
  if (outerKind !== innerKind) return false;
  if (outerKind === 'non-resource') return inner.nonResourceURLs.every((url) => outer.nonResourceURLs.some((spec) => urlCovers(spec, url)));
  if (!listCovers(outer.namespaces, inner.namespaces)) return false;
  if (outer.resources.length === 0) return true;
  // An inner rule with namespaces only matches every resource: only an outer rule without resources covers it.
  if (inner.resources.length === 0) return false;
  return inner.resources.every((entry) => entryCovered(outer.resources, entry, wildcardGroup));
}

/** A nonResourceURLs spec against another: `*`, an exact path, or a `prefix*`. */
function urlCovers(outer: string, inner: string): boolean {
  if (outer === '*' || outer === inner) return true;
  if (!outer.endsWith('*')) return false;
  const prefix = outer.replace(/\*+$/, '');
  if (inner === '*') return prefix === '';
  return inner.replace(/\*+$/, '').startsWith(prefix);
}

function groupMatches(outerGroup: string, innerGroup: string, wildcardGroup: boolean): boolean {
  if (outerGroup === '*' && wildcardGroup) return true;
  // Without wildcard support "*" is compared literally, like any other group.
  return outerGroup === innerGroup && !(innerGroup === '*' && wildcardGroup);
}

function entryCovered(outer: readonly GroupResources[], entry: GroupResources, wildcardGroup: boolean): boolean {
  const candidates = outer.filter((o) => groupMatches(o.group, entry.group, wildcardGroup));
  if (entry.resources.length === 0) return candidates.some((o) => o.resources.length === 0);
  const innerPatterns = entry.resources.map(parseResourcePattern);
  return innerPatterns.every((inner) => candidates.some((o) => entryCoversPattern(o, inner, entry.resourceNames)));
}

function entryCoversPattern(outer: GroupResources, inner: ResourcePattern, innerNames: readonly string[]): boolean {
  if (outer.resources.length === 0) return true;
  if (!listCovers(outer.resourceNames, innerNames)) return false;
  return outer.resources.some((res) => patternCovers(parseResourcePattern(res), inner));
}
