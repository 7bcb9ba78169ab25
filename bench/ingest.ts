/**
 * File ingest and verify on `kubetrail generate` data, against the bare work in the same
 * run: JSON.parse + SHA-256 of the same lines, and an fdatasync'd append of the same
 * bytes. Also the index rebuilt from the ledger, verify, a proof, and the bytes on disk.
 * Prints a markdown table.
 *
 *   node dist/bench/ingest.js [--events N]   (default 200,000)
 */
import { createHash } from 'node:crypto';
import { closeSync, fdatasyncSync, mkdtempSync, openSync, readdirSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadPolicy, presetPolicyText } from '../src/audit/policy/index.js';
import { planLog, streamLog } from '../src/generate/index.js';
import { ingestFiles } from '../src/ingest/index.js';
import { createStoreKeys, openStore, reindexStore, verifyStore } from '../src/store/index.js';
import { readFileSync } from 'node:fs';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

function duSync(path: string): number {
  const st = statSync(path);
  if (!st.isDirectory()) return st.size;
  return readdirSync(path).reduce((a, f) => a + duSync(join(path, f)), 0);
}

async function main(): Promise<void> {
  const events = arg('events', 200_000);
  const dir = mkdtempSync(join(tmpdir(), 'kubetrail-bench-ingest-'));
  try {
    const chunks: Uint8Array[] = [];
    const policy = loadPolicy(presetPolicyText('recommended')).policy!;
    await streamLog({ config: planLog({ seed: 11, startUs: Date.parse('2026-12-01T00:00:00Z') * 1000, rate: 200, policy }), events, workers: 2, write: async (c) => void chunks.push(c) });
    const raw = Buffer.concat(chunks);
    const logPath = join(dir, 'audit.log');
    writeFileSync(logPath, raw);
    const lines: Buffer[] = [];
    for (let at = 0; at < raw.length; ) {
      const nl = raw.indexOf(0x0a, at);
      const end = nl < 0 ? raw.length : nl;
      if (end > at) lines.push(raw.subarray(at, end));
      at = end + 1;
    }
    const rows: Array<{ work: string; seconds: number; note?: string }> = [];
    const time = async (work: string, run: () => unknown | Promise<unknown>, note?: string) => {
      const t = performance.now();
      await run();
      rows.push({ work, seconds: (performance.now() - t) / 1000, note });
    };

    await time('baseline: JSON.parse + SHA-256 of every line', () => {
      for (const l of lines) {
        JSON.parse(l.toString('utf8'));
        createHash('sha256').update('\0').update(l).digest();
      }
    });
    await time('baseline: append the same bytes, fdatasync per MB', () => {
      const fd = openSync(join(dir, 'plain.copy'), 'w');
      for (let at = 0; at < raw.length; at += 1 << 20) {
        writeSync(fd, raw, at, Math.min(1 << 20, raw.length - at));
        fdatasyncSync(fd);
      }
      closeSync(fd);
    });
    const storeDir = join(dir, 'store');
    createStoreKeys(storeDir, 'bench.example/ingest', join(dir, 'signing.key'));
    const key = readFileSync(join(dir, 'signing.key'), 'utf8');
    // As `kubetrail ingest` runs: committed to the ledger on the main thread, indexed behind it on a worker.
    let committedAt = 0;
    await time('kubetrail ingest, all done: parse, dedupe, ledger (zstd, hashes, fdatasync, signed checkpoint), index caught up', async () => {
      const store = await openStore(storeDir, { signingKey: key });
      await store.indexInBackground();
      const t0 = performance.now();
      await ingestFiles(store, [logPath]);
      committedAt = (performance.now() - t0) / 1000;
      await store.close();
    });
    rows.push({ work: 'kubetrail ingest, committed to the ledger (acknowledged; the index still catching up on its worker)', seconds: committedAt });
    const ledgerOnly = join(dir, 'ledger-only');
    createStoreKeys(ledgerOnly, 'bench.example/ledger', join(dir, 'signing2.key'));
    await time('ledger alone: the same lines appended in batches of 8,192 (no parse, no index)', async () => {
      const store = await openStore(ledgerOnly, { signingKey: readFileSync(join(dir, 'signing2.key'), 'utf8'), index: false });
      for (let i = 0; i < lines.length; i += 8192) await store.commit(lines.slice(i, i + 8192).map((b) => ({ bytes: b, row: {} as never })));
      await store.close();
    });
    await time('index rebuilt from the ledger (kubetrail reindex)', () => reindexStore(storeDir));
    let checked = 0;
    await time('verify: every leaf and interior hash, the signed root, every index row', async () => {
      const r = await verifyStore(storeDir);
      if (!r.ok) throw new Error(r.problem?.message);
      checked = r.checked;
    });
    await time('verify of the ledger alone (no index rows)', async () => {
      const r = await verifyStore(storeDir, { index: false });
      if (!r.ok) throw new Error(r.problem?.message);
    });
    const store = await openStore(storeDir);
    const proofs = 1000;
    const t = performance.now();
    for (let i = 0; i < proofs; i++) store.proveInclusion(Math.floor(Math.random() * store.size));
    const proofMs = (performance.now() - t) / proofs;
    await store.close();

    const ledgerBytes = duSync(join(storeDir, 'ledger')) + statSync(join(storeDir, 'checkpoint')).size;
    const indexBytes = readdirSync(storeDir).filter((f) => f.startsWith('index.sqlite')).reduce((a, f) => a + statSync(join(storeDir, f)).size, 0);
    const base = rows[0].seconds;
    console.log(`ingest and verify: ${lines.length} generated events (${(raw.length / 1e6).toFixed(1)} MB, recommended preset), node ${process.version}`);
    console.log('');
    console.log('| work | events/s | MB/s | vs JSON.parse + SHA-256 |');
    console.log('| --- | ---: | ---: | ---: |');
    for (const r of rows) console.log(`| ${r.work} | ${Math.round(lines.length / r.seconds).toLocaleString('en')} | ${(raw.length / 1e6 / r.seconds).toFixed(0)} | ${(base / r.seconds).toFixed(2)}× |`);
    console.log('');
    console.log(`proof of inclusion at ${lines.length} events: ${proofMs.toFixed(3)} ms each (average of ${proofs}); verify checked ${checked} events`);
    console.log(`bytes on disk: ledger ${(ledgerBytes / 1e6).toFixed(1)} MB (${(ledgerBytes / raw.length).toFixed(3)}× raw) + index ${(indexBytes / 1e6).toFixed(1)} MB (${(indexBytes / raw.length).toFixed(3)}× raw) = ${((ledgerBytes + indexBytes) / raw.length).toFixed(3)}× raw`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
