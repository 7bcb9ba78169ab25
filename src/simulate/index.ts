/** Policy simulation and diff over recorded traffic, on all cores. */
export { Simulation } from './simulate.js';
export type { CoverageFinding, GroupRow, SimulationCounts, SimulationReport, Tally } from './simulate.js';
export { PolicyDiff } from './diff.js';
export type { PolicyDiffCounts, PolicyDiffReport } from './diff.js';
export { replay } from './run.js';
export type { ReplayOptions, ReplaySource } from './run.js';
export { makeCounter } from './worker.js';
export type { WorkerSetup } from './worker.js';
export { replayChunk, fieldsWithSizes } from './replay.js';
