/**
 * The replay driver: the fast scanner, the full parser, worker threads and chunk sizes all
 * give the same report, to the byte and to the line number of each problem, on generated
 * traffic mixed with lines that are not events, plain, gzipped, and as a store.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { compilePolicy, loadPolicy, presetPolicyText } from '../../src/audit/policy/index.js';
import { PolicyDiff, Simulation, replay, type ReplaySource, type SimulationReport, type WorkerSetup } from '../../src/simulate/index.js';
import { logText } from '../generate/helpers.js';

const recommended = loadPolicy(presetPolicyText('recommended')).policy!;
const minimal = loadPolicy(presetPolicyText('minimal')).policy!;

function mixedLog(): string {
  const lines = logText('everything', 4000, 21).split('\n').filter(Boolean);
  // Lines the full parser must judge: broken JSON, an EventList on one line, a non-event, a blank line, a CRLF.
  lines.splice(10, 0, '{"kind":"Event","verb":"get",');
  lines.splice(500, 0, JSON.stringify({ kind: 'EventList', apiVersion: 'audit.k8s.io/v1', items: [JSON.parse(lines[1]), { kind: 'Pod' }] }));
  lines.splice(1500, 0, '{"hello":"world"}');
  lines.splice(2500, 0, '   ');
  lines[3000] = `${lines[3000]}\r`;
  return `${lines.join('\n')}\n`;
}

async function run(mode: 'simulate' | 'diff', source: ReplaySource, workers: number, fullParse: boolean, chunkBytes?: number) {
  const problems: string[] = [];
  const setup: WorkerSetup = { mode, policies: mode === 'simulate' ? [recommended] : [recommended, minimal], wildcardGroup: true, fullParse };
  const counter = mode === 'simulate' ? new Simulation(recommended, compilePolicy(recommended)) : new PolicyDiff(compilePolicy(recommended), compilePolicy(minimal));
  await replay(counter, setup, source, { workers, chunkBytes, onProblem: (f, l, c, m) => problems.push(`${f}:${l}:${c} ${m}`) });
  return { report: counter instanceof Simulation ? counter.report(20) : counter.report(), problems };
}

test('fast scanner and full parser, 0 to 3 workers, small and large chunks: the same report and problems', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kubetrail-replay-'));
  try {
    const log = join(dir, 'audit.log');
    const text = mixedLog();
    writeFileSync(log, text);
    writeFileSync(join(dir, 'audit.log.gz'), gzipSync(text));
    for (const mode of ['simulate', 'diff'] as const) {
      const reference = await run(mode, { log: [log] }, 0, true);
      assert.ok(reference.problems.length >= 3, `the odd lines are reported: ${reference.problems.join('; ')}`);
      assert.ok(reference.problems.some((p) => p.startsWith(`${log}:11:`)), `the broken line is reported at line 11: ${reference.problems.join('; ')}`);
      const cases: Array<[string, ReplaySource, number, boolean, number | undefined]> = [
        ['fast, inline', { log: [log] }, 0, false, undefined],
        ['fast, 2 workers', { log: [log] }, 2, false, undefined],
        ['fast, 3 workers, 64 KiB chunks', { log: [log] }, 3, false, 64 * 1024],
        ['full parse, 2 workers, 100 KiB chunks', { log: [log] }, 2, true, 100 * 1024],
        ['fast, 1 worker, chunks smaller than a line', { log: [log] }, 1, false, 1000],
      ];
      for (const [name, source, workers, fullParse, chunk] of cases) {
        const got = await run(mode, source, workers, fullParse, chunk);
        assert.deepEqual(got.report, reference.report, `${mode} ${name}: report`);
        assert.deepEqual(got.problems, reference.problems, `${mode} ${name}: problems`);
      }
      const gz = await run(mode, { log: [join(dir, 'audit.log.gz')] }, 2, false, 256 * 1024);
      assert.deepEqual(gz.report, reference.report, `${mode} gzipped: report`);
      assert.deepEqual(gz.problems.map((p) => p.replace('.gz', '')), reference.problems, `${mode} gzipped: problems`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('simulate totals add up exactly to the input, per rule, per user and per resource', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kubetrail-replay-'));
  try {
    const log = join(dir, 'audit.log');
    const text = mixedLog();
    writeFileSync(log, text);
    const report = (await run('simulate', { log: [log] }, 2, false)).report as SimulationReport;
    const lines = text.split('\n').filter((l) => l.trim() !== '');
    // Every non-blank line is an event except the three odd ones; the EventList line holds one event and one non-event.
    assert.equal(report.input.events, lines.length - 3 + 1);
    assert.equal(report.kept.events + report.dropped.events, report.input.events);
    assert.equal(report.kept.bytes + report.dropped.bytes, report.input.bytes);
    const byRule = report.byRule.reduce((s, r) => s + r.matched.events, 0);
    assert.equal(byRule, report.input.events);
    assert.ok(report.bytesAfter <= report.kept.bytes, 'a policy at lower levels cannot make events larger than recorded here');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
