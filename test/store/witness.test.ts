/**
 * A witness's checkpoint catches what signatures alone cannot: someone holding the signing
 * key truncates the log, appends different events and signs the result. The rewritten
 * store verifies on its own; against a checkpoint saved earlier it does not.
 */
import { strict as assert } from 'node:assert';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { indexRowOf, openStore, verifyStore } from '../../src/store/index.js';
import { runCli } from '../support/cli.js';
import { eventLine, tempStore } from './helpers.js';

function pending(lines: string[]) {
  return lines.map((l) => {
    const bytes = Buffer.from(l);
    const { leaf: _l, ...row } = indexRowOf(0, JSON.parse(l));
    return { bytes, row };
  });
}

const cases: { desc: string; rewrite: (dir: string, key: string) => Promise<void>; want: RegExp | null }[] = [
  {
    desc: 'the log only grew since the witness saw it',
    rewrite: async (dir, key) => {
      const store = await openStore(dir, { signingKey: key });
      await store.commit(pending([eventLine(100), eventLine(101)]));
      await store.close();
    },
    want: null,
  },
  {
    desc: 'truncated and re-appended with different events, re-signed with the real key',
    rewrite: async (dir, key) => {
      rmSync(dir, { recursive: true });
      cpSync(`${dir}.empty`, dir, { recursive: true });
      const store = await openStore(dir, { signingKey: key });
      await store.commit(pending(Array.from({ length: 12 }, (_, i) => eventLine(i, i === 3 ? { verb: 'delete' } : {}))));
      await store.close();
    },
    want: /not consistent with the checkpoint signed earlier/,
  },
  {
    desc: 'rolled back to fewer events',
    rewrite: async (dir, key) => {
      rmSync(dir, { recursive: true });
      cpSync(`${dir}.empty`, dir, { recursive: true });
      const store = await openStore(dir, { signingKey: key });
      await store.commit(pending(Array.from({ length: 5 }, (_, i) => eventLine(i))));
      await store.close();
    },
    want: /covers 10 events, the store now holds 5/,
  },
];

for (const c of cases) {
  test(`verify --checkpoint: ${c.desc}`, async () => {
    const s = tempStore();
    const witnessDir = mkdtempSync(join(tmpdir(), 'kubetrail-witness-'));
    try {
      cpSync(s.dir, `${s.dir}.empty`, { recursive: true });
      const store = await openStore(s.dir, { signingKey: s.skey });
      await store.commit(pending(Array.from({ length: 10 }, (_, i) => eventLine(i))));
      const witness = join(witnessDir, 'checkpoint');
      writeFileSync(witness, store.checkpoint!);
      await store.close();
      await c.rewrite(s.dir, s.skey);
      assert.equal((await verifyStore(s.dir)).ok, true, 'on its own the store verifies');
      const report = await verifyStore(s.dir, { witnessCheckpoint: (await import('node:fs')).readFileSync(witness, 'utf8') });
      const cli = await runCli(['verify', '--store', s.dir, '--checkpoint', witness]);
      if (c.want === null) {
        assert.equal(report.ok, true, report.problem?.message);
        assert.ok(report.notes.some((n) => /consistent with the witness checkpoint at 10 events/.test(n)));
        assert.equal(cli.code, 0, cli.stderr);
      } else {
        assert.equal(report.ok, false);
        assert.match(report.problem!.message, c.want);
        assert.equal(cli.code, 1);
        assert.match(cli.stderr, c.want);
      }
    } finally {
      s.cleanup();
      rmSync(witnessDir, { recursive: true, force: true });
    }
  });
}

test('verify --checkpoint refuses a witness checkpoint not signed by the trusted key', async () => {
  const s = tempStore();
  const other = tempStore();
  try {
    for (const t of [s, other]) {
      const store = await openStore(t.dir, { signingKey: t.skey });
      await store.commit(pending([eventLine(1)]));
      await store.close();
    }
    const { readFileSync } = await import('node:fs');
    const report = await verifyStore(s.dir, { witnessCheckpoint: readFileSync(join(other.dir, 'checkpoint'), 'utf8') });
    assert.equal(report.ok, false);
    assert.match(report.problem!.message, /witness checkpoint does not verify/);
  } finally {
    s.cleanup();
    other.cleanup();
  }
});
