/**
 * A webhook body read in one pass (the list checked and each item scanned as an event as
 * it goes) takes exactly what the full parser takes, with the same leaves and dedupe
 * keys, and refuses what it refuses; the hints it hands the index thread give the rows a
 * full scan gives.
 */
import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { fullEventList, parseEventListBody } from '../../src/ingest/event-list.js';
import { indexRowOfBytes } from '../../src/store/index.js';
import { logText } from '../generate/helpers.js';

const items = logText('everything', 60).split('\n').filter(Boolean);
const list = (body: string[], head = '"kind":"EventList","apiVersion":"audit.k8s.io/v1","metadata":{}') => `{${head},"items":[${body.join(',')}]}`;

const CASES: Array<{ name: string; body: string; ok: boolean; count?: number }> = [
  { name: 'sixty generated events', body: list(items), ok: true, count: 60 },
  { name: 'items before kind and apiVersion', body: `{"items":[${items.slice(0, 3).join(',')}],"apiVersion":"audit.k8s.io/v1","kind":"EventList"}`, ok: true, count: 3 },
  { name: 'pretty-printed, white space around items', body: JSON.stringify(JSON.parse(list(items.slice(0, 4))), null, 2), ok: true, count: 4 },
  { name: 'v1beta1', body: list(items.slice(0, 2), '"kind":"EventList","apiVersion":"audit.k8s.io/v1beta1"'), ok: true, count: 2 },
  { name: 'no items', body: list([]), ok: true, count: 0 },
  { name: 'items null', body: '{"kind":"EventList","apiVersion":"audit.k8s.io/v1","items":null}', ok: true, count: 0 },
  { name: 'an item that is not an event', body: list([items[0], '{"kind":"Pod","metadata":{}}', items[1]]), ok: false },
  { name: 'an item that is a number', body: list([items[0], '7']), ok: false },
  { name: 'an item with a repeated known key', body: list([items[0].replace('{', '{"verb":"get",')]), ok: true, count: 1 },
  { name: 'an item cut short', body: list([items[0].slice(0, -1)]), ok: false },
  { name: 'a trailing comma after the items', body: list(items.slice(0, 2)).replace(']}', ',]}'), ok: false },
  { name: 'a nested EventList', body: list([list(items.slice(0, 1))]), ok: false },
  { name: 'not an EventList', body: list(items.slice(0, 1), '"kind":"Event","apiVersion":"audit.k8s.io/v1"'), ok: false },
  { name: 'a repeated items key (which would JSON.parse keep?)', body: `${list(items.slice(0, 1)).slice(0, -1)},"items":[]}`, ok: false },
  { name: 'text after the body', body: `${list(items.slice(0, 1))} x`, ok: false },
];

test('one pass over a webhook body agrees with the full parser on every case', () => {
  for (const c of CASES) {
    const body = Buffer.from(c.body);
    const fast = parseEventListBody(body);
    const full = fullEventList(body);
    assert.equal(fast.ok, c.ok, `${c.name}: ${fast.ok ? 'taken' : (fast as { reason: string }).reason}`);
    assert.equal(full.ok, c.ok, `${c.name}: the full parser`);
    if (!fast.ok || !full.ok) continue;
    assert.equal(fast.events.length, c.count, c.name);
    assert.deepEqual(fast.events.map((e) => e.bytes.toString()), full.events.map((e) => e.bytes.toString()), `${c.name}: leaves`);
    assert.deepEqual(fast.events.map((e) => e.dedupe), full.events.map((e) => e.dedupe), `${c.name}: dedupe keys`);
    for (const [i, e] of fast.events.entries()) {
      assert.deepEqual(indexRowOfBytes(i, e.bytes, e.hints), indexRowOfBytes(i, e.bytes), `${c.name}: item ${i}'s row with hints`);
    }
  }
});

test('the hints of generated items point inside their own item', () => {
  const r = parseEventListBody(Buffer.from(list(items)));
  assert.ok(r.ok);
  const hinted = r.events.filter((e) => e.hints !== undefined);
  assert.ok(hinted.length > 0, 'some generated events have bodies');
  for (const e of hinted) {
    for (const x of [e.hints!.requestObjectEnd, e.hints!.responseObjectEnd]) assert.ok(x === -1 || (x > 0 && x < e.bytes.length), `${x} inside ${e.bytes.length}`);
  }
});
