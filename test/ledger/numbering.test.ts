/**
 * The stored hash numbering (as sumdb/tlog numbers hashes, and C2SP tlog-tiles stores
 * them) and tile addressing; and proofs in trees far beyond 2^32 leaves, where 32-bit
 * arithmetic would break, on trees whose leaves are all equal (so every stored hash of a
 * level is the same and a reader can answer for any size).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  MAX_TREE_SIZE,
  MemoryHashStore,
  checkConsistency,
  checkInclusion,
  hashChildren,
  hashFromTile,
  hashLeaf,
  isLedgerError,
  proveConsistency,
  proveInclusion,
  splitStoredHashIndex,
  storedHashCount,
  storedHashIndex,
  tileForStoredHash,
  tilePath,
  treeHash,
  type HashReader,
  type Tile,
} from '../../src/ledger/index.js';
import { hex } from './reference.js';

describe('stored hash numbering', () => {
  // The order in which appending leaves 0..7 writes hashes: (level, n).
  const ORDER: [number, number][] = [
    [0, 0], [0, 1], [1, 0], [0, 2], [0, 3], [1, 1], [2, 0], [0, 4], [0, 5], [1, 2], [0, 6], [0, 7], [1, 3], [2, 1], [3, 0],
  ];
  test('storedHashIndex and splitStoredHashIndex follow the write order', () => {
    for (const [index, [level, n]] of ORDER.entries()) {
      assert.equal(storedHashIndex(level, n), index, `(${level}, ${n})`);
      assert.deepEqual(splitStoredHashIndex(index), { level, n }, `index ${index}`);
    }
  });

  test('split inverts index for the first 100,000 indexes', () => {
    for (let i = 0; i < 100_000; i++) {
      const { level, n } = splitStoredHashIndex(i);
      assert.equal(storedHashIndex(level, n), i);
    }
  });

  test('storedHashCount(n) is the count a store holds after n appends', () => {
    const s = new MemoryHashStore();
    for (let n = 0; n <= 1000; n++) {
      assert.equal(storedHashCount(n), s.storedCount, `n = ${n}`);
      s.append(hashLeaf(Uint8Array.of(n % 256, n >> 8)));
    }
  });

  test('numbering stays exact up to 2^52 leaves', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 52 }), fc.double({ min: 0, max: 1, noNaN: true }), (level, f) => {
        const n = Math.floor(f * (MAX_TREE_SIZE / 2 ** level - 1));
        const index = storedHashIndex(level, n);
        assert.ok(Number.isSafeInteger(index));
        assert.deepEqual(splitStoredHashIndex(index), { level, n });
      }),
      { seed: 7, numRuns: 2000 },
    );
    assert.equal(storedHashCount(MAX_TREE_SIZE), 2 * MAX_TREE_SIZE - 1);
    assert.deepEqual(splitStoredHashIndex(2 * MAX_TREE_SIZE - 2), { level: 52, n: 0 });
    for (const bad of [-1, 0.5, 2 * MAX_TREE_SIZE - 1, Number.MAX_SAFE_INTEGER, Infinity]) {
      assert.throws(() => splitStoredHashIndex(bad), (e) => isLedgerError(e, 'BAD_INDEX'), String(bad));
    }
    assert.throws(() => storedHashIndex(0, MAX_TREE_SIZE), (e) => isLedgerError(e, 'BAD_INDEX'));
    assert.throws(() => storedHashIndex(53, 0), (e) => isLedgerError(e, 'BAD_INDEX'));
  });
});

describe('trees of up to 2^52 equal leaves', () => {
  // Level L of a tree of equal leaves: every hash is LEVEL[L].
  const LEVEL = [hashLeaf(new TextEncoder().encode('same'))];
  for (let l = 1; l <= 52; l++) LEVEL.push(hashChildren(LEVEL[l - 1], LEVEL[l - 1]));
  const uniform: HashReader = { readHashes: (ix) => ix.map((i) => LEVEL[splitStoredHashIndex(i).level]) };
  /** MTH of n equal leaves, by RFC 6962's split. */
  const root = (n: number): Uint8Array => {
    let k = 0;
    while (2 ** (k + 1) <= n) k++;
    return 2 ** k === n ? LEVEL[k] : hashChildren(LEVEL[k], root(n - 2 ** k));
  };
  const size = fc.oneof(fc.integer({ min: 1, max: 2 ** 20 }), fc.integer({ min: 2 ** 31, max: 2 ** 34 }), fc.integer({ min: 1, max: MAX_TREE_SIZE }), fc.constant(MAX_TREE_SIZE), fc.constant(2 ** 32 + 1));

  test('roots, inclusion and consistency proofs verify at any size', () => {
    fc.assert(
      fc.property(size, fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }), (n, f, g) => {
        const index = Math.min(n - 1, Math.floor(f * n));
        const m = Math.max(1, Math.min(n, Math.ceil(g * n)));
        const r = treeHash(n, uniform);
        assert.equal(hex(r), hex(root(n)));
        checkInclusion(proveInclusion(n, index, uniform), n, r, index, LEVEL[0]);
        checkConsistency(proveConsistency(n, m, uniform), n, r, m, root(m));
        if (m < n) assert.throws(() => checkConsistency(proveConsistency(n, m, uniform), n, r, m, root(m + 1)), (e) => isLedgerError(e, 'BAD_PROOF'));
      }),
      { seed: 11, numRuns: 500 },
    );
  });
});

describe('tiles', () => {
  const store = new MemoryHashStore();
  const N = 1000;
  for (let i = 0; i < N; i++) store.appendRecord(new TextEncoder().encode(`leaf-${i}`));
  /** The tile's stored bottom row, read from the store: tree level tile.level·height. */
  const tileData = (t: Tile): Uint8Array => {
    const l = t.level * t.height;
    const ix = Array.from({ length: t.width }, (_, k) => storedHashIndex(l, t.n * 2 ** t.height + k));
    return Buffer.concat(store.readHashes(ix));
  };

  for (const height of [8, 2, 3]) {
    test(`every stored hash of a ${N}-leaf tree comes back from its tile (height ${height})`, () => {
      for (let index = 0; index < storedHashCount(N); index++) {
        const t = tileForStoredHash(index, height);
        assert.equal(hex(hashFromTile(t, tileData(t), index)), hex(store.readHashes([index])[0]), `index ${index}, tile ${JSON.stringify(t)}`);
        if (t.width < 2 ** height) {
          const wider = { ...t, width: 2 ** height };
          if (wider.n * 2 ** height + wider.width <= Math.floor(N / 2 ** (t.level * height))) {
            assert.equal(hex(hashFromTile(wider, tileData(wider), index)), hex(store.readHashes([index])[0]));
          }
        }
      }
    });
  }

  test('a tile that does not hold the hash, or data of the wrong size, is refused', () => {
    const t = tileForStoredHash(storedHashIndex(3, 5));
    assert.throws(() => hashFromTile({ ...t, n: t.n + 1 }, tileData(t), storedHashIndex(3, 5)), (e) => isLedgerError(e, 'BAD_TILE'));
    assert.throws(() => hashFromTile({ ...t, width: t.width - 1 }, tileData(t).subarray(32), storedHashIndex(3, 5)), (e) => isLedgerError(e, 'BAD_TILE'));
    assert.throws(() => hashFromTile(t, tileData(t).subarray(1), storedHashIndex(3, 5)), (e) => isLedgerError(e, 'BAD_TILE'));
  });

  test('C2SP tile paths', () => {
    const cases: { tile: Tile; want: string }[] = [
      { tile: { height: 8, level: 0, n: 0, width: 256 }, want: 'tile/0/000' },
      { tile: { height: 8, level: 0, n: 1234067, width: 256 }, want: 'tile/0/x001/x234/067' },
      { tile: { height: 8, level: 0, n: 1234067, width: 8 }, want: 'tile/0/x001/x234/067.p/8' },
      { tile: { height: 8, level: 2, n: 1000, width: 1 }, want: 'tile/2/x001/000.p/1' },
      { tile: tileForStoredHash(storedHashIndex(0, 300)), want: 'tile/0/001.p/45' },
      { tile: tileForStoredHash(storedHashIndex(9, 0)), want: 'tile/1/000.p/2' },
    ];
    for (const c of cases) assert.equal(tilePath(c.tile), c.want);
    assert.throws(() => tilePath({ height: 8, level: 0, n: 0, width: 257 }), (e) => isLedgerError(e, 'BAD_TILE'));
    assert.throws(() => tilePath({ height: 4, level: 0, n: 0, width: 1 }), (e) => isLedgerError(e, 'BAD_TILE'));
  });
});
