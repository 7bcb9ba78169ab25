import type { Command } from 'commander';
import type { CliContext } from './context.js';

/** Placeholder until the presets land: registers nothing. */
export function registerInitCommand(_policy: Command, _ctx: CliContext): void {}
