/**
 * The ingest pipeline: read → check it is an audit Event → dedupe on (auditID, stage)
 * → commit a batch to the ledger (durable and signed) → index it. Bad input never stops
 * good input: each problem goes to onProblem with file, line and column, is counted, and
 * reading goes on. Events lacking auditID or stage cannot be deduplicated; they are kept
 * and counted.
 *
 * Ownership: candidates are buffered until their batch commits; a batch is at most
 * batchEvents events or batchBytes bytes, so memory stays bounded.
 */
import type { Store } from '../store/index.js';
import { COMMIT_FIELDS, commitPending, pendingOfScanned, toPending, type PendingWithKey } from './commit.js';
import { readCandidateBatches } from './read-events.js';

export interface IngestProblem {
  file: string;
  line: number;
  column: number;
  message: string;
}

export interface IngestOptions {
  batchEvents?: number;
  batchBytes?: number;
  /** Called for every bad line or item; reading continues. */
  onProblem?: (p: IngestProblem) => void;
  /** Called after each committed batch. */
  onBatch?: (b: { first: number; size: number }) => void;
}

export interface IngestSummary {
  files: number;
  /** Events committed to the ledger. */
  committed: number;
  /** Events dropped because their (auditID, stage) was already stored or seen. */
  duplicates: number;
  /** Committed events lacking auditID or stage (kept, not deduplicated). */
  withoutKey: number;
  /** Lines or items that were not audit events. */
  bad: number;
  /** Bytes of the committed events. */
  bytes: number;
  batches: number;
  seconds: number;
}

export async function ingestFiles(store: Store, files: readonly string[], options: IngestOptions = {}): Promise<IngestSummary> {
  const batchEvents = options.batchEvents ?? 8192;
  const batchBytes = options.batchBytes ?? 8 * 1024 * 1024;
  const started = process.hrtime.bigint();
  const summary: IngestSummary = { files: 0, committed: 0, duplicates: 0, withoutKey: 0, bad: 0, bytes: 0, batches: 0, seconds: 0 };
  let pending: PendingWithKey[] = [];
  let pendingBytes = 0;

  // One batch commits while the next is read: a commit waits on the disk and on the thread
  // pool (compression), reading and scanning on this thread. Commits stay in order, one at
  // a time (dedupe of a batch must see the one before), and at most one batch waits.
  let committing: Promise<void> | null = null;
  const commit = async (batch: PendingWithKey[]): Promise<void> => {
    const r = await commitPending(store, batch);
    summary.duplicates += r.duplicates;
    summary.withoutKey += r.withoutKey;
    if (r.committed === 0) return;
    summary.committed += r.committed;
    summary.bytes += r.bytes;
    summary.batches++;
    options.onBatch?.({ first: r.first, size: r.size });
  };
  const flush = async (): Promise<void> => {
    if (pending.length === 0) return;
    const batch = pending;
    pending = [];
    pendingBytes = 0;
    if (committing !== null) await committing;
    committing = commit(batch);
    // Not awaited here: reading goes on. A failure surfaces at the next flush or at the end.
    committing.catch(() => undefined);
  };
  const drain = async (): Promise<void> => {
    await flush();
    if (committing !== null) await committing;
  };

  for (const file of files) {
    summary.files++;
    const name = file === '-' ? '<stdin>' : file;
    for await (const candidates of readCandidateBatches(file, COMMIT_FIELDS)) {
      for (const c of candidates) {
        if (c.kind === 'problem') {
          summary.bad++;
          options.onProblem?.({ file: name, line: c.line, column: c.column, message: c.message });
          continue;
        }
        pending.push(c.scanned !== null ? pendingOfScanned(c.bytes, c.scanned, c.hints) : toPending(c.bytes, c.value!));
        pendingBytes += c.bytes.length;
        if (pending.length >= batchEvents || pendingBytes >= batchBytes) await flush();
      }
    }
  }
  await drain();
  summary.seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return summary;
}
