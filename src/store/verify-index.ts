/**
 * The index half of verify: each event's row is derived again from its stored bytes and
 * compared, column by column, with the row the index holds. Deriving a row means scanning
 * the whole event, which costs several times what hashing it does, so a large range is
 * split across worker threads (verify-index-worker.ts) that read the ledger themselves,
 * while verify's own thread checks the hashes: both cores work.
 *
 * The bytes a worker reads come through the block index; verify's own pass checks that
 * every block entry describes the block it reads sequentially, and stops at the first that
 * does not. A problem a worker finds is reported only when the ledger pass found nothing
 * at or before its leaf, so the first bad entry is named as a sequential pass would.
 */
import { Worker } from 'node:worker_threads';
import type { Verifier } from '../ledger/index.js';
import { compiledModule } from '../runtime/paths.js';
import { firstDifference, indexRowOfBytes } from './fields.js';
import { FileLedger } from './ledger-files/file-ledger.js';
import { INDEX_FILE, LEDGER_DIR } from './ledger-files/layout.js';
import type { EventIndex, IndexRow } from './types.js';

export interface IndexProblem {
  file: string;
  leaf: number;
  message: string;
}

export interface IndexRangeResult {
  /** Rows that agreed (up to the problem, if any). */
  checked: number;
  problem: IndexProblem | null;
  /**
   * Why a part could not be checked at all (its thread could not open the ledger, say):
   * not a disagreement, and reported only when the ledger pass finds nothing either.
   */
  failed?: IndexProblem;
}

/**
 * Compares the index rows of leaves [from, to) with rows derived from the leaves' bytes
 * (`leaves` yields the bytes of exactly those leaves, in order). Stops at the first
 * disagreement.
 */
export async function checkIndexRange(index: EventIndex, leaves: Iterable<Buffer>, from: number, to: number): Promise<IndexRangeResult> {
  let checked = 0;
  const bytesOf = leaves[Symbol.iterator]();
  let leaf = from;
  const problem = (message: string, file = INDEX_FILE): IndexRangeResult => ({ checked, problem: { file, leaf, message } });
  for await (const batch of index.rowBatches(from, to)) {
    for (const row of batch) {
      if (row.leaf !== leaf) return problem(`the index row for event ${leaf} is missing (next row is for event ${row.leaf})`);
      const next = bytesOf.next();
      if (next.done) return problem(`event ${leaf} could not be read from the ledger`, LEDGER_DIR);
      const bytes = next.value;
      let derived: IndexRow;
      try {
        derived = indexRowOfBytes(leaf, bytes);
      } catch {
        return problem(`event ${leaf}: the stored bytes are not JSON`, LEDGER_DIR);
      }
      const d = firstDifference(row, derived);
      if (d !== null) return problem(`index row for event ${leaf} disagrees with the ledger: ${d.column} is ${JSON.stringify(d.a)} in the index, ${JSON.stringify(d.b)} in the event`);
      if (row.bytes !== null && row.bytes !== bytes.length) return problem(`index row for event ${leaf} gives its size as ${row.bytes} bytes, the event has ${bytes.length}`);
      checked++;
      leaf++;
    }
  }
  if (leaf < to) return problem(`no index row for event ${leaf}`);
  return { checked, problem: null };
}

/** A part that could not be checked at all (not a disagreement; see IndexRangeResult.failed). */
export function unchecked(from: number, to: number, why: string): IndexRangeResult {
  return { checked: 0, problem: null, failed: { file: INDEX_FILE, leaf: from, message: `the index rows of events ${from}–${to - 1} could not be checked: ${why}` } };
}

/**
 * checkIndexRange over the store in `dir`: its ledger opened (read only, trusting
 * `verifier`) to read the events of [from, to) through the block index.
 */
export async function checkStoreIndexRange(dir: string, verifier: Verifier, index: EventIndex, from: number, to: number): Promise<IndexRangeResult> {
  if (from >= to) return { checked: 0, problem: null };
  let ledger: FileLedger | null = null;
  try {
    ledger = FileLedger.open(dir, { verifier });
    return await checkIndexRange(index, ledger.readRange(from, to), from, to);
  } catch (err) {
    // The ledger pass on verify's thread names the cause when it is the ledger's.
    return unchecked(from, to, (err as Error).message);
  } finally {
    ledger?.close();
  }
}

/** Below this many rows the check runs on verify's own thread (a worker costs ~50 ms to start). */
export const INDEX_CHECK_ON_WORKERS = 20_000;

/**
 * Checks leaves [from, to) on `workers` threads, each a contiguous part, and resolves to
 * the first problem by leaf (or none) and the rows checked.
 */
export function checkIndexOnWorkers(dir: string, verifierKey: string, from: number, to: number, workers: number): Promise<IndexRangeResult> {
  const parts: Array<[number, number]> = [];
  const step = Math.ceil((to - from) / workers);
  for (let a = from; a < to; a += step) parts.push([a, Math.min(to, a + step)]);
  return Promise.all(parts.map(([a, b]) => runWorker(dir, verifierKey, a, b))).then((results) => {
    const first = (ps: Array<IndexProblem | null | undefined>): IndexProblem | undefined => ps.filter((p): p is IndexProblem => p != null).sort((x, y) => x.leaf - y.leaf)[0];
    return { checked: results.reduce((n, r) => n + r.checked, 0), problem: first(results.map((r) => r.problem)) ?? null, failed: first(results.map((r) => r.failed)) };
  });
}

function runWorker(dir: string, verifierKey: string, from: number, to: number): Promise<IndexRangeResult> {
  return new Promise((resolve) => {
    const worker = new Worker(compiledModule('store/verify-index-worker.js'), { workerData: { kubetrailVerifyIndex: { dir, verifierKey, from, to } } });
    let result: IndexRangeResult | null = null;
    worker.once('message', (m: IndexRangeResult) => (result = m));
    worker.once('error', (err) => (result = unchecked(from, to, err.message)));
    worker.once('exit', () => resolve(result ?? unchecked(from, to, 'the checking thread stopped')));
  });
}
