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
  bytes: Buffer;
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

/** Splits a byte stream into lines. */
export async function* splitLines(input: AsyncIterable<Buffer | string>): AsyncGenerator<RawLine> {
  let carry: Buffer | null = null;
  let number = 0;
  let first = true;
  for await (const chunk of input) {
    let buf: Buffer = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    if (carry !== null) {
      buf = Buffer.concat([carry, buf]);
      carry = null;
    }
    if (first) {
      if (buf.length < 3 && buf.length > 0 && Buffer.from([0xef, 0xbb, 0xbf]).subarray(0, buf.length).equals(buf)) {
        carry = buf; // might be the start of a BOM: wait for more
        continue;
      }
      if (buf.length >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) buf = buf.subarray(3);
      first = false;
    }
    let start = 0;
    for (;;) {
      const nl = buf.indexOf(0x0a, start);
      if (nl < 0) break;
      const end = nl > start && buf[nl - 1] === 0x0d ? nl - 1 : nl;
      yield { number: ++number, bytes: buf.subarray(start, end) };
      start = nl + 1;
    }
    if (start < buf.length) carry = Buffer.from(buf.subarray(start));
  }
  if (carry !== null && carry.length > 0) yield { number: ++number, bytes: carry };
}

/** True for a line of only spaces, tabs and CRs (skipped, not an error). */
export function isBlank(b: Buffer): boolean {
  for (let i = 0; i < b.length; i++) {
    const c = b[i];
    if (c !== 0x20 && c !== 0x09 && c !== 0x0d) return false;
  }
  return true;
}
