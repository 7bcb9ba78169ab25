/**
 * Retention: old segments are dropped behind a signed prune record; the tree and later
 * proofs still verify, and verify tells an authorised prune from events gone missing.
 */
import { strict as assert } from 'node:assert';
import { copyFileSync, existsSync, readFileSync, readdirSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { checkInclusion, generateSignerKey, newSigner } from '../../src/ledger/index.js';
import { indexRowOf, isStoreError, openStore, parseAge, parseSize, planRetention, verifyStore, type SegmentInfo } from '../../src/store/index.js';
import { signPruneRecord } from '../../src/store/ledger-files/prune-record.js';
import { runCli } from '../support/cli.js';
import { eventLine, tempStore, type TempStore } from './helpers.js';

const DAY_MS = 86_400_000;
const BATCHES = 12;
const PER_BATCH = 10;

/** Twelve batches, one per day from 2026-11-01, in segments of about two batches each. */
async function dailyStore(): Promise<TempStore> {
  const s = tempStore();
  const store = await openStore(s.dir, { signingKey: s.skey, blockBytes: 1024, segmentBytes: 2600 });
  for (let b = 0; b < BATCHES; b++) {
    const day = new Date(Date.UTC(2026, 10, 1 + b, 12)).toISOString().replace('.000Z', '.000000Z');
    await store.commit(
      Array.from({ length: PER_BATCH }, (_, i) => {
        const bytes = Buffer.from(eventLine(b * PER_BATCH + i, { requestReceivedTimestamp: day, stageTimestamp: day }));
        const { leaf: _l, ...row } = indexRowOf(0, JSON.parse(bytes.toString()));
        return { bytes, row };
      }),
    );
  }
  await store.close();
  return s;
}

function segmentFiles(s: TempStore): string[] {
  return readdirSync(join(s.dir, 'ledger')).filter((f) => f.endsWith('.klog')).sort();
}

describe('retention', () => {
  test('prune by size keeps the tree verifiable and later proofs valid', async () => {
    const s = await dailyStore();
    try {
      const before = segmentFiles(s);
      assert.ok(before.length >= 4, `the fixture spans several segments (${before.length})`);
      const store = await openStore(s.dir, { signingKey: s.skey });
      const rootBefore = Buffer.from(store.root()).toString('hex');
      const result = await store.prune({ maxBytes: 6000 });
      assert.ok(result.keepFrom !== null && result.keepFrom > 0, 'something was dropped');
      const keepFrom = result.keepFrom!;
      assert.equal(store.firstStored, keepFrom);
      assert.equal(Buffer.from(store.root()).toString('hex'), rootBefore, 'pruning does not change the tree');
      assert.ok(segmentFiles(s).length < before.length);
      assert.equal(result.events, keepFrom);
      // A pruned body is gone, with an error that says so; its hash still proves inclusion.
      assert.throws(() => store.readLeaf(0), (err) => isStoreError(err, 'PRUNED') && /pruned/.test(err.message));
      assert.doesNotThrow(() => store.proveInclusion(0));
      const last = store.size - 1;
      const proof = store.proveInclusion(last);
      const { hashLeaf } = await import('../../src/ledger/index.js');
      assert.doesNotThrow(() => checkInclusion(proof, store.size, store.root(), last, hashLeaf(store.readLeaf(last))));
      // Queries see only stored events.
      const leaves: number[] = [];
      for await (const e of store.query({})) leaves.push(e.leaf);
      assert.equal(leaves[0], keepFrom);
      assert.equal(leaves.length, store.size - keepFrom);
      assert.equal([...store.readRange()].length, store.size - keepFrom);
      await store.close();

      const report = await verifyStore(s.dir);
      assert.equal(report.ok, true, report.problem?.message);
      assert.equal(report.pruned, keepFrom);
      assert.equal(report.checked, BATCHES * PER_BATCH - keepFrom);
      assert.equal(report.indexChecked, report.checked);
      assert.ok(report.notes.some((n) => /pruned by a signed record/.test(n)));
    } finally {
      s.cleanup();
    }
  });

  test('prune by age drops the segments whose newest event is too old; appends, reindex and verify go on', async () => {
    const s = await dailyStore();
    try {
      const store = await openStore(s.dir, { signingKey: s.skey, segmentBytes: 2600 });
      const times = [...store.readRange()].map((b) => Date.parse(JSON.parse(b.toString()).requestReceivedTimestamp));
      const now = new Date(Date.UTC(2026, 10, 13));
      const cutoff = now.getTime() - 5 * DAY_MS;
      const dry = await store.prune({ maxAgeMs: 5 * DAY_MS, now, dryRun: true });
      assert.ok(dry.keepFrom !== null);
      assert.equal(store.firstStored, 0, 'a dry run changes nothing');
      const result = await store.prune({ maxAgeMs: 5 * DAY_MS, now });
      assert.equal(result.keepFrom, dry.keepFrom);
      assert.match(result.reason, /max-age/);
      const keepFrom = result.keepFrom!;
      // Every dropped event is older than the cut-off; the first kept segment reaches past it.
      assert.ok(times.slice(0, keepFrom).every((t) => t < cutoff));
      assert.ok(times.slice(keepFrom).some((t) => t >= cutoff));
      assert.equal(store.pruneRecord?.keepFrom, keepFrom);
      assert.ok(times[keepFrom - 1] < cutoff && keepFrom < times.length);
      const more = Buffer.from(eventLine(999));
      const { leaf: _l, ...row } = indexRowOf(0, JSON.parse(more.toString()));
      await store.commit([{ bytes: more, row }]);
      assert.equal(await store.reindex(), store.size - keepFrom);
      await store.close();
      const report = await verifyStore(s.dir);
      assert.equal(report.ok, true, report.problem?.message);
      assert.equal(report.checked, BATCHES * PER_BATCH + 1 - keepFrom);
    } finally {
      s.cleanup();
    }
  });

  test('a prune interrupted after signing is finished at the next open', async () => {
    const s = await dailyStore();
    try {
      const saved = new Map(segmentFiles(s).map((f) => [f, readFileSync(join(s.dir, 'ledger', f))]));
      const store = await openStore(s.dir, { signingKey: s.skey });
      await store.prune({ maxBytes: 6000 });
      await store.close();
      // Put the deleted files back, as if the process died before deleting them.
      for (const [f, bytes] of saved) if (!existsSync(join(s.dir, 'ledger', f))) writeFileSync(join(s.dir, 'ledger', f), bytes);
      const report = await verifyStore(s.dir);
      assert.equal(report.ok, true, report.problem?.message);
      assert.ok(report.notes.some((n) => /still on disk/.test(n)));
      await (await openStore(s.dir, { signingKey: s.skey })).close();
      assert.ok(segmentFiles(s).length < saved.size, 'the writable open deleted what the record covers');
    } finally {
      s.cleanup();
    }
  });

  const tampering: { desc: string; tamper: (s: TempStore) => void; want: RegExp }[] = [
    { desc: 'the prune record deleted', tamper: (s) => unlinkSync(join(s.dir, 'ledger/prune')), want: /missing.*no signed prune record/ },
    {
      desc: 'the prune record re-signed with another key',
      tamper: (s) => {
        const other = newSigner(generateSignerKey('test.example/kubetrail').skey);
        const text = readFileSync(join(s.dir, 'ledger/prune'), 'utf8');
        const lines = text.split('\n\n')[0].split('\n');
        writeFileSync(join(s.dir, 'ledger/prune'), signPruneRecord({ origin: lines[1], keepFrom: Number(lines[2]), treeSize: Number(lines[3]), root: Buffer.from(lines[4], 'base64'), reason: lines[5], time: lines[6] }, other));
      },
      want: /prune record/,
    },
    {
      desc: 'the prune record edited to keep fewer events',
      tamper: (s) => {
        const p = join(s.dir, 'ledger/prune');
        const text = readFileSync(p, 'utf8').split('\n');
        text[3] = String(Number(text[3]) + 1);
        writeFileSync(p, text.join('\n'));
      },
      want: /prune record/,
    },
    {
      desc: 'a prune record for another tree, signed with the right key',
      tamper: (s) => {
        const text = readFileSync(join(s.dir, 'ledger/prune'), 'utf8');
        const lines = text.split('\n\n')[0].split('\n');
        writeFileSync(join(s.dir, 'ledger/prune'), signPruneRecord({ origin: lines[1], keepFrom: Number(lines[2]), treeSize: Number(lines[3]), root: Buffer.alloc(32, 7), reason: lines[5], time: lines[6] }, newSigner(s.skey.trim())));
      },
      want: /not this tree's/,
    },
    {
      desc: 'a kept segment deleted',
      tamper: (s) => unlinkSync(join(s.dir, 'ledger', segmentFiles(s)[0])),
      want: /missing/,
    },
  ];
  for (const c of tampering) {
    test(`verify catches ${c.desc}`, async () => {
      const s = await dailyStore();
      try {
        const store = await openStore(s.dir, { signingKey: s.skey });
        await store.prune({ maxBytes: 6000 });
        await store.close();
        assert.equal((await verifyStore(s.dir)).ok, true);
        c.tamper(s);
        const report = await verifyStore(s.dir);
        assert.equal(report.ok, false, c.desc);
        assert.match(report.problem!.message, c.want);
      } finally {
        s.cleanup();
      }
    });
  }

  test('the CLI prunes and verify reports the prune', async () => {
    const s = await dailyStore();
    try {
      const dry = await runCli(['prune', '--store', s.dir, '--key', s.keyPath, '--max-size', '6000B', '--dry-run']);
      assert.equal(dry.code, 0, dry.stderr);
      assert.match(dry.stdout, /would drop \d+ events/);
      const run = await runCli(['prune', '--store', s.dir, '--key', s.keyPath, '--max-size', '6000B', '-o', 'json']);
      assert.equal(run.code, 0, run.stderr);
      const out = JSON.parse(run.stdout);
      assert.ok(out.keepFrom > 0);
      assert.equal(out.firstStored, out.keepFrom);
      const verify = await runCli(['verify', '--store', s.dir]);
      assert.equal(verify.code, 0, verify.stderr);
      assert.match(verify.stdout, new RegExp(`and ${out.keepFrom} older ones pruned by a signed record`));
      const bad = await runCli(['prune', '--store', s.dir, '--key', s.keyPath, '--max-age', '30 days']);
      assert.equal(bad.code, 2);
      assert.match(bad.stderr, /--max-age/);
      const none = await runCli(['prune', '--store', s.dir, '--key', s.keyPath]);
      assert.equal(none.code, 2);
    } finally {
      s.cleanup();
    }
  });
});

describe('planRetention', () => {
  const segs: SegmentInfo[] = [
    { segment: 0, firstLeaf: 0, count: 10, bytes: 1000 },
    { segment: 1, firstLeaf: 10, count: 10, bytes: 1000 },
    { segment: 2, firstLeaf: 20, count: 10, bytes: 1000 },
    { segment: 3, firstLeaf: 30, count: 5, bytes: 500 },
  ];
  const now = new Date(Date.UTC(2026, 10, 30));
  const newest = (s: SegmentInfo) => (Date.UTC(2026, 10, 1 + 5 * s.segment)) * 1000; // days 1, 6, 11, 16
  const cases: { desc: string; opts: { maxAgeMs?: number; maxBytes?: number }; keepFrom: number | null }[] = [
    { desc: 'nothing old enough', opts: { maxAgeMs: 60 * DAY_MS }, keepFrom: null },
    { desc: 'age drops the first two', opts: { maxAgeMs: 20 * DAY_MS }, keepFrom: 20 },
    { desc: 'age never drops the segment being written', opts: { maxAgeMs: 1 }, keepFrom: 30 },
    { desc: 'size within the limit', opts: { maxBytes: 3500 }, keepFrom: null },
    { desc: 'size drops the oldest until it fits', opts: { maxBytes: 2000 }, keepFrom: 20 },
    { desc: 'size 0 keeps the last segment', opts: { maxBytes: 0 }, keepFrom: 30 },
    { desc: 'both: the stricter wins', opts: { maxAgeMs: 20 * DAY_MS, maxBytes: 2600 }, keepFrom: 20 },
  ];
  for (const c of cases) {
    test(c.desc, () => {
      const plan = planRetention(segs, newest, { ...c.opts, now });
      assert.equal(plan.keepFrom, c.keepFrom);
      if (c.keepFrom !== null) assert.equal(plan.events, c.keepFrom);
    });
  }
  test('a segment of unknown age stops the age rule', () => {
    assert.equal(planRetention(segs, (s) => (s.segment === 1 ? null : 0), { maxAgeMs: 1, now }).keepFrom, 10);
  });
});

test('parseAge and parseSize', () => {
  const ages: [string, number | null][] = [['30d', 30 * DAY_MS], ['12h', 12 * 3_600_000], ['90m', 90 * 60_000], ['0d', null], ['30', null], ['1w', null], ['-1d', null]];
  for (const [text, want] of ages) assert.equal(parseAge(text), want, text);
  const sizes: [string, number | null][] = [['1048576', 1048576], ['500MB', 500e6], ['10GiB', 10 * 2 ** 30], ['1.5K', 1500], ['2g', 2e9], ['abc', null], ['10 PB', null]];
  for (const [text, want] of sizes) assert.equal(parseSize(text), want, text);
});
