/**
 * The Store: a tamper-evident ledger of exact event bytes (the point of commit) plus an
 * index written behind it. The index is an EventIndex — SQLite now, ClickHouse later —
 * and speaks only plain data (IndexRow, EventFilter, leaf numbers), never a driver type.
 */
import type { ScanHints } from '../audit/event-scan.js';

/** The forensic columns of one event, derived from its leaf bytes (so rebuildable). */
export interface IndexRow {
  /** The event's leaf number in the ledger (0-based). */
  leaf: number;
  auditID: string | null;
  stage: string | null;
  level: string | null;
  verb: string | null;
  user: string | null;
  /** JSON array text, or null when the event carries no groups. */
  groups: string | null;
  impersonatedUser: string | null;
  /** JSON array text, or null. */
  sourceIPs: string | null;
  userAgent: string | null;
  apiGroup: string | null;
  apiVersion: string | null;
  resource: string | null;
  subresource: string | null;
  namespace: string | null;
  name: string | null;
  requestURI: string | null;
  responseCode: number | null;
  authorizationDecision: string | null;
  authorizationReason: string | null;
  requestReceivedTimestamp: string | null;
  stageTimestamp: string | null;
  /** The event's time in microseconds since the epoch (requestReceived, else stage, else v1beta1 timestamp); null if none parses. */
  timeUs: number | null;
}

/** Filters of `kubetrail query`; absent fields do not filter. Times are microseconds since the epoch. */
export interface EventFilter {
  /** Only events after this leaf (following a store as it grows). */
  afterLeaf?: number;
  /** Only events before this leaf (the next page of a newest-first search). */
  beforeLeaf?: number;
  auditID?: string;
  stage?: string;
  level?: string;
  /** user.username; `*`, `?` and `[…]` make it a glob (as do the other text filters). */
  user?: string;
  /** One of user.groups. */
  group?: string;
  impersonatedUser?: string;
  verb?: string;
  resource?: string;
  namespace?: string;
  name?: string;
  userAgent?: string;
  /** A response code (`403`) or a class (`4xx`). */
  code?: string;
  /** The authorization decision annotation: allow, forbid. */
  decision?: string;
  /** A source IP or a CIDR (IPv4 or IPv6): any of the event's sourceIPs inside it. */
  sourceIP?: string;
  /** Events at or after this time. */
  sinceUs?: number;
  /** Events before this time. */
  untilUs?: number;
  limit?: number;
}

export interface IndexHealth {
  /** Distinct auditIDs. */
  requests: number;
  /** Requests with a RequestReceived (or ResponseStarted) event but no ResponseComplete or Panic. */
  missingFinalStage: { count: number; examples: string[] };
  /** (auditID, stage) pairs present more than once. */
  duplicated: { count: number; examples: string[] };
}

/** Columns the index can group by. */
export type GroupColumn = 'user' | 'verb' | 'resource' | 'namespace' | 'user_agent' | 'response_code' | 'stage' | 'level' | 'source_ips';

/** The key dedupe works on: (auditID, stage), both present. */
export interface DedupeKey {
  auditID: string;
  stage: string;
}

/**
 * A derived view of the ledger. Rows arrive in leaf order, with no gaps: add() always
 * continues at indexedSize(). Methods are async so that a remote index (ClickHouse)
 * fits; an embedded one may answer synchronously inside the promise.
 */
export interface EventIndex {
  readonly name: string;
  /** How many leaves (from 0) the index holds rows for. */
  indexedSize(): Promise<number>;
  /** Adds the rows of leaves [indexedSize, indexedSize + rows.length), atomically, each with its leaf's size in bytes. */
  add(rows: readonly (IndexRow & { bytes?: number })[]): Promise<void>;
  /** Which of the keys are already indexed, as `${auditID}\u0000${stage}` strings. */
  seen(keys: readonly DedupeKey[]): Promise<Set<string>>;
  /** Leaf numbers of matching events, ascending (oldest first). */
  query(filter: EventFilter): AsyncIterable<number>;
  /** The index rows of matching events (newest first with `newestFirst`), without reading the ledger. */
  queryRows(filter: EventFilter & { newestFirst?: boolean }): AsyncIterable<IndexRow>;
  /** True when answering `filter` means reading every indexed event (no index narrows it). */
  readsEverything?(filter: EventFilter): Promise<boolean>;
  /** The leaves [first, end) that the filter's time range (since, until) can match. */
  timeLeafRange?(filter: EventFilter): Promise<{ first: number; end: number }>;
  /** Events per value of a column, most first. */
  top(filter: EventFilter, column: GroupColumn, limit: number): Promise<Array<{ key: string; events: number; bytes: number }>>;
  /**
   * Events per time bucket of `stepUs`, split by the `series` most frequent values of a
   * column (the rest as "other"); `series` 0: one series, "all", of every event.
   */
  timeline(filter: EventFilter, column: GroupColumn, stepUs: number, series: number): Promise<{ starts: number[]; series: Array<{ name: string; counts: number[] }> }>;
  /** Signs of a log with holes: requests without a final stage, (auditID, stage) pairs stored twice. */
  health(filter: EventFilter, examples: number): Promise<IndexHealth>;
  /** Distinct values of one indexed column starting with `prefix`, most frequent first (completion). */
  values(column: 'user' | 'verb' | 'resource' | 'namespace' | 'name' | 'user_agent' | 'stage' | 'level', prefix: string, limit: number): Promise<string[]>;
  /** The rows of leaves [from, to) in leaf order, a batch at a time, with each leaf's size when known (for verify). */
  rowBatches(from: number, to: number, size?: number): AsyncIterable<Array<IndexRow & { bytes: number | null }>>;
  /** Where totals kept as events arrived (top-N) disagree with the rows, or null (for verify). */
  rollupDisagreement?(): Promise<string | null>;
  /** The number of rows actually present (may differ from indexedSize() if tampered). */
  rowCount(): Promise<number>;
  /** Drops every row; the index then continues at leaf `from` (the first stored event; reindex starts over). */
  clear(from?: number): Promise<void>;
  /** Deletes the rows of leaves before `keepFrom` (their bodies were pruned). */
  prune(keepFrom: number): Promise<void>;
  /**
   * For a load into an empty index: drops what look-ups use (answers stay right, only
   * slower) until buildLookups(); an index opened meanwhile, even after a crash, keeps
   * them dropped until then.
   */
  deferLookups?(): Promise<void>;
  /** Makes what deferLookups() dropped (nothing to do when it was not called). */
  buildLookups?(): Promise<void>;
  close(): Promise<void>;
}

/**
 * One event to commit: its exact bytes, and its index row (leaf number filled in by the
 * store) or its dedupe key, or both. Without a row the index derives it from the bytes —
 * on the indexing thread when the index is written in the background, so that the thread
 * which commits and acknowledges reads only what dedupe needs.
 */
export type PendingEvent = (
  | { bytes: Uint8Array; row: Omit<IndexRow, 'leaf'>; dedupe?: DedupeKey | null }
  | { bytes: Uint8Array; row?: undefined; /** (auditID, stage), null when either is missing. */ dedupe: DedupeKey | null }
) & {
  /** Where an earlier scan of these bytes found the bodies end (the index thread jumps over them). */
  hints?: ScanHints;
};

/** An event's dedupe key: (auditID, stage), or null when either is missing or empty (such events are kept, not deduplicated). */
export function dedupeKeyFor(auditID: string | null, stage: string | null): DedupeKey | null {
  return auditID !== null && auditID !== '' && stage !== null && stage !== '' ? { auditID, stage } : null;
}

/** The dedupe key of a pending event (from its row when it carries none). */
export function dedupeKeyOf(e: PendingEvent): DedupeKey | null {
  if (e.row === undefined) return e.dedupe;
  return e.dedupe !== undefined ? e.dedupe : dedupeKeyFor(e.row.auditID, e.row.stage);
}

export function dedupeKeyString(k: DedupeKey): string {
  return `${k.auditID}\u0000${k.stage}`;
}

/** A filter that leaves every event in (a limit at most): what the rollups answer without reading rows. */
export function isEmptyFilter(filter: EventFilter): boolean {
  return Object.entries(filter).every(([k, v]) => v === undefined || k === 'limit');
}
