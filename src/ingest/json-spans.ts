/**
 * The exact text of each item of a JSON document's top-level `items` array, found by a
 * small byte scanner (strings and nesting only; the document was already JSON.parse'd,
 * so it is known to be valid). Leaves of an EventList are these spans, byte for byte.
 */

/** Index just past the JSON value starting at b[i] (i at a non-space byte). */
function skipValue(b: Uint8Array, i: number): number {
  const c = b[i];
  if (c === 0x22) return skipString(b, i);
  if (c === 0x7b || c === 0x5b) {
    let depth = 0;
    for (; i < b.length; i++) {
      const x = b[i];
      if (x === 0x22) i = skipString(b, i) - 1;
      else if (x === 0x7b || x === 0x5b) depth++;
      else if (x === 0x7d || x === 0x5d) {
        depth--;
        if (depth === 0) return i + 1;
      }
    }
    return b.length;
  }
  while (i < b.length && !isDelim(b[i])) i++;
  return i;
}

function isDelim(c: number): boolean {
  return c === 0x2c || c === 0x7d || c === 0x5d || c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

function skipString(b: Uint8Array, i: number): number {
  for (i++; i < b.length; i++) {
    if (b[i] === 0x5c) i++;
    else if (b[i] === 0x22) return i + 1;
  }
  return b.length;
}

function skipSpace(b: Uint8Array, i: number): number {
  while (i < b.length && (b[i] === 0x20 || b[i] === 0x0a || b[i] === 0x0d || b[i] === 0x09)) i++;
  return i;
}

interface Member {
  name: string;
  keyStart: number;
  valueStart: number;
  valueEnd: number;
}

/** The members of the top-level object, in order (null when the value is not an object). */
function topLevelMembers(b: Uint8Array): Member[] | null {
  let i = skipSpace(b, 0);
  if (b[i] !== 0x7b) return null;
  i++;
  const out: Member[] = [];
  for (;;) {
    i = skipSpace(b, i);
    if (i >= b.length || b[i] === 0x7d) return out;
    if (b[i] === 0x2c) {
      i++;
      continue;
    }
    const keyStart = i;
    const keyEnd = skipString(b, i);
    const name = JSON.parse(Buffer.from(b.subarray(keyStart, keyEnd)).toString('utf8')) as string;
    i = skipSpace(b, skipSpace(b, keyEnd) + 1); // past ':'
    const valueEnd = skipValue(b, i);
    out.push({ name, keyStart, valueStart: i, valueEnd });
    i = valueEnd;
  }
}

/** [start, end) of each element of the top-level object's "items" array; null if there is none. */
export function itemSpans(b: Uint8Array): [number, number][] | null {
  const items = topLevelMembers(b)?.find((m) => m.name === 'items' && b[m.valueStart] === 0x5b);
  if (items === undefined) return null;
  const spans: [number, number][] = [];
  for (let i = items.valueStart + 1; ; ) {
    i = skipSpace(b, i);
    if (i >= items.valueEnd || b[i] === 0x5d) return spans;
    if (b[i] === 0x2c) {
      i++;
      continue;
    }
    const end = skipValue(b, i);
    spans.push([i, end]);
    i = end;
  }
}

/**
 * Bytes the top-level member `key` takes in an object already known to be valid JSON (its
 * key, value and one separating comma; 0 when absent or when it is the only member): how
 * much the event shrinks when that member is left out. The last occurrence counts, as in
 * JSON.parse.
 */
export function memberBytes(b: Uint8Array, key: string): number {
  const members = topLevelMembers(b);
  if (members === null || members.length < 2) return 0;
  const m = members.filter((x) => x.name === key).at(-1);
  return m === undefined ? 0 : m.valueEnd - m.keyStart + 1;
}
