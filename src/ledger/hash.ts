/**
 * RFC 6962 §2.1 (RFC 9162 §2.1.1) hashing: SHA-256 with domain separation, so no leaf
 * can be passed off as an interior node (second-preimage resistance):
 *
 *   leaf hash  = SHA-256(0x00 ‖ data)
 *   node hash  = SHA-256(0x01 ‖ left ‖ right)
 *   empty tree = SHA-256("")
 *
 * Speed matters here (one leaf hash and on average one node hash per appended event):
 * Node's one-shot `crypto.hash` (Node ≥ 20.12) is about twice as fast as
 * `createHash().update().digest()` on these small inputs, so it is used when present,
 * with the input assembled in a reused scratch buffer (safe: hashing is synchronous).
 */
import * as crypto from 'node:crypto';
import { LedgerError } from './errors.js';

/** Bytes in every hash of the tree. */
export const HASH_SIZE = 32;

type OneShot = (algorithm: string, data: Uint8Array, outputEncoding: 'buffer') => Uint8Array;
const oneShot: OneShot | undefined = typeof (crypto as { hash?: unknown }).hash === 'function' ? (crypto.hash as OneShot) : undefined;

/** Leaves up to this size are hashed through the scratch buffer; larger ones are streamed. */
const SCRATCH_LIMIT = 64 * 1024;
let scratch = new Uint8Array(4096);
const LEAF_PREFIX = new Uint8Array([0x00]);
const node = new Uint8Array(1 + 2 * HASH_SIZE);

/**
 * Node hands back Buffers, whose slice() is a view, not a copy; callers of the ledger get
 * plain Uint8Arrays so that `hash.slice()` copies as everywhere else.
 */
function plain(b: Uint8Array): Uint8Array {
  return new Uint8Array(b.buffer, b.byteOffset, b.length);
}

function sha256(data: Uint8Array): Uint8Array {
  return plain(oneShot !== undefined ? oneShot('sha256', data, 'buffer') : crypto.createHash('sha256').update(data).digest());
}

/** SHA-256(0x00 ‖ data): the hash of a record as a leaf of the tree. */
export function hashLeaf(data: Uint8Array): Uint8Array {
  const n = data.length + 1;
  if (oneShot === undefined || n > SCRATCH_LIMIT) {
    return plain(crypto.createHash('sha256').update(LEAF_PREFIX).update(data).digest());
  }
  if (n > scratch.length) scratch = new Uint8Array(Math.min(SCRATCH_LIMIT, 2 ** Math.ceil(Math.log2(n))));
  scratch[0] = 0x00;
  scratch.set(data, 1);
  return plain(oneShot('sha256', scratch.subarray(0, n), 'buffer'));
}

/** SHA-256(0x01 ‖ left ‖ right): the hash of an interior node. Both must be HASH_SIZE bytes. */
export function hashChildren(left: Uint8Array, right: Uint8Array): Uint8Array {
  if (left.length !== HASH_SIZE || right.length !== HASH_SIZE) {
    throw new LedgerError('BAD_HASH', `interior node children must be ${HASH_SIZE}-byte hashes, got ${left.length} and ${right.length} bytes`);
  }
  node[0] = 0x01;
  node.set(left, 1);
  node.set(right, 1 + HASH_SIZE);
  return sha256(node);
}

const EMPTY_ROOT = sha256(new Uint8Array(0));

/** SHA-256(""): the root hash of the tree with no leaves (a fresh copy each call). */
export function emptyRoot(): Uint8Array {
  return new Uint8Array(EMPTY_ROOT);
}

/** Byte equality of two hashes (proofs and roots are public: no need for constant time). */
export function equalHashes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
