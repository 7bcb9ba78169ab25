/**
 * FileLedger: the point of commit. append(batch) returns only after the batch's leaves,
 * their block index entries and their stored hashes are fdatasync'd and a checkpoint
 * signing the new tree has atomically replaced the old one (temp file, fsync, rename,
 * directory fsync). A batch whose checkpoint was written is never lost; anything after
 * the last checkpoint is an interrupted batch, and opening the ledger for writing
 * truncates it away (files are only ever appended to or truncated back to a checkpoint).
 *
 * Write order per batch: segment blocks → blocks.idx → hashes → fdatasync all three →
 * checkpoint. Opening trusts only what the checkpoint signs: the block index must cover
 * exactly its size and the stored hashes must give exactly its root.
 */
import {
  closeSync,
  existsSync,
  fdatasyncSync,
  fstatSync,
  fsyncSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  unlinkSync,
} from 'node:fs';
import { join } from 'node:path';
import {
  HASH_SIZE,
  equalHashes,
  hashLeaf,
  proveConsistency,
  proveInclusion,
  signCheckpoint,
  storedHashCount,
  storedHashesForRecord,
  treeHash,
  type Signer,
  type Verifier,
} from '../../ledger/index.js';
import { StoreError } from '../errors.js';
import {
  BLOCKS_FILE,
  BLOCK_ENTRY_SIZE,
  BLOCK_HEADER_SIZE,
  CHECKPOINT_FILE,
  DEFAULT_BLOCK_BYTES,
  DEFAULT_SEGMENT_BYTES,
  HASHES_FILE,
  LEDGER_DIR,
  decodeBlockHeader,
  decodePayload,
  encodeBlockEntry,
  encodeBlockHeader,
  encodePayload,
  segmentName,
  segmentPath,
  BlockTable,
  type BlockEntry,
} from './layout.js';
import { CODEC_ZSTD, DEFAULT_ZSTD_LEVEL, MAX_BLOCK_COMPRESSED_BYTES, MAX_EVENT_BYTES, compressBlock, decompressBlock } from './block-codec.js';
import { HashFile } from './hash-file.js';
import { fdatasyncAsync, fstatOf, fsyncDir, removeTemp, replaceWithTemp, writeAll, writeFileAtomic, writeTempFile } from './durable-files.js';
import { listSegments, readCheckpoint } from './ledger-state.js';
import { PRUNE_FILE, openPruneRecord, signPruneRecord, type PruneRecord } from './prune-record.js';

export { listSegments, readCheckpoint, writeFileAtomic };

export interface FileLedgerOptions {
  /** Trusted to have signed the checkpoint (the store's public key, or the one given to verify). */
  verifier: Verifier;
  /** Needed to append; without it the ledger is opened read-only and nothing is truncated. */
  signer?: Signer;
  /** Uncompressed bytes per block (default 256 KiB). */
  blockBytes?: number;
  /** Segment size at which a new segment starts (default 256 MiB). */
  segmentBytes?: number;
  /** Zstandard level of new blocks (default 2, see block-codec.ts). */
  compressionLevel?: number;
}

/** One segment file as the block index describes it. */
export interface SegmentInfo {
  segment: number;
  firstLeaf: number;
  /** Events in the segment. */
  count: number;
  /** Bytes of the segment file (block headers and compressed payloads). */
  bytes: number;
}

export interface AppendResult {
  /** Leaf number of the batch's first event. */
  first: number;
  /** Tree size after the batch. */
  size: number;
  /** The signed checkpoint now on disk. */
  checkpoint: string;
}

function closedWhileCommitting(count: number): StoreError {
  return new StoreError('IO', `the ledger was closed while a batch of ${count} events was being committed; it was not committed (opening the ledger again drops what was written of it)`);
}

/** A batch written but not yet durable (see FileLedger.#stage). */
interface StagedBatch {
  first: number;
  count: number;
  before: { entries: number; segment: number; segmentSize: number; hashFile: number };
  entryBytes: Buffer;
  /** The files to fdatasync before the checkpoint may sign the batch. */
  syncFds: number[];
}

export class FileLedger {
  readonly dir: string;
  readonly origin: string;
  readonly #signer: Signer | undefined;
  readonly #blockBytes: number;
  readonly #segmentBytes: number;
  readonly #level: number;
  #size: number;
  #checkpoint: string | null;
  readonly #entries: BlockTable;
  readonly #hashes: HashFile;
  readonly #hashFd: number;
  readonly #blocksFd: number;
  #segment: number;
  #segmentFd: number | null = null;
  #segmentSize: number;
  #cache: { block: number; leaves: Buffer[] } | null = null;
  readonly #readFds = new Map<number, number>();
  #closed = false;
  /** The appendAsync waiting for the disk, if one is (one at a time). */
  #appending: Promise<AppendResult> | null = null;
  /** The latest signed prune record; events before its keepFrom have no body here. */
  #prune: PruneRecord | null = null;

  private constructor(dir: string, opts: FileLedgerOptions, state: { size: number; checkpoint: string | null; entries: BlockTable; hashFd: number; blocksFd: number; segment: number; segmentSize: number }) {
    this.dir = dir;
    this.origin = opts.verifier.name;
    this.#signer = opts.signer;
    this.#blockBytes = opts.blockBytes ?? DEFAULT_BLOCK_BYTES;
    if (!(this.#blockBytes >= 1 && this.#blockBytes <= MAX_EVENT_BYTES)) throw new StoreError('BAD_REQUEST', `a block of ${this.#blockBytes} bytes: blocks hold 1 to ${MAX_EVENT_BYTES} bytes`);
    this.#segmentBytes = opts.segmentBytes ?? DEFAULT_SEGMENT_BYTES;
    this.#level = opts.compressionLevel ?? DEFAULT_ZSTD_LEVEL;
    this.#size = state.size;
    this.#checkpoint = state.checkpoint;
    this.#entries = state.entries;
    this.#hashFd = state.hashFd;
    this.#blocksFd = state.blocksFd;
    this.#hashes = new HashFile(state.hashFd, storedHashCount(state.size));
    this.#segment = state.segment;
    this.#segmentSize = state.segmentSize;
  }

  /**
   * Opens the ledger of store `dir`. Writable (a signer given): an interrupted batch
   * beyond the checkpoint is truncated away. Throws StoreError TAMPERED when the files do
   * not hold what the checkpoint signs.
   */
  static open(dir: string, opts: FileLedgerOptions): FileLedger {
    const writable = opts.signer !== undefined;
    const ledgerDir = join(dir, LEDGER_DIR);
    if (writable) mkdirSync(ledgerDir, { recursive: true });
    const cp = readCheckpoint(dir, opts.verifier);
    const size = cp.size;
    const blocksPath = join(ledgerDir, BLOCKS_FILE);
    const hashesPath = join(ledgerDir, HASHES_FILE);
    if (!writable && size > 0 && (!existsSync(blocksPath) || !existsSync(hashesPath))) {
      throw new StoreError('TAMPERED', `the checkpoint signs ${size} events but ${existsSync(blocksPath) ? HASHES_FILE : BLOCKS_FILE} is missing`);
    }
    const flags = writable ? 'a+' : 'r';
    const blocksFd = existsSync(blocksPath) || writable ? openSync(blocksPath, flags) : -1;
    const hashFd = existsSync(hashesPath) || writable ? openSync(hashesPath, flags) : -1;
    try {
      // The block index entries the checkpoint covers.
      let entries = BlockTable.empty();
      let covered = 0;
      if (blocksFd >= 0) {
        const read = writable ? BlockTable.covering(readFileSync(blocksPath), size) : BlockTable.inFile(blocksFd, fstatSync(blocksFd).size, size);
        if ('problem' in read) throw new StoreError('TAMPERED', `${BLOCKS_FILE}: ${read.problem}`);
        ({ table: entries, covered } = read);
      }
      if (covered !== size) {
        throw new StoreError('TAMPERED', `${BLOCKS_FILE} covers ${covered} events, but the checkpoint signs ${size}${covered < size ? ': the last blocks are missing' : ''}`);
      }
      const hashCount = storedHashCount(size);
      const hashBytes = hashFd >= 0 ? fstatSync(hashFd).size : 0;
      if (hashBytes < hashCount * HASH_SIZE) throw new StoreError('TAMPERED', `${HASHES_FILE} holds ${Math.floor(hashBytes / HASH_SIZE)} stored hashes; the checkpoint's ${size} events need ${hashCount}`);
      const last = entries.last();
      const segment = last?.segment ?? 0;
      const segmentEnd = last === undefined ? 0 : last.offset + BLOCK_HEADER_SIZE + last.compressedLength;
      if (last !== undefined) {
        const p = segmentPath(dir, segment);
        const have = existsSync(p) ? fstatOf(p) : -1;
        if (have < segmentEnd) throw new StoreError('TAMPERED', `${segmentName(segment)} ${have < 0 ? 'is missing' : `is ${have} bytes; its blocks end at byte ${segmentEnd}`}: the last blocks are missing`);
      }
      if (writable) {
        // A checkpoint signed for a batch that was cut off before it counted (a crash
        // between its temp file and the rename): it signs a tree that will not be.
        if (removeTemp(dir, CHECKPOINT_FILE)) fsyncDir(dir);
        // Roll back an interrupted batch: everything past what the checkpoint signs.
        ftruncateSync(blocksFd, entries.length * BLOCK_ENTRY_SIZE);
        ftruncateSync(hashFd, hashCount * HASH_SIZE);
        for (const s of listSegments(dir)) {
          if (s > segment) unlinkSync(segmentPath(dir, s));
        }
        if (existsSync(segmentPath(dir, segment))) {
          const fd = openSync(segmentPath(dir, segment), 'r+');
          ftruncateSync(fd, segmentEnd);
          fsyncSync(fd);
          closeSync(fd);
        }
        fsyncSync(blocksFd);
        fsyncSync(hashFd);
      }
      const ledger = new FileLedger(dir, opts, { size, checkpoint: cp.text, entries, hashFd, blocksFd, segment, segmentSize: segmentEnd });
      if (size > 0 && cp.root !== null && !equalHashes(ledger.root(size), cp.root)) {
        ledger.close();
        throw new StoreError('TAMPERED', `${HASHES_FILE}: the tree root of ${size} events does not match the signed checkpoint`);
      }
      try {
        ledger.#prune = readPruneRecord(dir, opts.verifier, (n) => ledger.root(n), size);
        if (writable && ledger.#prune !== null) {
          // Finish a prune interrupted after its record was signed: delete the files it covers.
          const firstKept = ledger.segments()[0]?.segment ?? segment;
          for (const s of listSegments(dir)) if (s < firstKept) unlinkSync(segmentPath(dir, s));
        }
      } catch (err) {
        ledger.close();
        throw err;
      }
      return ledger;
    } catch (err) {
      if (blocksFd >= 0) closeSync(blocksFd);
      if (hashFd >= 0) closeSync(hashFd);
      throw err;
    }
  }

  /** Committed (checkpointed) events. */
  get size(): number {
    return this.#size;
  }

  /** The first event whose body is stored (0 unless a signed prune record dropped older ones). */
  get firstStored(): number {
    return this.#prune?.keepFrom ?? 0;
  }

  /** The latest signed prune record, or null when nothing was pruned. */
  get pruneRecord(): PruneRecord | null {
    return this.#prune;
  }

  /** The segments whose events are still stored, oldest first. */
  segments(): SegmentInfo[] {
    const out: SegmentInfo[] = [];
    for (let b = this.#entries.length === 0 ? 0 : this.#entries.find(this.firstStored); b < this.#entries.length; b++) {
      const e = this.#entries.entry(b);
      if (e.firstLeaf + e.count <= this.firstStored) continue;
      const last = out.at(-1);
      const end = e.offset + BLOCK_HEADER_SIZE + e.compressedLength;
      if (last !== undefined && last.segment === e.segment) {
        last.count += e.count;
        last.bytes = end;
      } else {
        out.push({ segment: e.segment, firstLeaf: e.firstLeaf, count: e.count, bytes: end });
      }
    }
    return out;
  }

  /**
   * Drops the bodies of events [firstStored, keepFrom): signs a prune record first (so a
   * crash leaves either nothing done or an authorised prune with files still to delete),
   * then deletes the segment files. keepFrom must start a segment other than the one being
   * written, so the files are deleted whole and never rewritten.
   */
  prune(keepFrom: number, reason: string, time: Date = new Date()): PruneRecord {
    this.#open();
    if (this.#appending !== null) throw new StoreError('BUSY', 'a batch is being committed; prune after it');
    if (this.#signer === undefined) throw new StoreError('BAD_KEY', 'pruning needs the store\'s signing key');
    const segments = this.segments();
    const target = segments.find((s) => s.firstLeaf === keepFrom);
    if (target === undefined || keepFrom <= this.firstStored) throw new StoreError('BAD_REQUEST', `events can be pruned only up to the start of a stored segment; ${keepFrom} is not one`);
    const record: PruneRecord = { origin: this.origin, keepFrom, treeSize: this.#size, root: this.root(this.#size), reason, time: time.toISOString() };
    writeFileAtomic(join(this.dir, LEDGER_DIR), PRUNE_FILE, signPruneRecord(record, this.#signer));
    this.#prune = record;
    for (const s of segments) {
      if (s.segment >= target.segment) break;
      const fd = this.#readFds.get(s.segment);
      if (fd !== undefined) closeSync(fd);
      this.#readFds.delete(s.segment);
      if (existsSync(segmentPath(this.dir, s.segment))) unlinkSync(segmentPath(this.dir, s.segment));
    }
    this.#cache = null;
    fsyncDir(join(this.dir, LEDGER_DIR));
    return record;
  }

  /** The latest signed checkpoint, or null before the first batch. */
  get checkpoint(): string | null {
    return this.#checkpoint;
  }

  /** [start, end) of each block: as many leaves as fit in blockBytes, at least one. */
  #blockSpans(leaves: readonly Uint8Array[]): Array<[number, number]> {
    const spans: Array<[number, number]> = [];
    let start = 0;
    while (start < leaves.length) {
      let end = start;
      let bytes = 0;
      while (end < leaves.length && (end === start || bytes + leaves[end].length <= this.#blockBytes)) bytes += leaves[end++].length;
      spans.push([start, end]);
      start = end;
    }
    return spans;
  }

  /**
   * Commits one batch of leaves (exact event bytes) and returns when it is durable and
   * signed. On failure nothing of the batch remains (files are truncated back) and the
   * error is thrown; the ledger stays usable.
   */
  append(leaves: readonly Uint8Array[]): AppendResult {
    const staged = this.#stage(leaves);
    if (staged.syncFds.length === 0) return this.#emptyResult(staged.first);
    try {
      for (const fd of staged.syncFds) fdatasyncSync(fd);
      this.#accept(staged);
      const checkpoint = this.#sign(staged);
      writeFileAtomic(this.dir, CHECKPOINT_FILE, checkpoint);
      return this.#committed(staged, checkpoint);
    } catch (err) {
      removeTemp(this.dir, CHECKPOINT_FILE); // a checkpoint that did not count signs nothing
      throw this.#failed(staged, err);
    }
  }

  /**
   * append(), with the waits for the disk (the fdatasyncs, the checkpoint's fsyncs and
   * rename) on the thread pool: the calling thread goes on reading and checking the next
   * requests meanwhile. A busy disk made one fdatasync take 50–70 ms, time in which a
   * webhook server's event loop took nothing in. One append at a time: another append or
   * a prune while it runs is refused (BUSY); a close while it runs makes it fail, unsigned.
   */
  async appendAsync(leaves: readonly Uint8Array[]): Promise<AppendResult> {
    const staged = this.#stage(leaves);
    if (staged.syncFds.length === 0) return this.#emptyResult(staged.first);
    const running = (async () => {
      try {
        // The checkpoint signs hashes already computed, so its temp file is written and
        // fsync'd while the batch's files are: one round of waiting for the disk, not two.
        // It takes effect only when renamed, after all of them are durable.
        const checkpoint = this.#sign(staged);
        const waits = [...staged.syncFds.map((fd) => fdatasyncAsync(fd)), writeTempFile(this.dir, CHECKPOINT_FILE, checkpoint)];
        // All of them settle before a failure rolls back (which truncates and closes fds).
        const synced = await Promise.allSettled(waits);
        const failure = synced.find((r): r is PromiseRejectedResult => r.status === 'rejected');
        if (failure !== undefined) throw failure.reason;
        // Closed meanwhile (its fds may even be another file's now): nothing may be signed.
        if (this.#closed) throw closedWhileCommitting(staged.count);
        this.#accept(staged);
        await replaceWithTemp(this.dir, CHECKPOINT_FILE);
        return this.#committed(staged, checkpoint);
      } catch (err) {
        // Not renamed: the signed temp file must not survive the batch it signs.
        removeTemp(this.dir, CHECKPOINT_FILE);
        throw this.#closed ? closedWhileCommitting(staged.count) : this.#failed(staged, err);
      }
    })();
    this.#appending = running;
    try {
      return await running;
    } finally {
      this.#appending = null;
    }
  }

  #emptyResult(first: number): AppendResult {
    return { first, size: first, checkpoint: this.#checkpoint ?? '' };
  }

  /**
   * The part of a commit that is not waiting for the disk: the batch's blocks, block index
   * entries and stored hashes written (not yet synced). syncFds is empty for an empty batch.
   */
  #stage(leaves: readonly Uint8Array[]): StagedBatch {
    this.#open();
    if (this.#appending !== null) throw new StoreError('BUSY', 'a batch is being committed; one append at a time');
    if (this.#signer === undefined) throw new StoreError('BAD_KEY', 'the ledger was opened without a signing key; it is read-only');
    const first = this.#size;
    const before = { entries: this.#entries.length, segment: this.#segment, segmentSize: this.#segmentSize, hashFile: this.#hashes.fileCount };
    if (leaves.length === 0) return { first, count: 0, before, entryBytes: Buffer.alloc(0), syncFds: [] };
    // Refused before anything is written or signed: a reader refuses a block larger than
    // an event may make (a changed length must not make it allocate gigabytes).
    const large = leaves.findIndex((l) => l.length > MAX_EVENT_BYTES);
    if (large >= 0) throw new StoreError('BAD_REQUEST', `event ${large + 1} of the batch has ${leaves[large].length} bytes; the ledger takes events of at most ${MAX_EVENT_BYTES} bytes`);
    const touched = new Set<number>();
    const staged: StagedBatch = { first, count: leaves.length, before, entryBytes: Buffer.alloc(0), syncFds: [] };
    try {
      // Blocks.
      const newEntries: BlockEntry[] = [];
      for (const [start, end] of this.#blockSpans(leaves)) newEntries.push(this.#writeBlock(leaves.slice(start, end), first + start, touched));
      // Stored hashes.
      for (let i = 0; i < leaves.length; i++) {
        for (const h of storedHashesForRecord(first + i, hashLeaf(leaves[i]), this.#hashes)) this.#hashes.push(h);
      }
      staged.entryBytes = Buffer.alloc(newEntries.length * BLOCK_ENTRY_SIZE);
      newEntries.forEach((e, i) => encodeBlockEntry(e, staged.entryBytes, i * BLOCK_ENTRY_SIZE));
      writeAll(this.#blocksFd, staged.entryBytes, before.entries * BLOCK_ENTRY_SIZE);
      writeAll(this.#hashFd, this.#hashes.pendingBytes(), this.#hashes.fileCount * HASH_SIZE);
      staged.syncFds = [...touched, this.#blocksFd, this.#hashFd];
      return staged;
    } catch (err) {
      throw this.#failed(staged, err);
    }
  }

  /** The checkpoint of the tree with the staged batch (its hashes may still be pending). */
  #sign(staged: StagedBatch): string {
    const size = staged.first + staged.count;
    return signCheckpoint({ origin: this.origin, size, root: treeHash(size, this.#hashes), extensions: [] }, [this.#signer!]);
  }

  /** After the staged batch is durable: its hashes and blocks count (a failure from here on closes the ledger). */
  #accept(staged: StagedBatch): void {
    this.#hashes.markWritten();
    this.#entries.push(staged.entryBytes);
  }

  /** After the checkpoint is on disk: the batch is committed. */
  #committed(staged: StagedBatch, checkpoint: string): AppendResult {
    this.#size = staged.first + staged.count;
    this.#checkpoint = checkpoint;
    return { first: staged.first, size: this.#size, checkpoint };
  }

  /** Undoes a batch that failed part way and says what failed. */
  #failed(staged: StagedBatch, err: unknown): StoreError {
    this.#rollback(staged.before);
    if (err instanceof StoreError) return err;
    const what = `committing a batch of ${staged.count} events: ${(err as Error).message}`;
    // Failed after the batch was durable (or its rollback failed): the ledger cannot tell
    // from here whether the new checkpoint is on disk, so it closed itself.
    return new StoreError('IO', this.#closed ? `${what}; the ledger is closed: open the store again (the batch is kept if its checkpoint was written, dropped if not)` : what);
  }

  #writeBlock(leaves: Uint8Array[], firstLeaf: number, touched: Set<number>): BlockEntry {
    const payload = encodePayload(leaves);
    const compressed = compressBlock(payload, this.#level);
    const count = leaves.length;
    const payloadLength = payload.length;
    const need = BLOCK_HEADER_SIZE + compressed.length;
    if (this.#segmentFd === null || (this.#segmentSize > 0 && this.#segmentSize + need > this.#segmentBytes)) {
      if (this.#segmentFd !== null) {
        // The old segment is complete: make it durable before the checkpoint refers past it.
        fdatasyncSync(this.#segmentFd);
        touched.delete(this.#segmentFd); // synced now; its number may be reused by the next open
        closeSync(this.#segmentFd);
        this.#segmentFd = null;
        this.#segment++;
        this.#segmentSize = 0;
      }
      this.#segmentFd = openSync(segmentPath(this.dir, this.#segment), 'a+');
      if (this.#segmentSize === 0) fsyncDir(join(this.dir, LEDGER_DIR));
    }
    const entry: BlockEntry = { segment: this.#segment, offset: this.#segmentSize, firstLeaf, count, payloadLength, compressedLength: compressed.length };
    writeAll(this.#segmentFd, Buffer.concat([encodeBlockHeader(CODEC_ZSTD, count, firstLeaf, payloadLength, compressed.length), compressed]), this.#segmentSize);
    this.#segmentSize += need;
    touched.add(this.#segmentFd);
    return entry;
  }

  #rollback(before: { entries: number; segment: number; segmentSize: number; hashFile: number }): void {
    try {
      this.#hashes.discardPending();
      if (this.#hashes.fileCount !== before.hashFile) throw new Error('hashes already marked written');
      ftruncateSync(this.#blocksFd, before.entries * BLOCK_ENTRY_SIZE);
      ftruncateSync(this.#hashFd, before.hashFile * HASH_SIZE);
      if (this.#segmentFd !== null) closeSync(this.#segmentFd);
      this.#segmentFd = null;
      for (const s of listSegments(this.dir)) if (s > before.segment) unlinkSync(segmentPath(this.dir, s));
      if (existsSync(segmentPath(this.dir, before.segment))) {
        const fd = openSync(segmentPath(this.dir, before.segment), 'r+');
        ftruncateSync(fd, before.segmentSize);
        closeSync(fd);
      }
      this.#segment = before.segment;
      this.#segmentSize = before.segmentSize;
      this.#entries.truncate(before.entries);
    } catch {
      // Rolling back failed too (the disk is gone): the next open truncates to the checkpoint.
      this.#closed = true;
    }
  }

  /** The exact bytes of leaf n (a fresh Buffer). */
  readLeaf(n: number): Buffer {
    this.#open();
    if (!Number.isSafeInteger(n) || n < 0 || n >= this.#size) throw new StoreError('BAD_REQUEST', `leaf ${n} is not in the ledger of ${this.#size} events`);
    this.#notPruned(n);
    const b = this.#entries.find(n);
    const leaves = this.#blockLeaves(b);
    return Buffer.from(leaves[n - this.#entries.firstLeaf(b)]);
  }

  #notPruned(n: number): void {
    if (n < this.firstStored) {
      const p = this.#prune!;
      throw new StoreError('PRUNED', `event ${n} was pruned (${p.reason}, ${p.time}); events from ${p.keepFrom} on are stored, and its hash remains in the tree`);
    }
  }

  /** Leaves [from, to) in order, block by block (from defaults to the first stored event). */
  *readRange(from = this.firstStored, to = this.#size): Generator<Buffer> {
    to = Math.min(to, this.#size);
    if (from < to) this.#notPruned(from);
    let n = from;
    // One search for the first block; the blocks after it follow in order (a reader's
    // block table is in the file: a search per block would cost ~17 reads each).
    for (let b = from < to ? this.#entries.find(n) : 0; n < to; b++) {
      const first = this.#entries.firstLeaf(b);
      const leaves = this.#blockLeaves(b);
      for (; n < to && n < first + leaves.length; n++) yield leaves[n - first];
    }
  }

  #blockLeaves(b: number): Buffer[] {
    if (this.#cache?.block === b) return this.#cache.leaves;
    const e = this.#entries.entry(b);
    let fd = this.#readFds.get(e.segment);
    if (fd === undefined) {
      fd = openSync(segmentPath(this.dir, e.segment), 'r');
      this.#readFds.set(e.segment, fd);
    }
    // The header with the payload, in one read: it names the compression, and must agree
    // with the block index.
    // blocks.idx is read as hostile: no allocation beyond what a block can take.
    if (e.compressedLength > MAX_BLOCK_COMPRESSED_BYTES) throw new StoreError('TAMPERED', `${segmentName(e.segment)} block at byte ${e.offset}: ${BLOCKS_FILE} gives it ${e.compressedLength} compressed bytes, more than a block can take`);
    const block = Buffer.allocUnsafe(BLOCK_HEADER_SIZE + e.compressedLength);
    const got = readSync(fd, block, 0, block.length, e.offset);
    const where = `${segmentName(e.segment)} block at byte ${e.offset} (events ${e.firstLeaf}–${e.firstLeaf + e.count - 1})`;
    if (got !== block.length) throw new StoreError('TAMPERED', `${where}: truncated`);
    const h = decodeBlockHeader(block, 0);
    if (typeof h === 'string') throw new StoreError('TAMPERED', `${where}: ${h}`);
    if (h.firstLeaf !== e.firstLeaf || h.count !== e.count || h.payloadLength !== e.payloadLength || h.compressedLength !== e.compressedLength) {
      throw new StoreError('TAMPERED', `${where}: its header disagrees with ${BLOCKS_FILE}`);
    }
    let payload: Buffer;
    try {
      payload = decompressBlock(h.codec, block.subarray(BLOCK_HEADER_SIZE), e.payloadLength);
    } catch (err) {
      throw new StoreError('TAMPERED', `${where}: does not decompress: ${(err as Error).message}`);
    }
    const leaves = decodePayload(payload, e.count);
    if (typeof leaves === 'string') throw new StoreError('TAMPERED', `${where}: ${leaves}`);
    this.#cache = { block: b, leaves };
    return leaves;
  }

  /** The root of the first n events. At most 1 + log₂ n hash reads. */
  root(n = this.#size): Uint8Array {
    this.#within(n);
    return treeHash(n, this.#hashes);
  }

  /** RFC 6962 inclusion proof of leaf `index` in the tree of n events. */
  proveInclusion(index: number, n = this.#size): Uint8Array[] {
    this.#within(n);
    return proveInclusion(n, index, this.#hashes);
  }

  /** RFC 6962 consistency proof from the tree of m events to the tree of n. */
  proveConsistency(m: number, n = this.#size): Uint8Array[] {
    this.#within(n);
    return proveConsistency(n, m, this.#hashes);
  }

  #within(n: number): void {
    this.#open();
    if (!Number.isSafeInteger(n) || n < 0 || n > this.#size) throw new StoreError('BAD_REQUEST', `tree size ${n} is beyond the ${this.#size} committed events`);
  }

  #open(): void {
    if (this.#closed) throw new StoreError('IO', 'the ledger is closed (or a failed write left it unusable; reopen it)');
  }

  close(): void {
    if (this.#segmentFd !== null) closeSync(this.#segmentFd);
    this.#segmentFd = null;
    for (const fd of this.#readFds.values()) closeSync(fd);
    this.#readFds.clear();
    if (this.#blocksFd >= 0) closeSync(this.#blocksFd);
    if (this.#hashFd >= 0) closeSync(this.#hashFd);
    this.#closed = true;
  }
}

/**
 * Reads the store's prune record, if any, and checks that it is signed by the trusted key
 * and describes this tree (its root at its size is the tree's). Anything else is tampering.
 */
export function readPruneRecord(dir: string, verifier: Verifier, rootAt: (n: number) => Uint8Array, size: number): PruneRecord | null {
  const path = join(dir, LEDGER_DIR, PRUNE_FILE);
  if (!existsSync(path)) return null;
  const record = openPruneRecord(readFileSync(path, 'utf8'), verifier);
  if (record.treeSize > size) throw new StoreError('TAMPERED', `${LEDGER_DIR}/${PRUNE_FILE}: the prune record was signed at ${record.treeSize} events, beyond the checkpoint's ${size}`);
  if (!equalHashes(rootAt(record.treeSize), record.root)) throw new StoreError('TAMPERED', `${LEDGER_DIR}/${PRUNE_FILE}: the prune record's root at ${record.treeSize} events is not this tree's`);
  return record;
}
