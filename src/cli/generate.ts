import type { Command } from 'commander';
import type { CliContext } from './context.js';

/** Placeholder until the generator lands: registers nothing. */
export function registerGenerateCommand(_program: Command, _ctx: CliContext): void {}
