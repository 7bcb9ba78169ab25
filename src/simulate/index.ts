/** Replaying recorded traffic through a candidate policy: what it keeps and drops, and what that costs. */
export { Simulation } from './simulate.js';
export type { SimulationReport, CoverageFinding, GroupRow, Tally } from './simulate.js';
