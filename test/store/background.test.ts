/**
 * Indexing on a worker thread behind the ledger: commits return once the ledger has the
 * batch; dedupe still sees events the worker has not indexed yet; close waits for the
 * worker; the index then agrees with the ledger row for row.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import Database from 'better-sqlite3';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { commitPending, toPending } from '../../src/ingest/index.js';
import { indexRowOf, indexRowOfBytes, openStore, reindexStore, verifyStore, type IndexRow, type PendingEvent } from '../../src/store/index.js';
import { BackgroundIndexer } from '../../src/store/sqlite/background.js';
import { openSqliteIndex } from '../../src/store/sqlite/sqlite-index.js';
import { eventLine, generatedStore, tempStore } from './helpers.js';

const pending = (i: number) => toPending(Buffer.from(eventLine(i)), JSON.parse(eventLine(i)));

test('background indexing: dedupe sees what the worker has not indexed yet; close drains; verify agrees', async () => {
  const s = tempStore();
  try {
    const store = await openStore(s.dir, { signingKey: s.skey });
    // A worker that holds each batch 200 ms: the repeats below arrive before it indexed the originals.
    await store.indexInBackground({ delayMs: 200, maxBehind: 100_000 });
    const cases: Array<{ desc: string; batch: number[]; committed: number; duplicates: number }> = [
      { desc: 'a first batch', batch: [0, 1, 2, 3], committed: 4, duplicates: 0 },
      { desc: 'the same events at once, before the worker may have indexed them', batch: [0, 1, 2, 3], committed: 0, duplicates: 4 },
      { desc: 'half old, half new', batch: [2, 3, 4, 5], committed: 2, duplicates: 2 },
    ];
    for (const c of cases) {
      const out = await commitPending(store, c.batch.map(pending));
      assert.deepEqual([out.committed, out.duplicates], [c.committed, c.duplicates], c.desc);
    }
    assert.ok((await store.indexedSize()) < store.size, 'the worker is behind the ledger here');
    // Many batches in a row: the worker falls behind and catches up.
    for (let b = 0; b < 4; b++) await commitPending(store, Array.from({ length: 2500 }, (_, i) => pending(100 + b * 2500 + i)));
    assert.equal(store.size, 6 + 10_000);
    await store.close();
    const reopened = await openStore(s.dir);
    assert.equal(await reopened.indexedSize(), 6 + 10_000, 'every committed event is indexed after close');
    await reopened.close();
    const v = await verifyStore(s.dir);
    assert.equal(v.ok, true, v.problem?.message);
    assert.equal(v.indexChecked, 6 + 10_000);
  } finally {
    s.cleanup();
  }
});

test('reindex written on a worker thread (large stores) gives the very rows, rollups and time blocks of one written in place', async () => {
  const { temp, store } = await generatedStore(3000, 5);
  try {
    await store.close();
    const snapshot = async () => {
      const s = await openStore(temp.dir);
      try {
        const rows: unknown[] = [];
        for await (const r of s.queryRows({})) rows.push(r);
        const tops = await Promise.all((['user', 'verb', 'resource', 'response_code', 'stage'] as const).map((c) => s.top({}, c, 50)));
        return { rows, tops, range: await s.timeLeafRange({ sinceUs: Date.parse('2026-12-01T00:00:05Z') * 1000 }), lookups: lookupsOf(temp.dir) };
      } finally {
        await s.close();
      }
    };
    const cases = [
      { desc: 'in place', catchUpOnWorkerFrom: Number.MAX_SAFE_INTEGER },
      { desc: 'on a worker, in one batch', catchUpOnWorkerFrom: 1 },
      { desc: 'on a worker, in batches of 700 (the last one short) that the worker may merge, through reused buffers', catchUpOnWorkerFrom: 1, catchUpBatch: 700 },
      { desc: 'in place, in batches of 700', catchUpOnWorkerFrom: Number.MAX_SAFE_INTEGER, catchUpBatch: 700 },
    ];
    const seen: Array<Awaited<ReturnType<typeof snapshot>>> = [];
    for (const c of cases) {
      assert.equal((await reindexStore(temp.dir, { catchUpOnWorkerFrom: c.catchUpOnWorkerFrom, catchUpBatch: c.catchUpBatch })).events, 3000, c.desc);
      seen.push(await snapshot());
      const v = await verifyStore(temp.dir);
      assert.equal(v.ok, true, `${c.desc}: ${v.problem?.message}`);
      assert.equal(v.indexChecked, 3000, c.desc);
    }
    assert.equal(seen[0].rows.length, 3000);
    assert.deepEqual(seen[0].lookups, { indexes: LOOKUPS, deferred: false });
    for (let i = 1; i < cases.length; i++) assert.deepEqual(seen[i], seen[0], cases[i].desc);
  } finally {
    temp.cleanup();
  }
});

const LOOKUPS = ['events_audit_id', 'events_name', 'events_resource_leaf', 'events_user'];

/** The events table's look-up indexes present, and whether the index says they were deferred. */
function lookupsOf(dir: string): { indexes: string[]; deferred: boolean } {
  const db = new Database(join(dir, 'index.sqlite'), { readonly: true });
  try {
    const indexes = (db.prepare(`SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'events' ORDER BY name`).pluck().all() as string[]).filter((n) => !n.startsWith('sqlite_'));
    return { indexes, deferred: db.prepare(`SELECT value FROM meta WHERE key = 'lookups'`).pluck().get() === 'deferred' };
  } finally {
    db.close();
  }
}

test('a reindex stopped before its look-up indexes were made still answers right, and the next writable open makes them', async () => {
  const { temp, store, lines } = await generatedStore(3000, 6);
  try {
    const user = (await store.top({}, 'user', 1))[0].key;
    const answers = async (s: Awaited<ReturnType<typeof openStore>>, upTo: number) => {
      const rows: IndexRow[] = [];
      for await (const r of s.queryRows({ user })) if (r.leaf < upTo) rows.push(r);
      const dup = await s.seen([{ auditID: rows[0].auditID!, stage: rows[0].stage! }]);
      return { rows, dup: dup.size };
    };
    const whole = await answers(store, 3000);
    assert.ok(whole.rows.length > 0 && whole.dup === 1);
    await store.close();
    const cases = [
      { desc: 'every row written', rows: 3000 },
      { desc: 'a third of the rows written', rows: 1000 },
    ];
    for (const c of cases) {
      // What a reindex on a worker leaves when killed: rows from the start, look-ups dropped.
      const index = openSqliteIndex(join(temp.dir, 'index.sqlite'));
      await index.clear(0);
      await index.deferLookups!();
      await index.add(lines.slice(0, c.rows).map((l, i) => ({ ...indexRowOfBytes(i, Buffer.from(l)), bytes: Buffer.byteLength(l) })));
      await index.close();
      // Another writable open (the worker's) leaves them unmade while deferred.
      await openSqliteIndex(join(temp.dir, 'index.sqlite')).close();
      assert.deepEqual(lookupsOf(temp.dir), { indexes: [], deferred: true }, c.desc);

      const reader = await openStore(temp.dir);
      assert.equal(await reader.readsEverything({ user }), true, `${c.desc}: without the index on user, a full scan`);
      assert.deepEqual(await answers(reader, c.rows), { rows: whole.rows.filter((r) => r.leaf < c.rows), dup: 1 }, `${c.desc}: a reader answers the same, only slower`);
      await reader.close();

      const writer = await openStore(temp.dir, { signingKey: temp.skey });
      assert.deepEqual(lookupsOf(temp.dir), { indexes: LOOKUPS, deferred: false }, `${c.desc}: made when the store opened for writing`);
      assert.equal(await writer.readsEverything({ user }), false);
      assert.deepEqual(await answers(writer, 3000), whole, c.desc);
      await writer.close();
      const v = await verifyStore(temp.dir);
      assert.equal(v.ok, true, `${c.desc}: ${v.problem?.message}`);
    }
  } finally {
    temp.cleanup();
  }
});

test('a closed background indexer leaves nothing that keeps the process alive', async () => {
  const s = tempStore();
  try {
    const store = await openStore(s.dir, { signingKey: s.skey });
    await store.indexInBackground();
    await commitPending(store, [0, 1, 2].map(pending));
    const before = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    await store.close();
    // (The stop-after-5-s timer once outlived the worker, and a finished CLI waited 5 s.)
    assert.equal(process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length, before);
  } finally {
    s.cleanup();
  }
});

test('events handed over as bytes alone: the worker derives the very rows the scanner or JSON.parse gives, for every kind of event', async () => {
  const s = tempStore();
  try {
    const lines = [
      { desc: 'a clean v1 event', line: eventLine(1) },
      { desc: 'a v1beta1 event (timestamp, no requestReceivedTimestamp)', line: eventLine(2, { apiVersion: 'audit.k8s.io/v1beta1', requestReceivedTimestamp: undefined, timestamp: '2026-11-23T10:00:02Z' }) },
      { desc: 'one the scanner leaves to JSON.parse (a key spelled with an escape)', line: eventLine(3).replace('"verb"', '"v\\u0065rb"') },
      { desc: 'no auditID (kept, not deduplicated)', line: eventLine(4, { auditID: undefined }) },
      { desc: 'odd field types', line: eventLine(5, { level: 7, user: { username: ['x'] } }) },
    ];
    const store = await openStore(s.dir, { signingKey: s.skey });
    await store.indexInBackground();
    const events: PendingEvent[] = lines.map(({ line }) => {
      const row = indexRowOf(0, JSON.parse(line));
      return { bytes: Buffer.from(line), dedupe: row.auditID !== null && row.stage !== null ? { auditID: row.auditID, stage: row.stage } : null };
    });
    await store.commit(events);
    await store.close();
    const reopened = await openStore(s.dir);
    const rows: IndexRow[] = [];
    for await (const r of reopened.queryRows({})) rows.push(r);
    await reopened.close();
    assert.equal(rows.length, lines.length);
    lines.forEach(({ desc, line }, i) => assert.deepEqual(rows[i], indexRowOf(i, JSON.parse(line)), desc));
    const v = await verifyStore(s.dir);
    assert.equal(v.ok, true, v.problem?.message);
  } finally {
    s.cleanup();
  }
});

test('buffers handed back by the worker and filled again: every batch, large after small and small after large, gives its own rows', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kubetrail-bg-'));
  try {
    const path = join(dir, 'index.sqlite');
    await openSqliteIndex(path).close();
    const indexer = new BackgroundIndexer(path);
    // Each batch is drained before the next, so its buffer is back and the next one is
    // written into it: stale bytes past a smaller batch's end must never be read as events.
    const sizes = [5, 300, 7, 1, 120, 2, 64];
    let next = 0;
    for (const n of sizes) {
      const first = next;
      await indexer.add(first, Array.from({ length: n }, () => pending(next++)));
      await indexer.drain();
    }
    await indexer.close();
    const index = openSqliteIndex(path, { readonly: true });
    const rows: IndexRow[] = [];
    for await (const r of index.queryRows({})) rows.push(r);
    await index.close();
    assert.equal(rows.length, next);
    rows.forEach((r, i) => assert.deepEqual(r, indexRowOf(i, JSON.parse(eventLine(i))), `event ${i}`));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
