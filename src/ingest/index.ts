/** Ingestion: files (plain, .gz, JSON lines or EventList documents, rotated backups) into a store. */
export { ingestFiles } from './pipeline.js';
export type { IngestOptions, IngestProblem, IngestSummary } from './pipeline.js';
export { orderLogFiles } from './order.js';
export { readCandidates, readCandidateBatches, candidatesOfLine } from './read-events.js';
export { memberBytes } from './json-spans.js';
export type { Candidate } from './read-events.js';
export { splitLines, openBytes, isBlank, lineTooLong } from './lines.js';
export { commitGroups, commitPending, toPending } from './commit.js';
export type { PendingWithKey, BatchOutcome } from './commit.js';
export { parseEventListBody } from './event-list.js';
export type { EventListParse } from './event-list.js';
export { LogTailer, rotatedBackups, TAIL_STATE_FILE } from './tail.js';
export type { TailOptions, TailSummary } from './tail.js';
