/** The spellings kube-apiserver's Go code produces: JSON strings, MicroTime, Duration; and the schedule's arithmetic. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { goDuration, goJSONString, microTime, queryEscape, secondTime, uuid4 } from '../../src/generate/text.js';
import { Rng, seedWords } from '../../src/generate/random.js';
import { buildSchedule, CYCLE, LANES, laneCountBefore, laneOfSlot, slotBoundary, slotOfOrdinal, slotTime } from '../../src/generate/schedule.js';

describe('goJSONString (encoding/json with HTML escaping)', () => {
  const cases: [string, string][] = [
    ['plain', '"plain"'],
    ['a&b', '"a\\u0026b"'],
    ['<x>', '"\\u003cx\\u003e"'],
    ['quote " and \\', '"quote \\" and \\\\"'],
    ['line\nbreak\ttab', '"line\\nbreak\\ttab"'],
    ['\u0001', '"\\u0001"'],
    ['\u2028\u2029', '"\\u2028\\u2029"'],
    ['µs é', '"µs é"'],
  ];
  for (const [input, want] of cases) test(JSON.stringify(input), () => assert.equal(goJSONString(input), want));
});

describe('time', () => {
  const cases: { us: number; micro: string; second: string }[] = [
    { us: Date.UTC(2026, 10, 23, 10) * 1000, micro: '2026-11-23T10:00:00.000000Z', second: '2026-11-23T10:00:00Z' },
    { us: Date.UTC(2026, 10, 23, 10) * 1000 + 123456, micro: '2026-11-23T10:00:00.123456Z', second: '2026-11-23T10:00:00Z' },
    { us: Date.UTC(2026, 11, 31, 23, 59, 59) * 1000 + 999999, micro: '2026-12-31T23:59:59.999999Z', second: '2026-12-31T23:59:59Z' },
  ];
  for (const c of cases) {
    test(c.micro, () => {
      assert.equal(microTime(c.us), c.micro);
      assert.equal(secondTime(c.us), c.second);
    });
  }
  const durations: [number, string][] = [
    [0, '0s'], [999, '999ns'], [104_090, '104.09µs'], [1_500_000, '1.5ms'], [2_000_000_000, '2s'], [1_003_549_305, '1.003549305s'],
    [466e9, '7m46s'], [300e9, '5m0s'], [3_600e9, '1h0m0s'], [3_723.5e9, '1h2m3.5s'],
  ];
  for (const [ns, want] of durations) test(`Duration ${ns} ns = ${want}`, () => assert.equal(goDuration(ns), want));
});

test('queryEscape is url.QueryEscape', () => {
  assert.equal(queryEscape('spec.nodeName=ip-10-0-1-2'), 'spec.nodeName%3Dip-10-0-1-2');
  assert.equal(queryEscape('!a,!b/c d'), '%21a%2C%21b%2Fc+d');
});

test('uuid4: version 4, RFC 4122 variant, distinct', () => {
  const rng = new Rng(seedWords(1), 1, 1);
  const ids = new Set(Array.from({ length: 2000 }, () => uuid4(rng)));
  assert.equal(ids.size, 2000);
  for (const id of ids) assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
});

describe('schedule', () => {
  const counts = Uint32Array.from(LANES.map((_, i) => (i === LANES.length - 1 ? 0 : 37 * (i + 1))));
  counts[LANES.length - 1] = CYCLE - counts.reduce((a, b) => a + b, 0);
  const s = buildSchedule(counts, 250, Date.UTC(2026, 0, 1) * 1000, seedWords(3));
  const slots = [0, 1, 2, 99, 65_535, 65_536, 65_537, 1_000_003, 123_456_789];
  test('a lane ordinal maps back to its slot, and counts before it match', () => {
    for (const i of slots) {
      const { lane, ordinal } = laneOfSlot(s, i);
      assert.equal(slotOfOrdinal(s, lane, ordinal), i);
      assert.equal(laneCountBefore(s, lane, i), ordinal);
    }
  });
  test('every cycle holds each lane exactly its count of times', () => {
    const seen = new Uint32Array(LANES.length);
    for (let p = 0; p < CYCLE; p++) seen[laneOfSlot(s, p).lane]++;
    assert.deepEqual(Array.from(seen), Array.from(counts));
  });
  test('slot times grow and stay within their windows', () => {
    let prev = -1;
    for (let i = 0; i < 5000; i++) {
      const t = slotTime(s, i);
      assert.ok(t >= slotBoundary(s, i) && t <= slotBoundary(s, i + 1), `slot ${i}`);
      assert.ok(t >= prev);
      prev = t;
    }
  });
});
