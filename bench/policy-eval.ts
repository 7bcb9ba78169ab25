/**
 * bench/policy-eval: decisions per second of the compiled evaluator against the plain
 * rule-by-rule interpreter, in the same run, on the `recommended` preset and requests
 * taken from `kubetrail generate`. One core (the main thread), no I/O in the timed loop.
 *
 *   npm run bench -- [--requests N] [--seconds S] [--preset NAME]
 *
 * Prints a table; the figures go into BENCHMARKS.md. Both evaluators must agree on
 * every request before anything is timed.
 */
import { parseArgs } from 'node:util';
import { compilePolicy, interpretPolicy, loadPolicy, type AuditDecision } from '../src/audit/policy/index.js';
import { presetPolicyText, isPresetName } from '../src/audit/policy/presets/index.js';
import { generateRequests } from '../src/generate/index.js';
import type { RequestAttributes } from '../src/audit/request.js';

const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '200000' },
    seconds: { type: 'string', default: '3' },
    preset: { type: 'string', default: 'recommended' },
    seed: { type: 'string', default: '1' },
  },
});
const requestCount = Number(values.requests);
const seconds = Number(values.seconds);
if (!isPresetName(values.preset!)) throw new Error(`unknown preset ${values.preset}`);

const loaded = loadPolicy(presetPolicyText(values.preset), { strict: true });
if (!loaded.loadable || loaded.policy === null) throw new Error('the preset does not load');
const policy = loaded.policy;
const requests: RequestAttributes[] = generateRequests({ count: requestCount, seed: Number(values.seed) });

const compiled = compilePolicy(policy);
for (const r of requests) {
  const a = compiled.evaluate(r);
  const b = interpretPolicy(policy, r);
  if (a.level !== b.level || a.rule !== b.rule || a.omitManagedFields !== b.omitManagedFields || a.omitStages.join() !== b.omitStages.join()) {
    throw new Error(`the evaluators disagree on ${JSON.stringify(r)}: ${JSON.stringify(a)} vs ${JSON.stringify(b)}`);
  }
}

/** Runs fn over all requests repeatedly for about `seconds`, after a warm-up; returns decisions/s (best of rounds). */
function measure(fn: (r: RequestAttributes) => AuditDecision): number {
  let sink = 0;
  const pass = () => {
    for (let i = 0; i < requests.length; i++) sink += fn(requests[i]).level.length;
  };
  const warmUntil = performance.now() + 500;
  while (performance.now() < warmUntil) pass();
  let best = 0;
  const end = performance.now() + seconds * 1000;
  while (performance.now() < end) {
    const t0 = performance.now();
    pass();
    const dt = (performance.now() - t0) / 1000;
    best = Math.max(best, requests.length / dt);
  }
  if (sink === 42) console.log('');
  return best;
}

// Interleave rounds so machine noise hits both alike.
const compiledRates: number[] = [];
const interpretedRates: number[] = [];
for (let round = 0; round < 3; round++) {
  interpretedRates.push(measure((r) => interpretPolicy(policy, r)));
  compiledRates.push(measure((r) => compiled.evaluate(r)));
}
const best = (xs: number[]) => Math.max(...xs);
const levels = new Map<string, number>();
for (const r of requests) {
  const level = compiled.evaluate(r).level;
  levels.set(level, (levels.get(level) ?? 0) + 1);
}

const fmt = (n: number) => `${(n / 1e6).toFixed(2)} M/s`;
console.log(`bench/policy-eval — preset ${values.preset} (${policy.rules.length} rules), ${requests.length} generated requests (seed ${values.seed}), node ${process.version}, one core`);
console.log(`level mix: ${[...levels].map(([l, n]) => `${l} ${((100 * n) / requests.length).toFixed(1)}%`).join(', ')}`);
console.log('');
console.log('| evaluator | decisions/s (best of 3) | ratio |');
console.log('| --- | ---: | ---: |');
console.log(`| plain interpreter (baseline) | ${fmt(best(interpretedRates))} | 1.00× |`);
console.log(`| compiled | ${fmt(best(compiledRates))} | ${(best(compiledRates) / best(interpretedRates)).toFixed(2)}× |`);
console.log('');
const goalRate = best(compiledRates) >= 5e6;
const goalRatio = best(compiledRates) / best(interpretedRates) >= 3;
console.log(`goal ≥ 5 M decisions/s: ${goalRate ? 'met' : 'NOT met'}; goal ≥ 3× baseline: ${goalRatio ? 'met' : 'NOT met'}`);
