/**
 * The index's heavy reads on their own thread: aggregations over many rows (top-N with a
 * filter no rollup answers, timelines, health) run here on a read-only connection, so the
 * thread that acknowledges webhook batches and serves pages never waits seconds for one.
 * WAL lets this reader see every committed transaction while the writer goes on.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { openSqliteIndex } from './sqlite-index.js';

export type HeavyRead = 'top' | 'timeline' | 'health';

export interface ReadRequest {
  id: number;
  op: HeavyRead | 'close';
  args: unknown[];
}

if (parentPort !== null && workerData?.kubetrailRead) {
  const port = parentPort;
  const { path } = workerData.kubetrailRead as { path: string };
  const index = openSqliteIndex(path, { readonly: true });
  port.on('message', async (m: ReadRequest) => {
    if (m.op === 'close') {
      await index.close();
      port.postMessage({ id: m.id, value: null });
      return;
    }
    try {
      const value = await (index[m.op] as (...args: unknown[]) => Promise<unknown>)(...m.args);
      port.postMessage({ id: m.id, value });
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      port.postMessage({ id: m.id, error: e?.message ?? String(err), code: e?.code });
    }
  });
}
