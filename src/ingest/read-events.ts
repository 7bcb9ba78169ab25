/**
 * From a file's bytes to candidate events: JSON lines (each line an Event, or an
 * EventList whose items become separate events), or one JSON document (a pretty-printed
 * Event or EventList) when the first line is not JSON on its own. Every candidate keeps
 * its exact bytes (the leaf) and where it came from; everything else becomes a problem
 * with a line and column, and reading goes on.
 */
import { ALL_FIELDS, lastScanHints, scanEvent, type ScanHints, type ScannedEvent } from '../audit/event-scan.js';
import { classifyAuditJSON } from '../audit/events.js';
import { itemSpans } from './json-spans.js';
import { PartialLine, isBlank, lineOf, lineTooLong, openBytes, splitLines, type RawLine } from './lines.js';
import { MAX_EVENT_BYTES } from '../store/index.js';

export type Candidate =
  /** An event: parsed (`value`), or taken by the event scanner (`scanned`, with the fields asked for, and `value` null). */
  | { kind: 'event'; bytes: Buffer; value: Record<string, unknown> | null; scanned: ScannedEvent | null; hints?: ScanHints; line: number; column: number }
  | { kind: 'problem'; line: number; column: number; message: string };

/** A pretty-printed document larger than this is not buffered whole; its lines are read one by one. */
const MAX_DOCUMENT_BYTES = 64 * 1024 * 1024;

function parseError(err: unknown): { column: number; message: string } {
  const message = (err as Error).message;
  const m = /position (\d+)/.exec(message);
  return { column: m ? Number(m[1]) + 1 : 1, message: `not JSON: ${message}` };
}

function lineColumn(b: Buffer, offset: number, firstLine: number): { line: number; column: number } {
  let line = firstLine;
  let lineStart = 0;
  for (let i = 0; i < offset; i++) {
    if (b[i] === 0x0a) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

/** The candidates in one JSON value's bytes (an Event, or each item of an EventList). */
function* fromValue(bytes: Buffer, value: unknown, line: number): Generator<Candidate> {
  const shape = classifyAuditJSON(value);
  if (shape.kind === 'event') {
    yield { kind: 'event', bytes, value: value as Record<string, unknown>, scanned: null, line, column: 1 };
    return;
  }
  if (shape.kind === 'not-event') {
    yield { kind: 'problem', line, column: 1, message: shape.reason };
    return;
  }
  const spans = itemSpans(bytes);
  if (spans === null || spans.length !== shape.events.length) {
    yield { kind: 'problem', line, column: 1, message: 'an EventList whose items could not be located' };
    return;
  }
  for (let i = 0; i < spans.length; i++) {
    const [start, end] = spans[i];
    const where = lineColumn(bytes, start, line);
    const item = classifyAuditJSON(shape.events[i]);
    if (item.kind === 'event') yield { kind: 'event', bytes: bytes.subarray(start, end), value: shape.events[i] as Record<string, unknown>, scanned: null, ...where };
    else yield { kind: 'problem', ...where, message: `items[${i}]: ${item.kind === 'not-event' ? item.reason : 'a nested EventList'}` };
  }
}

/** The candidates of one line of a JSON-lines file (none for a blank line). */
export function candidatesOfLine(bytes: Buffer, line: number, fields = ALL_FIELDS): Generator<Candidate> {
  return fromLine({ number: line, bytes }, fields);
}

function* fromLine(l: RawLine, fields: number): Generator<Candidate> {
  const length = l.oversize ?? l.bytes.length;
  if (length > MAX_EVENT_BYTES) {
    yield { kind: 'problem', line: l.number, column: 1, message: lineTooLong(length, MAX_EVENT_BYTES) };
    return;
  }
  if (isBlank(l.bytes)) return;
  // Most lines are clean events the scanner reads without JSON.parse.
  const scanned = scanEvent(l.bytes, 0, l.bytes.length, fields);
  if (scanned !== null) {
    yield { kind: 'event', bytes: l.bytes, value: null, scanned, hints: lastScanHints(0), line: l.number, column: 1 };
    return;
  }
  let value: unknown;
  try {
    value = JSON.parse(l.bytes.toString('utf8'));
  } catch (err) {
    yield { kind: 'problem', line: l.number, ...parseError(err) };
    return;
  }
  yield* fromValue(l.bytes, value, l.number);
}

/** Trims ASCII white space from both ends (a view). */
function trimBytes(b: Buffer): { bytes: Buffer; skipped: number } {
  let s = 0;
  let e = b.length;
  while (s < e && (b[s] === 0x20 || b[s] === 0x0a || b[s] === 0x0d || b[s] === 0x09)) s++;
  while (e > s && (b[e - 1] === 0x20 || b[e - 1] === 0x0a || b[e - 1] === 0x0d || b[e - 1] === 0x09)) e--;
  return { bytes: b.subarray(s, e), skipped: s };
}

/** The candidates of one file ("-" for stdin). Throws only when the file cannot be read. */
export async function* readCandidates(path: string, fields = ALL_FIELDS): AsyncGenerator<Candidate> {
  // Lines longer than an event may be are counted, not held.
  const source = splitLines(await openBytes(path), MAX_EVENT_BYTES);
  // One iterator read in several loops: breaking out of a loop must not close it.
  const lines: AsyncIterable<RawLine> = { [Symbol.asyncIterator]: () => ({ next: () => source.next() }) };
  // Decide from the first non-blank line: JSON on its own → JSON lines; else maybe a document.
  const held: RawLine[] = [];
  for await (const l of lines) {
    if (held.length === 0 && l.oversize === undefined && isBlank(l.bytes)) continue;
    held.push(l);
    break;
  }
  if (held.length === 0) return;
  try {
    yield* afterFirst(held, lines, fields);
  } finally {
    await source.return(undefined);
  }
}

async function* afterFirst(held: RawLine[], lines: AsyncIterable<RawLine>, fields: number): AsyncGenerator<Candidate> {
  const firstOk = (() => {
    try {
      JSON.parse(held[0].bytes.toString('utf8'));
      return true;
    } catch {
      return false;
    }
  })();
  if (!firstOk && /^\s*[[{]/.test(held[0].bytes.subarray(0, 16).toString('latin1'))) {
    let total = held[0].oversize ?? held[0].bytes.length;
    let exhausted = true;
    for await (const l of lines) {
      held.push(l);
      total += (l.oversize ?? l.bytes.length) + 1;
      if (total > MAX_DOCUMENT_BYTES) {
        exhausted = false;
        break;
      }
    }
    if (exhausted) {
      const doc = Buffer.concat(held.flatMap((l, i) => (i === 0 ? [l.bytes] : [Buffer.from('\n'), l.bytes])));
      const { bytes, skipped } = trimBytes(doc);
      let value: unknown;
      let parsed = true;
      try {
        value = JSON.parse(bytes.toString('utf8'));
      } catch {
        parsed = false;
      }
      if (parsed) {
        const first = lineColumn(doc, skipped, held[0].number).line;
        yield* fromValue(Buffer.from(bytes), value, first);
        return;
      }
    }
    for (const l of held) yield* fromLine(l, fields);
    for await (const l of lines) yield* fromLine(l, fields);
    return;
  }
  for (const l of held) yield* fromLine(l, fields);
  for await (const l of lines) yield* fromLine(l, fields);
}

/** Candidates per batch handed out by readCandidateBatches. */
const CANDIDATE_BATCH = 1024;

/**
 * The same candidates as readCandidates, in arrays: a JSON-lines file is split and scanned
 * chunk by chunk in plain loops (an async step per event costs more than scanning it);
 * a pretty-printed document goes through readCandidates. Line numbers and bytes are the
 * same either way.
 */
export async function* readCandidateBatches(path: string, fields = ALL_FIELDS): AsyncGenerator<Candidate[]> {
  const stream = await openBytes(path);
  const iterator = (stream as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
  // Before the kind of file is decided: the bytes read so far (the first line, whole).
  let carry: Buffer | null = null;
  // After: the line a read ended in the middle of (see PartialLine).
  const partial = new PartialLine(MAX_EVENT_BYTES);
  let line = 0;
  let first = true;
  let decided = false;
  try {
    for (;;) {
      const next = await iterator.next();
      let buf: Buffer | null = next.done ? null : typeof next.value === 'string' ? Buffer.from(next.value as string, 'utf8') : next.value;
      // The line a read cut, completed by the head of this read: only that line is copied,
      // not the whole next chunk (a fresh megabyte a read costs its page faults on top).
      let head: RawLine | null = null;
      if (!decided) {
        if (carry !== null) buf = buf === null ? carry : Buffer.concat([carry, buf]);
        carry = null;
      } else if (partial.length > 0) {
        if (buf === null) head = lineOf(++line, partial.take(Buffer.alloc(0)), false);
        else {
          const done = partial.completeFrom(buf);
          if (done === null) continue;
          head = { number: ++line, ...done.line };
          buf = done.rest;
        }
      }
      if (buf === null && head === null) break;
      buf ??= Buffer.alloc(0);
      if (first) {
        if (!next.done && buf.length < 3) {
          carry = buf; // might be the start of a BOM
          continue;
        }
        if (buf.length >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) buf = buf.subarray(3);
        first = false;
      }
      if (!decided) {
        // The kind of file is decided on its first non-blank line, once it is whole (or
        // longer than an event may be: then it is not one, nor a document of events).
        const decision = buf.length > MAX_EVENT_BYTES ? 'lines' : firstLineDecision(buf, next.done === true);
        if (decision === 'wait') {
          carry = buf; // read on, then decide on the whole first line
          continue;
        }
        decided = true;
        if (decision === 'document') {
          await iterator.return?.(undefined);
          let out: Candidate[] = [];
          for await (const c of readCandidates(path, fields)) {
            out.push(c);
            if (out.length >= CANDIDATE_BATCH) {
              yield out;
              out = [];
            }
          }
          if (out.length > 0) yield out;
          return;
        }
      }
      const lastLine = next.done === true;
      let out: Candidate[] = [];
      if (head !== null) for (const c of fromLine(head, fields)) out.push(c);
      const chunk = buf;
      let start = 0;
      for (;;) {
        let nl = chunk.indexOf(0x0a, start);
        if (nl < 0) {
          if (!lastLine || start >= chunk.length) break;
          nl = chunk.length;
        }
        const end = nl > start && chunk[nl - 1] === 0x0d && nl < chunk.length ? nl - 1 : nl;
        line++;
        // Views into the chunk, which each read allocates afresh (batches hold them until they commit).
        for (const c of fromLine({ number: line, bytes: chunk.subarray(start, end) }, fields)) out.push(c);
        start = nl + 1;
        if (out.length >= CANDIDATE_BATCH) {
          yield out;
          out = [];
        }
      }
      if (!lastLine && start < chunk.length) partial.add(chunk.subarray(start));
      if (out.length > 0) yield out;
      if (lastLine) break;
    }
  } finally {
    await iterator.return?.(undefined);
  }
}

/** From a file's first bytes: JSON lines, one document, or not known until more is read. */
function firstLineDecision(b: Buffer, done: boolean): 'lines' | 'document' | 'wait' {
  let s = 0;
  for (;;) {
    const nl = b.indexOf(0x0a, s);
    if (nl < 0 && !done) return 'wait';
    const lineBytes = b.subarray(s, nl < 0 ? b.length : nl);
    if (!isBlank(lineBytes)) {
      if (scanEvent(lineBytes) !== null) return 'lines';
      try {
        JSON.parse(lineBytes.toString('utf8'));
        return 'lines';
      } catch {
        return /^\s*[[{]/.test(lineBytes.subarray(0, 16).toString('latin1')) ? 'document' : 'lines';
      }
    }
    if (nl < 0) return 'lines';
    s = nl + 1;
  }
}
