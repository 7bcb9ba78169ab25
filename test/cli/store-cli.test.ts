/** The record's commands through the real CLI: keygen, ingest, verify, query, reindex, and kill -9 mid-ingest. */
import { strict as assert } from 'node:assert';
import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { runCli } from '../support/cli.js';
import { CLI_PATH } from '../support/paths.js';

let root = '';
let log = '';
let lines: string[] = [];

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'kubetrail-cli-'));
  const g = await runCli(['generate', '--events', '2000', '--seed', '3']);
  assert.equal(g.code, 0, g.stderr);
  log = join(root, 'audit.log');
  writeFileSync(log, g.stdout);
  lines = g.stdout.split('\n').filter((l) => l !== '');
});
after(() => rmSync(root, { recursive: true, force: true }));

async function newStore(name: string): Promise<{ dir: string; key: string }> {
  const dir = join(root, name);
  const key = join(root, `${name}.key`);
  const r = await runCli(['keygen', '--name', `test.example/${name}`, '--private-key', key, '--store', dir]);
  assert.equal(r.code, 0, r.stderr);
  return { dir, key };
}

test('keygen: private key 0600 outside the store, public key inside; refusals exit 2', async () => {
  const { dir, key } = await newStore('keys');
  assert.equal(statSync(key).mode & 0o777, 0o600);
  assert.match(readFileSync(key, 'utf8'), /^PRIVATE\+KEY\+test\.example\/keys\+/);
  assert.match(readFileSync(join(dir, 'verifier.key'), 'utf8'), /^test\.example\/keys\+[0-9a-f]{8}\+/);
  const cases = [
    { desc: 'key inside the store', args: ['keygen', '--name', 'x', '--private-key', join(root, 'inside', 'k'), '--store', join(root, 'inside')], want: /outside the store/ },
    { desc: 'store already keyed', args: ['keygen', '--name', 'x', '--private-key', join(root, 'other.key'), '--store', dir], want: /already has a key/ },
    { desc: 'existing private key', args: ['keygen', '--name', 'x', '--private-key', key, '--store', join(root, 'fresh')], want: /already exists/ },
    { desc: 'bad origin', args: ['keygen', '--name', 'has space', '--private-key', join(root, 'k2'), '--store', join(root, 'fresh2')], want: /name/ },
  ];
  for (const c of cases) {
    const r = await runCli(c.args);
    assert.equal(r.code, 2, c.desc);
    assert.match(r.stderr, c.want, c.desc);
  }
  assert.equal(existsSync(join(root, 'inside', 'k')), false);
});

test('ingest needs the store\'s own private key', async () => {
  const { dir } = await newStore('needkey');
  const other = await newStore('otherkey');
  const none = await runCli(['ingest', '--store', dir, log], { env: { KUBETRAIL_SIGNING_KEY_FILE: '' } });
  assert.equal(none.code, 2);
  assert.match(none.stderr, /--key/);
  const wrong = await runCli(['ingest', '--store', dir, '--key', other.key, log]);
  assert.equal(wrong.code, 2);
  assert.match(wrong.stderr, /not the key of store/);
});

test('ingest, query with known answers, verify, tamper, reindex', async () => {
  const { dir, key } = await newStore('main');
  const ing = await runCli(['ingest', '--store', dir, '-o', 'json', log], { env: { KUBETRAIL_SIGNING_KEY_FILE: key } });
  assert.equal(ing.code, 0, ing.stderr);
  const summary = JSON.parse(ing.stdout);
  assert.equal(summary.committed, 2000);
  assert.equal(summary.bad, 0);
  assert.equal(summary.size, 2000);

  const events = lines.map((l) => JSON.parse(l));
  const time = (e: { requestReceivedTimestamp: string }) => e.requestReceivedTimestamp;
  const mid = time(events[1000]);
  const cases: { desc: string; args: string[]; keep: (e: any) => boolean }[] = [
    { desc: 'all', args: [], keep: () => true },
    { desc: 'verb create', args: ['--verb', 'create'], keep: (e) => e.verb === 'create' },
    { desc: 'pods in a namespace', args: ['--resource', 'pods', '--namespace', events.find((e) => e.objectRef?.resource === 'pods' && e.objectRef?.namespace)!.objectRef.namespace], keep: (e) => e.objectRef?.resource === 'pods' && e.objectRef?.namespace === events.find((x) => x.objectRef?.resource === 'pods' && x.objectRef?.namespace)!.objectRef.namespace },
    { desc: 'a user and a verb', args: ['--user', 'system:kube-scheduler', '--verb', 'create'], keep: (e) => e.user?.username === 'system:kube-scheduler' && e.verb === 'create' },
    { desc: 'a name', args: ['--name', events.find((e) => e.objectRef?.name)!.objectRef.name], keep: (e) => e.objectRef?.name === events.find((x) => x.objectRef?.name)!.objectRef.name },
    { desc: 'since', args: ['--since', mid], keep: (e) => time(e) >= mid },
    { desc: 'until', args: ['--until', mid], keep: (e) => time(e) < mid },
  ];
  for (const c of cases) {
    const want = lines.filter((_, i) => c.keep(events[i]));
    assert.ok(want.length > 0, `${c.desc}: the data has answers`);
    const r = await runCli(['query', '--store', dir, ...c.args, '-o', 'jsonl']);
    assert.equal(r.code, 0, `${c.desc}: ${r.stderr}`);
    assert.equal(r.stdout, want.map((l) => `${l}\n`).join(''), c.desc);
  }
  const none = await runCli(['query', '--store', dir, '--user', 'nobody-at-all', '-o', 'jsonl']);
  assert.deepEqual([none.code, none.stdout], [1, '']);
  const text = await runCli(['query', '--store', dir, '--verb', 'delete']);
  assert.match(text.stdout.split('\n')[0], /^TIME\tUSER\tVERB\tRESOURCE\tNAMESPACE\/NAME\tCODE\tSOURCE IP$/);

  // The same matches in every format, oldest or newest first.
  const deletes = events.filter((e) => e.verb === 'delete');
  const ids = deletes.map((e) => e.auditID);
  const asJson = JSON.parse((await runCli(['query', '--store', dir, '--verb', 'delete', '-o', 'json'])).stdout);
  assert.deepEqual(asJson.map((r: { auditID: string }) => r.auditID), ids, 'json: oldest first');
  assert.deepEqual(asJson[0].sourceIPs, deletes[0].sourceIPs, 'json: lists as arrays');
  const newest = JSON.parse((await runCli(['query', '--store', dir, '--verb', 'delete', '-o', 'json', '--newest-first'])).stdout);
  assert.deepEqual(newest.map((r: { auditID: string }) => r.auditID), [...ids].reverse(), 'json: newest first');
  const newestLines = (await runCli(['query', '--store', dir, '--verb', 'delete', '-o', 'jsonl', '--newest-first'])).stdout;
  assert.equal(newestLines, lines.filter((_, i) => events[i].verb === 'delete').reverse().map((l) => `${l}\n`).join(''), 'jsonl: newest first, byte for byte');
  const csv = (await runCli(['query', '--store', dir, '--verb', 'delete', '-o', 'csv'])).stdout.split('\r\n').filter(Boolean);
  assert.equal(csv.length, ids.length + 1, 'csv: a header and one record per event');
  assert.match(csv[0], /^time,auditID,stage,level,user,/);
  assert.equal(csv[1].split(',')[1], ids[0]);
  assert.equal(text.stdout.split('\n').filter(Boolean).length, ids.length + 1, 'text: a header and one line per event');

  const ok = await runCli(['verify', '--store', dir]);
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /intact: 2000 events/);

  // The index can be rebuilt from the ledger.
  for (const f of ['index.sqlite', 'index.sqlite-wal', 'index.sqlite-shm']) if (existsSync(join(dir, f))) unlinkSync(join(dir, f));
  const re = await runCli(['reindex', '--store', dir]);
  assert.equal(re.code, 0, re.stderr);
  assert.match(re.stdout, /reindexed 2000 events/);
  assert.equal((await runCli(['verify', '--store', dir])).code, 0);
  assert.equal((await runCli(['query', '--store', dir, '-o', 'jsonl'])).stdout, lines.map((l) => `${l}\n`).join(''));

  // Another store's public key is not trusted.
  const other = await newStore('stranger');
  const strange = await runCli(['verify', '--store', dir, '--key', join(other.dir, 'verifier.key')]);
  assert.equal(strange.code, 1);
  assert.match(strange.stderr, /checkpoint/);
  assert.equal((await runCli(['verify', '--store', dir, '--key', join(root, 'no-such-key')])).code, 2);

  // An index row changed: exit 1, and the way out (the index is derived from the ledger).
  const db = new Database(join(dir, 'index.sqlite'));
  db.prepare(`UPDATE events SET response_code = 599 WHERE leaf = 3`).run();
  db.close();
  const badIndex = await runCli(['verify', '--store', dir]);
  assert.equal(badIndex.code, 1);
  assert.match(badIndex.stderr, /tampered: index\.sqlite \(event 3\)/);
  assert.match(badIndex.stderr, new RegExp(`kubetrail reindex --store ${dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} rebuilds it`));
  assert.equal((await runCli(['reindex', '--store', dir])).code, 0);
  assert.equal((await runCli(['verify', '--store', dir])).code, 0, 'rebuilt, it agrees again');

  // A flipped byte in a segment: exit 1, naming the segment and the event.
  const seg = join(dir, 'ledger', 'seg-000000.klog');
  const b = readFileSync(seg);
  b[Math.floor(b.length / 2)] ^= 0x04;
  writeFileSync(seg, b);
  const bad = await runCli(['verify', '--store', dir]);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /tampered: seg-000000\.klog \(event \d+\)/);
});

test('kill -9 mid-ingest, many times: every acknowledged event stays, exactly once; verify passes', async () => {
  const { dir, key } = await newStore('crash');
  const g = await runCli(['generate', '--events', '20000', '--seed', '5']);
  const big = join(root, 'big.log');
  writeFileSync(big, g.stdout);
  const sizes: number[] = [];
  const signed = () => (existsSync(join(dir, 'checkpoint')) ? Number(readFileSync(join(dir, 'checkpoint'), 'utf8').split('\n')[1]) : 0);
  for (const ms of [150, 400, 250, 700, 500]) {
    const child = spawn(process.execPath, [CLI_PATH, 'ingest', '--store', dir, '--key', key, big], { stdio: 'ignore' });
    await new Promise((r) => setTimeout(r, ms));
    child.kill('SIGKILL');
    await new Promise((r) => child.on('close', r));
    sizes.push(signed());
  }
  // Acknowledged (signed) events are never lost: the signed size only grows.
  for (let i = 1; i < sizes.length; i++) assert.ok(sizes[i] >= sizes[i - 1], `signed sizes ${sizes.join(', ')}`);
  assert.ok(sizes[0] < 20000, `the first kill interrupted the ingest (signed sizes ${sizes.join(', ')})`);
  const fin = await runCli(['ingest', '--store', dir, '--key', key, '-o', 'json', big]);
  assert.equal(fin.code, 0, fin.stderr);
  assert.equal(JSON.parse(fin.stdout).size, 20000);
  const v = await runCli(['verify', '--store', dir]);
  assert.equal(v.code, 0, v.stderr);
  assert.match(v.stdout, /intact: 20000 events .* 20000 index rows agree/);
  const q = await runCli(['query', '--store', dir, '-o', 'jsonl']);
  assert.equal(q.stdout, g.stdout);
});

test('ingest exits 1 when a line was rejected, after committing the good ones', async () => {
  const { dir, key } = await newStore('bad-lines');
  const file = join(dirname(dir), 'mixed.log');
  writeFileSync(file, `${lines[0]}\nnot json at all\n${lines[1]}\n`);
  const r = await runCli(['ingest', '--store', dir, '--key', key, '-o', 'json', file]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /mixed\.log:2:1: not JSON/);
  const summary = JSON.parse(r.stdout);
  assert.equal(summary.committed, 2);
  assert.equal(summary.bad, 1);
});
