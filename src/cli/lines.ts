/** Line-by-line reading of possibly gzip-compressed files (or stdin), streaming. */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { UsageError } from './context.js';
import { describeFsError } from './files.js';

async function isGzip(path: string): Promise<boolean> {
  const handle = await open(path, 'r');
  try {
    const buf = Buffer.alloc(2);
    const { bytesRead } = await handle.read(buf, 0, 2, 0);
    return bytesRead === 2 && buf[0] === 0x1f && buf[1] === 0x8b;
  } finally {
    await handle.close();
  }
}

/** The file's text stream, gunzipped when it starts with gzip's magic bytes. */
export async function openText(path: string, what: string): Promise<Readable> {
  if (path === '-') return process.stdin;
  try {
    const gz = await isGzip(path);
    const raw = createReadStream(path);
    return gz ? raw.pipe(createGunzip()) : raw;
  } catch (err) {
    throw new UsageError(`${path}: cannot read ${what}: ${describeFsError(err)}`);
  }
}

/**
 * Yields each line with its 1-based number, without its terminator (LF or CRLF). A
 * final empty line after the last terminator is not a line. A UTF-8 byte-order mark
 * at the start is not part of the first line.
 */
export async function* readLines(path: string, what: string): AsyncGenerator<{ line: string; number: number }> {
  const stream = await openText(path, what);
  const rl = createInterface({ input: stream, crlfDelay: Infinity });
  let number = 0;
  try {
    for await (let line of rl) {
      number++;
      if (number === 1 && line.charCodeAt(0) === 0xfeff) line = line.slice(1);
      yield { line, number };
    }
  } catch (err) {
    throw new UsageError(`${path}: cannot read ${what}: ${describeFsError(err)}`);
  }
}
