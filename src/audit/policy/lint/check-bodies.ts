/**
 * credential-body-logged, sensitive-body-logged: bodies of Secrets, tokens and
 * ConfigMaps written to the log. Decided per request by the real evaluator, so a
 * RequestResponse rule for secrets that an earlier Metadata rule already catches is
 * (rightly) not reported.
 *
 * When is a body written? At Request, the request body: creates, updates and patches
 * carry one. At RequestResponse, also the response: gets, lists and writes return the
 * object. Watch responses are streamed and never logged; deletes are left out because
 * what they return varies by resource and option, and a finding must be certain.
 */
import type { Level } from '../../types.js';
import type { LintRuleId } from './catalog.js';
import type { LintContext } from './context.js';
import { describeActors, describeRequests, resourceProbes, type Actor, type Probe, type ResourceTarget } from './probes.js';
import type { LintFinding } from './types.js';

interface SensitiveResource extends ResourceTarget {
  readonly id: LintRuleId;
  readonly verbs: readonly string[];
  /** Which bodies hold the secret: the request's (tokenreviews), the response's (token requests) or both. */
  readonly secretIn: 'request' | 'response' | 'both';
  readonly what: string;
}

export const SENSITIVE_RESOURCES: readonly SensitiveResource[] = [
  { id: 'credential-body-logged', group: '', resource: 'secrets', verbs: ['get', 'list', 'watch', 'create', 'update', 'patch'], secretIn: 'both', what: 'secret data' },
  { id: 'credential-body-logged', group: '', resource: 'serviceaccounts/token', verbs: ['create'], secretIn: 'response', what: 'a service account token' },
  { id: 'credential-body-logged', group: 'authentication.k8s.io', resource: 'tokenreviews', verbs: ['create'], secretIn: 'request', what: 'the bearer token under review' },
  { id: 'sensitive-body-logged', group: '', resource: 'configmaps', verbs: ['get', 'list', 'watch', 'create', 'update', 'patch'], secretIn: 'both', what: 'configuration values, often credentials' },
];

const WRITES_WITH_BODY = new Set(['create', 'update', 'patch']);

/** Does a request with this verb, logged at this level, write the sensitive body? */
export function bodyLogged(level: Level, verb: string, secretIn: SensitiveResource['secretIn']): boolean {
  const request = (level === 'Request' || level === 'RequestResponse') && WRITES_WITH_BODY.has(verb);
  const response = level === 'RequestResponse' && verb !== 'watch' && verb !== 'delete' && verb !== 'deletecollection';
  if (secretIn === 'request') return request;
  if (secretIn === 'response') return response;
  return request || response;
}

export function checkBodies(ctx: LintContext, actors: readonly Actor[]): LintFinding[] {
  const findings: LintFinding[] = [];
  for (const target of SENSITIVE_RESOURCES) {
    const byRule = new Map<number, { level: Level; probes: Probe[] }>();
    for (const probe of resourceProbes(ctx.policy, actors, target, target.verbs)) {
      const d = ctx.evaluate(probe.attrs);
      if (d.rule === null || !bodyLogged(d.level, probe.attrs.verb, target.secretIn)) continue;
      const entry = byRule.get(d.rule) ?? { level: d.level, probes: [] };
      entry.probes.push(probe);
      byRule.set(d.rule, entry);
    }
    for (const [rule, { level, probes }] of byRule) {
      const qualified = target.group === '' ? target.resource : `${target.group}/${target.resource}`;
      findings.push(
        ctx.finding(
          target.id,
          `rules[${rule}]`,
          `${qualified} bodies hold ${target.what}, and this rule logs them at ${level}: ${describeRequests(probes)} by ${describeActors(probes.map((p) => p.actor))}; ` +
            `log ${target.resource} at Metadata in an earlier rule`,
          rule,
        ),
      );
    }
  }
  return findings;
}
