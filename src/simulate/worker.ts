/**
 * A replay worker thread: compiles the policies it is given once, then counts each chunk
 * posted to it and posts back the chunk's counts (merged by the driver in input order).
 */
import { parentPort, workerData } from 'node:worker_threads';
// The compiler alone: the policy package's index also loads the YAML parser, the
// validator and the linter, which a worker never uses (a third of its start-up).
import { compilePolicy } from '../audit/policy/compile.js';
import type { Policy } from '../audit/types.js';
import { PolicyDiff } from './diff.js';
import { replayChunk, type EventCounter } from './replay.js';
import { Simulation } from './simulate.js';
import { FileRanges, type FileRange } from './file-range.js';

export interface WorkerSetup {
  mode: 'simulate' | 'diff';
  policies: Policy[];
  wildcardGroup: boolean;
  fullParse: boolean;
}

/** Bytes to count: given (a chunk, with leaf boundaries when they are stored leaves), or a range of a plain file for the worker to read itself. */
export type WorkerJob = { id: number; chunk: Uint8Array; offsets: Int32Array | null } | { id: number; range: FileRange };


export function makeCounter(setup: WorkerSetup): EventCounter<unknown> {
  const compiled = setup.policies.map((p) => compilePolicy(p, { wildcardGroup: setup.wildcardGroup }));
  return setup.mode === 'simulate' ? new Simulation(setup.policies[0], compiled[0]) : new PolicyDiff(compiled[0], compiled[1]);
}

if (parentPort !== null && workerData?.kubetrailReplay) {
  const setup = workerData.kubetrailReplay as WorkerSetup;
  const counter = makeCounter(setup);
  const port = parentPort;
  const files = new FileRanges();
  port.on('message', (job: WorkerJob) => {
    const outcome =
      'range' in job
        ? replayChunk(counter, files.read(job.range), null, setup.fullParse)
        : replayChunk(counter, Buffer.from(job.chunk.buffer, job.chunk.byteOffset, job.chunk.byteLength), job.offsets, setup.fullParse);
    port.postMessage({ id: job.id, counts: counter.takeCounts(), ...outcome });
  });
  port.on('close', () => files.close());
}
