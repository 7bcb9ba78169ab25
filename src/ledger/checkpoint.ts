/**
 * C2SP tlog-checkpoint: the signed statement "the log <origin> has <size> leaves with
 * root <hash>", the body of a signed note:
 *
 *   <origin>\n              the log's identity, e.g. example.com/kubetrail/prod
 *   <tree size>\n           decimal, canonical (no sign, no leading zeros)
 *   <base64 root hash>\n    standard base64 of the 32-byte RFC 6962 root
 *   [<extension line>\n]…   optional, opaque, non-empty
 *
 * formatCheckpoint/parseCheckpoint are exact inverses on valid input; parseCheckpoint
 * accepts nothing else (it throws BAD_CHECKPOINT with the line at fault). signCheckpoint
 * and openCheckpoint add and check the signatures (C2SP signed-note, Ed25519).
 */
import { LedgerError } from './errors.js';
import { HASH_SIZE } from './hash.js';
import { decodeBase64Strict, type Signer, type Verifier } from './keys.js';
import { openNote, signNote, type Note } from './note.js';
import { MAX_TREE_SIZE } from './tree.js';

/** The largest checkpoint body accepted, in characters. */
export const MAX_CHECKPOINT_LENGTH = 64 * 1024;
/** The most extension lines a checkpoint may carry. */
export const MAX_CHECKPOINT_EXTENSIONS = 64;

export interface Checkpoint {
  /** The log's identity; non-empty, no control characters, no leading or trailing space. */
  origin: string;
  /** The number of leaves, in [0, MAX_TREE_SIZE]. */
  size: number;
  /** The RFC 6962 root hash of those leaves (32 bytes). */
  root: Uint8Array;
  /** Extension lines, in order (each non-empty, without the newline). */
  extensions: readonly string[];
}

function bad(message: string, line?: number): never {
  throw new LedgerError('BAD_CHECKPOINT', message, line);
}

const LINE_FORBIDDEN = /[\u0000-\u001f\u007f]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function originProblem(origin: string): string | null {
  if (origin.length === 0) return 'origin (line 1) must not be empty';
  if (LINE_FORBIDDEN.test(origin)) return 'origin must not contain control characters or newlines';
  if (origin.trim() !== origin) return 'origin must not start or end with white space';
  return null;
}

function sizeProblem(text: string): string | null {
  if (!/^(0|[1-9][0-9]{0,15})$/.test(text)) {
    return `tree size ${JSON.stringify(text.slice(0, 40))} is not a canonical decimal (digits only, no sign, spaces or leading zeros)`;
  }
  return Number(text) > MAX_TREE_SIZE ? `tree size ${text} is larger than 2^52` : null;
}

/** The checkpoint body (note text) of a checkpoint. Throws BAD_CHECKPOINT for values that do not fit the format. */
export function formatCheckpoint(cp: Checkpoint): string {
  const problem = originProblem(String(cp.origin));
  if (problem !== null) bad(problem);
  if (!Number.isSafeInteger(cp.size) || cp.size < 0 || cp.size > MAX_TREE_SIZE) bad(`tree size ${cp.size} is not an integer in [0, 2^52]`);
  if (!(cp.root instanceof Uint8Array) || cp.root.length !== HASH_SIZE) bad(`root hash must be ${HASH_SIZE} bytes`);
  if (cp.extensions.length > MAX_CHECKPOINT_EXTENSIONS) bad(`at most ${MAX_CHECKPOINT_EXTENSIONS} extension lines`);
  for (const e of cp.extensions) {
    if (typeof e !== 'string' || e.length === 0 || LINE_FORBIDDEN.test(e)) bad(`extension line ${JSON.stringify(String(e).slice(0, 40))} must be non-empty without control characters`);
  }
  const text = `${cp.origin}\n${cp.size}\n${Buffer.from(cp.root).toString('base64')}\n${cp.extensions.map((e) => `${e}\n`).join('')}`;
  if (text.length > MAX_CHECKPOINT_LENGTH) bad(`checkpoint is longer than ${MAX_CHECKPOINT_LENGTH} characters`);
  return text;
}

/** Parses a checkpoint body (note text, ending in a newline), strictly. Throws BAD_CHECKPOINT. */
export function parseCheckpoint(text: string): Checkpoint {
  if (typeof text !== 'string') bad('a checkpoint is text');
  if (text.length > MAX_CHECKPOINT_LENGTH) bad(`checkpoint is longer than ${MAX_CHECKPOINT_LENGTH} characters`);
  if (!text.endsWith('\n')) bad('checkpoint must end with a newline');
  const lines = text.slice(0, -1).split('\n');
  if (lines.length < 3) bad(`checkpoint needs origin, tree size and root hash lines, got ${lines.length} line${lines.length === 1 ? '' : 's'}`);
  for (const [i, line] of lines.entries()) {
    const m = LINE_FORBIDDEN.exec(line);
    if (m !== null) bad(m[0] === '\r' ? 'carriage return (CR): checkpoints use \\n line ends only' : `control character U+${m[0].charCodeAt(0).toString(16).padStart(4, '0').toUpperCase()}`, i + 1);
  }
  const [origin, sizeText, rootText, ...extensions] = lines;
  const problem = originProblem(origin);
  if (problem !== null) bad(problem, 1);
  const sizeBad = sizeProblem(sizeText);
  if (sizeBad !== null) bad(sizeBad, 2);
  const root = rootText.length === 44 ? decodeBase64Strict(rootText) : null;
  if (root === null || root.length !== HASH_SIZE) bad(`root hash must be canonical base64 of ${HASH_SIZE} bytes (44 characters), got ${JSON.stringify(rootText.slice(0, 60))}`, 3);
  if (extensions.length > MAX_CHECKPOINT_EXTENSIONS) bad(`more than ${MAX_CHECKPOINT_EXTENSIONS} extension lines`, 4 + MAX_CHECKPOINT_EXTENSIONS);
  for (const [i, e] of extensions.entries()) if (e.length === 0) bad('extension lines must not be empty (a blank line ends the note text)', 4 + i);
  return { origin, size: Number(sizeText), root, extensions };
}

/** The checkpoint as a signed note, signed by each signer (the log's own key first, by convention). */
export function signCheckpoint(cp: Checkpoint, signers: readonly Signer[]): string {
  return signNote(formatCheckpoint(cp), signers);
}

export interface OpenCheckpointOptions {
  /** The origin the checkpoint must carry (WRONG_ORIGIN otherwise). */
  origin?: string;
}

/**
 * Verifies a signed checkpoint against the trusted verifiers and parses it. Throws
 * LedgerError: the codes of openNote (BAD_NOTE, INVALID_SIGNATURE, UNVERIFIED_NOTE), then
 * BAD_CHECKPOINT, then WRONG_ORIGIN. Signatures are checked before the body is trusted.
 */
export function openCheckpoint(note: string | Uint8Array, verifiers: readonly Verifier[], options: OpenCheckpointOptions = {}): { checkpoint: Checkpoint; note: Note } {
  const opened = openNote(note, verifiers);
  const checkpoint = parseCheckpoint(opened.text);
  if (options.origin !== undefined && checkpoint.origin !== options.origin) {
    throw new LedgerError('WRONG_ORIGIN', `checkpoint is from ${JSON.stringify(checkpoint.origin)}, expected ${JSON.stringify(options.origin)}`);
  }
  return { checkpoint, note: opened };
}
