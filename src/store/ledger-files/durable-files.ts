/**
 * Small durable-file helpers of the ledger: full positioned writes, directory fsync,
 * and atomic replacement (temp file, fsync, rename, directory fsync) for the checkpoint
 * and keys, so a reader sees the old file or the new one, never a torn one.
 */
import { closeSync, fstatSync, fsyncSync, openSync, renameSync, writeSync } from 'node:fs';
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
  const tmp = join(dir, `.${name}.tmp`);
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
