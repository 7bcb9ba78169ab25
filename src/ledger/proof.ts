/**
 * RFC 6962 §2.1.1–2.1.2 (RFC 9162 §2.1.3–2.1.4) proofs, made from stored hashes and
 * checked with the RFC 9162 verification algorithms.
 *
 *  - proveInclusion(n, index) is PATH(index, D[n]): the audit path of leaf `index` in the
 *    tree of n leaves; checkInclusion follows RFC 9162 §2.1.3.2.
 *  - proveConsistency(n, m) is PROOF(m, D[n]): proof that the tree of m leaves is a
 *    prefix of the tree of n leaves (m ≤ n); checkConsistency follows §2.1.4.2.
 *
 * Proof hashes run from the leaves up (the sibling nearest the leaf first), as RFC 6962
 * orders them. Each prove call makes one readHashes call of at most 2·log₂ n indexes
 * (test/ledger/tree.test.ts counts them) and returns at most ⌈log₂ n⌉ hashes; each
 * check costs one SHA-256 per proof hash (two per hash for consistency) and no reads.
 *
 * Check functions return nothing and throw a LedgerError: BAD_SIZE or BAD_INDEX when the
 * claim is impossible on its face, BAD_HASH for a leaf hash or root of the wrong size,
 * BAD_PROOF when the proof does not prove it.
 */
import { LedgerError } from './errors.js';
import { HASH_SIZE, equalHashes, hashChildren } from './hash.js';
import {
  checkHash,
  checkRead,
  checkSize,
  floorLog2,
  readChecked,
  subtreeHash,
  subtreeIndexes,
  type AsyncHashReader,
  type Cursor,
  type HashReader,
} from './tree.js';

// ---------------------------------------------------------------------------------
// Inclusion
// ---------------------------------------------------------------------------------

function inclusionArgs(n: number, index: number): void {
  checkSize(n);
  if (!Number.isSafeInteger(index) || index < 0 || index >= n) {
    throw new LedgerError('BAD_INDEX', `leaf index ${index} is not in a tree of ${n} leaves`);
  }
}

function inclusionIndexes(lo: number, hi: number, index: number, need: number[]): void {
  if (hi - lo === 1) return;
  const k = 2 ** floorLog2(hi - lo - 1); // the largest power of two < hi - lo
  if (index < lo + k) {
    inclusionIndexes(lo, lo + k, index, need);
    subtreeIndexes(lo + k, hi, need);
  } else {
    subtreeIndexes(lo, lo + k, need);
    inclusionIndexes(lo + k, hi, index, need);
  }
}

function inclusionFromHashes(lo: number, hi: number, index: number, c: Cursor, proof: Uint8Array[]): void {
  if (hi - lo === 1) return; // the verifier has the leaf hash
  const k = 2 ** floorLog2(hi - lo - 1);
  // Hashes are consumed in the order inclusionIndexes listed them; the sibling of each
  // step goes after the deeper part of the path.
  if (index < lo + k) {
    inclusionFromHashes(lo, lo + k, index, c, proof);
    proof.push(subtreeHash(lo + k, hi, c));
  } else {
    const left = subtreeHash(lo, lo + k, c);
    inclusionFromHashes(lo + k, hi, index, c, proof);
    proof.push(left);
  }
}

function inclusionProof(n: number, index: number, hashes: Uint8Array[]): Uint8Array[] {
  const proof: Uint8Array[] = [];
  inclusionFromHashes(0, n, index, { hashes, pos: 0 }, proof);
  return proof;
}

/**
 * The inclusion proof of leaf `index` in the tree of the first n leaves.
 * One read of at most 2·log₂ n stored hashes; the proof has at most ⌈log₂ n⌉ hashes.
 */
export function proveInclusion(n: number, index: number, reader: HashReader): Uint8Array[] {
  inclusionArgs(n, index);
  const need: number[] = [];
  inclusionIndexes(0, n, index, need);
  return inclusionProof(n, index, need.length === 0 ? [] : readChecked(reader, need));
}

/** proveInclusion over an AsyncHashReader. */
export async function proveInclusionAsync(n: number, index: number, reader: AsyncHashReader): Promise<Uint8Array[]> {
  inclusionArgs(n, index);
  const need: number[] = [];
  inclusionIndexes(0, n, index, need);
  return inclusionProof(n, index, need.length === 0 ? [] : checkRead(need, await reader.readHashes(need)));
}

function checkProofHashes(proof: readonly Uint8Array[]): void {
  if (!Array.isArray(proof)) throw new LedgerError('BAD_PROOF', 'a proof is a list of hashes');
  if (proof.length > 64) throw new LedgerError('BAD_PROOF', `a proof of ${proof.length} hashes is longer than any tree needs`);
  for (const [i, p] of proof.entries()) {
    if (!(p instanceof Uint8Array) || p.length !== HASH_SIZE) {
      throw new LedgerError('BAD_PROOF', `proof hash ${i} is not a ${HASH_SIZE}-byte hash`);
    }
  }
}

/**
 * Checks that `proof` proves the leaf hash is leaf `index` of the tree of n leaves with
 * the given root (RFC 9162 §2.1.3.2). Throws a LedgerError when it does not.
 */
export function checkInclusion(proof: readonly Uint8Array[], n: number, root: Uint8Array, index: number, leafHash: Uint8Array): void {
  inclusionArgs(n, index);
  checkHash(leafHash, 'leaf hash');
  checkHash(root, 'root');
  checkProofHashes(proof);
  let fn = index;
  let sn = n - 1;
  let r = leafHash;
  for (const p of proof) {
    if (sn === 0) throw new LedgerError('BAD_PROOF', `inclusion proof is longer than a tree of ${n} leaves needs`);
    if (fn % 2 === 1 || fn === sn) {
      r = hashChildren(p, r);
      if (fn % 2 === 0) {
        // A right-most node with no right sibling at this level: climb until it is a right child.
        while (fn % 2 === 0 && fn !== 0) {
          fn /= 2;
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      r = hashChildren(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  if (sn !== 0) throw new LedgerError('BAD_PROOF', `inclusion proof is shorter than a tree of ${n} leaves needs`);
  if (!equalHashes(r, root)) throw new LedgerError('BAD_PROOF', `inclusion proof of leaf ${index} does not lead to the root of the tree of ${n} leaves`);
}

// ---------------------------------------------------------------------------------
// Consistency
// ---------------------------------------------------------------------------------

function consistencyArgs(n: number, m: number): void {
  checkSize(n, 'new tree size');
  checkSize(m, 'old tree size');
  if (m > n) throw new LedgerError('BAD_SIZE', `old tree size ${m} is larger than new tree size ${n}`);
  if (m === 0) throw new LedgerError('BAD_SIZE', 'every tree extends the empty tree: a consistency proof from size 0 proves nothing');
}

function consistencyIndexes(lo: number, hi: number, m: number, need: number[]): void {
  if (m === hi) {
    // The old tree's root is known to the verifier; inner old subtrees are not.
    if (lo !== 0) subtreeIndexes(lo, hi, need);
    return;
  }
  const k = 2 ** floorLog2(hi - lo - 1);
  if (m <= lo + k) {
    consistencyIndexes(lo, lo + k, m, need);
    subtreeIndexes(lo + k, hi, need);
  } else {
    subtreeIndexes(lo, lo + k, need);
    consistencyIndexes(lo + k, hi, m, need);
  }
}

function consistencyFromHashes(lo: number, hi: number, m: number, c: Cursor, proof: Uint8Array[]): void {
  if (m === hi) {
    if (lo !== 0) proof.push(subtreeHash(lo, hi, c));
    return;
  }
  const k = 2 ** floorLog2(hi - lo - 1);
  if (m <= lo + k) {
    consistencyFromHashes(lo, lo + k, m, c, proof);
    proof.push(subtreeHash(lo + k, hi, c));
  } else {
    const left = subtreeHash(lo, lo + k, c);
    consistencyFromHashes(lo + k, hi, m, c, proof);
    proof.push(left);
  }
}

function consistencyProof(n: number, m: number, hashes: Uint8Array[]): Uint8Array[] {
  const proof: Uint8Array[] = [];
  if (m < n) consistencyFromHashes(0, n, m, { hashes, pos: 0 }, proof);
  return proof;
}

function consistencyNeed(n: number, m: number): number[] {
  const need: number[] = [];
  if (m < n) consistencyIndexes(0, n, m, need);
  return need;
}

/**
 * The consistency proof that the tree of the first m leaves is a prefix of the tree of
 * the first n leaves (1 ≤ m ≤ n; empty when m = n). One read of at most 2·log₂ n stored
 * hashes; the proof has at most ⌈log₂ n⌉ + 1 hashes.
 */
export function proveConsistency(n: number, m: number, reader: HashReader): Uint8Array[] {
  consistencyArgs(n, m);
  const need = consistencyNeed(n, m);
  return consistencyProof(n, m, need.length === 0 ? [] : readChecked(reader, need));
}

/** proveConsistency over an AsyncHashReader. */
export async function proveConsistencyAsync(n: number, m: number, reader: AsyncHashReader): Promise<Uint8Array[]> {
  consistencyArgs(n, m);
  const need = consistencyNeed(n, m);
  return consistencyProof(n, m, need.length === 0 ? [] : checkRead(need, await reader.readHashes(need)));
}

/**
 * Checks that `proof` proves the tree of m leaves with root rootM is a prefix of the tree
 * of n leaves with root rootN (RFC 9162 §2.1.4.2). For m = n the proof must be empty and
 * the roots byte-for-byte equal (whatever their length: nothing is computed from them).
 * Throws a LedgerError when the proof does not hold.
 */
export function checkConsistency(proof: readonly Uint8Array[], n: number, rootN: Uint8Array, m: number, rootM: Uint8Array): void {
  consistencyArgs(n, m);
  checkProofHashes(proof);
  if (m === n) {
    if (proof.length !== 0) throw new LedgerError('BAD_PROOF', `trees of equal size ${n} need an empty consistency proof, got ${proof.length} hashes`);
    if (!equalHashes(rootM, rootN)) throw new LedgerError('BAD_PROOF', `two trees of size ${n} have different roots`);
    return;
  }
  if (proof.length === 0) throw new LedgerError('BAD_PROOF', `a consistency proof from size ${m} to ${n} cannot be empty`);
  // When m is a power of two, the old root is itself a node of the new tree and starts the path.
  checkHash(rootM, 'old root');
  checkHash(rootN, 'new root');
  const path = 2 ** floorLog2(m) === m ? [rootM, ...proof] : proof;
  let fn = m - 1;
  let sn = n - 1;
  while (fn % 2 === 1) {
    fn = (fn - 1) / 2;
    sn = Math.floor(sn / 2);
  }
  let fr = path[0];
  let sr = path[0];
  for (let i = 1; i < path.length; i++) {
    const c = path[i];
    if (sn === 0) throw new LedgerError('BAD_PROOF', `consistency proof is longer than trees of ${m} and ${n} leaves need`);
    if (fn % 2 === 1 || fn === sn) {
      fr = hashChildren(c, fr);
      sr = hashChildren(c, sr);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn /= 2;
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      sr = hashChildren(sr, c);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  if (sn !== 0) throw new LedgerError('BAD_PROOF', `consistency proof is shorter than trees of ${m} and ${n} leaves need`);
  if (!equalHashes(fr, rootM)) throw new LedgerError('BAD_PROOF', `consistency proof does not lead to the root of the old tree of ${m} leaves`);
  if (!equalHashes(sr, rootN)) throw new LedgerError('BAD_PROOF', `consistency proof does not lead to the root of the new tree of ${n} leaves`);
}
