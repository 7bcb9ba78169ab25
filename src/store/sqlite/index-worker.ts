/**
 * The index writer on its own thread: rows of committed events arrive in ledger order and
 * are added in the same transactions the store would make itself, while the main thread
 * goes on reading, scanning and committing the next batches to the ledger.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { IndexRow } from '../types.js';
import { openSqliteIndex } from './sqlite-index.js';

if (parentPort !== null && workerData?.kubetrailIndex) {
  const port = parentPort;
  const { path, delayMs } = workerData.kubetrailIndex as { path: string; delayMs?: number };
  const index = openSqliteIndex(path);
  // One message at a time, in the order sent: rows must arrive in leaf order.
  let chain: Promise<void> = Promise.resolve();
  port.on('message', (m: { id: number; rows?: Array<IndexRow & { bytes: number }>; close?: true }) => {
    chain = chain.then(() => handle(m));
  });
  const handle = async (m: { id: number; rows?: Array<IndexRow & { bytes: number }>; close?: true }) => {
    if (m.close) {
      await index.close();
      port.postMessage({ id: m.id, closed: true });
      return;
    }
    try {
      if (delayMs) await new Promise((r) => setTimeout(r, delayMs)); // tests: a worker that lags
      await index.add(m.rows!);
      port.postMessage({ id: m.id });
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      port.postMessage({ id: m.id, error: e?.message ?? String(err), code: e?.code });
    }
  };
}
