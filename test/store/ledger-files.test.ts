import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { checkConsistency, checkInclusion, hashLeaf, newVerifier, openCheckpoint } from '../../src/ledger/index.js';
import { FileLedger } from '../../src/store/ledger-files/file-ledger.js';
import { listSegments } from '../../src/store/ledger-files/file-ledger.js';
import { newSigner } from '../../src/ledger/index.js';
import { verifyStore } from '../../src/store/index.js';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
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

test('the block table reads entries where they are, finds leaves and refuses gaps', async () => {
  const { BlockTable, encodeBlockEntry, BLOCK_ENTRY_SIZE } = await import('../../src/store/ledger-files/layout.js');
  const encode = (entries: Array<{ firstLeaf: number; count: number }>) => {
    const out = Buffer.alloc(entries.length * BLOCK_ENTRY_SIZE);
    entries.forEach((e, i) => encodeBlockEntry({ segment: i >> 1, offset: 1000 * i, firstLeaf: e.firstLeaf, count: e.count, payloadLength: 7 * i, compressedLength: 3 * i }, out, i * BLOCK_ENTRY_SIZE));
    return out;
  };
  // Leaves past 2^32 must survive the two-word read of the u64 first leaf.
  const big = 2 ** 32 + 5;
  const cases: Array<{ desc: string; entries: Array<{ firstLeaf: number; count: number }>; size: number; want: { covered: number; length: number } | RegExp }> = [
    { desc: 'three blocks, all covered', entries: [{ firstLeaf: 0, count: 3 }, { firstLeaf: 3, count: 1 }, { firstLeaf: 4, count: 5 }], size: 9, want: { covered: 9, length: 3 } },
    { desc: 'an interrupted batch past the checkpoint is left out', entries: [{ firstLeaf: 0, count: 3 }, { firstLeaf: 3, count: 4 }], size: 3, want: { covered: 3, length: 1 } },
    { desc: 'entries missing for the checkpoint', entries: [{ firstLeaf: 0, count: 3 }], size: 5, want: { covered: 3, length: 1 } },
    { desc: 'a gap between blocks', entries: [{ firstLeaf: 0, count: 3 }, { firstLeaf: 4, count: 1 }], size: 5, want: /entry 1 starts at leaf 4, expected 3/ },
    { desc: 'an empty block', entries: [{ firstLeaf: 0, count: 0 }], size: 1, want: /entry 0 holds no events/ },
    { desc: 'a first leaf beyond 2^32', entries: [{ firstLeaf: big, count: 1 }], size: 1, want: new RegExp(`entry 0 starts at leaf ${big}, expected 0`) },
  ];
  for (const c of cases) {
    const read = expectBlockRead(BlockTable.covering(encode(c.entries), c.size), c.want, c.desc);
    if (read !== null) assert.equal(read.table.length, (c.want as { length: number }).length, c.desc);
  }

  const read = BlockTable.covering(encode([{ firstLeaf: 0, count: 3 }, { firstLeaf: 3, count: 1 }, { firstLeaf: 4, count: 5 }]), 9);
  assert.ok('table' in read);
  const table = read.table;
  for (const [leaf, block] of [[0, 0], [2, 0], [3, 1], [4, 2], [8, 2], [100, 2]]) assert.equal(table.find(leaf), block, `leaf ${leaf}`);
  assert.deepEqual(table.entry(2), { segment: 1, offset: 2000, firstLeaf: 4, count: 5, payloadLength: 14, compressedLength: 6 });
  assert.throws(() => table.entry(3), RangeError);
  // Growing past the buffer read from disk keeps every earlier entry.
  for (let i = 0; i < 200; i++) {
    const one = Buffer.alloc(BLOCK_ENTRY_SIZE);
    encodeBlockEntry({ segment: 9, offset: i, firstLeaf: big + i, count: 1, payloadLength: 1, compressedLength: 1 }, one, 0);
    table.push(one);
  }
  assert.equal(table.length, 203);
  assert.equal(table.firstLeaf(1), 3);
  assert.equal(table.firstLeaf(202), big + 199);
  assert.equal(table.find(big + 50), 53);
  table.truncate(2);
  assert.equal(table.length, 2);
  assert.equal(table.last()?.firstLeaf, 3);
  assert.equal(BlockTable.empty().last(), undefined);
});

test('a reader\'s block table stays in the file and checks that it ends where the checkpoint does', async () => {
  const { BlockTable, encodeBlockEntry, BLOCK_ENTRY_SIZE } = await import('../../src/store/ledger-files/layout.js');
  const { closeSync, mkdtempSync, openSync, rmSync, writeFileSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { tmpdir } = await import('node:os');
  const dir = mkdtempSync(join(tmpdir(), 'kubetrail-blocks-'));
  try {
    const blocks = (counts: number[], starts?: number[]) => {
      const out = Buffer.alloc(counts.length * BLOCK_ENTRY_SIZE);
      let first = 0;
      counts.forEach((count, i) => {
        encodeBlockEntry({ segment: 0, offset: i * 100, firstLeaf: starts?.[i] ?? first, count, payloadLength: 1, compressedLength: 1 }, out, i * BLOCK_ENTRY_SIZE);
        first += count;
      });
      return out;
    };
    const cases: Array<{ desc: string; bytes: Buffer; size: number; want: { covered: number; length: number } | RegExp }> = [
      { desc: 'entries ending at the checkpoint', bytes: blocks([3, 4, 5]), size: 12, want: { covered: 12, length: 3 } },
      { desc: 'an interrupted batch after the checkpoint is left out', bytes: blocks([3, 4, 5]), size: 7, want: { covered: 7, length: 2 } },
      { desc: 'the last blocks missing', bytes: blocks([3, 4]), size: 12, want: { covered: 7, length: 2 } },
      { desc: 'the checkpoint inside a block', bytes: blocks([3, 4, 5]), size: 9, want: /entry 2 ends at leaf 12, but the checkpoint signs 9/ },
      { desc: 'a first entry not at leaf 0', bytes: blocks([3, 4], [1, 4]), size: 8, want: /entry 0 starts at leaf 1, expected 0/ },
      { desc: 'an empty file for an empty tree', bytes: Buffer.alloc(0), size: 0, want: { covered: 0, length: 0 } },
      { desc: 'a torn last entry is not one', bytes: blocks([3, 4]).subarray(0, BLOCK_ENTRY_SIZE + 10), size: 7, want: { covered: 3, length: 1 } },
    ];
    for (const c of cases) {
      const path = join(dir, 'blocks.idx');
      writeFileSync(path, c.bytes);
      const fd = openSync(path, 'r');
      try {
        const read = expectBlockRead(BlockTable.inFile(fd, c.bytes.length, c.size), c.want, c.desc);
        if (read !== null && read.covered === c.size && !(c.want instanceof RegExp)) {
          assert.equal(read.table.length, c.want.length, c.desc);
          for (let leaf = 0; leaf < c.size; leaf++) {
            const b = read.table.find(leaf);
            const e = read.table.entry(b);
            assert.ok(e.firstLeaf <= leaf && leaf < e.firstLeaf + e.count, `${c.desc}: leaf ${leaf} is in block ${b}`);
          }
          assert.throws(() => read.table.push(Buffer.alloc(BLOCK_ENTRY_SIZE)), /read-only/);
        }
      } finally {
        closeSync(fd);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** A block table read checked against what a case wants: the problem it names, or how far it covers (then the read). */
function expectBlockRead<T>(read: { table: T; covered: number } | { problem: string }, want: { covered: number } | RegExp, desc: string): { table: T; covered: number } | null {
  if (want instanceof RegExp) {
    assert.ok('problem' in read, desc);
    assert.match(read.problem, want, desc);
    return null;
  }
  assert.ok('table' in read, desc);
  assert.equal(read.covered, want.covered, desc);
  return read;
}

/** Leaves that do not compress away (hex of hashes), so that small segments fill. */
function hexLeaves(n: number): Buffer[] {
  return Array.from({ length: n }, (_, i) => Buffer.from(Buffer.from(hashLeaf(Buffer.from(String(i)))).toString('hex')));
}

test('appendAsync writes what append writes, one batch at a time, and signs nothing after a close', async () => {
  const a = tempStore();
  const b = tempStore();
  try {
    const sync = open(a);
    const async_ = open(b);
    const batches = [[...odd.map((o) => o.bytes)], Array.from({ length: 40 }, (_, i) => Buffer.from(`{"i":${i}}`)), [Buffer.alloc(3000, 0x62)], [], hexLeaves(60), hexLeaves(5)];
    for (const batch of batches) {
      const r1 = sync.append(batch);
      const r2 = await async_.appendAsync(batch);
      assert.deepEqual({ first: r2.first, size: r2.size }, { first: r1.first, size: r1.size });
      const root = (cp: string, key: string) => Buffer.from(openCheckpoint(cp, [newVerifier(key)], { origin: 'test.example/kubetrail' }).checkpoint.root).toString('hex');
      if (batch.length > 0) assert.equal(root(r2.checkpoint, b.vkey), root(r1.checkpoint, a.vkey), 'the same tree');
    }
    const files = readdirSync(join(a.dir, 'ledger')).sort();
    assert.ok(files.length >= 4 && listSegments(a.dir).length >= 2, `blocks, hashes and segments: ${files.join(', ')}`);
    assert.deepEqual(readdirSync(join(b.dir, 'ledger')).sort(), files);
    for (const file of files) assert.deepEqual(readFileSync(join(b.dir, 'ledger', file)), readFileSync(join(a.dir, 'ledger', file)), `${file}: the same bytes`);

    // One at a time: another append or a prune while one waits on the disk is refused.
    const waiting = async_.appendAsync([Buffer.from('{"late":1}')]);
    const refused: Array<[string, () => unknown]> = [
      ['append', () => async_.append([Buffer.from('x')])],
      ['prune', () => async_.prune(0, 'test')],
    ];
    for (const [what, run] of refused) assert.throws(run, (e: { code?: string }) => e.code === 'BUSY', `${what} while a batch commits`);
    const size = (await waiting).size;
    assert.equal(size, async_.size);

    // Closed while its batch waits on the disk: the batch fails and is not signed.
    const cut = async_.appendAsync([Buffer.from('{"cut":1}')]);
    async_.close();
    await assert.rejects(cut, /closed/);
    assert.equal(existsSync(join(b.dir, '.checkpoint.tmp')), false, 'the temp checkpoint signed for the cut batch is gone');
    const reopened = open(b, false);
    assert.equal(reopened.size, size, 'the checkpoint signs only what was committed before the close');
    reopened.close();
    assert.equal((await verifyStore(b.dir, { index: false })).ok, true);
    sync.close();
  } finally {
    a.cleanup();
    b.cleanup();
  }
});

test('a temp checkpoint left by a cut-off batch is removed by the next writable open, never by a reader', () => {
  const s = tempStore();
  try {
    const l = open(s);
    const signed = l.append([Buffer.from('{"a":1}')]).checkpoint;
    l.close();
    const temp = join(s.dir, '.checkpoint.tmp');
    writeFileSync(temp, signed.replace(/\n\n[\s\S]*$/, '\n\n— a signature of a tree that never counted\n'));
    const reader = open(s, false);
    assert.equal(existsSync(temp), true, 'a read-only open changes nothing');
    reader.close();
    const writer = open(s);
    assert.equal(existsSync(temp), false, 'the writable open removed it');
    assert.equal(writer.size, 1);
    writer.close();
  } finally {
    s.cleanup();
  }
});
