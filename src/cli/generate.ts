/** `kubetrail generate`: realistic audit.log lines on stdout, through an audit policy, deterministic per seed. */
import { availableParallelism } from 'node:os';
import type { Writable } from 'node:stream';
import type { Command } from 'commander';
import { loadPolicy } from '../audit/policy/index.js';
import { presetPolicyText } from '../audit/policy/presets/index.js';
import type { Policy } from '../audit/types.js';
import { DEFAULT_RATE, DEFAULT_START, NothingToLogError, planLog, streamLog } from '../generate/index.js';
import { EXIT_NEGATIVE, EXIT_OK, UsageError, type CliContext } from './context.js';
import { loadPolicyForUse } from './policy-input.js';

export interface GenerateArguments {
  events: number;
  seed: number;
  startUs: number;
  rate: number;
  workers: number;
  policyFile: string | null;
}

const MAX_EVENTS = 1e12;
const MAX_RATE = 1e6;

/** Parses the command's options into plain data, refusing anything kubetrail would have to guess about. */
export function parseGenerateArguments(opts: { events: string; seed: string; start: string; rate: string; workers?: string; policy?: string }): GenerateArguments {
  const events = wholeNumber('--events', opts.events, MAX_EVENTS, 'a number of events');
  const seed = wholeNumber('--seed', opts.seed, Number.MAX_SAFE_INTEGER, 'a seed');
  const rate = Number(opts.rate);
  if (!/^\s*\d+(\.\d+)?\s*$/.test(opts.rate) || !(rate > 0) || rate > MAX_RATE) {
    throw new UsageError(`--rate ${JSON.stringify(opts.rate)}: expected events per second, a number above 0 and at most ${MAX_RATE} (e.g. --rate 200)`);
  }
  const workers = opts.workers === undefined ? (events < 50_000 ? 0 : availableParallelism()) : wholeNumber('--workers', opts.workers, 256, 'a number of worker threads');
  return { events, seed, startUs: parseStart(opts.start), rate, workers, policyFile: opts.policy ?? null };
}

function wholeNumber(flag: string, text: string, max: number, what: string): number {
  const trimmed = text.trim().replace(/_/g, '');
  const n = Number(trimmed);
  if (!/^\d+$/.test(trimmed) || !Number.isSafeInteger(n) || n > max) {
    throw new UsageError(`${flag} ${JSON.stringify(text)}: expected ${what}, a whole number from 0 to ${max}`);
  }
  return n;
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/** An RFC 3339 time, to the microsecond, as microseconds since the epoch. */
export function parseStart(text: string): number {
  const m = RFC3339.exec(text.trim());
  const fail = () => new UsageError(`--start ${JSON.stringify(text)}: expected an RFC 3339 time such as ${DEFAULT_START} or 2026-11-23T10:00:00.123456+01:00`);
  if (!m) throw fail();
  const [, y, mo, d, h, mi, s, frac = '', zone] = m;
  const ms = Date.parse(`${y}-${mo}-${d}T${h}:${mi}:${s}${zone.toUpperCase()}`);
  const day = new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d)));
  if (Number.isNaN(ms) || day.getUTCDate() !== Number(d) || Number(h) > 23 || Number(mi) > 59 || Number(s) > 59 || Number(y) < 1970) throw fail();
  const micros = frac === '' ? 0 : Number(frac.slice(1, 7).padEnd(6, '0'));
  return ms * 1000 + micros;
}

async function policyFor(ctx: CliContext, file: string | null): Promise<Policy | null> {
  if (file !== null) {
    const loaded = await loadPolicyForUse(ctx, file);
    return loaded === null ? null : loaded.policy;
  }
  const loaded = loadPolicy(presetPolicyText('recommended'), { strict: false });
  if (loaded.policy === null || !loaded.loadable) throw new Error('the recommended preset does not load');
  return loaded.policy;
}

/**
 * Writes to a stream with backpressure and notices a reader that went away (EPIPE on
 * `| head`): after any write error every later write is dropped and `stopped` is true,
 * so generation ends instead of running on. The error listener stays attached for the
 * life of the process, so a late EPIPE cannot surface as an uncaught error.
 */
function pipeWriter(out: Writable): { write: (chunk: Uint8Array) => Promise<void>; stopped: () => boolean; error: () => NodeJS.ErrnoException | null } {
  let failure: NodeJS.ErrnoException | null = null;
  out.on('error', (err: NodeJS.ErrnoException) => {
    failure ??= err;
  });
  const write = (chunk: Uint8Array) =>
    new Promise<void>((resolve) => {
      if (failure !== null || out.destroyed) return resolve();
      if (out.write(chunk)) return resolve();
      const done = () => {
        out.off('drain', done);
        out.off('close', done);
        out.off('error', done);
        resolve();
      };
      out.on('drain', done);
      out.on('close', done);
      out.on('error', done);
    });
  return { write, stopped: () => failure !== null || out.destroyed, error: () => failure };
}

/** The reader closed the pipe (`| head`): not a failure. */
function readerWentAway(err: NodeJS.ErrnoException): boolean {
  return err.code === 'EPIPE' || err.code === 'ERR_STREAM_DESTROYED' || err.code === 'ECONNRESET';
}

export function registerGenerateCommand(program: Command, ctx: CliContext): void {
  program
    .command('generate')
    .description('write realistic kube-apiserver audit.log lines to stdout, produced through an audit policy; the same arguments give the same bytes')
    .requiredOption('--events <n>', 'how many events (lines) to write')
    .option('--seed <n>', 'seed of the synthetic cluster and its traffic', '1')
    .option('--policy <file>', 'audit policy the traffic is logged through (default: the recommended preset)')
    .option('--start <time>', 'RFC 3339 time the log starts at', DEFAULT_START)
    .option('--rate <n>', 'events per second, on average', String(DEFAULT_RATE))
    .option('--workers <n>', 'worker threads (default: one per core for large logs; 0 = none); the output does not depend on it')
    .action(async (opts: { events: string; seed: string; start: string; rate: string; workers?: string; policy?: string }) => {
      const args = parseGenerateArguments(opts);
      const policy = await policyFor(ctx, args.policyFile);
      if (policy === null) {
        ctx.exitCode = EXIT_NEGATIVE;
        return;
      }
      let config;
      try {
        config = planLog({ seed: args.seed, startUs: args.startUs, rate: args.rate, policy });
      } catch (err) {
        if (err instanceof NothingToLogError) throw new UsageError(`${args.policyFile ?? 'the policy'}: ${err.message}; nothing to generate`);
        throw err;
      }
      const out = pipeWriter(ctx.out);
      await streamLog({ config, events: args.events, workers: args.workers, write: out.write, stopped: out.stopped });
      const failure = out.error();
      if (failure !== null && !readerWentAway(failure)) throw new UsageError(`cannot write the output: ${failure.message}`);
      ctx.exitCode = EXIT_OK;
    });
}
