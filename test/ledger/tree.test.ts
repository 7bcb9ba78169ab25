/**
 * The tree against RFC 6962 as written (reference.ts), for every tree size up to 100:
 * roots, every inclusion proof of every leaf, every consistency proof of every pair of
 * sizes — each equal to the reference and each verifying — and every byte of the proofs
 * of trees up to 32 leaves (and a sample above) flipped, which every check must notice.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  LedgerError,
  MemoryHashStore,
  checkConsistency,
  checkInclusion,
  emptyRoot,
  hashLeaf,
  isLedgerError,
  proveConsistency,
  proveConsistencyAsync,
  proveInclusion,
  proveInclusionAsync,
  storedHashesForRecordAsync,
  treeHash,
  treeHashAsync,
  type AsyncHashReader,
  type HashReader,
  type LedgerErrorCode,
} from '../../src/ledger/index.js';
import { hex, refLeaf, refPath, refProof, refRoot } from './reference.js';

const MAX = 100;
const FLIP_ALL_UP_TO = 32;
const enc = new TextEncoder();
const leafData = (i: number) => enc.encode(`leaf-${i}`);

const store = new MemoryHashStore();
const leaves: Uint8Array[] = [];
for (let i = 0; i < MAX; i++) {
  leaves.push(refLeaf(leafData(i)));
  store.appendRecord(leafData(i));
}
const roots = Array.from({ length: MAX + 1 }, (_, n) => refRoot(leaves.slice(0, n)));

/** Fails with a LedgerError of the given code (any code when omitted). */
function rejects(run: () => void, code?: LedgerErrorCode, message = ''): void {
  try {
    run();
  } catch (err) {
    assert.ok(isLedgerError(err), `${message}: threw ${String(err)}, not a LedgerError`);
    if (code !== undefined) assert.equal((err as LedgerError).code, code, `${message}: ${(err as Error).message}`);
    return;
  }
  assert.fail(`${message}: accepted`);
}

function flipped(proof: Uint8Array[], i: number, byte: number): Uint8Array[] {
  return proof.map((p, j) => {
    if (j !== i) return p;
    const q = p.slice();
    q[byte] ^= 0x01;
    return q;
  });
}

/** Sizes whose proofs get every byte flipped: all up to 32, then a sample. */
const FLIP_SIZES = Array.from({ length: MAX }, (_, i) => i + 1).filter((n) => n <= FLIP_ALL_UP_TO || n % 17 === 0 || n === MAX);

describe('leaf and node hashes', () => {
  test('hashLeaf is SHA-256(0x00 ‖ data), for small and scratch-exceeding inputs', () => {
    for (const size of [0, 1, 31, 32, 33, 64, 4095, 4096, 70_000]) {
      const data = new Uint8Array(size).map((_, i) => (i * 7) % 256);
      assert.equal(hex(hashLeaf(data)), hex(refLeaf(data)), `size ${size}`);
    }
  });
  test('the empty tree hash is SHA-256("")', () => {
    assert.equal(hex(emptyRoot()), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    assert.equal(hex(treeHash(0, store)), hex(emptyRoot()));
  });
});

describe(`every tree of 0..${MAX} leaves`, () => {
  test('the root from stored hashes is the RFC 6962 MTH', () => {
    for (let n = 0; n <= MAX; n++) assert.equal(hex(store.root(n)), hex(roots[n]), `n = ${n}`);
  });

  test('every inclusion proof equals PATH(m, D[n]) and verifies; wrong claims fail', () => {
    let checked = 0;
    for (let n = 1; n <= MAX; n++) {
      for (let i = 0; i < n; i++) {
        const proof = proveInclusion(n, i, store);
        assert.deepEqual(proof.map(hex), refPath(i, leaves.slice(0, n)).map(hex), `n = ${n}, i = ${i}`);
        checkInclusion(proof, n, roots[n], i, leaves[i]);
        checked++;
        const what = `inclusion n = ${n}, i = ${i}`;
        if (n > 1) rejects(() => checkInclusion(proof, n, roots[n], (i + 1) % n, leaves[i]), undefined, `${what}, wrong index`);
        if (n > 1) rejects(() => checkInclusion(proof, n, roots[n], i, leaves[(i + 1) % n]), 'BAD_PROOF', `${what}, wrong leaf`);
        rejects(() => checkInclusion(proof, n, roots[n - 1], i, leaves[i]), 'BAD_PROOF', `${what}, wrong root`);
        // A wrong size goes with that size's root: the proof was made for another tree.
        // (With the original root, a size of the same shape — n = 3 and 4 for leaf 0 —
        // cannot be told apart by any verifier: sizes are bound to roots by checkpoints.)
        if (n < MAX) rejects(() => checkInclusion(proof, n + 1, roots[n + 1], i, leaves[i]), 'BAD_PROOF', `${what}, size + 1`);
        if (i < n - 1) rejects(() => checkInclusion(proof, n - 1, roots[n - 1], i, leaves[i]), 'BAD_PROOF', `${what}, size - 1`);
        rejects(() => checkInclusion(proof, n, roots[n], n, leaves[i]), 'BAD_INDEX', `${what}, index = size`);
        rejects(() => checkInclusion([...proof, roots[n]], n, roots[n], i, leaves[i]), 'BAD_PROOF', `${what}, extra hash`);
        if (proof.length > 0) rejects(() => checkInclusion(proof.slice(1), n, roots[n], i, leaves[i]), 'BAD_PROOF', `${what}, first hash dropped`);
        if (proof.length > 0) rejects(() => checkInclusion(proof.slice(0, -1), n, roots[n], i, leaves[i]), 'BAD_PROOF', `${what}, last hash dropped`);
      }
    }
    assert.equal(checked, (MAX * (MAX + 1)) / 2);
  });

  test('every consistency proof equals PROOF(m, D[n]) and verifies; wrong claims fail', () => {
    let checked = 0;
    for (let n = 1; n <= MAX; n++) {
      for (let m = 1; m <= n; m++) {
        const proof = proveConsistency(n, m, store);
        assert.deepEqual(proof.map(hex), refProof(m, leaves.slice(0, n)).map(hex), `n = ${n}, m = ${m}`);
        checkConsistency(proof, n, roots[n], m, roots[m]);
        checked++;
        const what = `consistency m = ${m}, n = ${n}`;
        if (m < n) {
          rejects(() => checkConsistency(proof, n, roots[n], m, roots[m - 1]), undefined, `${what}, wrong old root`);
          rejects(() => checkConsistency(proof, n, roots[n - 1], m, roots[m]), 'BAD_PROOF', `${what}, wrong new root`);
          rejects(() => checkConsistency(proof, n, roots[m], m, roots[n]), undefined, `${what}, roots swapped`);
          if (n < MAX) rejects(() => checkConsistency(proof, n + 1, roots[n + 1], m, roots[m]), 'BAD_PROOF', `${what}, new size + 1`);
          rejects(() => checkConsistency(proof, n, roots[n], m + 1, roots[m + 1]), 'BAD_PROOF', `${what}, old size + 1`);
          if (m > 1) rejects(() => checkConsistency(proof, n, roots[n], m - 1, roots[m - 1]), 'BAD_PROOF', `${what}, old size - 1`);
          rejects(() => checkConsistency([...proof, roots[n]], n, roots[n], m, roots[m]), 'BAD_PROOF', `${what}, extra hash`);
          rejects(() => checkConsistency(proof.slice(0, -1), n, roots[n], m, roots[m]), 'BAD_PROOF', `${what}, last hash dropped`);
        } else {
          assert.equal(proof.length, 0);
          if (n > 1) rejects(() => checkConsistency(proof, n, roots[n], m, roots[n - 1]), 'BAD_PROOF', `${what}, equal sizes, different roots`);
        }
        rejects(() => checkConsistency(proof, m - 1, roots[n], n, roots[m]), 'BAD_SIZE', `${what}, sizes reversed`);
      }
    }
    assert.equal(checked, (MAX * (MAX + 1)) / 2);
  });

  test(`every byte of every proof flipped fails the check (sizes ≤ ${FLIP_ALL_UP_TO}, then every 17th size, 5 leaves, 5 old sizes)`, () => {
    let flips = 0;
    for (const n of FLIP_SIZES) {
      // Every leaf and old size up to 32; above, the ends and the middle.
      const picks = (count: number, from: number) =>
        Array.from({ length: count }, (_, k) => k + from).filter((x) => n <= FLIP_ALL_UP_TO || x <= from + 1 || x >= count + from - 2 || x === Math.floor(n / 2));
      for (const i of picks(n, 0)) {
        const proof = proveInclusion(n, i, store);
        for (let j = 0; j < proof.length; j++) {
          for (let b = 0; b < proof[j].length; b++) {
            rejects(() => checkInclusion(flipped(proof, j, b), n, roots[n], i, leaves[i]), 'BAD_PROOF', `inclusion n = ${n}, i = ${i}, hash ${j}, byte ${b}`);
            flips++;
          }
        }
      }
      for (const m of picks(n - 1, 1)) {
        const proof = proveConsistency(n, m, store);
        for (let j = 0; j < proof.length; j++) {
          for (let b = 0; b < proof[j].length; b++) {
            rejects(() => checkConsistency(flipped(proof, j, b), n, roots[n], m, roots[m]), 'BAD_PROOF', `consistency m = ${m}, n = ${n}, hash ${j}, byte ${b}`);
            flips++;
          }
        }
      }
    }
    assert.ok(flips > 50_000, `${flips} flips`);
  });
});

describe('arguments out of range', () => {
  const cases: { desc: string; run: () => unknown; code: LedgerErrorCode }[] = [
    { desc: 'inclusion in the empty tree', run: () => proveInclusion(0, 0, store), code: 'BAD_INDEX' },
    { desc: 'inclusion of index = size', run: () => proveInclusion(5, 5, store), code: 'BAD_INDEX' },
    { desc: 'inclusion of a negative index', run: () => proveInclusion(5, -1, store), code: 'BAD_INDEX' },
    { desc: 'inclusion of a fractional index', run: () => proveInclusion(5, 1.5, store), code: 'BAD_INDEX' },
    { desc: 'a negative size', run: () => treeHash(-1, store), code: 'BAD_SIZE' },
    { desc: 'a size beyond 2^52', run: () => treeHash(2 ** 52 + 1, store), code: 'BAD_SIZE' },
    { desc: 'NaN size', run: () => treeHash(Number.NaN, store), code: 'BAD_SIZE' },
    { desc: 'consistency from 0', run: () => proveConsistency(5, 0, store), code: 'BAD_SIZE' },
    { desc: 'consistency from a larger tree', run: () => proveConsistency(5, 6, store), code: 'BAD_SIZE' },
    { desc: 'a tree larger than the store', run: () => store.root(MAX + 1), code: 'BAD_SIZE' },
    { desc: 'a store asked beyond its hashes', run: () => treeHash(MAX + 5, store), code: 'BAD_INDEX' },
    { desc: 'a leaf hash of 31 bytes', run: () => checkInclusion([], 1, roots[1], 0, leaves[0].subarray(1)), code: 'BAD_HASH' },
    { desc: 'a proof hash of 33 bytes', run: () => checkInclusion([new Uint8Array(33)], 2, roots[2], 0, leaves[0]), code: 'BAD_PROOF' },
    { desc: 'a proof of 65 hashes', run: () => checkInclusion(Array.from({ length: 65 }, () => leaves[0]), 2, roots[2], 0, leaves[0]), code: 'BAD_PROOF' },
    { desc: 'appending a 20-byte leaf hash', run: () => new MemoryHashStore().append(new Uint8Array(20)), code: 'BAD_HASH' },
  ];
  for (const c of cases) test(c.desc, () => rejects(c.run, c.code, c.desc));
});

describe('readers', () => {
  function counting(inner: HashReader): HashReader & { calls: number[][] } {
    const calls: number[][] = [];
    return { calls, readHashes: (ix) => (calls.push([...ix]), inner.readHashes(ix)) };
  }

  test('one readHashes call per operation, of O(log n) indexes', () => {
    for (let n = 1; n <= MAX; n++) {
      const log = Math.ceil(Math.log2(n));
      const r = counting(store);
      treeHash(n, r);
      assert.ok(r.calls.length === 1 && r.calls[0].length <= log + 1, `treeHash(${n}) read ${JSON.stringify(r.calls)}`);
      for (let i = 0; i < n; i++) {
        const ri = counting(store);
        proveInclusion(n, i, ri);
        assert.ok(ri.calls.length <= 1 && (ri.calls[0]?.length ?? 0) <= 2 * log, `proveInclusion(${n}, ${i}) read ${JSON.stringify(ri.calls)}`);
      }
      for (let m = 1; m <= n; m++) {
        const rc = counting(store);
        proveConsistency(n, m, rc);
        assert.ok(rc.calls.length <= 1 && (rc.calls[0]?.length ?? 0) <= 2 * log, `proveConsistency(${n}, ${m}) read ${JSON.stringify(rc.calls)}`);
      }
    }
  });

  test('a reader that answers wrongly is caught (BAD_READ)', () => {
    const short: HashReader = { readHashes: (ix) => store.readHashes(ix).slice(1) };
    const wrongSize: HashReader = { readHashes: (ix) => store.readHashes(ix).map((h) => h.subarray(0, 16)) };
    rejects(() => treeHash(7, short), 'BAD_READ', 'short answer');
    rejects(() => proveInclusion(7, 3, wrongSize), 'BAD_READ', 'short hashes');
  });

  test('the async variants give the same hashes as the sync ones', async () => {
    const asyncStore: AsyncHashReader = { readHashes: async (ix) => store.readHashes(ix) };
    for (const n of [1, 2, 3, 7, 8, 33, 64, 99, 100]) {
      assert.equal(hex(await treeHashAsync(n, asyncStore)), hex(roots[n]));
      for (const i of [0, Math.floor(n / 2), n - 1]) {
        assert.deepEqual((await proveInclusionAsync(n, i, asyncStore)).map(hex), proveInclusion(n, i, store).map(hex));
      }
      for (const m of [1, Math.ceil(n / 3), n]) {
        assert.deepEqual((await proveConsistencyAsync(n, m, asyncStore)).map(hex), proveConsistency(n, m, store).map(hex));
      }
    }
    // Appending through the async path builds the same stored hashes.
    const hashes: Uint8Array[] = [];
    const grown: AsyncHashReader = { readHashes: async (ix) => ix.map((i) => hashes[i]) };
    for (let i = 0; i < MAX; i++) hashes.push(...(await storedHashesForRecordAsync(i, leaves[i], grown)));
    assert.deepEqual(hashes.map(hex), store.readHashes(hashes.map((_, i) => i)).map(hex));
  });
});
