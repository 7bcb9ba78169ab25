/**
 * The lines of a plain file that start within a byte range: how replay workers read a log
 * themselves, each its own ranges, so that the main thread copies nothing and every
 * core reads and counts. A line belongs to the range its first byte is in; the range's
 * last line is read on past the range's end to its line feed. Taken together, the ranges
 * [0, a), [a, b), … [z, size) give every line of the file exactly once, in order.
 */
import { closeSync, openSync, readSync } from 'node:fs';

/** The lines of `file` that start in [start, end); the file is read as `size` bytes long. */
export interface FileRange {
  file: string;
  start: number;
  end: number;
  size: number;
}

/** A reusable buffer (it grows to the longest range plus its overhanging line). */
export interface Scratch {
  buf: Buffer;
}

export function newScratch(): Scratch {
  return { buf: Buffer.allocUnsafeSlow(0) };
}

function readFully(fd: number, into: Buffer, at: number, length: number, position: number): number {
  let got = 0;
  while (got < length) {
    const n = readSync(fd, into, at + got, length - got, position + got);
    if (n === 0) break;
    got += n;
  }
  return got;
}

/** Room for `need` bytes, keeping the first `keep`. */
function ensure(scratch: Scratch, need: number, keep: number): Buffer {
  if (scratch.buf.length >= need) return scratch.buf;
  const grown = Buffer.allocUnsafeSlow(Math.max(need, Math.floor(scratch.buf.length * 1.5)));
  scratch.buf.copy(grown, 0, 0, keep);
  scratch.buf = grown;
  return grown;
}

const OVERHANG_STEP = 64 * 1024;

/**
 * The bytes of the lines of `fd` (a file read as `size` bytes long) whose first byte is
 * in [start, end), without a UTF-8 byte order mark at the start of the file. A view into
 * `scratch`, valid until its next use.
 */
export function linesStartingIn(fd: number, start: number, end: number, size: number, scratch: Scratch): Buffer {
  end = Math.min(end, size);
  if (start >= end) return scratch.buf.subarray(0, 0);
  // One byte before the range tells whether a line starts at `start`.
  const from = start === 0 ? 0 : start - 1;
  let want = Math.min(size, end + OVERHANG_STEP) - from;
  let buf = ensure(scratch, want, 0);
  let filled = readFully(fd, buf, 0, want, from);
  let s = 0;
  if (start === 0) {
    if (filled >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) s = 3;
  } else {
    // (Searches stop at what was read: the scratch buffer holds older bytes beyond it.)
    const nl = buf.subarray(0, filled).indexOf(0x0a);
    // No line starts in the range: they all began before it.
    if (nl < 0 || nl + 1 >= end - from) return buf.subarray(0, 0);
    s = nl + 1;
  }
  // The line holding the range's last byte ends at the first line feed from there on.
  let e = buf.subarray(0, filled).indexOf(0x0a, end - 1 - from);
  while (e < 0 && from + filled < size) {
    want = Math.min(size - from, filled + Math.max(OVERHANG_STEP, filled));
    buf = ensure(scratch, want, filled);
    const before = filled;
    filled += readFully(fd, buf, filled, want - filled, from + filled);
    if (filled === before) break; // the file shrank: what was read is all there is
    e = buf.subarray(0, filled).indexOf(0x0a, Math.max(end - 1 - from, before));
  }
  const stop = e < 0 ? filled : e + 1;
  return buf.subarray(s, stop);
}

/** Reads ranges of plain files, keeping the last file open and one buffer for all of them. */
export class FileRanges {
  #file: string | null = null;
  #fd = -1;
  readonly #scratch = newScratch();

  read(range: FileRange): Buffer {
    if (range.file !== this.#file) {
      this.close();
      this.#fd = openSync(range.file, 'r');
      this.#file = range.file;
    }
    return linesStartingIn(this.#fd, range.start, range.end, range.size, this.#scratch);
  }

  close(): void {
    if (this.#fd >= 0) closeSync(this.#fd);
    this.#fd = -1;
    this.#file = null;
  }
}
