/**
 * Proof bundles: one event, its RFC 6962 inclusion proof and the signed checkpoint it
 * leads to, in one JSON file that anyone can check offline with only the log's public
 * key (`kubetrail verify-proof`). Checking is strict: the bundle's own claims (origin, tree
 * size) must match what the signed checkpoint says, and the event's exact bytes must hash
 * up to its root.
 */
import { openCheckpoint } from './checkpoint.js';
import { isLedgerError, LedgerError } from './errors.js';
import { hashLeaf } from './hash.js';
import { decodeBase64Strict, newVerifier } from './keys.js';
import { checkInclusion } from './proof.js';

export const PROOF_BUNDLE_FORMAT = 'kubetrail.dev/proof/v1';
/** A bundle larger than this is refused before parsing (an event is at most a few MB). */
export const MAX_PROOF_BUNDLE_BYTES = 64 * 1024 * 1024;

export interface ProofBundle {
  format: typeof PROOF_BUNDLE_FORMAT;
  origin: string;
  leafIndex: number;
  treeSize: number;
  /** The event's exact bytes, base64. */
  event: string;
  /** Inclusion proof hashes, base64, leaf side first. */
  inclusionProof: string[];
  /** The signed checkpoint (C2SP signed note) of the tree of treeSize events. */
  checkpoint: string;
}

export function makeProofBundle(origin: string, leafIndex: number, treeSize: number, event: Uint8Array, proof: readonly Uint8Array[], checkpoint: string): ProofBundle {
  return { format: PROOF_BUNDLE_FORMAT, origin, leafIndex, treeSize, event: Buffer.from(event).toString('base64'), inclusionProof: proof.map((h) => Buffer.from(h).toString('base64')), checkpoint };
}

export interface CheckedBundle {
  origin: string;
  leafIndex: number;
  treeSize: number;
  event: Buffer;
  signer: string;
}

function bad(message: string): never {
  throw new LedgerError('BAD_PROOF', message);
}

/** Checks a bundle's text against the trusted public key; throws LedgerError naming what failed. */
export function checkProofBundle(text: string, verifierKey: string): CheckedBundle {
  if (text.length > MAX_PROOF_BUNDLE_BYTES) bad('the bundle is too large');
  let b: Partial<ProofBundle>;
  try {
    b = JSON.parse(text) as Partial<ProofBundle>;
  } catch (err) {
    bad(`the bundle is not JSON: ${(err as Error).message}`);
  }
  if (b === null || typeof b !== 'object') bad('the bundle is not a JSON object');
  if (b.format !== PROOF_BUNDLE_FORMAT) bad(`format ${JSON.stringify(b.format)}: expected ${PROOF_BUNDLE_FORMAT}`);
  if (!Number.isSafeInteger(b.leafIndex) || !Number.isSafeInteger(b.treeSize)) bad('leafIndex and treeSize must be whole numbers');
  if (typeof b.event !== 'string' || typeof b.checkpoint !== 'string' || !Array.isArray(b.inclusionProof)) bad('the bundle lacks event, checkpoint or inclusionProof');
  const event = decodeBase64Strict(b.event);
  if (event === null) bad('event: not canonical base64');
  const proof = b.inclusionProof.map((h, i) => {
    const d = typeof h === 'string' ? decodeBase64Strict(h) : null;
    if (d === null || d.length !== 32) bad(`inclusionProof[${i}]: not 32 bytes of canonical base64`);
    return d;
  });
  const verifier = newVerifier(verifierKey.trim());
  let checkpoint;
  try {
    checkpoint = openCheckpoint(b.checkpoint, [verifier], { origin: verifier.name }).checkpoint;
  } catch (err) {
    if (isLedgerError(err)) bad(`checkpoint: ${err.message}`);
    throw err;
  }
  if (b.origin !== checkpoint.origin) bad(`the bundle says origin ${JSON.stringify(b.origin)}, the signed checkpoint ${JSON.stringify(checkpoint.origin)}`);
  if (b.treeSize !== checkpoint.size) bad(`the bundle says tree size ${b.treeSize}, the signed checkpoint ${checkpoint.size}`);
  try {
    checkInclusion(proof, checkpoint.size, checkpoint.root, b.leafIndex!, hashLeaf(event));
  } catch (err) {
    if (isLedgerError(err)) bad(`inclusion proof: ${err.message}`);
    throw err;
  }
  return { origin: checkpoint.origin, leafIndex: b.leafIndex!, treeSize: checkpoint.size, event: Buffer.from(event), signer: verifier.name };
}
