/** `kubetrail who` and `kubetrail history`: answers about one object, on one screen (src/query). */
import type { Command } from 'commander';
import { normaliseVerb, objectHistory, parseObject, whoDid, WhoArgumentError, type WhoAnswer } from '../query/index.js';
import { openRecordSource, type RecordSourceFlags } from './record-source.js';
import { EXIT_NEGATIVE, EXIT_OK, UsageError, parseOutputFormat, write, type CliContext } from './context.js';
import { withStoreErrors } from './store-access.js';

const PAST_TENSE: Record<string, string> = { create: 'created', delete: 'deleted', update: 'updated', patch: 'patched', get: 'read', list: 'listed', watch: 'watched', deletecollection: 'deleted (collection)' };

/** Argument errors as usage errors (exit 2). */
function parsed<T>(parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    if (err instanceof WhoArgumentError) throw new UsageError(err.message);
    throw err;
  }
}

function objectText(o: { resource: string; subresource: string | null; name: string }, ns?: string): string {
  return `${o.resource}${o.subresource ? `/${o.subresource}` : ''}/${o.name}${ns ? ` in ${ns}` : ''}`;
}

function renderAnswer(a: WhoAnswer): string {
  const who = `${a.user ?? '(unauthenticated)'}${a.groups.length ? ` (groups: ${a.groups.join(', ')})` : ''}`;
  const lines = [
    `  ${a.time ?? '(no time)'}  ${who}${a.impersonatedUser ? `\n    acting as ${a.impersonatedUser} (impersonation)` : ''}`,
    `    from ${a.sourceIPs.join(', ') || '(no source IP)'}${a.userAgent ? ` using ${a.userAgent}` : ''}`,
    `    result ${a.code ?? '(none)'}${a.decision ? ` · authorization ${a.decision}${a.reason ? `: ${a.reason}` : ''}` : ''}`,
    `    auditID ${a.auditID ?? '(none)'} · event ${a.leaf} (${a.stage ?? 'no stage'})`,
  ];
  return `${lines.join('\n')}\n`;
}

export function registerForensicsCommands(program: Command, ctx: CliContext): void {
  program
    .command('who')
    .description('who did VERB to RESOURCE/NAME: as whom, when, from where, with what result and why it was allowed (exit 1 when nothing matches)')
    .argument('<verb>', 'create, delete, patch, … or created, deleted, patched, …')
    .argument('<object>', 'RESOURCE/NAME (pod/web-1, deploy/api, secret/db) or RESOURCE/SUBRESOURCE/NAME (pods/exec/web-1)')
    .option('--store <dir>', 'the store directory')
    .option('--log <files...>', 'audit log files instead of a store (read into a temporary index; slower)')
    .option('-n, --namespace <ns>', 'the object\'s namespace')
    .option('-o, --output <format>', 'text or json', 'text')
    .action(async (verbText: string, objectArg: string, opts: RecordSourceFlags & { namespace?: string; output: string }) => {
      const format = parseOutputFormat(opts.output, ['text', 'json']);
      const verb = parsed(() => normaliseVerb(verbText));
      const obj = parsed(() => parseObject(objectArg));
      await withStoreErrors(ctx, async () => {
        const source = await openRecordSource(ctx, opts);
        const store = source.store;
        try {
          const answers = await whoDid(store, { verb, ...obj, namespace: opts.namespace });
          if (format === 'json') await write(ctx.out, `${JSON.stringify({ verb, ...obj, namespace: opts.namespace ?? null, requests: answers })}\n`);
          else if (answers.length === 0) await write(ctx.out, `nobody ${PAST_TENSE[verb] ?? verb} ${objectText(obj, opts.namespace)}: no such request among the ${store.size} events in ${source.name}${opts.namespace ? '' : ' (give -n NAMESPACE for a namespaced object)'}\n`);
          else await write(ctx.out, `${objectText(obj, opts.namespace)} was ${PAST_TENSE[verb] ?? verb} ${answers.length === 1 ? 'once' : `${answers.length} times (newest first)`}:\n${answers.map(renderAnswer).join('')}`);
          ctx.exitCode = answers.length > 0 ? EXIT_OK : EXIT_NEGATIVE;
        } finally {
          await source.close();
        }
      });
    });

  program
    .command('history')
    .description('every event touching one object, oldest first, with what changed between the versions the log recorded')
    .argument('<object>', 'RESOURCE/NAME, e.g. deploy/api')
    .option('--store <dir>', 'the store directory')
    .option('--log <files...>', 'audit log files instead of a store (read into a temporary index; slower)')
    .option('-n, --namespace <ns>', 'the object\'s namespace')
    .option('-o, --output <format>', 'text or json', 'text')
    .action(async (objectArg: string, opts: RecordSourceFlags & { namespace?: string; output: string }) => {
      const format = parseOutputFormat(opts.output, ['text', 'json']);
      const obj = parsed(() => parseObject(objectArg));
      await withStoreErrors(ctx, async () => {
        const source = await openRecordSource(ctx, opts);
        const store = source.store;
        try {
          const entries = await objectHistory(store, { resource: obj.resource, name: obj.name, namespace: opts.namespace });
          if (format === 'json') await write(ctx.out, `${JSON.stringify({ resource: obj.resource, name: obj.name, namespace: opts.namespace ?? null, entries })}\n`);
          else if (entries.length === 0) await write(ctx.out, `no event touches ${objectText(obj, opts.namespace)} among the ${store.size} events in ${source.name}\n`);
          else {
            let text = `${objectText(obj, opts.namespace)}: ${entries.length} events, oldest first\n`;
            for (const e of entries) {
              text += `${e.time ?? ''}  ${e.user ?? '(unauthenticated)'}${e.impersonatedUser ? ` → ${e.impersonatedUser}` : ''}  ${e.verb}${e.subresource ? `/${e.subresource}` : ''}  ${e.code ?? ''}  (event ${e.leaf})\n`;
              for (const c of e.changes) text += `    ${c.path}: ${c.from === undefined ? '∅' : JSON.stringify(c.from)} → ${c.to === undefined ? '∅' : JSON.stringify(c.to)}\n`;
            }
            await write(ctx.out, text);
          }
          ctx.exitCode = entries.length > 0 ? EXIT_OK : EXIT_NEGATIVE;
        } finally {
          await source.close();
        }
      });
    });
}
