/**
 * The compact index layout (schema 2): every value comes back exactly as it went in,
 * whatever its form (UUID or not, canonical timestamp or not); an index of the older
 * layout is rebuilt from the ledger; rows derived by the event scanner equal rows derived
 * by JSON.parse.
 */
import { strict as assert } from 'node:assert';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { INDEX_COLUMNS, firstDifference, indexRowOf, indexRowOfBytes, openStore, verifyStore, type IndexRow } from '../../src/store/index.js';
import { openSqliteIndex } from '../../src/store/sqlite/sqlite-index.js';
import { logText } from '../generate/helpers.js';
import { SHARED_DIR, SKIP_WITHOUT_SHARED } from '../support/paths.js';
import { eventLine, tempStore } from './helpers.js';

const base = indexRowOf(0, JSON.parse(eventLine(1)));

const VARIANTS: Array<[string, Partial<IndexRow>]> = [
  ['a canonical UUID and timestamps', {}],
  ['an uppercase UUID (kept as text)', { auditID: '0A1B2C3D-0000-4000-8000-000000000001' }],
  ['an auditID that is no UUID', { auditID: 'request-42' }],
  ['a UUID shape with a letter past f (kept as text)', { auditID: '0a1b2c3d-0000-4000-8000-00000000000g' }],
  ['36 characters with a dash out of place (kept as text)', { auditID: '0a1b2c3d0-000-4000-8000-000000000001' }],
  ['no auditID, no stage', { auditID: null, stage: null }],
  ['milliseconds only', { requestReceivedTimestamp: '2026-11-23T10:00:00.123Z', timeUs: 1795428000123000 }],
  ['an offset instead of Z', { requestReceivedTimestamp: '2026-11-23T12:00:00.000001+02:00', timeUs: 1795428000000001 }],
  ['a lowercase z', { stageTimestamp: '2026-11-23t10:00:00.000001z' }],
  ['a timestamp that is not one', { requestReceivedTimestamp: 'yesterday', timeUs: null }],
  ['before 1970', { requestReceivedTimestamp: '1969-12-31T23:59:59.999999Z', timeUs: -1 }],
  ['no times', { requestReceivedTimestamp: null, stageTimestamp: null, timeUs: null }],
  ['non-ASCII and control characters', { user: 'ålice\u0000\u2028🙂', userAgent: '' }],
  ['a negative and a huge response code', { responseCode: -7 }],
  ['every text null', { stage: null, level: null, verb: null, user: null, groups: null, impersonatedUser: null, sourceIPs: null, userAgent: null, apiGroup: null, apiVersion: null, resource: null, subresource: null, namespace: null, name: null, requestURI: null, responseCode: null, authorizationDecision: null, authorizationReason: null }],
];

test('every value comes back exactly as it went in', async () => {
  const s = tempStore();
  try {
    const index = openSqliteIndex(join(s.root, 'index.sqlite'));
    const rows = VARIANTS.map(([, change], leaf) => ({ ...base, ...change, leaf, bytes: 100 + leaf }));
    await index.add(rows.slice(0, 5));
    await index.add(rows.slice(5));
    const back: unknown[] = [];
    for await (const batch of index.rowBatches(0, rows.length, 3)) back.push(...batch);
    assert.equal(back.length, rows.length);
    VARIANTS.forEach(([name], i) => assert.deepEqual(back[i], rows[i], name));
    // Queries on encoded values find them.
    for (const [i, r] of rows.entries()) {
      if (r.auditID === null) continue;
      const found = [];
      for await (const q of index.queryRows({ auditID: r.auditID })) found.push(q.leaf);
      assert.deepEqual(found, rows.filter((x) => x.auditID === r.auditID).map((x) => x.leaf), `auditID ${r.auditID} (row ${i})`);
    }
    const seen = await index.seen([{ auditID: base.auditID!, stage: base.stage! }, { auditID: 'request-42', stage: 'ResponseComplete' }, { auditID: 'nope', stage: 'ResponseComplete' }]);
    assert.equal(seen.size, 2);
    assert.equal(await index.rollupDisagreement!(), null);
    await index.close();
  } finally {
    s.cleanup();
  }
});

test('events per minute kept as rows arrive equal those counted from the rows: after adds, a prune, a clear, and in an index made before they were kept', async () => {
  const s = tempStore();
  try {
    const path = join(s.root, 'index.sqlite');
    const minute = 60e6;
    const t0 = Date.parse('2026-11-23T10:00:00Z') * 1000;
    // Minute edges, a gap, a row without a time, and times before 1970 (SQL's integer
    // division truncates toward zero: -1 µs and +1 µs share minute 0).
    const offsets = [0, 1, minute - 1, minute, minute + 1, 3 * minute, null, 10 * minute + 5, 10 * minute + 6, 2 * minute];
    const rows: IndexRow[] = offsets.map((dt, leaf) => ({ ...base, leaf, timeUs: dt === null ? null : t0 + dt }));
    rows.push({ ...base, leaf: rows.length, timeUs: -1 }, { ...base, leaf: rows.length + 1, timeUs: 1 }, { ...base, leaf: rows.length + 2, timeUs: -minute - 1 });
    // A filter that holds every row takes the counting path; none takes the kept one.
    const counted = (ix: ReturnType<typeof openSqliteIndex>) => ix.timeline({ afterLeaf: -1 }, 'verb', minute, 0);
    const kept = (ix: ReturnType<typeof openSqliteIndex>) => ix.timeline({}, 'verb', minute, 0);
    let index = openSqliteIndex(path);
    await index.add(rows.slice(0, 4));
    await index.add(rows.slice(4));
    const all = await counted(index);
    assert.equal(all.series[0].counts.reduce((a, b) => a + b, 0), rows.filter((r) => r.timeUs !== null).length);
    assert.deepEqual(await kept(index), all, 'after adds');
    assert.equal(await index.rollupDisagreement!(), null);
    await index.prune(5);
    assert.deepEqual(await kept(index), await counted(index), 'after a prune');
    assert.notDeepEqual(await counted(index), all);
    assert.equal(await index.rollupDisagreement!(), null);
    await index.close();
    // Made before minutes were kept: a reader counts the rows; the next writer fills them.
    const db = new Database(path);
    db.exec(`DROP TABLE minutes; DELETE FROM meta WHERE key = 'minutes';`);
    db.close();
    index = openSqliteIndex(path, { readonly: true });
    const before = await counted(index);
    assert.deepEqual(await kept(index), before, 'a reader of an older index');
    assert.equal(await index.rollupDisagreement!(), null);
    await index.close();
    index = openSqliteIndex(path);
    assert.deepEqual(await kept(index), before, 'filled by the next writer');
    await index.add([{ ...base, leaf: rows.length, timeUs: t0 + 3 * minute + 7 }]);
    assert.deepEqual(await kept(index), await counted(index), 'and kept from then on');
    await index.clear(0);
    assert.deepEqual(await kept(index), { starts: [], series: [{ name: 'all', counts: [] }] }, 'after a clear');
    await index.close();
  } finally {
    s.cleanup();
  }
});

test('an index of the older layout is rebuilt from the ledger when the store opens for writing', async () => {
  const s = tempStore();
  try {
    let store = await openStore(s.dir, { signingKey: s.skey });
    await store.commit(Array.from({ length: 30 }, (_, i) => {
      const bytes = Buffer.from(eventLine(i));
      const { leaf: _l, ...row } = indexRowOf(0, JSON.parse(bytes.toString()));
      return { bytes, row };
    }));
    await store.close();
    // The layout before schema 2: text columns, no schema key.
    const path = join(s.dir, 'index.sqlite');
    const db = new Database(path);
    db.exec(`DROP TABLE events; DROP TABLE strings; DROP TABLE rollup; DELETE FROM meta WHERE key = 'schema'; UPDATE meta SET value = '30' WHERE key = 'leaves';
      CREATE TABLE events (leaf INTEGER PRIMARY KEY, audit_id TEXT, user TEXT);`);
    db.close();
    await assert.rejects(openStore(s.dir), /older layout/);
    store = await openStore(s.dir, { signingKey: s.skey });
    assert.equal(await store.indexedSize(), 30);
    const users = await store.top({}, 'user', 5);
    assert.deepEqual(users.map((u) => [u.key, u.events]), [['alice', 30]]);
    await store.close();
    const v = await verifyStore(s.dir);
    assert.equal(v.ok, true, v.problem?.message);
    assert.equal(v.indexChecked, 30);
  } finally {
    s.cleanup();
  }
});

function* corpusLines(): Generator<[string, Buffer]> {
  if (SHARED_DIR === null) return;
  const walk = function* (dir: string): Generator<string> {
    for (const n of readdirSync(dir)) {
      const p = join(dir, n);
      if (statSync(p).isDirectory()) yield* walk(p);
      else if (/\.(jsonl?|log)$/.test(n)) yield p;
    }
  };
  for (const f of walk(join(SHARED_DIR, 'corpus'))) for (const [i, l] of readFileSync(f, 'utf8').split('\n').entries()) if (l.trim()) yield [`${f}:${i + 1}`, Buffer.from(l)];
}

test('rows from the event scanner equal rows from JSON.parse (generated traffic and the shared corpus)', { skip: SKIP_WITHOUT_SHARED }, () => {
  const lines: Array<[string, Buffer]> = logText('everything', 2000, 5).split('\n').filter(Boolean).map((l, i) => [`generated ${i + 1}`, Buffer.from(l)]);
  lines.push(...corpusLines());
  let n = 0;
  for (const [where, bytes] of lines) {
    let value: unknown;
    try {
      value = JSON.parse(bytes.toString('utf8'));
    } catch {
      continue;
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) continue;
    assert.deepEqual(indexRowOfBytes(7, bytes), indexRowOf(7, value), where);
    n++;
  }
  assert.ok(n > 2200, `${n} events compared`);
});

test('rows that differ in any one column are told apart, and the column is named', () => {
  for (const column of INDEX_COLUMNS) {
    const changed = { ...base, [column]: typeof base[column] === 'number' ? (base[column] as number) + 1 : `${String(base[column])}x` } as IndexRow;
    assert.equal(firstDifference(base, changed)?.column, column, column);
    assert.equal(firstDifference(changed, { ...changed }), null, column);
  }
});
