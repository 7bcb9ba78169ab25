/**
 * Block compression: Zstandard for new blocks, raw deflate still read (stores written
 * before), and compressed bytes treated as hostile (never grown past the stated length).
 */
import { strict as assert } from 'node:assert';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { deflateRawSync } from 'node:zlib';
import { newSigner, newVerifier } from '../../src/ledger/index.js';
import { verifyStore } from '../../src/store/index.js';
import { CODEC_DEFLATE, CODEC_ZSTD, MAX_BLOCK_PAYLOAD_BYTES, MAX_EVENT_BYTES, compressBlock, decompressBlock, type BlockCodec } from '../../src/store/ledger-files/block-codec.js';
import { FileLedger, listSegments } from '../../src/store/ledger-files/file-ledger.js';
import { BLOCK_ENTRY_SIZE, BLOCK_HEADER_SIZE, decodeBlockEntry, decodeBlockHeader, encodeBlockEntry, encodeBlockHeader, segmentPath, type BlockHeader } from '../../src/store/ledger-files/layout.js';
import { eventLine, tempStore, type TempStore } from './helpers.js';

const payload = Buffer.from(Array.from({ length: 200 }, (_, i) => eventLine(i)).join(''));
const compressedWith: Record<BlockCodec, (p: Uint8Array) => Buffer> = {
  [CODEC_ZSTD]: (p) => compressBlock(p),
  [CODEC_DEFLATE]: (p) => deflateRawSync(p, { level: 6 }),
};

test('a payload comes back byte for byte from either compression', () => {
  for (const codec of [CODEC_ZSTD, CODEC_DEFLATE] as const) {
    for (const p of [payload, Buffer.alloc(4), Buffer.alloc(300_000, 0x7a)]) {
      assert.deepEqual(decompressBlock(codec, compressedWith[codec](p), p.length), p, `codec ${codec}, ${p.length} bytes`);
    }
  }
  assert.ok(compressBlock(payload).length < payload.length / 5, 'event text compresses well');
  // Results are copies: a later call (through the same scratch buffer) leaves them alone.
  const first = compressBlock(payload);
  const kept = Buffer.from(first);
  compressBlock(Buffer.alloc(200_000, 0x41));
  assert.deepEqual(first, kept);
  // A payload larger than the scratch buffer takes goes through a buffer of its own.
  const large = Buffer.from(Array.from({ length: 12_000 }, (_, i) => eventLine(i)).join(''));
  assert.ok(large.length > 4 * 1024 * 1024);
  assert.deepEqual(decompressBlock(CODEC_ZSTD, compressBlock(large), large.length), large);
});

const hostile: { desc: string; codec: BlockCodec; bytes: () => Uint8Array; length: number; want: RegExp }[] = [
  { desc: 'zstd: more bytes than stated', codec: CODEC_ZSTD, bytes: () => compressBlock(payload), length: payload.length - 1, want: /./ },
  { desc: 'zstd: fewer bytes than stated', codec: CODEC_ZSTD, bytes: () => compressBlock(payload), length: payload.length + 1, want: /decompresses to \d+ bytes, \d+ expected/ },
  { desc: 'zstd: cut short', codec: CODEC_ZSTD, bytes: () => compressBlock(payload).subarray(0, 40), length: payload.length, want: /./ },
  { desc: 'zstd: not a frame', codec: CODEC_ZSTD, bytes: () => Buffer.from('not compressed at all'), length: 21, want: /./ },
  { desc: 'zstd: a stated length over the bound (nothing allocated)', codec: CODEC_ZSTD, bytes: () => compressBlock(payload), length: MAX_BLOCK_PAYLOAD_BYTES + 1, want: /more than a block may hold/ },
  { desc: 'deflate: more bytes than stated', codec: CODEC_DEFLATE, bytes: () => deflateRawSync(payload), length: payload.length - 1, want: /./ },
  { desc: 'deflate: fewer bytes than stated', codec: CODEC_DEFLATE, bytes: () => deflateRawSync(payload), length: payload.length + 1, want: /decompresses to \d+ bytes, \d+ expected/ },
  { desc: 'deflate: a zstd frame', codec: CODEC_DEFLATE, bytes: () => compressBlock(payload), length: payload.length, want: /./ },
  { desc: 'deflate: a stated length over the bound', codec: CODEC_DEFLATE, bytes: () => deflateRawSync(payload), length: MAX_BLOCK_PAYLOAD_BYTES + 1, want: /more than a block may hold/ },
];
for (const c of hostile) {
  test(`a block that does not decompress to its stated length is refused: ${c.desc}`, () => {
    assert.throws(() => decompressBlock(c.codec, c.bytes(), c.length), c.want);
  });
}

function ledger(s: TempStore, writable: boolean): FileLedger {
  return FileLedger.open(s.dir, { verifier: newVerifier(s.vkey), signer: writable ? newSigner(s.skey.trim()) : undefined, blockBytes: 2048, segmentBytes: 2048 });
}

function codecsOf(s: TempStore): BlockCodec[] {
  const idx = readFileSync(join(s.dir, 'ledger/blocks.idx'));
  const out: BlockCodec[] = [];
  for (let at = 0; at < idx.length; at += BLOCK_ENTRY_SIZE) {
    const e = decodeBlockEntry(idx, at);
    const h = decodeBlockHeader(readFileSync(segmentPath(s.dir, e.segment)).subarray(e.offset, e.offset + BLOCK_HEADER_SIZE), 0) as BlockHeader;
    out.push(h.codec);
  }
  return out;
}

/** Rewrites every block as a store written before Zstandard had it: raw deflate, "KTB1". */
function rewriteAsDeflate(s: TempStore): void {
  const idxPath = join(s.dir, 'ledger/blocks.idx');
  const idx = readFileSync(idxPath);
  const segments = new Map<number, Buffer[]>();
  const sizes = new Map<number, number>();
  for (let at = 0; at < idx.length; at += BLOCK_ENTRY_SIZE) {
    const e = decodeBlockEntry(idx, at);
    const seg = readFileSync(segmentPath(s.dir, e.segment));
    const h = decodeBlockHeader(seg, e.offset) as BlockHeader;
    const p = decompressBlock(h.codec, seg.subarray(e.offset + BLOCK_HEADER_SIZE, e.offset + BLOCK_HEADER_SIZE + e.compressedLength), e.payloadLength);
    const deflated = deflateRawSync(p, { level: 6 });
    const offset = sizes.get(e.segment) ?? 0;
    segments.set(e.segment, [...(segments.get(e.segment) ?? []), encodeBlockHeader(CODEC_DEFLATE, e.count, e.firstLeaf, p.length, deflated.length), deflated]);
    sizes.set(e.segment, offset + BLOCK_HEADER_SIZE + deflated.length);
    encodeBlockEntry({ ...e, offset, compressedLength: deflated.length }, idx, at);
  }
  for (const [segment, parts] of segments) writeFileSync(segmentPath(s.dir, segment), Buffer.concat(parts));
  writeFileSync(idxPath, idx);
}

test('a store whose blocks are raw deflate (written before) reads, verifies and grows with Zstandard blocks', async () => {
  const s = tempStore();
  try {
    const all: Buffer[] = [];
    let l = ledger(s, true);
    for (let b = 0; b < 4; b++) {
      const leaves = Array.from({ length: 25 }, (_, i) => Buffer.from(eventLine(b * 25 + i)));
      l.append(leaves);
      all.push(...leaves);
    }
    l.close();
    assert.ok(listSegments(s.dir).length > 1, 'several segments');
    assert.ok(codecsOf(s).every((c) => c === CODEC_ZSTD), 'new blocks are Zstandard');
    rewriteAsDeflate(s);
    assert.ok(codecsOf(s).every((c) => c === CODEC_DEFLATE));

    l = ledger(s, false);
    assert.deepEqual([...l.readRange(0)], all, 'deflate blocks read back byte for byte');
    assert.deepEqual(l.readLeaf(37), all[37]);
    l.close();
    let report = await verifyStore(s.dir, { index: false });
    assert.equal(report.ok, true, report.problem?.message);

    l = ledger(s, true);
    const more = Array.from({ length: 30 }, (_, i) => Buffer.from(eventLine(100 + i)));
    l.append(more);
    all.push(...more);
    l.close();
    const codecs = codecsOf(s);
    assert.equal(codecs[0], CODEC_DEFLATE);
    assert.equal(codecs[codecs.length - 1], CODEC_ZSTD, 'what is appended after is Zstandard');
    l = ledger(s, false);
    assert.deepEqual([...l.readRange(0)], all, 'a store of both kinds reads back byte for byte');
    l.close();
    report = await verifyStore(s.dir, { index: false });
    assert.equal(report.ok, true, report.problem?.message);
    assert.equal(report.checked, all.length);
  } finally {
    s.cleanup();
  }
});

test('a block whose header disagrees with the block index is refused when read', () => {
  const s = tempStore();
  try {
    const l = ledger(s, true);
    l.append(Array.from({ length: 10 }, (_, i) => Buffer.from(eventLine(i))));
    l.close();
    const p = segmentPath(s.dir, 0);
    const seg = readFileSync(p);
    seg.writeUInt32BE(seg.readUInt32BE(4) + 1, 4); // the first block's leaf count
    writeFileSync(p, seg);
    const ro = ledger(s, false);
    try {
      assert.throws(() => ro.readLeaf(0), /header disagrees with blocks\.idx/);
    } finally {
      ro.close();
    }
  } finally {
    s.cleanup();
  }
});

test('an event larger than the ledger takes is refused before anything is written, and so are blocks larger than that', async () => {
  const s = tempStore();
  try {
    const l = ledger(s, true);
    l.append([Buffer.from(eventLine(0))]);
    const before = { size: l.size, checkpoint: l.checkpoint, seg: readFileSync(segmentPath(s.dir, 0)) };
    assert.throws(() => l.append([Buffer.from(eventLine(1)), Buffer.alloc(MAX_EVENT_BYTES + 1, 0x20)]), (err: Error & { code?: string }) => err.code === 'BAD_REQUEST' && /event 2 of the batch has \d+ bytes; the ledger takes events of at most/.test(err.message));
    assert.deepEqual({ size: l.size, checkpoint: l.checkpoint, seg: readFileSync(segmentPath(s.dir, 0)) }, before, 'nothing of the batch was written');
    l.append([Buffer.alloc(MAX_EVENT_BYTES, 0x20)]);
    assert.equal(l.readLeaf(1).length, MAX_EVENT_BYTES, 'an event of exactly the largest size reads back');
    l.close();
    assert.equal((await verifyStore(s.dir, { index: false })).ok, true);
    assert.throws(() => FileLedger.open(s.dir, { verifier: newVerifier(s.vkey), blockBytes: MAX_EVENT_BYTES + 1 }), /blocks hold 1 to/);
  } finally {
    s.cleanup();
  }
});

test('a block index entry claiming more compressed bytes than a block can take is tampering, found without allocating them', () => {
  const s = tempStore();
  try {
    const l = ledger(s, true);
    l.append(Array.from({ length: 10 }, (_, i) => Buffer.from(eventLine(i))));
    l.close();
    const idxPath = join(s.dir, 'ledger/blocks.idx');
    for (const claimed of [0xfffffff0, 2 ** 31, 200 * 1024 * 1024]) {
      const idx = readFileSync(idxPath);
      const saved = Buffer.from(idx);
      encodeBlockEntry({ ...decodeBlockEntry(idx, 0), compressedLength: claimed }, idx, 0);
      writeFileSync(idxPath, idx);
      const ro = ledger(s, false);
      try {
        assert.throws(() => ro.readLeaf(0), (err: Error & { code?: string }) => err.code === 'TAMPERED' && /more than a block can take/.test(err.message), `claimed ${claimed}`);
      } finally {
        ro.close();
        writeFileSync(idxPath, saved);
      }
    }
  } finally {
    s.cleanup();
  }
});
