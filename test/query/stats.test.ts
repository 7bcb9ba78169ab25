/** stats: top counts match a brute-force count of the same events; health finds gaps, missing stages and repeats. */
import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { loadPolicy, presetPolicyText } from '../../src/audit/policy/index.js';
import { planLog, streamLog } from '../../src/generate/index.js';
import { computeStats, sparkline } from '../../src/query/index.js';
import { indexRowOf, openStore } from '../../src/store/index.js';
import { runCli } from '../support/cli.js';
import { eventLine, tempStore } from '../store/helpers.js';

const pending = (line: string) => {
  const { leaf: _l, ...row } = indexRowOf(0, JSON.parse(line));
  return { bytes: Buffer.from(line), row };
};

test('top values per dimension equal a brute-force count over the generated events', async () => {
  const s = tempStore();
  try {
    const chunks: Uint8Array[] = [];
    const policy = loadPolicy(presetPolicyText('recommended')).policy!;
    await streamLog({ config: planLog({ seed: 9, startUs: Date.parse('2026-12-01T00:00:00Z') * 1000, rate: 200, policy }), events: 3000, workers: 0, write: async (c) => void chunks.push(c) });
    const lines = Buffer.concat(chunks).toString('utf8').split('\n').filter(Boolean);
    const store = await openStore(s.dir, { signingKey: s.skey });
    await store.commit(lines.map(pending));
    const report = await computeStats(store, {}, { top: 5 });
    assert.equal(report.events, 3000);
    const events = lines.map((l) => JSON.parse(l));
    const count = (key: (e: any) => unknown) => {
      const m = new Map<string, number>();
      for (const e of events) {
        const k = String(key(e) ?? '(none)');
        m.set(k, (m.get(k) ?? 0) + 1);
      }
      return [...m.entries()].sort((a, b) => b[1] - a[1]);
    };
    const checks: [string, (e: any) => unknown][] = [
      ['user', (e) => e.user?.username],
      ['verb', (e) => e.verb],
      ['resource', (e) => e.objectRef?.resource],
      ['response code', (e) => e.responseStatus?.code],
    ];
    for (const [dimension, key] of checks) {
      const got = report.top.find((t) => t.dimension === dimension)!.rows;
      const want = count(key).slice(0, 5);
      assert.deepEqual(got.map((r) => r.events), want.map((w) => w[1]), dimension);
      for (const r of got) {
        assert.equal(want.find((w) => w[0] === r.key)?.[1] ?? count(key).find((w) => w[0] === r.key)?.[1], r.events, `${dimension} ${r.key}`);
        const bytes = lines.reduce((a, l, i) => (String(key(events[i]) ?? '(none)') === r.key ? a + Buffer.byteLength(l) : a), 0);
        assert.equal(r.bytes, bytes, `${dimension} ${r.key}: bytes`);
      }
    }
    // With a filter the totals come from the rows, not the rollup: the same brute force.
    const gets = events.map((e, i) => [e, lines[i]] as const).filter(([e]) => e.verb === 'get');
    const filtered = await computeStats(store, { verb: 'get' }, { top: 3 });
    assert.equal(filtered.events, gets.length);
    for (const r of filtered.top.find((t) => t.dimension === 'user')!.rows) {
      const mine = gets.filter(([e]) => (e.user?.username ?? '(none)') === r.key);
      assert.deepEqual([r.events, r.bytes], [mine.length, mine.reduce((a, [, l]) => a + Buffer.byteLength(l), 0)], `get by ${r.key}`);
    }
    assert.equal(report.perMinute.counts.reduce((a, b) => a + b, 0), 3000, 'every event is in one minute');
    await store.close();
  } finally {
    s.cleanup();
  }
});

test('health: a 20-minute gap, a request without its final stage, a repeated (auditID, stage)', async () => {
  const s = tempStore();
  try {
    const store = await openStore(s.dir, { signingKey: s.skey });
    const at = (min: number) => `2026-12-03T10:${String(min).padStart(2, '0')}:00.000000Z`;
    const lines = [
      eventLine(1, { requestReceivedTimestamp: at(0), stageTimestamp: at(0) }),
      eventLine(2, { requestReceivedTimestamp: at(1), stageTimestamp: at(1), stage: 'RequestReceived' }),
      eventLine(3, { requestReceivedTimestamp: at(21), stageTimestamp: at(21) }),
      eventLine(3, { requestReceivedTimestamp: at(21), stageTimestamp: at(21) }),
    ];
    await store.commit(lines.map(pending)); // the store itself does not dedupe; ingest does
    const r = await computeStats(store, {}, { health: true });
    await store.close();
    assert.equal(r.health?.requests, 3);
    assert.equal(r.health?.missingFinalStage.count, 1);
    assert.deepEqual(r.health?.missingFinalStage.examples, [JSON.parse(lines[1]).auditID]);
    assert.equal(r.health?.duplicated.count, 1);
    assert.deepEqual(r.health?.gaps, [{ from: '2026-12-03T10:02:00.000Z', to: '2026-12-03T10:21:00.000Z', minutes: 19 }]);
    const cli = await runCli(['stats', '--store', s.dir, '--health']);
    assert.equal(cli.code, 0, cli.stderr);
    assert.match(cli.stdout, /gaps of 5\+ minutes without events: 2026-12-03T10:02:00\.000Z → 2026-12-03T10:21:00\.000Z \(19 min\)/);
    assert.match(cli.stdout, /stored more than once: 1/);
  } finally {
    s.cleanup();
  }
});

test('sparkline', () => {
  assert.equal(sparkline([0, 1, 2, 4, 8], 10), ' ▂▃▅█');
  assert.equal(sparkline([1, 1, 1, 1], 2), '██');
  assert.equal(sparkline([], 10), '');
});
