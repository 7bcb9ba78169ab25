/**
 * Property tests of the policy engine's parsers: each property of
 * bench/fuzz-policy.ts (where they are defined, and run at length by `npm run fuzz`)
 * on a thousand generated inputs, with a fixed seed so a failure reproduces.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { FUZZ_PROPERTIES, runFuzz } from '../../../bench/fuzz-policy.js';

const SEED = 424_242;
const RUNS = 1_000;

for (const [i, p] of FUZZ_PROPERTIES.entries()) {
  test(`${p.name} (${RUNS} inputs)`, () => {
    const details = fc.check(p.property(), { seed: SEED + i, numRuns: RUNS });
    assert.equal(details.numRuns, RUNS);
    assert.equal(details.failed, false, details.failed ? `counterexample ${JSON.stringify(details.counterexample)}: ${String(details.errorInstance)}` : '');
  });
}

test('the long run reports progress and a summary, and exits 0 when nothing fails', async () => {
  const lines: string[] = [];
  const code = await runFuzz(['--runs', '240', '--seed', '7'], (l) => lines.push(l));
  assert.equal(code, 0, lines.join('\n'));
  assert.equal(lines[0], `fuzz-policy: 240 inputs over ${FUZZ_PROPERTIES.length} properties, seed 7`);
  for (const p of FUZZ_PROPERTIES) assert.ok(lines.some((l) => l.startsWith(`  ${p.name}: `)), `a progress line for ${p.name}`);
  assert.match(lines.at(-1)!, /^2\d\d inputs, no failures \(seed 7\)$/);
  assert.ok(lines.some((l) => /^property\s+inputs\s+inputs\/s\s+result$/.test(l)));
});

test('the long run refuses a bad argument', async () => {
  await assert.rejects(runFuzz(['--runs', 'many'], () => {}), /--runs: expected a positive integer/);
  await assert.rejects(runFuzz(['--fast'], () => {}), /unknown argument --fast/);
});
