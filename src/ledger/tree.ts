/**
 * The RFC 6962 Merkle tree over stored hashes, in the layout of golang.org/x/mod
 * sumdb/tlog (and so of C2SP tlog-tiles): every complete subtree's hash is stored once,
 * when its last leaf is appended, and never changes. Hashes are numbered in the order
 * they are written — the "stored hash index":
 *
 *   leaves 0 1 2 3 4 …  → index 0 (0,0)  1 (0,1)  2 (1,0)  3 (0,2)  4 (0,3)  5 (1,1)  6 (2,0)  7 (0,4) …
 *
 * where (level, n) is the n-th hash at level L, covering leaves [n·2^L, (n+1)·2^L).
 * Appending leaf n writes its leaf hash and one hash per trailing 1 bit of n, so after
 * n leaves there are fewer than 2n stored hashes, and any subtree hash — hence any root
 * and any proof — needs O(log n) of them.
 *
 * No I/O here: storage sits behind HashReader (sync) or AsyncHashReader (for files), and
 * each operation makes exactly one readHashes call with every index it needs.
 *
 * Numbers are JavaScript numbers, so all arithmetic is done without 32-bit bitwise
 * operators; tree sizes are capped at MAX_TREE_SIZE = 2^52, which keeps every stored
 * hash index (< 2n) a safe integer.
 */
import { LedgerError } from './errors.js';
import { HASH_SIZE, emptyRoot, hashChildren } from './hash.js';

/** The largest tree the ledger handles: 2^52 leaves (stored hash indexes stay < 2^53). */
export const MAX_TREE_SIZE = 2 ** 52;

/** Storage of stored hashes, synchronous (memory, a mapped file). */
export interface HashReader {
  /** The hashes at the given stored hash indexes, in the same order (indexes may repeat). */
  readHashes(indexes: readonly number[]): Uint8Array[];
}

/** Storage of stored hashes, asynchronous (files, a database). */
export interface AsyncHashReader {
  readHashes(indexes: readonly number[]): Promise<Uint8Array[]>;
}

// ---------------------------------------------------------------------------------
// Arithmetic without 32-bit operators
// ---------------------------------------------------------------------------------

/** ⌊log₂ x⌋ for an integer x ≥ 1. */
export function floorLog2(x: number): number {
  if (x < 2 ** 31) return 31 - Math.clz32(x);
  let l = 31;
  while (2 ** (l + 1) <= x) l++;
  return l;
}

/** The number of trailing 1 bits of a non-negative integer. */
function trailingOnes(x: number): number {
  let c = 0;
  while (x % 2 === 1) {
    x = (x - 1) / 2;
    c++;
  }
  return c;
}

/** BAD_SIZE unless n is a tree size the ledger handles. (Shared with proof.ts; not public.) */
export function checkSize(n: number, what = 'tree size'): void {
  if (!Number.isSafeInteger(n) || n < 0 || n > MAX_TREE_SIZE) {
    throw new LedgerError('BAD_SIZE', `${what} ${n} is not an integer in [0, 2^52]`);
  }
}

/** BAD_HASH unless h is a HASH_SIZE-byte Uint8Array. (Shared with proof.ts; not public.) */
export function checkHash(h: Uint8Array, what: string): void {
  if (!(h instanceof Uint8Array) || h.length !== HASH_SIZE) {
    throw new LedgerError('BAD_HASH', `${what} must be a ${HASH_SIZE}-byte hash, got ${h instanceof Uint8Array ? `${h.length} bytes` : typeof h}`);
  }
}

// ---------------------------------------------------------------------------------
// Stored hash numbering
// ---------------------------------------------------------------------------------

/** The stored hash index of the n-th hash at the given level. O(level + log n). */
export function storedHashIndex(level: number, n: number): number {
  if (!Number.isSafeInteger(level) || level < 0 || level > 52) throw new LedgerError('BAD_INDEX', `level ${level} is not an integer in [0, 52]`);
  if (!Number.isSafeInteger(n) || n < 0 || (n + 1) * 2 ** level > MAX_TREE_SIZE) {
    throw new LedgerError('BAD_INDEX', `hash ${n} at level ${level} lies beyond a tree of 2^52 leaves`);
  }
  // Hash (L, n) is written right after hash (L-1, 2n+1): walk down to level 0 …
  for (let l = level; l > 0; l--) n = 2 * n + 1;
  // … where hash (0, n) is written after n + n/2 + n/4 + … hashes of the leaves before it.
  let i = 0;
  for (; n > 0; n = Math.floor(n / 2)) i += n;
  return i + level;
}

/** The (level, n) of a stored hash index; the inverse of storedHashIndex. O(log index). */
export function splitStoredHashIndex(index: number): { level: number; n: number } {
  if (!Number.isSafeInteger(index) || index < 0 || index >= MAX_STORED_HASHES) {
    throw new LedgerError('BAD_INDEX', `stored hash index ${index} lies beyond a tree of 2^52 leaves`);
  }
  // storedHashIndex(0, n) ≤ 2n, and leaf n brings 1 + trailingOnes(n) hashes, so the leaf
  // whose append wrote this hash is in [index/2, index/2 + log₂ index].
  let n = Math.floor(index / 2);
  let indexN = storedHashIndex(0, n);
  for (;;) {
    const next = indexN + 1 + trailingOnes(n);
    if (next > index) break;
    n++;
    indexN = next;
  }
  // Written with leaf n: one of (0, n), (1, n/2), (2, n/4), …
  const level = index - indexN;
  return { level, n: Math.floor(n / 2 ** level) };
}

/** How many hashes are stored for a tree of n leaves (= the index the next leaf's hash gets). */
export function storedHashCount(n: number): number {
  checkSize(n);
  if (n === 0) return 0;
  // The hashes up to the last leaf's, plus one per subtree that leaf completed.
  return storedHashIndex(0, n - 1) + 1 + trailingOnes(n - 1);
}

/** Stored hashes of a tree of MAX_TREE_SIZE leaves: every stored hash index is below it. */
const MAX_STORED_HASHES = storedHashCount(MAX_TREE_SIZE);

// ---------------------------------------------------------------------------------
// Appending
// ---------------------------------------------------------------------------------

/** The stored hash indexes storedHashesFromHashes needs for appending leaf n, in ascending order. */
function appendIndexes(n: number): number[] {
  const m = trailingOnes(n);
  const indexes = new Array<number>(m);
  for (let i = 0; i < m; i++) indexes[m - 1 - i] = storedHashIndex(i, Math.floor(n / 2 ** i) - 1);
  return indexes;
}

function appendFromHashes(leafHash: Uint8Array, old: Uint8Array[]): Uint8Array[] {
  const out = [leafHash];
  let h = leafHash;
  for (let i = old.length - 1; i >= 0; i--) {
    h = hashChildren(old[i], h);
    out.push(h);
  }
  return out;
}

function appendArgs(n: number, leafHash: Uint8Array): void {
  checkSize(n, 'leaf index');
  if (n >= MAX_TREE_SIZE) throw new LedgerError('BAD_SIZE', 'the tree is full (2^52 leaves)');
  checkHash(leafHash, 'leaf hash');
}

/**
 * The hashes to store when leaf n (0-based; the tree has n leaves before it) is appended
 * with the given leaf hash: the leaf hash, then the hash of every subtree it completes.
 * They go at stored hash indexes storedHashCount(n), storedHashCount(n) + 1, ….
 * Reads one hash per trailing 1 bit of n (on average one; at most log₂ n) in one call.
 */
export function storedHashesForRecord(n: number, leafHash: Uint8Array, reader: HashReader): Uint8Array[] {
  appendArgs(n, leafHash);
  const indexes = appendIndexes(n);
  return appendFromHashes(leafHash, indexes.length === 0 ? [] : readChecked(reader, indexes));
}

/** storedHashesForRecord over an AsyncHashReader. */
export async function storedHashesForRecordAsync(n: number, leafHash: Uint8Array, reader: AsyncHashReader): Promise<Uint8Array[]> {
  appendArgs(n, leafHash);
  const indexes = appendIndexes(n);
  return appendFromHashes(leafHash, indexes.length === 0 ? [] : checkRead(indexes, await reader.readHashes(indexes)));
}

// ---------------------------------------------------------------------------------
// Subtrees and the root
// ---------------------------------------------------------------------------------

/** Hashes handed out left to right to the computations that asked for them. */
export interface Cursor {
  hashes: Uint8Array[];
  pos: number;
}

/**
 * Appends the stored hash indexes of the complete subtrees that make up leaves [lo, hi),
 * largest first: one per 1 bit of hi - lo. lo must be a multiple of the first subtree's
 * size, which holds for every range the tree and proofs ask for.
 */
export function subtreeIndexes(lo: number, hi: number, need: number[]): void {
  while (lo < hi) {
    const level = floorLog2(hi - lo);
    const k = 2 ** level;
    need.push(storedHashIndex(level, lo / k));
    lo += k;
  }
}

/** The hash of leaves [lo, hi) from the hashes subtreeIndexes(lo, hi) asked for. */
export function subtreeHash(lo: number, hi: number, c: Cursor): Uint8Array {
  let count = 0;
  for (let x = lo; x < hi; count++) x += 2 ** floorLog2(hi - x);
  // RFC 6962 splits at the largest power of two, so the fringe nests to the right.
  let h = c.hashes[c.pos + count - 1];
  for (let i = count - 2; i >= 0; i--) h = hashChildren(c.hashes[c.pos + i], h);
  c.pos += count;
  return h;
}

/**
 * The root hash of the tree of the first n leaves (the empty-tree hash for n = 0).
 * Reads one stored hash per 1 bit of n (at most 1 + log₂ n) in one call.
 */
export function treeHash(n: number, reader: HashReader): Uint8Array {
  checkSize(n);
  if (n === 0) return emptyRoot();
  const need: number[] = [];
  subtreeIndexes(0, n, need);
  return subtreeHash(0, n, { hashes: readChecked(reader, need), pos: 0 });
}

/** treeHash over an AsyncHashReader. */
export async function treeHashAsync(n: number, reader: AsyncHashReader): Promise<Uint8Array> {
  checkSize(n);
  if (n === 0) return emptyRoot();
  const need: number[] = [];
  subtreeIndexes(0, n, need);
  return subtreeHash(0, n, { hashes: checkRead(need, await reader.readHashes(need)), pos: 0 });
}

// ---------------------------------------------------------------------------------
// Reading
// ---------------------------------------------------------------------------------

/** One readHashes call, its answer checked: a store that lies about sizes fails here, loudly. */
export function readChecked(reader: HashReader, indexes: number[]): Uint8Array[] {
  return checkRead(indexes, reader.readHashes(indexes));
}

export function checkRead(indexes: readonly number[], hashes: Uint8Array[]): Uint8Array[] {
  if (!Array.isArray(hashes) || hashes.length !== indexes.length) {
    throw new LedgerError('BAD_READ', `readHashes returned ${Array.isArray(hashes) ? hashes.length : typeof hashes} hashes for ${indexes.length} indexes`);
  }
  for (let i = 0; i < hashes.length; i++) {
    const h = hashes[i];
    if (!(h instanceof Uint8Array) || h.length !== HASH_SIZE) {
      throw new LedgerError('BAD_READ', `readHashes returned a bad hash for stored hash index ${indexes[i]}: want ${HASH_SIZE} bytes`);
    }
  }
  return hashes;
}
