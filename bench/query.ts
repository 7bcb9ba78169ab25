/**
 * Forensic questions over a store of `kubetrail generate` events, side by side in one run
 * with what users run today over the same events as an audit.log: jq, grep -F | jq, and
 * DuckDB (over the file, and as a loaded table). Timings are medians of repeated runs
 * (the first, cold run of each is reported apart). Prints a markdown table.
 *
 *   node dist/bench/query.js [--events N] [--runs R] [--jq-mb M] [--dir DIR (kept, reused)]
 *   (default 1,000,000 events, 9 runs; jq over the first 300 MB, extrapolated)
 */
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, readSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { strict as assert } from 'node:assert';
import { loadPolicy, presetPolicyText } from '../src/audit/policy/index.js';
import { planLog, streamLog } from '../src/generate/index.js';
import { ingestFiles } from '../src/ingest/index.js';
import { whoDid } from '../src/query/index.js';
import { createStoreKeys, openStore } from '../src/store/index.js';
import { ensureJq, openDuckDB, table, writePrefix } from './support/peers.js';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

function argText(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function timed<T>(runs: number, fn: () => Promise<T> | T): Promise<{ first: number; median: number; out: T }> {
  let out!: T;
  const times: number[] = [];
  for (let i = 0; i < runs + 1; i++) {
    const t = performance.now();
    out = await fn();
    times.push(performance.now() - t);
  }
  return { first: times[0], median: median(times.slice(1)), out };
}

async function main(): Promise<void> {
  const events = arg('events', 1_000_000);
  const runs = arg('runs', 9);
  const jqMB = arg('jq-mb', 300);
  // --dir keeps the log and the store there and reuses them when a later run asks for the
  // same number of events (building 10 M events takes half an hour); otherwise a temporary
  // directory, removed at the end.
  const keptDir = argText('dir');
  const dir = keptDir ?? mkdtempSync(join(tmpdir(), 'kubetrail-bench-query-'));
  const reuse = keptDir !== undefined && existsSync(join(dir, 'done')) && readFileSync(join(dir, 'done'), 'utf8') === String(events);
  try {
    const log = join(dir, 'audit.log');
    if (!reuse) {
      rmSync(join(dir, 'done'), { force: true });
      rmSync(join(dir, 'store'), { recursive: true, force: true });
      mkdirSync(dir, { recursive: true });
      const policy = loadPolicy(presetPolicyText('recommended')).policy!;
      const fd = openSync(log, 'w');
      await streamLog({ config: planLog({ seed: 11, startUs: Date.parse('2026-12-01T00:00:00Z') * 1000, rate: 200, policy }), events, workers: 2, write: async (c) => void writeSync(fd, c) });
      closeSync(fd);
    }
    const size = statSync(log).size;
    // A pod that was created, and its namespace: the question of the issue.
    let target: { name: string; namespace: string } | null = null;
    // Looked for in the first 64 MB (a 10 M-event log does not fit in one string).
    const headFd = openSync(log, 'r');
    const headBuf = Buffer.alloc(Math.min(size, 64 << 20));
    readSync(headFd, headBuf, 0, headBuf.length, 0);
    closeSync(headFd);
    const scan = headBuf.toString('utf8');
    for (let at = 0; target === null; ) {
      const i = scan.indexOf('"verb":"create"', at);
      if (i < 0) break;
      const nl = scan.indexOf('\n', i);
      if (nl < 0) break;
      const line = scan.slice(scan.lastIndexOf('\n', i) + 1, nl);
      const e = JSON.parse(line);
      // Pods made by controllers come from generateName: the name is in the response body.
      const name = e.objectRef?.name || e.responseObject?.metadata?.name;
      if (e.objectRef?.resource === 'pods' && !e.objectRef.subresource && name && e.stage === 'ResponseComplete') target = { name, namespace: e.objectRef.namespace };
      at = i + 1;
    }
    assert.ok(target !== null, 'the generated traffic creates pods');

    const storeDir = join(dir, 'store');
    let t = performance.now();
    let ingestSeconds = Number.NaN;
    if (!reuse) {
      createStoreKeys(storeDir, 'bench.example/query', join(dir, 'signing.key'));
      const key = readFileSync(join(dir, 'signing.key'), 'utf8');
      const writer = await openStore(storeDir, { signingKey: key });
      await ingestFiles(writer, [log]);
      await writer.close();
      ingestSeconds = (performance.now() - t) / 1000;
      if (keptDir !== undefined) writeFileSync(join(dir, 'done'), String(events));
    }
    let store = await openStore(storeDir);

    const rows: string[][] = [];
    const add = (task: string, tool: string, ms: number, note = '') => rows.push([task, tool, ms < 10 ? ms.toFixed(2) : ms.toFixed(0), note]);

    // who created pod/X
    const who = await timed(runs, () => whoDid(store, { verb: 'create', resource: 'pods', subresource: null, name: target!.name, namespace: target!.namespace }));
    assert.ok(who.out.length >= 1, 'who finds the creation');
    add('who created pod/X', 'kubetrail engine (whoDid on the store)', who.median, `cold ${who.first.toFixed(1)} ms`);
    // The whole call against Node starting and doing nothing, alternately (this machine's
    // speed drifts from minute to minute): most of a quick command's time is Node's own.
    const whoArgs = [join(process.cwd(), 'bin', 'kubetrail.js'), 'who', 'created', `pod/${target!.name}`, '-n', target!.namespace, '--store', storeDir];
    const cliTimes: number[] = [];
    const bareTimes: number[] = [];
    for (let i = 0; i < Math.max(runs, 9); i++) {
      let t = performance.now();
      const r = spawnSync(process.execPath, whoArgs, { encoding: 'utf8' });
      cliTimes.push(performance.now() - t);
      assert.equal(r.status, 0, r.stderr);
      t = performance.now();
      spawnSync(process.execPath, ['-e', '0']);
      bareTimes.push(performance.now() - t);
    }
    add('who created pod/X', 'kubetrail who (the whole CLI call)', median(cliTimes), `node -e 0 alone: ${median(bareTimes).toFixed(0)} ms`);
    // top-10 users over the whole store
    const top = await timed(runs, () => store.top({}, 'user', 10));
    add('top-10 users, whole store', 'kubetrail engine (rollup)', top.median, `cold ${top.first.toFixed(1)} ms`);
    const topFiltered = await timed(runs, () => store.top({ verb: 'create' }, 'user', 10));
    add('top-10 users among creates', 'kubetrail engine (rows)', topFiltered.median);
    const recent = await timed(runs, async () => {
      const out = [];
      for await (const r of store.queryRows({ resource: 'pods', verb: 'delete', newestFirst: true, limit: 100 })) out.push(r);
      return out;
    });
    add('newest 100 pod deletions', 'kubetrail engine', recent.median);
    await store.close();

    const duck = await openDuckDB();
    if (duck !== null) {
      const whoSql = (from: string) =>
        `SELECT "user".username, sourceIPs, userAgent, responseStatus.code, requestReceivedTimestamp FROM ${from} WHERE verb = 'create' AND objectRef.resource = 'pods' AND coalesce(objectRef.name, responseObject.metadata.name) = '${target.name}' AND objectRef.namespace = '${target.namespace}'`;
      const cols = `columns={'user':'STRUCT(username VARCHAR)','verb':'VARCHAR','objectRef':'STRUCT(resource VARCHAR, namespace VARCHAR, name VARCHAR)','sourceIPs':'VARCHAR[]','userAgent':'VARCHAR','responseStatus':'STRUCT(code INTEGER)','requestReceivedTimestamp':'VARCHAR','responseObject':'STRUCT(metadata STRUCT(name VARCHAR))'}`;
      const fileWho = await timed(1, () => duck.run(whoSql(`read_ndjson('${log}', ${cols})`)));
      add('who created pod/X', 'DuckDB over the file', fileWho.median);
      const fileTop = await timed(1, () => duck.run(`SELECT "user".username u, count(*) n FROM read_ndjson('${log}', ${cols}) GROUP BY u ORDER BY n DESC LIMIT 10`));
      add('top-10 users, whole store', 'DuckDB over the file', fileTop.median);
      t = performance.now();
      await duck.run(`CREATE TABLE events AS SELECT * FROM read_ndjson('${log}', ${cols})`);
      const loadSeconds = (performance.now() - t) / 1000;
      const tableWho = await timed(runs, () => duck.run(whoSql('events')));
      add('who created pod/X', 'DuckDB table', tableWho.median, `after a ${loadSeconds.toFixed(1)} s load of the forensic columns only`);
      const tableTop = await timed(runs, () => duck.run(`SELECT "user".username u, count(*) n FROM events GROUP BY u ORDER BY n DESC LIMIT 10`));
      add('top-10 users, whole store', 'DuckDB table', tableTop.median);
    }
    const jq = ensureJq();
    if (jq !== null) {
      const grep = await timed(1, () => spawnSync('sh', ['-c', `grep -F '"name":"${target!.name}"' '${log}' | '${jq}' -c 'select(.verb=="create" and .objectRef.resource=="pods") | [.user.username, .sourceIPs, .responseStatus.code]'`], { encoding: 'utf8' }));
      add('who created pod/X', 'grep -F NAME | jq', grep.median);
      const prefix = join(dir, 'prefix.log');
      const cut = writePrefix(log, size, jqMB * 1e6, prefix);
      const jqWho = await timed(1, () => spawnSync(jq, ['-c', `select(.verb=="create" and .objectRef.resource=="pods" and (.objectRef.name // .responseObject.metadata.name)=="${target!.name}") | .user.username`, prefix], { encoding: 'utf8' }));
      add('who created pod/X', 'jq over the file', (jqWho.median * size) / cut, `measured over the first ${(cut / 1e6).toFixed(0)} MB, scaled to the file`);
    }

    const loaded = reuse ? `the store of an earlier run in ${dir}` : `ingested in ${ingestSeconds.toFixed(1)} s (${Math.round(events / ingestSeconds).toLocaleString('en')} events/s)`;
    process.stdout.write(`${events.toLocaleString('en')} events, ${(size / 1e6).toFixed(1)} MB; ${loaded}; medians of ${runs} runs\n\n`);
    process.stdout.write(`${table(['question', 'tool', 'ms', 'note'], rows)}\n`);
  } finally {
    if (keptDir === undefined) rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack}\n`);
  process.exit(1);
});
