/**
 * Indexing behind the ledger on a worker thread. The ledger is the point of commit: a
 * batch is durable and signed when its append returns, and the index is a view that may
 * lag (after a crash it is caught up from the ledger). Writing it on another thread lets
 * ingest use both cores: the main thread reads, checks and commits; the worker derives
 * the rows from the events' bytes and indexes them.
 *
 * Dedupe must see every committed event, indexed or not: the keys of events still on
 * their way to the worker are kept here until the worker has committed them. At most
 * `maxBehind` events (and MAX_BEHIND_BYTES of them) wait; a commit past that waits for
 * the worker (memory stays bounded).
 */
import { Worker } from 'node:worker_threads';
import { dedupeKeyOf, dedupeKeyString, type DedupeKey, type PendingEvent } from '../types.js';
import type { ScanHints } from '../../audit/event-scan.js';
import { HINT_FIELDS, writeHints, type IndexBatch } from './index-batch.js';
import { compiledModule } from '../../runtime/paths.js';

interface Sent {
  id: number;
  keys: string[];
  rows: number;
  bytes: number;
}

/** Event bytes handed over and not yet indexed, at most (besides maxBehind events). */
const MAX_BEHIND_BYTES = 128 * 1024 * 1024;

/**
 * Large buffers come back from the worker once it has read them and are used again:
 * memory the process has not touched yet costs a page fault per 4 KiB when first written,
 * which on the machines measured here made copying a catch-up's 16,384 leaves (44 MB)
 * into a fresh buffer take 130 ms, ten times the copy itself. Batches under POOL_FROM
 * (a small webhook batch, tail's) get buffers of their own size from the allocator's
 * heap, which reuses its memory anyway. Pooled sizes are powers of two, so that batches of
 * different sizes share them and none holds more than twice its bytes (they are counted
 * whole against MAX_BEHIND_BYTES). As many are kept as were ever in flight at once, up to
 * that bound, for as long as the indexer lives: a webhook under load has a dozen batches
 * on their way, and with three kept its new buffers' page faults took ~5% of its thread.
 */
const POOL_FROM = 1024 * 1024;
const SPARE_BYTES = MAX_BEHIND_BYTES;

export class BackgroundIndexer {
  readonly #worker: Worker;
  readonly #pendingKeys = new Map<string, number>();
  readonly #sent: Sent[] = [];
  #nextId = 0;
  #behind = 0;
  #behindBytes = 0;
  #waiters: Array<() => void> = [];
  #failure: Error | null = null;
  #closed = false;
  /** Buffers handed back by the worker, for the next batches. */
  readonly #spare: ArrayBuffer[] = [];
  #spareBytes = 0;

  constructor(
    path: string,
    private readonly maxBehind = 65_536,
    /** Tests: how long the worker holds each batch before indexing it. */
    delayMs = 0,
  ) {
    this.#worker = new Worker(compiledModule('store/sqlite/index-worker.js'), {
      // At most half of what may wait in one transaction: the sender, held at maxBehind,
      // goes on as soon as one finishes, while the worker starts on the other half.
      workerData: { kubetrailIndex: { path, delayMs, maxTransactionRows: Math.max(1, Math.floor(maxBehind / 2)) } },
    });
    this.#worker.on('message', (m: { id: number; error?: string; code?: string; closed?: true; buffer?: ArrayBuffer }) => {
      if (m.buffer !== undefined && m.buffer.byteLength >= POOL_FROM && this.#spareBytes + m.buffer.byteLength <= SPARE_BYTES) {
        this.#spare.push(m.buffer);
        this.#spareBytes += m.buffer.byteLength;
      }
      if (m.closed) return this.#wake();
      if (m.error !== undefined) {
        this.#failure = Object.assign(new Error(`the index could not be written: ${m.error}`), { code: m.code });
      }
      const sent = this.#sent.shift();
      if (sent !== undefined && m.error === undefined) {
        for (const k of sent.keys) {
          const n = (this.#pendingKeys.get(k) ?? 1) - 1;
          if (n <= 0) this.#pendingKeys.delete(k);
          else this.#pendingKeys.set(k, n);
        }
        this.#behind -= sent.rows;
        this.#behindBytes -= sent.bytes;
      }
      this.#wake();
    });
    this.#worker.on('error', (err) => {
      this.#failure = err;
      this.#wake();
    });
  }

  /** Why indexing stopped, or null. After a failure the store indexes on its own thread again. */
  get failure(): Error | null {
    return this.#failure;
  }

  #wake(): void {
    const w = this.#waiters;
    this.#waiters = [];
    for (const f of w) f();
  }

  async #until(done: () => boolean): Promise<void> {
    while (!done() && this.#failure === null) await new Promise<void>((r) => this.#waiters.push(r));
  }

  /**
   * Hands over the events of a committed batch, leaves first, first + 1, …: their bytes,
   * from which the worker derives the rows (this thread need not), in one buffer handed
   * over without a copy. Waits while too many are behind.
   */
  async add(first: number, events: readonly PendingEvent[]): Promise<void> {
    await this.#post(first, events.map((e) => e.bytes), events.map(dedupeKeyOf), events.map((e) => e.hints));
  }

  /**
   * Hands over stored leaves from `first` on, for a catch-up: the worker derives their rows
   * as it does a live batch's. No commit runs while the store catches up (it does so when
   * it opens, or before its next commit), so no dedupe keys are kept pending.
   */
  async addLeaves(first: number, leaves: readonly Uint8Array[], hints?: ReadonlyArray<ScanHints | undefined>): Promise<void> {
    await this.#post(first, leaves, [], hints);
  }

  /** Sends the leaves in one buffer, their dedupe keys pending until the worker has them. */
  async #post(first: number, leaves: readonly Uint8Array[], dedupe: ReadonlyArray<DedupeKey | null>, scanHints?: ReadonlyArray<ScanHints | undefined>): Promise<void> {
    if (this.#failure !== null) throw this.#failure;
    if (leaves.length === 0) return;
    let total = 0;
    for (const bytes of leaves) total += bytes.length;
    // A buffer of its own (never a slice of Node's shared pool, which transferring would take away).
    const data = new Uint8Array(this.#buffer(total), 0, total);
    const ends = new Float64Array(leaves.length);
    let at = 0;
    leaves.forEach((bytes, i) => {
      data.set(bytes, at);
      at += bytes.length;
      ends[i] = at;
    });
    // The committing thread's scan hints, HINT_FIELDS numbers an event (-1: none).
    const hints = scanHints?.some((h) => h !== undefined) ? new Int32Array(leaves.length * HINT_FIELDS).fill(-1) : undefined;
    if (hints !== undefined) {
      scanHints!.forEach((h, i) => {
        if (h !== undefined) writeHints(hints, i * HINT_FIELDS, h);
      });
    }
    const keys: string[] = [];
    for (const d of dedupe) {
      if (d === null) continue;
      const k = dedupeKeyString(d);
      keys.push(k);
      this.#pendingKeys.set(k, (this.#pendingKeys.get(k) ?? 0) + 1);
    }
    const id = this.#nextId++;
    // The memory held counts whole buffers (a pooled one may be larger than its batch).
    const bytes = data.buffer.byteLength;
    this.#sent.push({ id, keys, rows: leaves.length, bytes });
    this.#behind += leaves.length;
    this.#behindBytes += bytes;
    this.#worker.postMessage({ id, first, data, ends, hints } satisfies IndexBatch, hints === undefined ? [data.buffer, ends.buffer] : [data.buffer, ends.buffer, hints.buffer]);
    await this.#until(() => this.#behind <= this.maxBehind && this.#behindBytes <= MAX_BEHIND_BYTES);
  }

  /** A buffer of at least `bytes`: for a large batch, the smallest spare one that is large enough. */
  #buffer(bytes: number): ArrayBuffer {
    if (bytes < POOL_FROM) return new ArrayBuffer(bytes);
    let best = -1;
    this.#spare.forEach((b, i) => {
      if (b.byteLength >= bytes && (best < 0 || b.byteLength < this.#spare[best].byteLength)) best = i;
    });
    if (best >= 0) {
      const b = this.#spare.splice(best, 1)[0];
      this.#spareBytes -= b.byteLength;
      return b;
    }
    return new ArrayBuffer(2 ** Math.ceil(Math.log2(bytes)));
  }

  /** The keys (dedupeKeyString) of rows not yet in the index. */
  has(key: string): boolean {
    return this.#pendingKeys.has(key);
  }

  /** Waits until every row handed over is in the index (or indexing failed). */
  async drain(): Promise<void> {
    await this.#until(() => this.#behind === 0);
  }

  /** Drains, closes the worker's connection and stops the thread. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#failure === null) {
      await this.drain();
      const closed = new Promise<void>((r) => this.#waiters.push(r));
      this.#worker.postMessage({ id: -1, close: true });
      // A worker that never answers is stopped after 5 s; the timer must not keep a
      // process that is done alive for those 5 s.
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([closed, new Promise((r) => (timer = setTimeout(r, 5000)))]);
      clearTimeout(timer);
    }
    await this.#worker.terminate();
  }
}
