/** Questions asked of the record: the query model and its compact string form. */
export { parseQueryString, parseTimeValue, QUERY_FIELDS, QueryStringError } from './query-string.js';
export type { QueryField } from './query-string.js';
export { diffObjects } from './diff.js';
export type { FieldChange } from './diff.js';
export { objectHistory } from './history.js';
export type { HistoryEntry, HistoryQuery } from './history.js';
export { whoDid, normaliseVerb, parseObject, WhoArgumentError } from './who.js';
export type { WhoAnswer } from './who.js';
export { computeStats, sparkline, STATS_DIMENSIONS } from './stats.js';
export type { StatsReport } from './stats.js';
export { CSV_COLUMNS, TABLE_HEADER, csvField, csvRow, jsonRow, resourceText, tableRow } from './format.js';
export { boundedSearch } from './search.js';
export type { BoundedSearch, BoundedSearchOptions } from './search.js';
