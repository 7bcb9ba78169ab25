/** lintPolicy: every check, findings in file order. */
import type { Policy } from '../../types.js';
import { LINT_RULES } from './catalog.js';
import { checkBodies } from './check-bodies.js';
import { checkCatchAll, checkRequestReceived, ordinaryProbes } from './check-coverage.js';
import { checkMatchable } from './check-matchable.js';
import { checkNoise, NOISE_CLASSES, noiseProbes } from './check-noise.js';
import { checkSecurity, SECURITY_CLASSES, securityProbes } from './check-security.js';
import { checkShadowing } from './check-shadowing.js';
import { cisFindings, cisFromContext } from './cis.js';
import { lintContext } from './context.js';
import { actorsFor } from './probes.js';
import type { LintFinding, LintOptions, LintSeverity } from './types.js';


const SEVERITY_ORDER = { error: 0, warning: 1, info: 2 } as const;

/** Every finding for the policy, in file order (then most severe first). */
export function lintPolicy(policy: Policy, options: LintOptions = {}): LintFinding[] {
  const ctx = lintContext(policy, options);
  const actors = actorsFor(policy);
  const matchable = checkMatchable(ctx);
  // Ordinary traffic plus every class the other checks probe, generated again on each pass.
  const everyProbe = {
    *[Symbol.iterator]() {
      yield* ordinaryProbes(ctx, actors);
      for (const c of SECURITY_CLASSES) yield* securityProbes(ctx, actors, c);
      for (const c of NOISE_CLASSES) yield* noiseProbes(ctx, actors, c);
    },
  };
  const findings = [
    ...matchable.findings,
    ...checkShadowing(ctx, matchable.dead),
    ...checkBodies(ctx, actors),
    ...checkSecurity(ctx, actors),
    ...checkNoise(ctx, actors),
    ...checkCatchAll(ctx, everyProbe),
    ...checkRequestReceived(ctx, everyProbe),
    ...cisFindings(ctx, cisFromContext(ctx, actors)),
  ];
  return sortFindings(findings);
}

const ORDER = new Map<string, number>(LINT_RULES.map((r, i) => [r.id, i]));

/** File order, then most severe first, then catalog order. */
export function sortFindings(findings: LintFinding[]): LintFinding[] {
  return findings.sort((a, b) => a.line - b.line || a.column - b.column || SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] || (ORDER.get(a.id) ?? 0) - (ORDER.get(b.id) ?? 0));
}

/** True when some finding is at or above the given severity (error > warning > info). */
export function hasFindingAtLeast(findings: readonly LintFinding[], severity: LintSeverity): boolean {
  return findings.some((f) => SEVERITY_ORDER[f.severity] <= SEVERITY_ORDER[severity]);
}
