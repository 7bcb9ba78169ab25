/**
 * One batch from candidate events to the store: dedupe on (auditID, stage) against the
 * store and within the batch (the webhook backend retries whole batches; logs repeat
 * after a restart), then one commit — durable and signed when it returns. Shared by file
 * ingest and the webhook receiver so both count and drop alike.
 */
import { lastScanHints, scanEvent, scanFields, type ScanHints, type ScannedEvent } from '../audit/event-scan.js';
import { dedupeKeyFor, dedupeKeyString, indexRowOf, type DedupeKey, type IndexRow, type Store } from '../store/index.js';

/** A candidate event: its bytes, its dedupe key (null: kept, not deduplicated), and its index row when the full parser read it. */
export interface PendingWithKey {
  bytes: Buffer;
  row?: Omit<IndexRow, 'leaf'>;
  dedupe: DedupeKey | null;
  /** Where the committing thread's scan found the bodies end: the index thread jumps over them. */
  hints?: ScanHints;
}

/**
 * What the committing thread reads of an event: all of it is checked to be one clean
 * audit Event, but only what makes it one and its dedupe key are decoded. The index row
 * is derived from the bytes where the index is written (another thread, when it runs in
 * the background).
 */
export const COMMIT_FIELDS = scanFields('stage', 'requestObject', 'responseName');

/** A candidate whose JSON was parsed (the full parser's path). */
export function toPending(bytes: Buffer, value: unknown): PendingWithKey {
  return pendingOfRow(bytes, indexRowOf(0, value));
}

/**
 * A candidate from its bytes alone when the event scanner takes it (the fast path: no
 * JSON.parse), or null when it must go the full parser's way.
 */
export function toPendingFast(bytes: Buffer): PendingWithKey | null {
  const scanned = scanEvent(bytes, 0, bytes.length, COMMIT_FIELDS);
  return scanned === null ? null : pendingOfScanned(bytes, scanned, lastScanHints(0));
}

/**
 * A candidate the event scanner read (with COMMIT_FIELDS at least): its bytes, dedupe key
 * and the hints its scan left (lastScanHints), no row.
 */
export function pendingOfScanned(bytes: Buffer, scanned: ScannedEvent, hints: ScanHints | undefined): PendingWithKey {
  const dedupe = dedupeKeyFor(scanned.auditID, scanned.stage);
  return hints === undefined ? { bytes, dedupe } : { bytes, dedupe, hints };
}

function pendingOfRow(bytes: Buffer, full: IndexRow): PendingWithKey {
  const { leaf: _leaf, ...row } = full;
  return { bytes, row, dedupe: dedupeKeyFor(row.auditID, row.stage) };
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
  return (await commitGroups(store, [batch]))[0];
}

/**
 * Several batches in one commit (group commit): one dedupe look-up, one ledger append, one
 * fsync and one signed checkpoint for all of them, then each batch's own outcome. Either
 * all are committed or none is (the ledger append is one atomic step).
 */
export async function commitGroups(store: Store, groups: readonly (readonly PendingWithKey[])[]): Promise<BatchOutcome[]> {
  const flat: PendingWithKey[] = [];
  const owner: number[] = [];
  groups.forEach((g, i) => {
    for (const p of g) {
      flat.push(p);
      owner.push(i);
    }
  });
  const outcomes: BatchOutcome[] = groups.map(() => ({ committed: 0, duplicates: 0, withoutKey: 0, bytes: 0, size: store.size, first: store.size }));
  const keys = flat.map((p) => (p.dedupe === null ? null : dedupeKeyString(p.dedupe)));
  const keyed = flat.flatMap((p) => (p.dedupe === null ? [] : [p.dedupe]));
  const already = keyed.length === 0 ? new Set<string>() : await store.seen(keyed);
  const kept: PendingWithKey[] = [];
  const keptOwner: number[] = [];
  flat.forEach((p, i) => {
    const o = outcomes[owner[i]];
    const key = keys[i];
    if (key !== null) {
      if (already.has(key)) {
        o.duplicates++;
        return;
      }
      already.add(key);
    } else o.withoutKey++;
    kept.push(p);
    keptOwner.push(owner[i]);
  });
  if (kept.length === 0) return outcomes;
  const r = await store.commit(kept);
  keptOwner.forEach((g, i) => {
    const o = outcomes[g];
    if (o.committed === 0) o.first = r.first + i;
    o.committed++;
    o.bytes += kept[i].bytes.length;
  });
  for (const o of outcomes) o.size = r.size;
  return outcomes;
}
