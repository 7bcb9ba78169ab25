/**
 * The store: one directory per log. The ledger files are the point of commit (exact
 * event bytes in compressed blocks, stored Merkle hashes, a signed checkpoint per batch);
 * the index is a derived view written behind them. test/store/ proves round trips,
 * proofs, crash recovery and tamper detection.
 */
export { StoreError, isStoreError } from './errors.js';
export type { StoreErrorCode } from './errors.js';
export type { DedupeKey, EventFilter, EventIndex, GroupColumn, IndexHealth, IndexRow } from './types.js';
export { dedupeKeyFor, dedupeKeyString } from './types.js';
export { indexRowOf, indexRowOfBytes, indexRowOfScanned, parseTimeUs, firstDifference, INDEX_COLUMNS } from './fields.js';
export { openStore, reindexStore, createStoreKeys, readStoreVerifierKey, isInside } from './store.js';
export type { Store, OpenStoreOptions, PendingEvent } from './store.js';
export type { AppendResult } from './ledger-files/file-ledger.js';
export { verifyStore } from './verify.js';
export type { VerifyReport, VerifyProblem, VerifyOptions } from './verify.js';
export { planRetention, parseAge, parseSize } from './retention.js';
export type { RetentionOptions, RetentionPlan } from './retention.js';
export type { PruneRecord } from './ledger-files/prune-record.js';
export type { SegmentInfo } from './ledger-files/file-ledger.js';
export { INDEX_FILE } from './ledger-files/layout.js';
export { MAX_EVENT_BYTES } from './ledger-files/block-codec.js';
