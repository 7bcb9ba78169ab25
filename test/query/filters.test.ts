/**
 * Every query-string filter on generated traffic: the store's answer equals a brute-force
 * filter over the parsed events (the known answer).
 */
import { strict as assert } from 'node:assert';
import { BlockList, isIP } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { parseQueryString, QueryStringError } from '../../src/query/index.js';
import type { Store } from '../../src/store/index.js';
import { generatedStore, type TempStore } from '../store/helpers.js';

/** The name the index gives an event: objectRef.name, else the response body's metadata.name. */
function objectName(e: any): string {
  const ref = e.objectRef?.name;
  if (typeof ref === 'string' && ref !== '') return ref;
  const fromResponse = e.responseObject?.metadata?.name;
  return typeof fromResponse === 'string' ? fromResponse : (ref ?? '');
}

function glob(pattern: string): RegExp {
  return new RegExp(`^${pattern.replace(/[.+^${}()|\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
}

function inCidr(cidr: string, ips: string[]): boolean {
  const [ip, bits] = cidr.split('/');
  const list = new BlockList();
  const type = isIP(ip) === 6 ? 'ipv6' : 'ipv4';
  if (bits === undefined) list.addAddress(ip, type);
  else list.addSubnet(ip, Number(bits), type);
  return ips.some((a) => isIP(a) !== 0 && list.check(a, isIP(a) === 6 ? 'ipv6' : 'ipv4'));
}

describe('query filters against brute force', () => {
  let s: TempStore;
  let store: Store;
  let events: any[];
  before(async () => {
    let lines: string[];
    ({ temp: s, store, lines } = await generatedStore(4000, 21));
    events = lines.map((l) => JSON.parse(l));
  });
  // Which filters an index narrows, and which read every row (the CLI says so for those).
  test('queries that read every event are known as such', async () => {
    const cases: Array<[string, Record<string, unknown>, boolean]> = [
      ['a user', { user: 'alice' }, false],
      ['a user glob', { user: 'system:serviceaccount:*' }, false],
      ['a resource and a verb', { resource: 'pods', verb: 'delete' }, false],
      ['a name', { name: 'web' }, false],
      ['an auditID', { auditID: '0000' }, false],
      ['a time range', { sinceUs: Date.parse('2026-12-01T00:00:10Z') * 1000 }, false],
      ['a verb alone', { verb: 'delete' }, true],
      ['a user agent glob', { userAgent: 'kubectl*' }, true],
      ['a response code class', { code: '4xx' }, true],
      ['a group', { group: 'system:nodes' }, true],
    ];
    for (const [desc, filter, all] of cases) assert.equal(await store.readsEverything(filter), all, desc);
  });

  after(async () => {
    await store.close();
    s.cleanup();
  });

  const pick = (f: (e: any) => unknown) => () => String(events.map(f).find((v) => v !== undefined && v !== null));
  const cases: { desc: string; q: () => string; keep: (e: any, q: string) => boolean }[] = [
    { desc: 'an exact user', q: () => `user=${pick((e) => e.user?.username)()}`, keep: (e, q) => e.user?.username === q.slice(5) },
    { desc: 'a user glob', q: () => 'user=system:serviceaccount:kube-system:*', keep: (e) => glob('system:serviceaccount:kube-system:*').test(e.user?.username ?? '') },
    { desc: 'a group', q: () => 'group=system:nodes', keep: (e) => (e.user?.groups ?? []).includes('system:nodes') },
    { desc: 'a verb and a resource glob', q: () => 'verb=update resource=*s', keep: (e) => e.verb === 'update' && glob('*s').test(e.objectRef?.resource ?? '') },
    { desc: 'a namespace', q: () => `ns=${pick((e) => e.objectRef?.namespace)()}`, keep: (e, q) => e.objectRef?.namespace === q.slice(3) },
    { desc: 'a name glob', q: () => 'name=ledger-*', keep: (e) => glob('ledger-*').test(objectName(e)) },
    // A pod made from generateName has its name only in the response body.
    { desc: 'a name the server gave (generateName)', q: () => `name=${pick((e) => (e.verb === 'create' && !e.objectRef?.name && e.responseObject?.metadata?.generateName ? e.responseObject.metadata.name : undefined))()}`, keep: (e, q) => objectName(e) === q.slice(5) },
    { desc: 'a response code', q: () => 'code=201', keep: (e) => e.responseStatus?.code === 201 },
    { desc: 'a code class', q: () => 'code=4xx', keep: (e) => (e.responseStatus?.code ?? 0) >= 400 && e.responseStatus.code <= 499 },
    { desc: 'an IPv4 CIDR', q: () => 'ip=10.244.0.0/16', keep: (e) => inCidr('10.244.0.0/16', e.sourceIPs ?? []) },
    { desc: 'one IP', q: () => `ip=${pick((e) => e.sourceIPs?.[0])()}`, keep: (e, q) => inCidr(q.slice(3), e.sourceIPs ?? []) },
    { desc: 'an IPv6 CIDR', q: () => 'ip=::1/128', keep: (e) => inCidr('::1/128', e.sourceIPs ?? []) },
    { desc: 'a user-agent glob', q: () => 'ua=kubelet/*', keep: (e) => glob('kubelet/*').test(e.userAgent ?? '') },
    { desc: 'a stage and a level', q: () => 'stage=ResponseStarted level=Metadata', keep: (e) => e.stage === 'ResponseStarted' && e.level === 'Metadata' },
    { desc: 'an authorization decision', q: () => 'decision=allow verb=delete', keep: (e) => e.annotations?.['authorization.k8s.io/decision'] === 'allow' && e.verb === 'delete' },
    { desc: 'an auditID', q: () => `id=${events[17].auditID}`, keep: (e) => e.auditID === events[17].auditID },
    { desc: 'a time window', q: () => 'since=2026-12-01T00:00:05Z until=2026-12-01T00:00:09Z', keep: (e) => Date.parse(e.requestReceivedTimestamp) >= Date.parse('2026-12-01T00:00:05Z') && Date.parse(e.requestReceivedTimestamp) < Date.parse('2026-12-01T00:00:09Z') },
  ];
  for (const c of cases) {
    test(c.desc, async () => {
      const q = c.q();
      const got: number[] = [];
      for await (const e of store.query(parseQueryString(q))) got.push(e.leaf);
      const want = events.map((e, i) => (c.keep(e, q) ? i : -1)).filter((i) => i >= 0);
      assert.ok(want.length > 0, `the case selects something (${q})`);
      assert.ok(want.length < events.length, `the case filters something out (${q})`);
      assert.deepEqual(got, want, q);
      const rows: number[] = [];
      for await (const r of store.queryRows({ ...parseQueryString(q), limit: 3, newestFirst: true })) rows.push(r.leaf);
      assert.deepEqual(rows, [...want].reverse().slice(0, 3), `${q}: newest first, limited`);
    });
  }
});

test('malformed values and unknown fields are refused, listing what is accepted', () => {
  const bad: [string, RegExp][] = [
    ['colour=red', /unknown field "colour"; use user, group, as\|impersonated, verb/],
    ['code=42', /a response code \(403\) or a class \(4xx\)/],
    ['ip=10.0.0.0/33', /an IP address or a CIDR/],
    ['ip=localhost', /an IP address or a CIDR/],
    ['since=yesterday', /a duration \(15m, 2h, 7d\) or an RFC 3339 time/],
    ['user', /expected field=value/],
    ['user="alice', /not closed/],
  ];
  for (const [q, want] of bad) assert.throws(() => parseQueryString(q), (err: unknown) => err instanceof QueryStringError && want.test(err.message), q);
  assert.deepEqual(parseQueryString('user="bob smith" ns=prod'), { user: 'bob smith', namespace: 'prod' });
});
