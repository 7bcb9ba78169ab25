/**
 * Heavy reads on their own thread (a server's store): the same answers as on the main
 * thread, without holding the main thread while the rows are counted.
 */
import { strict as assert } from 'node:assert';
import { after, before, describe, test } from 'node:test';
import type { EventFilter, Store } from '../../src/store/index.js';
import { generatedStore, pendingOf, type TempStore } from './helpers.js';

describe('reads off the main thread', () => {
  let s: TempStore;
  let store: Store;
  before(async () => {
    ({ temp: s, store } = await generatedStore(40_000, 9));
  });
  after(async () => {
    await store.close();
    s.cleanup();
  });

  const reads: Array<[string, (st: Store) => Promise<unknown>]> = [
    ['top users among creates', (st) => st.top({ verb: 'create' } as EventFilter, 'user', 10)],
    ['top resources in a namespace', (st) => st.top({ namespace: 'kube-system' }, 'resource', 5)],
    ['top users, whole store (the rollup, on the main thread)', (st) => st.top({}, 'user', 10)],
    ['a timeline by verb', (st) => st.timeline({}, 'verb', 60e6, 8)],
    ['a timeline of one user', (st) => st.timeline({ user: 'system:kube-scheduler' }, 'resource', 300e6, 4)],
    ['a timeline of every event in one series', (st) => st.timeline({}, 'verb', 60e6, 0)],
    ['health', (st) => st.health({}, 3)],
  ];

  test('a timeline in one series counts, bucket by bucket, what a split one counts in all its series', async () => {
    for (const [desc, filter, step] of [
      ['whole store, per minute', {}, 60e6],
      ['one user, per 5 minutes', { user: 'system:kube-scheduler' }, 300e6],
      ['creates, per 10 s', { verb: 'create' } as EventFilter, 10e6],
      ['nothing matches', { user: 'nobody-at-all' }, 60e6],
    ] as const) {
      const split = await store.timeline(filter, 'verb', step, 20);
      const one = await store.timeline(filter, 'verb', step, 0);
      assert.deepEqual(one.starts, split.starts, desc);
      const sums = split.starts.map((_, i) => split.series.reduce((a, x) => a + x.counts[i], 0));
      assert.deepEqual(one.series.map((x) => x.name), ['all'], desc);
      assert.deepEqual(one.series[0].counts, sums, desc);
    }
  });

  test('the reader thread answers exactly as the main thread, and the main thread does not wait for it', async () => {
    const direct: unknown[] = [];
    let mainThreadMs = 0;
    for (const [, read] of reads) {
      const t = performance.now();
      const p = read(store);
      mainThreadMs += performance.now() - t;
      direct.push(await p);
    }
    store.readsOffThread();
    let handOverMs = 0;
    for (const [i, [name, read]] of reads.entries()) {
      const t = performance.now();
      const p = read(store);
      handOverMs += performance.now() - t;
      assert.deepEqual(await p, direct[i], name);
    }
    // On the main thread the counting happens inside the call; handed over, the call
    // returns at once (the first one also starts the thread).
    assert.ok(handOverMs < mainThreadMs / 2, `handing over took ${handOverMs.toFixed(1)} ms, counting here ${mainThreadMs.toFixed(1)} ms`);
    // Rows committed after the reader opened are seen (WAL: each read sees every committed batch).
    const before = (await store.top({ verb: 'create' } as EventFilter, 'user', 1000)).reduce((a, r) => a + r.events, 0);
    const line = JSON.stringify({ kind: 'Event', apiVersion: 'audit.k8s.io/v1', level: 'Metadata', auditID: 'ffffffff-0000-4000-8000-000000000001', stage: 'ResponseComplete', requestURI: '/api/v1/namespaces/x/pods', verb: 'create', user: { username: 'late' } });
    await store.commit([pendingOf(line)]);
    const afterCommit = await store.top({ verb: 'create' } as EventFilter, 'user', 1000);
    assert.equal(afterCommit.reduce((a, r) => a + r.events, 0), before + 1);
    assert.ok(afterCommit.some((r) => r.key === 'late'));
  });
});
