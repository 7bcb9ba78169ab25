/** Adding rows to the SQLite index: whole arrays or one row at a time, in leaf order or not at all. */
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { test } from 'node:test';
import { indexRowOf, type IndexRow } from '../../src/store/index.js';
import { openSqliteIndex } from '../../src/store/sqlite/sqlite-index.js';
import { eventLine, tempStore } from './helpers.js';

const rowOf = (leaf: number, user = 'alice'): IndexRow & { bytes: number } => {
  const line = eventLine(leaf, { user: { username: user, groups: ['system:authenticated'] } });
  return { ...indexRowOf(leaf, JSON.parse(line)), bytes: line.length };
};

function* made(from: number, to: number, user?: string): Generator<IndexRow & { bytes: number }> {
  for (let leaf = from; leaf < to; leaf++) yield rowOf(leaf, user);
}

async function snapshot(index: ReturnType<typeof openSqliteIndex>): Promise<unknown> {
  const rows: unknown[] = [];
  for await (const batch of index.rowBatches(0, await index.indexedSize())) rows.push(...batch);
  return { size: await index.indexedSize(), count: await index.rowCount(), rows, users: await index.top({}, 'user', 10), rollup: await index.rollupDisagreement?.() };
}

test('rows made one at a time are stored exactly as an array of the same rows', async () => {
  const s = tempStore();
  try {
    const a = openSqliteIndex(join(s.root, 'a.sqlite'));
    const b = openSqliteIndex(join(s.root, 'b.sqlite'));
    await a.add([...made(0, 50)]);
    await a.add([...made(50, 80, 'bob')]);
    await b.addLazily(made(0, 50), 50);
    await b.addLazily(made(50, 80, 'bob'), 30);
    assert.deepEqual(await snapshot(b), await snapshot(a));
    assert.equal(await b.indexedSize(), 80);
    await a.close();
    await b.close();
  } finally {
    s.cleanup();
  }
});

const wrong: { desc: string; add: (index: ReturnType<typeof openSqliteIndex>) => Promise<void>; want: RegExp }[] = [
  { desc: 'starting past the index', add: (i) => i.add([...made(11, 15)]), want: /row for leaf 11 where leaf 10 was due/ },
  { desc: 'starting before the index', add: (i) => i.addLazily(made(9, 12), 3), want: /row for leaf 9 where leaf 10 was due/ },
  { desc: 'a gap in the middle', add: (i) => i.addLazily((function* () { yield rowOf(10, 'carol'); yield rowOf(11, 'carol'); yield rowOf(13, 'carol'); })(), 3), want: /row for leaf 13 where leaf 12 was due/ },
  { desc: 'fewer rows than said', add: (i) => i.addLazily(made(10, 12, 'carol'), 3), want: /2 index rows where 3 were due/ },
  { desc: 'more rows than said', add: (i) => i.addLazily(made(10, 14, 'carol'), 3), want: /4 index rows where 3 were due/ },
  { desc: 'a row that cannot be made', add: (i) => i.addLazily((function* () { yield rowOf(10, 'carol'); throw new Error('bytes unreadable'); })(), 2), want: /bytes unreadable/ },
];
for (const c of wrong) {
  test(`rows out of leaf order are refused and leave nothing behind: ${c.desc}`, async () => {
    const s = tempStore();
    try {
      const index = openSqliteIndex(join(s.root, 'i.sqlite'));
      await index.add([...made(0, 10)]);
      const before = await snapshot(index);
      await assert.rejects(c.add(index), c.want);
      assert.deepEqual(await snapshot(index), before, 'the transaction was rolled back');
      // The names the refused rows brought (carol) were not kept as if stored.
      await index.addLazily(made(10, 13, 'carol'), 3);
      assert.equal(await index.indexedSize(), 13);
      assert.deepEqual((await index.top({}, 'user', 10)).map((t) => [t.key, t.events]), [['alice', 10], ['carol', 3]]);
      assert.equal(await index.rollupDisagreement?.(), null);
      await index.close();
    } finally {
      s.cleanup();
    }
  });
}
