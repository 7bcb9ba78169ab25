/**
 * One batch from candidate events to the store: dedupe on (auditID, stage) against the
 * store and within the batch (the webhook backend retries whole batches; logs repeat
 * after a restart), then one commit — durable and signed when it returns. Shared by file
 * ingest and the webhook receiver so both count and drop alike.
 */
import { dedupeKeyString, indexRowOf, type PendingEvent, type Store } from '../store/index.js';

export interface PendingWithKey extends PendingEvent {
  /** `auditID\0stage`, or null when either is missing (such events are kept, not deduplicated). */
  key: string | null;
}

export function toPending(bytes: Buffer, value: unknown): PendingWithKey {
  const { leaf: _leaf, ...row } = indexRowOf(0, value);
  const key = row.auditID !== null && row.auditID !== '' && row.stage !== null && row.stage !== '' ? dedupeKeyString({ auditID: row.auditID, stage: row.stage }) : null;
  return { bytes, row, key };
}

export interface BatchOutcome {
  committed: number;
  duplicates: number;
  withoutKey: number;
  bytes: number;
  /** The tree size after the commit (unchanged when nothing was new). */
  size: number;
  first: number;
}

export async function commitPending(store: Store, batch: readonly PendingWithKey[]): Promise<BatchOutcome> {
  const out: BatchOutcome = { committed: 0, duplicates: 0, withoutKey: 0, bytes: 0, size: store.size, first: store.size };
  if (batch.length === 0) return out;
  const keyed = batch.filter((p) => p.key !== null);
  const already = keyed.length === 0 ? new Set<string>() : await store.seen(keyed.map((p) => ({ auditID: p.row.auditID!, stage: p.row.stage! })));
  const kept: PendingWithKey[] = [];
  for (const p of batch) {
    if (p.key !== null) {
      if (already.has(p.key)) {
        out.duplicates++;
        continue;
      }
      already.add(p.key); // a repeat later in the same batch is a duplicate too
    } else out.withoutKey++;
    kept.push(p);
  }
  if (kept.length === 0) return out;
  const r = await store.commit(kept);
  out.committed = kept.length;
  for (const p of kept) out.bytes += p.bytes.length;
  out.size = r.size;
  out.first = r.first;
  return out;
}
