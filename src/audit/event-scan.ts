/**
 * The fields of an audit Event read straight from its bytes, without building the whole
 * value. A typical event is mostly request and response bodies that nothing but a reader
 * of bodies needs; JSON.parse spends most of its time there. This scanner checks the
 * whole text against JSON's grammar (so anything it accepts, JSON.parse accepts), decodes
 * only the fields that the index, the query engine and policy evaluation read, and skips
 * everything else, measuring the body members' byte lengths on the way.
 *
 * It answers only for a clean event: a JSON object of kind Event (or without kind) whose
 * known fields have the types kube-apiserver writes. For anything else (invalid JSON, an
 * EventList, an envelope, a field of an odd type, a key
 * spelled with escapes, nesting deeper than MAX_DEPTH) it returns null and the caller
 * takes the full JSON.parse path, which stays the reference: test/audit/event-scan.test.ts
 * checks that both agree wherever the scanner answers.
 */

/** The decoded fields of a clean audit Event. Absent fields are null. */
export interface ScannedEvent {
  kind: string | null;
  apiVersion: string | null;
  level: string | null;
  auditID: string | null;
  stage: string | null;
  requestURI: string | null;
  verb: string | null;
  /** True when the event has a `user` object (even an empty one). */
  hasUser: boolean;
  username: string | null;
  groups: string[] | null;
  impersonatedUser: string | null;
  impersonatedGroups: string[] | null;
  sourceIPs: string[] | null;
  userAgent: string | null;
  /** True when the event has an `objectRef` object. */
  hasObjectRef: boolean;
  resource: string | null;
  namespace: string | null;
  name: string | null;
  apiGroup: string | null;
  apiVersionRef: string | null;
  subresource: string | null;
  responseCode: number | null;
  requestReceivedTimestamp: string | null;
  stageTimestamp: string | null;
  /** v1beta1's time (older logs, and v1-relabelled copies of them). */
  timestamp: string | null;
  authorizationDecision: string | null;
  authorizationReason: string | null;
  /**
   * responseObject.metadata.name when it is a string: the name the API server gave an
   * object created with generateName (objectRef then has none).
   */
  responseName: string | null;
  /** Bytes the `requestObject` member takes (its key, value and one separating comma); 0 when absent. */
  requestObjectBytes: number;
  /** Likewise for `responseObject`. */
  responseObjectBytes: number;
}

/** Nesting deeper than this goes to the full parser. */
export const MAX_DEPTH = 512;

// The scanner's cursor: module state, so the hot loops touch locals and one array.
let b: Uint8Array = new Uint8Array(0);
let p = 0;
let end = 0;
let buf: Buffer = Buffer.alloc(0);

/** Thrown inside the scanner to give up; never escapes scanEvent. */
class GiveUp {}
const GIVE_UP = new GiveUp();

function fail(): never {
  throw GIVE_UP;
}

function ws(): void {
  while (p < end) {
    const c = b[p];
    if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) p++;
    else return;
  }
}

function expect(c: number): void {
  if (p >= end || b[p] !== c) fail();
  p++;
}

const HEX = new Uint8Array(256);
for (const c of '0123456789abcdefABCDEF') HEX[c.charCodeAt(0)] = 1;

/** Bytes a string runs over without a second look: not '"', not '\\', not a control character. */
const PLAIN = new Uint8Array(256);
for (let c = 0x20; c < 256; c++) PLAIN[c] = c === 0x22 || c === 0x5c ? 0 : 1;

/**
 * Past the string whose opening quote is at bb[i]; -1 when it is not a valid JSON string.
 * Most strings hold no escape: their run of plain bytes ends at the closing quote, and
 * this small function (inlined where it is called) is all they cost.
 */
function stringEnd(bb: Uint8Array, i: number, e: number): number {
  i++;
  // (Unbounded, like stringRest's loop: the end is checked after it.)
  while (PLAIN[bb[i]] === 1) i++;
  return i < e && bb[i] === 0x22 ? i + 1 : stringRest(bb, i, e);
}

/**
 * Past the end of a string whose content goes on at bb[i]; -1 when it is not valid.
 * Locals only: this loop is where the time goes.
 */
function stringRest(bb: Uint8Array, i: number, e: number): number {
  for (;;) {
    // No bound in the loop (14% faster over whole events): it stops at the first byte that
    // is not PLAIN, at the latest past the buffer's end (undefined), and `e` is checked
    // after it. A line's own end is a line feed, which stops it anyway.
    while (PLAIN[bb[i]] === 1) i++;
    if (i >= e) return -1;
    const c = bb[i];
    if (c === 0x22) return i + 1;
    if (c !== 0x5c) return -1; // a raw control character
    sawEscape = true;
    const x = bb[i + 1];
    if (x === 0x75) {
      if (i + 5 >= e || !HEX[bb[i + 2]] || !HEX[bb[i + 3]] || !HEX[bb[i + 4]] || !HEX[bb[i + 5]]) return -1;
      i += 6;
    } else if (x === 0x22 || x === 0x5c || x === 0x2f || x === 0x62 || x === 0x66 || x === 0x6e || x === 0x72 || x === 0x74) i += 2;
    else return -1;
  }
}

/** Set by stringRest when a string holds an escape (so that keys and values need not be read twice to know). */
let sawEscape = false;

/** Past a string starting at b[p] === '"'; returns true when it holds an escape. */
function skipString(): boolean {
  sawEscape = false;
  const q = stringEnd(b, p, end);
  if (q < 0) fail();
  p = q;
  return sawEscape;
}

function digitsEnd(bb: Uint8Array, i: number, e: number): number {
  const s = i;
  while (i < e && bb[i] >= 0x30 && bb[i] <= 0x39) i++;
  return i === s ? -1 : i;
}

/** Past the number at bb[i]; -1 when it is not a valid JSON number. */
function numberEnd(bb: Uint8Array, i: number, e: number): number {
  if (bb[i] === 0x2d) i++;
  if (i >= e) return -1;
  if (bb[i] === 0x30) i++;
  else if (bb[i] >= 0x31 && bb[i] <= 0x39) i = digitsEnd(bb, i, e);
  else return -1;
  if (i < e && bb[i] === 0x2e) {
    i = digitsEnd(bb, i + 1, e);
    if (i < 0) return -1;
  }
  if (i < e && (bb[i] === 0x65 || bb[i] === 0x45)) {
    i++;
    if (i < e && (bb[i] === 0x2b || bb[i] === 0x2d)) i++;
    i = digitsEnd(bb, i, e);
  }
  return i;
}

function skipNumber(): void {
  const q = numberEnd(b, p, end);
  if (q < 0) fail();
  p = q;
}

/** JSON's white space. */
const WS = new Uint8Array(256);
WS[0x20] = WS[0x0a] = WS[0x0d] = WS[0x09] = 1;

function wsEnd(bb: Uint8Array, i: number, e: number): number {
  while (i < e) {
    const c = bb[i];
    if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) i++;
    else break;
  }
  return i;
}

/**
 * Past an object's key at bb[i] (its opening quote), the colon and any white space: where
 * the member's value starts; -1 when that is not what follows.
 */
function keyEnd(bb: Uint8Array, i: number, e: number): number {
  if (i >= e || bb[i] !== 0x22) return -1;
  i = stringEnd(bb, i, e);
  if (i < 0) return -1;
  if (WS[bb[i]] === 1) i = wsEnd(bb, i, e);
  if (i >= e || bb[i] !== 0x3a) return -1;
  i++;
  return WS[bb[i]] === 1 ? wsEnd(bb, i, e) : i;
}

const OBJECT = 1;
const ARRAY = 2;
const STACK = new Uint8Array(MAX_DEPTH + 1);

/**
 * Past any JSON value at bb[i], checking its grammar without building anything: an
 * iterative walk with an explicit stack (bodies nest deeply; recursion would cost calls).
 * -1 when invalid or nested deeper than MAX_DEPTH below `depth`.
 */
export function valueEnd(bb: Uint8Array, i: number, e: number, depth: number): number {
  // White space is looked at only where there is some (a kube-apiserver log has none) and
  // the literals are compared byte by byte: with the plain-string fast path of stringEnd,
  // a body is checked about 20% faster than token by token through general helpers
  // (measured on one core, which these loops fill).
  let sp = 0;
  const room = MAX_DEPTH - depth;
  for (;;) {
    // A value is expected at i.
    if (i >= e) return -1;
    let c = bb[i];
    if (c === 0x22) {
      i = stringEnd(bb, i, e);
      if (i < 0) return -1;
    } else if (c === 0x7b || c === 0x5b) {
      if (sp >= room) return -1;
      i++;
      if (WS[bb[i]] === 1) i = wsEnd(bb, i, e);
      if (c === 0x7b) {
        if (i < e && bb[i] === 0x7d) i++;
        else {
          STACK[sp++] = OBJECT;
          i = keyEnd(bb, i, e);
          if (i < 0) return -1;
          continue;
        }
      } else if (i < e && bb[i] === 0x5d) i++;
      else {
        STACK[sp++] = ARRAY;
        continue;
      }
    } else if (c === 0x74) {
      if (i + 4 > e || bb[i + 1] !== 0x72 || bb[i + 2] !== 0x75 || bb[i + 3] !== 0x65) return -1; // true
      i += 4;
    } else if (c === 0x66) {
      if (i + 5 > e || bb[i + 1] !== 0x61 || bb[i + 2] !== 0x6c || bb[i + 3] !== 0x73 || bb[i + 4] !== 0x65) return -1; // false
      i += 5;
    } else if (c === 0x6e) {
      if (i + 4 > e || bb[i + 1] !== 0x75 || bb[i + 2] !== 0x6c || bb[i + 3] !== 0x6c) return -1; // null
      i += 4;
    } else {
      i = numberEnd(bb, i, e);
      if (i < 0) return -1;
    }
    // After a value: close containers until one goes on with a comma.
    for (;;) {
      if (sp === 0) return i;
      if (WS[bb[i]] === 1) i = wsEnd(bb, i, e);
      if (i >= e) return -1;
      c = bb[i];
      const top = STACK[sp - 1];
      if (c === 0x2c) {
        i++;
        if (WS[bb[i]] === 1) i = wsEnd(bb, i, e);
        if (top === OBJECT) {
          i = keyEnd(bb, i, e);
          if (i < 0) return -1;
        }
        break;
      }
      if ((c === 0x7d && top === OBJECT) || (c === 0x5d && top === ARRAY)) {
        sp--;
        i++;
        continue;
      }
      return -1;
    }
  }
}

/** Past any JSON value at b[p] (after white space), checking its grammar. */
function skipValue(depth: number): void {
  const q = valueEnd(b, p, end, depth);
  if (q < 0) fail();
  p = q;
}

/**
 * A string value at b[p], decoded; gives up on any other type. `field` (one of the
 * REPEAT_ fields, or NOT_REPEATED) says which table of repeated values to look in.
 */
function readString(field = NOT_REPEATED): string {
  if (p >= end || b[p] !== 0x22) fail();
  const s = p;
  const escaped = skipString();
  if (escaped) return unescape(s + 1, p - 1);
  return field === NOT_REPEATED ? utf8(buf, s + 1, p - 1) : repeated(field, s + 1, p - 1);
}

// --- Repeated values ---
// Most fields take a handful of values over and over (kind, level, stage, verb, the users
// and groups of controllers, resources, namespaces): decoding each one afresh took about
// an eighth of a simulation's time, and handing back the same string object also spares
// the Maps that count by it from hashing it again. Each such field has a small table,
// indexed by a string's length and a few of its bytes, holding the last string of each
// shape with its bytes; a hit costs a byte compare. Strings are decoded as before on a miss.
const NOT_REPEATED = -1;
const REPEAT_KIND = 0;
const REPEAT_API_VERSION = 1;
const REPEAT_LEVEL = 2;
const REPEAT_STAGE = 3;
const REPEAT_VERB = 4;
const REPEAT_USERNAME = 5;
const REPEAT_GROUP = 6;
const REPEAT_RESOURCE = 7;
const REPEAT_NAMESPACE = 8;
const REPEAT_API_GROUP = 9;
const REPEAT_REF_VERSION = 10;
const REPEAT_SUBRESOURCE = 11;
const REPEAT_DECISION = 12;
const REPEAT_SOURCE_IP = 13;
const REPEAT_USER_AGENT = 14;
const REPEAT_FIELDS = 15;
/** Entries per field (a power of two). */
const REPEAT_WAYS = 32;
/** Longer strings are decoded every time. */
const REPEAT_MAX = 128;
const repeatBytes = new Uint8Array(REPEAT_FIELDS * REPEAT_WAYS * REPEAT_MAX);
const repeatLength = new Int32Array(REPEAT_FIELDS * REPEAT_WAYS).fill(-1);
const repeatText: string[] = new Array<string>(REPEAT_FIELDS * REPEAT_WAYS).fill('');

/** The checked, escape-free string content b[s, e) of a field whose values repeat. */
function repeated(field: number, s: number, e: number): string {
  const n = e - s;
  if (n === 0) return '';
  if (n > REPEAT_MAX) return utf8(buf, s, e);
  const entry = field * REPEAT_WAYS + ((n * 5 + b[s] + b[e - 1] * 3 + b[s + (n >> 1)] * 7) & (REPEAT_WAYS - 1));
  const at = entry * REPEAT_MAX;
  if (repeatLength[entry] === n) {
    let i = 0;
    while (i < n && repeatBytes[at + i] === b[s + i]) i++;
    if (i === n) return repeatText[entry];
  }
  const text = utf8(buf, s, e);
  for (let i = 0; i < n; i++) repeatBytes[at + i] = b[s + i];
  repeatLength[entry] = n;
  repeatText[entry] = text;
  return text;
}

/** What each one-letter escape stands for (the string was checked: no other follows a backslash). */
const ESCAPED: string[] = [];
ESCAPED[0x22] = '"';
ESCAPED[0x5c] = '\\';
ESCAPED[0x2f] = '/';
ESCAPED[0x62] = '\b';
ESCAPED[0x66] = '\f';
ESCAPED[0x6e] = '\n';
ESCAPED[0x72] = '\r';
ESCAPED[0x74] = '\t';

function hexDigit(c: number): number {
  return c <= 0x39 ? c - 0x30 : (c | 0x20) - 0x57;
}

/**
 * The checked string content b[s, e) with its escapes decoded as JSON.parse decodes them:
 * each \uXXXX one UTF-16 code unit (a surrogate pair from two of them, a lone surrogate
 * kept as it is), the runs between escapes as UTF-8. kube-apiserver's encoder writes &, <
 * and > as \u0026, \u003c and \u003e, so most request URIs with a query have escapes.
 */
function unescape(s: number, e: number): string {
  let out = '';
  let run = s;
  for (let i = s; i < e; i++) {
    if (b[i] !== 0x5c) continue;
    if (i > run) out += utf8(buf, run, i);
    const x = b[i + 1];
    if (x === 0x75) {
      out += String.fromCharCode((hexDigit(b[i + 2]) << 12) | (hexDigit(b[i + 3]) << 8) | (hexDigit(b[i + 4]) << 4) | hexDigit(b[i + 5]));
      i += 5;
    } else {
      out += ESCAPED[x];
      i += 1;
    }
    run = i + 1;
  }
  if (e > run) out += utf8(buf, run, e);
  return out;
}

// Buffer's own decoder without toString's argument handling (a measurable share of the
// time on short strings); toString where a runtime does not expose it.
const nativeUtf8Slice = (Buffer.prototype as unknown as { utf8Slice?: (s: number, e: number) => string }).utf8Slice;
const utf8: (b: Buffer, s: number, e: number) => string =
  typeof nativeUtf8Slice === 'function' ? (bb, s, e) => nativeUtf8Slice.call(bb, s, e) : (bb, s, e) => bb.toString('utf8', s, e);

/** An array of strings at b[p]; gives up on anything else. */
function readStrings(field = NOT_REPEATED): string[] {
  expect(0x5b);
  const out: string[] = [];
  ws();
  if (p < end && b[p] === 0x5d) {
    p++;
    return out;
  }
  for (;;) {
    out.push(readString(field));
    ws();
    if (p < end && b[p] === 0x2c) {
      p++;
      ws();
      continue;
    }
    expect(0x5d);
    return out;
  }
}

const TOP = 0;
const RESPONSE = 6;
const RESPONSE_METADATA = 7;
const USER = 1;
const IMPERSONATED = 2;
const REF = 3;
const STATUS = 4;
const ANNOTATIONS = 5;

/**
 * The members of an object at b[p], each handed to the reader for `which` with p at its
 * value (which it must leave past the value). Keys are compared as bytes; a key holding an
 * escape gives up (it could spell a known key). Returns how many members there were.
 */
function readObject(which: number, e: ScannedEvent): number {
  expect(0x7b);
  ws();
  if (p < end && b[p] === 0x7d) {
    p++;
    return 0;
  }
  let seen = 0;
  let members = 0;
  for (;;) {
    if (p >= end || b[p] !== 0x22) fail();
    const ks = p + 1;
    if (skipString()) fail();
    const ke = p - 1;
    ws();
    expect(0x3a);
    ws();
    members++;
    seen = which === TOP ? topMember(e, ks, ke, seen) : which >= RESPONSE ? responseMember(which, e, ks, ke, seen) : innerMember(which, e, ks, ke, seen);
    ws();
    if (p >= end) fail();
    if (b[p] === 0x2c) {
      p++;
      ws();
      continue;
    }
    expect(0x7d);
    return members;
  }
}

function keyIs(ks: number, ke: number, key: Uint8Array): boolean {
  if (ke - ks !== key.length) return false;
  for (let i = 0; i < key.length; i++) if (b[ks + i] !== key[i]) return false;
  return true;
}

const K = (s: string) => Buffer.from(s, 'latin1');
const TOP_KEYS = keySet([
  'kind', 'apiVersion', 'level', 'auditID', 'stage', 'requestURI', 'verb', 'user', 'impersonatedUser', 'sourceIPs',
  'userAgent', 'objectRef', 'responseStatus', 'requestObject', 'responseObject', 'requestReceivedTimestamp',
  'stageTimestamp', 'annotations', 'timestamp',
  // Keys that make the value something other than a clean v1 Event: the full parser decides.
  'items', 'records', 'protoPayload', 'logName', 'category', 'properties',
].map(K));
const GIVE_UP_FROM = 19;
const USER_KEYS = keySet(['username', 'groups'].map(K));
const REF_KEYS = keySet(['resource', 'namespace', 'name', 'apiGroup', 'apiVersion', 'subresource'].map(K));
const CODE = K('code');
const DECISION = K('authorization.k8s.io/decision');
const REASON = K('authorization.k8s.io/reason');

/**
 * A set of keys looked up by length and first byte: an event has a dozen or more members
 * and each key was compared with every known key of that length and first byte in turn
 * (a linear search through two dozen). Keys sharing a length and first byte are chained.
 */
interface KeySet {
  keys: readonly Uint8Array[];
  /** (length & 63) * 256 + first byte → 1 + the first key of that shape, or 0. */
  head: Int16Array;
  /** 1 + the next key of the same shape, or 0. */
  next: Int16Array;
}

function keySet(keys: readonly Uint8Array[]): KeySet {
  const head = new Int16Array(64 * 256);
  const next = new Int16Array(keys.length);
  for (let i = keys.length - 1; i >= 0; i--) {
    const slot = (keys[i].length & 63) * 256 + keys[i][0];
    next[i] = head[slot];
    head[slot] = i + 1;
  }
  return { keys, head, next };
}

/** Which key of `set` the key at [ks, ke) is, or -1. */
function whichKey(ks: number, ke: number, set: KeySet): number {
  const len = ke - ks;
  if (len === 0) return -1;
  for (let k = set.head[(len & 63) * 256 + b[ks]] - 1; k >= 0; k = set.next[k] - 1) {
    const key = set.keys[k];
    if (key.length === len && keyIs(ks, ke, key)) return k;
  }
  return -1;
}

function blank(): ScannedEvent {
  return {
    kind: null, apiVersion: null, level: null, auditID: null, stage: null, requestURI: null, verb: null,
    hasUser: false, username: null, groups: null, impersonatedUser: null, impersonatedGroups: null, sourceIPs: null,
    userAgent: null, hasObjectRef: false, resource: null, namespace: null, name: null, apiGroup: null,
    apiVersionRef: null, subresource: null, responseCode: null, requestReceivedTimestamp: null, stageTimestamp: null, timestamp: null,
    authorizationDecision: null, authorizationReason: null, responseName: null, requestObjectBytes: 0, responseObjectBytes: 0,
  };
}

/** One top-level member; `seen` has a bit per known key met so far (a duplicate gives up). */
function topMember(e: ScannedEvent, ks: number, ke: number, seen: number): number {
  const k = whichKey(ks, ke, TOP_KEYS);
  if (k < 0 || !(wanted & (1 << k))) {
    skipValue(1);
    return seen;
  }
  if (k >= GIVE_UP_FROM) fail();
  const bit = 1 << k;
  if (seen & bit) fail();
  switch (k) {
    case 0: e.kind = readString(REPEAT_KIND); break;
    case 1: e.apiVersion = readString(REPEAT_API_VERSION); break;
    case 2: e.level = readString(REPEAT_LEVEL); break;
    case 3: e.auditID = readString(); break;
    case 4: e.stage = readString(REPEAT_STAGE); break;
    case 5: e.requestURI = readString(); break;
    case 6: e.verb = readString(REPEAT_VERB); break;
    case 7:
      e.hasUser = true;
      readObject(USER, e);
      break;
    case 8: readObject(IMPERSONATED, e); break;
    case 9: e.sourceIPs = readStrings(REPEAT_SOURCE_IP); break;
    case 10: e.userAgent = readString(REPEAT_USER_AGENT); break;
    case 11:
      e.hasObjectRef = true;
      readObject(REF, e);
      break;
    case 12: readObject(STATUS, e); break;
    case 13:
      // The member's bytes from its key's opening quote to the end of its value, and one comma.
      if (!jumpTo(hintRequestEnd)) skipValue(1);
      foundRequestEnd = p;
      e.requestObjectBytes = p - (ks - 1) + 1;
      break;
    case 14: {
      const nameWanted = (wanted & RESPONSE_NAME_BIT) !== 0;
      if (hintResponseEnd > p && hintResponseEnd <= end) {
        // An earlier scan walked this body, found its name (if any) and checked the rest.
        if (nameWanted && hintNameStart >= 0) {
          p = hintNameStart;
          e.responseName = readString();
          if (p !== hintNameEnd) fail();
        }
        p = hintResponseEnd;
      } else if (nameWanted && p < end && b[p] === 0x7b) readObject(RESPONSE, e);
      else skipValue(1);
      if (nameWanted) foundResponseEnd = p;
      e.responseObjectBytes = p - (ks - 1) + 1;
      break;
    }
    case 15: e.requestReceivedTimestamp = readString(); break;
    case 16: e.stageTimestamp = readString(); break;
    case 17: readObject(ANNOTATIONS, e); break;
    case 18: e.timestamp = readString(); break;
  }
  return seen | bit;
}

const METADATA = K('metadata');
const NAME = K('name');

/**
 * A member of the response body, or of its metadata: the name the server gave the object
 * (a create with generateName has it nowhere else). A value of another type is no name;
 * a repeated key gives up (JSON.parse would keep the last).
 */
function responseMember(which: number, e: ScannedEvent, ks: number, ke: number, seen: number): number {
  const isKey = keyIs(ks, ke, which === RESPONSE ? METADATA : NAME);
  if (!isKey) {
    skipValue(3);
    return seen;
  }
  if (seen) fail();
  if (which === RESPONSE) {
    if (p < end && b[p] === 0x7b) readObject(RESPONSE_METADATA, e);
    else skipValue(3);
  } else if (p < end && b[p] === 0x22) {
    foundNameStart = p;
    e.responseName = readString();
    foundNameEnd = p;
  } else skipValue(3);
  return 1;
}

/** A member of user, impersonatedUser, objectRef, responseStatus or annotations. */
function innerMember(which: number, e: ScannedEvent, ks: number, ke: number, seen: number): number {
  let k: number;
  if (which === USER || which === IMPERSONATED) k = whichKey(ks, ke, USER_KEYS);
  else if (which === REF) k = whichKey(ks, ke, REF_KEYS);
  else if (which === STATUS) k = keyIs(ks, ke, CODE) ? 0 : -1;
  else k = keyIs(ks, ke, DECISION) ? 0 : keyIs(ks, ke, REASON) ? 1 : -1;
  if (k < 0) {
    skipValue(2);
    return seen;
  }
  const bit = 1 << k;
  if (seen & bit) fail();
  if (which === USER || which === IMPERSONATED) {
    const v = k === 0 ? readString(REPEAT_USERNAME) : readStrings(REPEAT_GROUP);
    if (which === USER) {
      if (k === 0) e.username = v as string;
      else e.groups = v as string[];
    } else if (k === 0) e.impersonatedUser = v as string;
    else e.impersonatedGroups = v as string[];
  } else if (which === REF) {
    if (k === 0) e.resource = readString(REPEAT_RESOURCE);
    else if (k === 1) e.namespace = readString(REPEAT_NAMESPACE);
    else if (k === 2) e.name = readString();
    else if (k === 3) e.apiGroup = readString(REPEAT_API_GROUP);
    else if (k === 4) e.apiVersionRef = readString(REPEAT_REF_VERSION);
    else e.subresource = readString(REPEAT_SUBRESOURCE);
  } else if (which === STATUS) {
    const s = p;
    if (p >= end || !(b[p] === 0x2d || (b[p] >= 0x30 && b[p] <= 0x39))) fail();
    skipNumber();
    const n = Number(buf.toString('latin1', s, p));
    e.responseCode = Number.isSafeInteger(n) ? n : null;
  } else if (k === 0) e.authorizationDecision = readString(REPEAT_DECISION);
  else e.authorizationReason = readString();
  return seen | bit;
}

/** The top-level fields scanEvent decodes (the others are checked and skipped). */
export type ScanField = 'kind' | 'apiVersion' | 'level' | 'auditID' | 'stage' | 'requestURI' | 'verb' | 'user' | 'impersonatedUser' | 'sourceIPs' | 'userAgent' | 'objectRef' | 'responseStatus' | 'requestObject' | 'responseObject' | 'requestReceivedTimestamp' | 'stageTimestamp' | 'annotations' | 'timestamp';
const FIELD_ORDER: readonly ScanField[] = ['kind', 'apiVersion', 'level', 'auditID', 'stage', 'requestURI', 'verb', 'user', 'impersonatedUser', 'sourceIPs', 'userAgent', 'objectRef', 'responseStatus', 'requestObject', 'responseObject', 'requestReceivedTimestamp', 'stageTimestamp', 'annotations', 'timestamp'];

/**
 * A set of fields to decode. What makes a value an event (kind, verb, requestURI, auditID,
 * user) is always read, and so are the keys that hand it to the full parser.
 */
export function scanFields(...fields: Array<ScanField | 'responseName'>): number {
  let mask = (~0 << GIVE_UP_FROM) & ~RESPONSE_NAME_BIT;
  for (const f of ['kind', 'verb', 'requestURI', 'auditID', 'user', ...fields] as Array<ScanField | 'responseName'>) mask |= f === 'responseName' ? RESPONSE_NAME_BIT | (1 << FIELD_ORDER.indexOf('responseObject')) : 1 << FIELD_ORDER.indexOf(f);
  return mask;
}

/** Not a key: asks for responseObject.metadata.name. */
const RESPONSE_NAME_BIT = 1 << 29;

/** Every field. */
export const ALL_FIELDS = ~0;

let wanted = ALL_FIELDS;

/**
 * Where a scan of an event found its bodies end, for a later scan of the same bytes (the
 * index thread's, after the committing thread's): an event is mostly its request and
 * response bodies, and a scan that is told where they end jumps over them instead of
 * walking them again. Offsets are relative to the event's first byte.
 */
export interface ScanHints {
  /** Where the requestObject member's value ends; -1 when there is none. */
  requestObjectEnd: number;
  /** Where the responseObject member's value ends; -1 when there is none, or its name was not looked for. */
  responseObjectEnd: number;
  /** [start, end) of responseObject.metadata.name's string (quotes included); -1 when it has none. */
  responseNameStart: number;
  responseNameEnd: number;
}

// The last scan's findings (absolute offsets), and the hints given to the current scan.
let foundRequestEnd = -1;
let foundResponseEnd = -1;
let foundNameStart = -1;
let foundNameEnd = -1;
let hintRequestEnd = -1;
let hintResponseEnd = -1;
let hintNameStart = -1;
let hintNameEnd = -1;

/**
 * The hints the last successful scanEvent found, relative to its start; undefined when the
 * event has no body to jump over. Only a scan that asked for responseName (scanFields)
 * knows the response's name, so only such a scan hints at the response body.
 */
export function lastScanHints(start: number): ScanHints | undefined {
  if (foundRequestEnd < 0 && foundResponseEnd < 0) return undefined;
  const rel = (x: number) => (x < 0 ? -1 : x - start);
  return { requestObjectEnd: rel(foundRequestEnd), responseObjectEnd: rel(foundResponseEnd), responseNameStart: rel(foundNameStart), responseNameEnd: rel(foundNameEnd) };
}

/** Moves past a body whose end a hint gives; a hint that cannot be right is ignored (the walk decides). */
function jumpTo(target: number): boolean {
  if (target <= p || target > end) return false;
  p = target;
  return true;
}

/**
 * The fields of the clean audit Event in `bytes[start, stop)`, or null when the bytes are
 * not one (see the module comment): the caller then takes the full parser's path. Only
 * the `fields` (see scanFields) are decoded; the others stay null.
 */
export function scanEvent(bytes: Buffer, start = 0, stop = bytes.length, fields = ALL_FIELDS, hints?: ScanHints): ScannedEvent | null {
  return scanObject(bytes, start, stop, fields, hints, true);
}

/** Where the object scanObject last read ended (for an event inside a larger text). */
let objectEnd = -1;

/**
 * The event whose object starts at bytes[start] (after white space): scanEvent's work, but
 * when `whole` is false the object may end before `stop` (objectEnd says where), as an
 * item of an EventList does.
 */
function scanObject(bytes: Buffer, start: number, stop: number, fields: number, hints: ScanHints | undefined, whole: boolean): ScannedEvent | null {
  b = bytes;
  buf = bytes;
  p = start;
  end = stop;
  wanted = fields;
  foundRequestEnd = foundResponseEnd = foundNameStart = foundNameEnd = -1;
  if (hints === undefined) hintRequestEnd = hintResponseEnd = hintNameStart = hintNameEnd = -1;
  else {
    const abs = (x: number) => (x < 0 ? -1 : start + x);
    hintRequestEnd = abs(hints.requestObjectEnd);
    hintResponseEnd = abs(hints.responseObjectEnd);
    hintNameStart = abs(hints.responseNameStart);
    hintNameEnd = abs(hints.responseNameEnd);
  }
  const e = blank();
  let members = 0;
  try {
    ws();
    members = readObject(TOP, e);
    if (whole) {
      ws();
      if (p !== end) return null;
    }
    objectEnd = p;
  } catch (err) {
    if (err === GIVE_UP) return null;
    if (err instanceof RangeError) return null; // a stack too deep for this machine: the full parser decides
    throw err;
  } finally {
    b = buf = EMPTY;
  }
  if (e.kind !== null && e.kind !== 'Event') return null;
  if (e.verb === null && e.requestURI === null && e.auditID === null && !e.hasUser) return null;
  // A body member's comma: when the body is the only member there is none to take.
  if (members === 1) e.requestObjectBytes = e.responseObjectBytes = 0;
  return e;
}
const EMPTY = Buffer.alloc(0);

/**
 * The same fields from an already parsed event: the reference the scanner is tested
 * against, and the path for events the scanner leaves to the full parser. Fields of odd
 * types read as absent. Body sizes are not known from a parsed value and read as 0.
 */
export function fieldsOfParsed(value: Record<string, unknown>): ScannedEvent {
  const e = blank();
  const str = (v: unknown) => (typeof v === 'string' ? v : null);
  const obj = (v: unknown) => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null);
  const strs = (v: unknown) => (Array.isArray(v) && v.every((x) => typeof x === 'string') ? (v as string[]) : null);
  e.kind = str(value.kind);
  e.apiVersion = str(value.apiVersion);
  e.level = str(value.level);
  e.auditID = str(value.auditID);
  e.stage = str(value.stage);
  e.requestURI = str(value.requestURI);
  e.verb = str(value.verb);
  const user = obj(value.user);
  e.hasUser = user !== null;
  e.username = str(user?.username);
  e.groups = strs(user?.groups);
  const imp = obj(value.impersonatedUser);
  e.impersonatedUser = str(imp?.username);
  e.impersonatedGroups = strs(imp?.groups);
  e.sourceIPs = strs(value.sourceIPs);
  e.userAgent = str(value.userAgent);
  const ref = obj(value.objectRef);
  e.hasObjectRef = ref !== null;
  e.resource = str(ref?.resource);
  e.namespace = str(ref?.namespace);
  e.name = str(ref?.name);
  e.apiGroup = str(ref?.apiGroup);
  e.apiVersionRef = str(ref?.apiVersion);
  e.subresource = str(ref?.subresource);
  const code = obj(value.responseStatus)?.code;
  e.responseCode = typeof code === 'number' && Number.isSafeInteger(code) ? code : null;
  e.requestReceivedTimestamp = str(value.requestReceivedTimestamp);
  e.stageTimestamp = str(value.stageTimestamp);
  e.timestamp = str(value.timestamp);
  const ann = obj(value.annotations);
  e.authorizationDecision = str(ann?.['authorization.k8s.io/decision']);
  e.authorizationReason = str(ann?.['authorization.k8s.io/reason']);
  e.responseName = str(obj(obj(value.responseObject)?.metadata)?.name);
  return e;
}

/** The parts of an EventList body that matter, read like events are (see scanEventList). */
export interface ScannedEventList {
  kind: string | null;
  apiVersion: string | null;
  /** [start, end) of each item; null when `items` is absent or null. */
  items: Array<[number, number]> | null;
  /** With eventFields: each item read as an event, and the hints its scan left (relative to the item). */
  events?: Array<{ scanned: ScannedEvent; hints: ScanHints | undefined }>;
}

/**
 * An EventList body (a webhook POST) checked against JSON's grammar in one pass: its kind,
 * apiVersion and the span of each item, without parsing the items. Null on any doubt
 * (invalid JSON, a duplicated or escaped key, items of another type): the caller then
 * takes JSON.parse's path.
 */
export function scanEventList(body: Buffer, eventFields?: number): ScannedEventList | null {
  const e = body.length;
  const text = (s: number, q: number): string => {
    for (let i = s + 1; i < q - 1; i++) if (body[i] === 0x5c) return JSON.parse(body.toString('utf8', s, q)) as string;
    return utf8(body, s + 1, q - 1);
  };
  const out: ScannedEventList = { kind: null, apiVersion: null, items: null };
  const seen = new Set<string>();
  let i = wsEnd(body, 0, e);
  if (body[i] !== 0x7b) return null;
  i = wsEnd(body, i + 1, e);
  if (body[i] === 0x7d) i++;
  else {
    for (;;) {
      if (body[i] !== 0x22) return null;
      const q = stringEnd(body, i, e);
      if (q < 0) return null;
      // A key spelled with an escape could spell a known one: the full parser decides.
      if (body.subarray(i, q).includes(0x5c)) return null;
      const key = utf8(body, i + 1, q - 1);
      if (seen.has(key)) return null;
      seen.add(key);
      i = wsEnd(body, q, e);
      if (body[i] !== 0x3a) return null;
      i = wsEnd(body, i + 1, e);
      if (key === 'kind' || key === 'apiVersion') {
        if (body[i] !== 0x22) return null;
        const vq = stringEnd(body, i, e);
        if (vq < 0) return null;
        out[key] = text(i, vq);
        i = vq;
      } else if (key === 'items') {
        if (body[i] === 0x6e) {
          const v = valueEnd(body, i, e, 1);
          if (v < 0) return null;
          i = v;
        } else {
          if (body[i] !== 0x5b) return null;
          const items: Array<[number, number]> = [];
          i = wsEnd(body, i + 1, e);
          if (body[i] === 0x5d) i++;
          else {
            for (;;) {
              // With eventFields each item is read as an event as it is checked (one pass,
              // not a check of the list and then a scan of each item); any item that is not
              // a clean event leaves the whole body to the full parser.
              let v: number;
              if (eventFields !== undefined) {
                const scanned = body[i] === 0x7b ? scanObject(body, i, e, eventFields, undefined, false) : null;
                if (scanned === null) return null;
                v = objectEnd;
                (out.events ??= []).push({ scanned, hints: lastScanHints(i) });
              } else {
                v = valueEnd(body, i, e, 2);
                if (v < 0) return null;
              }
              items.push([i, v]);
              i = wsEnd(body, v, e);
              if (body[i] === 0x2c) {
                i = wsEnd(body, i + 1, e);
                continue;
              }
              if (body[i] !== 0x5d) return null;
              i++;
              break;
            }
          }
          out.items = items;
        }
      } else {
        const v = valueEnd(body, i, e, 1);
        if (v < 0) return null;
        i = v;
      }
      i = wsEnd(body, i, e);
      if (body[i] === 0x2c) {
        i = wsEnd(body, i + 1, e);
        continue;
      }
      if (body[i] !== 0x7d) return null;
      i++;
      break;
    }
  }
  return wsEnd(body, i, e) === e ? out : null;
}
