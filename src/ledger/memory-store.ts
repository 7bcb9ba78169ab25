/**
 * MemoryHashStore: the tree's stored hashes in memory. The reference HashReader for
 * tests and benchmarks, and a model for file-backed stores: append computes the new
 * hashes with storedHashesForRecord and writes them at the end; nothing is rewritten.
 *
 * Hashes sit back to back in 2 MiB chunks rather than one object each: a million
 * separate 32-byte buffers cost more in garbage collection than the hashing itself
 * (bench/ledger-append.ts: 0.6 → 0.8 M appends/s of given leaf hashes).
 */
import { LedgerError } from './errors.js';
import { HASH_SIZE, hashLeaf } from './hash.js';
import { checkSize, storedHashCount, storedHashesForRecord, treeHash, type HashReader } from './tree.js';
import { proveConsistency, proveInclusion } from './proof.js';

/** Hashes per chunk. */
const CHUNK = 1 << 16;

export class MemoryHashStore implements HashReader {
  readonly #chunks: Uint8Array[] = [];
  #count = 0;
  #size = 0;

  /** The number of leaves appended so far. */
  get size(): number {
    return this.#size;
  }

  /** The number of stored hashes (storedHashCount(size)). */
  get storedCount(): number {
    return this.#count;
  }

  /** Appends a leaf by its leaf hash; returns its leaf index. On average one node hash. */
  append(leafHash: Uint8Array): number {
    const index = this.#size;
    for (const h of storedHashesForRecord(index, leafHash, this)) this.#put(h);
    this.#size = index + 1;
    return index;
  }

  /** Appends a record: hashLeaf(data), then append. */
  appendRecord(data: Uint8Array): number {
    return this.append(hashLeaf(data));
  }

  /** Copies of the hashes at the given stored hash indexes (callers may keep or change them). */
  readHashes(indexes: readonly number[]): Uint8Array[] {
    const out = new Array<Uint8Array>(indexes.length);
    for (let i = 0; i < indexes.length; i++) {
      const x = indexes[i];
      if (!Number.isSafeInteger(x) || x < 0 || x >= this.#count) throw new LedgerError('BAD_INDEX', `stored hash index ${x} is beyond the ${this.#count} stored hashes`);
      const at = (x % CHUNK) * HASH_SIZE;
      out[i] = this.#chunks[Math.floor(x / CHUNK)].slice(at, at + HASH_SIZE);
    }
    return out;
  }

  #put(h: Uint8Array): void {
    const at = this.#count % CHUNK;
    if (at === 0) this.#chunks.push(new Uint8Array(CHUNK * HASH_SIZE));
    this.#chunks[this.#chunks.length - 1].set(h, at * HASH_SIZE);
    this.#count++;
  }

  /** The root of the first n leaves (default: all of them). */
  root(n = this.#size): Uint8Array {
    this.#within(n);
    return treeHash(n, this);
  }

  /** proveInclusion over this store; n defaults to the current size. */
  proveInclusion(index: number, n = this.#size): Uint8Array[] {
    this.#within(n);
    return proveInclusion(n, index, this);
  }

  /** proveConsistency from the tree of m leaves to the tree of n (default: current size). */
  proveConsistency(m: number, n = this.#size): Uint8Array[] {
    this.#within(n);
    return proveConsistency(n, m, this);
  }

  #within(n: number): void {
    checkSize(n);
    if (n > this.#size) throw new LedgerError('BAD_SIZE', `tree size ${n} is beyond the ${this.#size} leaves stored`);
    if (storedHashCount(this.#size) !== this.#count) throw new Error('kubetrail/ledger: internal: stored hash count out of step');
  }
}
