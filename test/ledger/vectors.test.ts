/**
 * The transparency-dev/merkle test vectors (../shared/vectors/merkle/testdata, RFC 6962 /
 * RFC 9162 inclusion and consistency proofs, including the cases a verifier must reject),
 * each one through checkInclusion / checkConsistency. `wantErr` cases must fail with a
 * LedgerError; the others must pass.
 *
 * Leaf indexes and sizes are read as exact integers (one case uses 2^64 - 1, beyond a
 * double), and handed to the ledger as numbers: anything above 2^53 becomes an unsafe
 * integer, which the ledger rejects as it must. The subtreeinclusion/subtreeconsistency
 * folders (Merkle Tree Certificates' subtree proofs) are not RFC 9162 proofs; not run.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { MemoryHashStore, checkConsistency, checkInclusion, isLedgerError, storedHashIndex } from '../../src/ledger/index.js';
import { SKIP_WITHOUT_SHARED, SHARED_DIR, sharedPath } from '../support/paths.js';

const b64 = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'base64'));

function jsonFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...jsonFiles(p));
    else if (name.endsWith('.json')) out.push(p);
  }
  return out;
}

/** JSON with the named integer fields kept exact (as bigint), whatever their size. */
function readCase(file: string, intFields: string[]): Record<string, unknown> {
  let text = readFileSync(file, 'utf8');
  for (const f of intFields) text = text.replace(new RegExp(`"${f}"\\s*:\\s*(\\d+)`), `"${f}": "$1"`);
  const raw = JSON.parse(text) as Record<string, unknown>;
  for (const f of intFields) {
    if (typeof raw[f] !== 'string') throw new Error(`${file}: field ${f} missing or not an integer`);
    raw[f] = BigInt(raw[f] as string);
  }
  return raw;
}

function outcome(run: () => void): { ok: true } | { ok: false; err: unknown } {
  try {
    run();
    return { ok: true };
  } catch (err) {
    return { ok: false, err };
  }
}

interface VectorCase {
  file: string;
  desc: string;
  wantErr: boolean;
  run: () => void;
  /** For accepted cases: what our own store over the RFC 6962 test leaves must produce. */
  expect?: () => void;
}

/** The eight leaves of the RFC 6962 test tree (Certificate Transparency's merkle_tree_test), which the vectors are built on. */
const TEST_LEAVES = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f'];
const testStore = new MemoryHashStore();
for (const h of TEST_LEAVES) testStore.appendRecord(new Uint8Array(Buffer.from(h, 'hex')));
const b64out = (b: Uint8Array) => Buffer.from(b).toString('base64');

function inclusionCases(): VectorCase[] {
  const dir = sharedPath('vectors', 'merkle', 'testdata', 'inclusion');
  return jsonFiles(dir).map((file) => {
    const c = readCase(file, ['leafIdx', 'treeSize']);
    const proof = ((c.proof as string[] | null) ?? []).map(b64);
    return {
      file: relative(dir, file),
      desc: c.desc as string,
      wantErr: c.wantErr as boolean,
      run: () => checkInclusion(proof, Number(c.treeSize as bigint), b64(c.root as string), Number(c.leafIdx as bigint), b64(c.leafHash as string)),
      expect: () => {
        const [n, i] = [Number(c.treeSize as bigint), Number(c.leafIdx as bigint)];
        if (n > TEST_LEAVES.length) return;
        assert.equal(b64out(testStore.root(n)), c.root, `${file}: root of ${n}`);
        assert.equal(b64out(testStore.readHashes([storedHashIndex(0, i)])[0]), c.leafHash, `${file}: leaf hash ${i}`);
        assert.deepEqual(testStore.proveInclusion(i, n).map(b64out), (c.proof as string[] | null) ?? [], `${file}: proof`);
      },
    };
  });
}

function consistencyCases(): VectorCase[] {
  const dir = sharedPath('vectors', 'merkle', 'testdata', 'consistency');
  return jsonFiles(dir).map((file) => {
    const c = readCase(file, ['size1', 'size2']);
    const proof = ((c.proof as string[] | null) ?? []).map(b64);
    return {
      file: relative(dir, file),
      desc: c.desc as string,
      wantErr: c.wantErr as boolean,
      // size1 is the old tree (m), size2 the new one (n).
      run: () => checkConsistency(proof, Number(c.size2 as bigint), b64(c.root2 as string), Number(c.size1 as bigint), b64(c.root1 as string)),
      expect: () => {
        const [m, n] = [Number(c.size1 as bigint), Number(c.size2 as bigint)];
        if (n > TEST_LEAVES.length) return;
        assert.equal(b64out(testStore.root(m)), c.root1, `${file}: root of ${m}`);
        assert.equal(b64out(testStore.root(n)), c.root2, `${file}: root of ${n}`);
        assert.deepEqual(testStore.proveConsistency(m, n).map(b64out), (c.proof as string[] | null) ?? [], `${file}: proof`);
      },
    };
  });
}

for (const [kind, load] of [
  ['inclusion', inclusionCases],
  ['consistency', consistencyCases],
] as const) {
  describe(`transparency-dev/merkle ${kind} vectors`, { skip: SKIP_WITHOUT_SHARED }, () => {
    const cases = SHARED_DIR === null ? [] : load();

    test('the vectors are there, both accepting and rejecting', () => {
      assert.ok(cases.length > 0, `no ${kind} vectors found`);
      assert.ok(cases.some((c) => c.wantErr) && cases.some((c) => !c.wantErr), 'vectors should include cases to accept and to reject');
    });

    test(`every case (${cases.length}) is accepted or rejected as the vector says`, () => {
      let accepted = 0;
      let rejected = 0;
      for (const c of cases) {
        const got = outcome(c.run);
        if (c.wantErr) {
          assert.equal(got.ok, false, `${c.file} (${c.desc}): accepted, must be rejected`);
          if (!got.ok) assert.ok(isLedgerError(got.err), `${c.file} (${c.desc}): threw ${String(got.err)}, not a LedgerError`);
          rejected++;
        } else {
          assert.equal(got.ok, true, `${c.file} (${c.desc}): rejected: ${got.ok ? '' : String(got.err)}`);
          accepted++;
        }
      }
      assert.equal(accepted + rejected, cases.length);
    });

    test('our own proofs over the RFC 6962 test leaves are the accepted vectors\' proofs', () => {
      const accepted = cases.filter((c) => !c.wantErr && c.desc === 'happy path');
      assert.ok(accepted.length >= 5, `${accepted.length} happy paths`);
      for (const c of accepted) c.expect?.();
    });
  });
}
