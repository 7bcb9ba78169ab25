/**
 * Ed25519 keys in the C2SP signed-note encoding (as golang.org/x/mod sumdb/note):
 *
 *   verifier key  <name>+<key hash, 8 hex digits>+<base64(0x01 ‖ 32-byte public key)>
 *   signer key    PRIVATE+KEY+<name>+<key hash>+<base64(0x01 ‖ 32-byte seed)>
 *
 * The key hash (key ID) is the first 4 bytes, big-endian, of
 * SHA-256(name ‖ 0x0A ‖ 0x01 ‖ public key); it names the key in signature lines. Key
 * names are non-empty, without spaces or '+'. Parsing is strict: lowercase hex, canonical
 * base64, algorithm byte 0x01 only, and the key hash must match the key.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { LedgerError } from './errors.js';

/** Signs note text as one named key. */
export interface Signer {
  readonly name: string;
  readonly keyHash: number;
  sign(message: Uint8Array): Uint8Array;
}

/** Verifies signatures of one named key. */
export interface Verifier {
  readonly name: string;
  readonly keyHash: number;
  verify(message: Uint8Array, signature: Uint8Array): boolean;
}

const ALG_ED25519 = 0x01;
const PRIVATE_PREFIX = 'PRIVATE+KEY+';
const PKCS8_ED25519 = Buffer.from('302e020100300506032b657004220420', 'hex');
const SPKI_ED25519 = Buffer.from('302a300506032b6570032100', 'hex');
const MAX_NAME_LENGTH = 1024;

/** A key name as C2SP signed-note allows it: non-empty, no whitespace, no '+', no controls. */
export function isValidKeyName(name: string): boolean {
  return (
    typeof name === 'string' &&
    name.length > 0 &&
    name.length <= MAX_NAME_LENGTH &&
    !/[\s\u0085+\u0000-\u001f\u007f]/u.test(name) &&
    !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(name)
  );
}

/** The key hash of an Ed25519 public key under a name. */
export function ed25519KeyHash(name: string, publicKey: Uint8Array): number {
  const h = createHash('sha256').update(name, 'utf8').update(Uint8Array.of(0x0a, ALG_ED25519)).update(publicKey).digest();
  return h.readUInt32BE(0);
}

/** Standard base64 with padding, refusing anything that does not re-encode to itself. */
export function decodeBase64Strict(text: string): Uint8Array | null {
  if (text.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(text)) return null;
  const bytes = Buffer.from(text, 'base64');
  return bytes.toString('base64') === text ? new Uint8Array(bytes) : null;
}

function hex8(x: number): string {
  return x.toString(16).padStart(8, '0');
}

function badKey(what: string): never {
  throw new LedgerError('BAD_KEY', what);
}

/** Splits `<name>+<hash>+<base64>` and checks everything but the key hash. */
function splitKey(text: string, kind: string): { name: string; hash: number; key: Uint8Array } {
  const first = text.indexOf('+');
  const second = first < 0 ? -1 : text.indexOf('+', first + 1);
  if (second < 0) badKey(`${kind} key must look like <name>+<8 hex digits>+<base64 key>`);
  const name = text.slice(0, first);
  const hash16 = text.slice(first + 1, second);
  const key64 = text.slice(second + 1);
  if (!isValidKeyName(name)) badKey(`${kind} key name ${JSON.stringify(name.slice(0, 80))} is empty or has spaces, '+' or control characters`);
  if (!/^[0-9a-f]{8}$/.test(hash16)) badKey(`${kind} key hash ${JSON.stringify(hash16.slice(0, 80))} is not 8 lowercase hex digits`);
  const key = decodeBase64Strict(key64);
  if (key === null) badKey(`${kind} key for ${name} is not canonical base64`);
  if (key.length === 0 || key[0] !== ALG_ED25519) badKey(`${kind} key for ${name} has an unknown algorithm (only 0x01, Ed25519, is supported)`);
  if (key.length !== 33) badKey(`${kind} key for ${name} must be 32 bytes after the algorithm byte, got ${key.length - 1}`);
  return { name, hash: parseInt(hash16, 16), key: key.subarray(1) };
}

function privateKeyFromSeed(seed: Uint8Array): KeyObject {
  return createPrivateKey({ key: Buffer.concat([PKCS8_ED25519, seed]), format: 'der', type: 'pkcs8' });
}

function rawPublicKey(key: KeyObject): Uint8Array {
  const spki = (key.type === 'private' ? createPublicKey(key) : key).export({ format: 'der', type: 'spki' });
  return new Uint8Array(spki.subarray(spki.length - 32));
}

function verifierFromRaw(name: string, publicKey: Uint8Array): Verifier {
  let key: KeyObject;
  try {
    key = createPublicKey({ key: Buffer.concat([SPKI_ED25519, publicKey]), format: 'der', type: 'spki' });
  } catch {
    badKey(`verifier key for ${name} is not an Ed25519 public key`);
  }
  const keyHash = ed25519KeyHash(name, publicKey);
  return {
    name,
    keyHash,
    verify(message: Uint8Array, signature: Uint8Array): boolean {
      if (signature.length !== 64) return false;
      try {
        return verify(null, message, key, signature);
      } catch {
        return false;
      }
    },
  };
}

/** A Verifier from a verifier key string. Throws BAD_KEY. */
export function newVerifier(vkey: string): Verifier {
  if (typeof vkey !== 'string') badKey('a verifier key is a string');
  if (vkey.startsWith(PRIVATE_PREFIX)) badKey('this is a signer (private) key; give the verifier key');
  const { name, hash, key } = splitKey(vkey, 'verifier');
  const v = verifierFromRaw(name, key);
  if (v.keyHash !== hash) badKey(`verifier key for ${name} has key hash ${hex8(hash)}, but the key's hash is ${hex8(v.keyHash)}`);
  return v;
}

/** A Signer from a signer key string. Throws BAD_KEY. */
export function newSigner(skey: string): Signer {
  if (typeof skey !== 'string' || !skey.startsWith(PRIVATE_PREFIX)) badKey('a signer key starts with PRIVATE+KEY+');
  const { name, hash, key: seed } = splitKey(skey.slice(PRIVATE_PREFIX.length), 'signer');
  const privateKey = privateKeyFromSeed(seed);
  const keyHash = ed25519KeyHash(name, rawPublicKey(privateKey));
  if (keyHash !== hash) badKey(`signer key for ${name} has key hash ${hex8(hash)}, but the key's hash is ${hex8(keyHash)}`);
  return {
    name,
    keyHash,
    sign(message: Uint8Array): Uint8Array {
      return new Uint8Array(sign(null, message, privateKey));
    },
  };
}

/** The verifier key string of a signer key string. */
export function verifierKeyOf(skey: string): string {
  const signer = newSigner(skey);
  const { key: seed } = splitKey(skey.slice(PRIVATE_PREFIX.length), 'signer');
  return encodeKey(signer.name, signer.keyHash, rawPublicKey(privateKeyFromSeed(seed)));
}

function encodeKey(name: string, keyHash: number, key: Uint8Array): string {
  return `${name}+${hex8(keyHash)}+${Buffer.concat([Uint8Array.of(ALG_ED25519), key]).toString('base64')}`;
}

/**
 * A fresh Ed25519 key pair named `name`: the signer key (keep secret) and the verifier key
 * (publish; give it to whoever checks checkpoints). Throws BAD_KEY for an invalid name.
 */
export function generateSignerKey(name: string): { skey: string; vkey: string } {
  if (!isValidKeyName(name)) badKey(`key name ${JSON.stringify(String(name).slice(0, 80))} is empty or has spaces, '+' or control characters`);
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const pkcs8 = privateKey.export({ format: 'der', type: 'pkcs8' });
  const seed = new Uint8Array(pkcs8.subarray(pkcs8.length - 32));
  const pub = rawPublicKey(publicKey);
  const keyHash = ed25519KeyHash(name, pub);
  return { skey: PRIVATE_PREFIX + encodeKey(name, keyHash, seed), vkey: encodeKey(name, keyHash, pub) };
}
