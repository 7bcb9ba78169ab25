/** Reading the files commands are given, with the errors a user can act on. */
import { readFile, stat } from 'node:fs/promises';
import { UsageError } from './context.js';

/** Policies are small; a file this large is a mistake (or an attack), not a policy. */
export const MAX_POLICY_BYTES = 16 * 1024 * 1024;

export async function readTextFile(path: string, what: string, maxBytes = MAX_POLICY_BYTES): Promise<string> {
  let size: number;
  try {
    const info = await stat(path === '-' ? '/dev/stdin' : path);
    if (info.isDirectory()) throw new UsageError(`${path}: is a directory, not a ${what} file`);
    size = info.size;
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError(`${path}: cannot read ${what} file: ${describeFsError(err)}`);
  }
  if (size > maxBytes) {
    throw new UsageError(`${path}: ${formatBytes(size)} is too large for a ${what} file (the limit is ${formatBytes(maxBytes)})`);
  }
  let buffer: Buffer;
  try {
    buffer = await readFile(path === '-' ? '/dev/stdin' : path);
  } catch (err) {
    throw new UsageError(`${path}: cannot read ${what} file: ${describeFsError(err)}`);
  }
  if (buffer.length > maxBytes) {
    throw new UsageError(`${path}: more than ${formatBytes(maxBytes)}: too large for a ${what} file`);
  }
  return decodeText(buffer);
}

/**
 * Text as go-yaml sees it: UTF-8, or UTF-16 with a byte-order mark. Anything else
 * (binary, Latin-1) becomes U+FFFD and is refused by the YAML reader with a position.
 */
export function decodeText(buffer: Buffer): string {
  if (buffer[0] === 0xff && buffer[1] === 0xfe) return new TextDecoder('utf-16le').decode(buffer.subarray(2));
  if (buffer[0] === 0xfe && buffer[1] === 0xff) return new TextDecoder('utf-16be').decode(buffer.subarray(2));
  return new TextDecoder('utf-8').decode(buffer);
}

export function describeFsError(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  switch (e?.code) {
    case 'ENOENT':
      return 'no such file';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'is a directory';
    default:
      return e?.message ?? String(err);
  }
}

export function formatBytes(n: number): string {
  if (n >= 1024 * 1024) return `${(n / 1024 / 1024).toFixed(1)} MiB`;
  if (n >= 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${n} B`;
}
