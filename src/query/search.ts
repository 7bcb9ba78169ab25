/**
 * A search that answers within a time budget: the index is read in windows of leaves,
 * newest (or oldest) first, and the search stops at the limit, at the end of the record,
 * or when the budget is spent — then it says where it stopped, so the caller can go on
 * from there. Every window is an exact query, so what is returned is exactly what
 * matches in the part searched.
 *
 * Why: the index is synchronous (SQLite), and a filter that no index narrows (verb or
 * namespace alone, a rare verb on a busy resource) reads row after row — seconds at ten
 * million events, during which a server answering it would acknowledge no webhook batch
 * and serve no other page. Windows keep each step short and the budget keeps the whole
 * answer short; the web UI shows how far the search got and offers to go on.
 */
import type { EventFilter, IndexRow, Store } from '../store/index.js';

export interface BoundedSearchOptions {
  limit: number;
  newestFirst: boolean;
  /** Stop starting new windows after this long (one window may run past it). */
  budgetMs: number;
  /** For tests: the clock, in milliseconds. */
  now?: () => number;
  /** Leaves in the first window (it then grows or shrinks to take about a quarter of the budget). */
  firstWindow?: number;
}

export interface BoundedSearch {
  rows: IndexRow[];
  /** More matches exist beyond `limit` in the part searched. */
  truncated: boolean;
  /** Every indexed event in the filter's range was searched. */
  complete: boolean;
  /**
   * Where to go on when not complete: newest first, search again with beforeLeaf set to
   * this; oldest first, with afterLeaf set to it.
   */
  resumeLeaf: number | null;
  /** Leaves the search covered. */
  searched: number;
}

const DEFAULT_FIRST_WINDOW = 8_192;
const MIN_WINDOW = 4_096;

export async function boundedSearch(store: Store, filter: EventFilter, options: BoundedSearchOptions): Promise<BoundedSearch> {
  const now = options.now ?? (() => performance.now());
  const started = now();
  // The leaves [lo, hi) the filter allows: its leaf bounds and its time range.
  const times = await store.timeLeafRange(filter);
  let lo = Math.max(times.first, (filter.afterLeaf ?? -1) + 1);
  let hi = Math.min(times.end, filter.beforeLeaf ?? times.end);
  const rows: IndexRow[] = [];
  let window = Math.max(MIN_WINDOW, options.firstWindow ?? DEFAULT_FIRST_WINDOW);
  const target = options.budgetMs / 4;
  let searched = 0;
  while (lo < hi && rows.length <= options.limit) {
    if (searched > 0 && now() - started >= options.budgetMs) break;
    const from = options.newestFirst ? Math.max(lo, hi - window) : lo;
    const to = options.newestFirst ? hi : Math.min(hi, lo + window);
    const t = now();
    const want = options.limit + 1 - rows.length;
    for await (const row of store.queryRows({ ...filter, afterLeaf: from - 1, beforeLeaf: to, limit: want, newestFirst: options.newestFirst })) rows.push(row);
    const took = now() - t;
    if (rows.length > options.limit) {
      // The limit was reached inside this window: the rest of it is not searched.
      const last = rows[options.limit - 1];
      searched += options.newestFirst ? to - last.leaf : last.leaf - from + 1;
      if (options.newestFirst) hi = last.leaf;
      else lo = last.leaf + 1;
      break;
    }
    searched += to - from;
    if (options.newestFirst) hi = from;
    else lo = to;
    // Aim each window at about a quarter of the budget, and never past what is left of it
    // at the pace of the last one.
    const size = to - from;
    if (took < target / 4) window *= 4;
    else if (took < target / 2) window *= 2;
    else if (took > target) window = Math.max(MIN_WINDOW, Math.floor(window / 2));
    const left = options.budgetMs - (now() - started);
    if (took > 0 && left > 0) window = Math.max(MIN_WINDOW, Math.min(window, Math.floor((size * left) / took)));
  }
  const truncated = rows.length > options.limit;
  if (truncated) rows.length = options.limit;
  const complete = !truncated && lo >= hi;
  return { rows, truncated, complete, resumeLeaf: complete ? null : options.newestFirst ? hi : lo - 1, searched };
}
