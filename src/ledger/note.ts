/**
 * C2SP signed notes (as golang.org/x/mod sumdb/note): a text, a blank line, and one
 * signature line per signer:
 *
 *   <text, one or more lines, each ending in \n>
 *   \n
 *   — <key name> <base64(4-byte big-endian key hash ‖ signature)>\n   (U+2014 em dash)
 *
 * The signed message is the text, final newline included. Opening a note is strict: valid
 * UTF-8, no control characters but \n (so no CR), at most MAX_NOTE_BYTES and
 * MAX_SIGNATURES; anything else is BAD_NOTE and nothing is returned.
 */
import { LedgerError } from './errors.js';
import { decodeBase64Strict, isValidKeyName, type Signer, type Verifier } from './keys.js';

/** The largest note accepted, in UTF-8 bytes. */
export const MAX_NOTE_BYTES = 1024 * 1024;
/** The most signature lines a note may carry (checking each costs ~0.15 ms). */
export const MAX_SIGNATURES = 100;

const SIG_PREFIX = '\u2014 ';

export interface NoteSignature {
  /** The key name. */
  name: string;
  /** The key hash (key ID) as an unsigned 32-bit integer. */
  keyHash: number;
  /** base64(key hash ‖ signature), as on the signature line. */
  base64: string;
}

export interface Note {
  /** The signed text, ending in a newline. */
  text: string;
  /** Signatures by trusted keys, each verified, in note order (duplicates dropped). */
  signatures: NoteSignature[];
  /** Signatures by keys not in the trusted list: neither checked nor trusted. */
  unverifiedSignatures: NoteSignature[];
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function bad(message: string, line?: number): never {
  throw new LedgerError('BAD_NOTE', message, line);
}

/** The first character that a note may not contain: a control other than \n, or a lone surrogate. */
function forbiddenChar(text: string): number {
  const m = /[\u0000-\u0009\u000b-\u001f]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.exec(text);
  return m === null ? -1 : m.index;
}

function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) line++;
  return line;
}

function describeChar(c: string): string {
  return c === '\r' ? 'a carriage return (CR): notes use \\n line ends only' : `character U+${c.charCodeAt(0).toString(16).padStart(4, '0').toUpperCase()}`;
}

/** Checks note text (or a whole note) for size and forbidden characters. */
function checkChars(text: string, what: string): void {
  if (text.length > MAX_NOTE_BYTES || encoder.encode(text).length > MAX_NOTE_BYTES) bad(`${what} is larger than ${MAX_NOTE_BYTES} bytes`);
  const at = forbiddenChar(text);
  if (at >= 0) bad(`${what} contains ${describeChar(text[at])}`, lineOf(text, at));
}

/**
 * Signs note text with each signer, in order. The text must be non-empty and end in a
 * newline. One Ed25519 signature per signer (~45 µs each).
 */
export function signNote(text: string, signers: readonly Signer[]): string {
  if (typeof text !== 'string' || text.length === 0 || !text.endsWith('\n')) bad('note text must be non-empty and end with a newline');
  checkChars(text, 'note text');
  if (signers.length === 0) bad('a signed note needs at least one signer');
  if (signers.length > MAX_SIGNATURES) bad(`at most ${MAX_SIGNATURES} signatures fit on a note`);
  const message = encoder.encode(text);
  let out = `${text}\n`;
  for (const s of signers) {
    if (!isValidKeyName(s.name)) throw new LedgerError('BAD_KEY', `signer name ${JSON.stringify(s.name)} is empty or has spaces, '+' or control characters`);
    const sig = s.sign(message);
    const blob = new Uint8Array(4 + sig.length);
    new DataView(blob.buffer).setUint32(0, s.keyHash >>> 0);
    blob.set(sig, 4);
    out += `${SIG_PREFIX}${s.name} ${Buffer.from(blob).toString('base64')}\n`;
  }
  return out;
}

/** A verifier lookup by (name, key hash); the same key listed twice is fine, two keys are not. */
function indexVerifiers(verifiers: readonly Verifier[]): Map<string, Verifier> {
  const byId = new Map<string, Verifier>();
  for (const v of verifiers) {
    const id = `${v.keyHash}+${v.name}`;
    const had = byId.get(id);
    if (had !== undefined && had !== v) throw new LedgerError('BAD_KEY', `two trusted keys are both named ${v.name} with key hash ${v.keyHash.toString(16).padStart(8, '0')}`);
    byId.set(id, v);
  }
  return byId;
}

/**
 * Parses a signed note and verifies its signatures against the trusted verifiers.
 * Throws LedgerError: BAD_NOTE when malformed; INVALID_SIGNATURE when a trusted key's
 * signature does not verify (altered or forged: never ignored); UNVERIFIED_NOTE when no
 * signature is by a trusted key (the message lists who did sign). Costs one Ed25519
 * verification (~0.15 ms) per trusted signature.
 */
export function openNote(note: string | Uint8Array, verifiers: readonly Verifier[]): Note {
  let msg: string;
  if (typeof note === 'string') {
    msg = note;
  } else if (note instanceof Uint8Array) {
    if (note.length > MAX_NOTE_BYTES) bad(`note is larger than ${MAX_NOTE_BYTES} bytes`);
    try {
      msg = decoder.decode(note);
    } catch {
      bad('note is not valid UTF-8');
    }
  } else {
    bad('a note is a string or bytes');
  }
  checkChars(msg, 'note');
  const split = msg.lastIndexOf('\n\n');
  if (split < 0) bad('note has no blank line before its signatures');
  const text = msg.slice(0, split + 1);
  const sigs = msg.slice(split + 2);
  const firstSigLine = lineOf(msg, split) + 2;
  if (sigs.length === 0) bad('note has no signature lines after its blank line', firstSigLine);
  if (!sigs.endsWith('\n')) bad('note must end with a newline', firstSigLine + sigs.split('\n').length - 1);
  const byId = indexVerifiers(verifiers);
  const lines = sigs.slice(0, -1).split('\n');
  if (lines.length > MAX_SIGNATURES) bad(`note has ${lines.length} signature lines, more than ${MAX_SIGNATURES}`, firstSigLine + MAX_SIGNATURES);
  const message = encoder.encode(text);
  const out: Note = { text, signatures: [], unverifiedSignatures: [] };
  const seen = new Set<string>();
  for (const [i, line] of lines.entries()) {
    const at = firstSigLine + i;
    if (!line.startsWith(SIG_PREFIX)) bad(`signature line must start with "— " (U+2014 em dash, space): ${JSON.stringify(line.slice(0, 40))}`, at);
    const rest = line.slice(SIG_PREFIX.length);
    const space = rest.indexOf(' ');
    if (space < 0) bad('signature line must be "— <key name> <base64 signature>"', at);
    const name = rest.slice(0, space);
    const b64 = rest.slice(space + 1);
    if (!isValidKeyName(name)) bad(`signature key name ${JSON.stringify(name.slice(0, 80))} is empty or has spaces or '+'`, at);
    const blob = decodeBase64Strict(b64);
    if (blob === null || blob.length < 5) bad(`signature of ${name} is not canonical base64 of a key hash and a signature`, at);
    const keyHash = new DataView(blob.buffer, blob.byteOffset, blob.byteLength).getUint32(0);
    const id = `${keyHash}+${name}`;
    const sig: NoteSignature = { name, keyHash, base64: b64 };
    const v = byId.get(id);
    if (v === undefined) {
      if (!seen.has(line)) out.unverifiedSignatures.push(sig);
      seen.add(line);
      continue;
    }
    if (seen.has(id)) continue; // one verdict per trusted key
    seen.add(id);
    if (!v.verify(message, blob.subarray(4))) {
      throw new LedgerError('INVALID_SIGNATURE', `signature by ${name} (key hash ${keyHash.toString(16).padStart(8, '0')}) does not verify: the note was altered or the signature forged`, at);
    }
    out.signatures.push(sig);
  }
  if (out.signatures.length === 0) {
    const who = out.unverifiedSignatures.map((s) => `${s.name}+${s.keyHash.toString(16).padStart(8, '0')}`).join(', ');
    throw new LedgerError('UNVERIFIED_NOTE', `note has no signature by a trusted key (signed by ${who}); trust one of these keys to accept it`);
  }
  return out;
}
