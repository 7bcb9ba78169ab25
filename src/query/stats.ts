/**
 * `kubetrail stats`: who and what make the traffic — top values per dimension, events per
 * minute over time (drawn as a terminal sparkline by the CLI) — and, with health, the
 * signs of a log with holes: gaps in time, requests without a final stage, repeats.
 */
import type { EventFilter, GroupColumn, IndexHealth, Store } from '../store/index.js';

export const STATS_DIMENSIONS: ReadonlyArray<{ name: string; column: GroupColumn }> = [
  { name: 'user', column: 'user' },
  { name: 'verb', column: 'verb' },
  { name: 'resource', column: 'resource' },
  { name: 'namespace', column: 'namespace' },
  { name: 'user agent', column: 'user_agent' },
  { name: 'source IPs', column: 'source_ips' },
  { name: 'response code', column: 'response_code' },
];

export interface StatsReport {
  events: number;
  /** Per dimension: events and the bytes they take in the log (each event's exact size). */
  top: Array<{ dimension: string; rows: Array<{ key: string; events: number; bytes: number }> }>;
  perMinute: { start: number | null; stepSeconds: number; counts: number[] };
  health?: IndexHealth & { gaps: Array<{ from: string; to: string; minutes: number }> };
}

export async function computeStats(store: Store, filter: EventFilter, options: { top?: number; health?: boolean; gapMinutes?: number } = {}): Promise<StatsReport> {
  const n = options.top ?? 10;
  const top = [];
  let events = 0;
  for (const d of STATS_DIMENSIONS) {
    const rows = await store.top(filter, d.column, n);
    top.push({ dimension: d.name, rows });
  }
  for (const r of await store.top(filter, 'stage', 100)) events += r.events;
  const minute = 60e6;
  // One series of all events: a single pass over the rows (naming a split would take another).
  const t = await store.timeline(filter, 'stage', minute, 0);
  const counts = t.starts.map((_, i) => t.series.reduce((a, s) => a + s.counts[i], 0));
  const report: StatsReport = { events, top, perMinute: { start: t.starts[0] === undefined ? null : t.starts[0] / 1e6, stepSeconds: 60, counts } };
  if (options.health) {
    const gapMinutes = options.gapMinutes ?? 5;
    const gaps: Array<{ from: string; to: string; minutes: number }> = [];
    let run = 0;
    counts.forEach((c, i) => {
      if (c === 0) run++;
      if ((c !== 0 || i === counts.length - 1) && run >= gapMinutes) {
        const end = c === 0 ? i + 1 : i;
        gaps.push({ from: new Date(t.starts[end - run] / 1000).toISOString(), to: new Date(t.starts[end - 1] / 1000 + 60_000).toISOString(), minutes: run });
      }
      if (c !== 0) run = 0;
    });
    report.health = { ...(await store.health(filter, 5)), gaps };
  }
  return report;
}

const BARS = '▁▂▃▄▅▆▇█';

/** Counts squeezed into `width` cells as block characters (an empty minute is a space). */
export function sparkline(counts: readonly number[], width: number): string {
  if (counts.length === 0) return '';
  const per = Math.max(1, Math.ceil(counts.length / width));
  const cells: number[] = [];
  for (let i = 0; i < counts.length; i += per) cells.push(counts.slice(i, i + per).reduce((a, b) => a + b, 0));
  const max = Math.max(...cells);
  return cells.map((c) => (c === 0 ? ' ' : BARS[Math.min(BARS.length - 1, Math.floor((c / max) * (BARS.length - 1) + 0.5))])).join('');
}
