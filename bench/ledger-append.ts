/**
 * Ledger micro benchmark: appending leaves into a MemoryHashStore (leaf hash + the
 * stored hashes of completed subtrees) against a baseline in the same run — hashing the
 * same leaves and nothing else — then proof generation and verification, roots, and
 * checkpoint signing/opening. Prints a markdown table.
 *
 *   node dist/bench/ledger-append.js [--leaves N] [--bytes B]
 *
 * N leaves (default 500,000) of B bytes each (default 1,300: a Metadata audit event).
 */
import * as crypto from 'node:crypto';
import { pathToFileURL } from 'node:url';
import {
  MemoryHashStore,
  checkConsistency,
  checkInclusion,
  generateSignerKey,
  hashLeaf,
  newSigner,
  newVerifier,
  openCheckpoint,
  proveConsistency,
  proveInclusion,
  signCheckpoint,
  treeHash,
} from '../src/ledger/index.js';

interface Row {
  work: string;
  ops: number;
  seconds: number;
}

function time(work: string, ops: number, run: () => void): Row {
  const t = process.hrtime.bigint();
  run();
  return { work, ops, seconds: Number(process.hrtime.bigint() - t) / 1e9 };
}

function popcount(x: number): number {
  let c = 0;
  for (; x > 0; x = Math.floor(x / 2)) c += x % 2;
  return c;
}

function rate(r: Row): string {
  const perSecond = r.ops / r.seconds;
  return perSecond >= 1e6 ? `${(perSecond / 1e6).toFixed(2)} M/s` : `${(perSecond / 1e3).toFixed(1)} k/s`;
}

/** A deterministic pseudo-random index stream (no Math.random: runs compare). */
function indexes(count: number, below: number, seed: number): number[] {
  let x = seed >>> 0 || 1;
  return Array.from({ length: count }, () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) % below;
  });
}

function argument(args: string[], name: string, fallback: number): number {
  const at = args.indexOf(name);
  if (at < 0) return fallback;
  const v = Number(args[at + 1]);
  if (!Number.isSafeInteger(v) || v < 1) throw new Error(`${name}: expected a positive integer, got ${args[at + 1]}`);
  return v;
}

export function runLedgerBench(args: string[]): string[] {
  const leaves = argument(args, '--leaves', 500_000);
  const bytes = argument(args, '--bytes', 1300);
  // Distinct records: a shared body with the leaf number written into its first bytes.
  const body = new Uint8Array(bytes).map((_, i) => 32 + (i % 90));
  const record = (i: number) => {
    body[0] = i & 0xff;
    body[1] = (i >>> 8) & 0xff;
    body[2] = (i >>> 16) & 0xff;
    body[3] = (i >>> 24) & 0xff;
    return body;
  };
  const rows: Row[] = [];

  // Warm both paths up so neither pays for JIT compilation in its timed run.
  const warm = new MemoryHashStore();
  for (let i = 0; i < 20_000; i++) warm.appendRecord(record(i));

  const leafHashes: Uint8Array[] = new Array(leaves);
  const base = time(`baseline: hashLeaf only (${bytes} B leaves)`, leaves, () => {
    for (let i = 0; i < leaves; i++) leafHashes[i] = hashLeaf(record(i));
  });
  rows.push(base);
  const store = new MemoryHashStore();
  const append = time(`appendRecord: hashLeaf + stored hashes (${bytes} B leaves)`, leaves, () => {
    for (let i = 0; i < leaves; i++) store.appendRecord(record(i));
  });
  rows.push(append);
  const tree = new MemoryHashStore();
  rows.push(time('append(leafHash): tree only, leaf hashes given', leaves, () => {
    for (let i = 0; i < leaves; i++) tree.append(leafHashes[i]);
  }));
  const n = store.size;
  const root = store.root();

  // Proofs are kept in a ring of R so the benchmark does not retain millions of hashes.
  const Q = 100_000;
  const R = 1000;
  const leafIx = indexes(Q, n, 1);
  rows.push(time(`treeHash(n) (n = ${n.toLocaleString('en')}, ${popcount(n)} reads)`, Q, () => {
    for (let q = 0; q < Q; q++) treeHash(n - (q % R), store);
  }));
  const proofs: Uint8Array[][] = new Array(R);
  rows.push(time(`proveInclusion (${proveInclusion(n, 0, store).length} hashes)`, Q, () => {
    for (let q = 0; q < Q; q++) proofs[q % R] = proveInclusion(n, leafIx[q], store);
  }));
  const lastIx = leafIx.slice(Q - R);
  rows.push(time('checkInclusion', Q, () => {
    for (let q = 0; q < Q; q++) checkInclusion(proofs[q % R], n, root, lastIx[q % R], leafHashes[lastIx[q % R]]);
  }));
  const oldSizes = indexes(R, n - 1, 2).map((m) => m + 1);
  const oldRoots = oldSizes.map((m) => store.root(m));
  rows.push(time('proveConsistency', Q, () => {
    for (let q = 0; q < Q; q++) proofs[q % R] = proveConsistency(n, oldSizes[q % R], store);
  }));
  rows.push(time('checkConsistency', Q, () => {
    for (let q = 0; q < Q; q++) checkConsistency(proofs[q % R], n, root, oldSizes[q % R], oldRoots[q % R]);
  }));

  const key = generateSignerKey('example.com/kubetrail/bench');
  const signer = newSigner(key.skey);
  const verifier = newVerifier(key.vkey);
  const C = 5_000;
  const notes: string[] = new Array(C);
  rows.push(time('signCheckpoint (Ed25519)', C, () => {
    for (let c = 0; c < C; c++) notes[c] = signCheckpoint({ origin: 'example.com/kubetrail/bench', size: n - c, root, extensions: [] }, [signer]);
  }));
  rows.push(time('openCheckpoint (parse + Ed25519 verify)', C, () => {
    for (let c = 0; c < C; c++) openCheckpoint(notes[c], [verifier]);
  }));

  const oneShot = typeof (crypto as { hash?: unknown }).hash === 'function';
  const out = [
    `ledger-append: ${leaves.toLocaleString('en')} leaves of ${bytes} B, node ${process.version}, SHA-256 by ${oneShot ? 'one-shot crypto.hash' : 'createHash'}`,
    '',
    '| work | ops | time | rate | µs/op |',
    '| --- | ---: | ---: | ---: | ---: |',
  ];
  for (const r of rows) {
    out.push(`| ${r.work} | ${r.ops.toLocaleString('en')} | ${r.seconds.toFixed(3)} s | ${rate(r)} | ${((r.seconds / r.ops) * 1e6).toFixed(2)} |`);
  }
  out.push(
    '',
    `appendRecord runs at ${((base.seconds / append.seconds) * 100).toFixed(0)}% of the hash-only baseline: the tree adds ${(((append.seconds - base.seconds) / leaves) * 1e9).toFixed(0)} ns per leaf ` +
      `(${store.storedCount.toLocaleString('en')} stored hashes for ${n.toLocaleString('en')} leaves).`,
  );
  return out;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const line of runLedgerBench(process.argv.slice(2))) process.stdout.write(`${line}\n`);
}
