/**
 * Policy simulation over a raw audit log, against what users run today over the same file
 * in the same run: jq, and DuckDB (the strongest general-purpose peer measured in
 * DESIGN.md), plus the bare JSON.parse of every line. The log is `kubetrail generate`
 * traffic under the recommended preset; the candidate is the `minimal` preset. The file is
 * read once first so every tool reads it from the page cache. Prints a markdown table.
 *
 *   node dist/bench/simulate.js [--events N] [--jq-mb M] [--workers W]
 *   (default 1,000,000 events; jq over the first 300 MB, its rate extrapolated)
 */
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { strict as assert } from 'node:assert';
import { compilePolicy, loadPolicy, presetPolicyText } from '../src/audit/policy/index.js';
import { planLog, streamLog } from '../src/generate/index.js';
import { Simulation, replay, type WorkerSetup } from '../src/simulate/index.js';
import { ensureJq, openDuckDB, table, writePrefix } from './support/peers.js';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

/** Calls fn on every line of the file, read in 8 MiB chunks. */
function eachLine(path: string, fn: (b: Buffer, s: number, e: number) => void): void {
  const fd = openSync(path, 'r');
  let carry = Buffer.alloc(0);
  const chunk = Buffer.allocUnsafe(8 << 20);
  for (;;) {
    const n = readSync(fd, chunk, 0, chunk.length, null);
    const b = n === 0 ? carry : Buffer.concat([carry, chunk.subarray(0, n)]);
    let s = 0;
    for (;;) {
      const nl = b.indexOf(0x0a, s);
      if (nl < 0) break;
      if (nl > s) fn(b, s, nl);
      s = nl + 1;
    }
    if (n === 0) {
      if (s < b.length) fn(b, s, b.length);
      break;
    }
    carry = Buffer.from(b.subarray(s));
  }
  closeSync(fd);
}

async function main(): Promise<void> {
  const events = arg('events', 1_000_000);
  const jqMB = arg('jq-mb', 300);
  const workers = arg('workers', availableParallelism());
  const dir = mkdtempSync(join(tmpdir(), 'kubetrail-bench-simulate-'));
  try {
    const log = join(dir, 'audit.log');
    const recommended = loadPolicy(presetPolicyText('recommended')).policy!;
    const fd = openSync(log, 'w');
    await streamLog({ config: planLog({ seed: 11, startUs: Date.parse('2026-12-01T00:00:00Z') * 1000, rate: 200, policy: recommended }), events, workers: 2, write: async (c) => void writeSync(fd, c) });
    closeSync(fd);
    const size = statSync(log).size;
    const candidateText = presetPolicyText('minimal');
    const candidate = loadPolicy(candidateText).policy!;
    writeFileSync(join(dir, 'candidate.yaml'), candidateText);
    eachLine(log, () => undefined); // into the page cache

    const rows: Array<{ work: string; seconds: number; bytes: number; note?: string }> = [];
    const time = async <T>(work: string, run: () => T | Promise<T>, bytes = size, note?: string): Promise<T> => {
      const t = performance.now();
      const out = await run();
      rows.push({ work, seconds: (performance.now() - t) / 1000, bytes, note });
      process.stderr.write(`${work}: ${rows[rows.length - 1].seconds.toFixed(2)} s\n`);
      return out;
    };

    await time('baseline: JSON.parse of every line (one thread)', () => eachLine(log, (b, s, e) => JSON.parse(b.toString('utf8', s, e))));
    const simulate = async (w: number, fullParse: boolean) => {
      const sim = new Simulation(candidate, compilePolicy(candidate));
      const setup: WorkerSetup = { mode: 'simulate', policies: [candidate], wildcardGroup: true, fullParse };
      await replay(sim, setup, { log: [log] }, { workers: w });
      return sim.report(10);
    };
    const fullReport = await time(`kubetrail simulate, full JSON.parse, ${workers} workers`, () => simulate(workers, true));
    const fastReport = await time(`kubetrail simulate, fast scanner, ${workers} workers`, () => simulate(workers, false));
    const oneReport = await time('kubetrail simulate, fast scanner, one thread', () => simulate(0, false));
    assert.deepEqual(fastReport, fullReport, 'the fast scanner and the full parser disagree');
    assert.deepEqual(oneReport, fullReport, 'one thread and the workers disagree');
    await time(`kubetrail policy simulate (the whole CLI call: start-up, ${workers} workers, report)`, () => {
      const r = spawnSync(process.execPath, [join(process.cwd(), 'bin', 'kubetrail.js'), 'policy', 'simulate', '-f', join(dir, 'candidate.yaml'), '--log', log, '--workers', String(workers), '-o', 'json'], { encoding: 'utf8', maxBuffer: 1 << 26 });
      assert.equal(r.status, 0, r.stderr);
      assert.equal(JSON.parse(r.stdout).input.events, fullReport.input.events);
    });

    const duck = await openDuckDB();
    if (duck !== null) {
      await time('DuckDB over the file: events + bytes per (user, verb, resource) (read_ndjson_objects)', () =>
        duck.run(`SELECT json_extract_string(json,'$.user.username') u, json_extract_string(json,'$.verb') v, json_extract_string(json,'$.objectRef.resource') r, count(*) n, sum(strlen(json::VARCHAR)) b FROM read_ndjson_objects('${log}') GROUP BY ALL`),
      );
      await time('DuckDB over the file: events per (user, verb, resource), typed columns, no bytes (read_ndjson)', () =>
        duck.run(`SELECT "user".username u, verb v, objectRef.resource r, count(*) n FROM read_ndjson('${log}', columns={'user':'STRUCT(username VARCHAR)','verb':'VARCHAR','objectRef':'STRUCT(resource VARCHAR)'}) GROUP BY ALL`),
      );
    }
    const jq = ensureJq();
    if (jq !== null) {
      // jq over a prefix (whole lines) of the file: at its rate the whole file takes minutes.
      const prefix = join(dir, 'prefix.log');
      const cut = writePrefix(log, size, jqMB * 1e6, prefix);
      await time(
        `jq: events per (user, verb, resource) over the first ${(cut / 1e6).toFixed(0)} MB`,
        () => {
          const r = spawnSync(jq, ['-n', 'reduce inputs as $e ({}; .[($e.user.username // "") + " " + ($e.verb // "") + " " + ($e.objectRef.resource // "")] += 1) | length', prefix], { encoding: 'utf8' });
          assert.equal(r.status, 0, r.stderr);
        },
        cut,
      );
    }

    const base = rows[0].bytes / rows[0].seconds;
    process.stdout.write(`${events.toLocaleString('en')} events, ${(size / 1e6).toFixed(1)} MB, ${workers} workers; reports identical (fast scanner = full parse = one thread)\n\n`);
    process.stdout.write(
      `${table(
        ['work', 'seconds', 'MB/s', 'events/s', 'vs JSON.parse'],
        rows.map((r) => {
          const rate = r.bytes / r.seconds;
          return [r.work, r.seconds.toFixed(2), (rate / 1e6).toFixed(0), Math.round((rate / size) * events).toLocaleString('en'), `${(rate / base).toFixed(2)}×`];
        }),
      )}\n`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack}\n`);
  process.exit(1);
});
