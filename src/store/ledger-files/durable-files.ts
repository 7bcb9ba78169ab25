/**
 * Small durable-file helpers of the ledger: full positioned writes, directory fsync,
 * and atomic replacement (temp file, fsync, rename, directory fsync) for the checkpoint
 * and keys, so a reader sees the old file or the new one, never a torn one.
 */
import { closeSync, fdatasync, fstatSync, fsync, fsyncSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { rename } from 'node:fs/promises';
import { promisify } from 'node:util';
import { join } from 'node:path';

export function fstatOf(path: string): number {
  const fd = openSync(path, 'r');
  try {
    return fstatSync(fd).size;
  } finally {
    closeSync(fd);
  }
}

export function writeAll(fd: number, data: Uint8Array, position: number): void {
  let off = 0;
  while (off < data.length) off += writeSync(fd, data, off, data.length - off, position + off);
}

export function fsyncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Replaces dir/name with text: temp file, fsync, rename, fsync of the directory. */
export function writeFileAtomic(dir: string, name: string, text: string, mode = 0o644): void {
  const tmp = tempPath(dir, name);
  const fd = openSync(tmp, 'w', mode);
  try {
    writeAll(fd, Buffer.from(text, 'utf8'), 0);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, join(dir, name));
  fsyncDir(dir);
}

/** fdatasync on the thread pool (the promise API wants a FileHandle; the ledger keeps plain fds). */
export const fdatasyncAsync: (fd: number) => Promise<void> = promisify(fdatasync);
const fsyncAsync: (fd: number) => Promise<void> = promisify(fsync);

/**
 * The first half of an atomic replacement with its waits on the thread pool: the temp
 * file written and fsync'd (a page-cache write of a few hundred bytes here, the fsync on
 * the pool). Nothing reads the temp file; replaceWithTemp makes it the file.
 */
export async function writeTempFile(dir: string, name: string, text: string, mode = 0o644): Promise<void> {
  const fd = openSync(tempPath(dir, name), 'w', mode);
  try {
    writeAll(fd, Buffer.from(text, 'utf8'), 0);
    await fsyncAsync(fd);
  } finally {
    closeSync(fd);
  }
}

/** The second half: the temp file renamed over the file and the directory fsync'd, on the thread pool. */
export async function replaceWithTemp(dir: string, name: string): Promise<void> {
  await rename(tempPath(dir, name), join(dir, name));
  const dirFd = openSync(dir, 'r');
  try {
    await fsyncAsync(dirFd);
  } finally {
    closeSync(dirFd);
  }
}

/**
 * Removes a temp file left by a replacement that did not finish (best effort); true when
 * there was one. A checkpoint's temp file is signed before the batch it signs is durable,
 * so one left behind signs a tree that may never be: it must not outlive the attempt.
 */
export function removeTemp(dir: string, name: string): boolean {
  try {
    unlinkSync(tempPath(dir, name));
    return true;
  } catch {
    return false;
  }
}

function tempPath(dir: string, name: string): string {
  return join(dir, `.${name}.tmp`);
}
