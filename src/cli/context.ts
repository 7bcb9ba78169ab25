/**
 * What every command shares: where results and diagnostics go, the exit code, and
 * the kubectl-dialect helpers (`--x=false`, `-o FORMAT`). process.exit and console
 * are used nowhere else; library code returns data and the commands render it.
 */
import type { Writable } from 'node:stream';

export interface CliContext {
  out: Writable;
  err: Writable;
  /** 0 done / valid / found; 1 a negative answer; 2 usage, I/O or internal error. */
  exitCode: number;
}

export const EXIT_OK = 0;
export const EXIT_NEGATIVE = 1;
export const EXIT_ERROR = 2;

/** A mistake in how the command was called, or an input it cannot read: exit 2 with this message. */
export class UsageError extends Error {
  readonly code = 'UsageError';
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Booleans as kubectl spells them: `--strict=false`, `--strict false`, `--strict`. */
export function parseBooleanFlag(name: string) {
  return function parseBoolean(value: string | undefined): boolean {
    if (value === undefined) return true;
    switch (value.toLowerCase()) {
      case 'true':
      case '1':
      case 't':
        return true;
      case 'false':
      case '0':
      case 'f':
        return false;
      default:
        throw new UsageError(`--${name}: invalid boolean "${value}" (use --${name}=true, --${name}=false or --no-${name})`);
    }
  };
}

export type OutputFormat = 'text' | 'json' | 'yaml' | 'jsonl' | 'sarif' | 'csv';

export function parseOutputFormat(value: string, allowed: readonly OutputFormat[]): OutputFormat {
  if ((allowed as readonly string[]).includes(value)) return value as OutputFormat;
  throw new UsageError(`-o ${value}: unknown output format; use one of ${allowed.join(', ')}`);
}

/** Writes and waits for the stream to drain, so large outputs keep memory flat. */
export async function write(stream: Writable, text: string): Promise<void> {
  if (!stream.write(text)) {
    await new Promise<void>((resolve, reject) => {
      const onDrain = () => {
        stream.off('error', onError);
        resolve();
      };
      const onError = (err: Error) => {
        stream.off('drain', onDrain);
        reject(err);
      };
      stream.once('drain', onDrain);
      stream.once('error', onError);
    });
  }
}

/** A diagnostic in the `file:line:column: message` form editors and CI annotators read. */
export function diagnostic(file: string, line: number, column: number, message: string): string {
  return `${file}:${line}:${column}: ${message}\n`;
}
