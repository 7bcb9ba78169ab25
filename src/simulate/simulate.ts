/**
 * What a candidate policy would keep and drop of recorded traffic: every recorded event
 * is evaluated by the candidate exactly as kube-apiserver would evaluate its request
 * (the authenticated user, not the impersonated one), and counted as kept (at the new
 * level, with an estimate of its new size) or dropped (level None, or its stage omitted).
 * Totals add up exactly: kept + dropped = input, the per-rule rows sum to the input.
 *
 * Sizes at a new level, exact to the byte: None and omitted stages → 0; Metadata → without
 * the requestObject and responseObject members as written; Request → without
 * responseObject; RequestResponse → as recorded. An
 * event recorded at a lower level than the new one cannot grow bodies it never had, so
 * the "after" figures are then a lower bound (and say so).
 */
import type { ScannedEvent } from '../audit/event-scan.js';
import type { AuditDecision, CompiledPolicy } from '../audit/policy/index.js';
import { attributesFromScanned } from '../audit/request.js';
import type { Policy } from '../audit/types.js';
import { parseTimeUs } from '../store/fields.js';

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

/**
 * Everything a simulation has counted, as plain data (Maps and numbers) so that partial
 * counts made on worker threads can be posted back and merged.
 */
export interface SimulationCounts {
  input: Tally;
  kept: Tally;
  dropped: Tally;
  bytesAfter: number;
  lowerBound: boolean;
  minMs: number;
  maxMs: number;
  rules: Map<number | null, { matched: Tally; kept: Tally; bytesAfter: number }>;
  users: Map<string, GroupRow>;
  resources: Map<string, GroupRow>;
  coverage: Map<CoverageFinding['id'], CoverageFinding>;
  skipped: number;
}

function emptyCounts(): SimulationCounts {
  return {
    input: { events: 0, bytes: 0 },
    kept: { events: 0, bytes: 0 },
    dropped: { events: 0, bytes: 0 },
    bytesAfter: 0,
    lowerBound: false,
    minMs: Infinity,
    maxMs: -Infinity,
    rules: new Map(),
    users: new Map(),
    resources: new Map(),
    coverage: new Map(),
    skipped: 0,
  };
}

const MAX_EXAMPLES = 5;

function addTally(into: Tally, from: Tally): void {
  into.events += from.events;
  into.bytes += from.bytes;
}

export class Simulation {
  readonly #compiled: CompiledPolicy;
  readonly #policy: Policy;
  #c: SimulationCounts = emptyCounts();

  constructor(policy: Policy, compiled: CompiledPolicy) {
    this.#policy = policy;
    this.#compiled = compiled;
  }

  /** Lines or items that were not audit events. */
  get skipped(): number {
    return this.#c.skipped;
  }

  set skipped(n: number) {
    this.#c.skipped = n;
  }

  /** Counts one recorded event: its exact byte length and its fields. */
  add(byteLength: number, event: ScannedEvent): AuditDecision {
    const c = this.#c;
    const d = this.#compiled.evaluate(attributesFromScanned(event));
    const stage = event.stage ?? 'ResponseComplete';
    const keep = d.level !== 'None' && !d.omitStages.includes(stage as never);
    let after = 0;
    if (keep) {
      // The exact bytes the event would lose: its body members as they were written.
      after = byteLength;
      if (d.level === 'Metadata') after -= event.requestObjectBytes + event.responseObjectBytes;
      else if (d.level === 'Request') after -= event.responseObjectBytes;
      if ((LEVEL_RANK[event.level ?? ''] ?? 0) < LEVEL_RANK[d.level]) c.lowerBound = true;
    }
    c.input.events++;
    c.input.bytes += byteLength;
    const side = keep ? c.kept : c.dropped;
    side.events++;
    side.bytes += byteLength;
    c.bytesAfter += after;
    let rule = c.rules.get(d.rule);
    if (rule === undefined) c.rules.set(d.rule, (rule = { matched: { events: 0, bytes: 0 }, kept: { events: 0, bytes: 0 }, bytesAfter: 0 }));
    rule.matched.events++;
    rule.matched.bytes += byteLength;
    if (keep) {
      rule.kept.events++;
      rule.kept.bytes += byteLength;
      rule.bytesAfter += after;
    }
    const user = event.username ?? '(unauthenticated)';
    const resource = event.resource
      ? `${event.apiGroup ? `${event.apiGroup}/` : ''}${event.resource}${event.subresource ? `/${event.subresource}` : ''}`
      : (event.requestURI ?? '').split('?')[0] || '(none)';
    this.#group(c.users, user, byteLength, keep, after);
    this.#group(c.resources, resource, byteLength, keep, after);
    const stamp = event.requestReceivedTimestamp ?? event.stageTimestamp ?? event.timestamp;
    if (stamp !== null) {
      // RFC 3339 as the index reads it (fast for kube-apiserver's own form), to the millisecond.
      const us = parseTimeUs(stamp);
      const t = us === null ? NaN : Math.floor(us / 1000);
      if (!Number.isNaN(t)) {
        if (t < c.minMs) c.minMs = t;
        if (t > c.maxMs) c.maxMs = t;
      }
    }
    this.#cover(event, d, keep, user);
    return d;
  }

  #group(map: Map<string, GroupRow>, key: string, byteLength: number, keep: boolean, after: number): void {
    let row = map.get(key);
    if (row === undefined) map.set(key, (row = { key, before: { events: 0, bytes: 0 }, after: { events: 0, bytes: 0 } }));
    row.before.events++;
    row.before.bytes += byteLength;
    if (keep) {
      row.after.events++;
      row.after.bytes += after;
    }
  }

  #finding(id: CoverageFinding['id'], title: string, auditID: string | null): void {
    let f = this.#c.coverage.get(id);
    if (f === undefined) this.#c.coverage.set(id, (f = { id, title, events: 0, examples: [] }));
    f.events++;
    if (f.examples.length < MAX_EXAMPLES && auditID !== null) f.examples.push(auditID);
  }

  #cover(event: ScannedEvent, d: AuditDecision, keep: boolean, user: string): void {
    const verb = event.verb ?? '';
    const human = !user.startsWith('system:') && user !== '(unauthenticated)';
    if (!keep && human && WRITES.has(verb)) this.#finding('human-writes-dropped', 'writes by people (not system: users or service accounts) dropped', event.auditID);
    if (event.resource === 'secrets' && (event.apiGroup ?? '') === '') {
      if (!keep) this.#finding('secret-access-dropped', 'Secret access dropped', event.auditID);
      else if (d.level === 'Request' || d.level === 'RequestResponse') this.#finding('secret-bodies-logged', 'Secrets logged with their bodies (the secret values end up in the log)', event.auditID);
    }
    const sub = event.subresource ?? '';
    if (!keep && (sub === 'exec' || sub === 'attach' || sub === 'portforward')) this.#finding('exec-attach-portforward-dropped', 'exec, attach and port-forward dropped', event.auditID);
    if (!keep && event.apiGroup === 'rbac.authorization.k8s.io' && WRITES.has(verb)) this.#finding('rbac-changes-dropped', 'RBAC changes dropped', event.auditID);
  }

  /** Hands over what was counted so far and starts again from zero (a worker's partial). */
  takeCounts(): SimulationCounts {
    const c = this.#c;
    this.#c = emptyCounts();
    return c;
  }

  /**
   * Adds counts made elsewhere. Merged in the order of the input, the report is the same
   * as one simulation over the whole input (examples are the first ones met).
   */
  merge(o: SimulationCounts): void {
    const c = this.#c;
    addTally(c.input, o.input);
    addTally(c.kept, o.kept);
    addTally(c.dropped, o.dropped);
    c.bytesAfter += o.bytesAfter;
    c.lowerBound ||= o.lowerBound;
    c.minMs = Math.min(c.minMs, o.minMs);
    c.maxMs = Math.max(c.maxMs, o.maxMs);
    c.skipped += o.skipped;
    for (const [k, r] of o.rules) {
      const mine = c.rules.get(k);
      if (mine === undefined) c.rules.set(k, r);
      else {
        addTally(mine.matched, r.matched);
        addTally(mine.kept, r.kept);
        mine.bytesAfter += r.bytesAfter;
      }
    }
    for (const [mine, theirs] of [[c.users, o.users], [c.resources, o.resources]] as const) {
      for (const [k, r] of theirs) {
        const row = mine.get(k);
        if (row === undefined) mine.set(k, r);
        else {
          addTally(row.before, r.before);
          addTally(row.after, r.after);
        }
      }
    }
    for (const [k, f] of o.coverage) {
      const mine = c.coverage.get(k);
      if (mine === undefined) c.coverage.set(k, f);
      else {
        mine.events += f.events;
        for (const x of f.examples) if (mine.examples.length < MAX_EXAMPLES) mine.examples.push(x);
      }
    }
  }

  report(top = 10): SimulationReport {
    const c = this.#c;
    const spanSeconds = c.maxMs > c.minMs ? (c.maxMs - c.minMs) / 1000 : 0;
    const rate = (events: number, bytes: number) => ({ eventsPerSecond: events / spanSeconds, gbPerDay: (bytes / spanSeconds) * 86400 / 1e9 });
    const rows = (m: Map<string, GroupRow>) => [...m.values()].sort((a, b) => b.before.bytes - a.before.bytes).slice(0, top);
    return {
      input: { ...c.input },
      kept: { ...c.kept },
      dropped: { ...c.dropped },
      bytesAfter: c.bytesAfter,
      lowerBound: c.lowerBound,
      span: { from: Number.isFinite(c.minMs) ? new Date(c.minMs).toISOString() : null, to: Number.isFinite(c.maxMs) ? new Date(c.maxMs).toISOString() : null, seconds: spanSeconds },
      rates: spanSeconds > 0 ? { before: rate(c.input.events, c.input.bytes), after: rate(c.kept.events, c.bytesAfter) } : null,
      byRule: [...c.rules.entries()]
        .sort((a, b) => (a[0] ?? Infinity) - (b[0] ?? Infinity))
        .map(([rule, t]) => ({ rule, description: ruleText(this.#policy, rule), level: rule === null ? 'None' : this.#policy.rules[rule].level, matched: t.matched, kept: t.kept, bytesAfter: t.bytesAfter })),
      byUser: rows(c.users),
      byResource: rows(c.resources),
      coverage: [...c.coverage.values()],
      skipped: c.skipped,
    };
  }
}
