/**
 * Writing the first N events of a log, with worker threads rendering windows in
 * parallel and the caller's `write` applying backpressure. Windows are dispatched in
 * slot order and written in that order, so the bytes are the same for any number of
 * workers (0 renders in the calling thread). At most two windows per worker are in
 * flight; a window's size follows the events still wanted, so a small N does not pay
 * for a large window.
 */
import { Worker } from 'node:worker_threads';
import { LogGenerator, type LogConfig } from './log.js';
import type { WindowRequest, WindowResult } from './worker.js';
import { compiledModule } from '../runtime/paths.js';

export interface StreamLogOptions {
  config: LogConfig;
  /** How many events (lines) to write. */
  events: number;
  /** Worker threads; 0 renders in this thread. */
  workers: number;
  /** Receives the log in order; its promise resolving is the backpressure. */
  write: (chunk: Uint8Array) => Promise<void>;
  /** Polled between windows: true ends the stream early (the reader went away). */
  stopped?: () => boolean;
  /** Events a window aims for (default 16,000); any size gives the same bytes. */
  windowLines?: number;
}

export interface StreamLogResult {
  events: number;
  bytes: number;
}

/** Events a window aims for: large enough to amortise the per-window re-planning, small enough to keep memory flat. */
const TARGET_LINES_PER_WINDOW = 16_000;

export async function streamLog(options: StreamLogOptions): Promise<StreamLogResult> {
  const { config, events } = options;
  const target = options.windowLines ?? TARGET_LINES_PER_WINDOW;
  let nextSlot = 0;
  let promised = 0;
  const nextRange = (): [number, number] => {
    const wanted = Math.max(events - promised, 0);
    const lines = Math.min(target, Math.max(64, wanted * 1.05 + 16));
    const slots = Math.max(16, Math.ceil(lines / config.linesPerSlot));
    const range: [number, number] = [nextSlot, nextSlot + slots];
    nextSlot += slots;
    promised += lines;
    return range;
  };
  let written = 0;
  let bytes = 0;
  const emit = async (chunk: Uint8Array, lines: number): Promise<boolean> => {
    if (written + lines > events) {
      chunk = chunk.subarray(0, endOfLine(chunk, events - written));
      lines = events - written;
    }
    if (chunk.length > 0) await options.write(chunk);
    written += lines;
    bytes += chunk.length;
    return written >= events;
  };
  if (events <= 0) return { events: 0, bytes: 0 };

  if (options.workers <= 0) {
    const gen = new LogGenerator(config);
    while (!options.stopped?.()) {
      const [i0, i1] = nextRange();
      const { bytes, lines } = gen.windowBytes(i0, i1);
      if (await emit(bytes, lines)) break;
    }
    return { events: written, bytes };
  }

  // A larger young generation: a window's plans and lines are short-lived garbage, and scavenges then copy less.
  const pool = Array.from({ length: options.workers }, () => new Worker(compiledModule('generate/worker.js'), { workerData: config, resourceLimits: { maxYoungGenerationSizeMb: 96 } }));
  const pending = new Map<number, { resolve: (r: WindowResult) => void; reject: (e: Error) => void }>();
  const results = new Map<number, Promise<WindowResult>>();
  let failure: Error | null = null;
  for (const w of pool) {
    w.on('message', (r: WindowResult) => {
      pending.get(r.id)?.resolve(r);
      pending.delete(r.id);
    });
    w.on('error', (err) => {
      failure = err;
      for (const p of pending.values()) p.reject(err);
      pending.clear();
    });
  }
  let dispatched = 0;
  const dispatch = () => {
    const id = dispatched++;
    const [i0, i1] = nextRange();
    const result = new Promise<WindowResult>((resolve, reject) => {
      if (failure) return reject(failure);
      pending.set(id, { resolve, reject });
      const req: WindowRequest = { id, i0, i1 };
      pool[id % pool.length].postMessage(req);
    });
    // Windows dispatched ahead may fail after the stream has stopped; only the awaited one reports.
    result.catch(() => undefined);
    results.set(id, result);
  };
  try {
    let next = 0;
    for (;;) {
      while (dispatched < next + pool.length * 2 && promised < events * 1.5 + target) dispatch();
      if (!results.has(next)) dispatch();
      const r = await results.get(next)!;
      results.delete(next);
      next++;
      if (await emit(r.bytes, r.lines)) break;
      if (options.stopped?.()) break;
    }
  } finally {
    await Promise.all(pool.map((w) => w.terminate()));
  }
  return { events: written, bytes };
}

/** The offset just past the n-th newline (n >= 1), or 0 for n = 0. */
function endOfLine(chunk: Uint8Array, n: number): number {
  let at = 0;
  for (let k = 0; k < n; k++) {
    const nl = chunk.indexOf(0x0a, at);
    if (nl < 0) return chunk.length;
    at = nl + 1;
  }
  return at;
}
