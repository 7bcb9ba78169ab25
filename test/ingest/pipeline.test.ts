import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { commitGroups, ingestFiles, orderLogFiles, readCandidateBatches, readCandidates, toPending, lineTooLong, type IngestProblem, type PendingWithKey } from '../../src/ingest/index.js';
import { MAX_EVENT_BYTES, openStore, verifyStore } from '../../src/store/index.js';
import { SKIP_WITHOUT_SHARED, sharedPath } from '../support/paths.js';
import { eventLine, tempStore } from '../store/helpers.js';

async function ingest(files: string[], write: (s: ReturnType<typeof tempStore>) => string[] = () => files) {
  const s = tempStore();
  const problems: IngestProblem[] = [];
  const store = await openStore(s.dir, { signingKey: s.skey });
  const summary = await ingestFiles(store, write(s), { onProblem: (p) => problems.push(p), batchEvents: 3 });
  const leaves = [...store.readRange(0)];
  await store.close();
  return { s, summary, problems, leaves };
}

test('bad lines are reported with file, line and column while good lines land', async () => {
  const lines = [eventLine(1), '{"verb": nope}', eventLine(2), '{"records":[{"properties":{"log":"{}"}}]}', '[1,2]', '   ', eventLine(3), '{"protoPayload":{},"logName":"x"}', '{"kind":"Pod"}', eventLine(4)];
  const { s, summary, problems, leaves } = await ingest([], (s) => {
    const p = join(s.root, 'mixed.log');
    writeFileSync(p, lines.join('\n'));
    return [p];
  });
  try {
    assert.equal(summary.committed, 4);
    assert.equal(summary.bad, 5);
    assert.deepEqual(leaves.map((l) => l.toString()), [eventLine(1), eventLine(2), eventLine(3), eventLine(4)]);
    assert.deepEqual(
      problems.map((p) => [p.line, p.column]),
      [
        [2, problems[0].column],
        [4, 1],
        [5, 1],
        [8, 1],
        [9, 1],
      ],
    );
    assert.match(problems[0].message, /not JSON/);
    assert.ok(problems[0].column >= 1);
    assert.match(problems[1].message, /AKS .*envelope; not yet supported/);
    assert.match(problems[2].message, /array/);
    assert.match(problems[3].message, /GKE LogEntry envelope; not yet supported/);
    assert.match(problems[4].message, /kind "Pod"/);
    assert.ok(problems.every((p) => p.file.endsWith('mixed.log')));
  } finally {
    s.cleanup();
  }
});

test('duplicates on (auditID, stage) are dropped across batches and files; events without them are kept and counted', async () => {
  const noKey = JSON.stringify({ verb: 'get', requestURI: '/healthz', user: { username: 'u' } });
  const otherStage = eventLine(1, { stage: 'ResponseStarted' });
  const { s, summary, leaves } = await ingest([], (s) => {
    const a = join(s.root, 'a.log');
    const b = join(s.root, 'b.log');
    writeFileSync(a, [eventLine(1), eventLine(2), eventLine(1), noKey, otherStage, eventLine(3)].join('\n') + '\n');
    writeFileSync(b, [eventLine(2), noKey, eventLine(4), otherStage].join('\n') + '\n');
    return [a, b];
  });
  try {
    assert.equal(summary.duplicates, 3);
    assert.equal(summary.withoutKey, 2);
    assert.equal(summary.committed, 7);
    assert.deepEqual(
      leaves.map((l) => l.toString()),
      [eventLine(1), eventLine(2), noKey, otherStage, eventLine(3), noKey, eventLine(4)],
    );
    const report = await verifyStore(s.dir);
    assert.equal(report.ok, true, report.problem?.message);
  } finally {
    s.cleanup();
  }
});

test('leaf bytes: no BOM, no CR or LF, odd bytes kept; gzip; EventList items by their exact text', async () => {
  const odd = Buffer.concat([Buffer.from(eventLine(7).slice(0, -1)), Buffer.from(',"x":"'), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from('"}')]);
  const list = `{\n  "kind": "EventList",\n  "apiVersion": "audit.k8s.io/v1",\n  "items": [\n    ${eventLine(20)} ,\n    {"kind":"Event","verb":"get","auditID":"x", "stage":"ResponseComplete",\n      "nested": {"a": [1, "]"]}}\n  , {"kind":"Node"}]\n}\n`;
  const { s, summary, problems, leaves } = await ingest([], (s) => {
    const bom = join(s.root, 'bom.log');
    writeFileSync(bom, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(eventLine(5) + '\r\n'), odd, Buffer.from('\r\n' + eventLine(6))]));
    const gz = join(s.root, 'x.log.gz');
    writeFileSync(gz, gzipSync(eventLine(8) + '\n' + eventLine(9) + '\n'));
    const doc = join(s.root, 'list.json');
    writeFileSync(doc, list);
    return [bom, gz, doc];
  });
  try {
    assert.deepEqual(leaves, [
      Buffer.from(eventLine(5)),
      odd,
      Buffer.from(eventLine(6)),
      Buffer.from(eventLine(8)),
      Buffer.from(eventLine(9)),
      Buffer.from(eventLine(20)),
      Buffer.from('{"kind":"Event","verb":"get","auditID":"x", "stage":"ResponseComplete",\n      "nested": {"a": [1, "]"]}}'),
    ]);
    assert.equal(summary.bad, 1);
    assert.deepEqual([problems[0].line, problems[0].column], [8, 5]);
    assert.match(problems[0].message, /items\[2\].*kind "Node"/);
  } finally {
    s.cleanup();
  }
});

test('rotated backups are taken oldest first, then the active file', () => {
  const cases = [
    {
      desc: 'kube-apiserver backups, some gzipped',
      input: ['/l/audit.log', '/l/audit-2026-11-23T11-00-00.000.log.gz', '/l/audit-2026-11-23T10-00-00.000.log', '/l/audit-2026-11-22T23-59-59.999.log.gz'],
      want: ['/l/audit-2026-11-22T23-59-59.999.log.gz', '/l/audit-2026-11-23T10-00-00.000.log', '/l/audit-2026-11-23T11-00-00.000.log.gz', '/l/audit.log'],
    },
    { desc: 'unrelated files keep their order', input: ['/b.log', '/a.log', '-'], want: ['/b.log', '/a.log', '-'] },
    {
      desc: 'two logs stay grouped by first appearance',
      input: ['/x/kube.log', '/y/audit.log', '/x/kube-2026-01-01T00-00-00.000.log', '/y/audit-2026-01-01T00-00-00.000.log'],
      want: ['/x/kube-2026-01-01T00-00-00.000.log', '/x/kube.log', '/y/audit-2026-01-01T00-00-00.000.log', '/y/audit.log'],
    },
  ];
  for (const c of cases) assert.deepEqual(orderLogFiles(c.input), c.want, c.desc);
});

test('the shared corpus: every audit Event ingests, reads back byte-exact and verifies; the rest are reported', { skip: SKIP_WITHOUT_SHARED }, async () => {
  const dirs = ['audit2rbac', 'falco-k8s-audit-traces', 'openshift-cluster-logging-operator', 'sysdiglabs-aks-audit-log', 'afcollins-kube-audit-log-tool', 'panther-analysis', 'khi'];
  const files: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name));
      else if (/\.(jsonl|log|json)$/.test(e.name) && !e.name.includes('index')) files.push(join(d, e.name));
    }
  };
  for (const d of dirs) walk(sharedPath('corpus', d));
  assert.ok(files.length >= 15, `${files.length} corpus files`);
  // What each file should give, from the reader alone.
  const want: Buffer[] = [];
  let wantBad = 0;
  const seen = new Set<string>();
  let dups = 0;
  for (const f of files) {
    for await (const c of readCandidates(f)) {
      if (c.kind === 'problem') wantBad++;
      else {
        // The reference reading: the full parse of the candidate's bytes.
        const value = JSON.parse(c.bytes.toString('utf8'));
        const id = value.auditID;
        const stage = value.stage;
        const key = typeof id === 'string' && id !== '' && typeof stage === 'string' && stage !== '' ? `${id}\u0000${stage}` : null;
        if (key !== null && seen.has(key)) dups++;
        else {
          if (key !== null) seen.add(key);
          want.push(c.bytes);
        }
      }
    }
  }
  const { s, summary, problems, leaves } = await ingest(files);
  try {
    assert.equal(summary.committed, want.length);
    assert.ok(summary.committed > 200, `${summary.committed} events`);
    assert.equal(summary.duplicates, dups);
    assert.equal(summary.bad, wantBad);
    assert.deepEqual(leaves, want);
    // In JSON-lines files, each event's bytes are exactly its line (minus terminator and BOM).
    for (const f of files.filter((f) => !f.endsWith('.json'))) {
      const raw = readFileSync(f);
      const lines = (raw[0] === 0xef && raw[1] === 0xbb && raw[2] === 0xbf ? raw.subarray(3) : raw).toString('latin1').split('\n').map((l) => l.replace(/\r$/, ''));
      for await (const c of readCandidates(f)) {
        if (c.kind === 'event') assert.ok(c.bytes.equals(Buffer.from(lines[c.line - 1], 'latin1')), `${f}:${c.line}`);
      }
    }
    // The AKS envelopes are reported as such, not as garbage: a `records` list and a lone record.
    for (const name of ['event.json', 'sample_EventHubs_event.json']) {
      const aks = problems.filter((p) => p.file.endsWith(`sysdiglabs-aks-audit-log/${name}`));
      assert.equal(aks.length, 1, name);
      assert.match(aks[0].message, /AKS .*envelope; not yet supported/, name);
    }
    const report = await verifyStore(s.dir);
    assert.equal(report.ok, true, report.problem?.message);
    assert.equal(report.checked, want.length);
  } finally {
    s.cleanup();
  }
});

test('group commit: several batches in one commit, each with its own outcome; duplicates within and across them dropped', async () => {
  const s = tempStore();
  try {
    const store = await openStore(s.dir, { signingKey: s.skey });
    const pending = (i: number, extra: Record<string, unknown> = {}) => toPending(Buffer.from(eventLine(i, extra)), JSON.parse(eventLine(i, extra)));
    await commitGroups(store, [[pending(0)]]);
    const cases: Array<{ desc: string; groups: PendingWithKey[][]; want: Array<[number, number, number]> }> = [
      { desc: 'a repeat of a stored event, a new one', groups: [[pending(0), pending(1)]], want: [[1, 1, 0]] },
      { desc: 'the same event in two batches: the first keeps it', groups: [[pending(2)], [pending(2), pending(3)]], want: [[1, 0, 0], [1, 1, 0]] },
      { desc: 'events without auditID are kept and counted', groups: [[pending(4, { auditID: undefined })], [pending(4, { auditID: undefined })]], want: [[1, 0, 1], [1, 0, 1]] },
      { desc: 'an empty batch beside a full one', groups: [[], [pending(5), pending(6)]], want: [[0, 0, 0], [2, 0, 0]] },
    ];
    let size = 1;
    for (const c of cases) {
      const out = await commitGroups(store, c.groups);
      assert.deepEqual(out.map((o) => [o.committed, o.duplicates, o.withoutKey]), c.want, c.desc);
      size += c.want.reduce((a, w) => a + w[0], 0);
      assert.ok(out.every((o) => o.size === size), `${c.desc}: every batch sees the size after the one commit`);
      const firsts = out.filter((o) => o.committed > 0).map((o) => o.first);
      assert.deepEqual(firsts, [...firsts].sort((a, b) => a - b), `${c.desc}: batches in order`);
    }
    assert.equal(store.size, size);
    await store.close();
    assert.equal((await verifyStore(s.dir)).ok, true);
  } finally {
    s.cleanup();
  }
});

test('batched reading gives the same candidates as one by one: every shape of file', async () => {
  const s = tempStore();
  try {
    const ev = (i: number) => eventLine(i);
    const big = eventLine(9, { requestObject: { pad: 'y'.repeat(3 * 1024 * 1024) } });
    // Reads are 1 MiB: lines placed so that a read ends inside one, on its CR, or on its LF.
    const READ = 1024 * 1024;
    const sized = (i: number, length: number) => eventLine(i, { pad: 'p'.repeat(length - eventLine(i, { pad: '' }).length) });
    const many = (n: number, eol: string) => Array.from({ length: n }, (_, i) => sized(i, 600 + ((i * 7919) % 2000)) + eol).join('');
    const endingAt = (end: number, eol: string) => `${sized(1, end - eol.length)}${eol}${ev(2)}${eol}${ev(3)}${eol}`;
    const files: Array<[string, Buffer]> = [
      ['plain', Buffer.from(`${ev(1)}\n${ev(2)}\n`)],
      ['no final newline', Buffer.from(`${ev(1)}\n${ev(2)}`)],
      ['one line, no newline', Buffer.from(ev(1))],
      ['a BOM and CRLF', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(`${ev(1)}\r\n${ev(2)}\r\n`)])],
      ['blank lines and garbage', Buffer.from(`\n  \n${ev(1)}\nnot json\n{"kind":"Pod"}\n\n${ev(2)}\n`)],
      ['a pretty-printed event', Buffer.from(JSON.stringify(JSON.parse(ev(3)), null, 2))],
      ['a pretty-printed EventList', Buffer.from(JSON.stringify({ kind: 'EventList', apiVersion: 'audit.k8s.io/v1', items: [JSON.parse(ev(4)), JSON.parse(ev(5))] }, null, 2))],
      ['an EventList on one line', Buffer.from(`${JSON.stringify({ kind: 'EventList', apiVersion: 'audit.k8s.io/v1', items: [JSON.parse(ev(4))] })}\n${ev(6)}\n`)],
      ['a line longer than a read', Buffer.from(`${ev(1)}\n${big}\n${ev(2)}\n`)],
      ['lines across several reads', Buffer.from(many(3000, '\n'))],
      ['CRLF lines across several reads', Buffer.from(many(3000, '\r\n'))],
      ['a read ending on a line feed', Buffer.from(endingAt(READ, '\n'))],
      ['a read ending between CR and LF', Buffer.from(endingAt(READ + 1, '\r\n'))],
      ['a read ending just before a line feed', Buffer.from(endingAt(READ + 1, '\n'))],
      ['a read ending on a CRLF', Buffer.from(endingAt(READ, '\r\n'))],
      ['a last line ending in CR without LF', Buffer.from(`${ev(1)}\r\n${ev(2)}\r`)],
      ['a long line across reads ending in CRLF', Buffer.from(`${ev(1)}\r\n${sized(5, 3 * READ)}\r\n${ev(2)}`)],
      ['gzip', gzipSync(Buffer.from(`${ev(1)}\n${ev(2)}\nnope\n`))],
      ['empty', Buffer.alloc(0)],
    ];
    for (const [name, bytes] of files) {
      const path = join(s.root, `${name.replace(/\W+/g, '-')}.log`);
      writeFileSync(path, bytes);
      const one: string[] = [];
      for await (const c of readCandidates(path)) one.push(c.kind === 'event' ? `event ${c.line}:${c.column} ${c.bytes.toString('latin1')}` : `problem ${c.line}:${c.column} ${c.message}`);
      const batched: string[] = [];
      for await (const batch of readCandidateBatches(path)) for (const c of batch) batched.push(c.kind === 'event' ? `event ${c.line}:${c.column} ${c.bytes.toString('latin1')}` : `problem ${c.line}:${c.column} ${c.message}`);
      assert.deepEqual(batched, one, name);
      if (name !== 'empty') assert.ok(one.length > 0, `${name}: something was read`);
    }
  } finally {
    s.cleanup();
  }
});

test('a line longer than an event may be is a bad line, named, and the lines around it are read', async () => {
  const s = tempStore();
  try {
    const path = join(s.root, 'huge.log');
    const huge = Buffer.alloc(MAX_EVENT_BYTES + 10, 0x61);
    huge[0] = 0x7b; // '{' then a's: JSON or not, it is never parsed
    writeFileSync(path, Buffer.concat([Buffer.from(`${eventLine(1)}\n`), huge, Buffer.from(`\n${eventLine(2)}\n`)]));
    for (const read of [readCandidates, readCandidateBatches] as const) {
      const got: string[] = [];
      for await (const c of read(path) as AsyncIterable<unknown>) {
        for (const x of (Array.isArray(c) ? c : [c]) as Array<{ kind: string; line: number; message?: string }>) got.push(x.kind === 'event' ? `event ${x.line}` : `problem ${x.line}: ${x.message}`);
      }
      assert.deepEqual(got, ['event 1', `problem 2: ${lineTooLong(MAX_EVENT_BYTES + 10, MAX_EVENT_BYTES)}`, 'event 3'], read.name);
    }
  } finally {
    s.cleanup();
  }
});
