/**
 * The index writer on its own thread: the bytes of committed events (or of stored leaves,
 * when the index catches up) arrive in ledger order, and their rows are derived here and
 * added in the same transactions the store would make itself, while the main thread goes
 * on reading, checking and committing the next batches to the ledger.
 *
 * Batches that queued up while a transaction ran go into the next one together. The cost
 * of a SQLite transaction is mostly the pages it dirties, and the (audit_id, stage) index
 * takes random UUIDs, so a transaction of 4,096 rows rewrites nearly every page of that
 * index just as one of 65,536 does: measured at 300,000 rows, 48 k rows/s in batches of
 * 4,096 against 113 k rows/s in batches of 65,536. When the index keeps up, a batch goes
 * in alone and soon; when it falls behind, its transactions grow by themselves.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { indexRowOfBytes } from '../fields.js';
import type { IndexRow } from '../types.js';
import { openSqliteIndex } from './sqlite-index.js';
import { readHints, type IndexBatch } from './index-batch.js';

type Row = IndexRow & { bytes: number };

export type { IndexBatch } from './index-batch.js';

type Message = IndexBatch | { id: number; close: true };

function batchSize(m: IndexBatch): number {
  return m.ends.length;
}

/**
 * The rows of batches, in order, each derived from its event's bytes when it is asked
 * for: the index inserts it and lets it go, so rows die young instead of a transaction's
 * worth surviving the young generation's collections to be copied by each (measured on an
 * ingest of 300,000 events: this thread's collection pauses 970 → 190 ms, the collector's
 * helper threads 2.7 → 1.9 s of CPU, events committed 34 k → 37 k a second).
 */
function* rowsOf(batches: readonly IndexBatch[]): Generator<Row> {
  for (const m of batches) {
    const data = Buffer.from(m.data.buffer, m.data.byteOffset, m.data.byteLength);
    let start = 0;
    for (let i = 0; i < m.ends.length; i++) {
      const end = m.ends[i];
      const row = indexRowOfBytes(m.first + i, data.subarray(start, end), readHints(m.hints, i)) as Row;
      row.bytes = end - start;
      yield row;
      start = end;
    }
  }
}

/** How long a small batch waits for others to share its transaction. */
const GATHER_MS = 50;

if (parentPort !== null && workerData?.kubetrailIndex) {
  const port = parentPort;
  const { path, delayMs, maxTransactionRows } = workerData.kubetrailIndex as { path: string; delayMs?: number; maxTransactionRows: number };
  const index = openSqliteIndex(path);
  // Messages in the order sent (rows must arrive in leaf order), handled by one loop.
  const queue: Message[] = [];
  let running = false;
  port.on('message', (m: Message) => {
    queue.push(m);
    if (!running) {
      running = true;
      // After the messages already waiting on the port have been received.
      setImmediate(() => void drain());
    }
  });

  const queuedRows = (): number => {
    let n = 0;
    for (const m of queue) n += 'close' in m ? 0 : batchSize(m);
    return n;
  };

  const drain = async (): Promise<void> => {
    while (queue.length > 0) {
      if ('close' in queue[0]) {
        queue.shift();
        await index.close();
        port.postMessage({ id: -1, closed: true });
        continue;
      }
      // A small transaction costs nearly what a large one does (see above): with little
      // queued, wait a moment for more (the index may lag the ledger; dedupe does not ask it).
      if (queuedRows() < maxTransactionRows / 4) await new Promise((r) => setTimeout(r, GATHER_MS));
      const taken: IndexBatch[] = [];
      let rows = 0;
      for (let m = queue[0]; m !== undefined && !('close' in m) && (taken.length === 0 || rows + batchSize(m) <= maxTransactionRows); m = queue[0]) {
        queue.shift();
        taken.push(m);
        rows += batchSize(m);
      }
      let failure: NodeJS.ErrnoException | null = null;
      try {
        if (delayMs) await new Promise((r) => setTimeout(r, delayMs)); // tests: a worker that lags
        await index.addLazily(rowsOf(taken), rows);
      } catch (err) {
        failure = err instanceof Error ? err : new Error(String(err));
      }
      // One answer per batch, in order (the sender matches them to what it sent).
      for (const m of taken) {
        if (failure !== null) port.postMessage({ id: m.id, error: failure.message, code: failure.code });
        // The bytes' buffer goes back to the sender to be filled again (see background.ts).
        else port.postMessage({ id: m.id, buffer: m.data.buffer }, [m.data.buffer as ArrayBuffer]);
      }
      // Lets the messages that arrived meanwhile in before the next transaction.
      await new Promise((r) => setImmediate(r));
    }
    running = false;
  };
}
