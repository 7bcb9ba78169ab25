/**
 * One writer per store. Opening the ledger for writing truncates whatever lies past the
 * signed checkpoint (an interrupted batch), so a second writer — `kubetrail ingest` while
 * `serve` runs, a `reindex` under a live `tail` — would cut away the first one's batch in
 * flight and then interleave its own blocks with it. Every writer therefore holds the
 * store's lock for as long as it is open.
 *
 * The lock is an operating-system lock, not a marker file: an exclusive transaction held
 * open on a small SQLite file (SQLite takes POSIX advisory locks, which the kernel drops
 * when the process ends, kill -9 included, so a crashed writer never leaves the store
 * locked, and no staleness guess is needed). Readers (query, who, verify) never take it.
 * Who holds the lock is written beside it, for the message a second writer gets.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { StoreError } from './errors.js';
import { sqliteAddonPath } from './sqlite/native.js';

export const WRITER_LOCK_FILE = 'writer.lock';
/** Who holds the lock (best effort: written after the lock is taken, read only for messages). */
export const WRITER_HOLDER_FILE = 'writer.holder';

export interface WriterLock {
  release(): void;
}

interface Holder {
  pid: number;
  command: string;
  since: string;
}

/**
 * Takes the store's writer lock or throws StoreError BUSY naming the process that holds
 * it. Never waits: a writer that found the store busy should say so, not hang.
 */
export function takeWriterLock(dir: string, purpose: string): WriterLock {
  let db: Database.Database;
  try {
    db = new Database(join(dir, WRITER_LOCK_FILE), { nativeBinding: sqliteAddonPath() });
  } catch (err) {
    throw new StoreError('IO', `${join(dir, WRITER_LOCK_FILE)}: cannot open the store's writer lock: ${(err as Error).message}`);
  }
  try {
    db.pragma('busy_timeout = 0');
    // A rollback journal (not WAL): its EXCLUSIVE lock keeps every other connection out.
    db.pragma('journal_mode = DELETE');
    db.exec('BEGIN EXCLUSIVE');
  } catch (err) {
    db.close();
    if ((err as { code?: string }).code === 'SQLITE_BUSY') {
      throw new StoreError('BUSY', `${dir}: another kubetrail process is writing this store (${describeHolder(dir)}); one writer at a time — stop it first, or read the store while it runs (query, who, verify need no lock)`);
    }
    throw new StoreError('IO', `${join(dir, WRITER_LOCK_FILE)}: cannot take the store's writer lock: ${(err as Error).message}`);
  }
  const holder: Holder = { pid: process.pid, command: purpose, since: new Date().toISOString() };
  try {
    writeFileSync(join(dir, WRITER_HOLDER_FILE), `${JSON.stringify(holder)}\n`, { mode: 0o644 });
  } catch {
    // Only messages read it; the lock itself is held.
  }
  let held = true;
  return {
    release(): void {
      if (!held) return;
      held = false;
      // Closing the connection rolls the empty transaction back and drops the lock.
      db.close();
    },
  };
}

function describeHolder(dir: string): string {
  try {
    const h = JSON.parse(readFileSync(join(dir, WRITER_HOLDER_FILE), 'utf8')) as Partial<Holder>;
    if (typeof h.pid === 'number' && typeof h.command === 'string') {
      return `${h.command}, pid ${h.pid}${typeof h.since === 'string' ? `, since ${h.since}` : ''}`;
    }
  } catch {
    // Unreadable or half-written: say less.
  }
  return 'its process id is unknown';
}
