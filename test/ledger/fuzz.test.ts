/**
 * Property tests of the ledger's parsers and checkers, each on well over a thousand
 * generated inputs (seeded, so a failure reproduces): random text and bytes, and valid
 * notes, checkpoints and keys with a few characters inserted, deleted or replaced.
 * What must hold: the only exception is a LedgerError, and whatever is accepted is
 * exactly what was signed (or, for parseCheckpoint, formats back to the same text).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  checkConsistency,
  checkInclusion,
  equalHashes,
  formatCheckpoint,
  generateSignerKey,
  LedgerError,
  MemoryHashStore,
  newSigner,
  newVerifier,
  openCheckpoint,
  openNote,
  parseCheckpoint,
  signCheckpoint,
  type LedgerErrorCode,
} from '../../src/ledger/index.js';

const RUNS = 1_500;
const SEED = 6962;

const store = new MemoryHashStore();
for (let i = 0; i < 9; i++) store.appendRecord(Uint8Array.of(i));
const CP = { origin: 'example.com/fuzz', size: 9, root: store.root(), extensions: ['ext'] };
const BODY = formatCheckpoint(CP);
const KEY = generateSignerKey('example.com/fuzz');
const VERIFIER = newVerifier(KEY.vkey);
/** Signed by the trusted key and by an untrusted witness, whose line may be garbled harmlessly. */
const SIGNED = signCheckpoint(CP, [newSigner(KEY.skey), newSigner(generateSignerKey('witness').skey)]);

/** Runs f; returns its value, or the LedgerError it threw (anything else fails the property). */
function guarded<T>(f: () => T, codes: LedgerErrorCode[]): T | LedgerError {
  try {
    return f();
  } catch (err) {
    if (!(err instanceof LedgerError)) throw new Error(`threw a non-LedgerError: ${String(err)}`);
    assert.ok(codes.includes(err.code), `unexpected code ${err.code}: ${err.message}`);
    assert.ok(err.message.length > 0);
    return err;
  }
}

type Edit = { pos: number; op: 'insert' | 'delete' | 'replace'; text: string };
const SPECIAL = fc.constantFrom('\n', '\n\n', '\r', ' ', '\t', '—', '— ', '+', '=', '/', '0', '00', '9', 'A', '\u0000', '\uD800', 'é', '\u2028');
const edit: fc.Arbitrary<Edit> = fc.record({
  pos: fc.nat(),
  op: fc.constantFrom('insert' as const, 'delete' as const, 'replace' as const),
  text: fc.oneof(SPECIAL, fc.string({ minLength: 1, maxLength: 3 })),
});
function mutate(s: string, edits: Edit[]): string {
  for (const e of edits) {
    const at = s.length === 0 ? 0 : e.pos % (s.length + 1);
    if (e.op === 'insert') s = s.slice(0, at) + e.text + s.slice(at);
    else if (e.op === 'delete') s = s.slice(0, at) + s.slice(at + e.text.length);
    else s = s.slice(0, at) + e.text + s.slice(at + e.text.length);
  }
  return s;
}
const mutated = (base: string) => fc.array(edit, { minLength: 1, maxLength: 3 }).map((edits) => mutate(base, edits));
const anyText = fc.oneof(fc.string({ maxLength: 200 }), fc.string({ unit: 'binary', maxLength: 200 }), fc.string({ unit: fc.constantFrom('\n', '—', ' ', 'a', '0', '=', '+'), maxLength: 60 }));

test(`parseCheckpoint: only LedgerErrors, and what parses formats back to itself (${RUNS} inputs)`, () => {
  const lines = fc.tuple(
    fc.oneof(fc.constant('example.com/log'), fc.string({ maxLength: 12 })),
    fc.oneof(fc.bigInt({ min: 0n, max: 2n ** 60n }).map(String), fc.stringMatching(/^[0-9+\- ]{0,20}$/)),
    fc.oneof(fc.uint8Array({ minLength: 30, maxLength: 34 }).map((b) => Buffer.from(b).toString('base64')), fc.string({ maxLength: 46 })),
    fc.array(fc.string({ maxLength: 8 }), { maxLength: 3 }),
  ).map(([o, s, r, ext]) => [o, s, r, ...ext].map((l) => `${l}\n`).join(''));
  let parsed = 0;
  fc.assert(
    fc.property(fc.oneof(anyText, mutated(BODY), lines), (text) => {
      const got = guarded(() => parseCheckpoint(text), ['BAD_CHECKPOINT']);
      if (!(got instanceof LedgerError)) {
        parsed++;
        assert.equal(formatCheckpoint(got), text);
      }
    }),
    { seed: SEED, numRuns: RUNS },
  );
  assert.ok(parsed > 20, `only ${parsed} inputs parsed: the generators miss the format`);
});

test(`openNote / openCheckpoint: only LedgerErrors, and only the signed checkpoint opens (${RUNS} inputs)`, () => {
  const input = fc.oneof(
    { weight: 3, arbitrary: mutated(SIGNED) },
    { weight: 1, arbitrary: fc.constant(SIGNED) },
    { weight: 1, arbitrary: anyText.map((t) => `${t}\n\n— example.com/fuzz AAAAAQ==\n`) },
    { weight: 1, arbitrary: anyText },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 200 }) },
  );
  let opened = 0;
  fc.assert(
    fc.property(input, (note) => {
      const codes: LedgerErrorCode[] = ['BAD_NOTE', 'UNVERIFIED_NOTE', 'INVALID_SIGNATURE', 'BAD_CHECKPOINT'];
      const n = guarded(() => openNote(note, [VERIFIER]), codes);
      const c = guarded(() => openCheckpoint(note, [VERIFIER], { origin: CP.origin }), codes);
      assert.equal(n instanceof LedgerError, c instanceof LedgerError);
      if (!(n instanceof LedgerError)) assert.equal(n.text, BODY);
      if (!(c instanceof LedgerError)) {
        opened++;
        assert.equal(c.checkpoint.size, CP.size);
        assert.ok(equalHashes(c.checkpoint.root, CP.root));
      }
    }),
    { seed: SEED + 1, numRuns: RUNS },
  );
  assert.ok(opened > 0, 'some mutations (in the signature lines\' untrusted parts) still open');
});

test(`newVerifier / newSigner: only BAD_KEY (${RUNS} inputs)`, () => {
  fc.assert(
    fc.property(fc.oneof(mutated(KEY.vkey), mutated(KEY.skey), anyText), (key) => {
      const v = guarded(() => newVerifier(key), ['BAD_KEY']);
      const s = guarded(() => newSigner(key), ['BAD_KEY']);
      if (!(v instanceof LedgerError)) assert.ok(v.name.length > 0 && !v.name.includes('+'));
      if (!(s instanceof LedgerError)) assert.ok(s.name.length > 0 && !s.name.includes('+'));
    }),
    { seed: SEED + 2, numRuns: RUNS },
  );
});

test(`checkInclusion / checkConsistency on arbitrary claims: only LedgerErrors (${RUNS} inputs)`, () => {
  const num = fc.oneof(fc.integer({ min: -2, max: 40 }), fc.double(), fc.constant(2 ** 53), fc.constant(2 ** 52));
  const hash = fc.oneof(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ maxLength: 40 }), fc.constant(CP.root));
  const codes: LedgerErrorCode[] = ['BAD_SIZE', 'BAD_INDEX', 'BAD_HASH', 'BAD_PROOF'];
  fc.assert(
    fc.property(fc.array(hash, { maxLength: 8 }), num, num, hash, hash, (proof, a, b, h1, h2) => {
      const inc = guarded(() => checkInclusion(proof, a, h1, b, h2), codes);
      if (!(inc instanceof LedgerError)) assert.ok(a === 1 && b === 0 && proof.length === 0 && equalHashes(h1, h2));
      const con = guarded(() => checkConsistency(proof, a, h1, b, h2), codes);
      if (!(con instanceof LedgerError)) assert.ok(a === b && proof.length === 0 && equalHashes(h1, h2));
    }),
    { seed: SEED + 3, numRuns: RUNS },
  );
});
