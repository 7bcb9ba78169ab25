/** Questions asked of the record: the query model and its compact string form. */
export { parseQueryString, parseTimeValue, QUERY_FIELDS, QueryStringError } from './query-string.js';
export type { QueryField } from './query-string.js';
