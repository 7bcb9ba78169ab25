/**
 * Recorded traffic replayed through counters (a simulation, a policy diff), one chunk of
 * input at a time: the work a worker thread does. Each event is read by the fast scanner
 * when it can (see audit/event-scan.ts) and by JSON.parse otherwise, so the counts are the
 * same either way; `fullParse` forces the reference path (for tests and benchmarks).
 */
import { fieldsOfParsed, scanEvent, scanFields, type ScannedEvent } from '../audit/event-scan.js';
import { classifyAuditJSON } from '../audit/events.js';
import { candidatesOfLine } from '../ingest/read-events.js';
import { memberBytes } from '../ingest/json-spans.js';

/** Anything that counts events and can hand its counts over for merging. */
export interface EventCounter<C> {
  add(byteLength: number, event: ScannedEvent): unknown;
  skipped: number;
  takeCounts(): C;
  merge(counts: C): void;
}

export interface ChunkProblem {
  /** 1-based, within the chunk (the driver adds the lines of the chunks before it). */
  line: number;
  column: number;
  message: string;
}

export interface ChunkOutcome {
  /** Lines in the chunk (0 for a chunk of stored leaves). */
  lines: number;
  problems: ChunkProblem[];
}

/** What simulation and diff read of an event: the rest is checked and skipped. */
export const REPLAY_FIELDS = scanFields('level', 'stage', 'objectRef', 'requestObject', 'responseObject', 'requestReceivedTimestamp', 'stageTimestamp', 'timestamp');

/** The fields of a value the full parser produced, with its body members measured. */
export function fieldsWithSizes(bytes: Buffer, value: Record<string, unknown>): ScannedEvent {
  const f = fieldsOfParsed(value);
  if (value.requestObject !== undefined) f.requestObjectBytes = memberBytes(bytes, 'requestObject');
  if (value.responseObject !== undefined) f.responseObjectBytes = memberBytes(bytes, 'responseObject');
  return f;
}

function isBlankRange(b: Buffer, s: number, e: number): boolean {
  for (let i = s; i < e; i++) {
    const c = b[i];
    if (c !== 0x20 && c !== 0x09 && c !== 0x0d) return false;
  }
  return true;
}

/**
 * Counts the events of one chunk. `offsets` (n + 1 boundaries) marks stored leaves, each
 * one event; without it the chunk is whole JSON lines (each an Event or an EventList).
 */
export function replayChunk(counter: EventCounter<unknown>, chunk: Buffer, offsets: Int32Array | null, fullParse = false): ChunkOutcome {
  const problems: ChunkProblem[] = [];
  if (offsets !== null) {
    for (let i = 0; i + 1 < offsets.length; i++) {
      const s = offsets[i];
      const e = offsets[i + 1];
      const fast = fullParse ? null : scanEvent(chunk, s, e, REPLAY_FIELDS);
      if (fast !== null) {
        counter.add(e - s, fast);
        continue;
      }
      const leaf = chunk.subarray(s, e);
      let value: unknown;
      try {
        value = JSON.parse(leaf.toString('utf8'));
      } catch {
        counter.skipped++;
        continue;
      }
      if (classifyAuditJSON(value).kind !== 'event') counter.skipped++;
      else counter.add(leaf.length, fieldsWithSizes(leaf, value as Record<string, unknown>));
    }
    return { lines: 0, problems };
  }
  let line = 0;
  let start = 0;
  while (start < chunk.length) {
    let nl = chunk.indexOf(0x0a, start);
    if (nl < 0) nl = chunk.length;
    const stop = nl > start && chunk[nl - 1] === 0x0d ? nl - 1 : nl;
    line++;
    if (!isBlankRange(chunk, start, stop)) {
      const fast = fullParse ? null : scanEvent(chunk, start, stop, REPLAY_FIELDS);
      if (fast !== null) counter.add(stop - start, fast);
      else {
        for (const c of candidatesOfLine(chunk.subarray(start, stop), line)) {
          if (c.kind === 'problem') {
            counter.skipped++;
            problems.push({ line: c.line, column: c.column, message: c.message });
          } else counter.add(c.bytes.length, c.scanned ?? fieldsWithSizes(c.bytes, c.value!));
        }
      }
    }
    start = nl + 1;
  }
  return { lines: line, problems };
}
