/**
 * A local store: one directory per log, holding the ledger files (the record) and the
 * SQLite index (a view of it). The Store interface is what ingest, query and verify use;
 * an index of another kind (ClickHouse) plugs in as another EventIndex.
 */
import { existsSync, mkdirSync, readFileSync, realpathSync } from 'node:fs';
import { dirname, join, relative, resolve, isAbsolute } from 'node:path';
import { generateSignerKey, isLedgerError, newSigner, newVerifier, verifierKeyOf, type Verifier } from '../ledger/index.js';
import { StoreError } from './errors.js';
import { indexRowOf, indexRowOfBytes, scanHintsOf } from './fields.js';
import { FileLedger, writeFileAtomic, type AppendResult } from './ledger-files/file-ledger.js';
import type { PruneRecord } from './ledger-files/prune-record.js';
import { planRetention, type RetentionOptions, type RetentionPlan } from './retention.js';
import { CHECKPOINT_FILE, INDEX_FILE, VERIFIER_KEY_FILE } from './ledger-files/layout.js';
import { BackgroundIndexer } from './sqlite/background.js';
import { openSqliteIndex } from './sqlite/sqlite-index.js';
import { ReaderThread } from './sqlite/reader-thread.js';
import { takeWriterLock, type WriterLock } from './writer-lock.js';
import type { DedupeKey, EventFilter, EventIndex, GroupColumn, IndexHealth, IndexRow, PendingEvent } from './types.js';
import { dedupeKeyString, isEmptyFilter } from './types.js';

/** Leaves missing from the index past which catching up writes on a worker thread (starting one costs ~50 ms). */
const CATCH_UP_ON_WORKER = 50_000;
/** Rows handed to the index at a time while catching up. */
const CATCH_UP_BATCH = 16_384;

export type { PendingEvent } from './types.js';

export interface Store {
  readonly dir: string;
  /** The log's origin (the key name). */
  readonly origin: string;
  /** Committed events. */
  readonly size: number;
  /** The latest signed checkpoint text, or null when empty. */
  readonly checkpoint: string | null;
  /** The first event whose body is stored (0 unless retention pruned older ones). */
  readonly firstStored: number;
  /** The latest signed prune record, or null. */
  readonly pruneRecord: PruneRecord | null;
  /**
   * Applies retention: drops whole old segments by age or size behind a signed prune
   * record (their hashes stay, so the tree and later proofs still verify). With dryRun,
   * only says what it would drop.
   */
  prune(options: RetentionOptions & { dryRun?: boolean }): Promise<RetentionPlan & { record: PruneRecord | null }>;
  /** Commits a batch to the ledger (durable and signed on return), then indexes it. */
  commit(batch: readonly PendingEvent[]): Promise<AppendResult>;
  /** Which (auditID, stage) keys are already stored, as dedupeKeyString values. */
  seen(keys: readonly DedupeKey[]): Promise<Set<string>>;
  /** Matching events, oldest first. */
  query(filter: EventFilter): AsyncIterable<{ leaf: number; bytes: Buffer }>;
  /** The index rows of matching events (fast: no ledger reads). */
  queryRows(filter: EventFilter & { newestFirst?: boolean }): AsyncIterable<IndexRow>;
  /** True when answering `filter` reads every indexed event (no index narrows it): the caller can say so. */
  readsEverything(filter: EventFilter): Promise<boolean>;
  /** The indexed leaves [first, end) that the filter's time range (since, until) can match: a search reads only those. */
  timeLeafRange(filter: EventFilter): Promise<{ first: number; end: number }>;
  /** Events per value of a column (rollups for stats and the Volume view). */
  top(filter: EventFilter, column: GroupColumn, limit: number): Promise<Array<{ key: string; events: number; bytes: number }>>;
  timeline(filter: EventFilter, column: GroupColumn, stepUs: number, series: number): Promise<{ starts: number[]; series: Array<{ name: string; counts: number[] }> }>;
  health(filter: EventFilter, examples: number): Promise<IndexHealth>;
  /** Values the index has seen for a column, for completion. */
  values(column: Parameters<EventIndex['values']>[0], prefix: string, limit: number): Promise<string[]>;
  readLeaf(n: number): Buffer;
  /** Stored leaves [from, to); from defaults to firstStored (reading a pruned event throws PRUNED). */
  readRange(from?: number, to?: number): Iterable<Buffer>;
  root(n?: number): Uint8Array;
  proveInclusion(index: number, n?: number): Uint8Array[];
  proveConsistency(m: number, n?: number): Uint8Array[];
  /** Leaves the index holds. */
  indexedSize(): Promise<number>;
  /** Drops the index and rebuilds it from the ledger; returns the events indexed. */
  reindex(): Promise<number>;
  /**
   * From now on, commits return once the ledger has the batch, and the index is written
   * behind it on a worker thread (dedupe still sees every committed event). For the
   * long-running writers: ingest, tail, serve.
   */
  indexInBackground(options?: { maxBehind?: number; delayMs?: number }): Promise<void>;
  /**
   * From now on, aggregations over many rows (top-N with a filter, timelines, health) run
   * on a reader thread of their own: for a server, whose thread acknowledges webhook
   * batches and must never wait seconds for one of them.
   */
  readsOffThread(): void;
  close(): Promise<void>;
}

export interface OpenStoreOptions {
  /** The signer key text (PRIVATE+KEY+…): needed to ingest. Must belong to the store. */
  signingKey?: string;
  /** Trust this verifier key instead of the store's own verifier.key. */
  verifierKey?: string;
  /** Open the index (default true). */
  index?: boolean;
  blockBytes?: number;
  segmentBytes?: number;
  /** What the writer is (`kubetrail serve`), named to a second writer the lock turns away. */
  purpose?: string;
}

/** The store's own public key. */
export function readStoreVerifierKey(dir: string): string {
  const path = join(dir, VERIFIER_KEY_FILE);
  if (!existsSync(path)) throw new StoreError('NOT_A_STORE', `${dir}: not a kubetrail store (no ${VERIFIER_KEY_FILE}); create one with kubetrail keygen --name ORIGIN --private-key PATH --store ${dir}`);
  return readFileSync(path, 'utf8').trim();
}

function parseVerifier(text: string, where: string): Verifier {
  try {
    return newVerifier(text.trim());
  } catch (err) {
    if (isLedgerError(err)) throw new StoreError('BAD_KEY', `${where}: ${err.message}`);
    throw err;
  }
}

/** True when `path` lies inside directory `dir` (both resolved through symlinks as far as they exist). */
export function isInside(path: string, dir: string): boolean {
  const real = (p: string): string => {
    let head = resolve(p);
    const tail: string[] = [];
    while (!existsSync(head)) {
      tail.unshift(head.slice(dirname(head).length + 1));
      const up = dirname(head);
      if (up === head) break;
      head = up;
    }
    return join(realpathSync(head), ...tail);
  };
  const rel = relative(real(dir), real(path));
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

/**
 * Creates a store's key pair: the private key at `privateKeyPath` (mode 0600, never
 * inside the store, never overwritten) and the public key in the store. Refuses a store
 * that already has a key.
 */
export function createStoreKeys(dir: string, origin: string, privateKeyPath: string): { vkey: string } {
  if (isInside(privateKeyPath, dir)) {
    throw new StoreError('BAD_KEY', `${privateKeyPath}: the private key must live outside the store directory ${dir} (anyone who can change the store could then re-sign it)`);
  }
  if (existsSync(join(dir, VERIFIER_KEY_FILE))) throw new StoreError('BAD_KEY', `${dir} already has a key (${VERIFIER_KEY_FILE}); a store keeps its key for life`);
  if (existsSync(privateKeyPath)) throw new StoreError('BAD_KEY', `${privateKeyPath} already exists; refusing to overwrite a private key`);
  let keys: { skey: string; vkey: string };
  try {
    keys = generateSignerKey(origin);
  } catch (err) {
    if (isLedgerError(err)) throw new StoreError('BAD_KEY', `--name: ${err.message}`);
    throw err;
  }
  mkdirSync(dir, { recursive: true });
  mkdirSync(dirname(resolve(privateKeyPath)), { recursive: true });
  writeFileAtomic(dirname(resolve(privateKeyPath)), resolve(privateKeyPath).slice(dirname(resolve(privateKeyPath)).length + 1), `${keys.skey}\n`, 0o600);
  writeFileAtomic(dir, VERIFIER_KEY_FILE, `${keys.vkey}\n`);
  return { vkey: keys.vkey };
}

class LocalStore implements Store {
  readonly dir: string;
  readonly #ledger: FileLedger;
  readonly #index: EventIndex | null;

  #background: BackgroundIndexer | null = null;
  #reader: ReaderThread | null = null;
  /** The index's file, for the threads that open it too (null without an index). */
  readonly #indexPath: string | null;
  readonly #writable: boolean;

  constructor(
    dir: string,
    ledger: FileLedger,
    index: EventIndex | null,
    indexPath: string | null,
    writable: boolean,
    /** Leaves missing from the index past which catching up writes on a worker thread (tests lower it). */
    private readonly catchUpOnWorkerFrom = CATCH_UP_ON_WORKER,
    /** Leaves handed to the index at a time while catching up (tests lower it). */
    private readonly catchUpBatch = CATCH_UP_BATCH,
    /** The store's writer lock, held until close (null for a reader). */
    private readonly writerLock: WriterLock | null = null,
  ) {
    this.dir = dir;
    this.#ledger = ledger;
    this.#index = index;
    this.#indexPath = indexPath;
    this.#writable = writable;
  }

  async indexInBackground(options: { maxBehind?: number; delayMs?: number } = {}): Promise<void> {
    if (this.#background !== null || !this.#writable || this.#indexPath === null) return;
    await this.#indexCaughtUp();
    this.#background = new BackgroundIndexer(this.#indexPath, options.maxBehind, options.delayMs);
  }

  /** After the worker failed (a full disk): back to indexing here, from where the index stopped. */
  async #backgroundFailed(): Promise<void> {
    const bg = this.#background;
    if (bg === null) return;
    this.#background = null;
    await bg.close().catch(() => undefined);
    this.#indexBehind = true;
  }

  get origin(): string {
    return this.#ledger.origin;
  }
  get size(): number {
    return this.#ledger.size;
  }
  get checkpoint(): string | null {
    return this.#ledger.checkpoint;
  }
  get firstStored(): number {
    return this.#ledger.firstStored;
  }
  get pruneRecord(): PruneRecord | null {
    return this.#ledger.pruneRecord;
  }

  async prune(options: RetentionOptions & { dryRun?: boolean }): Promise<RetentionPlan & { record: PruneRecord | null }> {
    const newest = (s: { firstLeaf: number; count: number }): number | null => {
      try {
        return indexRowOf(s.firstLeaf + s.count - 1, JSON.parse(this.#ledger.readLeaf(s.firstLeaf + s.count - 1).toString('utf8'))).timeUs;
      } catch {
        return null; // not JSON: of unknown age, so kept
      }
    };
    const plan = planRetention(this.#ledger.segments(), newest, options);
    if (plan.keepFrom === null || options.dryRun === true) return { ...plan, record: null };
    await this.#commits;
    await this.#background?.drain();
    const record = this.#ledger.prune(plan.keepFrom, plan.reason, options.now);
    await this.#index?.prune(plan.keepFrom);
    return { ...plan, record };
  }

  /**
   * The last commit queued (its ledger append waits on the thread pool): commits run one
   * after another in the order they were asked for, and close waits for them.
   */
  #commits: Promise<unknown> = Promise.resolve();

  commit(batch: readonly PendingEvent[]): Promise<AppendResult> {
    const running = this.#commits.then(() => this.#commit(batch));
    this.#commits = running.catch(() => undefined);
    return running;
  }

  async #commit(batch: readonly PendingEvent[]): Promise<AppendResult> {
    // An index that fell behind (its disk filled after a ledger commit) catches up first:
    // dedupe asks the index, so it must know every committed event before more arrive.
    if (this.#background?.failure) await this.#backgroundFailed();
    await this.#indexCaughtUp();
    const result = await this.#ledger.appendAsync(batch.map((e) => e.bytes));
    if (this.#background !== null) {
      try {
        await this.#background.add(result.first, batch);
      } catch {
        // Committed all the same; the index catches up here before the next commit.
        await this.#backgroundFailed();
      }
      return result;
    }
    if (this.#index !== null) {
      const rows = batch.map((e, i) => ({ ...(e.row ?? indexRowOfBytes(result.first + i, Buffer.from(e.bytes.buffer, e.bytes.byteOffset, e.bytes.byteLength))), leaf: result.first + i, bytes: e.bytes.length }));
      try {
        await this.#index.add(rows);
      } catch {
        // The batch is committed (the ledger is the record); the index is a view that
        // catches up from the ledger before the next commit or dedupe check.
        this.#indexBehind = true;
      }
    }
    return result;
  }

  #indexBehind = false;

  markIndexBehind(): void {
    this.#indexBehind = true;
  }

  async #indexCaughtUp(): Promise<void> {
    if (!this.#indexBehind) return;
    await this.catchUp();
    this.#indexBehind = false;
  }

  async seen(keys: readonly DedupeKey[]): Promise<Set<string>> {
    if (this.#background?.failure) await this.#backgroundFailed();
    await this.#indexCaughtUp();
    const found = await this.#needIndex().seen(keys);
    // Committed but not yet indexed: the worker still has them.
    const bg = this.#background;
    if (bg !== null) for (const k of keys) {
      const key = dedupeKeyString(k);
      if (bg.has(key)) found.add(key);
    }
    return found;
  }

  async *query(filter: EventFilter): AsyncIterable<{ leaf: number; bytes: Buffer }> {
    if (this.#index === null && this.#ledger.size === 0) return; // a store nothing was ingested into yet
    const index = this.#needIndex();
    for await (const leaf of index.query(filter)) {
      if (leaf >= this.#ledger.size) break;
      if (leaf < this.#ledger.firstStored) continue; // a prune the index has not caught up with
      yield { leaf, bytes: this.#ledger.readLeaf(leaf) };
    }
  }

  async *queryRows(filter: EventFilter & { newestFirst?: boolean }): AsyncIterable<IndexRow> {
    if (this.#index === null && this.#ledger.size === 0) return;
    for await (const row of this.#needIndex().queryRows(filter)) if (row.leaf < this.#ledger.size && row.leaf >= this.#ledger.firstStored) yield row;
  }

  async readsEverything(filter: EventFilter): Promise<boolean> {
    return (await this.#needIndex().readsEverything?.(filter)) ?? false;
  }

  async timeLeafRange(filter: EventFilter): Promise<{ first: number; end: number }> {
    const index = this.#needIndex();
    const indexed = await index.indexedSize();
    const range = (await index.timeLeafRange?.(filter)) ?? { first: 0, end: indexed };
    return { first: range.first, end: Math.min(range.end, indexed) };
  }

  async top(filter: EventFilter, column: GroupColumn, limit: number) {
    // Over the whole store the rollup answers at once; with a filter the rows are counted.
    if (this.#reader !== null && !isEmptyFilter(filter)) return this.#reader.read<Awaited<ReturnType<EventIndex['top']>>>('top', filter, column, limit);
    return this.#needIndex().top(filter, column, limit);
  }

  async health(filter: EventFilter, examples: number): Promise<IndexHealth> {
    if (this.#reader !== null) return this.#reader.read<IndexHealth>('health', filter, examples);
    return this.#needIndex().health(filter, examples);
  }

  async timeline(filter: EventFilter, column: GroupColumn, stepUs: number, series: number) {
    if (this.#reader !== null) return this.#reader.read<Awaited<ReturnType<EventIndex['timeline']>>>('timeline', filter, column, stepUs, series);
    return this.#needIndex().timeline(filter, column, stepUs, series);
  }

  readsOffThread(): void {
    if (this.#reader === null && this.#indexPath !== null) this.#reader = new ReaderThread(this.#indexPath);
  }

  async values(column: Parameters<EventIndex['values']>[0], prefix: string, limit: number): Promise<string[]> {
    return this.#index === null ? [] : this.#index.values(column, prefix, limit);
  }

  readLeaf(n: number): Buffer {
    return this.#ledger.readLeaf(n);
  }
  readRange(from?: number, to?: number): Iterable<Buffer> {
    return this.#ledger.readRange(from, to);
  }
  root(n?: number): Uint8Array {
    return this.#ledger.root(n);
  }
  proveInclusion(index: number, n?: number): Uint8Array[] {
    return this.#ledger.proveInclusion(index, n);
  }
  proveConsistency(m: number, n?: number): Uint8Array[] {
    return this.#ledger.proveConsistency(m, n);
  }

  async indexedSize(): Promise<number> {
    return this.#needIndex().indexedSize();
  }

  /** Indexes leaves [indexedSize, size): after a crash between ledger commit and index write. */
  async catchUp(): Promise<number> {
    const index = this.#needIndex();
    let from = await index.indexedSize();
    if (from < this.#ledger.firstStored) {
      // Behind across a prune (a crash between the two): start over at the first stored event.
      await index.clear(this.#ledger.firstStored);
      from = this.#ledger.firstStored;
    }
    if (from > this.#ledger.size) {
      throw new StoreError('TAMPERED', `the index claims ${from} events but the ledger holds ${this.#ledger.size}; run kubetrail reindex --store ${this.dir}`);
    }
    // Many rows (a reindex, a long crash): this thread reads the ledger and a worker thread
    // derives the rows from the leaves' bytes and writes them, in large transactions. The
    // rows were once derived here and posted: cloning them (and collecting the clones on
    // both sides) cost more than deriving them. A few rows: all here.
    const many = this.#ledger.size - from >= this.catchUpOnWorkerFrom && this.#indexPath !== null;
    // Into an empty index (a reindex): its look-up indexes are made after the rows. Before
    // the worker opens the index, which then leaves them unmade too.
    if (many && from === this.#ledger.firstStored) await index.deferLookups?.();
    const writer = many ? new BackgroundIndexer(this.#indexPath!, 8 * this.catchUpBatch) : null;
    // The worker is the slower of the two threads (deriving and inserting against reading
    // and decompressing): this one scans each leaf for where its bodies end, which lets
    // the worker jump over them.
    const hand = (first: number, leaves: Buffer[]): Promise<void> =>
      writer !== null ? writer.addLeaves(first, leaves, leaves.map(scanHintsOf)) : index.add(leaves.map((bytes, i) => ({ ...indexRowOfBytes(first + i, bytes), bytes: bytes.length })));
    let leaf = from;
    try {
      let leaves: Buffer[] = [];
      for (const bytes of this.#ledger.readRange(from)) {
        leaves.push(bytes);
        if (leaves.length >= this.catchUpBatch) {
          await hand(leaf, leaves);
          leaf += leaves.length;
          leaves = [];
        }
      }
      await hand(leaf, leaves);
      leaf += leaves.length;
      if (writer !== null) {
        await writer.drain();
        if (writer.failure !== null) throw writer.failure;
      }
    } finally {
      await writer?.close();
    }
    // After every catch-up, not only a deferring one: one that stopped half-way (a crash)
    // left them unmade, and the next catch-up is the one that finishes its work.
    await index.buildLookups?.();
    return leaf - from;
  }

  async reindex(): Promise<number> {
    await this.#needIndex().clear(this.#ledger.firstStored);
    return this.catchUp();
  }

  #needIndex(): EventIndex {
    if (this.#index === null) throw new StoreError('BAD_REQUEST', 'this store was opened without its index');
    return this.#index;
  }

  async close(): Promise<void> {
    await this.#commits;
    // The worker finishes the rows it has before the store closes.
    if (this.#background !== null) {
      const bg = this.#background;
      this.#background = null;
      await bg.close();
      if (bg.failure !== null) this.#indexBehind = true;
    }
    if (this.#reader !== null) {
      const reader = this.#reader;
      this.#reader = null;
      await reader.close();
    }
    try {
      this.#ledger.close();
      await this.#index?.close();
    } finally {
      this.writerLock?.release();
    }
  }
}

/**
 * Opens the store in `dir`. With a signing key it is writable: an interrupted batch is
 * rolled back to the last checkpoint and the index is caught up with the ledger.
 */
export async function openStore(dir: string, options: OpenStoreOptions = {}): Promise<Store> {
  const storeKey = readStoreVerifierKey(dir);
  const verifier = parseVerifier(options.verifierKey ?? storeKey, options.verifierKey !== undefined ? 'the key given' : join(dir, VERIFIER_KEY_FILE));
  let signer;
  if (options.signingKey !== undefined) {
    try {
      signer = newSigner(options.signingKey.trim());
      if (verifierKeyOf(options.signingKey.trim()) !== storeKey) {
        throw new StoreError('BAD_KEY', `the signing key ${signer.name} is not the key of store ${dir} (its public key is ${storeKey})`);
      }
    } catch (err) {
      if (isLedgerError(err)) throw new StoreError('BAD_KEY', `signing key: ${err.message}`);
      throw err;
    }
  }
  // Before the ledger opens: a writable open truncates past the checkpoint, which would
  // cut another writer's batch in flight.
  const lock = signer !== undefined ? takeWriterLock(dir, options.purpose ?? 'a kubetrail writer') : null;
  let ledger: FileLedger;
  try {
    ledger = FileLedger.open(dir, { verifier, signer, blockBytes: options.blockBytes, segmentBytes: options.segmentBytes });
  } catch (err) {
    lock?.release();
    throw err;
  }
  let index: EventIndex | null = null;
  try {
    const indexPath = join(dir, INDEX_FILE);
    const writable = signer !== undefined;
    if (options.index !== false) {
      if (writable || existsSync(indexPath)) index = openSqliteIndex(indexPath, { readonly: !writable });
    }
    const store = new LocalStore(dir, ledger, index, index !== null ? indexPath : null, writable, undefined, undefined, lock);
    if (signer !== undefined && index !== null) {
      // Finish a prune that was signed but not yet applied to the index.
      try {
        if (ledger.firstStored > 0) await index.prune(ledger.firstStored);
        await store.catchUp();
      } catch (err) {
        if (!isDiskFull(err)) throw err;
        // A full disk must not lock the record away: open it, and catch the index up
        // before the next commit or dedupe check (which fail, and say so, until there is room).
        store.markIndexBehind();
      }
    }
    return store;
  } catch (err) {
    try {
      ledger.close();
      await index?.close();
    } finally {
      lock?.release();
    }
    throw err;
  }
}

/** Opens the index of a store for writing without the ledger's signer (reindex). */
export async function reindexStore(dir: string, options: { catchUpOnWorkerFrom?: number; catchUpBatch?: number } = {}): Promise<{ events: number }> {
  const storeKey = readStoreVerifierKey(dir);
  const verifier = parseVerifier(storeKey, join(dir, VERIFIER_KEY_FILE));
  // A reindex drops the index a running writer is filling (and its dedupe relies on).
  const lock = takeWriterLock(dir, 'kubetrail reindex');
  let ledger: FileLedger | undefined;
  let store: LocalStore;
  try {
    ledger = FileLedger.open(dir, { verifier });
    const indexPath = join(dir, INDEX_FILE);
    store = new LocalStore(dir, ledger, openSqliteIndex(indexPath), indexPath, false, options.catchUpOnWorkerFrom, options.catchUpBatch, lock);
  } catch (err) {
    ledger?.close();
    lock.release();
    throw err;
  }
  try {
    return { events: await store.reindex() };
  } finally {
    await store.close();
  }
}

export { CHECKPOINT_FILE };

function isDiskFull(err: unknown): boolean {
  const e = err as { code?: string; message?: string };
  return e?.code === 'SQLITE_FULL' || e?.code === 'ENOSPC' || /ENOSPC|disk is full|no space left/i.test(e?.message ?? '');
}
