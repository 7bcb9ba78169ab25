/**
 * The same arguments give the same bytes: across runs, across any split of the log into
 * windows, and across any number of worker threads; any argument that matters changes them.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { generateAuditLog, LogGenerator, planLog, streamLog } from '../../src/generate/index.js';
import { POLICIES, START_US, logText, type PolicyName } from './helpers.js';

const digest = (text: string | Buffer) => createHash('sha256').update(text).digest('hex');

describe('determinism', () => {
  const base = { events: 1500, seed: 7, rate: 200, startUs: START_US, policy: 'recommended' as PolicyName };
  const cases: { desc: string; change: Partial<typeof base>; same: boolean }[] = [
    { desc: 'the same arguments', change: {}, same: true },
    { desc: 'another seed', change: { seed: 8 }, same: false },
    { desc: 'another start', change: { startUs: START_US + 1 }, same: false },
    { desc: 'another rate', change: { rate: 300 }, same: false },
    { desc: 'another policy', change: { policy: 'everything' }, same: false },
  ];
  const run = (o: typeof base) => generateAuditLog({ ...o, policy: POLICIES[o.policy] });
  const reference = digest(run(base));
  for (const c of cases) {
    test(`${c.desc} → ${c.same ? 'identical' : 'different'} bytes`, () => {
      assert.equal(digest(run({ ...base, ...c.change })) === reference, c.same);
    });
  }

  test('a seed above 2^32 is its own seed, not its low 32 bits', () => {
    const a = generateAuditLog({ events: 50, seed: 2 ** 32 + 7, policy: POLICIES.recommended, startUs: START_US });
    const b = generateAuditLog({ events: 50, seed: 7, policy: POLICIES.recommended, startUs: START_US });
    assert.notEqual(a, b);
  });
});

describe('windows', () => {
  const splits: { desc: string; cuts: number[] }[] = [
    { desc: 'one window', cuts: [0, 4000] },
    { desc: 'three uneven windows', cuts: [0, 1000, 1001, 4000] },
    { desc: 'many small windows (watches and sessions cross them)', cuts: [0, 17, 400, 401, 950, 2048, 3000, 3999, 4000] },
  ];
  const config = planLog({ seed: 3, startUs: START_US, rate: 200, policy: POLICIES.everything });
  let reference = '';
  for (const s of splits) {
    test(`${s.desc}: the concatenation is the same log`, () => {
      const gen = new LogGenerator(config);
      let text = '';
      for (let k = 0; k + 1 < s.cuts.length; k++) text += gen.window(s.cuts[k], s.cuts[k + 1]).text;
      assert.ok(text.length > 0);
      if (reference === '') reference = text;
      else assert.equal(digest(text), digest(reference));
    });
  }
});

describe('worker threads', () => {
  const config = planLog({ seed: 5, startUs: START_US, rate: 200, policy: POLICIES.mixed });
  const collect = async (workers: number, events: number) => {
    const chunks: Uint8Array[] = [];
    const result = await streamLog({ config, events, workers, windowLines: 700, write: async (c) => void chunks.push(Buffer.from(c)) });
    return { bytes: Buffer.concat(chunks), result };
  };
  test('0, 1 and 2 workers write the same bytes (windows of ~700 events), and the same as generateAuditLog', async () => {
    const events = 6000;
    const [w0, w1, w2] = [await collect(0, events), await collect(1, events), await collect(2, events)];
    assert.equal(digest(w1.bytes), digest(w0.bytes));
    assert.equal(digest(w2.bytes), digest(w0.bytes));
    assert.equal(w0.result.events, events);
    assert.equal(w0.result.bytes, w0.bytes.length);
    assert.equal(digest(w0.bytes), digest(generateAuditLog({ events, seed: 5, rate: 200, startUs: START_US, policy: POLICIES.mixed })));
  });

  for (const events of [0, 1, 17, 2500]) {
    test(`exactly ${events} lines, each complete`, async () => {
      const { bytes } = await collect(events > 100 ? 2 : 0, events);
      const text = bytes.toString('utf8');
      assert.equal(text.split('\n').length - 1, events);
      assert.ok(events === 0 || text.endsWith('}\n'));
      assert.equal(text, logText('mixed', events, 5), 'the first N lines of the same log');
    });
  }
});
