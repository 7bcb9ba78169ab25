/**
 * A replay worker thread: compiles the policies it is given once, then counts each chunk
 * posted to it and posts back the chunk's counts (merged by the driver in input order).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { compilePolicy } from '../audit/policy/index.js';
import type { Policy } from '../audit/types.js';
import { PolicyDiff } from './diff.js';
import { replayChunk, type EventCounter } from './replay.js';
import { Simulation } from './simulate.js';

export interface WorkerSetup {
  mode: 'simulate' | 'diff';
  policies: Policy[];
  wildcardGroup: boolean;
  fullParse: boolean;
}

export interface WorkerJob {
  id: number;
  chunk: Uint8Array;
  offsets: Int32Array | null;
}

export function makeCounter(setup: WorkerSetup): EventCounter<unknown> {
  const compiled = setup.policies.map((p) => compilePolicy(p, { wildcardGroup: setup.wildcardGroup }));
  return setup.mode === 'simulate' ? new Simulation(setup.policies[0], compiled[0]) : new PolicyDiff(compiled[0], compiled[1]);
}

if (parentPort !== null && workerData?.kubetrailReplay) {
  const setup = workerData.kubetrailReplay as WorkerSetup;
  const counter = makeCounter(setup);
  const port = parentPort;
  port.on('message', (job: WorkerJob) => {
    const chunk = Buffer.from(job.chunk.buffer, job.chunk.byteOffset, job.chunk.byteLength);
    const outcome = replayChunk(counter, chunk, job.offsets, setup.fullParse);
    port.postMessage({ id: job.id, counts: counter.takeCounts(), ...outcome });
  });
}
