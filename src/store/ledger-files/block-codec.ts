/**
 * How a block's payload is compressed. The block header's magic names it: blocks written
 * now are one Zstandard frame ("KTB2"); blocks of stores written before are raw deflate
 * ("KTB1") and stay readable and verifiable.
 *
 * Why Zstandard: on generated audit logs in 256 KiB blocks, measured on one core of this
 * project's machines, zstd level 2 compresses at ~1,100 MB/s to 0.081× against
 * deflate level 6's ~160 MB/s to 0.106×, and decompresses at ~3,000 MB/s against ~650.
 * Compressing was the largest single cost of an ingest (6.8 s of CPU per 300,000 events
 * on the thread pool) and inflating a large share of verify's.
 *
 * Every compressed byte read back is hostile: a payload is never allowed to grow past the
 * length the block index gives for it (bounded by MAX_BLOCK_PAYLOAD_BYTES), so a changed
 * byte cannot make a reader allocate more than that.
 */
import { createRequire } from 'node:module';
import type * as Zlib from 'node:zlib';
import type * as Zstd from 'zstd-napi/binding.js';

export const CODEC_DEFLATE = 1;
export const CODEC_ZSTD = 2;
export type BlockCodec = typeof CODEC_DEFLATE | typeof CODEC_ZSTD;

/** zstd level for new blocks (see above; level 1 is ~10% faster and ~3% larger, 3 slower and no smaller here). */
export const DEFAULT_ZSTD_LEVEL = 2;

/**
 * The largest event the ledger takes. Every source refuses longer ones before they reach
 * it (a log line: a bad line, reported; a webhook body: 413), and append() refuses them
 * before writing anything, so nothing is committed that could not be read back.
 */
export const MAX_EVENT_BYTES = 64 * 1024 * 1024;

/**
 * The most a block's payload may hold: a block closes at its size (at most
 * MAX_EVENT_BYTES) unless one event alone is larger, and an event is at most
 * MAX_EVENT_BYTES, with its 4-byte length.
 */
export const MAX_BLOCK_PAYLOAD_BYTES = 128 * 1024 * 1024;

/** The most a block's compressed bytes may take: more than either codec makes of the largest payload. */
export const MAX_BLOCK_COMPRESSED_BYTES = MAX_BLOCK_PAYLOAD_BYTES + MAX_BLOCK_PAYLOAD_BYTES / 64 + 1024 * 1024;

/** Payloads up to this are compressed through the thread's scratch buffer; larger ones through a buffer of their own. */
const SCRATCH_MAX = 4 * 1024 * 1024;

// The libraries load on the first block compressed or read, not with the store: a
// question answered from the index alone (`kubetrail who`) needs neither (zstd's native
// library took ~2.3 ms to load, node:zlib ~1 ms).
const load = createRequire(import.meta.url);
let zstd: typeof Zstd | null = null;
let zlib: typeof Zlib | null = null;
let compressor: Zstd.CCtx | null = null;
let decompressor: Zstd.DCtx | null = null;
let scratch: Buffer | null = null;

function library(): typeof Zstd {
  zstd ??= load('zstd-napi/binding') as typeof Zstd;
  return zstd;
}

/** The payload as one zstd frame (a fresh buffer of exactly its size). */
export function compressBlock(payload: Uint8Array, level = DEFAULT_ZSTD_LEVEL): Buffer {
  const z = library();
  compressor ??= new z.CCtx();
  const bound = z.compressBound(payload.length);
  // One scratch buffer per thread, copied out of: a fresh buffer per block would cost its
  // page faults every time (~10 µs per 4 KiB page here) and keep the bound's slack alive.
  // A payload larger than blocks usually are (one very large event) gets a buffer of its
  // own, so that the scratch buffer stays small for the life of the process.
  if (bound > SCRATCH_MAX) {
    const own = Buffer.allocUnsafe(bound);
    return own.subarray(0, compressor.compress(own, payload, level));
  }
  scratch ??= Buffer.allocUnsafe(SCRATCH_MAX);
  const n = compressor.compress(scratch, payload, level);
  return Buffer.from(scratch.subarray(0, n));
}

/**
 * The payload of a block, which must decompress to exactly `payloadLength` bytes.
 * Throws an Error saying why it does not (the caller names the block).
 */
export function decompressBlock(codec: BlockCodec, compressed: Uint8Array, payloadLength: number): Buffer {
  if (payloadLength > MAX_BLOCK_PAYLOAD_BYTES) throw new Error(`a payload of ${payloadLength} bytes is more than a block may hold (${MAX_BLOCK_PAYLOAD_BYTES})`);
  let payload: Buffer;
  if (codec === CODEC_ZSTD) {
    const z = library();
    decompressor ??= new z.DCtx();
    payload = Buffer.allocUnsafe(payloadLength);
    // Fails when the frame would write past payloadLength, or is malformed or cut short.
    const n = decompressor.decompress(payload, compressed);
    if (n !== payloadLength) throw new Error(`decompresses to ${n} bytes, ${payloadLength} expected`);
  } else {
    // maxOutputLength + 1: a longer payload shows as too long rather than as a zlib error.
    zlib ??= load('node:zlib') as typeof Zlib;
    payload = zlib.inflateRawSync(compressed, { maxOutputLength: payloadLength + 1 });
    if (payload.length !== payloadLength) throw new Error(`decompresses to ${payload.length} bytes, ${payloadLength} expected`);
  }
  return payload;
}
