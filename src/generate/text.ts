/**
 * Text as kube-apiserver writes it: JSON strings escaped the way Go's encoding/json
 * escapes them (HTML-safe: `&`, `<`, `>` become \u0026, \u003c, \u003e, as real audit
 * logs show in every requestURI with a query), metav1.Time / metav1.MicroTime
 * timestamps, Go's time.Duration spelling, and the identifiers Kubernetes mints
 * (UUIDs, pod-template hashes, generated-name suffixes).
 */
import type { Rng } from './random.js';

const HTML_UNSAFE = /[<>&\u2028\u2029]/g;
/** Characters that make a string need more than quotes around it. */
const NEEDS_ESCAPE = /["\\\u0000-\u001f<>&\u2028\u2029\ud800-\udfff]/;
const GO_ESCAPES: Record<string, string> = {
  '<': '\\u003c',
  '>': '\\u003e',
  '&': '\\u0026',
  '\u2028': '\\u2028',
  '\u2029': '\\u2029',
};

/** A JSON string literal exactly as Go's json.Marshal writes it (with the quotes). */
export function goJSONString(s: string): string {
  if (!NEEDS_ESCAPE.test(s)) return `"${s}"`;
  const json = JSON.stringify(s);
  return HTML_UNSAFE.test(json) ? json.replace(HTML_UNSAFE, (c) => GO_ESCAPES[c]) : json;
}

/** Any JSON value in Go's spelling, for small precomputed fragments (not per event). */
export function goJSON(value: unknown): string {
  const json = JSON.stringify(value);
  return json.replace(HTML_UNSAFE, (c) => GO_ESCAPES[c]);
}

const secondCache = new Map<number, string>();

/** "2026-11-23T10:00:00." for a whole second (epoch seconds), cached. */
function secondPrefix(seconds: number): string {
  let prefix = secondCache.get(seconds);
  if (prefix === undefined) {
    prefix = new Date(seconds * 1000).toISOString().slice(0, 20);
    if (secondCache.size > 4096) secondCache.clear();
    secondCache.set(seconds, prefix);
  }
  return prefix;
}

/** metav1.MicroTime: RFC 3339 in UTC with exactly six fractional digits, e.g. 2026-11-23T10:00:00.123456Z. */
export function microTime(us: number): string {
  const seconds = Math.floor(us / 1e6);
  const frac = us - seconds * 1e6;
  return `${secondPrefix(seconds)}${String(frac).padStart(6, '0')}Z`;
}

/** metav1.Time: RFC 3339 in UTC to the second, e.g. 2026-11-23T10:00:00Z. */
export function secondTime(us: number): string {
  return `${secondPrefix(Math.floor(us / 1e6)).slice(0, 19)}Z`;
}

/** Go's time.Duration.String() for a whole number of nanoseconds ("7m46s", "1.5ms", "104.09µs"). */
export function goDuration(ns: number): string {
  ns = Math.round(ns);
  if (ns === 0) return '0s';
  const neg = ns < 0;
  if (neg) ns = -ns;
  let out: string;
  if (ns < 1e3) out = `${ns}ns`;
  else if (ns < 1e6) out = `${trimFraction(ns / 1e3, 3)}µs`;
  else if (ns < 1e9) out = `${trimFraction(ns / 1e6, 6)}ms`;
  else {
    const totalSeconds = ns / 1e9;
    const hours = Math.floor(totalSeconds / 3600);
    const minutes = Math.floor((totalSeconds - hours * 3600) / 60);
    const secondsNs = ns - (hours * 3600 + minutes * 60) * 1e9;
    const seconds = `${trimFraction(secondsNs / 1e9, 9)}s`;
    out = hours > 0 ? `${hours}h${minutes}m${seconds}` : minutes > 0 ? `${minutes}m${seconds}` : seconds;
  }
  return neg ? `-${out}` : out;
}

function trimFraction(value: number, digits: number): string {
  const s = value.toFixed(digits);
  return s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s;
}

const HEX: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

function hex32(x: number): string {
  return HEX[(x >>> 24) & 255] + HEX[(x >>> 16) & 255] + HEX[(x >>> 8) & 255] + HEX[x & 255];
}

/** A random (version 4, RFC 4122 variant) UUID, as kube-apiserver mints audit IDs and object UIDs. */
export function uuid4(rng: Rng): string {
  const a = rng.u32();
  const b = (rng.u32() & 0xffff0fff) | 0x00004000;
  const c = (rng.u32() & 0x3fffffff) | 0x80000000;
  const d = rng.u32();
  const bh = hex32(b);
  const ch = hex32(c);
  return `${hex32(a)}-${bh.slice(0, 4)}-${bh.slice(4)}-${ch.slice(0, 4)}-${ch.slice(4)}${hex32(d)}`;
}

/** A version 4 UUID from four 32-bit words (version and variant bits forced). */
export function uuidFromHash(a: number, b: number, c: number, d: number): string {
  const bh = hex32((b & 0xffff0fff) | 0x00004000);
  const ch = hex32((c & 0x3fffffff) | 0x80000000);
  return `${hex32(a)}-${bh.slice(0, 4)}-${bh.slice(4)}-${ch.slice(0, 4)}-${ch.slice(4)}${hex32(d)}`;
}

/** Lower-case hex digits (a git commit abbreviation, a certificate fingerprint). */
export function hexString(rng: Rng, length: number): string {
  let s = '';
  while (s.length < length) s += hex32(rng.u32());
  return s.slice(0, length);
}

/** The alphabet of generated names and pod-template hashes (no vowels, no 0/1/3: utilrand.String). */
const NAME_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/** A `generateName` suffix: 5 characters for pods of ReplicaSets and DaemonSets. */
export function nameSuffix(rng: Rng, length = 5): string {
  let s = '';
  for (let i = 0; i < length; i++) s += NAME_ALPHABET[rng.int(NAME_ALPHABET.length)];
  return s;
}

/** The same, from a 32-bit hash instead of a generator (no allocation of an Rng). */
export function nameSuffixFromHash(h: number, length = 5): string {
  let s = '';
  let x = h >>> 0;
  for (let i = 0; i < length; i++) {
    s += NAME_ALPHABET[x % 27];
    x = Math.floor(x / 27);
  }
  return s;
}

/** A base64 string of `bytes` random bytes (secret data). */
export function base64Random(rng: Rng, bytes: number): string {
  const buf = Buffer.alloc(bytes);
  for (let i = 0; i < bytes; i += 4) {
    const x = rng.u32();
    for (let j = 0; j < 4 && i + j < bytes; j++) buf[i + j] = (x >>> (8 * j)) & 255;
  }
  return buf.toString('base64');
}

/** URL query value escaping as Go's url.QueryEscape does it (space → +). */
export function queryEscape(s: string): string {
  return encodeURIComponent(s).replace(/%20/g, '+').replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}
