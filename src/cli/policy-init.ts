/** `kubetrail policy init`: print a preset policy to start from. */
import type { Command } from 'commander';
import { parse as parseYAML } from 'yaml';
import { isPresetName, PRESET_DESCRIPTIONS, PRESET_NAMES, presetPolicyText } from '../audit/policy/presets/index.js';
import { EXIT_OK, parseOutputFormat, UsageError, write, type CliContext } from './context.js';

export function registerInitCommand(policy: Command, ctx: CliContext): void {
  policy
    .command('init')
    .description(`print a ready-made policy, every rule commented with why (presets: ${PRESET_NAMES.join(', ')})`)
    .option('--preset <name>', `one of ${PRESET_NAMES.join(', ')}`)
    .option('--list', 'list the presets with a one-line description')
    .option('-o, --output <format>', 'yaml (commented, the default) or json', 'yaml')
    .action(async (opts: { preset?: string; list?: boolean; output: string }) => {
      const format = parseOutputFormat(opts.output, ['yaml', 'json']);
      if (opts.list) {
        const width = Math.max(...PRESET_NAMES.map((n) => n.length));
        await write(ctx.out, PRESET_NAMES.map((n) => `${n.padEnd(width)}  ${PRESET_DESCRIPTIONS[n]}\n`).join(''));
        ctx.exitCode = EXIT_OK;
        return;
      }
      if (opts.preset === undefined) throw new UsageError(`policy init: give --preset NAME (${PRESET_NAMES.join(', ')}) or --list`);
      if (!isPresetName(opts.preset)) throw new UsageError(`--preset ${opts.preset}: no such preset; use one of ${PRESET_NAMES.join(', ')}`);
      const text = presetPolicyText(opts.preset);
      await write(ctx.out, format === 'json' ? `${JSON.stringify(parseYAML(text), null, 2)}\n` : text);
      ctx.exitCode = EXIT_OK;
    });
}
