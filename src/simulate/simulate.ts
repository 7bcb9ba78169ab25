/**
 * What a candidate policy would keep and drop of recorded traffic: every recorded event
 * is evaluated by the candidate exactly as kube-apiserver would evaluate its request
 * (the authenticated user, not the impersonated one), and counted as kept (at the new
 * level, with an estimate of its new size) or dropped (level None, or its stage omitted).
 * Totals add up exactly: kept + dropped = input, the per-rule rows sum to the input.
 *
 * Sizes at a new level: None and omitted stages → 0; Metadata → without requestObject and
 * responseObject; Request → without responseObject; RequestResponse → as recorded. An
 * event recorded at a lower level than the new one cannot grow bodies it never had, so
 * the "after" figures are then a lower bound (and say so).
 */
import { attributesFromEvent } from '../audit/request.js';
import type { AuditDecision, CompiledPolicy } from '../audit/policy/index.js';
import type { Policy } from '../audit/types.js';

const LEVEL_RANK: Record<string, number> = { None: 0, Metadata: 1, Request: 2, RequestResponse: 3 };
const WRITES = new Set(['create', 'update', 'patch', 'delete', 'deletecollection']);

export interface Tally {
  events: number;
  bytes: number;
}

export interface GroupRow {
  key: string;
  before: Tally;
  after: Tally;
}

export interface CoverageFinding {
  id: 'human-writes-dropped' | 'secret-access-dropped' | 'secret-bodies-logged' | 'exec-attach-portforward-dropped' | 'rbac-changes-dropped';
  title: string;
  events: number;
  examples: string[];
}

export interface SimulationReport {
  input: Tally;
  kept: Tally;
  dropped: Tally;
  /** Bytes the kept events would take at their new level (a lower bound when lowerBound). */
  bytesAfter: number;
  lowerBound: boolean;
  span: { from: string | null; to: string | null; seconds: number };
  rates: { before: { eventsPerSecond: number; gbPerDay: number }; after: { eventsPerSecond: number; gbPerDay: number } } | null;
  byRule: Array<{ rule: number | null; description: string; level: string; matched: Tally; kept: Tally; bytesAfter: number }>;
  byUser: GroupRow[];
  byResource: GroupRow[];
  coverage: CoverageFinding[];
  /** Lines or items that were not audit events. */
  skipped: number;
}

function ruleText(policy: Policy, i: number | null): string {
  if (i === null) return 'no rule matched (level None)';
  const r = policy.rules[i];
  const parts: string[] = [`level ${r.level}`];
  if (r.users.length) parts.push(`users ${r.users.join(',')}`);
  if (r.userGroups.length) parts.push(`groups ${r.userGroups.join(',')}`);
  if (r.verbs.length) parts.push(`verbs ${r.verbs.join(',')}`);
  if (r.resources.length) parts.push(`resources ${r.resources.map((g) => `${g.group ? `${g.group}/` : ''}${g.resources.join(',') || '*'}`).join(' ')}`);
  if (r.namespaces.length) parts.push(`namespaces ${r.namespaces.join(',')}`);
  if (r.nonResourceURLs.length) parts.push(`paths ${r.nonResourceURLs.join(',')}`);
  return `rules[${i}]: ${parts.join('; ')}`;
}

function bodySize(v: unknown): number {
  return v === undefined ? 0 : JSON.stringify(v).length + 20; // + the key and punctuation
}

export class Simulation {
  readonly #compiled: CompiledPolicy;
  readonly #policy: Policy;
  readonly #input: Tally = { events: 0, bytes: 0 };
  readonly #kept: Tally = { events: 0, bytes: 0 };
  readonly #dropped: Tally = { events: 0, bytes: 0 };
  #bytesAfter = 0;
  #lowerBound = false;
  #minUs = Infinity;
  #maxUs = -Infinity;
  readonly #rules = new Map<number | null, { matched: Tally; kept: Tally; bytesAfter: number }>();
  readonly #users = new Map<string, GroupRow>();
  readonly #resources = new Map<string, GroupRow>();
  readonly #coverage = new Map<CoverageFinding['id'], CoverageFinding>();
  skipped = 0;

  constructor(policy: Policy, compiled: CompiledPolicy) {
    this.#policy = policy;
    this.#compiled = compiled;
  }

  /** Counts one recorded event (its exact byte length and its parsed value). */
  add(byteLength: number, event: Record<string, any>): AuditDecision {
    const d = this.#compiled.evaluate(attributesFromEvent(event as never));
    const stage = String(event.stage ?? 'ResponseComplete');
    const keep = d.level !== 'None' && !d.omitStages.includes(stage as never);
    let after = 0;
    if (keep) {
      after = byteLength;
      if (d.level === 'Metadata') after -= bodySize(event.requestObject) + bodySize(event.responseObject);
      else if (d.level === 'Request') after -= bodySize(event.responseObject);
      after = Math.max(0, after);
      if ((LEVEL_RANK[String(event.level)] ?? 0) < LEVEL_RANK[d.level]) this.#lowerBound = true;
    }
    this.#input.events++;
    this.#input.bytes += byteLength;
    const side = keep ? this.#kept : this.#dropped;
    side.events++;
    side.bytes += byteLength;
    this.#bytesAfter += after;
    const rule = this.#rules.get(d.rule) ?? { matched: { events: 0, bytes: 0 }, kept: { events: 0, bytes: 0 }, bytesAfter: 0 };
    rule.matched.events++;
    rule.matched.bytes += byteLength;
    if (keep) {
      rule.kept.events++;
      rule.kept.bytes += byteLength;
      rule.bytesAfter += after;
    }
    this.#rules.set(d.rule, rule);
    const user = String(event.user?.username ?? '(unauthenticated)');
    const ref = event.objectRef ?? {};
    const resource = ref.resource ? `${ref.apiGroup ? `${ref.apiGroup}/` : ''}${ref.resource}${ref.subresource ? `/${ref.subresource}` : ''}` : String(event.requestURI ?? '').split('?')[0] || '(none)';
    for (const [map, key] of [[this.#users, user], [this.#resources, resource]] as const) {
      const row = map.get(key) ?? { key, before: { events: 0, bytes: 0 }, after: { events: 0, bytes: 0 } };
      row.before.events++;
      row.before.bytes += byteLength;
      if (keep) {
        row.after.events++;
        row.after.bytes += after;
      }
      map.set(key, row);
    }
    const t = Date.parse(String(event.requestReceivedTimestamp ?? event.stageTimestamp ?? event.timestamp ?? ''));
    if (!Number.isNaN(t)) {
      this.#minUs = Math.min(this.#minUs, t);
      this.#maxUs = Math.max(this.#maxUs, t);
    }
    this.#cover(event, d, keep, user, ref);
    return d;
  }

  #finding(id: CoverageFinding['id'], title: string, auditID: unknown): void {
    const f = this.#coverage.get(id) ?? { id, title, events: 0, examples: [] };
    f.events++;
    if (f.examples.length < 5 && typeof auditID === 'string') f.examples.push(auditID);
    this.#coverage.set(id, f);
  }

  #cover(event: Record<string, any>, d: AuditDecision, keep: boolean, user: string, ref: Record<string, any>): void {
    const verb = String(event.verb ?? '');
    const human = !user.startsWith('system:') && user !== '(unauthenticated)';
    if (!keep && human && WRITES.has(verb)) this.#finding('human-writes-dropped', 'writes by people (not system: users or service accounts) dropped', event.auditID);
    if (ref.resource === 'secrets' && (ref.apiGroup ?? '') === '') {
      if (!keep) this.#finding('secret-access-dropped', 'Secret access dropped', event.auditID);
      else if (d.level === 'Request' || d.level === 'RequestResponse') this.#finding('secret-bodies-logged', 'Secrets logged with their bodies (the secret values end up in the log)', event.auditID);
    }
    if (!keep && ['exec', 'attach', 'portforward'].includes(String(ref.subresource ?? ''))) this.#finding('exec-attach-portforward-dropped', 'exec, attach and port-forward dropped', event.auditID);
    if (!keep && ref.apiGroup === 'rbac.authorization.k8s.io' && WRITES.has(verb)) this.#finding('rbac-changes-dropped', 'RBAC changes dropped', event.auditID);
  }

  report(top = 10): SimulationReport {
    const spanSeconds = this.#maxUs > this.#minUs ? (this.#maxUs - this.#minUs) / 1000 : 0;
    const rate = (events: number, bytes: number) => ({ eventsPerSecond: events / spanSeconds, gbPerDay: (bytes / spanSeconds) * 86400 / 1e9 });
    const rows = (m: Map<string, GroupRow>) => [...m.values()].sort((a, b) => b.before.bytes - a.before.bytes).slice(0, top);
    return {
      input: { ...this.#input },
      kept: { ...this.#kept },
      dropped: { ...this.#dropped },
      bytesAfter: this.#bytesAfter,
      lowerBound: this.#lowerBound,
      span: { from: Number.isFinite(this.#minUs) ? new Date(this.#minUs).toISOString() : null, to: Number.isFinite(this.#maxUs) ? new Date(this.#maxUs).toISOString() : null, seconds: spanSeconds },
      rates: spanSeconds > 0 ? { before: rate(this.#input.events, this.#input.bytes), after: rate(this.#kept.events, this.#bytesAfter) } : null,
      byRule: [...this.#rules.entries()]
        .sort((a, b) => (a[0] ?? Infinity) - (b[0] ?? Infinity))
        .map(([rule, t]) => ({ rule, description: ruleText(this.#policy, rule), level: rule === null ? 'None' : this.#policy.rules[rule].level, matched: t.matched, kept: t.kept, bytesAfter: t.bytesAfter })),
      byUser: rows(this.#users),
      byResource: rows(this.#resources),
      coverage: [...this.#coverage.values()],
      skipped: this.skipped,
    };
  }
}
