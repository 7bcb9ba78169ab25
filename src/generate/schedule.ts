/**
 * When things happen. The request stream is a sequence of slots 0, 1, 2, …; slot i
 * arrives at start + (i + jitter_i) / λ, so arrival times grow with i and any slot's
 * time can be computed alone. Each slot belongs to a lane, fixed by its position in a
 * repeating cycle of 65,536 slots laid out by smooth weighted round-robin:
 *
 * - periodic lanes visit their subjects round-robin by ordinal (the k-th node-lease slot
 *   renews node k mod N), so every node renews its lease at a steady period, every
 *   watcher reopens its watch, every app pod is replaced in turn;
 * - the pool lane draws an activity at random by weight.
 *
 * Because a slot's lane and ordinal are arithmetic on i, any range of slots can be
 * generated independently — the basis of parallel generation (log.ts).
 */
import { hash32, type SeedWords } from './random.js';

export const LANES = ['nodeLease', 'nodeGet', 'nodeStatus', 'churn', 'watch', 'leader', 'health', 'human', 'anon', 'pool'] as const;
export type Lane = (typeof LANES)[number];
export const LANE_INDEX: Readonly<Record<Lane, number>> = Object.fromEntries(LANES.map((l, i) => [l, i])) as Record<Lane, number>;

export const CYCLE = 65536;

export interface Schedule {
  /** Lane index of each cycle position. */
  readonly laneOf: Uint8Array;
  /** Rank of each position among its lane's positions in the cycle. */
  readonly rankOf: Uint32Array;
  /** Positions per cycle, by lane. */
  readonly counts: Uint32Array;
  /** Each lane's positions, ascending. */
  readonly positions: readonly Uint32Array[];
  /** Slots per second. */
  readonly slotsPerSecond: number;
  readonly startUs: number;
  readonly seed: SeedWords;
}

/** Positions per cycle from each lane's share; every lane with a positive share gets at least one. */
export function laneCounts(shares: Readonly<Record<Lane, number>>): Uint32Array {
  const counts = new Uint32Array(LANES.length);
  const total = LANES.reduce((s, l) => s + shares[l], 0);
  let used = 0;
  LANES.forEach((lane, i) => {
    if (lane === 'pool') return;
    const c = shares[lane] > 0 ? Math.max(1, Math.round((shares[lane] / total) * CYCLE)) : 0;
    counts[i] = c;
    used += c;
  });
  if (used >= CYCLE) throw new Error('lane shares leave no room for the pool');
  counts[LANE_INDEX.pool] = CYCLE - used;
  return counts;
}

export function buildSchedule(counts: Uint32Array, slotsPerSecond: number, startUs: number, seed: SeedWords): Schedule {
  const laneOf = new Uint8Array(CYCLE);
  const rankOf = new Uint32Array(CYCLE);
  const current = new Float64Array(LANES.length);
  const seen = new Uint32Array(LANES.length);
  for (let p = 0; p < CYCLE; p++) {
    let best = 0;
    for (let l = 0; l < LANES.length; l++) {
      current[l] += counts[l];
      if (current[l] > current[best]) best = l;
    }
    current[best] -= CYCLE;
    laneOf[p] = best;
    rankOf[p] = seen[best]++;
  }
  const positions = LANES.map((_, l) => {
    const list = new Uint32Array(counts[l]);
    let k = 0;
    for (let p = 0; p < CYCLE; p++) if (laneOf[p] === l) list[k++] = p;
    return list;
  });
  return { laneOf, rankOf, counts, positions, slotsPerSecond, startUs, seed };
}

/** The lane of slot i and its ordinal within the lane (how many earlier slots the lane had). */
export function laneOfSlot(s: Schedule, i: number): { lane: number; ordinal: number } {
  const pos = i % CYCLE;
  const lane = s.laneOf[pos];
  return { lane, ordinal: Math.floor(i / CYCLE) * s.counts[lane] + s.rankOf[pos] };
}

/** The slot holding a lane's ordinal-th visit. */
export function slotOfOrdinal(s: Schedule, lane: number, ordinal: number): number {
  const per = s.counts[lane];
  return Math.floor(ordinal / per) * CYCLE + s.positions[lane][ordinal % per];
}

/** How many slots of a lane come before slot i. */
export function laneCountBefore(s: Schedule, lane: number, i: number): number {
  const pos = i % CYCLE;
  const list = s.positions[lane];
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (list[mid] < pos) lo = mid + 1;
    else hi = mid;
  }
  return Math.floor(i / CYCLE) * s.counts[lane] + lo;
}

/** Calls fn for every slot of a lane in [from, to), ascending. */
export function forEachLaneSlot(s: Schedule, lane: number, from: number, to: number, fn: (slot: number, ordinal: number) => void): void {
  if (to <= from) return;
  let ordinal = laneCountBefore(s, lane, from);
  for (;;) {
    const slot = slotOfOrdinal(s, lane, ordinal);
    if (slot >= to) return;
    fn(slot, ordinal);
    ordinal++;
  }
}

/** The arrival time of slot i, in microseconds since the epoch. */
export function slotTime(s: Schedule, i: number): number {
  const jitter = hash32(s.seed.lo ^ 0x2545f491, s.seed.hi, i >>> 0, Math.floor(i / 4294967296)) / 4294967296;
  return s.startUs + Math.floor(((i + jitter) * 1e6) / s.slotsPerSecond);
}

/** The first microsecond that belongs to slot i's window: lines in [boundary(i0), boundary(i1)) belong to slots [i0, i1). */
export function slotBoundary(s: Schedule, i: number): number {
  return s.startUs + Math.floor((i * 1e6) / s.slotsPerSecond);
}

/** How many slots span a duration, rounded up. */
export function slotsIn(s: Schedule, us: number): number {
  return Math.ceil((us * s.slotsPerSecond) / 1e6) + 1;
}
