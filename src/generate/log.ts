/**
 * From plans to an audit.log. The log is the infinite sequence of events ordered as
 * kube-apiserver writes them: by stage time (the moment an event reaches the log
 * backend), ties broken by slot, request and stage. It is produced in windows: the
 * window of slots [i0, i1) holds exactly the events whose stage time lies in
 * [boundary(i0), boundary(i1)), whichever slot sent the request — a request that
 * started earlier and ended in this window (a watch timing out, an exec session, a
 * write that took a while) is found by re-planning the earlier slots, which are pure
 * functions of (seed, slot). Any split into windows therefore concatenates to the same
 * bytes, which is what lets workers produce windows in parallel.
 */
import { compilePolicy, type CompiledPolicy } from '../audit/policy/index.js';
import type { AuditDecision } from '../audit/policy/decision.js';
import type { RequestAttributes } from '../audit/request.js';
import type { Policy, Stage } from '../audit/types.js';
import type { Ctx } from './activity.js';
import { buildCluster } from './cluster.js';
import { lineCount, planStages, renderEvent, STAGE_RANK, stageTime } from './emit.js';
import { MAX_WATCH_US } from './activities-node.js';
import { MAX_HUMAN_US } from './activities-people.js';
import { laneRates, planSlot } from './lanes.js';
import type { Plan } from './plan.js';
import { seedWords } from './random.js';
import { buildSchedule, CYCLE, forEachLaneSlot, LANE_INDEX, laneCounts, laneOfSlot, slotBoundary, slotOfOrdinal, slotsIn } from './schedule.js';

/** Everything a worker needs to produce any window; plain data, so it crosses to worker threads. */
export interface LogConfig {
  seed: number;
  startUs: number;
  /** Worker nodes of the synthetic cluster. */
  workers: number;
  /** Lane positions per cycle (schedule.ts). */
  counts: number[];
  slotsPerSecond: number;
  policy: Policy;
  /** Lines per slot measured under the policy (for sizing work). */
  linesPerSlot: number;
}

/**
 * How long after its slot begins a request's last event may come: most lanes' requests
 * end within SHORT_SPAN (the slowest request is 2 s; an activity's requests follow each
 * other within a few seconds); a pod's replacement (the churn lane) takes up to CHURN_SPAN;
 * watches and people's sessions are on long lanes (MAX_WATCH_US, MAX_HUMAN_US).
 */
const SHORT_SPAN_US = 5_000_000;
const CHURN_SPAN_US = 12_000_000;

/** Lines per slot assumed when laying out the lanes; the recommended preset writes about this many. */
export const ASSUMED_LINES_PER_SLOT = 0.85;

/** Worker nodes for a target rate: a node per two events per second, 3 to 2,000. */
export function workersForRate(rate: number): number {
  return Math.max(3, Math.min(2000, Math.round(rate / 2)));
}

/**
 * Lays out a log for a target rate of events per second under a policy: builds the
 * cluster, divides the cycle between lanes, then measures how many events a slot
 * writes under this policy (on the first slots) and spaces slots so that the events
 * arrive at `rate` per second on average. Throws when the policy logs nothing.
 */
export function planLog(options: { seed: number; startUs: number; rate: number; policy: Policy }): LogConfig {
  const workers = workersForRate(options.rate);
  const cluster = buildCluster({ seed: options.seed, workers, startUs: options.startUs });
  const assumedSlots = options.rate / ASSUMED_LINES_PER_SLOT;
  const counts = Array.from(laneCounts(laneRates(cluster, assumedSlots)));
  const probe: LogConfig = { seed: options.seed, startUs: options.startUs, workers, counts, slotsPerSecond: assumedSlots, policy: options.policy, linesPerSlot: 1 };
  const gen = new LogGenerator(probe);
  // Stratified by lane: the first visits of each lane, weighted by the lane's share of the
  // cycle, so rare lanes are measured as well as the pool.
  let linesPerSlot = 0;
  counts.forEach((count, lane) => {
    if (count === 0) return;
    const visits = lane === LANE_INDEX.pool ? 4000 : 400;
    let lines = 0;
    for (let k = 0; k < visits; k++) for (const p of planSlot(gen.ctx, slotOfOrdinal(gen.ctx.schedule, lane, k))) lines += lineCount(p, gen.decide(p));
    linesPerSlot += (lines / visits) * (count / CYCLE);
  });
  if (linesPerSlot === 0) throw new NothingToLogError();
  return { ...probe, slotsPerSecond: options.rate / linesPerSlot, linesPerSlot };
}

export class NothingToLogError extends Error {
  readonly code = 'NothingToLog';
  constructor() {
    super('the policy logs none of the generated requests (every one is at level None or has all its stages omitted)');
    this.name = 'NothingToLogError';
  }
}

interface Line {
  us: number;
  slot: number;
  sub: number;
  rank: number;
  plan: Plan;
  stage: Stage;
  decision: AuditDecision;
}

function compareLines(a: Line, b: Line): number {
  return a.us - b.us || a.slot - b.slot || a.sub - b.sub || a.rank - b.rank;
}

export class LogGenerator {
  readonly ctx: Ctx;
  private readonly policy: CompiledPolicy;
  private readonly shortBack: number;
  private readonly churnBack: number;
  private readonly humanBack: number;
  private readonly watchBack: number;

  constructor(readonly config: LogConfig) {
    const seed = seedWords(config.seed);
    const cluster = buildCluster({ seed: config.seed, workers: config.workers, startUs: config.startUs });
    const schedule = buildSchedule(Uint32Array.from(config.counts), config.slotsPerSecond, config.startUs, seed);
    this.ctx = { cluster, schedule, seed };
    this.policy = compilePolicy(config.policy);
    this.shortBack = slotsIn(schedule, SHORT_SPAN_US);
    this.churnBack = slotsIn(schedule, CHURN_SPAN_US);
    this.humanBack = slotsIn(schedule, MAX_HUMAN_US + SHORT_SPAN_US);
    this.watchBack = slotsIn(schedule, MAX_WATCH_US + SHORT_SPAN_US);
  }

  decide(plan: Plan): AuditDecision {
    return this.policy.evaluate(plan.attrs);
  }

  /** The requests of slots [i0, i1), in slot order (before the policy). */
  plans(i0: number, i1: number): Plan[] {
    const out: Plan[] = [];
    for (let i = i0; i < i1; i++) for (const p of planSlot(this.ctx, i)) out.push(p);
    return out;
  }

  /** The events of the window of slots [i0, i1), in log order, as JSON lines each ending in "\n". */
  window(i0: number, i1: number): { text: string; lines: number } {
    const { bytes, lines } = this.windowBytes(i0, i1);
    return { text: bytes.toString('utf8'), lines };
  }

  /**
   * The same as UTF-8 bytes. Each line is written into the buffer as soon as it is
   * rendered, so its string dies young: keeping a window's lines as strings until the
   * end costs more in garbage collection than rendering them.
   */
  windowBytes(i0: number, i1: number): { bytes: Buffer; lines: number } {
    const s = this.ctx.schedule;
    const lo = slotBoundary(s, i0);
    const hi = slotBoundary(s, i1);
    const lines: Line[] = [];
    const collect = (slot: number) => {
      // Every event must fall within its lane's span of the slot, or some window would miss it.
      const lane = laneOfSlot(s, slot).lane;
      const span = lane === LANE_INDEX.watch ? MAX_WATCH_US : lane === LANE_INDEX.human ? MAX_HUMAN_US : lane === LANE_INDEX.churn ? CHURN_SPAN_US - SHORT_SPAN_US : 0;
      const limit = slotBoundary(s, slot) + span + SHORT_SPAN_US;
      for (const plan of planSlot(this.ctx, slot)) {
        const decision = this.decide(plan);
        if (decision.level === 'None') continue;
        for (const stage of planStages(plan)) {
          if (decision.omitStages.includes(stage)) continue;
          const us = stageTime(plan, stage);
          if (us >= limit) throw new Error(`slot ${slot} has a ${stage} event ${us - limit} µs beyond its span: some window would miss it`);
          if (us >= lo && us < hi) lines.push({ us, slot, sub: plan.sub, rank: STAGE_RANK[stage], plan, stage, decision });
        }
      }
    };
    const shortFrom = Math.max(0, i0 - this.shortBack);
    for (let i = shortFrom; i < i1; i++) collect(i);
    // Requests on longer lanes that started before the short span and may end in this window.
    forEachLaneSlot(s, LANE_INDEX.churn, Math.max(0, i0 - this.churnBack), shortFrom, (slot) => collect(slot));
    forEachLaneSlot(s, LANE_INDEX.human, Math.max(0, i0 - this.humanBack), shortFrom, (slot) => collect(slot));
    forEachLaneSlot(s, LANE_INDEX.watch, Math.max(0, i0 - this.watchBack), shortFrom, (slot) => collect(slot));
    lines.sort(compareLines);
    let buf = Buffer.allocUnsafe(Math.max(64 * 1024, lines.length * 3072));
    let used = 0;
    for (const l of lines) {
      const line = renderEvent(l.plan, l.stage, l.decision, this.ctx.seed);
      // A UTF-16 unit is at most 3 bytes of UTF-8; grow before a write could be cut short.
      if (used + line.length * 3 + 1 > buf.length) {
        const bigger = Buffer.allocUnsafe(Math.max(buf.length * 2, used + line.length * 3 + 1));
        buf.copy(bigger, 0, 0, used);
        buf = bigger;
      }
      used += buf.write(line, used, 'utf8');
      buf[used++] = 0x0a;
    }
    return { bytes: buf.subarray(0, used), lines: lines.length };
  }
}

/** The request attributes of slots [0, …) until `count` requests, as the policy would see them. */
export function requestAttributes(gen: LogGenerator, count: number): RequestAttributes[] {
  const out: RequestAttributes[] = [];
  for (let i = 0; out.length < count; i++) for (const p of planSlot(gen.ctx, i)) if (out.length < count) out.push(p.attrs);
  return out;
}
