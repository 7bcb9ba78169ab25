/** Every kind of tampering verify must catch, each naming the first bad entry. */
import { strict as assert } from 'node:assert';
import { readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { generateSignerKey, newSigner, openNote, signNote } from '../../src/ledger/index.js';
import { indexRowOf, openStore, verifyStore } from '../../src/store/index.js';
import { CODEC_ZSTD, compressBlock, decompressBlock } from '../../src/store/ledger-files/block-codec.js';
import { decodeBlockEntry, decodeBlockHeader, encodeBlockEntry, encodeBlockHeader, decodePayload, encodePayload, type BlockHeader } from '../../src/store/ledger-files/layout.js';
import { eventLine, tempStore, type TempStore } from './helpers.js';

const EVENTS = 40;

async function filledStore(): Promise<TempStore> {
  const s = tempStore();
  const store = await openStore(s.dir, { signingKey: s.skey, blockBytes: 2048 });
  for (let b = 0; b < 4; b++) {
    const batch = Array.from({ length: EVENTS / 4 }, (_, i) => {
      const bytes = Buffer.from(eventLine(b * 10 + i));
      const { leaf: _l, ...row } = indexRowOf(0, JSON.parse(bytes.toString()));
      return { bytes, row };
    });
    await store.commit(batch);
  }
  await store.close();
  return s;
}

/** Rewrites the last block with one of its leaves changed (recompressed, header and index entry fixed up). */
function rewriteLastBlock(s: TempStore, change: (leaves: Buffer[]) => Buffer[]): { firstLeaf: number } {
  const idxPath = join(s.dir, 'ledger/blocks.idx');
  const idx = readFileSync(idxPath);
  const at = idx.length - 32;
  const e = decodeBlockEntry(idx, at);
  const segPath = join(s.dir, 'ledger/seg-000000.klog');
  const seg = readFileSync(segPath);
  const h = decodeBlockHeader(seg, e.offset) as BlockHeader;
  const payload = decompressBlock(h.codec, seg.subarray(e.offset + 24, e.offset + 24 + e.compressedLength), e.payloadLength);
  const leaves = decodePayload(payload, e.count) as Buffer[];
  const newPayload = encodePayload(change(leaves.map((l) => Buffer.from(l))));
  const compressed = compressBlock(newPayload);
  writeFileSync(segPath, Buffer.concat([seg.subarray(0, e.offset), encodeBlockHeader(CODEC_ZSTD, e.count, e.firstLeaf, newPayload.length, compressed.length), compressed]));
  encodeBlockEntry({ ...e, payloadLength: newPayload.length, compressedLength: compressed.length }, idx, at);
  writeFileSync(idxPath, idx);
  return { firstLeaf: e.firstLeaf };
}

const cases: { desc: string; tamper: (s: TempStore) => void; want: RegExp; leaf?: number | ((s: TempStore) => number) }[] = [
  {
    desc: 'a byte of an event changed',
    tamper: (s) => {
      rewriteLastBlock(s, (leaves) => {
        leaves[1] = Buffer.from(leaves[1].toString().replace('"verb":"get"', '"verb":"del"'));
        return leaves;
      });
    },
    want: /leaf hash recomputed from the stored bytes/,
    leaf: (s) => decodeBlockEntry(readFileSync(join(s.dir, 'ledger/blocks.idx')), readFileSync(join(s.dir, 'ledger/blocks.idx')).length - 32).firstLeaf + 1,
  },
  {
    desc: 'two events swapped',
    tamper: (s) => {
      rewriteLastBlock(s, (l) => [l[1], l[0], ...l.slice(2)]);
    },
    want: /leaf hash/,
    leaf: (s) => decodeBlockEntry(readFileSync(join(s.dir, 'ledger/blocks.idx')), readFileSync(join(s.dir, 'ledger/blocks.idx')).length - 32).firstLeaf,
  },
  {
    desc: 'an event deleted',
    tamper: (s) => {
      rewriteLastBlock(s, (l) => l.slice(0, -1));
    },
    want: /payload|leaf|events .* missing/,
  },
  {
    desc: 'a compressed byte flipped',
    tamper: (s) => {
      const p = join(s.dir, 'ledger/seg-000000.klog');
      const b = readFileSync(p);
      b[b.length - 20] ^= 0x01;
      writeFileSync(p, b);
    },
    want: /seg-000000\.klog/,
  },
  {
    desc: 'a block made to claim a 4 GiB payload (header and index agreeing)',
    tamper: (s) => {
      const idxPath = join(s.dir, 'ledger/blocks.idx');
      const idx = readFileSync(idxPath);
      const e = decodeBlockEntry(idx, idx.length - 32);
      encodeBlockEntry({ ...e, payloadLength: 0xffffffff }, idx, idx.length - 32);
      writeFileSync(idxPath, idx);
      const segPath = join(s.dir, 'ledger/seg-000000.klog');
      const seg = readFileSync(segPath);
      seg.writeUInt32BE(0xffffffff, e.offset + 16);
      writeFileSync(segPath, seg);
    },
    want: /does not decompress \(a payload of 4294967295 bytes is more than a block may hold/,
  },
  {
    desc: 'the last block deleted',
    tamper: (s) => {
      const idx = readFileSync(join(s.dir, 'ledger/blocks.idx'));
      truncateSync(join(s.dir, 'ledger/seg-000000.klog'), decodeBlockEntry(idx, idx.length - 32).offset);
    },
    want: /missing/,
  },
  {
    desc: 'a stored interior hash changed',
    tamper: (s) => {
      const p = join(s.dir, 'ledger/hashes');
      const b = readFileSync(p);
      b[2 * 32] ^= 0x80; // stored hash 2 = the node over leaves 0 and 1
      writeFileSync(p, b);
    },
    want: /interior hash/,
    leaf: 1,
  },
  {
    desc: 'an index row edited',
    tamper: (s) => {
      const db = new Database(join(s.dir, 'index.sqlite'));
      db.prepare(`INSERT INTO strings (s) VALUES ('mallory')`).run();
      db.prepare(`UPDATE events SET user = (SELECT id FROM strings WHERE s = 'mallory') WHERE leaf = 5`).run();
      db.close();
    },
    want: /index row for event 5 disagrees with the ledger: user is "mallory" in the index, "alice" in the event/,
    leaf: 5,
  },
  {
    desc: 'a string of the index dictionary edited (every row that uses it)',
    tamper: (s) => {
      const db = new Database(join(s.dir, 'index.sqlite'));
      db.prepare(`UPDATE strings SET s = 'mallory' WHERE s = 'alice'`).run();
      db.close();
    },
    want: /index row for event 0 disagrees with the ledger: user is "mallory" in the index, "alice" in the event/,
    leaf: 0,
  },
  {
    desc: 'an index row pointing at a string that is not there',
    tamper: (s) => {
      const db = new Database(join(s.dir, 'index.sqlite'));
      db.prepare(`UPDATE events SET verb = 999999 WHERE leaf = 9`).run();
      db.close();
    },
    want: /index row for event 9 disagrees with the ledger: verb is "\\u0000missing string 999999" in the index/,
    leaf: 9,
  },
  {
    desc: 'an event size in the index changed',
    tamper: (s) => {
      const db = new Database(join(s.dir, 'index.sqlite'));
      db.prepare(`UPDATE events SET bytes = bytes + 1 WHERE leaf = 12`).run();
      db.close();
    },
    want: /index row for event 12 gives its size as \d+ bytes, the event has \d+/,
    leaf: 12,
  },
  {
    desc: 'a top-N total (rollup) changed',
    tamper: (s) => {
      const db = new Database(join(s.dir, 'index.sqlite'));
      db.prepare(`UPDATE rollup SET events = events + 1000 WHERE col = 0 AND id = (SELECT id FROM strings WHERE s = 'alice')`).run();
      db.close();
    },
    want: /the user rollup for "alice" says \d+ events/,
  },
  {
    desc: 'a block\'s time range narrowed (since= would skip its events)',
    tamper: (s) => {
      const db = new Database(join(s.dir, 'index.sqlite'));
      db.prepare(`UPDATE time_blocks SET max_us = min_us WHERE block = 0`).run();
      db.close();
    },
    want: /the time range of leaves 0–4095 says (\S+) to \1, the rows hold \S+ to \S+/,
  },
  {
    desc: 'the events of a minute changed (stats would draw them)',
    tamper: (s) => {
      const db = new Database(join(s.dir, 'index.sqlite'));
      db.prepare(`UPDATE minutes SET events = events + 3 WHERE minute = (SELECT min(minute) FROM minutes)`).run();
      db.close();
    },
    want: /the events of the minute from \S+ are counted as \d+, the rows hold \d+/,
  },
  {
    desc: 'an index row deleted',
    tamper: (s) => {
      const db = new Database(join(s.dir, 'index.sqlite'));
      db.prepare(`DELETE FROM events WHERE leaf = 7`).run();
      db.close();
    },
    want: /rows/,
  },
  {
    desc: 'the checkpoint forged (its size changed)',
    tamper: (s) => {
      const p = join(s.dir, 'checkpoint');
      writeFileSync(p, readFileSync(p, 'utf8').replace(`\n${EVENTS}\n`, `\n${EVENTS - 1}\n`));
    },
    want: /checkpoint/,
  },
];

// Index rows checked on verify's own thread (small stores), and on worker threads (large).
const threads = [
  { how: 'in place', indexOnWorkersFrom: Number.MAX_SAFE_INTEGER },
  { how: 'index rows on workers', indexOnWorkersFrom: 1 },
];
for (const c of cases) for (const { how, indexOnWorkersFrom } of threads) {
  test(`verify catches (${how}): ${c.desc}`, async () => {
    const s = await filledStore();
    try {
      const before = await verifyStore(s.dir, { indexOnWorkersFrom });
      assert.equal(before.ok, true, before.problem?.message);
      assert.equal(before.checked, EVENTS);
      assert.equal(before.indexChecked, EVENTS);
      const wantLeaf = typeof c.leaf === 'function' ? c.leaf(s) : c.leaf;
      c.tamper(s);
      const after = await verifyStore(s.dir, { indexOnWorkersFrom });
      assert.equal(after.ok, false);
      assert.match(after.problem!.message, c.want);
      if (wantLeaf !== undefined) assert.equal(after.problem!.leaf, wantLeaf);
    } finally {
      s.cleanup();
    }
  });
}

test('a checkpoint re-signed with a new key placed in the store is caught with --key', async () => {
  const s = await filledStore();
  try {
    const fresh = generateSignerKey('test.example/kubetrail');
    const p = join(s.dir, 'checkpoint');
    const text = openNote(readFileSync(p, 'utf8'), [(await import('../../src/ledger/index.js')).newVerifier(s.vkey)]).text;
    writeFileSync(p, signNote(text, [newSigner(fresh.skey)]));
    writeFileSync(join(s.dir, 'verifier.key'), `${fresh.vkey}\n`);
    assert.equal((await verifyStore(s.dir)).ok, true, 'trusting the store itself, the forgery passes');
    const report = await verifyStore(s.dir, { verifierKey: s.vkey });
    assert.equal(report.ok, false);
    assert.equal(report.problem!.file, 'checkpoint');
    assert.match(report.problem!.message, /no signature|unverified|not signed|trusted/i);
  } finally {
    s.cleanup();
  }
});
