/**
 * Which recorded traffic two policies log at different levels: every event is evaluated
 * by both, and counted in the cell (level under A → level under B), with the users, verbs
 * and resources that move.
 */
import type { ScannedEvent } from '../audit/event-scan.js';
import type { AuditDecision, CompiledPolicy } from '../audit/policy/index.js';
import { attributesFromScanned } from '../audit/request.js';

interface Cell {
  from: string;
  to: string;
  events: number;
  bytes: number;
  groups: Map<string, number>;
}

export interface PolicyDiffCounts {
  cells: Map<string, Cell>;
  total: number;
  skipped: number;
}

export interface PolicyDiffReport {
  events: number;
  changed: number;
  skipped: number;
  cells: Array<{ from: string; to: string; events: number; bytes: number; top: Array<{ group: string; events: number }> }>;
}

function levelOf(d: AuditDecision, stage: string): string {
  return d.level !== 'None' && d.omitStages.includes(stage as never) ? 'None (stage omitted)' : d.level;
}

export class PolicyDiff {
  #c: PolicyDiffCounts = { cells: new Map(), total: 0, skipped: 0 };

  constructor(
    readonly a: CompiledPolicy,
    readonly b: CompiledPolicy,
  ) {}

  get skipped(): number {
    return this.#c.skipped;
  }

  set skipped(n: number) {
    this.#c.skipped = n;
  }

  add(byteLength: number, event: ScannedEvent): void {
    const attrs = attributesFromScanned(event);
    const stage = event.stage ?? 'ResponseComplete';
    const la = levelOf(this.a.evaluate(attrs), stage);
    const lb = levelOf(this.b.evaluate(attrs), stage);
    const key = `${la}→${lb}`;
    let cell = this.#c.cells.get(key);
    if (cell === undefined) this.#c.cells.set(key, (cell = { from: la, to: lb, events: 0, bytes: 0, groups: new Map() }));
    this.#c.total++;
    cell.events++;
    cell.bytes += byteLength;
    if (la !== lb) {
      const g = `${event.username ?? '?'} ${event.verb ?? '?'} ${event.resource ?? '(non-resource)'}`;
      cell.groups.set(g, (cell.groups.get(g) ?? 0) + 1);
    }
  }

  takeCounts(): PolicyDiffCounts {
    const c = this.#c;
    this.#c = { cells: new Map(), total: 0, skipped: 0 };
    return c;
  }

  merge(o: PolicyDiffCounts): void {
    this.#c.total += o.total;
    this.#c.skipped += o.skipped;
    for (const [k, cell] of o.cells) {
      const mine = this.#c.cells.get(k);
      if (mine === undefined) {
        this.#c.cells.set(k, cell);
        continue;
      }
      mine.events += cell.events;
      mine.bytes += cell.bytes;
      for (const [g, n] of cell.groups) mine.groups.set(g, (mine.groups.get(g) ?? 0) + n);
    }
  }

  report(): PolicyDiffReport {
    const rows = [...this.#c.cells.values()]
      .sort((x, y) => y.events - x.events)
      .map((c) => ({ from: c.from, to: c.to, events: c.events, bytes: c.bytes, top: [...c.groups.entries()].sort((x, y) => y[1] - x[1]).slice(0, 5).map(([group, events]) => ({ group, events })) }));
    const changed = rows.filter((r) => r.from !== r.to).reduce((s, r) => s + r.events, 0);
    return { events: this.#c.total, changed, skipped: this.#c.skipped, cells: rows };
  }
}
