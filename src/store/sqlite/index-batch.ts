/**
 * What the committing thread hands the index worker (background.ts → index-worker.ts):
 * the events of one committed batch (or stored leaves being caught up), leaves first,
 * first + 1, …, their bytes end to end, and where an earlier scan found each event's
 * bodies end (ScanHints, as numbers: a typed array crosses threads without a copy).
 */
import type { ScanHints } from '../../audit/event-scan.js';

export type IndexBatch = {
  id: number;
  first: number;
  data: Uint8Array;
  /** Where each event's bytes end in data. */
  ends: Float64Array;
  /** HINT_FIELDS numbers an event (-1: not known), or undefined when no event has hints. */
  hints?: Int32Array;
};

export const HINT_FIELDS = 4;

export function writeHints(to: Int32Array, at: number, h: ScanHints): void {
  to[at] = h.requestObjectEnd;
  to[at + 1] = h.responseObjectEnd;
  to[at + 2] = h.responseNameStart;
  to[at + 3] = h.responseNameEnd;
}

/** The hints of event `i` of a batch, or undefined when it has none. */
export function readHints(from: Int32Array | undefined, i: number): ScanHints | undefined {
  if (from === undefined) return undefined;
  const at = i * HINT_FIELDS;
  if (from[at] < 0 && from[at + 1] < 0) return undefined;
  return { requestObjectEnd: from[at], responseObjectEnd: from[at + 1], responseNameStart: from[at + 2], responseNameEnd: from[at + 3] };
}
