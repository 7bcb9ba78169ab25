/**
 * A generation worker: holds one LogGenerator (the cluster and schedule rebuilt from
 * the config, identical in every thread) and renders the windows it is asked for,
 * handing each back as UTF-8 bytes whose buffer is transferred, not copied.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { LogGenerator, type LogConfig } from './log.js';

export interface WindowRequest {
  id: number;
  i0: number;
  i1: number;
}

export interface WindowResult {
  id: number;
  bytes: Uint8Array;
  lines: number;
}

const generator = new LogGenerator(workerData as LogConfig);
parentPort!.on('message', (req: WindowRequest) => {
  const { bytes, lines } = generator.windowBytes(req.i0, req.i1);
  // Transfer only a buffer the bytes own entirely; a view into a larger or pooled one is copied.
  const own = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : new Uint8Array(bytes);
  const result: WindowResult = { id: req.id, bytes: own, lines };
  parentPort!.postMessage(result, [own.buffer as ArrayBuffer]);
});
