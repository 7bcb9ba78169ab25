/**
 * The web UI in headless Chromium against a real server on a store of N generated
 * events (default 200,000; the issue's goal is stated at 10 million): first contentful
 * paint and time to the first result rows, frame times while scrolling 100,000 results,
 * API search latency (against /healthz in the same run as the floor), and the volume
 * chart's render time. Prints a markdown table.
 *
 *   node dist/bench/ui.js [--events N]
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { loadDemoData, prepareHome, startServer } from '../src/server/index.js';
import { openStore } from '../src/store/index.js';

const CHROMIUM = process.env.KUBETRAIL_CHROMIUM ?? '/usr/bin/chromium';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

function get(url: string, ca: string, answers?: unknown[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const t = performance.now();
    request(url, { ca }, (res) => {
      const body: Buffer[] = [];
      res.on('data', (c: Buffer) => body.push(c));
      res.on('end', () => {
        const ms = performance.now() - t;
        answers?.push(JSON.parse(Buffer.concat(body).toString('utf8')));
        resolve(ms);
      });
    })
      .on('error', reject)
      .end();
  });
}

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];

async function main(): Promise<void> {
  const events = arg('events', 200_000);
  const dir = mkdtempSync(join(tmpdir(), 'kubetrail-bench-ui-'));
  const home = await prepareHome(join(dir, 'home'), { hosts: ['127.0.0.1'], webhookUrl: 'https://127.0.0.1:1/webhook' });
  // --store DIR: an existing store (read only; e.g. the 10 M events bench/query --dir kept),
  // instead of loading `events` generated ones into a new one.
  const existing = process.argv.includes('--store') ? process.argv[process.argv.indexOf('--store') + 1] : undefined;
  const store = existing !== undefined ? await openStore(existing) : await openStore(home.storeDir, { signingKey: readFileSync(home.signingKeyPath, 'utf8') });
  const t0 = performance.now();
  if (existing === undefined) {
    await store.indexInBackground(); // as kubetrail serve runs
    await loadDemoData(store, events, 3);
  }
  const loadSeconds = (performance.now() - t0) / 1000;
  store.readsOffThread(); // as kubetrail serve runs
  const uiDir = fileURLToPath(new URL('../web', import.meta.url));
  const running = await startServer({ store, host: '127.0.0.1', port: 0, tls: { certPem: home.server.certPem, keyPem: home.server.keyPem, clientCaPem: home.ca.certPem }, token: home.token, uiDir });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'] });
  try {
    // API: searches a person would type, against the floor of a trivial request.
    const floor: number[] = [];
    const search: number[] = [];
    const answers: unknown[] = [];
    const users = await store.top({}, 'user', 20);
    for (let i = 0; i < 40; i++) {
      floor.push(await get(`${running.url}/healthz`, home.ca.certPem));
      const u = users[i % users.length].key;
      const q = [`user=${u}`, `user=${u} verb=get`, 'verb=delete resource=pods', `resource=pods since=5m`][i % 4];
      search.push(await get(`${running.url}/api/events?q=${encodeURIComponent(q)}&limit=1000`, home.ca.certPem, answers));
    }
    // A search answers within its budget (75 ms of index reads); how many had all their answer by then.
    const whole = answers.filter((a) => (a as { complete: boolean; truncated: boolean }).complete || (a as { truncated: boolean }).truncated).length;

    const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    const navStart = performance.now();
    await page.goto(`${running.url}/#/search?range=all`);
    await page.waitForSelector('.vtable-row');
    const firstRowsMs = performance.now() - navStart;
    const fcp = await page.evaluate(() => performance.getEntriesByType('paint').find((e) => e.name === 'first-contentful-paint')?.startTime ?? -1);

    // 100,000 results, scrolled one step per frame; frame time = gap between animation frames.
    await page.goto(`${running.url}/#/search?q=&range=all&limit=100000`);
    await page.waitForSelector('.vtable-row');
    // Wait until the count shows the 100,000 rows.
    await page.waitForFunction(() => /^100,000 events/.test(document.querySelector('[data-testid=summary]')?.textContent ?? ''), undefined, { timeout: 120_000 });
    const rowsShown = await page.evaluate(() => Number((document.querySelector('[data-testid=summary]')?.textContent ?? '0').split(' ')[0].replace(/,/g, '')));
    // Two clocks: the frame's own time (requestAnimationFrame's argument, the start of the
    // frame the browser is producing: gaps are whole frames, 16.7 ms each, 33.3 when one is
    // dropped) and performance.now() when the callback runs (which adds the callback's own
    // scheduling jitter to each gap: a frame on time can read 17.5 ms after one that read 15.9).
    // And Chromium's own performance trace of the same scrolling, read as DevTools' frames
    // track reads it: a frame is the interval from the start of one frame that presented
    // the page's update (PipelineReporter in STATE_PRESENTED_ALL) to the next; a frame the
    // compositor dropped shows as a 33.3 ms one. (DrawFrame events are not frame times: in
    // headless software rendering they fall anywhere within the frame.)
    await browser.startTracing(page, { categories: ['devtools.timeline', 'disabled-by-default-devtools.timeline.frame'] });
    const { frames, callbackGaps } = await page.evaluate(
      () =>
        new Promise<{ frames: number[]; callbackGaps: number[] }>((resolve) => {
          const body = document.querySelector('[data-testid=results]') as HTMLElement;
          const frameGaps: number[] = [];
          const gaps: number[] = [];
          let lastFrame = -1;
          let last = performance.now();
          let n = 0;
          const step = (frameTime: number) => {
            const now = performance.now();
            if (lastFrame >= 0) frameGaps.push(frameTime - lastFrame);
            gaps.push(now - last);
            lastFrame = frameTime;
            last = now;
            body.scrollTop += 600;
            if (++n < 300) requestAnimationFrame(step);
            else resolve({ frames: frameGaps.slice(5), callbackGaps: gaps.slice(5) });
          };
          requestAnimationFrame(step);
        }),
    );

    type TraceEvent = { name: string; ts: number; ph: string; args?: { frame_reporter?: { state?: string } } };
    const trace = JSON.parse((await browser.stopTracing()).toString('utf8')) as { traceEvents: TraceEvent[] };
    const presented = trace.traceEvents
      .filter((e) => e.name === 'PipelineReporter' && e.ph === 'b' && e.args?.frame_reporter?.state === 'STATE_PRESENTED_ALL')
      .map((e) => e.ts / 1000)
      .sort((a, b) => a - b);
    const traceFrames = presented.slice(1).map((t, i) => t - presented[i]).slice(5);
    const droppedInTrace = trace.traceEvents.filter((e) => e.name === 'DroppedFrame').length;

    await page.goto(`${running.url}/#/volume?by=user&range=all`);
    await page.waitForSelector('[data-testid=render-ms]');
    const chartMs = Number(((await page.textContent('[data-testid=render-ms]')) ?? '').replace(/[^\d.]/g, ''));

    console.log(`web UI: ${store.size} generated events in the store (${existing !== undefined ? `the store in ${existing}` : `loaded in ${loadSeconds.toFixed(0)} s`}), headless Chromium, node ${process.version}`);
    console.log('');
    console.log('| measure | value | goal |');
    console.log('| --- | ---: | --- |');
    console.log(`| first contentful paint | ${fcp.toFixed(0)} ms | < 1,000 ms |`);
    console.log(`| navigation to the first result rows | ${firstRowsMs.toFixed(0)} ms | |`);
    console.log(`| frame time while scrolling ${rowsShown.toLocaleString('en')} results, Chromium's performance trace (frames presented with the page's update): p50 / p95 / max, frames dropped | ${traceFrames.length === 0 ? 'no presented frames in the trace' : `${pct(traceFrames, 50).toFixed(1)} / ${pct(traceFrames, 95).toFixed(1)} / ${Math.max(...traceFrames).toFixed(1)} ms, ${droppedInTrace} of ${traceFrames.length + droppedInTrace}`} | p95 ≤ 16.7 ms |`);
    console.log(`| frame time while scrolling ${rowsShown.toLocaleString('en')} results (requestAnimationFrame's frame times): p50 / p95 / max, frames over 25 ms | ${pct(frames, 50).toFixed(1)} / ${pct(frames, 95).toFixed(1)} / ${Math.max(...frames).toFixed(1)} ms, ${frames.filter((f) => f > 25).length} of ${frames.length} | p95 ≤ 16.7 ms |`);
    const histogram = new Map<string, number>();
    for (const f of frames) histogram.set(f.toFixed(1), (histogram.get(f.toFixed(1)) ?? 0) + 1);
    console.log(`| requestAnimationFrame's frame times, how many of each (ms) | ${[...histogram].sort((a, b) => Number(a[0]) - Number(b[0])).map(([v, n]) => `${v}: ${n}`).join(', ')} | |`);
    console.log(`| the same, timed by performance.now() as each frame's callback runs: p50 / p95 / max | ${pct(callbackGaps, 50).toFixed(1)} / ${pct(callbackGaps, 95).toFixed(1)} / ${Math.max(...callbackGaps).toFixed(1)} ms | |`);
    console.log(`| API search (/api/events, 1,000 rows): p50 / p95 | ${pct(search, 50).toFixed(1)} / ${pct(search, 95).toFixed(1)} ms | p95 < 100 ms |`);
    console.log(`| searches with their whole first page within the budget (the others say where they stopped) | ${whole} of ${answers.length} | |`);
    console.log(`| floor: /healthz over the same HTTPS: p50 / p95 | ${pct(floor, 50).toFixed(1)} / ${pct(floor, 95).toFixed(1)} ms | |`);
    console.log(`| volume chart over all events, by user | ${chartMs.toFixed(0)} ms | < 300 ms |`);
  } finally {
    await browser.close();
    await running.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
