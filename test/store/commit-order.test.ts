/**
 * Store.commit waits for the disk off the calling thread: commits asked for at once still
 * run one after another in order, and close waits for the one running.
 */
import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { openStore, verifyStore } from '../../src/store/index.js';
import { eventLine, pendingOf, tempStore } from './helpers.js';

test('commits asked for together run one after another, in the order asked', async () => {
  const s = tempStore();
  try {
    const store = await openStore(s.dir, { signingKey: s.skey });
    const sizes = [3, 1, 5, 2];
    let next = 0;
    const batches = sizes.map((n) => Array.from({ length: n }, () => pendingOf(eventLine(next++))));
    const results = await Promise.all(batches.map((b) => store.commit(b)));
    let first = 0;
    results.forEach((r, i) => {
      assert.equal(r.first, first, `batch ${i} starts where the one before it ended`);
      first += sizes[i];
      assert.equal(r.size, first, `batch ${i}'s tree size`);
    });
    const leaves: string[] = [];
    for await (const { bytes } of store.query({})) leaves.push(bytes.toString());
    assert.deepEqual(leaves, batches.flat().map((p) => Buffer.from(p.bytes).toString()), 'every event once, in the order committed');
    await store.close();
    assert.equal((await verifyStore(s.dir, {})).ok, true);
  } finally {
    s.cleanup();
  }
});

test('close waits for the commits asked for before it', async () => {
  const s = tempStore();
  try {
    const store = await openStore(s.dir, { signingKey: s.skey });
    const running = [store.commit([pendingOf(eventLine(1))]), store.commit([pendingOf(eventLine(2)), pendingOf(eventLine(3))])];
    const closed = store.close();
    const results = await Promise.all(running);
    await closed;
    assert.deepEqual(results.map((r) => r.size), [1, 3], 'both committed, not cut off by the close');
    const reopened = await openStore(s.dir);
    assert.equal(reopened.size, 3);
    await reopened.close();
  } finally {
    s.cleanup();
  }
});
