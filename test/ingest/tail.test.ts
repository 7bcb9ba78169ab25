/**
 * tail: following a live log across kube-apiserver's and logrotate's rotations, and
 * resuming after stops and kill -9, with every line stored exactly once.
 */
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { appendFileSync, copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { LogTailer, lineTooLong } from '../../src/ingest/index.js';
import { MAX_EVENT_BYTES, openStore, verifyStore } from '../../src/store/index.js';
import { CLI_PATH } from '../support/paths.js';
import { eventLine, tempStore, type TempStore } from '../store/helpers.js';

const line = (i: number) => `${eventLine(i)}\n`;
const lines = (from: number, to: number) => Array.from({ length: to - from }, (_, k) => line(from + k)).join('');

async function storedLines(s: TempStore): Promise<string[]> {
  const store = await openStore(s.dir);
  try {
    return [...store.readRange()].map((b) => b.toString('utf8'));
  } finally {
    await store.close();
  }
}

async function tailOnce(s: TempStore, path: string): Promise<{ duplicates: number; notes: string[] }> {
  const store = await openStore(s.dir, { signingKey: s.skey });
  const notes: string[] = [];
  try {
    const r = await new LogTailer(store, path, { once: true, onNote: (m) => notes.push(m) }).run();
    return { duplicates: r.duplicates, notes };
  } finally {
    await store.close();
  }
}

function assertExactly(got: string[], n: number): void {
  const want = Array.from({ length: n }, (_, i) => eventLine(i));
  assert.equal(got.length, n, `${got.length} stored, ${n} written`);
  assert.deepEqual([...got].sort(), [...want].sort(), 'every line once');
}

describe('tail across rotations, stopped and restarted between them', () => {
  const rotations: { desc: string; rotate: (dir: string, log: string) => void }[] = [
    { desc: 'rename (lumberjack) and a new file', rotate: (dir, log) => renameSync(log, join(dir, 'audit-2026-12-03T10-00-00.000.log')) },
    {
      desc: 'rename, then gzip of the old file (--audit-log-compress)',
      rotate: (dir, log) => {
        const old = join(dir, 'audit-2026-12-03T10-00-00.000.log');
        renameSync(log, old);
        writeFileSync(`${old}.gz`, gzipSync(readFileSync(old)));
        unlinkSync(old);
      },
    },
    {
      desc: 'copytruncate (logrotate)',
      rotate: (dir, log) => {
        copyFileSync(log, join(dir, 'audit.log.1'));
        truncateSync(log, 0);
      },
    },
  ];
  for (const r of rotations) {
    test(r.desc, async () => {
      const s = tempStore();
      try {
        const dir = join(s.root, 'log');
        mkdirSync(dir);
        const log = join(dir, 'audit.log');
        writeFileSync(log, lines(0, 10));
        assert.equal((await tailOnce(s, log)).duplicates, 0);
        appendFileSync(log, lines(10, 15)); // written after our last read, before the rotation
        r.rotate(dir, log);
        appendFileSync(log, lines(15, 25));
        const second = await tailOnce(s, log);
        assert.equal(second.duplicates, 0, `positions are exact, dedupe not needed (${second.notes.join('; ')})`);
        appendFileSync(log, lines(25, 30));
        assert.equal((await tailOnce(s, log)).duplicates, 0);
        assertExactly(await storedLines(s), 30);
        assert.equal((await verifyStore(s.dir)).ok, true);
      } finally {
        s.cleanup();
      }
    });
  }

  test('a line longer than an event may be is a bad line, counted not held, and the lines after it are stored', async () => {
    const s = tempStore();
    try {
      const log = join(s.root, 'audit.log');
      const huge = Buffer.alloc(MAX_EVENT_BYTES + 3 * 1024 * 1024, 0x61);
      writeFileSync(log, Buffer.concat([Buffer.from(line(0)), huge, Buffer.from('\n'), Buffer.from(lines(1, 3))]));
      const store = await openStore(s.dir, { signingKey: s.skey });
      const problems: string[] = [];
      try {
        await new LogTailer(store, log, { once: true, onProblem: (p) => problems.push(`${p.line}: ${p.message}`) }).run();
      } finally {
        await store.close();
      }
      assert.deepEqual(problems, [`2: ${lineTooLong(huge.length, MAX_EVENT_BYTES)}`]);
      assertExactly(await storedLines(s), 3);
      // Resumed from its saved position: nothing read twice.
      appendFileSync(log, lines(3, 5));
      assert.equal((await tailOnce(s, log)).duplicates, 0);
      assertExactly(await storedLines(s), 5);
    } finally {
      s.cleanup();
    }
  });

  test('a partial last line waits for its newline', async () => {
    const s = tempStore();
    try {
      const log = join(s.root, 'audit.log');
      const full = line(0) + line(1);
      writeFileSync(log, full.slice(0, full.length - 20));
      const store = await openStore(s.dir, { signingKey: s.skey });
      const stop = new AbortController();
      const run = new LogTailer(store, log, { signal: stop.signal, pollMs: 20 }).run();
      await new Promise((res) => setTimeout(res, 150));
      assert.equal(store.size, 1, 'only the complete line');
      appendFileSync(log, full.slice(full.length - 20));
      await new Promise((res) => setTimeout(res, 200));
      stop.abort();
      await run;
      assert.equal(store.size, 2);
      assert.equal(store.readLeaf(1).toString(), eventLine(1));
      await store.close();
    } finally {
      s.cleanup();
    }
  });
});

/** A tail process (the built CLI) following `log`. */
function startTail(s: TempStore, log: string) {
  return spawn(process.execPath, [CLI_PATH, 'tail', '--store', s.dir, '--key', s.keyPath, '--poll', '20', log], { stdio: ['ignore', 'ignore', 'pipe'] });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('a live tail process follows rename, gzip and copytruncate rotations while lines are written', async () => {
  const s = tempStore();
  const dir = join(s.root, 'log');
  mkdirSync(dir);
  const log = join(dir, 'audit.log');
  writeFileSync(log, '');
  const tail = startTail(s, log);
  try {
    let n = 0;
    const write = async (k: number) => {
      for (let j = 0; j < k; j++) appendFileSync(log, line(n++));
      await sleep(30);
    };
    await write(20);
    // The process is up and following once it has saved its first position.
    for (let waited = 0; !existsSync(join(s.dir, 'tail-state.json')); waited += 20) {
      assert.ok(waited < 10_000, 'the tail process started');
      await sleep(20);
    }
    renameSync(log, join(dir, 'audit-2026-12-03T10-00-00.000.log'));
    await write(20);
    const old2 = join(dir, 'audit-2026-12-03T11-00-00.000.log');
    renameSync(log, old2);
    await write(5);
    writeFileSync(`${old2}.gz`, gzipSync(readFileSync(old2)));
    unlinkSync(old2);
    await write(20);
    copyFileSync(log, join(dir, 'audit.log.1'));
    truncateSync(log, 0);
    await write(20);
    await sleep(400);
    tail.kill('SIGTERM');
    await new Promise((r) => tail.once('exit', r));
    assertExactly(await storedLines(s), n);
    assert.equal((await verifyStore(s.dir)).ok, true);
  } finally {
    tail.kill('SIGKILL');
    s.cleanup();
  }
});

test('kill -9 of the tail process, many times: every line stored exactly once, verify passes', async () => {
  const s = tempStore();
  const log = join(s.root, 'audit.log');
  writeFileSync(log, '');
  let n = 0;
  try {
    for (let round = 0; round < 6; round++) {
      const tail = startTail(s, log);
      const until = Date.now() + 400 + Math.floor(Math.random() * 400);
      while (Date.now() < until) {
        for (let j = 0; j < 25; j++) appendFileSync(log, line(n++));
        await sleep(10);
      }
      tail.kill('SIGKILL');
      await new Promise((r) => tail.once('exit', r));
    }
    // A last run reads what is left.
    const store = await openStore(s.dir, { signingKey: s.skey });
    await new LogTailer(store, log, { once: true }).run();
    await store.close();
    assertExactly(await storedLines(s), n);
    const report = await verifyStore(s.dir);
    assert.equal(report.ok, true, report.problem?.message);
    assert.equal(report.indexChecked, n, 'the index caught up');
  } finally {
    rmSync(s.root, { recursive: true, force: true });
  }
});
