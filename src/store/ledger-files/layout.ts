/**
 * Where a store keeps its files, and the binary formats of the ledger's files.
 *
 *   DIR/verifier.key            the log's public key (C2SP signed-note verifier key)
 *   DIR/checkpoint              the latest signed checkpoint (C2SP tlog-checkpoint note)
 *   DIR/ledger/seg-NNNNNN.klog  segments: blocks of leaves, appended, never rewritten
 *   DIR/ledger/blocks.idx       one 32-byte entry per block: where it is, which leaves
 *   DIR/ledger/hashes           the tree's stored hashes (sumdb/tlog numbering), 32 bytes each
 *   DIR/index.sqlite            the index, derived from the ledger (rebuildable)
 *
 * A block in a segment is a 24-byte header then the compressed payload:
 *
 *   magic | u32 leaf count | u64 first leaf | u32 payload length | u32 compressed length
 *   payload = u32 length of each leaf … | the leaves' bytes back to back
 *
 * The magic names the compression: "KTB2" one Zstandard frame (what is written now),
 * "KTB1" raw deflate (stores written before; still read). See block-codec.ts.
 *
 * All integers are big-endian. A block never spans segments and a batch always ends a
 * block, so every checkpoint size falls on a block boundary: recovery truncates files,
 * it never rewrites them.
 */
import { readSync } from 'node:fs';
import { join } from 'node:path';
import { CODEC_DEFLATE, CODEC_ZSTD, type BlockCodec } from './block-codec.js';

export const VERIFIER_KEY_FILE = 'verifier.key';
export const CHECKPOINT_FILE = 'checkpoint';
export const LEDGER_DIR = 'ledger';
export const BLOCKS_FILE = 'blocks.idx';
export const HASHES_FILE = 'hashes';
export const INDEX_FILE = 'index.sqlite';

const BLOCK_MAGIC_DEFLATE = 0x4b544231; // "KTB1"
const BLOCK_MAGIC_ZSTD = 0x4b544232; // "KTB2"
export const BLOCK_HEADER_SIZE = 24;
export const BLOCK_ENTRY_SIZE = 32;
/** Uncompressed bytes at which a block is closed (a batch's end closes one too). */
export const DEFAULT_BLOCK_BYTES = 256 * 1024;
/** Bytes at which the next block starts a new segment. */
export const DEFAULT_SEGMENT_BYTES = 256 * 1024 * 1024;

export function segmentName(segment: number): string {
  return `seg-${String(segment).padStart(6, '0')}.klog`;
}

export function segmentPath(dir: string, segment: number): string {
  return join(dir, LEDGER_DIR, segmentName(segment));
}

/** Where one block is. */
export interface BlockEntry {
  segment: number;
  /** Byte offset of the block header within the segment. */
  offset: number;
  firstLeaf: number;
  count: number;
  payloadLength: number;
  compressedLength: number;
}

export function encodeBlockEntry(e: BlockEntry, out: Buffer, at: number): void {
  out.writeUInt32BE(e.segment, at);
  out.writeUInt32BE(e.compressedLength, at + 4);
  out.writeBigUInt64BE(BigInt(e.offset), at + 8);
  out.writeBigUInt64BE(BigInt(e.firstLeaf), at + 16);
  out.writeUInt32BE(e.count, at + 24);
  out.writeUInt32BE(e.payloadLength, at + 28);
}

export function decodeBlockEntry(b: Buffer, at: number): BlockEntry {
  return {
    segment: b.readUInt32BE(at),
    compressedLength: b.readUInt32BE(at + 4),
    offset: Number(b.readBigUInt64BE(at + 8)),
    firstLeaf: Number(b.readBigUInt64BE(at + 16)),
    count: b.readUInt32BE(at + 24),
    payloadLength: b.readUInt32BE(at + 28),
  };
}

export function encodeBlockHeader(codec: BlockCodec, count: number, firstLeaf: number, payloadLength: number, compressedLength: number): Buffer {
  const h = Buffer.alloc(BLOCK_HEADER_SIZE);
  h.writeUInt32BE(codec === CODEC_ZSTD ? BLOCK_MAGIC_ZSTD : BLOCK_MAGIC_DEFLATE, 0);
  h.writeUInt32BE(count, 4);
  h.writeBigUInt64BE(BigInt(firstLeaf), 8);
  h.writeUInt32BE(payloadLength, 16);
  h.writeUInt32BE(compressedLength, 20);
  return h;
}

export interface BlockHeader {
  codec: BlockCodec;
  count: number;
  firstLeaf: number;
  payloadLength: number;
  compressedLength: number;
}

/** The header at b[at..], or a reason it is not one. */
export function decodeBlockHeader(b: Buffer, at: number): BlockHeader | string {
  if (b.length - at < BLOCK_HEADER_SIZE) return `a block header needs ${BLOCK_HEADER_SIZE} bytes, only ${b.length - at} left`;
  const magic = b.readUInt32BE(at);
  if (magic !== BLOCK_MAGIC_ZSTD && magic !== BLOCK_MAGIC_DEFLATE) return 'no block magic ("KTB2" or "KTB1")';
  return {
    codec: magic === BLOCK_MAGIC_ZSTD ? CODEC_ZSTD : CODEC_DEFLATE,
    count: b.readUInt32BE(at + 4),
    firstLeaf: Number(b.readBigUInt64BE(at + 8)),
    payloadLength: b.readUInt32BE(at + 16),
    compressedLength: b.readUInt32BE(at + 20),
  };
}

/** The payload of a block: lengths, then bytes. */
export function encodePayload(leaves: readonly Uint8Array[]): Buffer {
  let total = 4 * leaves.length;
  for (const l of leaves) total += l.length;
  const out = Buffer.allocUnsafe(total);
  let at = 4 * leaves.length;
  for (let i = 0; i < leaves.length; i++) {
    out.writeUInt32BE(leaves[i].length, 4 * i);
    out.set(leaves[i], at);
    at += leaves[i].length;
  }
  return out;
}

/** The leaves of a payload (views into it), or a reason it is malformed. */
export function decodePayload(payload: Buffer, count: number): Buffer[] | string {
  if (payload.length < 4 * count) return `payload of ${payload.length} bytes cannot hold ${count} lengths`;
  const out = new Array<Buffer>(count);
  let at = 4 * count;
  for (let i = 0; i < count; i++) {
    const n = payload.readUInt32BE(4 * i);
    if (at + n > payload.length) return `leaf ${i} of the block runs past the payload`;
    out[i] = payload.subarray(at, at + n);
    at += n;
  }
  if (at !== payload.length) return `payload has ${payload.length - at} bytes after its last leaf`;
  return out;
}

/**
 * The block index: the raw 32-byte entries, decoded only when asked for. At 10 million
 * events a store has ~100 k blocks; decoding them all into objects on every open cost a
 * `who` more than answering it did. A writer holds the entries in memory (checked one by
 * one on open, appended to as it commits); a reader leaves them in the file and reads the
 * few a lookup needs (a binary search: ~17 reads of 32 bytes), checking on open only that
 * the entries end where the checkpoint does — `verify` checks every one.
 */
export class BlockTable {
  #bytes: Buffer;
  #length: number;
  /** A reader's blocks.idx, or -1 when the entries are in #bytes. */
  readonly #fd: number;
  readonly #one = Buffer.alloc(BLOCK_ENTRY_SIZE);

  private constructor(bytes: Buffer, length: number, fd = -1) {
    this.#bytes = bytes;
    this.#length = length;
    this.#fd = fd;
  }

  /**
   * The entries of `bytes` that cover the first `size` leaves, checked to follow one
   * another (each starts where the previous ended, none is empty), or the reason they
   * do not. Entries past `size` (an interrupted batch) are left out.
   */
  static covering(bytes: Buffer, size: number): { table: BlockTable; covered: number } | { problem: string } {
    let covered = 0;
    let n = 0;
    for (let at = 0; covered < size && at + BLOCK_ENTRY_SIZE <= bytes.length; at += BLOCK_ENTRY_SIZE, n++) {
      const first = firstLeafAt(bytes, at);
      const count = bytes.readUInt32BE(at + 24);
      if (first !== covered) return { problem: `entry ${n} starts at leaf ${first}, expected ${covered}` };
      if (count === 0) return { problem: `entry ${n} holds no events` };
      covered += count;
    }
    return { table: new BlockTable(bytes, n), covered };
  }

  /**
   * A reader's view of blocks.idx (open as `fd`, `fileBytes` long) for a tree of `size`
   * leaves: the entry holding the last leaf must end exactly at `size`. Entries past it
   * (an interrupted batch a writer will truncate) are left out.
   */
  static inFile(fd: number, fileBytes: number, size: number): { table: BlockTable; covered: number } | { problem: string } {
    const entries = Math.floor(fileBytes / BLOCK_ENTRY_SIZE);
    if (size === 0 || entries === 0) return { table: new BlockTable(Buffer.alloc(0), 0, fd), covered: 0 };
    const table = new BlockTable(Buffer.alloc(0), entries, fd);
    if (table.firstLeaf(0) !== 0) return { problem: `entry 0 starts at leaf ${table.firstLeaf(0)}, expected 0` };
    const last = table.find(size - 1);
    const end = table.firstLeaf(last) + table.#count(last);
    if (end < size) return { table, covered: end };
    if (end !== size) return { problem: `entry ${last} ends at leaf ${end}, but the checkpoint signs ${size}` };
    table.#length = last + 1;
    return { table, covered: size };
  }

  static empty(): BlockTable {
    return new BlockTable(Buffer.alloc(0), 0);
  }

  get length(): number {
    return this.#length;
  }

  /** The buffer holding entry i, and where in it. */
  #at(i: number): [Buffer, number] {
    if (this.#fd < 0) return [this.#bytes, i * BLOCK_ENTRY_SIZE];
    if (readSync(this.#fd, this.#one, 0, BLOCK_ENTRY_SIZE, i * BLOCK_ENTRY_SIZE) !== BLOCK_ENTRY_SIZE) throw new RangeError(`${BLOCKS_FILE} ends before entry ${i}`);
    return [this.#one, 0];
  }

  firstLeaf(i: number): number {
    const [b, at] = this.#at(i);
    return firstLeafAt(b, at);
  }

  #count(i: number): number {
    const [b, at] = this.#at(i);
    return b.readUInt32BE(at + 24);
  }

  entry(i: number): BlockEntry {
    if (i < 0 || i >= this.#length) throw new RangeError(`block ${i} of ${this.#length}`);
    const [b, at] = this.#at(i);
    return decodeBlockEntry(b, at);
  }

  last(): BlockEntry | undefined {
    return this.#length === 0 ? undefined : this.entry(this.#length - 1);
  }

  /** The block holding leaf n (the last whose first leaf is ≤ n). */
  find(n: number): number {
    let lo = 0;
    let hi = this.#length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.firstLeaf(mid) <= n) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** Appends encoded entries (as written to blocks.idx). */
  push(encoded: Buffer): void {
    if (this.#fd >= 0) throw new Error('a reader\'s block table is read-only');
    const need = (this.#length * BLOCK_ENTRY_SIZE) + encoded.length;
    if (need > this.#bytes.length) {
      const grown = Buffer.alloc(Math.max(need, this.#bytes.length * 2, 64 * BLOCK_ENTRY_SIZE));
      this.#bytes.copy(grown, 0, 0, this.#length * BLOCK_ENTRY_SIZE);
      this.#bytes = grown;
    }
    encoded.copy(this.#bytes, this.#length * BLOCK_ENTRY_SIZE);
    this.#length += encoded.length / BLOCK_ENTRY_SIZE;
  }

  /** Keeps the first n entries (a rolled-back batch). */
  truncate(n: number): void {
    this.#length = Math.min(this.#length, n);
  }
}

/** The u64 first leaf of the entry at `at`, without a BigInt. */
function firstLeafAt(b: Buffer, at: number): number {
  return b.readUInt32BE(at + 16) * 2 ** 32 + b.readUInt32BE(at + 20);
}
