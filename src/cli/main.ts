/**
 * kubetrail's command line: a thin shell. Each command group registers itself from
 * its own file; main() turns every failure into an exit code and a one-line message,
 * never a stack trace (KUBETRAIL_DEBUG=1 shows one for an internal error).
 */
import { Command, CommanderError } from 'commander';
import { EXIT_ERROR, UsageError, type CliContext } from './context.js';
import { VERSION } from './version.js';

type Register = (program: Command, ctx: CliContext) => void;

/**
 * Each command group with the commands it registers and how to load it. Only the group a
 * command line names is loaded: a `who` need not load the policy linter, the manifest
 * patcher and the generator first (loading every module costs more than answering).
 */
const GROUPS: ReadonlyArray<{ commands: readonly string[]; load: () => Promise<Register> }> = [
  { commands: ['policy'], load: async () => (await import('./policy.js')).registerPolicyCommands },
  { commands: ['generate'], load: async () => (await import('./generate.js')).registerGenerateCommand },
  { commands: ['keygen', 'ingest', 'verify', 'reindex'], load: async () => (await import('./store.js')).registerStoreCommands },
  { commands: ['query'], load: async () => (await import('./query.js')).registerQueryCommand },
  { commands: ['prune'], load: async () => (await import('./prune.js')).registerPruneCommand },
  { commands: ['enable', 'disable', 'rollback'], load: async () => (await import('./enable.js')).registerEnableCommands },
  { commands: ['status', 'doctor'], load: async () => (await import('./status.js')).registerStatusCommands },
  { commands: ['render'], load: async () => (await import('./render.js')).registerRenderCommand },
  { commands: ['serve', 'webhook-config'], load: async () => (await import('./serve.js')).registerServeCommands },
  { commands: ['prove', 'verify-proof'], load: async () => (await import('./prove.js')).registerProveCommands },
  { commands: ['tail'], load: async () => (await import('./tail.js')).registerTailCommand },
  { commands: ['who', 'history'], load: async () => (await import('./forensics.js')).registerForensicsCommands },
  { commands: ['stats'], load: async () => (await import('./stats.js')).registerStatsCommand },
  { commands: ['tour'], load: async () => (await import('./tour.js')).registerTourCommand },
];

/** The program with the groups that `argv` may need: the one its command names, or all (help, errors). */
export async function buildProgram(ctx: CliContext, argv: readonly string[] = []): Promise<Command> {
  const program = new Command('kubetrail')
    .description('Kubernetes API-server auditing, end to end: policies that are right, audit turned on safely, a tamper-evident record, answers in milliseconds.')
    .version(VERSION, '--version', 'print the version')
    .showSuggestionAfterError(true)
    .configureOutput({
      writeOut: (s) => ctx.out.write(s),
      writeErr: (s) => ctx.err.write(s),
      outputError: (s, write) => write(s.startsWith('error: ') ? `kubetrail: ${s.slice(7)}` : s),
    })
    .exitOverride();
  const named = GROUPS.find((g) => g.commands.includes(argv[0] ?? ''));
  // `--version` alone needs no command (loading them all took longer than Node's start).
  const groups = named !== undefined ? [named] : argv.length === 1 && argv[0] === '--version' ? [] : GROUPS;
  for (const group of groups) (await group.load())(program, ctx);
  for (const command of allCommands(program)) {
    command.exitOverride().configureOutput(program.configureOutput()).showSuggestionAfterError(true);
  }
  return program;
}

function allCommands(command: Command): Command[] {
  return command.commands.flatMap((c) => [c, ...allCommands(c)]);
}

/** Runs one command line and returns its exit code. */
export async function main(argv: string[], ctx: CliContext = { out: process.stdout, err: process.stderr, exitCode: 0 }): Promise<number> {
  const program = await buildProgram(ctx, argv);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return ctx.exitCode;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end here too, with code 0.
      return err.exitCode === 0 ? 0 : EXIT_ERROR;
    }
    if (err instanceof UsageError) {
      ctx.err.write(`kubetrail: ${err.message}\n`);
      return EXIT_ERROR;
    }
    if ((err as NodeJS.ErrnoException)?.code === 'EPIPE') return ctx.exitCode;
    ctx.err.write(`kubetrail: internal error: ${(err as Error)?.message ?? String(err)}\n`);
    if (process.env.KUBETRAIL_DEBUG) ctx.err.write(`${(err as Error)?.stack}\n`);
    return EXIT_ERROR;
  }
}
