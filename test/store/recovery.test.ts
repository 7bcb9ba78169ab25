/**
 * Crash safety: whatever prefix of an interrupted batch reached the disk, reopening
 * for writing truncates back to the last checkpoint; acknowledged batches are intact,
 * and the store accepts new batches and verifies afterwards.
 */
import { strict as assert } from 'node:assert';
import { copyFileSync, existsSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { newSigner, newVerifier } from '../../src/ledger/index.js';
import { FileLedger } from '../../src/store/ledger-files/file-ledger.js';
import { verifyStore } from '../../src/store/index.js';
import { tempStore } from './helpers.js';

const files = ['ledger/seg-000000.klog', 'ledger/blocks.idx', 'ledger/hashes'];

test('an interrupted batch is rolled back at every byte offset of every file it touched', async () => {
  const s = tempStore();
  try {
    const opts = () => ({ verifier: newVerifier(s.vkey), signer: newSigner(s.skey.trim()), blockBytes: 256 });
    const a = Array.from({ length: 7 }, (_, i) => Buffer.from(`{"committed":${i}}`));
    const b = Array.from({ length: 5 }, (_, i) => Buffer.from(`{"interrupted":${i}}`));
    let l = FileLedger.open(s.dir, opts());
    l.append(a);
    l.close();
    const sizeA = Object.fromEntries(files.map((f) => [f, statSync(join(s.dir, f)).size]));
    const checkpointA = readFileSync(join(s.dir, 'checkpoint'));
    l = FileLedger.open(s.dir, opts());
    l.append(b);
    l.close();
    const full = Object.fromEntries(files.map((f) => [f, readFileSync(join(s.dir, f))]));
    const checkpointB = readFileSync(join(s.dir, 'checkpoint'));
    let cases = 0;
    // The crash came before the checkpoint was renamed into place: any prefix of the batch's bytes may be on disk.
    for (const torn of files) {
      for (let cut = sizeA[torn]; cut <= full[torn].length; cut++) {
        for (const f of files) writeFileSync(join(s.dir, f), full[f]);
        truncateSync(join(s.dir, torn), cut);
        writeFileSync(join(s.dir, 'checkpoint'), checkpointA);
        const r = FileLedger.open(s.dir, opts());
        assert.equal(r.size, a.length, `${torn} cut at ${cut}`);
        assert.deepEqual([...r.readRange(0)], a);
        r.close();
        for (const f of files) assert.equal(statSync(join(s.dir, f)).size, sizeA[f], `${f} truncated back to the checkpoint (${torn} cut at ${cut})`);
        cases++;
      }
    }
    assert.ok(cases > 50, `${cases} cases`);
    // The crash came after the checkpoint: the batch is acknowledged and stays.
    for (const f of files) writeFileSync(join(s.dir, f), full[f]);
    writeFileSync(join(s.dir, 'checkpoint'), checkpointB);
    l = FileLedger.open(s.dir, opts());
    assert.equal(l.size, a.length + b.length);
    l.append([Buffer.from('{"after":1}')]);
    l.close();
    const report = await verifyStore(s.dir, { index: false });
    assert.equal(report.ok, true, report.problem?.message);
    assert.equal(report.checked, a.length + b.length + 1);
    assert.equal(existsSync(join(s.dir, '.checkpoint.tmp')), false);
  } finally {
    s.cleanup();
  }
});

test('a checkpoint signing more than the files hold is tampering, not a torn tail', () => {
  const s = tempStore();
  try {
    const opts = { verifier: newVerifier(s.vkey), signer: newSigner(s.skey.trim()) };
    const l = FileLedger.open(s.dir, opts);
    l.append([Buffer.from('a'), Buffer.from('b')]);
    l.close();
    copyFileSync(join(s.dir, 'ledger/seg-000000.klog'), join(s.root, 'seg'));
    truncateSync(join(s.dir, 'ledger/seg-000000.klog'), 10);
    assert.throws(() => FileLedger.open(s.dir, opts), (err: Error & { code?: string }) => err.code === 'TAMPERED' && /missing/.test(err.message));
  } finally {
    s.cleanup();
  }
});

test('events committed to the ledger but not yet indexed (a crash in between) are indexed on the next open', async () => {
  const s = tempStore();
  try {
    const { openStore, indexRowOf } = await import('../../src/store/index.js');
    const { eventLine } = await import('./helpers.js');
    const row = (i: number) => {
      const { leaf: _l, ...r } = indexRowOf(0, JSON.parse(eventLine(i)));
      return { bytes: Buffer.from(eventLine(i)), row: r };
    };
    let store = await openStore(s.dir, { signingKey: s.skey });
    await store.commit([row(1), row(2)]);
    await store.close();
    // The ledger commits, then the process dies before the index write.
    const l = FileLedger.open(s.dir, { verifier: newVerifier(s.vkey), signer: newSigner(s.skey.trim()) });
    l.append([Buffer.from(eventLine(3)), Buffer.from(eventLine(4))]);
    l.close();
    const behind = await verifyStore(s.dir);
    assert.equal(behind.ok, true, 'an index behind the ledger is a lag, not tampering');
    assert.equal(behind.indexChecked, 2, 'the rows it has are checked');
    assert.ok(behind.notes.some((n) => /index is behind the ledger by 2 events/.test(n)));
    store = await openStore(s.dir, { signingKey: s.skey });
    assert.equal(await store.indexedSize(), 4);
    const seen = await store.seen([3, 5].map((i) => ({ auditID: JSON.parse(eventLine(i)).auditID, stage: 'ResponseComplete' })));
    assert.equal(seen.size, 1, 'event 3 counts as stored for dedupe');
    const found: number[] = [];
    for await (const e of store.query({ name: 'p4' })) found.push(e.leaf);
    assert.deepEqual(found, [3]);
    await store.close();
    assert.equal((await verifyStore(s.dir)).ok, true);
  } finally {
    s.cleanup();
  }
});
