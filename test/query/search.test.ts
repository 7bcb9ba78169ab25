/**
 * Searches bounded by a time budget: whatever a search returns is exactly a stretch of the
 * unbounded answer, and going on from resumeLeaf, page after page or budget after budget,
 * gives the unbounded answer back, in order, with nothing missed or repeated.
 */
import { strict as assert } from 'node:assert';
import { after, before, describe, test } from 'node:test';
import { loadPolicy, presetPolicyText } from '../../src/audit/policy/index.js';
import { planLog, streamLog } from '../../src/generate/index.js';
import { boundedSearch, parseQueryString } from '../../src/query/index.js';
import { indexRowOf, openStore, type EventFilter, type IndexRow, type Store } from '../../src/store/index.js';
import { tempStore, type TempStore } from '../store/helpers.js';

const EVENTS = 30_000;

describe('bounded search', () => {
  let s: TempStore;
  let store: Store;
  before(async () => {
    s = tempStore();
    const chunks: Uint8Array[] = [];
    const policy = loadPolicy(presetPolicyText('recommended')).policy!;
    await streamLog({ config: planLog({ seed: 5, startUs: Date.parse('2026-12-01T00:00:00Z') * 1000, rate: 200, policy }), events: EVENTS, workers: 0, write: async (c) => void chunks.push(c) });
    const lines = Buffer.concat(chunks).toString('utf8').split('\n').filter(Boolean);
    store = await openStore(s.dir, { signingKey: s.skey });
    await store.commit(lines.map((l) => {
      const { leaf: _l, ...row } = indexRowOf(0, JSON.parse(l));
      return { bytes: Buffer.from(l), row };
    }));
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
