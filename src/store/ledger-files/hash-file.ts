/**
 * The tree's stored hashes in one append-only file, hash i at byte 32·i, so any stored
 * hash is one positioned read and a proof or root needs at most 2·log₂ n reads (the
 * ledger's HashReader makes one readHashes call per operation). Hashes of a batch being
 * appended sit in memory until the batch is written, so appending reads the file only
 * for the older, larger subtrees (at most one read per level).
 */
import { readSync } from 'node:fs';
import { HASH_SIZE, type HashReader } from '../../ledger/index.js';
import { StoreError } from '../errors.js';

export class HashFile implements HashReader {
  readonly #fd: number;
  /** Hashes durable in the file. */
  #fileCount: number;
  #pending: Buffer = Buffer.alloc(64 * 1024);
  #pendingCount = 0;

  constructor(fd: number, fileCount: number) {
    this.#fd = fd;
    this.#fileCount = fileCount;
  }

  /** Stored hashes, written and pending. */
  get count(): number {
    return this.#fileCount + this.#pendingCount;
  }

  get fileCount(): number {
    return this.#fileCount;
  }

  push(h: Uint8Array): void {
    const at = this.#pendingCount * HASH_SIZE;
    if (at + HASH_SIZE > this.#pending.length) {
      const bigger = Buffer.alloc(this.#pending.length * 2);
      this.#pending.copy(bigger, 0, 0, at);
      this.#pending = bigger;
    }
    this.#pending.set(h, at);
    this.#pendingCount++;
  }

  /** The pending hashes as one buffer (a view), to be written at byte 32·fileCount. */
  pendingBytes(): Buffer {
    return this.#pending.subarray(0, this.#pendingCount * HASH_SIZE);
  }

  /** The pending hashes are now in the file. */
  markWritten(): void {
    this.#fileCount += this.#pendingCount;
    this.#pendingCount = 0;
  }

  /** Forget the pending hashes (a failed batch). */
  discardPending(): void {
    this.#pendingCount = 0;
  }

  readHashes(indexes: readonly number[]): Uint8Array[] {
    const out = new Array<Uint8Array>(indexes.length);
    for (let i = 0; i < indexes.length; i++) {
      const x = indexes[i];
      if (!Number.isSafeInteger(x) || x < 0 || x >= this.count) throw new StoreError('BAD_REQUEST', `stored hash ${x} is beyond the ${this.count} stored hashes`);
      if (x >= this.#fileCount) {
        const at = (x - this.#fileCount) * HASH_SIZE;
        out[i] = new Uint8Array(this.#pending.subarray(at, at + HASH_SIZE));
      } else {
        const b = new Uint8Array(HASH_SIZE);
        const n = readSync(this.#fd, b, 0, HASH_SIZE, x * HASH_SIZE);
        if (n !== HASH_SIZE) throw new StoreError('TAMPERED', `hashes file: stored hash ${x} is missing (file too short)`);
        out[i] = b;
      }
    }
    return out;
  }
}
