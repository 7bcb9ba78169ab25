/**
 * One writer per store: a second writer (in this process or another) is turned away with
 * a message naming the first, readers are not, and a writer killed with SIGKILL leaves no
 * lock behind.
 */
import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isStoreError, openStore, reindexStore, verifyStore } from '../../src/store/index.js';
import { runCli } from '../support/cli.js';
import { REPO_ROOT } from '../support/paths.js';
import { eventLine, pendingOf, tempStore } from './helpers.js';

function isBusy(err: unknown, pattern: RegExp): boolean {
  return isStoreError(err, 'BUSY') && pattern.test(err.message);
}

describe('the store writer lock', () => {
  it('turns away every second writer of the same store while the first is open, and none after it closes', async () => {
    const temp = tempStore();
    try {
      const first = await openStore(temp.dir, { signingKey: temp.skey, purpose: 'kubetrail serve' });
      await first.commit([pendingOf(eventLine(1))]);
      const secondWriters: Array<[string, () => Promise<unknown>]> = [
        ['openStore with a signing key', () => openStore(temp.dir, { signingKey: temp.skey, purpose: 'kubetrail ingest' })],
        ['reindexStore', () => reindexStore(temp.dir)],
      ];
      for (const [what, open] of secondWriters) {
        await assert.rejects(open(), (err) => isBusy(err, new RegExp(`kubetrail serve, pid ${process.pid}`)), what);
      }
      // Readers need no lock, and see what the writer committed.
      const reader = await openStore(temp.dir);
      assert.equal(reader.size, 1);
      await reader.close();
      assert.equal((await verifyStore(temp.dir)).ok, true);
      // The failed opens truncated nothing: the writer goes on where it was.
      await first.commit([pendingOf(eventLine(2))]);
      assert.equal(first.size, 2);
      await first.close();

      const next = await openStore(temp.dir, { signingKey: temp.skey });
      assert.equal(next.size, 2);
      await next.close();
      assert.deepEqual(await reindexStore(temp.dir), { events: 2 });
    } finally {
      temp.cleanup();
    }
  });

  it('releases the lock when opening fails after taking it', async () => {
    const temp = tempStore();
    try {
      const w = await openStore(temp.dir, { signingKey: temp.skey });
      await w.commit([pendingOf(eventLine(1))]);
      await w.close();
      // A corrupt checkpoint: the writable open takes the lock, then fails on the ledger.
      writeFileSync(join(temp.dir, 'checkpoint'), 'not a checkpoint\n');
      await assert.rejects(openStore(temp.dir, { signingKey: temp.skey }), (err) => isStoreError(err) && err.code !== 'BUSY');
      await assert.rejects(openStore(temp.dir, { signingKey: temp.skey }), (err) => isStoreError(err) && err.code !== 'BUSY', 'the lock was not left held by the failed open');
    } finally {
      temp.cleanup();
    }
  });

  it('is held by another process until it is killed with SIGKILL, then free at once; the CLI exits 2 naming the holder', async () => {
    const temp = tempStore();
    const storeModule = join(REPO_ROOT, 'dist', 'src', 'store', 'index.js');
    assert.ok(existsSync(storeModule), `${storeModule} is built`);
    const holderScript = `
      const { openStore } = await import(${JSON.stringify(storeModule)});
      const fs = await import('node:fs');
      const store = await openStore(${JSON.stringify(temp.dir)}, { signingKey: fs.readFileSync(${JSON.stringify(temp.keyPath)}, 'utf8'), purpose: 'kubetrail tail' });
      process.stdout.write('ready\\n');
      setInterval(() => undefined, 1000);
    `;
    const child = spawn(process.execPath, ['--input-type=module', '-e', holderScript], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (d: Buffer) => (d.toString().includes('ready') ? resolve() : undefined));
        child.once('exit', (code) => reject(new Error(`the holder exited early (${code})`)));
      });
      await assert.rejects(openStore(temp.dir, { signingKey: temp.skey }), (err) => isBusy(err, new RegExp(`kubetrail tail, pid ${child.pid}`)));

      const line = `${eventLine(7)}\n`;
      const ingest = await runCli(['ingest', '--store', temp.dir, '--key', temp.keyPath, '-'], { stdin: line });
      assert.equal(ingest.code, 2, ingest.stderr);
      assert.match(ingest.stderr, new RegExp(`another kubetrail process is writing this store \\(kubetrail tail, pid ${child.pid}`));
      const reindex = await runCli(['reindex', '--store', temp.dir]);
      assert.equal(reindex.code, 2, reindex.stderr);
      assert.match(reindex.stderr, /another kubetrail process is writing this store/);

      child.kill('SIGKILL');
      await new Promise((resolve) => child.once('exit', resolve));
      const after = await runCli(['ingest', '--store', temp.dir, '--key', temp.keyPath, '-'], { stdin: line });
      assert.equal(after.code, 0, after.stderr);
      const reader = await openStore(temp.dir);
      assert.equal(reader.size, 1);
      await reader.close();
    } finally {
      child.kill('SIGKILL');
      temp.cleanup();
    }
  });
});
