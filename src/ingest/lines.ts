/**
 * Lines as bytes: a leaf is exactly the bytes received, so lines are split on LF in the
 * raw byte stream (never decoded and re-encoded). The terminator (LF or CRLF) is not
 * part of the line; a UTF-8 byte-order mark at the start of a file is not part of the
 * first line. A last line without a terminator is still a line.
 */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';

export interface RawLine {
  /** 1-based line number. */
  number: number;
  /** The line; empty when it was longer than the reader keeps (see oversize). */
  bytes: Buffer;
  /** The length of a line too long to keep (its bytes were counted, not held). */
  oversize?: number;
}

/**
 * What a bad line longer than the largest event says (ingest, tail and policy eval
 * alike); `what` names a pretty-printed document instead, `outcome` what became of it.
 */
export function lineTooLong(length: number, limit: number, what = 'a line', outcome = 'not an audit event; skipped'): string {
  return `${what} of ${length} bytes is longer than the largest event kubetrail takes (${limit / (1024 * 1024)} MiB): ${outcome}`;
}

/**
 * A line that spans reads, kept as its pieces and joined once when it ends (joining at
 * every read copied a long line over and over); past `keep` bytes only its length is
 * counted, so a file with no line feed in gigabytes cannot fill the memory.
 */
export class PartialLine {
  #parts: Buffer[] = [];
  #length = 0;

  constructor(private readonly keep: number) {}

  get length(): number {
    return this.#length;
  }

  /** Adds a piece (copied: the caller's read buffer may be reused). */
  add(piece: Buffer): void {
    this.#length += piece.length;
    if (this.#length > this.keep) this.#parts = [];
    else if (piece.length > 0) this.#parts.push(Buffer.from(piece));
  }

  /**
   * The line completed by `chunk` up to its first LF (a CR before the LF dropped), and
   * what follows that LF; null when `chunk` holds no LF (then it is one more piece).
   */
  completeFrom(chunk: Buffer): { line: { bytes: Buffer; oversize?: number }; rest: Buffer } | null {
    const nl = chunk.indexOf(0x0a);
    if (nl < 0) {
      this.add(chunk);
      return null;
    }
    const whole = this.take(chunk.subarray(0, nl));
    return { line: { ...whole, bytes: withoutCR(whole.bytes) }, rest: chunk.subarray(nl + 1) };
  }

  /** The whole line ending with `tail` (bytes, or its length when it was too long), and starts over. */
  take(tail: Buffer): { bytes: Buffer; oversize?: number } {
    const length = this.#length + tail.length;
    const out = length > this.keep ? { bytes: Buffer.alloc(0), oversize: length } : { bytes: this.#parts.length === 0 ? tail : Buffer.concat([...this.#parts, tail]) };
    this.#parts = [];
    this.#length = 0;
    return out;
  }
}

/** A readable of the file's bytes, gunzipped when it starts with gzip's magic; stdin for "-". */
export async function openBytes(path: string): Promise<Readable> {
  if (path === '-') return process.stdin;
  const handle = await open(path, 'r');
  let gz = false;
  try {
    const b = Buffer.alloc(2);
    const { bytesRead } = await handle.read(b, 0, 2, 0);
    gz = bytesRead === 2 && b[0] === 0x1f && b[1] === 0x8b;
  } finally {
    await handle.close();
  }
  // 1 MB a read rather than 64 KB: each read waits in the thread pool behind the blocks
  // being compressed for the ledger, so fewer, larger reads wait less in all.
  const raw = createReadStream(path, { highWaterMark: 1 << 20 });
  return gz ? raw.pipe(createGunzip()) : raw;
}

/** A line as a RawLine: one that ended with LF loses a CR before it (CRLF). */
export function lineOf(number: number, whole: { bytes: Buffer; oversize?: number }, terminated: boolean): RawLine {
  const bytes = terminated ? withoutCR(whole.bytes) : whole.bytes;
  return whole.oversize === undefined ? { number, bytes } : { number, bytes, oversize: whole.oversize };
}

/** The bytes of a line that ended with LF, without the CR before it (CRLF). */
function withoutCR(b: Buffer): Buffer {
  return b.length > 0 && b[b.length - 1] === 0x0d ? b.subarray(0, b.length - 1) : b;
}

/**
 * Splits a byte stream into lines. A line longer than `keep` bytes comes out with its
 * length only (RawLine.oversize), its bytes not held.
 */
export async function* splitLines(input: AsyncIterable<Buffer | string>, keep = Number.MAX_SAFE_INTEGER): AsyncGenerator<RawLine> {
  const partial = new PartialLine(keep);
  let bom: Buffer | null = null;
  let number = 0;
  let first = true;
  for await (const chunk of input) {
    let buf: Buffer = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    if (first) {
      if (bom !== null) {
        buf = Buffer.concat([bom, buf]);
        bom = null;
      }
      if (buf.length < 3 && buf.length > 0 && Buffer.from([0xef, 0xbb, 0xbf]).subarray(0, buf.length).equals(buf)) {
        bom = buf; // might be the start of a BOM: wait for more
        continue;
      }
      if (buf.length >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) buf = buf.subarray(3);
      first = false;
    }
    let start = 0;
    for (;;) {
      const nl = buf.indexOf(0x0a, start);
      if (nl < 0) break;
      yield lineOf(++number, partial.length > 0 ? partial.take(buf.subarray(start, nl)) : { bytes: buf.subarray(start, nl) }, true);
      start = nl + 1;
    }
    if (start < buf.length) partial.add(buf.subarray(start));
  }
  if (bom !== null) partial.add(bom);
  if (partial.length > 0) yield lineOf(++number, partial.take(Buffer.alloc(0)), false);
}

/** True for a line of only spaces, tabs and CRs (skipped, not an error). */
export function isBlank(b: Buffer): boolean {
  for (let i = 0; i < b.length; i++) {
    const c = b[i];
    if (c !== 0x20 && c !== 0x09 && c !== 0x0d) return false;
  }
  return true;
}
