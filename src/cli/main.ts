/**
 * kubetrail's command line: a thin shell. Each command group registers itself from
 * its own file; main() turns every failure into an exit code and a one-line message,
 * never a stack trace (KUBETRAIL_DEBUG=1 shows one for an internal error).
 */
import { Command, CommanderError } from 'commander';
import { EXIT_ERROR, UsageError, type CliContext } from './context.js';
import { registerPolicyCommands } from './policy.js';
import { registerTourCommand } from './tour.js';
import { registerGenerateCommand } from './generate.js';
import { registerStoreCommands } from './store.js';
import { registerQueryCommand } from './query.js';
import { registerPruneCommand } from './prune.js';
import { registerEnableCommands } from './enable.js';
import { registerStatusCommands } from './status.js';
import { registerRenderCommand } from './render.js';
import { registerServeCommands } from './serve.js';
import { registerProveCommands } from './prove.js';
import { registerTailCommand } from './tail.js';
import { registerForensicsCommands } from './forensics.js';
import { registerStatsCommand } from './stats.js';
import { VERSION } from './version.js';

export function buildProgram(ctx: CliContext): Command {
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
  registerPolicyCommands(program, ctx);
  registerGenerateCommand(program, ctx);
  registerStoreCommands(program, ctx);
  registerQueryCommand(program, ctx);
  registerPruneCommand(program, ctx);
  registerEnableCommands(program, ctx);
  registerStatusCommands(program, ctx);
  registerRenderCommand(program, ctx);
  registerServeCommands(program, ctx);
  registerProveCommands(program, ctx);
  registerTailCommand(program, ctx);
  registerForensicsCommands(program, ctx);
  registerStatsCommand(program, ctx);
  registerTourCommand(program, ctx);
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
  const program = buildProgram(ctx);
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
