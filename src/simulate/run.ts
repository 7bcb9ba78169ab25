/**
 * The replay driver: cuts plain log files into byte ranges that worker threads (all
 * cores by default) read and count themselves, hands them chunks of anything else
 * (compressed logs, a store's leaves) read on the main thread, and merges their counts in
 * input order, so the result is exactly that of one pass over the input, however many
 * workers ran. Memory stays bounded: a few chunks in flight per worker.
 */
import { availableParallelism } from 'node:os';
import { statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { Worker } from 'node:worker_threads';
import { openBytes, orderLogFiles, readCandidates } from '../ingest/index.js';
import { openStore } from '../store/index.js';
import { fieldsWithSizes, replayChunk, type ChunkOutcome, type EventCounter } from './replay.js';
import { FileRanges, type FileRange } from './file-range.js';
import type { WorkerJob, WorkerSetup } from './worker.js';
import { compiledModule } from '../runtime/paths.js';

/** Log files, a store directory, or the leaves of a store already open. */
export type ReplaySource = { log: string[] } | { store: string } | { leaves: Iterable<Buffer>; name: string };

export interface ReplayOptions {
  /** Worker threads; 0 counts on the main thread. Default: one per core. */
  workers?: number;
  /** Bytes per chunk (default 4 MiB). */
  chunkBytes?: number;
  /** Called now and then with the input bytes counted so far and the total when known. */
  onProgress?: (done: number, total: number | null) => void;
  /** A line or item that is not an audit event. */
  onProblem?: (file: string, line: number, column: number, message: string) => void;
}

interface Pending {
  file: string;
  /** The chunk's first line number, or null: the line after the previous chunk's last (chunks of a file are merged in order). */
  firstLine: number | null;
  size: number;
}

const WORKER_URL = compiledModule('simulate/worker.js');

/**
 * What follows a chunk's counts, chunk after chunk in input order: its problems at their
 * line numbers in the file (a chunk whose first line is null goes on from the one before),
 * then progress.
 */
class AfterEachChunk {
  #nextLine = 1;

  constructor(
    private readonly options: ReplayOptions,
    private readonly progress: () => void,
    private readonly onBytes: (n: number) => void,
  ) {}

  done(chunk: Pending, outcome: ChunkOutcome): void {
    const first = chunk.firstLine ?? this.#nextLine;
    this.#nextLine = first + outcome.lines;
    for (const pr of outcome.problems) this.options.onProblem?.(chunk.file, first + pr.line - 1, pr.column, pr.message);
    this.onBytes(chunk.size);
    this.progress();
  }
}

/** A pool of replay workers fed in order; results merged in order. */
class Pool {
  readonly #workers: Worker[] = [];
  /** Chunks posted to each worker and not yet answered. */
  readonly #outstanding: number[] = [];
  readonly #inflight = new Map<number, Pending>();
  readonly #done = new Map<number, { counts: unknown } & ChunkOutcome>();
  #nextId = 0;
  #nextMerge = 0;
  readonly #after: AfterEachChunk;
  #waiters: Array<() => void> = [];
  #failure: Error | null = null;

  constructor(
    private readonly counter: EventCounter<unknown>,
    setup: WorkerSetup,
    n: number,
    after: AfterEachChunk,
  ) {
    this.#after = after;
    for (let i = 0; i < n; i++) {
      const w = new Worker(WORKER_URL, { workerData: { kubetrailReplay: setup } });
      this.#outstanding.push(0);
      w.on('message', (m: { id: number; counts: unknown } & ChunkOutcome) => {
        this.#outstanding[i]--;
        this.#done.set(m.id, m);
        this.#drain();
      });
      w.on('error', (err) => {
        this.#failure = err;
        this.#wake();
      });
      this.#workers.push(w);
    }
  }

  #wake(): void {
    const w = this.#waiters;
    this.#waiters = [];
    for (const f of w) f();
  }

  #drain(): void {
    for (;;) {
      const m = this.#done.get(this.#nextMerge);
      if (m === undefined) break;
      const job = this.#inflight.get(this.#nextMerge)!;
      this.#done.delete(this.#nextMerge);
      this.#inflight.delete(this.#nextMerge);
      this.#nextMerge++;
      this.counter.merge(m.counts);
      this.#after.done(job, m);
    }
    this.#wake();
  }

  /**
   * The worker with the fewest chunks waiting: chunks are merged in input order whoever
   * counts them, and dealing them round-robin left a worker idle whenever the other was
   * slowed (by the garbage collector, or by this thread on a shared core) and held the
   * next chunks in its queue.
   */
  #leastBusy(): Worker {
    let best = 0;
    for (let i = 1; i < this.#outstanding.length; i++) if (this.#outstanding[i] < this.#outstanding[best]) best = i;
    this.#outstanding[best]++;
    return this.#workers[best];
  }

  async #room(limit: number): Promise<void> {
    while (this.#inflight.size >= limit) {
      if (this.#failure) throw this.#failure;
      await new Promise<void>((r) => this.#waiters.push(r));
    }
    if (this.#failure) throw this.#failure;
  }

  /**
   * Sends a chunk (whose first line is `firstLine` of `file`, null: the line after the
   * previous chunk's); waits while too many are in flight.
   */
  async send(file: string, firstLine: number | null, chunk: Buffer, offsets: Int32Array | null): Promise<void> {
    await this.#room(this.#workers.length * 3);
    const id = this.#nextId++;
    this.#inflight.set(id, { file, firstLine, size: chunk.length });
    // The memory moves to the worker: stream buffers are pooled and must be copied first.
    const mine = new Uint8Array(chunk);
    const job: WorkerJob = { id, chunk: mine, offsets };
    const transfer: ArrayBuffer[] = [mine.buffer as ArrayBuffer];
    if (offsets !== null) transfer.push(offsets.buffer as ArrayBuffer);
    this.#leastBusy().postMessage(job, transfer);
  }

  /** Sends a range of a plain file, which the worker reads itself. */
  async sendRange(range: FileRange, firstLine: number | null): Promise<void> {
    await this.#room(this.#workers.length * 3);
    const id = this.#nextId++;
    this.#inflight.set(id, { file: range.file, firstLine, size: range.end - range.start });
    const job: WorkerJob = { id, range };
    this.#leastBusy().postMessage(job);
  }

  async finish(): Promise<void> {
    try {
      await this.#room(1);
      while (this.#inflight.size > 0) await this.#room(1);
    } finally {
      // Also when a worker failed: the others would keep the process alive.
      await Promise.all(this.#workers.map((w) => w.terminate()));
    }
  }
}

/** Counts on the main thread with the same chunking (workers: 0). */
class Inline {
  constructor(
    private readonly counter: EventCounter<unknown>,
    private readonly fullParse: boolean,
    private readonly after: AfterEachChunk,
  ) {}

  readonly #files = new FileRanges();

  async send(file: string, firstLine: number | null, chunk: Buffer, offsets: Int32Array | null): Promise<void> {
    this.after.done({ file, firstLine, size: chunk.length }, replayChunk(this.counter, chunk, offsets, this.fullParse));
  }

  async sendRange(range: FileRange, firstLine: number | null): Promise<void> {
    this.after.done({ file: range.file, firstLine, size: range.end - range.start }, replayChunk(this.counter, this.#files.read(range), null, this.fullParse));
  }

  async finish(): Promise<void> {
    this.#files.close();
  }
}

/** The first bytes of a file, up to the last complete line when it has one. */
async function readHead(file: string, bytes: number): Promise<Buffer> {
  const handle = await open(file, 'r');
  try {
    const b = Buffer.alloc(bytes);
    const { bytesRead } = await handle.read(b, 0, bytes, 0);
    return b.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/** True when the file is one pretty-printed JSON document (its first non-blank line is not JSON on its own). */
function looksLikeDocument(head: Buffer): boolean {
  let s = 0;
  for (;;) {
    let nl = head.indexOf(0x0a, s);
    if (nl < 0) nl = head.length;
    const line = head.subarray(s, nl).toString('utf8').trim();
    if (line !== '') {
      if (!/^[[{]/.test(line)) return false;
      try {
        JSON.parse(line);
        return false;
      } catch {
        return true;
      }
    }
    if (nl >= head.length) return false;
    s = nl + 1;
  }
}

/**
 * Replays the source through `counter`: on `workers` threads each building its own
 * counter from `setup`, merged into `counter`.
 */
export async function replay(counter: EventCounter<unknown>, setup: WorkerSetup, source: ReplaySource, options: ReplayOptions = {}): Promise<void> {
  const workers = options.workers ?? availableParallelism();
  const chunkBytes = options.chunkBytes ?? 4 * 1024 * 1024;
  let done = 0;
  let total: number | null = null;
  let lastProgress = 0;
  const progress = () => {
    const now = Date.now();
    if (options.onProgress && now - lastProgress >= 250) {
      lastProgress = now;
      options.onProgress(done, total);
    }
  };
  const onBytes = (n: number) => {
    done += n;
  };
  const after = new AfterEachChunk(options, progress, onBytes);
  const sink = workers > 0 ? new Pool(counter, setup, workers, after) : new Inline(counter, setup.fullParse, after);
  try {
    if ('store' in source) await replayStore(sink, source.store, chunkBytes);
    else if ('leaves' in source) await replayLeaves(sink, source.name, source.leaves, chunkBytes);
    else {
      const files = orderLogFiles(source.log);
      const plain = files.every((f) => f !== '-' && !f.endsWith('.gz'));
      if (plain) total = files.reduce((s, f) => s + statSync(f).size, 0);
      for (const file of files) await replayFile(sink, counter, setup.fullParse, file, chunkBytes, options);
    }
    await sink.finish();
  } catch (err) {
    await sink.finish().catch(() => undefined);
    throw err;
  }
  options.onProgress?.(done, total);
}

/**
 * A plain file: cut into byte ranges that the workers read themselves (see
 * file-range.ts), so the main thread neither reads nor copies; its size is taken once,
 * so lines appended meanwhile wait for the next run.
 */
async function replayPlainFile(sink: Pool | Inline, file: string, chunkBytes: number): Promise<void> {
  const size = statSync(file).size;
  for (let start = 0; start < size; start += chunkBytes) {
    await sink.sendRange({ file, start, end: Math.min(size, start + chunkBytes), size }, start === 0 ? 1 : null);
  }
}

async function replayFile(sink: Pool | Inline, counter: EventCounter<unknown>, fullParse: boolean, file: string, chunkBytes: number, options: ReplayOptions): Promise<void> {
  const head = file === '-' ? null : await readHead(file, 64 * 1024);
  if (head !== null && !(head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b)) {
    if (looksLikeDocument(head.subarray(head.length >= 3 && head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf ? 3 : 0))) {
      await replayDocument(counter, file, options);
      return;
    }
    await replayPlainFile(sink, file, chunkBytes);
    return;
  }
  const stream = await openBytes(file);
  let pieces: Buffer[] = [];
  let held = 0;
  let first = true;
  let firstSent = false;
  const flush = async (all: boolean): Promise<void> => {
    let b = pieces.length === 1 ? pieces[0] : Buffer.concat(pieces, held);
    if (first) {
      if (b.length >= 3 && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) b = b.subarray(3);
      first = false;
    }
    const cut = all ? b.length : b.lastIndexOf(0x0a) + 1;
    const chunk = b.subarray(0, cut);
    const rest = b.subarray(cut);
    pieces = rest.length > 0 ? [rest] : [];
    held = rest.length;
    if (chunk.length === 0) return;
    await sink.send(file, firstSent ? null : 1, chunk, null);
    firstSent = true;
  };
  let checked = false;
  for await (const piece of stream as AsyncIterable<Buffer>) {
    pieces.push(piece);
    held += piece.length;
    if (!checked) {
      const head = Buffer.concat(pieces, held);
      const bom = head.length >= 3 && head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf ? 3 : 0;
      // Wait for the first complete non-blank line before deciding what kind of file this is.
      const body = head.subarray(bom);
      if (body.indexOf(0x0a) < 0 && held < 64 * 1024 * 1024) continue;
      checked = true;
      if (looksLikeDocument(body)) {
        stream.destroy();
        await replayDocument(counter, file, options);
        return;
      }
    }
    if (held >= chunkBytes) await flush(false);
  }
  if (!checked && held > 0 && looksLikeDocument(Buffer.concat(pieces, held))) {
    await replayDocument(counter, file, options);
    return;
  }
  if (held > 0) await flush(true);
}

/** A pretty-printed document: read whole by the full parser on this thread (they are small). */
async function replayDocument(counter: EventCounter<unknown>, file: string, options: ReplayOptions): Promise<void> {
  for await (const c of readCandidates(file)) {
    if (c.kind === 'problem') {
      counter.skipped++;
      options.onProblem?.(file, c.line, c.column, c.message);
    } else counter.add(c.bytes.length, c.scanned ?? fieldsWithSizes(c.bytes, c.value!));
  }
}

async function replayStore(sink: Pool | Inline, dir: string, chunkBytes: number): Promise<void> {
  const store = await openStore(dir, { index: false });
  try {
    await replayLeaves(sink, dir, store.readRange(), chunkBytes);
  } finally {
    await store.close();
  }
}

/** Leaves go out in chunks with their boundaries (a leaf may hold a line feed: it is not split on them). */
async function replayLeaves(sink: Pool | Inline, name: string, source: Iterable<Buffer>, chunkBytes: number): Promise<void> {
  let leaves: Buffer[] = [];
  let bytes = 0;
  const flush = async () => {
    const offsets = new Int32Array(leaves.length + 1);
    for (let i = 0; i < leaves.length; i++) offsets[i + 1] = offsets[i] + leaves[i].length;
    await sink.send(name, 0, Buffer.concat(leaves, bytes), offsets);
    leaves = [];
    bytes = 0;
  };
  for (const leaf of source) {
    leaves.push(leaf);
    bytes += leaf.length;
    if (bytes >= chunkBytes) await flush();
  }
  if (leaves.length > 0) await flush();
}
