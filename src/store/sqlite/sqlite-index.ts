/**
 * The embedded index: SQLite through better-sqlite3, in WAL mode. A derived view of the
 * ledger: it holds one row per leaf with the forensic columns, plus `meta.leaves`, the
 * number of leaves indexed (rows for leaves [0, leaves) are present). It is written
 * after the ledger commits, so after a crash it may be behind; the store catches it up
 * from the ledger when opened for writing, and `kubetrail reindex` rebuilds it.
 *
 * Indexes: (audit_id, stage) for dedupe, and user, (resource, leaf) — so a resource's
 * newest events come in order without a sort — name and time for the query filters.
 * Nothing of better-sqlite3 leaves this file.
 */
import { BlockList, isIP } from 'node:net';
import Database from 'better-sqlite3';
import type { DedupeKey, EventFilter, EventIndex, IndexRow } from '../types.js';
import { dedupeKeyString } from '../types.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS events (
  leaf INTEGER PRIMARY KEY,
  audit_id TEXT, stage TEXT, level TEXT, verb TEXT, user TEXT, groups TEXT,
  impersonated_user TEXT, source_ips TEXT, user_agent TEXT,
  api_group TEXT, api_version TEXT, resource TEXT, subresource TEXT, namespace TEXT, name TEXT,
  request_uri TEXT, response_code INTEGER, authz_decision TEXT, authz_reason TEXT,
  request_received TEXT, stage_ts TEXT, time_us INTEGER
);
CREATE INDEX IF NOT EXISTS events_audit_id ON events (audit_id, stage);
CREATE INDEX IF NOT EXISTS events_user ON events (user);
CREATE INDEX IF NOT EXISTS events_resource_leaf ON events (resource, leaf);
CREATE INDEX IF NOT EXISTS events_name ON events (name);
CREATE INDEX IF NOT EXISTS events_time ON events (time_us);
`;

const COLUMNS: [string, keyof IndexRow][] = [
  ['leaf', 'leaf'],
  ['audit_id', 'auditID'],
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
  ['response_code', 'responseCode'],
  ['authz_decision', 'authorizationDecision'],
  ['authz_reason', 'authorizationReason'],
  ['request_received', 'requestReceivedTimestamp'],
  ['stage_ts', 'stageTimestamp'],
  ['time_us', 'timeUs'],
];

function toRow(r: Record<string, unknown>): IndexRow {
  const out: Record<string, unknown> = {};
  for (const [col, key] of COLUMNS) out[key] = r[col] ?? null;
  return out as unknown as IndexRow;
}

/** The WHERE clause of the query filters (values bound, never spliced). */
const GLOB = /[*?[]/;

/** The WHERE clause of the query filters (values bound, never spliced). */
function whereOf(filter: EventFilter): { where: string; args: unknown[] } {
  const where: string[] = [];
  const args: unknown[] = [];
  // Equality uses the indexes; a value with *, ? or [...] is a GLOB (case-sensitive, like kubectl names).
  const match = (col: string, v: string | undefined) => {
    if (v === undefined) return;
    where.push(GLOB.test(v) ? `${col} GLOB ?` : `${col} = ?`);
    args.push(v);
  };
  if (filter.afterLeaf !== undefined) {
    where.push('leaf > ?');
    args.push(filter.afterLeaf);
  }
  match('audit_id', filter.auditID);
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
    where.push(`groups LIKE ? ESCAPE '\\'`);
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
  }
  if (filter.untilUs !== undefined) {
    where.push('time_us < ?');
    args.push(filter.untilUs);
  }
  return { where: where.length > 0 ? ` WHERE ${where.join(' AND ')}` : '', args };
}

/** A test of the sourceIPs column against a filter's IP or CIDR, or null when there is none. */
function sourceTest(filter: EventFilter): ((sourceIPs: unknown) => boolean) | null {
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
      return (JSON.parse(String(sourceIPs ?? '[]')) as string[]).some((a) => {
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

/** Opens (creating unless read-only) the SQLite index at `path`. */
export function openSqliteIndex(path: string, options: SqliteIndexOptions = {}): EventIndex {
  const db = new Database(path, { readonly: options.readonly === true, fileMustExist: options.readonly === true });
  if (options.readonly !== true) {
    db.pragma('journal_mode = WAL');
    // The index is derived: after a power loss it is caught up from the ledger, so a
    // transaction need not be fsync'd before the next one (WAL keeps it consistent).
    db.pragma('synchronous = NORMAL');
    db.exec(SCHEMA);
    db.prepare(`INSERT OR IGNORE INTO meta (key, value) VALUES ('leaves', '0')`).run();
  }
  const insert = db.prepare(`INSERT INTO events (${COLUMNS.map((c) => c[0]).join(', ')}) VALUES (${COLUMNS.map(() => '?').join(', ')})`);
  const setLeaves = db.prepare(`UPDATE meta SET value = ? WHERE key = 'leaves'`);
  const getLeaves = db.prepare(`SELECT value FROM meta WHERE key = 'leaves'`).pluck();
  const seenOne = db.prepare(`SELECT 1 FROM events WHERE audit_id = ? AND stage = ? LIMIT 1`).pluck();
  const addAll = db.transaction((rows: readonly IndexRow[], leaves: number) => {
    for (const r of rows) insert.run(COLUMNS.map(([, k]) => r[k]));
    setLeaves.run(String(leaves));
  });

  return {
    name: `sqlite<${path}>`,
    async indexedSize() {
      return Number(getLeaves.get() ?? 0);
    },
    async add(rows) {
      if (rows.length === 0) return;
      const at = Number(getLeaves.get() ?? 0);
      if (rows[0].leaf !== at) throw new Error(`kubetrail/store: internal: index rows start at leaf ${rows[0].leaf}, the index is at ${at}`);
      addAll(rows, at + rows.length);
    },
    async seen(keys: readonly DedupeKey[]) {
      const out = new Set<string>();
      for (const k of keys) if (seenOne.get(k.auditID, k.stage) !== undefined) out.add(dedupeKeyString(k));
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
        if (!ip(r.source_ips)) continue;
        if (filter.limit !== undefined && n++ >= filter.limit) return;
        yield Number(r.leaf);
      }
    },
    async *queryRows(filter: EventFilter & { newestFirst?: boolean }) {
      const { where, args } = whereOf(filter);
      const ip = sourceTest(filter);
      const sql = `SELECT * FROM events${where} ORDER BY leaf${filter.newestFirst ? ' DESC' : ''}${ip === null ? limitOf(filter) : ''}`;
      let n = 0;
      for (const r of db.prepare(sql).iterate(...args) as Iterable<Record<string, unknown>>) {
        if (ip !== null) {
          if (!ip(r.source_ips)) continue;
          if (filter.limit !== undefined && n++ >= filter.limit) return;
        }
        yield toRow(r);
      }
    },
    async top(filter, column, limit) {
      const { where, args } = whereOf(filter);
      const sql = `SELECT coalesce(${column}, '(none)') AS k, count(*) AS n FROM events${where} GROUP BY ${column} ORDER BY n DESC LIMIT ?`;
      return (db.prepare(sql).all(...args, Math.max(1, Math.min(1000, limit))) as Array<{ k: unknown; n: number }>).map((r) => ({ key: String(r.k), events: Number(r.n) }));
    },
    async timeline(filter, column, stepUs, series) {
      const { where, args } = whereOf(filter);
      const top = (db.prepare(`SELECT ${column} AS k FROM events${where} GROUP BY ${column} ORDER BY count(*) DESC LIMIT ?`).all(...args, Math.max(1, Math.min(20, series))) as Array<{ k: unknown }>).map((r) => r.k);
      const names = top.map((k) => (k === null ? '(none)' : String(k)));
      const timeWhere = where === '' ? ' WHERE time_us IS NOT NULL' : `${where} AND time_us IS NOT NULL`;
      const rows = db.prepare(`SELECT (time_us / CAST(? AS INTEGER)) AS b, ${column} AS k, count(*) AS n FROM events${timeWhere} GROUP BY b, k ORDER BY b`).all(Math.max(1, Math.floor(stepUs)), ...args) as Array<{ b: number; k: unknown; n: number }>;
      const buckets = [...new Set(rows.map((r) => Number(r.b)))].sort((a, b) => a - b);
      const first = buckets[0] ?? 0;
      const last = buckets[buckets.length - 1] ?? -1;
      const starts: number[] = [];
      for (let b = first; b <= last; b++) starts.push(b * stepUs);
      const other = { name: 'other', counts: starts.map(() => 0) };
      const out = names.map((name) => ({ name, counts: starts.map(() => 0) }));
      for (const r of rows) {
        const i = top.indexOf(r.k);
        (i >= 0 ? out[i] : other).counts[Number(r.b) - first] += Number(r.n);
      }
      if (other.counts.some((c) => c > 0)) out.push(other);
      return { starts, series: out };
    },
    async health(filter, examples) {
      const { where, args } = whereOf(filter);
      const keyed = where === '' ? ' WHERE audit_id IS NOT NULL' : `${where} AND audit_id IS NOT NULL`;
      const requests = Number(db.prepare(`SELECT count(DISTINCT audit_id) FROM events${keyed}`).pluck().get(...args));
      const missingSql = `SELECT audit_id FROM events${keyed} GROUP BY audit_id HAVING sum(stage IN ('ResponseComplete', 'Panic')) = 0`;
      const missing = db.prepare(`SELECT count(*) FROM (${missingSql})`).pluck().get(...args);
      const missingExamples = db.prepare(`${missingSql} LIMIT ?`).pluck().all(...args, examples).map(String);
      const dupSql = `SELECT audit_id || ' ' || coalesce(stage, '') FROM events${keyed} GROUP BY audit_id, stage HAVING count(*) > 1`;
      const dup = db.prepare(`SELECT count(*) FROM (${dupSql})`).pluck().get(...args);
      const dupExamples = db.prepare(`${dupSql} LIMIT ?`).pluck().all(...args, examples).map(String);
      return { requests, missingFinalStage: { count: Number(missing), examples: missingExamples }, duplicated: { count: Number(dup), examples: dupExamples } };
    },
    async values(column, prefix, limit) {
      const sql = `SELECT ${column} AS v FROM events WHERE ${column} >= ? AND ${column} < ? GROUP BY ${column} ORDER BY count(*) DESC LIMIT ?`;
      return db.prepare(sql).pluck().all(prefix, `${prefix}\uffff`, Math.max(1, Math.min(100, limit))).map(String);
    },
    async *rows() {
      for (const r of db.prepare(`SELECT * FROM events ORDER BY leaf`).iterate()) yield toRow(r as Record<string, unknown>);
    },
    async rowCount() {
      return Number(db.prepare(`SELECT count(*) FROM events`).pluck().get());
    },
    async clear(from = 0) {
      db.transaction(() => {
        db.prepare(`DELETE FROM events`).run();
        setLeaves.run(String(from));
      })();
    },
    async prune(keepFrom: number) {
      db.prepare(`DELETE FROM events WHERE leaf < ?`).run(keepFrom);
    },
    async close() {
      db.close();
    },
  };
}
