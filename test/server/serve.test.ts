/**
 * The webhook receiver over real HTTPS on 127.0.0.1 with certificates made by kubetrail:
 * authenticated writers only, 2xx only after the commit, retries deduplicated, bad and
 * oversized bodies stored nowhere, overload and a full disk answered 503 with the store
 * intact.
 */
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { parse } from 'yaml';
import { checkInclusion, hashLeaf } from '../../src/ledger/index.js';
import { createCertificateAuthority, issueCertificate } from '../../src/server/index.js';
import { createStoreKeys, openStore, verifyStore } from '../../src/store/index.js';
import { runCli } from '../support/cli.js';
import { call, eventList, testServer, waitIndexed } from './helpers.js';

describe('the webhook receiver', () => {
  test('accepts a batch over mTLS and over the token, commits it byte for byte, and deduplicates a retry', async () => {
    const s = await testServer();
    try {
      const url = `${s.running.url}/webhook`;
      const mtls = { ca: s.home.ca.certPem, cert: s.home.client.certPem, key: s.home.client.keyPem };
      const batch = eventList([1, 2, 3]);
      const r = await call(url, { ...mtls, body: batch.body });
      assert.equal(r.status, 200, r.body);
      assert.deepEqual(r.json(), { committed: 3, duplicates: 0, size: 3 });
      // The leaves are the items' exact text.
      assert.deepEqual([0, 1, 2].map((i) => s.store.readLeaf(i).toString()), batch.items);
      // kube-apiserver retries a batch it did not hear back about: nothing doubles.
      const retry = await call(url, { ...mtls, body: batch.body });
      assert.deepEqual(retry.json(), { committed: 0, duplicates: 3, size: 3 });
      const byToken = await call(url, { ca: s.home.ca.certPem, token: s.home.token, body: eventList([4]).body });
      assert.equal(byToken.status, 200);
      assert.equal(s.store.size, 4);
      assert.equal((await verifyStore(s.store.dir)).ok, true);
    } finally {
      await s.close();
    }
  });

  test('unauthenticated writers get 401 and store nothing', async () => {
    const s = await testServer();
    try {
      const url = `${s.running.url}/webhook`;
      const other = await createCertificateAuthority('someone else');
      const stranger = await issueCertificate(other, { commonName: 'kube-apiserver', usage: 'client' });
      const cases: { desc: string; opts: Parameters<typeof call>[1] }[] = [
        { desc: 'no credentials', opts: {} },
        { desc: 'a client certificate from another CA', opts: { cert: stranger.certPem, key: stranger.keyPem } },
        { desc: 'a wrong token', opts: { token: `${s.home.token}x` } },
        { desc: 'a token of the wrong length', opts: { token: 'short' } },
        { desc: 'a malformed Authorization header', opts: { headers: { authorization: `Basic ${Buffer.from('a:b').toString('base64')}` } } },
      ];
      for (const c of cases) {
        const r = await call(url, { ...c.opts, ca: s.home.ca.certPem, body: eventList([1]).body });
        assert.equal(r.status, 401, c.desc);
        assert.match(r.json().error, /client certificate|token/);
      }
      assert.equal(s.store.size, 0);
    } finally {
      await s.close();
    }
  });

  test('malformed bodies get 400 with the reason and store nothing', async () => {
    const s = await testServer();
    try {
      const url = `${s.running.url}/webhook`;
      const cases: { desc: string; body: string; want: RegExp }[] = [
        { desc: 'not JSON', body: '{"kind":"EventList",', want: /not JSON/ },
        { desc: 'a JSON array', body: '[]', want: /not a JSON object/ },
        { desc: 'an Event, not an EventList', body: eventList([1]).items[0], want: /not an EventList/ },
        { desc: 'another API group', body: '{"kind":"EventList","apiVersion":"v1","items":[]}', want: /apiVersion "v1"/ },
        { desc: 'an item that is not an event', body: `{"kind":"EventList","apiVersion":"audit.k8s.io/v1","items":[${eventList([1]).items[0]},{"foo":1}]}`, want: /items\[1\]/ },
        { desc: 'items not a list', body: '{"kind":"EventList","apiVersion":"audit.k8s.io/v1","items":{}}', want: /items is not a list/ },
      ];
      for (const c of cases) {
        const r = await call(url, { ca: s.home.ca.certPem, token: s.home.token, body: c.body });
        assert.equal(r.status, 400, c.desc);
        assert.match(r.json().error, c.want, c.desc);
      }
      assert.equal(s.store.size, 0, 'a batch with one bad item is refused whole');
    } finally {
      await s.close();
    }
  });

  test('an oversized body gets 413 (declared or streamed) and stores nothing', async () => {
    const s = await testServer({ maxBodyBytes: 4096 });
    try {
      const url = `${s.running.url}/webhook`;
      const big = eventList(Array.from({ length: 40 }, (_, i) => i)).body;
      assert.ok(big.length > 4096);
      const r = await call(url, { ca: s.home.ca.certPem, token: s.home.token, body: big });
      assert.equal(r.status, 413);
      // Chunked, without Content-Length: counted as it streams.
      const chunked = await call(url, { ca: s.home.ca.certPem, token: s.home.token, body: big, headers: { 'transfer-encoding': 'chunked' } });
      assert.equal(chunked.status, 413);
      assert.equal(s.store.size, 0);
    } finally {
      await s.close();
    }
  });

  test('when the queue is full the answer is 503 with Retry-After, and nothing is stored', async () => {
    const s = await testServer({ maxQueued: 0 });
    try {
      const r = await call(`${s.running.url}/webhook`, { ca: s.home.ca.certPem, token: s.home.token, body: eventList([1]).body });
      assert.equal(r.status, 503);
      assert.equal(r.headers['retry-after'], '1');
      assert.equal(s.store.size, 0);
    } finally {
      await s.close();
    }
  });

  test('a full disk gives 503, keeps every acknowledged batch, and the store still verifies', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'kubetrail-full-'));
    const mnt = join(dir, 'mnt');
    mkdirSync(mnt);
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1536k', 'tmpfs', mnt], { stdio: 'ignore' });
    } catch {
      rmSync(dir, { recursive: true, force: true });
      t.skip('cannot mount a small tmpfs here (needs root): full-disk case skipped');
      return;
    }
    const storeDir = join(mnt, 'store');
    createStoreKeys(storeDir, 'test.example/full', join(dir, 'signing.key'));
    const signing = readFileSync(join(dir, 'signing.key'), 'utf8');
    const s = await testServer({ storeDir, signingKey: signing });
    const store = s.store;
    const running = s.running;
    try {
      let acknowledged = 0;
      let sawFull = false;
      for (let b = 0; b < 200 && !sawFull; b++) {
        const batch = eventList(Array.from({ length: 20 }, (_, i) => b * 20 + i), { requestObject: { pad: 'x'.repeat(4000) } });
        const r = await call(`${running.url}/webhook`, { ca: s.home.ca.certPem, token: s.home.token, body: batch.body });
        if (r.status === 200) acknowledged += r.json().committed;
        else {
          assert.equal(r.status, 503, r.body);
          sawFull = true;
        }
      }
      assert.ok(sawFull, 'the disk filled up');
      assert.ok(acknowledged > 0);
      await running.close();
      await store.close();
      // Every acknowledged event is there, and the store is intact.
      const reopened = await openStore(storeDir, { signingKey: signing });
      assert.equal(reopened.size, acknowledged);
      await reopened.close();
      const report = await verifyStore(storeDir);
      assert.equal(report.ok, true, report.problem?.message);
    } finally {
      await s.close().catch(() => undefined);
      execFileSync('umount', [mnt], { stdio: 'ignore' });
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the API', () => {
  test('an event with its inclusion proof, the checkpoint, search, completion, lint and verify', async () => {
    const s = await testServer();
    try {
      const list = eventList([1, 2, 3, 4, 5]);
      await call(`${s.running.url}/webhook`, { ca: s.home.ca.certPem, token: s.home.token, body: list.body });
      // Acknowledged once in the ledger; the index follows on its worker thread.
      await waitIndexed(s.store);
      const api = (p: string, opts: Parameters<typeof call>[1] = {}) => call(`${s.running.url}/api/${p}`, { ca: s.home.ca.certPem, ...opts });
      const e = (await api('events/2')).json();
      const proof = e.proof.hashes.map((h: string) => Buffer.from(h, 'base64'));
      const cp = (await api('checkpoint')).json();
      assert.equal(cp.size, 5);
      assert.doesNotThrow(() => checkInclusion(proof, e.proof.treeSize, Buffer.from(cp.rootHash, 'base64'), 2, hashLeaf(Buffer.from(e.raw))));
      assert.equal((await api('events/5')).status, 404);
      assert.equal((await api('events/abc')).status, 400);
      const found = (await api('events?q=name%3Dp3')).json();
      assert.deepEqual(found.events.map((x: { leaf: number }) => x.leaf), [2]);
      assert.equal(found.events[0].sourceIP, '10.0.0.1');
      assert.equal(found.complete, true);
      assert.equal(found.resumeLeaf, null);
      // Pages: newest first, two at a time, each going on before the last one's resumeLeaf.
      const page1 = (await api('events?limit=2')).json();
      assert.deepEqual([page1.events.map((x: { leaf: number }) => x.leaf), page1.truncated, page1.complete, page1.resumeLeaf], [[4, 3], true, false, 3]);
      const page2 = (await api(`events?limit=2&before=${page1.resumeLeaf}`)).json();
      assert.deepEqual(page2.events.map((x: { leaf: number }) => x.leaf), [2, 1]);
      const page3 = (await api(`events?limit=2&before=${page2.resumeLeaf}`)).json();
      assert.deepEqual([page3.events.map((x: { leaf: number }) => x.leaf), page3.complete], [[0], true]);
      const oldest = (await api('events?order=oldest&after=2')).json();
      assert.deepEqual(oldest.events.map((x: { leaf: number }) => x.leaf), [3, 4]);
      for (const query of ['before=-1', 'after=1e3', 'before=x']) assert.equal((await api(`events?${query}`)).status, 400, query);
      const bad = await api('events?q=colour%3Dred');
      assert.equal(bad.status, 400);
      assert.match(bad.json().error, /unknown field "colour"; use user, group, as\|impersonated, verb/);
      assert.deepEqual((await api('values?field=user&prefix=al')).json().values, ['alice']);
      const lint = (await api('policy/lint', { body: 'apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: Loud\n' })).json();
      assert.equal(lint.loadable, false);
      const verify = (await api('verify', { body: '{}' })).json();
      assert.equal(verify.ok, true);
      assert.equal(verify.checked, 5);
      assert.equal((await api('nope')).status, 404);
      // Rollups: every event lands in exactly one bucket of whole steps.
      const tl = (await api('timeline?by=verb')).json();
      assert.equal(tl.series.reduce((a: number, x: { counts: number[] }) => a + x.counts.reduce((b, c) => b + c, 0), 0), 5);
      assert.ok(tl.times.every((t: number) => Number.isInteger(t / tl.stepSeconds)), 'bucket starts are whole steps');
      // Events and the bytes they cost (each item's exact text).
      assert.deepEqual((await api('top?by=user')).json().rows, [{ key: 'alice', events: 5, bytes: list.items.reduce((a, i) => a + Buffer.byteLength(i), 0) }]);
      assert.equal((await api('top?by=colour')).status, 400);
      const hist = (await api('history?resource=pods&name=p3&ns=default')).json();
      assert.deepEqual(hist.entries.map((x: { leaf: number }) => x.leaf), [2]);
      const metrics = await call(`${s.running.url}/metrics`, { ca: s.home.ca.certPem });
      assert.match(metrics.body, /kubetrail_webhook_events_total\{outcome="committed"\} 5/);
    } finally {
      await s.close();
    }
  });

  test('bound beyond loopback, the API needs the token', async () => {
    const s = await testServer({ allowLoopbackApi: false });
    try {
      assert.equal((await call(`${s.running.url}/api/checkpoint`, { ca: s.home.ca.certPem })).status, 401);
      assert.equal((await call(`${s.running.url}/api/checkpoint`, { ca: s.home.ca.certPem, token: s.home.token })).status, 200);
    } finally {
      await s.close();
    }
  });
});

describe('webhook-config', () => {
  test('writes a kubeconfig kube-apiserver can use, with certificates that chain to its CA', async () => {
    const out = mkdtempSync(join(tmpdir(), 'kubetrail-wh-'));
    try {
      const r = await runCli(['webhook-config', '--out', out, '--server', 'https://127.0.0.1:9443/webhook', '--hosts', 'audit.example.com']);
      assert.equal(r.code, 0, r.stderr);
      const kc = parse(readFileSync(join(out, 'webhook-kubeconfig.yaml'), 'utf8'));
      assert.equal(kc.kind, 'Config');
      assert.equal(kc['current-context'], 'kubetrail');
      assert.equal(kc.clusters[0].cluster.server, 'https://127.0.0.1:9443/webhook');
      const ca = new X509Certificate(Buffer.from(kc.clusters[0].cluster['certificate-authority-data'], 'base64'));
      const client = new X509Certificate(Buffer.from(kc.users[0].user['client-certificate-data'], 'base64'));
      const server = new X509Certificate(readFileSync(join(out, 'server.crt')));
      assert.ok(client.verify(ca.publicKey), 'the client certificate is signed by the CA');
      assert.ok(server.verify(ca.publicKey), 'the server certificate is signed by the CA');
      assert.ok(ca.ca);
      assert.match(server.subjectAltName ?? '', /IP Address:127\.0\.0\.1/);
      assert.match(server.subjectAltName ?? '', /DNS:audit\.example\.com/);
      for (const f of ['ca.key', 'server.key', 'client.key', 'token', 'webhook-kubeconfig.yaml']) assert.equal(statSync(join(out, f)).mode & 0o777, 0o600, f);
      // Running again reuses the CA (a running server keeps trusting its clients).
      const caBefore = readFileSync(join(out, 'ca.crt'), 'utf8');
      assert.equal((await runCli(['webhook-config', '--out', out, '--server', 'https://127.0.0.1:9443/webhook', '--auth', 'token'])).code, 0);
      assert.equal(readFileSync(join(out, 'ca.crt'), 'utf8'), caBefore);
      assert.equal(parse(readFileSync(join(out, 'webhook-kubeconfig.yaml'), 'utf8')).users[0].user.token, readFileSync(join(out, 'token'), 'utf8').trim());
      assert.equal((await runCli(['webhook-config', '--out', out, '--server', 'http://x/webhook'])).code, 2);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  test('the kubeconfig it writes works against a server using its certificates', async () => {
    const s = await testServer();
    try {
      const kc = parse(readFileSync(s.home.kubeconfigPath, 'utf8'));
      const user = kc.users[0].user;
      const r = await call(`${s.running.url}/webhook`, {
        ca: Buffer.from(kc.clusters[0].cluster['certificate-authority-data'], 'base64').toString(),
        cert: Buffer.from(user['client-certificate-data'], 'base64').toString(),
        key: Buffer.from(user['client-key-data'], 'base64').toString(),
        body: eventList([9]).body,
      });
      assert.equal(r.status, 200, r.body);
    } finally {
      await s.close();
    }
  });
});
