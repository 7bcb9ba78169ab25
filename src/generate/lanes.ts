/**
 * Which activity each lane runs, the pool's mix, and the lanes' rates for a cluster.
 * The traffic-mix table in index.ts documents these numbers; keep the two in step.
 */
import { churnActivity, kubeletEvent, kubeletGetConfig, kubeletPodStatus, kubeletTokenRequest, nodeGetActivity, nodeLeaseActivity, nodeStatusActivity, watchActivity } from './activities-node.js';
import { apiserverSelf, ciApply, controllerEvent, delegatedAuth, discovery, endpointSliceUpdate, hpaActivity, leaderActivity, operatorRead, operatorWrite, workloadStatusUpdate } from './activities-control.js';
import { anonActivity, healthActivity, humanActivity } from './activities-people.js';
import type { Activity, Ctx } from './activity.js';
import type { Cluster } from './cluster.js';
import type { Plan } from './plan.js';
import { Rng, Stream, WeightedTable } from './random.js';
import { LANE_INDEX, LANES, laneOfSlot, slotTime, type Lane } from './schedule.js';

/** The pool: activities drawn at random, with their weights (percent of pool slots). */
export const POOL: readonly (readonly [Activity, number])[] = [
  [kubeletPodStatus, 9],
  [kubeletGetConfig, 5],
  [kubeletTokenRequest, 4],
  [kubeletEvent, 6],
  [endpointSliceUpdate, 8],
  [workloadStatusUpdate, 8],
  [discovery, 7],
  [hpaActivity, 4],
  [controllerEvent, 8],
  [apiserverSelf, 6],
  [delegatedAuth, 5],
  [operatorRead, 16],
  [operatorWrite, 6],
  [ciApply, 2],
];
const poolTable = new WeightedTable(POOL.map(([, w]) => w));

const LANE_ACTIVITY: Record<Exclude<Lane, 'pool'>, Activity> = {
  nodeLease: nodeLeaseActivity,
  nodeGet: nodeGetActivity,
  nodeStatus: nodeStatusActivity,
  churn: churnActivity,
  watch: watchActivity,
  leader: leaderActivity,
  health: healthActivity,
  human: humanActivity,
  anon: anonActivity,
};
const BY_INDEX: (Activity | null)[] = LANES.map((l) => (l === 'pool' ? null : LANE_ACTIVITY[l]));

/** The requests slot i makes, in the order they are sent. */
export function planSlot(ctx: Ctx, slot: number): Plan[] {
  const { lane, ordinal } = laneOfSlot(ctx.schedule, slot);
  const rng = new Rng(ctx.seed, Stream.slot, slot);
  const t = slotTime(ctx.schedule, slot);
  const activity = BY_INDEX[lane];
  if (activity !== null) return activity(ctx, slot, ordinal, t, rng);
  return POOL[poolTable.pick(rng)][0](ctx, slot, ordinal, t, rng);
}

/** Lanes whose requests may stay open longer than a few seconds. */
export const LONG_LANES = [LANE_INDEX.watch, LANE_INDEX.human] as const;

/**
 * Activities per second by lane, at a total of `slotsPerSecond`: periodic lanes follow
 * the cluster (a lease renewal per node every 10 s, a Node GET per node every 10 s, a
 * status patch per node every 2 min, each app pod replaced every 30 min, each watch
 * reopened every 7.5 min on average), fixed lanes follow the people and probes, and the
 * pool takes the rest (at least a quarter).
 */
export function laneRates(cluster: Cluster, slotsPerSecond: number): Record<Lane, number> {
  const n = cluster.nodes.length;
  const fixed = {
    nodeLease: n / 10,
    nodeGet: n / 10,
    nodeStatus: n / 120,
    churn: cluster.churningPods.length / 1800,
    watch: cluster.watchers.length / 450,
    leader: 1.6,
    health: 1.7,
    human: 0.035 * cluster.humans.length,
    anon: 0.05,
  };
  const sum = Object.values(fixed).reduce((a, b) => a + b, 0);
  const pool = Math.max(slotsPerSecond - sum, slotsPerSecond * 0.25, 1);
  return { ...fixed, pool };
}
