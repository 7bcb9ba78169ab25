import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { checkConsistency, checkInclusion, hashLeaf, newVerifier, openCheckpoint } from '../../src/ledger/index.js';
import { FileLedger } from '../../src/store/ledger-files/file-ledger.js';
import { listSegments } from '../../src/store/ledger-files/file-ledger.js';
import { newSigner } from '../../src/ledger/index.js';
import { verifyStore } from '../../src/store/index.js';
import { tempStore } from './helpers.js';

const odd: { desc: string; bytes: Buffer }[] = [
  { desc: 'plain JSON', bytes: Buffer.from('{"a":1}') },
  { desc: 'empty', bytes: Buffer.alloc(0) },
  { desc: 'invalid UTF-8', bytes: Buffer.from([0x7b, 0xff, 0xfe, 0xc3, 0x28, 0x7d]) },
  { desc: 'NUL and CR inside', bytes: Buffer.from('{"x":"a\u0000b\rc"}', 'utf8') },
  { desc: 'a BOM in the middle', bytes: Buffer.from([0xef, 0xbb, 0xbf, 0x41]) },
  { desc: 'non-ASCII', bytes: Buffer.from('{"user":"jürgen 🚀"}', 'utf8') },
  { desc: 'larger than a block', bytes: Buffer.alloc(10_000, 0x61) },
];

function open(s: ReturnType<typeof tempStore>, signed = true): FileLedger {
  return FileLedger.open(s.dir, { verifier: newVerifier(s.vkey), signer: signed ? newSigner(s.skey.trim()) : undefined, blockBytes: 1024, segmentBytes: 512 });
}

test('leaves come back byte for byte, across blocks, segments and reopening', async () => {
  const s = tempStore();
  try {
    const all: Buffer[] = [];
    let l = open(s);
    for (let batch = 0; batch < 6; batch++) {
      const leaves = [...odd.map((o) => o.bytes), ...Array.from({ length: 20 }, (_, i) => Buffer.from(`{"batch":${batch},"i":${i}}`))];
      const r = l.append(leaves);
      assert.equal(r.first, all.length);
      all.push(...leaves);
      if (batch % 2 === 1) {
        l.close();
        const ro = open(s, false);
        assert.equal(ro.size, all.length, 'a read-only open sees every committed leaf');
        assert.deepEqual(ro.readLeaf(all.length - 1), all[all.length - 1]);
        ro.close();
        l = open(s);
      }
    }
    assert.ok(listSegments(s.dir).length > 1, 'small segments rotate');
    l.close();
    l = open(s, false);
    assert.equal(l.size, all.length);
    for (let i = 0; i < all.length; i++) assert.deepEqual(l.readLeaf(i), all[i], `leaf ${i}`);
    assert.deepEqual([...l.readRange(0)], all);
    l.close();
    const report = await verifyStore(s.dir, { index: false });
    assert.equal(report.ok, true, report.problem?.message);
    assert.equal(report.checked, all.length, 'verify reads every segment in order');
  } finally {
    s.cleanup();
  }
});

test('proofs from the store verify against its checkpoints', () => {
  const s = tempStore();
  try {
    const l = open(s);
    const v = newVerifier(s.vkey);
    const checkpoints: { size: number; root: Uint8Array }[] = [];
    const leaves: Buffer[] = [];
    for (const n of [1, 2, 5, 13, 30]) {
      const batch = Array.from({ length: n }, (_, i) => Buffer.from(`leaf ${leaves.length + i}`));
      leaves.push(...batch);
      const r = l.append(batch);
      const { checkpoint } = openCheckpoint(r.checkpoint, [v], { origin: 'test.example/kubetrail' });
      assert.equal(checkpoint.size, leaves.length);
      checkpoints.push({ size: checkpoint.size, root: checkpoint.root });
    }
    for (const cp of checkpoints) {
      for (let i = 0; i < cp.size; i++) checkInclusion(l.proveInclusion(i, cp.size), cp.size, cp.root, i, hashLeaf(leaves[i]));
      for (const older of checkpoints.filter((c) => c.size <= cp.size)) checkConsistency(l.proveConsistency(older.size, cp.size), cp.size, cp.root, older.size, older.root);
      // A wrong leaf must not prove.
      assert.throws(() => checkInclusion(l.proveInclusion(0, cp.size), cp.size, cp.root, 0, hashLeaf(Buffer.from('forged'))));
    }
    l.close();
  } finally {
    s.cleanup();
  }
});
