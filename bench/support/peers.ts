/**
 * The tools users run today, installed on demand for the benchmarks that compare against
 * them: jq from Debian's packages, DuckDB's Node.js API from the npm registry into a
 * cache beside the checkout (never a dependency of kubetrail itself).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const CACHE = join(process.cwd(), '.bench-deps');

/** The path of jq, installing Debian's package when it is missing; null when that fails. */
export function ensureJq(): string | null {
  const found = spawnSync('sh', ['-c', 'command -v jq'], { encoding: 'utf8' });
  if (found.status === 0) return found.stdout.trim();
  const install = spawnSync('sh', ['-c', 'apt-get install -y -q jq >/dev/null 2>&1 || (apt-get update -q >/dev/null 2>&1 && apt-get install -y -q jq >/dev/null 2>&1)']);
  if (install.status !== 0) return null;
  return spawnSync('sh', ['-c', 'command -v jq'], { encoding: 'utf8' }).stdout.trim() || null;
}

/** A DuckDB instance in memory, from @duckdb/node-api installed into the cache; null when it cannot be had. */
export async function openDuckDB(): Promise<{ run: (sql: string) => Promise<Record<string, unknown>[]> } | null> {
  try {
    if (!existsSync(join(CACHE, 'node_modules', '@duckdb', 'node-api'))) {
      mkdirSync(CACHE, { recursive: true });
      execFileSync('npm', ['install', '--no-save', '--no-audit', '--no-fund', '--prefix', CACHE, '@duckdb/node-api'], { stdio: 'ignore' });
    }
    const require = createRequire(join(CACHE, 'node_modules', 'x.js'));
    const { DuckDBInstance } = (await import(require.resolve('@duckdb/node-api'))) as {
      DuckDBInstance: { create: (path: string) => Promise<{ connect: () => Promise<{ runAndReadAll: (sql: string) => Promise<{ getRowObjectsJson: () => Record<string, unknown>[] }> }> }> };
    };
    const con = await (await DuckDBInstance.create(':memory:')).connect();
    return { run: async (sql) => (await con.runAndReadAll(sql)).getRowObjectsJson() };
  } catch (err) {
    process.stderr.write(`DuckDB is not available: ${(err as Error).message}\n`);
    return null;
  }
}

/** Markdown table of rows. */
export function table(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map((_, i) => (i === 0 ? '---' : '---:'))), ...rows.map(line)].join('\n');
}

/**
 * The first `bytes` of a log (whole lines) copied to `out`, for the tools too slow to read
 * all of it in a run (jq); returns the bytes copied, to scale their time to the whole file.
 */
export function writePrefix(log: string, size: number, bytes: number, out: string): number {
  const want = Math.min(size, bytes);
  const head = Buffer.alloc(want);
  const fd = openSync(log, 'r');
  const got = readSync(fd, head, 0, want, 0);
  closeSync(fd);
  const cut = got === size ? got : head.lastIndexOf(0x0a, got - 1) + 1;
  writeFileSync(out, head.subarray(0, cut));
  return cut;
}
