/** `kubetrail policy …`: validate, eval, explain, lint, init. */
import type { Command } from 'commander';
import { stringify as toYAML } from 'yaml';
import { attributesFromEvent, requestAttributesFromJSON, RequestAttributesError, type RequestAttributes } from '../audit/request.js';
import { classifyAuditJSON } from '../audit/events.js';
import { compilePolicy, explainPolicy, loadPolicy, policyFeatures, type AuditDecision, type CompiledPolicy } from '../audit/policy/index.js';
import type { AuditEvent } from '../audit/types.js';
import { EXIT_ERROR, EXIT_NEGATIVE, EXIT_OK, parseBooleanFlag, parseOutputFormat, UsageError, write, type CliContext } from './context.js';
import { JsonDepth, MAX_LINE_BYTES, readLines } from './lines.js';
import { lineTooLong } from '../ingest/lines.js';
import { kubernetesVersionOption, loadPolicyForUse, readPolicyBytes, reportIssues } from './policy-input.js';
import { registerLintCommand } from './policy-lint.js';
import { registerSimulateCommands } from './policy-simulate.js';
import { registerInitCommand } from './policy-init.js';

export function registerPolicyCommands(program: Command, ctx: CliContext): void {
  const policy = program.command('policy').description('write audit policies that are right: validate, evaluate, explain, lint, presets');

  policy
    .command('validate')
    .description('check a policy exactly as kube-apiserver loads it (exit 0 valid, 1 invalid, 2 unreadable)')
    .requiredOption('-f, --filename <file>', 'policy file (YAML or JSON; - for stdin)')
    .option('--strict [bool]', 'unknown and repeated fields are errors (kube-apiserver silently drops them); --strict=false: valid means exactly "kube-apiserver would load this file"', parseBooleanFlag('strict'), true)
    .option('--no-strict', 'same as --strict=false')
    .option('--kubernetes-version <version>', 'follow this release\'s behaviour (default: the newest, 1.36)')
    .option('-o, --output <format>', 'text|json|yaml', 'text')
    .action(async (opts: { filename: string; strict: boolean; kubernetesVersion?: string; output: string }) => {
      const format = parseOutputFormat(opts.output, ['text', 'json', 'yaml']);
      const kubernetesVersion = kubernetesVersionOption(opts.kubernetesVersion);
      const bytes = await readPolicyBytes(opts.filename);
      const result = loadPolicy(bytes, { strict: opts.strict, kubernetesVersion });
      reportIssues(ctx, opts.filename, result.errors, 'error');
      reportIssues(ctx, opts.filename, result.warnings, 'warning');
      const strip = (list: typeof result.errors) => list.map(({ field, message, line, column, code }) => ({ field, message, line, column, code }));
      const report = { valid: result.valid, loadable: result.loadable, errors: strip(result.errors), warnings: strip(result.warnings) };
      if (format === 'json') await write(ctx.out, `${JSON.stringify(report)}\n`);
      else if (format === 'yaml') await write(ctx.out, toYAML(report));
      else {
        const counts = `${result.errors.length} error${result.errors.length === 1 ? '' : 's'}, ${result.warnings.length} warning${result.warnings.length === 1 ? '' : 's'}`;
        const verdict = result.valid ? 'valid' : result.loadable ? 'invalid (kube-apiserver would load it, but see the errors)' : 'invalid (kube-apiserver would refuse it)';
        await write(ctx.out, `${opts.filename}: ${verdict}; ${counts}\n`);
      }
      ctx.exitCode = result.valid ? EXIT_OK : EXIT_NEGATIVE;
    });

  policy
    .command('eval')
    .description('the level and stages kube-apiserver would log a request at')
    .requiredOption('-f, --filename <file>', 'policy file')
    .option('--request <json>', 'one request: {"user":"alice","groups":[...],"verb":"get","resourceRequest":true,"resource":"pods",...}')
    .option('--requests <file>', 'JSON lines of requests (- for stdin): one result line per input line')
    .option('--events <file>', 'an audit log: evaluate each recorded event by its own attributes (authenticated user, not the impersonated one)')
    .option('--kubernetes-version <version>', 'follow this release\'s behaviour (default: the newest)')
    .option('-o, --output <format>', 'json|jsonl|yaml|text (default json for --request, jsonl otherwise)')
    .action(async (opts: { filename: string; request?: string; requests?: string; events?: string; kubernetesVersion?: string; output?: string }) => {
      const sources = [opts.request, opts.requests, opts.events].filter((s) => s !== undefined).length;
      if (sources !== 1) throw new UsageError('policy eval: give exactly one of --request JSON, --requests FILE or --events FILE');
      const format = parseOutputFormat(opts.output ?? (opts.request !== undefined ? 'json' : 'jsonl'), ['json', 'jsonl', 'yaml', 'text']);
      const kubernetesVersion = kubernetesVersionOption(opts.kubernetesVersion);
      const loaded = await loadPolicyForUse(ctx, opts.filename, kubernetesVersion);
      if (loaded === null) {
        ctx.exitCode = EXIT_NEGATIVE;
        return;
      }
      const compiled = compilePolicy(loaded.policy!, { wildcardGroup: policyFeatures(kubernetesVersion).wildcardGroup });
      if (opts.request !== undefined) {
        const attrs = parseRequestArgument(opts.request);
        const decision = compiled.evaluate(attrs);
        await write(ctx.out, renderDecision(decision, format));
        ctx.exitCode = EXIT_OK;
        return;
      }
      const failures = opts.requests !== undefined ? await evalRequestLines(ctx, compiled, opts.requests, format) : await evalEventLines(ctx, compiled, opts.events!, format);
      ctx.exitCode = failures > 0 ? EXIT_NEGATIVE : EXIT_OK;
    });

  policy
    .command('explain')
    .description('which rule decides a request, and for each earlier rule the field that did not match')
    .requiredOption('-f, --filename <file>', 'policy file')
    .requiredOption('--request <json>', 'the request, as for policy eval')
    .option('--kubernetes-version <version>', 'follow this release\'s behaviour (default: the newest)')
    .option('-o, --output <format>', 'text|json|yaml', 'text')
    .action(async (opts: { filename: string; request: string; kubernetesVersion?: string; output: string }) => {
      const format = parseOutputFormat(opts.output, ['text', 'json', 'yaml']);
      const kubernetesVersion = kubernetesVersionOption(opts.kubernetesVersion);
      const loaded = await loadPolicyForUse(ctx, opts.filename, kubernetesVersion);
      if (loaded === null) {
        ctx.exitCode = EXIT_NEGATIVE;
        return;
      }
      const attrs = parseRequestArgument(opts.request);
      const explanation = explainPolicy(loaded.policy!, attrs, { wildcardGroup: policyFeatures(kubernetesVersion).wildcardGroup });
      const withLines = explanation.rules.map((r) => ({ ...r, line: loaded.positions.get(`rules[${r.rule}]`)?.line ?? null }));
      if (format === 'json') await write(ctx.out, `${JSON.stringify({ ...explanation, rules: withLines })}\n`);
      else if (format === 'yaml') await write(ctx.out, toYAML({ ...explanation, rules: withLines }));
      else {
        let text = '';
        for (const r of withLines) {
          const where = r.line === null ? '' : ` (line ${r.line})`;
          text += r.matched ? `rule ${r.rule}${where}: MATCHES (level ${loaded.policy!.rules[r.rule].level})\n` : `rule ${r.rule}${where}: no match — ${r.reason}\n`;
        }
        if (explanation.decision.rule === null) text += 'no rule matched: level None (not logged)\n';
        text += `decision: ${describeDecision(explanation.decision)}\n`;
        await write(ctx.out, text);
      }
      ctx.exitCode = EXIT_OK;
    });

  registerLintCommand(policy, ctx);
  registerSimulateCommands(policy, ctx);
  registerInitCommand(policy, ctx);
}

function parseRequestArgument(text: string): RequestAttributes {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`--request: not valid JSON: ${(err as Error).message}`);
  }
  try {
    return requestAttributesFromJSON(value);
  } catch (err) {
    if (err instanceof RequestAttributesError) throw new UsageError(`--request: ${err.message}`);
    throw err;
  }
}

/** The contract's JSON shape: level, omitStages (stage order), omitManagedFields, rule. */
export function decisionJSON(d: AuditDecision): string {
  return JSON.stringify({ level: d.level, omitStages: d.omitStages, omitManagedFields: d.omitManagedFields, rule: d.rule });
}

function describeDecision(d: AuditDecision): string {
  const stages = d.omitStages.length > 0 ? `omits ${d.omitStages.join(', ')}` : 'omits no stage';
  const rule = d.rule === null ? 'no rule matched' : `rule ${d.rule}`;
  return `${d.level} (${rule}; ${stages}; managed fields ${d.omitManagedFields ? 'omitted' : 'kept'})`;
}

function renderDecision(d: AuditDecision, format: string): string {
  switch (format) {
    case 'yaml':
      return toYAML(JSON.parse(decisionJSON(d)));
    case 'text':
      return `${describeDecision(d)}\n`;
    default:
      return `${decisionJSON(d)}\n`;
  }
}

async function evalRequestLines(ctx: CliContext, compiled: CompiledPolicy, file: string, format: string): Promise<number> {
  let failures = 0;
  for await (const { line, number, oversize } of readLines(file, 'requests')) {
    let out: string;
    try {
      if (oversize !== undefined) throw new RequestAttributesError(lineTooLong(oversize, MAX_LINE_BYTES, 'a line', 'skipped'));
      const attrs = requestAttributesFromJSON(parseLine(line));
      out = renderDecision(compiled.evaluate(attrs), format);
    } catch (err) {
      failures++;
      const message = err instanceof Error ? err.message : String(err);
      ctx.err.write(`${file}:${number}:1: ${message}\n`);
      out = format === 'text' ? `error: ${message}\n` : `${JSON.stringify({ error: message })}\n`;
    }
    await write(ctx.out, out);
  }
  return failures;
}

function parseLine(line: string): unknown {
  if (line.trim() === '') throw new RequestAttributesError('empty line: expected a JSON object');
  try {
    return JSON.parse(line);
  } catch (err) {
    throw new RequestAttributesError(`not valid JSON: ${(err as Error).message}`);
  }
}

/**
 * One output line per event: JSON lines and EventList documents are both accepted; a
 * line that is not an event gives an error line (and exit 1 at the end).
 */
async function evalEventLines(ctx: CliContext, compiled: CompiledPolicy, file: string, format: string): Promise<number> {
  let failures = 0;
  const emit = async (event: AuditEvent) => {
    const d = compiled.evaluate(attributesFromEvent(event));
    const body = { auditID: event.auditID ?? null, stage: event.stage ?? null, level: d.level, omitStages: d.omitStages, omitManagedFields: d.omitManagedFields, rule: d.rule };
    await write(ctx.out, format === 'text' ? `${event.auditID ?? '-'} ${event.verb ?? ''} ${event.requestURI ?? ''}: ${describeDecision(d)}\n` : `${JSON.stringify(body)}\n`);
  };
  const fail = async (number: number, message: string) => {
    failures++;
    ctx.err.write(`${file}:${number}:1: ${message}\n`);
    await write(ctx.out, format === 'text' ? `error: ${message}\n` : `${JSON.stringify({ error: message })}\n`);
  };
  // A pretty-printed document spans lines: gathered until its brackets close, then parsed.
  let pending: { start: number; parts: string[]; bytes: number; depth: JsonDepth } | null = null;
  for await (const { line, number, oversize } of readLines(file, 'audit log')) {
    if (oversize !== undefined) {
      if (pending !== null) await fail(pending.start, 'not valid JSON (a document cut by a line too long to read)');
      pending = null;
      await fail(number, lineTooLong(oversize, MAX_LINE_BYTES));
      continue;
    }
    if (pending !== null && line.charCodeAt(0) === 0x7b && !pending.depth.valueMayStart && tryParse(line) !== undefined) {
      // A whole object at the start of a line where the open document cannot take one (a
      // key or a comma was due): that document was cut short, and this line is not its
      // continuation. An item of a list written one to a line, or a value after a key,
      // continues it.
      await fail(pending.start, 'not valid JSON (an unterminated document)');
      pending = null;
    }
    if (pending !== null) {
      pending.parts.push(line);
      pending.bytes += Buffer.byteLength(line) + 1;
      if (pending.bytes > MAX_LINE_BYTES) {
        await fail(pending.start, lineTooLong(pending.bytes, MAX_LINE_BYTES, 'a document'));
        pending = null;
        continue;
      }
      if (pending.depth.feed(line) > 0) continue;
      const start = pending.start;
      const value = tryParse(pending.parts.join('\n'));
      pending = null;
      if (value === undefined) await fail(start, 'not valid JSON');
      else await handleValue(value, start);
      continue;
    }
    if (line.trim() === '') continue;
    const value = tryParse(line);
    if (value === undefined) {
      if (/^\s*[{[]/.test(line)) {
        const depth = new JsonDepth();
        if (depth.feed(line) > 0) {
          pending = { start: number, parts: [line], bytes: Buffer.byteLength(line), depth };
          continue;
        }
      }
      await fail(number, 'not valid JSON');
      continue;
    }
    await handleValue(value, number);
  }
  if (pending !== null) await fail(pending.start, 'not valid JSON (an unterminated document)');
  return failures;

  async function handleValue(value: unknown, number: number) {
    const shape = classifyAuditJSON(value);
    if (shape.kind === 'event') await emit(shape.event);
    else if (shape.kind === 'list') {
      for (const item of shape.events) {
        const inner = classifyAuditJSON(item);
        if (inner.kind === 'event') await emit(inner.event);
        else await fail(number, inner.kind === 'not-event' ? inner.reason : 'a nested EventList');
      }
    } else await fail(number, shape.reason);
  }
}

function tryParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export { EXIT_ERROR };
