/**
 * The tamper-evident ledger, pure computation (no fs, no network, no database):
 *
 *  - an RFC 6962 / RFC 9162 Merkle tree over stored hashes numbered as in sumdb/tlog,
 *    with inclusion and consistency proofs (test/ledger/vectors.test.ts runs the
 *    transparency-dev/merkle test vectors; tree.test.ts checks every proof of every tree
 *    up to 100 leaves against a plain recursive RFC 6962 reference);
 *  - C2SP tlog-tiles addressing of the stored hashes;
 *  - C2SP tlog-checkpoint bodies in C2SP signed notes with Ed25519 keys.
 *
 * Storage is HashReader / AsyncHashReader: one readHashes(indexes) call per operation.
 */
export { LedgerError, isLedgerError } from './errors.js';
export type { LedgerErrorCode } from './errors.js';
export { HASH_SIZE, hashLeaf, hashChildren, emptyRoot, equalHashes } from './hash.js';
export {
  MAX_TREE_SIZE,
  storedHashIndex,
  splitStoredHashIndex,
  storedHashCount,
  storedHashesForRecord,
  storedHashesForRecordAsync,
  treeHash,
  treeHashAsync,
} from './tree.js';
export type { HashReader, AsyncHashReader } from './tree.js';
export { proveInclusion, proveInclusionAsync, checkInclusion, proveConsistency, proveConsistencyAsync, checkConsistency } from './proof.js';
export { MemoryHashStore } from './memory-store.js';
export { TILE_HEIGHT, tileForStoredHash, hashFromTile, tilePath } from './tiles.js';
export type { Tile } from './tiles.js';
export { generateSignerKey, newSigner, newVerifier, verifierKeyOf, ed25519KeyHash, isValidKeyName, decodeBase64Strict } from './keys.js';
export type { Signer, Verifier } from './keys.js';
export { MAX_NOTE_BYTES, MAX_SIGNATURES, signNote, openNote } from './note.js';
export type { Note, NoteSignature } from './note.js';
export { MAX_CHECKPOINT_LENGTH, MAX_CHECKPOINT_EXTENSIONS, formatCheckpoint, parseCheckpoint, signCheckpoint, openCheckpoint } from './checkpoint.js';
export type { Checkpoint, OpenCheckpointOptions } from './checkpoint.js';
export { PROOF_BUNDLE_FORMAT, MAX_PROOF_BUNDLE_BYTES, makeProofBundle, checkProofBundle } from './bundle.js';
export type { ProofBundle, CheckedBundle } from './bundle.js';
