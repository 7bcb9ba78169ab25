import type { Command } from 'commander';
import type { CliContext } from './context.js';

/** Placeholder until the linter lands: registers nothing. */
export function registerLintCommand(_policy: Command, _ctx: CliContext): void {}
