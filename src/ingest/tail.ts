/**
 * Following kube-apiserver's live audit log across rotations, and resuming after a
 * restart, with no loss and no duplicates.
 *
 * kube-apiserver rotates with lumberjack: the file is renamed to
 * `audit-2006-01-02T15-04-05.000.log` in the same directory and a new one is created;
 * with --audit-log-compress the renamed file is later gzipped (`….log.gz`) and the plain
 * one removed. logrotate's copytruncate instead copies the file and truncates it in place.
 *
 * The position (file identity, byte offset after the last committed line, a hash of the
 * file's first bytes) is saved in the store directory only after each commit, so a crash
 * re-reads at most the uncommitted tail — and the (auditID, stage) dedupe drops those
 * repeats. After a rename the old file is read to its end through the open descriptor
 * before the new one is started. On restart, a position whose file was rotated away is
 * found again among the rotated backups (plain by inode, gzipped by content) and its
 * remainder read first. A partial last line waits until its newline arrives.
 */
import { createHash } from 'node:crypto';
import { closeSync, existsSync, fstatSync, openSync, readdirSync, readFileSync, readSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { classifyAuditJSON } from '../audit/events.js';
import { writeFileAtomic } from '../store/ledger-files/durable-files.js';
import { MAX_EVENT_BYTES, type Store } from '../store/index.js';
import { PartialLine, isBlank, lineTooLong } from './lines.js';
import { commitPending, toPending, toPendingFast, type PendingWithKey } from './commit.js';
import type { IngestProblem } from './pipeline.js';

export const TAIL_STATE_FILE = 'tail-state.json';
const HEAD_BYTES = 4096;

interface TailState {
  path: string;
  dev: number;
  ino: number;
  offset: number;
  /** SHA-256 of the file's first min(offset, HEAD_BYTES) bytes: which file this is, even after gzip. */
  head: string;
  headLength: number;
  /** Lines before offset (for line numbers in problems). */
  lines: number;
}

export interface TailOptions {
  /** Stop once everything present has been read (instead of following). */
  once?: boolean;
  signal?: AbortSignal;
  pollMs?: number;
  batchEvents?: number;
  batchBytes?: number;
  /** Longest a read event waits for its batch to fill before it is committed. */
  maxDelayMs?: number;
  onProblem?: (p: IngestProblem) => void;
  onCommit?: (c: { committed: number; duplicates: number; size: number; file: string; offset: number }) => void;
  onNote?: (message: string) => void;
}

export interface TailSummary {
  committed: number;
  duplicates: number;
  withoutKey: number;
  bad: number;
  rotations: number;
}

function sha(b: Uint8Array): string {
  return createHash('sha256').update(b).digest('hex');
}

function readHead(fd: number, length: number): Buffer {
  const b = Buffer.alloc(length);
  const n = length === 0 ? 0 : readSync(fd, b, 0, length, 0);
  return b.subarray(0, n);
}

/** One source being read: an open descriptor (plain file) or a buffer (a gzipped backup). */
interface Source {
  name: string;
  fd: number | null;
  data: Buffer | null;
  dev: number;
  ino: number;
  offset: number;
  lines: number;
  head: Buffer;
}

function openSource(path: string, offset: number, lines: number): Source {
  const fd = openSync(path, 'r');
  const st = fstatSync(fd);
  return { name: path, fd, data: null, dev: st.dev, ino: st.ino, offset, lines, head: readHead(fd, Math.min(HEAD_BYTES, st.size)) };
}

function sourceSize(s: Source): number {
  return s.fd !== null ? fstatSync(s.fd).size : s.data!.length;
}

function readAt(s: Source, pos: number, length: number): Buffer {
  if (s.data !== null) return s.data.subarray(pos, pos + length);
  const b = Buffer.alloc(length);
  const n = readSync(s.fd!, b, 0, length, pos);
  return b.subarray(0, n);
}

function closeSource(s: Source | null): void {
  if (s?.fd != null) closeSync(s.fd);
}

/** Rotated backups of `path` (audit.log → audit-<timestamp>.log[.gz]), oldest first. */
export function rotatedBackups(path: string): string[] {
  const dir = dirname(path);
  const name = basename(path);
  const dot = name.lastIndexOf('.');
  const stem = dot > 0 ? name.slice(0, dot) : name;
  const ext = dot > 0 ? name.slice(dot) : '';
  const re = new RegExp(`^${stem.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}-\\d{4}-\\d\\d-\\d\\dT\\d\\d-\\d\\d-\\d\\d\\.\\d{3}${ext.replace(/\./g, '\\.')}(\\.gz)?$`);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => re.test(f))
    .sort()
    .map((f) => join(dir, f));
}

export class LogTailer {
  readonly #store: Store;
  readonly #path: string;
  readonly #opts: TailOptions;
  readonly #statePath: string;
  #pending: PendingWithKey[] = [];
  #pendingBytes = 0;
  #pendingSince = 0;
  readonly summary: TailSummary = { committed: 0, duplicates: 0, withoutKey: 0, bad: 0, rotations: 0 };

  constructor(store: Store, path: string, opts: TailOptions = {}) {
    this.#store = store;
    this.#path = path;
    this.#opts = opts;
    this.#statePath = join(store.dir, TAIL_STATE_FILE);
  }

  #loadState(): TailState | null {
    if (!existsSync(this.#statePath)) return null;
    try {
      const s = JSON.parse(readFileSync(this.#statePath, 'utf8')) as TailState;
      return s.path === this.#path ? s : null;
    } catch {
      this.#opts.onNote?.(`${this.#statePath} is unreadable; starting from the beginning (dedupe drops what was already stored)`);
      return null;
    }
  }

  #saveState(source: Source, offset: number, lines: number): void {
    const headLength = Math.min(offset, HEAD_BYTES, source.head.length);
    const state: TailState = { path: this.#path, dev: source.dev, ino: source.ino, offset, head: sha(source.head.subarray(0, headLength)), headLength, lines };
    writeFileAtomic(this.#store.dir, TAIL_STATE_FILE, `${JSON.stringify(state)}\n`, 0o600);
  }

  /**
   * The file a position belongs to after it left the path: a rotated backup (lumberjack's
   * audit-<time>.log, plain by inode or gzipped by content) or a copy logrotate made
   * before truncating (audit.log.1, audit.log-<date>, possibly gzipped), recognised by
   * the hash of its first bytes and being at least `offset` long.
   */
  #findRotated(want: { dev: number; ino: number; head: string; headLength: number; offset: number; lines: number }): Source | null {
    const dir = dirname(this.#path);
    const name = basename(this.#path);
    const candidates = existsSync(dir)
      ? [...new Set([...rotatedBackups(this.#path).reverse(), ...readdirSync(dir).filter((f) => f !== name && f.startsWith(name)).map((f) => join(dir, f))])]
      : [];
    for (const p of candidates) {
      if (p.endsWith('.gz')) {
        let data: Buffer;
        try {
          data = gunzipSync(readFileSync(p));
        } catch {
          continue;
        }
        if (data.length >= want.offset && sha(data.subarray(0, want.headLength)) === want.head) {
          return { name: p, fd: null, data, dev: -1, ino: -1, offset: want.offset, lines: want.lines, head: data.subarray(0, HEAD_BYTES) };
        }
      } else {
        let s: Source;
        try {
          s = openSource(p, want.offset, want.lines);
        } catch {
          continue;
        }
        const sameFile = s.ino === want.ino && s.dev === want.dev;
        if ((sameFile || sourceSize(s) >= want.offset) && sha(s.head.subarray(0, want.headLength)) === want.head) return s;
        closeSource(s);
      }
    }
    return null;
  }

  /** Reads the complete lines from the source's offset to its end. */
  async #drain(source: Source, final: boolean): Promise<void> {
    const CHUNK = 1 << 20;
    // The line a read ended in the middle of: kept as pieces and joined once it ends (a
    // long line was copied again at every read); past MAX_EVENT_BYTES only counted.
    const partial = new PartialLine(MAX_EVENT_BYTES);
    let pos = source.offset;
    for (;;) {
      const size = sourceSize(source);
      if (pos >= size) break;
      const chunk = readAt(source, pos, Math.min(CHUNK, size - pos));
      if (chunk.length === 0) break;
      let buf = chunk;
      let bufStart = pos;
      pos += chunk.length;
      if (partial.length > 0) {
        const done = partial.completeFrom(chunk);
        if (done === null) continue;
        bufStart += chunk.length - done.rest.length;
        await this.#line(source, done.line.oversize ?? done.line.bytes, bufStart);
        buf = done.rest;
      }
      if (bufStart === 0 && buf.length >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) {
        buf = buf.subarray(3);
        bufStart = 3;
        source.offset = 3;
      }
      let start = 0;
      for (;;) {
        const nl = buf.indexOf(0x0a, start);
        if (nl < 0) break;
        const end = nl > start && buf[nl - 1] === 0x0d ? nl - 1 : nl;
        await this.#line(source, buf.subarray(start, end), bufStart + nl + 1);
        start = nl + 1;
      }
      if (start < buf.length) partial.add(buf.subarray(start));
    }
    // A last line without its newline: complete only when the file will not grow again.
    if (final && partial.length > 0) {
      const whole = partial.take(Buffer.alloc(0));
      await this.#line(source, whole.oversize ?? whole.bytes, pos);
    }
    await this.#maybeFlush(final);
  }

  /** One line: its bytes, or only its length when it is longer than an event may be (a bad line). */
  async #line(source: Source, bytes: Buffer | number, endOffset: number): Promise<void> {
    source.lines++;
    source.offset = endOffset;
    const length = typeof bytes === 'number' ? bytes : bytes.length;
    if (typeof bytes === 'number' || length > MAX_EVENT_BYTES) {
      this.#problem(source, lineTooLong(length, MAX_EVENT_BYTES));
      this.#mark = { source, offset: endOffset, lines: source.lines };
      return;
    }
    const fast = isBlank(bytes) ? null : toPendingFast(Buffer.from(bytes));
    if (fast !== null) {
      if (this.#pending.length === 0) this.#pendingSince = Date.now();
      this.#pending.push(fast);
      this.#pendingBytes += bytes.length;
    } else if (!isBlank(bytes)) {
      let value: unknown;
      try {
        value = JSON.parse(bytes.toString('utf8'));
      } catch (err) {
        this.#problem(source, `not JSON: ${(err as Error).message}`);
        value = undefined;
      }
      if (value !== undefined) {
        const shape = classifyAuditJSON(value);
        if (shape.kind === 'event') {
          if (this.#pending.length === 0) this.#pendingSince = Date.now();
          this.#pending.push(toPending(Buffer.from(bytes), value));
          this.#pendingBytes += bytes.length;
        } else this.#problem(source, shape.kind === 'not-event' ? shape.reason : 'an EventList on one line; kube-apiserver writes one event per line');
      }
    }
    this.#mark = { source, offset: endOffset, lines: source.lines };
    if (this.#pending.length >= (this.#opts.batchEvents ?? 4096) || this.#pendingBytes >= (this.#opts.batchBytes ?? 4 * 1024 * 1024)) await this.#flush();
  }

  /** The end of the last line read; once nothing is pending, everything before it is committed. */
  #mark: { source: Source; offset: number; lines: number } | null = null;

  #problem(source: Source, message: string): void {
    this.summary.bad++;
    this.#opts.onProblem?.({ file: source.name, line: source.lines, column: 1, message });
  }

  async #maybeFlush(force: boolean): Promise<void> {
    if (force || (this.#pending.length > 0 && Date.now() - this.#pendingSince >= (this.#opts.maxDelayMs ?? 50))) await this.#flush();
    else if (this.#pending.length === 0 && this.#mark !== null) this.#savePosition();
  }

  #lastSaved = '';

  #savePosition(): void {
    const m = this.#mark;
    if (m === null) return;
    const key = `${m.source.ino}:${m.source.name}:${m.offset}`;
    if (key === this.#lastSaved || m.source.fd === null) return;
    this.#saveState(m.source, m.offset, m.lines);
    this.#lastSaved = key;
  }

  async #flush(): Promise<void> {
    const batch = this.#pending;
    this.#pending = [];
    this.#pendingBytes = 0;
    if (batch.length > 0) {
      const r = await commitPending(this.#store, batch);
      this.summary.committed += r.committed;
      this.summary.duplicates += r.duplicates;
      this.summary.withoutKey += r.withoutKey;
      this.#opts.onCommit?.({ committed: r.committed, duplicates: r.duplicates, size: r.size, file: this.#mark?.source.name ?? this.#path, offset: this.#mark?.offset ?? 0 });
    }
    // Committed (durable and signed) before the position moves: a crash re-reads, never skips.
    this.#savePosition();
  }

  async run(): Promise<TailSummary> {
    const poll = this.#opts.pollMs ?? 200;
    const state = this.#loadState();
    let current: Source | null = null;
    if (state !== null && existsSync(this.#path)) {
      const st = statSync(this.#path);
      if (st.ino === state.ino && st.dev === state.dev) {
        const s = openSource(this.#path, state.offset, state.lines);
        if (st.size >= state.offset && sha(s.head.subarray(0, state.headLength)) === state.head) current = s;
        else {
          closeSource(s);
          const copy = this.#findRotated({ ...state, dev: -1, ino: -1 });
          if (copy !== null) {
            this.#opts.onNote?.(`${this.#path} was truncated since the saved position; reading the rest from its copy ${copy.name}`);
            await this.#drain(copy, true);
            closeSource(copy);
          } else this.#opts.onNote?.(`${this.#path} was truncated or replaced since the saved position; reading it from the start`);
        }
      } else {
        const old = this.#findRotated(state);
        if (old !== null) {
          this.#opts.onNote?.(`resuming in the rotated ${old.name} at byte ${state.offset}`);
          await this.#drain(old, true);
          closeSource(old);
          this.summary.rotations++;
        } else this.#opts.onNote?.(`the file of the saved position (${this.#path} at byte ${state.offset}) is gone; reading ${this.#path} from the start (dedupe drops repeats)`);
      }
    }
    try {
      for (;;) {
        if (current === null) {
          if (existsSync(this.#path)) current = openSource(this.#path, 0, 0);
          else if (this.#opts.once) break;
        }
        if (current !== null) {
          await this.#drain(current, false);
          // Rotation: a new file at the path (rename), or this one truncated (copytruncate).
          let rotated = false;
          let now: ReturnType<typeof statSync> | null = null;
          try {
            now = statSync(this.#path);
          } catch {
            now = null;
          }
          if (now !== null && (now.ino !== current.ino || now.dev !== current.dev)) {
            await this.#drain(current, true); // whatever was written before the rename
            rotated = true;
          } else if (now !== null && now.size < current.offset) {
            // copytruncate: what was written after our last read is only in the copy.
            const headLength = Math.min(current.offset, HEAD_BYTES, current.head.length);
            const copy = this.#findRotated({ dev: -1, ino: -1, head: sha(current.head.subarray(0, headLength)), headLength, offset: current.offset, lines: current.lines });
            if (copy !== null) {
              await this.#drain(copy, true);
              closeSource(copy);
            } else this.#opts.onNote?.(`${this.#path} was truncated (copytruncate) at byte ${current.offset} and no copy of it was found; lines written just before may be missing`);
            rotated = true;
          }
          if (rotated) {
            await this.#flush();
            closeSource(current);
            current = null;
            this.summary.rotations++;
            continue;
          }
        }
        if (this.#opts.once) {
          if (current !== null) await this.#drain(current, true);
          break;
        }
        if (this.#opts.signal?.aborted) break;
        await new Promise((r) => setTimeout(r, poll));
        if (this.#opts.signal?.aborted) break;
      }
      await this.#flush();
    } finally {
      closeSource(current);
    }
    return this.summary;
  }
}
