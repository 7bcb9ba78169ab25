/** prove / verify-proof: a bundle checks offline with only the public key, and any change to it is caught. */
import { strict as assert } from 'node:assert';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { checkProofBundle, generateSignerKey } from '../../src/ledger/index.js';
import { indexRowOf, openStore } from '../../src/store/index.js';
import { runCli } from '../support/cli.js';
import { eventLine, tempStore, type TempStore } from './helpers.js';

async function filled(): Promise<TempStore> {
  const s = tempStore();
  const store = await openStore(s.dir, { signingKey: s.skey });
  for (let b = 0; b < 3; b++) {
    await store.commit(
      Array.from({ length: 7 }, (_, i) => {
        const bytes = Buffer.from(eventLine(b * 7 + i));
        const { leaf: _l, ...row } = indexRowOf(0, JSON.parse(bytes.toString()));
        return { bytes, row };
      }),
    );
  }
  await store.close();
  writeFileSync(join(s.root, 'verifier.pub'), `${s.vkey}\n`);
  return s;
}

const auditIdOf = (i: number) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;

test('a bundle from prove verifies offline with the public key alone', async () => {
  const s = await filled();
  try {
    const out = join(s.root, 'proof.json');
    const r = await runCli(['prove', '--store', s.dir, '--audit-id', auditIdOf(9), '-o', out]);
    assert.equal(r.code, 0, r.stderr);
    const bundle = JSON.parse(readFileSync(out, 'utf8'));
    assert.equal(bundle.leafIndex, 9);
    assert.equal(bundle.treeSize, 21);
    assert.equal(Buffer.from(bundle.event, 'base64').toString(), eventLine(9), 'the exact leaf bytes');
    const v = await runCli(['verify-proof', out, '--key', join(s.root, 'verifier.pub')]);
    assert.equal(v.code, 0, v.stderr);
    assert.match(v.stdout, /^valid: event 9 \(auditID 00000000-0000-4000-8000-000000000009, alice get\) is in the log test\.example\/kubetrail of 21 events/);
    const none = await runCli(['prove', '--store', s.dir, '--audit-id', 'nope']);
    assert.equal(none.code, 1);
    assert.match(none.stderr, /no event with auditID nope/);
  } finally {
    s.cleanup();
  }
});

test('every change to a bundle is caught', async () => {
  const s = await filled();
  try {
    const text = (await runCli(['prove', '--store', s.dir, '--audit-id', auditIdOf(4)])).stdout;
    const good = JSON.parse(text);
    assert.doesNotThrow(() => checkProofBundle(text, s.vkey));
    // Flip every byte of every proof hash, and bytes across the event.
    const variants: { desc: string; bundle: unknown }[] = [];
    good.inclusionProof.forEach((h: string, i: number) => {
      const raw = Buffer.from(h, 'base64');
      for (let j = 0; j < raw.length; j++) {
        const flipped = Buffer.from(raw);
        flipped[j] ^= 0x01;
        variants.push({ desc: `proof[${i}] byte ${j}`, bundle: { ...good, inclusionProof: good.inclusionProof.map((x: string, k: number) => (k === i ? flipped.toString('base64') : x)) } });
      }
    });
    const event = Buffer.from(good.event, 'base64');
    for (let j = 0; j < event.length; j += 17) {
      const e = Buffer.from(event);
      e[j] ^= 0x20;
      variants.push({ desc: `event byte ${j}`, bundle: { ...good, event: e.toString('base64') } });
    }
    variants.push({ desc: 'another leaf index', bundle: { ...good, leafIndex: 5 } });
    variants.push({ desc: 'a proof hash dropped', bundle: { ...good, inclusionProof: good.inclusionProof.slice(1) } });
    variants.push({ desc: 'the tree size claimed differently', bundle: { ...good, treeSize: 20 } });
    variants.push({ desc: 'the checkpoint edited', bundle: { ...good, checkpoint: good.checkpoint.replace('\n21\n', '\n22\n') } });
    variants.push({ desc: 'the origin claimed differently', bundle: { ...good, origin: 'other.example/log' } });
    for (const v of variants) assert.throws(() => checkProofBundle(JSON.stringify(v.bundle), s.vkey), /BAD_PROOF|inclusion|checkpoint|origin|tree size/, v.desc);
    // A checkpoint re-signed with another key is refused under the real one.
    assert.throws(() => checkProofBundle(text, generateSignerKey('test.example/kubetrail').vkey), /checkpoint/);
    // Through the CLI: exit 1, naming what failed; a bad key file is a usage error.
    const tampered = join(s.root, 'bad.json');
    writeFileSync(tampered, JSON.stringify(variants[0].bundle));
    const r = await runCli(['verify-proof', tampered, '--key', join(s.root, 'verifier.pub')]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /invalid: inclusion proof/);
    writeFileSync(join(s.root, 'junk.pub'), 'not a key\n');
    assert.equal((await runCli(['verify-proof', tampered, '--key', join(s.root, 'junk.pub')])).code, 2);
  } finally {
    s.cleanup();
  }
});
