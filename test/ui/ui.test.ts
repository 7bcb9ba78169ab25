/**
 * The web UI in a real headless Chromium (Debian's package, driven by playwright-core)
 * against a real kubetrail server: load, search with completion, open an event and check
 * its inclusion proof in the page, run verify, paste a policy. Screenshots go to
 * artifacts/ui/.
 */
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { loadDemoData } from '../../src/server/index.js';
import { launchChromium, screenshot, SKIP_WITHOUT_CHROMIUM } from '../support/browser.js';
import { REPO_ROOT } from '../support/paths.js';
import { call, eventList, testServer, waitIndexed, type TestServer } from '../server/helpers.js';

describe('the web UI in Chromium', { skip: SKIP_WITHOUT_CHROMIUM }, () => {
  let s: TestServer;
  let browser: Browser;
  let page: Page;

  before(async () => {
    s = await testServer({ uiDir: join(REPO_ROOT, 'dist', 'web') });
    await loadDemoData(s.store, 3000, 5);
    await call(`${s.running.url}/webhook`, { ca: s.home.ca.certPem, token: s.home.token, body: eventList([1, 2, 3]).body });
    // Two writes of one Deployment, logged with their bodies: replicas 3, then 0.
    const deploy = (i: number, verb: string, replicas: number) => ({ verb, level: 'RequestResponse', requestURI: '/apis/apps/v1/namespaces/prod/deployments/web', user: { username: 'bob', groups: ['system:authenticated'] }, objectRef: { resource: 'deployments', namespace: 'prod', name: 'web', apiGroup: 'apps', apiVersion: 'v1' }, responseObject: { kind: 'Deployment', metadata: { name: 'web', resourceVersion: String(100 + i) }, spec: { replicas } }, auditID: `d-${i}` });
    const writes = `{"kind":"EventList","apiVersion":"audit.k8s.io/v1","items":[${[deploy(1, 'create', 3), deploy(2, 'patch', 0)].map((e) => JSON.stringify({ ...JSON.parse(eventList([0]).items[0]), ...e })).join(',')}]}`;
    assert.equal((await call(`${s.running.url}/webhook`, { ca: s.home.ca.certPem, token: s.home.token, body: writes })).status, 200);
    await waitIndexed(s.store);
    browser = await launchChromium();
    const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1280, height: 800 } });
    page = await context.newPage();
  });

  after(async () => {
    await browser?.close();
    await s?.close();
  });

  test('loads and lists the newest events', async () => {
    await page.goto(`${s.running.url}/`);
    await page.waitForSelector('.vtable-row');
    assert.match((await page.textContent('[data-testid=summary]')) ?? '', /events/);
    const rows = await page.locator('.vtable-row').count();
    assert.ok(rows > 10 && rows < 200, `only the rows in view are in the DOM (${rows})`);
    await screenshot(page, 'search');
  });

  test('searches with the query string, completing field names and values', async () => {
    const box = page.locator('[data-testid=query]');
    await box.fill('');
    await box.type('us');
    await page.waitForSelector('[data-testid=suggestions] li');
    assert.ok((await page.locator('[data-testid=suggestions] li').allTextContents()).includes('user'));
    await box.fill('user=al');
    await box.press('End');
    await box.type('i');
    await page.waitForFunction(() => [...document.querySelectorAll('[data-testid=suggestions] li')].some((li) => li.textContent === 'alice'));
    await box.fill('user=alice');
    await box.press('Enter');
    await page.waitForFunction(() => /^3 events/.test(document.querySelector('[data-testid=summary]')?.textContent ?? ''));
    await screenshot(page, 'search-alice');
    await box.fill('colour=red');
    await box.press('Enter');
    await page.waitForSelector('[data-testid=error]');
    assert.match((await page.textContent('[data-testid=error]')) ?? '', /unknown field "colour"/);
  });

  test('opens an event, laid out, with its inclusion proof checked in the page', async () => {
    await page.goto(`${s.running.url}/#/search?q=user%3Dalice`);
    await page.waitForSelector('.vtable-row');
    await page.locator('.vtable-row').first().click();
    await page.waitForFunction(() => /✔/.test(document.querySelector('[data-testid=integrity]')?.textContent ?? ''));
    assert.match((await page.textContent('[data-testid=integrity]')) ?? '', /is in the tree of 3005 events signed by localhost\/kubetrail/);
    assert.match((await page.textContent('[data-testid=who]')) ?? '', /alice/);
    assert.match((await page.textContent('[data-testid=raw]')) ?? '', /"auditID"/);
    await screenshot(page, 'event');
  });

  test('a proof that does not match is shown as failing', async () => {
    // Tamper with the answer on its way to the page: the page must notice.
    await page.route('**/api/events/3000', async (route) => {
      const res = await route.fetch();
      const body = await res.json();
      body.raw = body.raw.replace('alice', 'mallory');
      await route.fulfill({ response: res, json: body });
    });
    await page.goto(`${s.running.url}/#/event/3000`);
    await page.waitForFunction(() => /✘/.test(document.querySelector('[data-testid=integrity]')?.textContent ?? ''));
    await page.unroute('**/api/events/3000');
  });

  test('runs verify on the Integrity page', async () => {
    await page.goto(`${s.running.url}/#/integrity`);
    await page.waitForSelector('[data-testid=checkpoint]');
    assert.match((await page.textContent('[data-testid=checkpoint]')) ?? '', /^localhost\/kubetrail\n3005\n/);
    await page.waitForSelector('[data-testid=signature]');
    assert.match((await page.textContent('[data-testid=signature]')) ?? '', /^✔ signed by localhost\/kubetrail \(key [0-9a-f]{8}\), checked in this page/);
    await page.click('[data-testid=verify]');
    await page.waitForSelector('[data-testid=verify-result]');
    assert.match((await page.textContent('[data-testid=verify-result]')) ?? '', /intact: 3,005 events recomputed/);
    await screenshot(page, 'integrity');
  });

  test('a checkpoint changed after signing, or signed by another key, fails the check in the page', async () => {
    const cases: Array<[string, (c: { text: string; verifierKey: string }) => void, RegExp]> = [
      ['the size changed', (c) => void (c.text = c.text.replace(/\n(\d+)\n/, (_m, n) => `\n${Number(n) + 1}\n`)), /^✘ the signature by localhost\/kubetrail does not match the checkpoint/],
      ['another key given', (c) => void (c.verifierKey = c.verifierKey.replace(/\+[0-9a-f]{8}\+/, '+00000000+')), /^✘ the verifier key's hash is/],
    ];
    for (const [desc, change, want] of cases) {
      await page.route('**/api/checkpoint', async (route) => {
        const response = await route.fetch();
        const body = await response.json();
        change(body);
        await route.fulfill({ response, json: body });
      });
      await page.goto(`${s.running.url}/#/integrity`);
      await page.reload();
      await page.waitForSelector('[data-testid=signature]');
      assert.match((await page.textContent('[data-testid=signature]')) ?? '', want, desc);
      await page.unroute('**/api/checkpoint');
    }
  });

  test('shows one user: activity over time, what they touch, what they were refused', async () => {
    // The user with the most 403s in the demo traffic, and the answers the API gives for them.
    const api = async (p: string) => (await call(`${s.running.url}/api/${p}`, { ca: s.home.ca.certPem })).json();
    const refused = await api('top?by=user&q=code%3D403&limit=1');
    assert.ok(refused.rows.length === 1, 'the demo traffic has 403s');
    const user: string = refused.rows[0].key;
    const resources = await api(`top?by=resource&limit=10&q=${encodeURIComponent(`user=${user}`)}`);
    await page.goto(`${s.running.url}/#/user/${encodeURIComponent(user)}`);
    await page.waitForSelector('[data-testid=user-name]');
    assert.equal(await page.textContent('[data-testid=user-name]'), user);
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid=forbidden] li').length === n, Math.min(200, refused.rows[0].events));
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid=user-resources] li').length === n, resources.rows.length);
    assert.match((await page.textContent('[data-testid=user-resources] li')) ?? '', new RegExp(`^${resources.rows[0].key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: `));
    await page.waitForSelector('.page.user canvas');
    await screenshot(page, 'user');
  });

  test('shows an object\'s history with what changed', async () => {
    await page.goto(`${s.running.url}/#/history?resource=deployments&name=web&ns=prod`);
    await page.waitForSelector('[data-testid=diff]');
    const text = (await page.textContent('[data-testid=history]')) ?? '';
    assert.match(text, /bob create/);
    assert.match(text, /spec\.replicas: 3 → 0/);
    assert.doesNotMatch(text, /resourceVersion/, 'write-noise fields are left out');
    await screenshot(page, 'history');
  });

  test('draws the volume chart and the top talkers', async () => {
    await page.goto(`${s.running.url}/#/volume?by=verb&range=all`);
    await page.waitForSelector('[data-testid=chart] canvas');
    await page.waitForSelector('[data-testid=top] tbody tr');
    assert.ok((await page.locator('[data-testid=top] tbody tr').count()) >= 3);
    assert.match((await page.textContent('[data-testid=render-ms]')) ?? '', /drawn in \d+ ms/);
    await screenshot(page, 'volume');
  });

  test('lints a pasted policy', async () => {
    await page.goto(`${s.running.url}/#/policy`);
    await page.fill('[data-testid=policy-text]', 'apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: Loud\n');
    await page.click('[data-testid=policy-check]');
    await page.waitForSelector('[data-testid=lint]');
    assert.match((await page.textContent('[data-testid=lint]')) ?? '', /kube-apiserver would refuse this policy/);
    // A loadable candidate: its findings and what it keeps of the stored traffic.
    await page.fill('[data-testid=policy-text]', 'apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: None\n  verbs: ["get", "list", "watch"]\n- level: Metadata\n');
    await page.click('[data-testid=policy-check]');
    await page.waitForSelector('[data-testid=simulate]');
    const sim = (await page.textContent('[data-testid=simulate]')) ?? '';
    assert.match(sim, /3,005 events: [\d,]+ kept, [\d,]+ dropped/);
    assert.match(sim, /rules\[0\]: level None; verbs get,list,watch/);
    await screenshot(page, 'policy');
  });
});
