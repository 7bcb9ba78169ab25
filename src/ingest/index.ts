/** Ingestion: files (plain, .gz, JSON lines or EventList documents, rotated backups) into a store. */
export { ingestFiles } from './pipeline.js';
export type { IngestOptions, IngestProblem, IngestSummary } from './pipeline.js';
export { orderLogFiles } from './order.js';
export { readCandidates } from './read-events.js';
export type { Candidate } from './read-events.js';
export { splitLines } from './lines.js';
