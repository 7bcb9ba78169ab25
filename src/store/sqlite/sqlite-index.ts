/**
 * The embedded index: SQLite through better-sqlite3, in WAL mode. A derived view of the
 * ledger: one row per leaf with the forensic columns, plus `meta.leaves`, the number of
 * leaves indexed (rows for leaves [0, leaves) are present). It is written after the
 * ledger commits, so after a crash it may be behind; the store catches it up from the
 * ledger when opened for writing, and `kubetrail reindex` rebuilds it.
 *
 * Built for size and insert speed (schema 3). Audit traffic repeats itself: a few hundred
 * users, verbs, resources, user agents and authorization reasons make up nearly every
 * event, so every text column holds an id into one `strings` dictionary; a canonical
 * auditID (a lowercase UUID) is 16 bytes, and a canonical timestamp an integer of
 * microseconds. Integer columns make small, fast secondary indexes: (audit_id, stage) for
 * dedupe, (user, leaf) and (resource, leaf) so that the newest events of one come in order
 * without a sort, and name. `rollup` keeps events and bytes per value of the
 * grouping columns as rows arrive, so top-N over the whole store is a small read, and
 * `time_blocks` the time range of each run of 4,096 leaves, so a time range finds its
 * first and last leaf without walking the table, and `minutes` the events of each minute,
 * so the whole store's events per minute (stats) is a small read too.
 * Nothing of better-sqlite3 leaves this file.
 */
import { BlockList, isIP } from 'node:net';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { sqliteAddonPath } from './native.js';
import type { DedupeKey, EventFilter, EventIndex, GroupColumn, IndexRow } from '../types.js';
import { dedupeKeyString, isEmptyFilter } from '../types.js';
import { StoreError } from '../errors.js';

const SCHEMA_VERSION = '3';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS strings (id INTEGER PRIMARY KEY, s TEXT NOT NULL UNIQUE);
CREATE TABLE IF NOT EXISTS events (
  leaf INTEGER PRIMARY KEY,
  audit_id, stage INTEGER, level INTEGER, verb INTEGER, user INTEGER, groups INTEGER,
  impersonated_user INTEGER, source_ips INTEGER, user_agent INTEGER,
  api_group INTEGER, api_version INTEGER, resource INTEGER, subresource INTEGER, namespace INTEGER, name INTEGER,
  request_uri INTEGER, response_code INTEGER, authz_decision INTEGER, authz_reason INTEGER,
  request_received, stage_ts, time_us INTEGER, bytes INTEGER
);
CREATE TABLE IF NOT EXISTS rollup (col INTEGER NOT NULL, id INTEGER NOT NULL, events INTEGER NOT NULL, bytes INTEGER NOT NULL, PRIMARY KEY (col, id)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS time_blocks (block INTEGER PRIMARY KEY, min_us INTEGER NOT NULL, max_us INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS minutes (minute INTEGER PRIMARY KEY, events INTEGER NOT NULL);
`;

/**
 * The events table's secondary indexes. A reindex into an empty index makes them after
 * the rows instead of updating them row by row (SQLite sorts once; random audit IDs and
 * names otherwise touch a page of the B-tree each): measured on a reindex of 300,000
 * events, 6.7 s with them kept up against 5.2 s without plus 0.7 s to make them. Meanwhile
 * meta 'lookups' = 'deferred' tells every writable open not to make them.
 */
const LOOKUP_INDEX_COLUMNS: Record<string, string> = {
  events_audit_id: 'audit_id, stage',
  events_user: 'user, leaf',
  events_resource_leaf: 'resource, leaf',
  events_name: 'name',
};
const LOOKUP_INDEX_NAMES = Object.keys(LOOKUP_INDEX_COLUMNS);
const LOOKUP_INDEXES = LOOKUP_INDEX_NAMES.map((name) => `CREATE INDEX IF NOT EXISTS ${name} ON events (${LOOKUP_INDEX_COLUMNS[name]})`);

/** Whether a load in progress (or killed) asked for the look-up indexes to wait (deferLookups). */
function lookupsDeferred(db: Database.Database): boolean {
  return db.prepare(`SELECT value FROM meta WHERE key = 'lookups'`).pluck().get() === 'deferred';
}

/**
 * Leaves per row of time_blocks: the earliest and latest event time of each run of
 * 4,096 leaves (a min/max skip index). Events arrive nearly, not exactly, in time order
 * (a watch is logged when it ends, long after it was received), so the first leaf at or
 * after a time is found exactly by taking the first block whose latest time reaches it
 * and reading that block alone, instead of walking the table from leaf 0.
 */
const TIME_BLOCK_SHIFT = 12;
const TIME_BLOCK_SIZE = 1 << TIME_BLOCK_SHIFT;

/**
 * Events per minute of event time (time_us / 60,000,000, truncated as SQL's integer
 * division truncates), kept as events arrive: `kubetrail stats` draws the whole store's
 * events per minute, which otherwise reads every row (2.7 s at 10 M events).
 */
const MINUTE_US = 60_000_000;

/** minutes from the rows (inside a transaction), then marked complete. */
function fillMinutes(db: Database.Database): void {
  db.prepare(`DELETE FROM minutes`).run();
  db.prepare(`INSERT INTO minutes (minute, events) SELECT time_us / ${MINUTE_US}, count(*) FROM events WHERE time_us IS NOT NULL GROUP BY 1`).run();
  db.prepare(`INSERT OR REPLACE INTO meta (key, value) VALUES ('minutes', '1')`).run();
}

/**
 * Whether a table kept as rows arrive (time_blocks, minutes) is complete: it exists and
 * meta marks it filled. Indexes made before one existed fill it on their next writable
 * open; until then their readers take the slow way.
 */
function isKept(db: Database.Database, table: 'time_blocks' | 'minutes'): boolean {
  return db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?`).get(table) !== undefined && db.prepare(`SELECT value FROM meta WHERE key = ?`).pluck().get(table) === '1';
}

/** time_blocks from the rows (inside a transaction), then marked complete. */
function fillTimeBlocks(db: Database.Database): void {
  db.prepare(`DELETE FROM time_blocks`).run();
  db.prepare(`INSERT INTO time_blocks (block, min_us, max_us) SELECT leaf >> ${TIME_BLOCK_SHIFT}, min(time_us), max(time_us) FROM events WHERE time_us IS NOT NULL GROUP BY 1`).run();
  db.prepare(`INSERT OR REPLACE INTO meta (key, value) VALUES ('time_blocks', '1')`).run();
}

/** A block's time range for people: two timestamps, or "no times". */
function timeSpan(lo: unknown, hi: unknown): string {
  return lo === null || lo === undefined ? 'no times' : `${formatMicros(Number(lo))} to ${formatMicros(Number(hi))}`;
}

function nullableNumber(v: unknown): number | null {
  return v === null || v === undefined ? null : Number(v);
}

type TextKey = Exclude<keyof IndexRow, 'leaf' | 'auditID' | 'responseCode' | 'requestReceivedTimestamp' | 'stageTimestamp' | 'timeUs'>;

/** Text columns held as dictionary ids. */
const TEXT_COLUMNS: [string, TextKey][] = [
  ['stage', 'stage'],
  ['level', 'level'],
  ['verb', 'verb'],
  ['user', 'user'],
  ['groups', 'groups'],
  ['impersonated_user', 'impersonatedUser'],
  ['source_ips', 'sourceIPs'],
  ['user_agent', 'userAgent'],
  ['api_group', 'apiGroup'],
  ['api_version', 'apiVersion'],
  ['resource', 'resource'],
  ['subresource', 'subresource'],
  ['namespace', 'namespace'],
  ['name', 'name'],
  ['request_uri', 'requestURI'],
  ['authz_decision', 'authorizationDecision'],
  ['authz_reason', 'authorizationReason'],
];
const TEXT_COLUMN_NAMES = new Set(TEXT_COLUMNS.map(([c]) => c));

const INSERT_COLUMNS = ['leaf', 'audit_id', ...TEXT_COLUMNS.map(([c]) => c), 'response_code', 'request_received', 'stage_ts', 'time_us', 'bytes'];
/** The columns a row is read back with, in INSERT_COLUMNS order (rowOfValues reads them by position). */
const SELECT_ROW = INSERT_COLUMNS.join(', ');
const SOURCE_IPS_AT = INSERT_COLUMNS.indexOf('source_ips');
const BYTES_AT = INSERT_COLUMNS.indexOf('bytes');

/** The grouping columns kept in `rollup`, by their number there. */
const ROLLUP_COLUMNS: GroupColumn[] = ['user', 'verb', 'resource', 'namespace', 'user_agent', 'source_ips', 'response_code', 'stage', 'level'];
/** A rollup key for "no value" (dictionary ids start at 1; a response code can be any integer). */
const NONE_ID = 0;
const NONE_CODE = Number.MIN_SAFE_INTEGER;

// --- compact encodings, each exactly reversible (verify compares every column) ---

/** The offsets of the 16 hex pairs of a UUID's text (dashes at 8, 13, 18 and 23). */
const UUID_PAIRS = [0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34];

/** 0–15 for a lowercase hex digit, else -1 (an uppercase UUID stays text: it must print back as it came). */
function lowerHexDigit(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  return -1;
}

/** A lowercase UUID as its 16 bytes; anything else as it is (TEXT). */
function encodeAuditID(id: string | null): Buffer | string | null {
  if (id === null || id.length !== 36 || id.charCodeAt(8) !== 45 || id.charCodeAt(13) !== 45 || id.charCodeAt(18) !== 45 || id.charCodeAt(23) !== 45) return id;
  const out = Buffer.allocUnsafe(16);
  for (let i = 0; i < 16; i++) {
    const at = UUID_PAIRS[i];
    const hi = lowerHexDigit(id.charCodeAt(at));
    const lo = lowerHexDigit(id.charCodeAt(at + 1));
    if (hi < 0 || lo < 0) return id;
    out[i] = (hi << 4) | lo;
  }
  return out;
}

function decodeAuditID(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  if (Buffer.isBuffer(v) && v.length === 16) {
    const h = v.toString('hex');
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }
  return String(v);
}

/** kube-apiserver's timestamp form, 2026-11-23T10:00:00.123456Z, from microseconds. */
function formatMicros(us: number): string {
  // Rows come in leaf order, and neighbours share their second: its text is made once.
  const second = Math.floor(us / 1e6);
  if (second !== lastFormattedSecond) {
    lastFormattedSecond = second;
    lastSecondText = new Date(second * 1000).toISOString().slice(0, 20); // 2026-11-23T10:00:00.
  }
  return `${lastSecondText}${String(us - second * 1e6).padStart(6, '0')}Z`;
}
let lastFormattedSecond = Number.NaN;
let lastSecondText = '';

/** A timestamp in kube-apiserver's exact form as an integer (µs); any other text as it is. */
function encodeTime(text: string | null): number | string | null {
  if (text === null || text.length !== 27 || !CANONICAL_TIME.test(text)) return text;
  // Most events of a batch share their second: it is read (and checked to print back the
  // same, which rules out days like February 30th) once.
  const second = text.slice(0, 19);
  if (second !== lastSecond) {
    lastSecond = second;
    const ms = Date.parse(`${second}Z`);
    lastSecondUs = Number.isFinite(ms) && ms >= 0 && new Date(ms).toISOString().slice(0, 19) === second ? ms * 1000 : NaN;
  }
  return Number.isNaN(lastSecondUs) ? text : lastSecondUs + Number(text.slice(20, 26));
}
const CANONICAL_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
let lastSecond = '';
let lastSecondUs = NaN;

function decodeTime(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  return typeof v === 'number' || typeof v === 'bigint' ? formatMicros(Number(v)) : String(v);
}

/** A filter value with *, ? or [...] is a glob. */
const GLOB = /[*?[]/;

/** A test of the sourceIPs text against a filter's IP or CIDR, or null when there is none. */
function sourceTest(filter: EventFilter): ((sourceIPs: string | null) => boolean) | null {
  if (filter.sourceIP === undefined) return null;
  const [ip, bits] = filter.sourceIP.split('/');
  const family = isIP(ip);
  if (family === 0) throw new Error(`kubetrail/store: internal: ${filter.sourceIP} is not an IP or CIDR (the caller checks)`);
  const list = new BlockList();
  const type = family === 6 ? 'ipv6' : 'ipv4';
  if (bits === undefined) list.addAddress(ip, type);
  else list.addSubnet(ip, Number(bits), type);
  return (sourceIPs) => {
    try {
      return (JSON.parse(sourceIPs ?? '[]') as string[]).some((a) => {
        const f = isIP(a);
        return f !== 0 && list.check(a, f === 6 ? 'ipv6' : 'ipv4');
      });
    } catch {
      return false;
    }
  };
}

function limitOf(filter: EventFilter): string {
  return filter.limit !== undefined ? ` LIMIT ${Math.max(0, Math.floor(filter.limit))}` : '';
}


export interface SqliteIndexOptions {
  readonly?: boolean;
}

/** Audit IDs per dedupe look-up statement. */
const SEEN_CHUNK = 500;

/** Most strings kept in memory each way; beyond that the table answers. */
const CACHE_MAX = 250_000;

/** The SQLite index, with what only its own writer uses. */
export interface SqliteEventIndex extends EventIndex {
  /** add(), for `count` rows taken one at a time from `rows` (each may be made as it is asked for). */
  addLazily(rows: Iterable<IndexRow & { bytes?: number }>, count: number): Promise<void>;
}

/** Opens (creating unless read-only) the SQLite index at `path`. */
export function openSqliteIndex(path: string, options: SqliteIndexOptions = {}): SqliteEventIndex {
  const readonly = options.readonly === true;
  const db = new Database(path, { readonly, fileMustExist: readonly, nativeBinding: sqliteAddonPath() });
  // Reads through the page cache of the OS rather than a copy per page.
  db.pragma('mmap_size = 1073741824');
  if (!readonly) {
    // 16 KiB pages for a new file (an existing one keeps its own): fewer, wider B-tree
    // levels for the indexes that take random keys. Measured on a live ingest of 300,000
    // events, with the WAL checkpointed at 64 MB either way: the index thread 6.1 → 5.9–6.0 s
    // of CPU (a first measurement, 5.5 s, had let the WAL grow to 256 MB), the file the same size.
    db.pragma('page_size = 16384');
    db.pragma('journal_mode = WAL');
    // The index is derived: after a power loss it is caught up from the ledger, so a
    // transaction need not be fsync'd before the next one (WAL keeps it consistent).
    db.pragma('synchronous = NORMAL');
    // Rows go in in leaf order, but the (audit_id, stage) index takes random UUIDs: at
    // millions of rows its pages must stay cached or every insert reads a page.
    db.pragma('cache_size = -262144');
    // A checkpoint copies the WAL's pages into the file and syncs it: at the default of
    // every 1,000 pages (4 MB) that happened several times a second while ingesting, and
    // the same hot index pages were copied over and over. Measured at 300,000 rows in
    // transactions of 8,192: 65 k rows/s at the default, 99 k at 16,384 pages of 4 KiB.
    // The setting counts pages: 64 MB of them whatever this file's page size. The WAL is
    // cut back to 64 MB after a checkpoint and removed when the index closes.
    db.pragma(`wal_autocheckpoint = ${Math.floor(67108864 / Number(db.pragma('page_size', { simple: true })))}`);
    db.pragma('journal_size_limit = 67108864');
    const hasMeta = db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'`).get() !== undefined;
    const version = hasMeta ? (db.prepare(`SELECT value FROM meta WHERE key = 'schema'`).pluck().get() as string | undefined) : undefined;
    if (hasMeta && version !== SCHEMA_VERSION) {
      // An index of an older layout: it is derived, so it is dropped and rebuilt from the
      // ledger (the store catches up a writable index when it opens).
      db.exec(`DROP TABLE IF EXISTS events; DROP TABLE IF EXISTS strings; DROP TABLE IF EXISTS rollup; DROP TABLE IF EXISTS time_blocks; DROP TABLE IF EXISTS minutes; DROP TABLE IF EXISTS meta;`);
    }
    db.exec(SCHEMA);
    if (!lookupsDeferred(db)) for (const ddl of LOOKUP_INDEXES) db.exec(ddl);
    // Time ranges are found through time_blocks and read as ranges of leaves; an index on
    // time_us (in indexes made before) cost 12% of every insert and answered nothing.
    db.exec(`DROP INDEX IF EXISTS events_time`);
    db.prepare(`INSERT OR IGNORE INTO meta (key, value) VALUES ('leaves', '0')`).run();
    db.prepare(`INSERT OR REPLACE INTO meta (key, value) VALUES ('schema', ?)`).run(SCHEMA_VERSION);
    // Made before time_blocks or minutes existed (or new): one pass over the rows fills each.
    if (!isKept(db, 'time_blocks')) db.transaction(() => fillTimeBlocks(db))();
    if (!isKept(db, 'minutes')) db.transaction(() => fillMinutes(db))();
  } else {
    const version = db.prepare(`SELECT value FROM meta WHERE key = 'schema'`).pluck().get();
    if (version !== SCHEMA_VERSION) {
      db.close();
      throw new StoreError('BAD_REQUEST', `the index at ${path} has an older layout (schema ${String(version ?? 1)}); run kubetrail reindex --store ${dirname(path)} (or ingest, tail or serve, which rebuild it) and ask again`);
    }
  }

  // --- the dictionary ---
  const idOfStmt = db.prepare(`SELECT id FROM strings WHERE s = ?`).pluck();
  const addString = db.prepare(`INSERT INTO strings (s) VALUES (?)`);
  const textOfStmt = db.prepare(`SELECT s FROM strings WHERE id = ?`).pluck();
  let ids = new Map<string, number>();
  let texts = new Map<number, string>();
  /** The id of a string, added when `create` (inside a write transaction). */
  const idOf = (s: string, create: boolean): number | null => {
    let id = ids.get(s);
    if (id !== undefined) return id;
    const found = idOfStmt.get(s) as number | bigint | undefined;
    if (found !== undefined) id = Number(found);
    else if (create) id = Number(addString.run(s).lastInsertRowid);
    else return null;
    if (ids.size >= CACHE_MAX) ids = new Map();
    ids.set(s, id);
    return id;
  };
  const textOf = (id: unknown): string | null => {
    if (id === null || id === undefined) return null;
    const n = Number(id);
    let s = texts.get(n);
    if (s === undefined) {
      const found = textOfStmt.get(n);
      // A dangling id: only a changed file has one; verify reports the row as disagreeing.
      s = found === undefined ? `\u0000missing string ${n}` : String(found);
      if (texts.size >= CACHE_MAX) texts = new Map();
      texts.set(n, s);
    }
    return s;
  };
  const forgetStrings = () => {
    ids = new Map();
    texts = new Map();
    lastText.fill(null);
  };

  /**
   * A row from its values as SELECT_ROW reads them (INSERT_COLUMNS order): one object
   * literal, so every row has the same shape, and no object per row from SQLite.
   */
  const rowOfValues = (v: unknown[]): IndexRow => ({
    leaf: Number(v[0]),
    auditID: decodeAuditID(v[1]),
    stage: textOf(v[2]),
    level: textOf(v[3]),
    verb: textOf(v[4]),
    user: textOf(v[5]),
    groups: textOf(v[6]),
    impersonatedUser: textOf(v[7]),
    sourceIPs: textOf(v[8]),
    userAgent: textOf(v[9]),
    apiGroup: textOf(v[10]),
    apiVersion: textOf(v[11]),
    resource: textOf(v[12]),
    subresource: textOf(v[13]),
    namespace: textOf(v[14]),
    name: textOf(v[15]),
    requestURI: textOf(v[16]),
    authorizationDecision: textOf(v[17]),
    authorizationReason: textOf(v[18]),
    responseCode: nullableNumber(v[19]),
    requestReceivedTimestamp: decodeTime(v[20]),
    stageTimestamp: decodeTime(v[21]),
    timeUs: nullableNumber(v[22]),
  });
  // (The index-layout test reads every column back through it.)

  // --- filters ---
  // Until the tables kept as rows arrive are complete, leaf bounds and events per minute
  // take the slow way (see isKept).
  const timeBlocks = isKept(db, 'time_blocks');
  const minutesKept = isKept(db, 'minutes');
  const firstBlockReaching = timeBlocks ? db.prepare(`SELECT min(block) FROM time_blocks WHERE max_us >= ?`).pluck() : null;
  const lastBlockBefore = timeBlocks ? db.prepare(`SELECT max(block) FROM time_blocks WHERE min_us < ?`).pluck() : null;
  const minLeafInRange = db.prepare(`SELECT min(leaf) FROM events WHERE leaf >= ? AND leaf < ? AND time_us >= ?`).pluck();
  const maxLeafInRange = db.prepare(`SELECT max(leaf) FROM events WHERE leaf >= ? AND leaf < ? AND time_us < ?`).pluck();
  const minLeafSinceSlow = db.prepare(`SELECT min(leaf) FROM events WHERE time_us >= ?`).pluck();
  const maxLeafUntilSlow = db.prepare(`SELECT max(leaf) FROM events WHERE time_us < ?`).pluck();
  /** The first leaf of an event at or after t, or null. */
  const minLeafSince = (t: number): number | null => {
    if (firstBlockReaching === null) return nullableNumber(minLeafSinceSlow.get(t));
    const block = nullableNumber(firstBlockReaching.get(t));
    return block === null ? null : nullableNumber(minLeafInRange.get(block * TIME_BLOCK_SIZE, (block + 1) * TIME_BLOCK_SIZE, t));
  };
  /** The last leaf of an event before t, or null. */
  const maxLeafUntil = (t: number): number | null => {
    if (lastBlockBefore === null) return nullableNumber(maxLeafUntilSlow.get(t));
    const block = nullableNumber(lastBlockBefore.get(t));
    return block === null ? null : nullableNumber(maxLeafInRange.get(block * TIME_BLOCK_SIZE, (block + 1) * TIME_BLOCK_SIZE, t));
  };
  /** The WHERE clause of the query filters (values bound, never spliced). */
  const whereOf = (filter: EventFilter): { where: string; args: unknown[] } => {
    const where: string[] = [];
    const args: unknown[] = [];
    // Equality finds the value's id (none: nothing matches); a value with *, ? or [...] is
    // a GLOB over the dictionary (case-sensitive, like kubectl names).
    const match = (col: string, v: string | undefined) => {
      if (v === undefined) return;
      if (GLOB.test(v)) {
        where.push(`${col} IN (SELECT id FROM strings WHERE s GLOB ?)`);
        args.push(v);
      } else {
        where.push(`${col} = ?`);
        args.push(idOf(v, false) ?? -1);
      }
    };
    if (filter.afterLeaf !== undefined) {
      where.push('leaf > ?');
      args.push(filter.afterLeaf);
    }
    if (filter.beforeLeaf !== undefined) {
      where.push('leaf < ?');
      args.push(filter.beforeLeaf);
    }
    if (filter.auditID !== undefined) {
      if (GLOB.test(filter.auditID)) {
        where.push(`(CASE WHEN typeof(audit_id) = 'blob' THEN lower(substr(hex(audit_id), 1, 8) || '-' || substr(hex(audit_id), 9, 4) || '-' || substr(hex(audit_id), 13, 4) || '-' || substr(hex(audit_id), 17, 4) || '-' || substr(hex(audit_id), 21)) ELSE audit_id END) GLOB ?`);
        args.push(filter.auditID);
      } else {
        where.push('audit_id = ?');
        args.push(encodeAuditID(filter.auditID));
      }
    }
    match('stage', filter.stage);
    match('level', filter.level);
    match('user', filter.user);
    match('impersonated_user', filter.impersonatedUser);
    match('verb', filter.verb);
    match('resource', filter.resource);
    match('namespace', filter.namespace);
    match('name', filter.name);
    match('user_agent', filter.userAgent);
    match('authz_decision', filter.decision);
    if (filter.group !== undefined) {
      // groups is the JSON array's text: look for the quoted name, LIKE's wildcards escaped.
      where.push(`groups IN (SELECT id FROM strings WHERE s LIKE ? ESCAPE '\\')`);
      args.push(`%${JSON.stringify(filter.group).replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
    }
    if (filter.code !== undefined) {
      const cls = /^([1-5])xx$/i.exec(filter.code);
      if (cls) {
        where.push('response_code BETWEEN ? AND ?');
        args.push(Number(cls[1]) * 100, Number(cls[1]) * 100 + 99);
      } else {
        where.push('response_code = ?');
        args.push(Number(filter.code));
      }
    }
    if (filter.sinceUs !== undefined) {
      where.push('time_us >= ?');
      args.push(filter.sinceUs);
      // The same bound on leaves (events arrive nearly in time order), so that a query in
      // leaf order reads only the range's rows instead of the whole table.
      where.push('leaf >= ?');
      args.push(minLeafSince(filter.sinceUs) ?? Number.MAX_SAFE_INTEGER);
    }
    if (filter.untilUs !== undefined) {
      where.push('time_us < ?');
      args.push(filter.untilUs);
      where.push('leaf <= ?');
      args.push(maxLeafUntil(filter.untilUs) ?? -1);
    }
    return { where: where.length > 0 ? ` WHERE ${where.join(' AND ')}` : '', args };
  };

  /** A grouped column's value for people: its text, the code, or "(none)". */
  const keyText = (column: GroupColumn, v: unknown): string => {
    if (column === 'response_code') return v === null || v === undefined || Number(v) === NONE_CODE ? '(none)' : String(v);
    if (v === null || v === undefined || Number(v) === NONE_ID) return '(none)';
    return textOf(v) ?? '(none)';
  };

  // --- writes ---
  const insert = db.prepare(`INSERT INTO events (${INSERT_COLUMNS.join(', ')}) VALUES (${INSERT_COLUMNS.map(() => '?').join(', ')})`);
  const setLeaves = db.prepare(`UPDATE meta SET value = ? WHERE key = 'leaves'`);
  const getLeaves = db.prepare(`SELECT value FROM meta WHERE key = 'leaves'`).pluck();
  const seenMany = db.prepare(`SELECT audit_id, stage FROM events WHERE audit_id IN (${Array.from({ length: SEEN_CHUNK }, () => '?').join(',')})`);
  const bumpRollup = db.prepare(`INSERT INTO rollup (col, id, events, bytes) VALUES (?, ?, ?, ?) ON CONFLICT (col, id) DO UPDATE SET events = events + excluded.events, bytes = bytes + excluded.bytes`);
  // (A reader of an index made before time_blocks existed has no such table.)
  const bumpMinute = readonly ? null : db.prepare(`INSERT INTO minutes (minute, events) VALUES (?, ?) ON CONFLICT (minute) DO UPDATE SET events = events + excluded.events`);
  const bumpTimeBlock = readonly ? null : db.prepare(`INSERT INTO time_blocks (block, min_us, max_us) VALUES (?, ?, ?) ON CONFLICT (block) DO UPDATE SET min_us = min(min_us, excluded.min_us), max_us = max(max_us, excluded.max_us)`);
  const rollupColumnIndex = new Map(ROLLUP_COLUMNS.map((c, i) => [c, i]));
  // Where each rollup column's value sits in an insert's values (response_code is not a
  // dictionary id: its "none" is NONE_CODE, not NONE_ID).
  const rollupValuePosition = ROLLUP_COLUMNS.map((c) => INSERT_COLUMNS.indexOf(c));
  const rollupNone = ROLLUP_COLUMNS.map((c) => (c === 'response_code' ? NONE_CODE : NONE_ID));
  const textKeys = TEXT_COLUMNS.map(([, key]) => key);
  // The last value and id of each text column: neighbouring rows repeat most of theirs,
  // and comparing with the last one costs less than hashing the string for the map.
  const lastText: (string | null)[] = TEXT_COLUMNS.map(() => null);
  const lastId: number[] = TEXT_COLUMNS.map(() => 0);
  /**
   * Adds `count` rows, leaves at, at + 1, …, in one transaction. The rows are taken one
   * at a time and not kept: a caller that derives each as it is asked for (the index
   * worker) has every row die young, where an array of a transaction's 30,000 rows
   * survived the young generation's collections and was copied by each of them.
   */
  const addAll = db.transaction((rows: Iterable<IndexRow & { bytes?: number }>, at: number, count: number) => {
    // Events and bytes per (rollup column, value) of this transaction, added to the table once.
    const sums = ROLLUP_COLUMNS.map(() => new Map<number, { events: number; bytes: number }>());
    const values: unknown[] = new Array(INSERT_COLUMNS.length);
    // The transaction's time range per block of leaves, and its events per minute.
    let block = -1;
    let lo = 0;
    let hi = 0;
    const perMinute = new Map<number, number>();
    let n = 0;
    for (const r of rows) {
      if (r.leaf !== at + n) throw new Error(`kubetrail/store: internal: index row for leaf ${r.leaf} where leaf ${at + n} was due`);
      n++;
      let i = 0;
      values[i++] = r.leaf;
      values[i++] = encodeAuditID(r.auditID);
      for (let t = 0; t < textKeys.length; t++) {
        const v = r[textKeys[t]];
        let id: number | null = null;
        if (v !== null) {
          if (v === lastText[t]) id = lastId[t];
          else {
            id = idOf(v, true)!;
            lastText[t] = v;
            lastId[t] = id;
          }
        }
        values[i++] = id;
      }
      values[i++] = r.responseCode;
      values[i++] = encodeTime(r.requestReceivedTimestamp);
      values[i++] = encodeTime(r.stageTimestamp);
      values[i++] = r.timeUs;
      values[i++] = r.bytes ?? null;
      insert.run(values);
      const bytes = r.bytes ?? 0;
      for (let c = 0; c < sums.length; c++) {
        const x = values[rollupValuePosition[c]];
        const id = x === null || x === undefined ? rollupNone[c] : (x as number);
        const s = sums[c].get(id);
        if (s === undefined) sums[c].set(id, { events: 1, bytes });
        else {
          s.events++;
          s.bytes += bytes;
        }
      }
      if (r.timeUs !== null) {
        const b = Math.floor(r.leaf / TIME_BLOCK_SIZE);
        if (b !== block) {
          if (block >= 0) bumpTimeBlock!.run(block, lo, hi);
          block = b;
          lo = hi = r.timeUs;
        } else if (r.timeUs < lo) lo = r.timeUs;
        else if (r.timeUs > hi) hi = r.timeUs;
        const m = Math.trunc(r.timeUs / MINUTE_US) || 0; // (never -0: SQL's division gives 0)
        perMinute.set(m, (perMinute.get(m) ?? 0) + 1);
      }
    }
    if (n !== count) throw new Error(`kubetrail/store: internal: ${n} index rows where ${count} were due`);
    sums.forEach((byId, c) => {
      for (const [id, s] of byId) bumpRollup.run(c, id, s.events, s.bytes);
    });
    if (block >= 0) bumpTimeBlock!.run(block, lo, hi);
    for (const [m, k] of perMinute) bumpMinute!.run(m, k);
    setLeaves.run(String(at + count));
  });

  const addRows = (rows: Iterable<IndexRow & { bytes?: number }>, count: number): void => {
    if (count === 0) return;
    const at = Number(getLeaves.get() ?? 0);
    try {
      addAll(rows, at, count);
    } catch (err) {
      // Ids cached during a rolled-back transaction were never stored.
      forgetStrings();
      throw err;
    }
  };

  const rebuildRollup = () => {
    db.prepare(`DELETE FROM rollup`).run();
    ROLLUP_COLUMNS.forEach((column, c) => {
      const none = column === 'response_code' ? NONE_CODE : NONE_ID;
      db.prepare(`INSERT INTO rollup (col, id, events, bytes) SELECT ?, coalesce(${column}, ?), count(*), coalesce(sum(bytes), 0) FROM events GROUP BY coalesce(${column}, ?)`).run(c, none, none);
    });
  };

  return {
    name: `sqlite<${path}>`,
    async indexedSize() {
      return Number(getLeaves.get() ?? 0);
    },
    async add(rows) {
      addRows(rows, rows.length);
    },
    async addLazily(rows, count) {
      addRows(rows, count);
    },
    async seen(keys: readonly DedupeKey[]) {
      // One statement per SEEN_CHUNK audit IDs (a batch of thousands asks a few times,
      // not thousands of times); the stages are matched here.
      const out = new Set<string>();
      const wanted = new Set(keys.map(dedupeKeyString));
      const auditIDs = [...new Set(keys.map((k) => k.auditID))];
      for (let i = 0; i < auditIDs.length; i += SEEN_CHUNK) {
        const part = auditIDs.slice(i, i + SEEN_CHUNK);
        const stmt = part.length === SEEN_CHUNK ? seenMany : db.prepare(`SELECT audit_id, stage FROM events WHERE audit_id IN (${part.map(() => '?').join(',')})`);
        for (const r of stmt.iterate(...part.map(encodeAuditID)) as Iterable<{ audit_id: unknown; stage: unknown }>) {
          const key = dedupeKeyString({ auditID: decodeAuditID(r.audit_id) ?? '', stage: textOf(r.stage) ?? '' });
          if (wanted.has(key)) out.add(key);
        }
      }
      return out;
    },
    async *query(filter: EventFilter) {
      const { where, args } = whereOf(filter);
      const ip = sourceTest(filter);
      if (ip === null) {
        const sql = `SELECT leaf FROM events${where} ORDER BY leaf${limitOf(filter)}`;
        for (const leaf of db.prepare(sql).pluck().iterate(...args)) yield Number(leaf);
        return;
      }
      // CIDRs are tested here, so the limit is counted here too.
      let n = 0;
      for (const r of db.prepare(`SELECT leaf, source_ips FROM events${where} ORDER BY leaf`).iterate(...args) as Iterable<{ leaf: number; source_ips: unknown }>) {
        if (!ip(textOf(r.source_ips))) continue;
        if (filter.limit !== undefined && n++ >= filter.limit) return;
        yield Number(r.leaf);
      }
    },
    async *queryRows(filter: EventFilter & { newestFirst?: boolean }) {
      const { where, args } = whereOf(filter);
      const ip = sourceTest(filter);
      const sql = `SELECT ${SELECT_ROW} FROM events${where} ORDER BY leaf${filter.newestFirst ? ' DESC' : ''}${ip === null ? limitOf(filter) : ''}`;
      let n = 0;
      for (const v of db.prepare(sql).raw().iterate(...args) as Iterable<unknown[]>) {
        if (ip !== null) {
          if (!ip(textOf(v[SOURCE_IPS_AT]))) continue;
          if (filter.limit !== undefined && n++ >= filter.limit) return;
        }
        yield rowOfValues(v);
      }
    },
    async timeLeafRange(filter: EventFilter) {
      const first = filter.sinceUs === undefined ? 0 : (minLeafSince(filter.sinceUs) ?? Number.MAX_SAFE_INTEGER);
      const end = filter.untilUs === undefined ? Number(getLeaves.get() ?? 0) : (maxLeafUntil(filter.untilUs) ?? -1) + 1;
      return { first, end };
    },
    async readsEverything(filter: EventFilter) {
      // SQLite's own plan: a SCAN of the events table (rather than a SEARCH through an
      // index) reads every row, however few match.
      const { where, args } = whereOf(filter);
      const plan = db.prepare(`EXPLAIN QUERY PLAN SELECT leaf FROM events${where} ORDER BY leaf`).all(...args) as Array<{ detail: string }>;
      return plan.some((r) => /^SCAN events(?! USING INDEX)/.test(r.detail));
    },
    async top(filter, column, limit) {
      const n = Math.max(1, Math.min(1000, limit));
      const c = rollupColumnIndex.get(column);
      let rows: Array<{ k: unknown; n: number; b: number }>;
      if (c !== undefined && isEmptyFilter(filter)) {
        // The whole store: the rollup kept as events arrived.
        rows = db.prepare(`SELECT id AS k, events AS n, bytes AS b FROM rollup WHERE col = ? ORDER BY events DESC LIMIT ?`).all(c, n) as typeof rows;
      } else {
        const { where, args } = whereOf(filter);
        rows = db.prepare(`SELECT ${column} AS k, count(*) AS n, coalesce(sum(bytes), 0) AS b FROM events${where} GROUP BY ${column} ORDER BY n DESC LIMIT ?`).all(...args, n) as typeof rows;
      }
      return rows.map((r) => ({ key: keyText(column, r.k), events: Number(r.n), bytes: Number(r.b) }));
    },
    async timeline(filter, column, stepUs, series) {
      const { where, args } = whereOf(filter);
      const step = Math.max(1, Math.floor(stepUs));
      const timeWhere = where === '' ? ' WHERE time_us IS NOT NULL' : `${where} AND time_us IS NOT NULL`;
      // (bucket, series — its place in names, -1 for the rest —, events), in bucket order.
      let names: string[];
      let counted: Array<[number, number, number]>;
      if (series <= 0) {
        // All events in one series: per minute of the whole store, the counts kept as rows
        // arrived; else one pass grouped by bucket alone (none to rank values).
        names = ['all'];
        const rows = (
          isEmptyFilter(filter) && minutesKept && step === MINUTE_US
            ? db.prepare(`SELECT minute, events FROM minutes ORDER BY minute`).raw().all()
            : db.prepare(`SELECT (time_us / CAST(? AS INTEGER)) AS b, count(*) AS n FROM events${timeWhere} GROUP BY b ORDER BY b`).raw().all(step, ...args)
        ) as Array<[number, number]>;
        counted = rows.map(([b, n]) => [Number(b), 0, Number(n)]);
      } else {
        const top = (db.prepare(`SELECT ${column} AS k FROM events${where} GROUP BY ${column} ORDER BY count(*) DESC LIMIT ?`).pluck().all(...args, Math.max(1, Math.min(20, series))) as unknown[]).map((k) => (k === null ? null : Number(k)));
        names = top.map((k) => keyText(column, k));
        const rows = db.prepare(`SELECT (time_us / CAST(? AS INTEGER)) AS b, ${column} AS k, count(*) AS n FROM events${timeWhere} GROUP BY b, k ORDER BY b`).raw().all(step, ...args) as Array<[number, unknown, number]>;
        counted = rows.map(([b, k, n]) => [Number(b), top.indexOf(k === null ? null : Number(k)), Number(n)]);
      }
      const first = counted.length > 0 ? counted[0][0] : 0;
      const last = counted.length > 0 ? counted[counted.length - 1][0] : -1;
      const starts: number[] = [];
      for (let b = first; b <= last; b++) starts.push(b * stepUs);
      const out = names.map((name) => ({ name, counts: starts.map(() => 0) }));
      const other = { name: 'other', counts: starts.map(() => 0) };
      for (const [b, i, n] of counted) (i >= 0 ? out[i] : other).counts[b - first] += n;
      if (other.counts.some((c) => c > 0)) out.push(other);
      return { starts, series: out };
    },
    async health(filter, examples) {
      const { where, args } = whereOf(filter);
      const keyed = where === '' ? ' WHERE audit_id IS NOT NULL' : `${where} AND audit_id IS NOT NULL`;
      const requests = Number(db.prepare(`SELECT count(DISTINCT audit_id) FROM events${keyed}`).pluck().get(...args));
      const finals = ['ResponseComplete', 'Panic'].map((s) => idOf(s, false) ?? -1);
      const missingSql = `SELECT audit_id FROM events${keyed} GROUP BY audit_id HAVING sum(stage IN (?, ?)) = 0`;
      const missing = db.prepare(`SELECT count(*) FROM (${missingSql})`).pluck().get(...args, ...finals);
      const missingExamples = db.prepare(`${missingSql} LIMIT ?`).pluck().all(...args, ...finals, examples).map((v) => decodeAuditID(v) ?? '');
      const dupSql = `SELECT audit_id, stage FROM events${keyed} GROUP BY audit_id, stage HAVING count(*) > 1`;
      const dup = db.prepare(`SELECT count(*) FROM (${dupSql})`).pluck().get(...args);
      const dupExamples = (db.prepare(`${dupSql} LIMIT ?`).all(...args, examples) as Array<{ audit_id: unknown; stage: unknown }>).map((r) => `${decodeAuditID(r.audit_id)} ${textOf(r.stage) ?? ''}`);
      return { requests, missingFinalStage: { count: Number(missing), examples: missingExamples }, duplicated: { count: Number(dup), examples: dupExamples } };
    },
    async values(column, prefix, limit) {
      const n = Math.max(1, Math.min(100, limit));
      if (!TEXT_COLUMN_NAMES.has(column)) throw new Error(`kubetrail/store: internal: ${column} is not a text column`);
      const c = rollupColumnIndex.get(column as GroupColumn);
      if (c !== undefined) {
        // Most frequent first, from the rollup.
        const sql = `SELECT s.s FROM rollup r JOIN strings s ON s.id = r.id WHERE r.col = ? AND s.s >= ? AND s.s < ? ORDER BY r.events DESC LIMIT ?`;
        return db.prepare(sql).pluck().all(c, prefix, `${prefix}\uffff`, n).map(String);
      }
      // Names and the like: dictionary entries in the prefix's range that this column uses.
      const sql = `SELECT s FROM strings WHERE s >= ? AND s < ? AND EXISTS (SELECT 1 FROM events WHERE ${column} = strings.id) ORDER BY s LIMIT ?`;
      return db.prepare(sql).pluck().all(prefix, `${prefix}\uffff`, n).map(String);
    },
    async *rowBatches(from: number, to: number, size = 4096) {
      // Rows as arrays in the insert's column order (not objects of 24 named columns: a
      // third of verify's time went there), a batch per statement.
      const stmt = db.prepare(`SELECT ${SELECT_ROW} FROM events WHERE leaf >= ? AND leaf < ? ORDER BY leaf LIMIT ?`).raw();
      for (let at = from; at < to; ) {
        const batch = stmt.all(at, to, size) as unknown[][];
        if (batch.length === 0) return;
        yield batch.map((v) => Object.assign(rowOfValues(v), { bytes: nullableNumber(v[BYTES_AT]) }));
        at = Number(batch[batch.length - 1][0]) + 1;
      }
    },
    async rowCount() {
      return Number(db.prepare(`SELECT count(*) FROM events`).pluck().get());
    },
    async rollupDisagreement() {
      for (const [c, column] of ROLLUP_COLUMNS.entries()) {
        const none = column === 'response_code' ? NONE_CODE : NONE_ID;
        const sql = `SELECT coalesce(e.k, r.id) AS k, e.n AS en, e.b AS eb, r.events AS rn, r.bytes AS rb FROM
          (SELECT coalesce(${column}, ?) AS k, count(*) AS n, coalesce(sum(bytes), 0) AS b FROM events GROUP BY 1) e
          FULL OUTER JOIN (SELECT id, events, bytes FROM rollup WHERE col = ?) r ON r.id = e.k
          WHERE e.n IS NOT r.events OR e.b IS NOT r.bytes LIMIT 1`;
        const bad = db.prepare(sql).get(none, c) as { k: unknown; en: unknown; eb: unknown; rn: unknown; rb: unknown } | undefined;
        if (bad !== undefined) return `the ${column} rollup for ${JSON.stringify(keyText(column, bad.k))} says ${String(bad.rn ?? 0)} events / ${String(bad.rb ?? 0)} bytes, the rows hold ${String(bad.en ?? 0)} / ${String(bad.eb ?? 0)}`;
      }
      if (timeBlocks) {
        // A time range that hid rows would make since= and until= miss events.
        const bad = db.prepare(`SELECT coalesce(e.block, t.block) AS block, e.lo, e.hi, t.min_us, t.max_us FROM
          (SELECT leaf >> ${TIME_BLOCK_SHIFT} AS block, min(time_us) AS lo, max(time_us) AS hi FROM events WHERE time_us IS NOT NULL GROUP BY 1) e
          FULL OUTER JOIN time_blocks t ON t.block = e.block
          WHERE e.lo IS NOT t.min_us OR e.hi IS NOT t.max_us LIMIT 1`).get() as { block: number; lo: unknown; hi: unknown; min_us: unknown; max_us: unknown } | undefined;
        if (bad !== undefined) return `the time range of leaves ${Number(bad.block) * TIME_BLOCK_SIZE}–${(Number(bad.block) + 1) * TIME_BLOCK_SIZE - 1} says ${timeSpan(bad.min_us, bad.max_us)}, the rows hold ${timeSpan(bad.lo, bad.hi)}`;
      }
      if (minutesKept) {
        // Events per minute drawn by stats.
        const bad = db.prepare(`SELECT coalesce(e.m, k.minute) AS m, e.n, k.events FROM
          (SELECT time_us / ${MINUTE_US} AS m, count(*) AS n FROM events WHERE time_us IS NOT NULL GROUP BY 1) e
          FULL OUTER JOIN minutes k ON k.minute = e.m
          WHERE e.n IS NOT k.events LIMIT 1`).get() as { m: number; n: unknown; events: unknown } | undefined;
        if (bad !== undefined) return `the events of the minute from ${new Date(Number(bad.m) * 60_000).toISOString()} are counted as ${String(bad.events ?? 0)}, the rows hold ${String(bad.n ?? 0)}`;
      }
      return null;
    },
    async clear(from = 0) {
      db.transaction(() => {
        db.prepare(`DELETE FROM events`).run();
        db.prepare(`DELETE FROM rollup`).run();
        db.prepare(`DELETE FROM strings`).run();
        fillTimeBlocks(db);
        fillMinutes(db);
        setLeaves.run(String(from));
      })();
      forgetStrings();
    },
    async prune(keepFrom: number) {
      db.transaction(() => {
        db.prepare(`DELETE FROM events WHERE leaf < ?`).run(keepFrom);
        rebuildRollup();
        fillTimeBlocks(db);
        fillMinutes(db);
      })();
    },
    async deferLookups() {
      db.transaction(() => {
        for (const name of LOOKUP_INDEX_NAMES) db.exec(`DROP INDEX IF EXISTS ${name}`);
        db.prepare(`INSERT OR REPLACE INTO meta (key, value) VALUES ('lookups', 'deferred')`).run();
      })();
    },
    async buildLookups() {
      const made = db.prepare(`SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name IN (${LOOKUP_INDEX_NAMES.map(() => '?').join(', ')})`).pluck().get(...LOOKUP_INDEX_NAMES);
      if (made === LOOKUP_INDEX_NAMES.length && !lookupsDeferred(db)) return;
      // One transaction each (the WAL is checkpointed between them rather than holding all
      // four), the mark removed with the last; IF NOT EXISTS makes a repeat after a crash safe.
      LOOKUP_INDEXES.forEach((ddl, i) =>
        db.transaction(() => {
          db.exec(ddl);
          if (i === LOOKUP_INDEXES.length - 1) db.prepare(`DELETE FROM meta WHERE key = 'lookups'`).run();
        })(),
      );
    },
    async close() {
      db.close();
    },
  };
}
