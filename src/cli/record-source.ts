/**
 * Where the forensics commands read from: a store (fast, indexed), or audit log files
 * (`--log`), which are read into a temporary store first, so both give the same answers
 * from the same engine, only slower for logs, before anything was ingested.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// The store module itself, not the barrel: a question to a store need not load verify and retention.
import { createStoreKeys, openStore, type Store } from '../store/store.js';
import { UsageError, diagnostic, type CliContext } from './context.js';

export interface RecordSourceFlags {
  store?: string;
  log?: string[];
}

export interface OpenedSource {
  store: Store;
  /** What to call it in messages. */
  name: string;
  close(): Promise<void>;
}

export async function openRecordSource(ctx: CliContext, flags: RecordSourceFlags): Promise<OpenedSource> {
  if ((flags.store === undefined) === (flags.log === undefined)) throw new UsageError('give --store DIR or --log FILE... (one of them)');
  if (flags.store !== undefined) {
    const store = await openStore(flags.store);
    return { store, name: flags.store, close: () => store.close() };
  }
  // Loaded only for --log: a question to a store should start fast.
  const { ingestFiles, orderLogFiles } = await import('../ingest/index.js');
  const files = orderLogFiles(flags.log!);
  ctx.err.write(`kubetrail: reading ${files.length} log file(s) into a temporary index (a store answers faster: kubetrail ingest)\n`);
  const dir = mkdtempSync(join(tmpdir(), 'kubetrail-logs-'));
  try {
    createStoreKeys(join(dir, 'store'), 'localhost/kubetrail-logs', join(dir, 'signing.key'));
    const store = await openStore(join(dir, 'store'), { signingKey: readFileSync(join(dir, 'signing.key'), 'utf8') });
    await ingestFiles(store, files, { onProblem: (p) => ctx.err.write(diagnostic(p.file, p.line, p.column, p.message)) });
    return {
      store,
      name: files.join(', '),
      close: async () => {
        await store.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}
