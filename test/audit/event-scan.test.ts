/**
 * The fast event scanner against the full parser: wherever scanEvent answers, its fields
 * equal those JSON.parse gives, and its body sizes equal an independent measurement; on
 * invalid JSON it never answers. Checked table-driven on tricky inputs, on every line of
 * the shared corpus, on generated traffic, and on random and corrupted JSON.
 */
import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { fieldsOfParsed, lastScanHints, scanEvent, valueEnd, type ScanHints, type ScannedEvent } from '../../src/audit/event-scan.js';
import { COMMIT_FIELDS } from '../../src/ingest/commit.js';
import { memberBytes } from '../../src/ingest/json-spans.js';
import { SHARED_DIR, SKIP_WITHOUT_SHARED } from '../support/paths.js';
import { scanHintsOf } from '../../src/store/fields.js';
import { logText } from '../generate/helpers.js';

/** JSON.parse's verdict, or undefined for text it rejects. */
function parsed(text: Buffer): unknown {
  try {
    return JSON.parse(text.toString('utf8'));
  } catch {
    return undefined;
  }
}

/** Asserts the scanner agrees with the full parser on one input; returns whether it answered. */
function agrees(line: Buffer, where: string): boolean {
  const fast = scanEvent(line);
  const value = parsed(line);
  if (fast === null) return false;
  assert.notEqual(value, undefined, `${where}: the scanner accepted text JSON.parse rejects`);
  assert.ok(value !== null && typeof value === 'object' && !Array.isArray(value), `${where}: accepted a non-object`);
  const obj = value as Record<string, unknown>;
  const ref: ScannedEvent = fieldsOfParsed(obj);
  ref.requestObjectBytes = obj.requestObject === undefined ? 0 : memberBytes(line, 'requestObject');
  ref.responseObjectBytes = obj.responseObject === undefined ? 0 : memberBytes(line, 'responseObject');
  assert.deepEqual(fast, ref, `${where}: fields differ`);
  // The index thread's scan, told by the committing thread's where the bodies end, reads the same.
  const committing = scanEvent(line, 0, line.length, COMMIT_FIELDS);
  assert.ok(committing !== null, `${where}: the committing thread's scan gave up where the full one answered`);
  const hints = lastScanHints(0);
  assert.deepEqual(scanEvent(line, 0, line.length, undefined, hints), fast, `${where}: the scan with hints ${JSON.stringify(hints)} differs`);
  assert.deepEqual(scanHintsOf(line), hints, `${where}: a catch-up's scan for hints alone finds what the committing scan does`);
  return true;
}

/** The hints the committing thread's scan leaves for `text`. */
function hintsOf(text: string): ScanHints | undefined {
  const b = Buffer.from(text);
  assert.ok(scanEvent(b, 0, b.length, COMMIT_FIELDS) !== null, 'the committing scan answers');
  return lastScanHints(0);
}

const EVENT = {
  kind: 'Event',
  apiVersion: 'audit.k8s.io/v1',
  level: 'RequestResponse',
  auditID: '7d3c4e5f-0000-4000-8000-000000000001',
  stage: 'ResponseComplete',
  requestURI: '/api/v1/namespaces/prod/pods?fieldManager=kubectl',
  verb: 'create',
  user: { username: 'alice', uid: 'u1', groups: ['devs', 'system:authenticated'], extra: { k: ['v'] } },
  impersonatedUser: { username: 'bob', groups: ['ops'] },
  sourceIPs: ['10.0.0.1', '::1'],
  userAgent: 'kubectl/v1.31.0 (linux/amd64)',
  objectRef: { resource: 'pods', namespace: 'prod', name: 'web', apiVersion: 'v1', apiGroup: '', subresource: 'status', uid: 'x', resourceVersion: '5' },
  responseStatus: { metadata: {}, code: 201 },
  requestObject: { kind: 'Pod', metadata: { name: 'web', labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'nginx', args: ['-x', 1, 2500, true, false, null] }] } },
  responseObject: { kind: 'Pod', status: { phase: 'Pending' }, list: [] },
  requestReceivedTimestamp: '2026-11-23T10:00:00.123456Z',
  stageTimestamp: '2026-11-23T10:00:00.200000Z',
  annotations: { 'authorization.k8s.io/decision': 'allow', 'authorization.k8s.io/reason': 'RBAC: allowed by ClusterRoleBinding "x"', other: 'y' },
};
const base = JSON.stringify(EVENT);
const swap = (from: string, to: string) => {
  assert.ok(base.includes(from), `fixture lacks ${from}`);
  return base.replace(from, to);
};

const CASES: Array<{ name: string; text: string; answers: boolean }> = [
  { name: 'a complete event', text: base, answers: true },
  { name: 'pretty-printed, with white space everywhere', text: JSON.stringify(EVENT, null, 2), answers: true },
  { name: 'padded with spaces and tabs', text: ` \t${base}\t `, answers: true },
  { name: 'escapes in a decoded field', text: swap('"alice"', '"al\\u0069ce \\"q\\" \\\\ \\n"'), answers: true },
  { name: 'non-ASCII text', text: swap('"alice"', '"ålice 山田 🙂"'), answers: true },
  { name: 'a key spelled with an escape (it could spell a known key)', text: swap('"verb"', '"ver\\u0062"'), answers: false },
  { name: 'a duplicated known key (JSON.parse keeps the last)', text: base.replace('{', '{"verb":"get",'), answers: false },
  { name: 'a duplicated unknown key', text: base.replace('{', '{"x":1,"x":2,'), answers: true },
  { name: '__proto__ as a key', text: base.replace('{', '{"__proto__":{"verb":"x"},'), answers: true },
  { name: 'trailing text', text: `${base} x`, answers: false },
  { name: 'two values', text: `${base}${base}`, answers: false },
  { name: 'a leading zero in a body number', text: swap('2500', '02'), answers: false },
  { name: 'a bare minus', text: swap('2500', '-'), answers: false },
  { name: 'a dangling decimal point', text: swap('2500', '1.'), answers: false },
  { name: 'an exponent without digits', text: swap('2500', '1e+'), answers: false },
  { name: 'negative and exponent numbers', text: swap('2500', '-0.5E-7'), answers: true },
  { name: 'a short \\u escape', text: swap('"nginx"', '"\\u00"'), answers: false },
  { name: 'an unknown escape', text: swap('"nginx"', '"\\x41"'), answers: false },
  { name: 'a raw control character in a body string', text: swap('"nginx"', '"a\u0001b"'), answers: false },
  { name: 'a raw tab in a string', text: swap('"nginx"', '"a\tb"'), answers: false },
  { name: 'a trailing comma', text: swap('"list":[]', '"list":[1,]'), answers: false },
  { name: 'a missing colon', text: swap('"phase":"Pending"', '"phase" "Pending"'), answers: false },
  { name: 'single quotes', text: swap('"Pending"', "'Pending'"), answers: false },
  { name: 'a misspelt literal', text: swap('true', 'tru'), answers: false },
  { name: 'an unclosed object', text: base.slice(0, -1), answers: false },
  { name: 'cut inside a string', text: base.slice(0, 200), answers: false },
  { name: 'nesting 600 deep in a body', text: swap('"list":[]', `"list":${'['.repeat(600)}${']'.repeat(600)}`), answers: false },
  { name: 'nesting 100 deep in a body', text: swap('"list":[]', `"list":${'['.repeat(100)}${']'.repeat(100)}`), answers: true },
  { name: 'an EventList', text: JSON.stringify({ kind: 'EventList', apiVersion: 'audit.k8s.io/v1', items: [EVENT] }), answers: false },
  { name: 'kind other than Event', text: swap('"kind":"Event"', '"kind":"Pod"'), answers: false },
  { name: 'no kind at all', text: base.replace('"kind":"Event",', ''), answers: true },
  { name: 'a v1beta1 timestamp', text: base.replace('{', '{"timestamp":"2017-01-01T00:00:00Z",'), answers: true },
  { name: 'a v1beta1 timestamp that is not a string', text: base.replace('{', '{"timestamp":0,'), answers: false },
  { name: 'a GKE envelope', text: JSON.stringify({ protoPayload: {}, logName: 'x' }), answers: false },
  { name: 'an AKS envelope', text: JSON.stringify({ records: [] }), answers: false },
  { name: 'user is null', text: swap('"user":{"username":"alice"', '"user":null,"u":{"username":"alice"'), answers: false },
  { name: 'a group that is a number', text: swap('"devs"', '7'), answers: false },
  { name: 'verb is a number', text: swap('"verb":"create"', '"verb":5'), answers: false },
  { name: 'code is a fraction', text: swap('"code":201', '"code":201.5'), answers: true },
  { name: 'code as an exponent', text: swap('"code":201', '"code":2.01e2'), answers: true },
  { name: 'code as a string', text: swap('"code":201', '"code":"201"'), answers: false },
  { name: 'an annotation of another type', text: swap('"other":"y"', '"other":{"n":[1]}'), answers: true },
  { name: 'a decision that is not a string', text: swap('"authorization.k8s.io/decision":"allow"', '"authorization.k8s.io/decision":true'), answers: false },
  { name: 'nothing that makes an event', text: JSON.stringify({ kind: 'Event', level: 'Metadata' }), answers: false },
  { name: 'only a user', text: JSON.stringify({ user: {} }), answers: true },
  { name: 'an array', text: '[1,2]', answers: false },
  { name: 'empty', text: '', answers: false },
  { name: 'invalid UTF-8 inside a string', text: '', answers: true },
];

test('table: the scanner answers exactly where it should, and then agrees with JSON.parse', () => {
  for (const c of CASES) {
    const bytes =
      c.name === 'invalid UTF-8 inside a string'
        ? Buffer.concat([Buffer.from(base.slice(0, base.indexOf('alice'))), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from(base.slice(base.indexOf('alice') + 5))])
        : Buffer.from(c.text);
    assert.equal(agrees(bytes, c.name), c.answers, `${c.name}: the scanner ${c.answers ? 'gave up' : 'answered'}`);
  }
});

test('body sizes: leaving the measured bytes out leaves exactly the event without its bodies', () => {
  for (const drop of [['requestObject'], ['responseObject'], ['requestObject', 'responseObject']]) {
    const f = scanEvent(Buffer.from(base))!;
    const without: Record<string, unknown> = { ...EVENT };
    for (const k of drop) delete without[k];
    const lost = drop.reduce((s, k) => s + (k === 'requestObject' ? f.requestObjectBytes : f.responseObjectBytes), 0);
    assert.equal(Buffer.byteLength(base) - lost, Buffer.byteLength(JSON.stringify(without)), drop.join('+'));
  }
});

test('generated traffic: every event scans, and agrees with the full parse', () => {
  for (const policy of ['recommended', 'everything'] as const) {
    const lines = logText(policy, 3000).split('\n').filter(Boolean);
    for (const [i, line] of lines.entries()) assert.ok(agrees(Buffer.from(line), `${policy} line ${i + 1}`), `${policy} line ${i + 1}: the scanner gave up on a generated event`);
  }
});

function* corpusFiles(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* corpusFiles(path);
    else if (/\.(jsonl?|log)$/.test(name)) yield path;
  }
}

test('every line of the shared corpus: the scanner agrees with JSON.parse wherever it answers', { skip: SKIP_WITHOUT_SHARED }, () => {
  let answered = 0;
  let v1Events = 0; // audit.k8s.io events of any version
  for (const file of corpusFiles(join(SHARED_DIR!, 'corpus'))) {
    for (const [i, line] of readFileSync(file, 'utf8').split('\n').entries()) {
      if (line.trim() === '') continue;
      const bytes = Buffer.from(line);
      if (agrees(bytes, `${file}:${i + 1}`)) answered++;
      const v = parsed(bytes) as Record<string, unknown> | undefined;
      if (v && v.kind === 'Event' && typeof v.apiVersion === 'string' && v.apiVersion.startsWith('audit.k8s.io/')) v1Events++;
    }
  }
  // Real v1 events are what it is for: it must take nearly all of them.
  assert.ok(v1Events > 100, `the corpus should hold v1 events (found ${v1Events})`);
  assert.ok(answered >= v1Events * 0.95, `the scanner took ${answered} lines of ${v1Events} v1 events`);
});

test('random JSON: the scanner never accepts what JSON.parse rejects, and agrees where it answers', () => {
  fc.assert(
    fc.property(fc.json(), (text) => {
      agrees(Buffer.from(text), text);
    }),
    { numRuns: 3000 },
  );
});

test('corrupted events: one byte inserted, deleted or changed anywhere', () => {
  const bytes = Buffer.from(base);
  const alphabet = Buffer.from('{}[]":,\\ u0e.-tfn\u0001a');
  fc.assert(
    fc.property(fc.nat(bytes.length - 1), fc.constantFrom(...alphabet), fc.constantFrom('insert', 'delete', 'replace'), (at, byte, how) => {
      const mutated =
        how === 'insert'
          ? Buffer.concat([bytes.subarray(0, at), Buffer.from([byte]), bytes.subarray(at)])
          : how === 'delete'
            ? Buffer.concat([bytes.subarray(0, at), bytes.subarray(at + 1)])
            : Buffer.concat([bytes.subarray(0, at), Buffer.from([byte]), bytes.subarray(at + 1)]);
      agrees(mutated, `${how} ${String.fromCharCode(byte)} at ${at}`);
    }),
    { numRuns: 5000 },
  );
});

test('a range of a larger buffer: nothing past its end is read, whatever follows', () => {
  // Stored leaves sit back to back in one buffer, so the byte after a range can be the
  // next event's '{' or, cut short, the rest of the same event: the string loops run
  // without a bound and must still answer only for the range.
  const one = Buffer.from(base);
  const two = Buffer.concat([one, one]);
  assert.deepEqual(scanEvent(two, 0, one.length), scanEvent(one), 'an event followed by another');
  assert.deepEqual(scanEvent(two, one.length, two.length), scanEvent(one), 'the second of two');
  for (let cut = 1; cut < one.length; cut++) {
    assert.equal(scanEvent(two, 0, cut), null, `cut at ${cut}, the rest of the event after it`);
    assert.equal(scanEvent(one.subarray(0, cut)), null, `cut at ${cut}, the buffer ending there`);
  }
  for (const text of ['"plain"', '"esc\\u0041aped\\n"', '["a","b"]', '{"k":"v"}']) {
    const bytes = Buffer.from(`${text}${text}`);
    assert.equal(valueEnd(bytes, 0, text.length, 0), text.length, text);
    for (let cut = 1; cut < text.length; cut++) assert.equal(valueEnd(bytes, 0, cut, 0), -1, `${text} cut at ${cut}`);
  }
});

test('repeated values: one after another, each event gets its own value, never a cached neighbour', () => {
  // Values of a repeated field are looked up by length and a few of their bytes: these
  // pairs share the lookup's shape (or its edge: the longest value kept, one byte more)
  // and must still read as themselves, in either order and again after each other.
  const long = (n: number, tail: string) => `${'u'.repeat(n - tail.length)}${tail}`;
  const cases: Array<{ desc: string; values: string[] }> = [
    { desc: 'same length, same first, middle and last byte, different elsewhere', values: ['abXdeXgh', 'aYcdeYgh', 'abXdeXgh'] },
    { desc: 'the longest value kept and one byte longer', values: [long(128, 'a'), long(129, 'a'), long(128, 'b'), long(128, 'a'), long(129, 'a')] },
    { desc: 'escaped values between plain ones', values: ['alice', 'al\\u0069ce', 'alice', 'a\\"b', 'ab'] },
    { desc: 'empty and non-ASCII', values: ['', 'é', 'e', '', 'ü', 'é'] },
  ];
  for (const c of cases) {
    for (const field of ['username', 'verb', 'resource', 'namespace'] as const) {
      for (const [i, v] of c.values.entries()) {
        const text = field === 'username' ? swap('"alice"', `"${v}"`) : field === 'verb' ? swap('"create"', `"${v}"`) : field === 'resource' ? swap('"pods"', `"${v}"`) : swap('"prod"', `"${v}"`);
        assert.ok(agrees(Buffer.from(text), `${c.desc}: ${field} #${i}`), `${c.desc}: the scanner gave up on ${field} #${i}`);
      }
    }
  }
});

test('keys: looked up by length and first byte, a long or empty key that shares them is no known key', () => {
  for (const [desc, key] of [
    ['64 bytes more than "verb", same first byte', `v${'x'.repeat(67)}`],
    ['128 bytes more than "user"', `u${'x'.repeat(131)}`],
    ['empty', ''],
  ] as const) {
    const text = base.replace('{', `{"${key}":"ignored",`);
    assert.ok(agrees(Buffer.from(text), desc), `${desc}: gave up`);
    assert.equal(scanEvent(Buffer.from(text))?.verb, 'create', desc);
  }
});

test('random events: arbitrary strings in every decoded field agree', () => {
  fc.assert(
    fc.property(fc.string({ unit: 'binary' }), fc.string({ unit: 'grapheme' }), fc.array(fc.string(), { maxLength: 4 }), fc.jsonValue(), (user, verb, groups, body) => {
      const text = JSON.stringify({ ...EVENT, verb, user: { username: user, groups }, requestObject: body });
      assert.ok(agrees(Buffer.from(text), text), 'the scanner gave up on a clean event');
    }),
    { numRuns: 2000 },
  );
});

test('attributes from scanned events equal those from parsed events, whatever was cached first', async () => {
  const { attributesFromEvent, attributesFromScanned } = await import('../../src/audit/request.js');
  // The same paths with different verbs and queries, in an order where a cache keyed too
  // loosely would hand one request the attributes of another.
  const uris = [
    '/api/v1/namespaces/prod/pods?fieldSelector=metadata.name%3Dweb-1&watch=true',
    '/api/v1/namespaces/prod/pods?fieldSelector=metadata.name%3Dweb-1',
    '/api/v1/namespaces/prod/pods?fieldSelector=metadata.name=web-2',
    '/api/v1/namespaces/prod/pods?field%53elector=metadata.name%3Dweb-3',
    '/api/v1/namespaces/prod/pods?resourceVersion=12&timeoutSeconds=300',
    '/api/v1/namespaces/prod/pods?limit=x&fieldSelector=metadata.name%3Dweb-4',
    '/api/v1/namespaces/prod/pods',
    '/api/v1/namespaces/prod/pods/web-5?pretty=true',
    '/api/v1/watch/namespaces/prod/pods?fieldSelector=metadata.name%3Dweb-6',
    '/apis/apps/v1/namespaces/prod/deployments/web/scale?dryRun=All',
  ];
  for (const verbs of [['get', 'list', 'watch', 'create'], ['watch', 'list', 'get', 'create'], ['create', 'watch', 'get', 'list']]) {
    for (const requestURI of [...uris, ...uris.slice().reverse()]) {
      for (const verb of verbs) {
        const event = { kind: 'Event', apiVersion: 'audit.k8s.io/v1', level: 'Metadata', auditID: 'a', stage: 'ResponseComplete', requestURI, verb, user: { username: 'u', groups: ['g'] } };
        const scanned = scanEvent(Buffer.from(JSON.stringify(event)), 0, Buffer.byteLength(JSON.stringify(event)));
        assert.ok(scanned !== null);
        assert.deepEqual({ ...attributesFromScanned(scanned) }, attributesFromEvent(event as never), `${verb} ${requestURI}`);
      }
    }
  }
});

test('hints: where the bodies end and the response name, for every shape a response body takes', () => {
  const ev = (extra: Record<string, unknown>) => JSON.stringify({ kind: 'Event', verb: 'create', auditID: 'a', stage: 'ResponseComplete', ...extra });
  const cases: Array<{ name: string; text: string; hinted: boolean; name_: string | null }> = [
    { name: 'no bodies: nothing to hint', text: ev({}), hinted: false, name_: null },
    { name: 'a request body only', text: ev({ requestObject: { kind: 'Pod', spec: { a: [1, 2] } } }), hinted: true, name_: null },
    { name: 'a response with metadata.name', text: ev({ responseObject: { kind: 'Pod', metadata: { generateName: 'w-', name: 'w-x1', managedFields: [{ f: 1 }] }, spec: {} } }), hinted: true, name_: 'w-x1' },
    { name: 'a name with escapes', text: ev({ responseObject: { metadata: { name: 'a"b\\c\u00e9' } } }), hinted: true, name_: 'a"b\\c\u00e9' },
    { name: 'metadata after the spec', text: ev({ responseObject: { spec: { x: { y: [{}] } }, metadata: { name: 'late' } } }), hinted: true, name_: 'late' },
    { name: 'a name that is not a string', text: ev({ responseObject: { metadata: { name: 5 } } }), hinted: true, name_: null },
    { name: 'metadata that is not an object', text: ev({ responseObject: { metadata: ['name'] } }), hinted: true, name_: null },
    { name: 'a response that is a Status list', text: ev({ responseObject: [{ metadata: { name: 'no' } }] }), hinted: true, name_: null },
    { name: 'a null response', text: ev({ responseObject: null }), hinted: true, name_: null },
    { name: 'both bodies, the only members but one', text: JSON.stringify({ verb: 'get', requestObject: { a: 1 }, responseObject: { metadata: { name: 'n' } } }), hinted: true, name_: 'n' },
  ];
  for (const c of cases) {
    const hints = hintsOf(c.text);
    assert.equal(hints !== undefined, c.hinted, `${c.name}: hinted`);
    const b = Buffer.from(c.text);
    const plain = scanEvent(b)!;
    assert.equal(plain.responseName, c.name_, `${c.name}: the plain scan's name`);
    assert.deepEqual(scanEvent(b, 0, b.length, undefined, hints), plain, c.name);
    assert.deepEqual(scanHintsOf(b), hints, `${c.name}: a catch-up's hints`);
    if (hints !== undefined && hints.responseObjectEnd >= 0) assert.equal(c.text[hints.responseObjectEnd - 1], c.text.slice(0, hints.responseObjectEnd).trimEnd().at(-1), `${c.name}: the response ends on its last byte`);
  }
});

test('hints: the committing scan gives up on a repeated metadata or name, so none is handed on', () => {
  for (const text of [
    '{"verb":"get","responseObject":{"metadata":{"name":"a"},"metadata":{"name":"b"}}}',
    '{"verb":"get","responseObject":{"metadata":{"name":"a","name":"b"}}}',
  ]) {
    const b = Buffer.from(text);
    assert.equal(scanEvent(b, 0, b.length, COMMIT_FIELDS), null, text);
    assert.equal(scanEvent(b), null, text);
  }
});

test('hints that cannot be right never make a wrong answer: the scan gives up or walks', () => {
  const text = JSON.stringify({ ...EVENT, responseObject: { kind: 'Pod', metadata: { name: 'web-1' }, spec: { x: [1, 2, 3] } } });
  const b = Buffer.from(text);
  const plain = scanEvent(b)!;
  const good = hintsOf(text)!;
  const bad: Array<[string, ScanHints]> = [
    ['request end one early', { ...good, requestObjectEnd: good.requestObjectEnd - 1 }],
    ['request end one late', { ...good, requestObjectEnd: good.requestObjectEnd + 1 }],
    ['response end past the event', { ...good, responseObjectEnd: b.length + 10 }],
    ['response end before the body', { ...good, responseObjectEnd: 3 }],
    ['name span one late', { ...good, responseNameStart: good.responseNameStart + 1 }],
    ['name end wrong', { ...good, responseNameEnd: good.responseNameEnd + 2 }],
  ];
  for (const [what, hints] of bad) {
    const got = scanEvent(b, 0, b.length, undefined, hints);
    assert.ok(got === null || JSON.stringify(got) === JSON.stringify(plain), `${what}: ${JSON.stringify(got)}`);
  }
});
