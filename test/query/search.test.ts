/**
 * Searches bounded by a time budget: whatever a search returns is exactly a stretch of the
 * unbounded answer, and going on from resumeLeaf, page after page or budget after budget,
 * gives the unbounded answer back, in order, with nothing missed or repeated.
 */
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { after, before, describe, test } from 'node:test';
import { boundedSearch, parseQueryString } from '../../src/query/index.js';
import { openStore, type EventFilter, type IndexRow, type Store } from '../../src/store/index.js';
import { generatedStore, pendingOf, tempStore, type TempStore } from '../store/helpers.js';

const EVENTS = 30_000;

describe('bounded search', () => {
  let s: TempStore;
  let store: Store;
  before(async () => {
    ({ temp: s, store } = await generatedStore(EVENTS, 5));
  });
  after(async () => {
    await store.close();
    s.cleanup();
  });

  async function unbounded(filter: EventFilter, newestFirst: boolean): Promise<number[]> {
    const out: number[] = [];
    for await (const r of store.queryRows({ ...filter, newestFirst })) out.push(r.leaf);
    return out;
  }

  /** A clock that moves `step` ms each time it is read: the budget runs out after a few windows. */
  const ticking = (step: number) => {
    let t = 0;
    return () => (t += step);
  };

  const queries = ['', 'verb=delete', 'verb=create resource=pods', 'user=system:kube-scheduler', 'ns=kube-system verb=get', 'verb=impersonate', 'code=4xx'];

  for (const q of queries) {
    for (const newestFirst of [true, false]) {
      test(`"${q}" ${newestFirst ? 'newest' : 'oldest'} first: pages and budgets add up to the unbounded answer`, async () => {
        const filter = parseQueryString(q);
        const want = await unbounded(filter, newestFirst);
        // Small pages, small windows, and a clock that ends most searches after two windows.
        const got: number[] = [];
        let from: number | null = null;
        let calls = 0;
        let sawIncomplete = false;
        for (;;) {
          const f: EventFilter = { ...filter };
          if (from !== null) {
            if (newestFirst) f.beforeLeaf = from;
            else f.afterLeaf = from;
          }
          const r = await boundedSearch(store, f, { limit: 250, newestFirst, budgetMs: 10, now: ticking(3), firstWindow: 4096 });
          calls++;
          assert.ok(r.rows.length <= 250);
          assert.ok(r.searched > 0 || r.complete, 'a search always covers at least one window');
          if (!r.complete && !r.truncated) sawIncomplete = true;
          got.push(...r.rows.map((x: IndexRow) => x.leaf));
          if (r.complete) {
            assert.equal(r.resumeLeaf, null);
            break;
          }
          assert.ok(r.resumeLeaf !== null);
          from = r.resumeLeaf;
          assert.ok(calls < 1000, 'the search makes progress');
        }
        assert.deepEqual(got, want);
        if (want.length < EVENTS / 4) assert.ok(sawIncomplete, 'a rare match runs out of budget at least once');
      });
    }
  }

  test('with time to spare the first answer is the whole answer, or the first page of it', async () => {
    for (const [q, limit] of [['verb=delete', 100_000], ['', 500], ['user=nobody-at-all', 10]] as const) {
      const filter = parseQueryString(q);
      const want = await unbounded(filter, true);
      const r = await boundedSearch(store, filter, { limit, newestFirst: true, budgetMs: 60_000 });
      assert.deepEqual(r.rows.map((x) => x.leaf), want.slice(0, limit), q);
      assert.equal(r.truncated, want.length > limit, q);
      assert.equal(r.complete, want.length <= limit, q);
      if (r.truncated) assert.equal(r.resumeLeaf, want[limit - 1], 'the next page starts after the last row');
      if (r.complete) assert.equal(r.searched, EVENTS);
    }
  });

  test('leaf bounds given by the caller are kept', async () => {
    const r = await boundedSearch(store, { afterLeaf: 99, beforeLeaf: 200 }, { limit: 1000, newestFirst: false, budgetMs: 60_000 });
    assert.deepEqual(r.rows.map((x) => x.leaf), Array.from({ length: 100 }, (_, i) => 100 + i));
    assert.equal(r.complete, true);
    assert.equal(r.searched, 100);
  });
});

describe('time ranges over events out of time order', () => {
  // Watches are logged when they end: a block of leaves holds times from far apart. The
  // leaf bounds a time range takes from time_blocks must still find every event.
  let s: TempStore;
  let store: Store;
  const times: number[] = [];
  const N = 10_000;
  const base = Date.parse('2026-11-23T10:00:00Z') * 1000;
  before(async () => {
    s = tempStore();
    store = await openStore(s.dir, { signingKey: s.skey });
    let seed = 7;
    const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
    const batch = [];
    for (let i = 0; i < N; i++) {
      // Mostly ascending, one in twenty received up to an hour earlier, a few with no time at all.
      const t = i % 997 === 0 ? null : base + i * 1_000_000 - (rand() < 0.05 ? Math.floor(rand() * 3600e6) : 0);
      times.push(t ?? Number.NaN);
      const stamp = t === null ? undefined : new Date(t / 1000).toISOString().replace('Z', `${String(t % 1000).padStart(3, '0')}Z`);
      const line = JSON.stringify({ kind: 'Event', apiVersion: 'audit.k8s.io/v1', level: 'Metadata', auditID: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`, stage: 'ResponseComplete', requestURI: '/api/v1/pods', verb: 'list', user: { username: 'u' }, requestReceivedTimestamp: stamp, stageTimestamp: stamp });
      batch.push(pendingOf(line));
    }
    // In several commits, so blocks are widened batch by batch.
    for (let i = 0; i < N; i += 3000) await store.commit(batch.slice(i, i + 3000));
  });
  after(async () => {
    await store.close();
    s.cleanup();
  });

  test('since= and until= at many times give exactly the events in range', async () => {
    for (let k = 0; k <= 40; k++) {
      const t = base - 3600e6 + Math.floor((k / 40) * (N * 1_000_000 + 2 * 3600e6));
      for (const [name, filter, want] of [
        ['since', { sinceUs: t }, (x: number) => x >= t],
        ['until', { untilUs: t }, (x: number) => x < t],
      ] as const) {
        const got: number[] = [];
        for await (const r of store.queryRows(filter)) got.push(r.leaf);
        const expected = times.flatMap((x, i) => (!Number.isNaN(x) && want(x) ? [i] : []));
        assert.deepEqual(got, expected, `${name} ${t}`);
      }
    }
  });

  test('an index made before time_blocks existed is filled on its next writable open', async () => {
    await store.close();
    const db = new Database(join(s.dir, 'index.sqlite'));
    db.exec(`DROP TABLE time_blocks; DELETE FROM meta WHERE key = 'time_blocks'`);
    db.close();
    // Read only, it answers the slow way (and right).
    const reader = await openStore(s.dir);
    const t = base + 5000 * 1_000_000;
    const want = times.flatMap((x, i) => (!Number.isNaN(x) && x >= t ? [i] : []));
    const leaves = async (st: Store) => {
      const out: number[] = [];
      for await (const r of st.queryRows({ sinceUs: t })) out.push(r.leaf);
      return out;
    };
    assert.deepEqual(await leaves(reader), want);
    await reader.close();
    store = await openStore(s.dir, { signingKey: s.skey });
    const check = new Database(join(s.dir, 'index.sqlite'), { readonly: true });
    assert.equal(check.prepare(`SELECT value FROM meta WHERE key = 'time_blocks'`).pluck().get(), '1');
    assert.equal(check.prepare(`SELECT count(*) FROM time_blocks`).pluck().get(), Math.ceil(N / 4096));
    check.close();
    assert.deepEqual(await leaves(store), want);
  });
});
