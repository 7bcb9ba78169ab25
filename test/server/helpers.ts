/** A real kubetrail server on 127.0.0.1 (a random port) over a temp data directory, and an HTTPS client for it. */
import { request } from 'node:https';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { prepareHome, startServer, type RunningServer, type ServeOptions, type ServerHome } from '../../src/server/index.js';
import { openStore, type Store } from '../../src/store/index.js';

export interface TestServer {
  home: ServerHome;
  store: Store;
  running: RunningServer;
  dir: string;
  close(): Promise<void>;
}

/** A server as `kubetrail serve` runs one: indexing behind the ledger on a worker thread. */
export async function testServer(options: Partial<ServeOptions> & { storeDir?: string; signingKey?: string } = {}): Promise<TestServer> {
  const dir = mkdtempSync(join(tmpdir(), 'kubetrail-serve-'));
  const home = await prepareHome(join(dir, 'home'), { hosts: ['127.0.0.1', 'localhost'], webhookUrl: 'https://127.0.0.1:1/webhook' });
  const store = await openStore(options.storeDir ?? home.storeDir, { signingKey: options.signingKey ?? readFileSync(home.signingKeyPath, 'utf8') });
  await store.indexInBackground();
  store.readsOffThread();
  const running = await startServer({ store, host: '127.0.0.1', port: 0, tls: { certPem: home.server.certPem, keyPem: home.server.keyPem, clientCaPem: home.ca.certPem }, token: home.token, ...options });
  return {
    home,
    store,
    running,
    dir,
    close: async () => {
      // A test may have closed the server or the store itself: the directory goes regardless.
      try {
        await running.close().catch(() => undefined);
        await store.close().catch(() => undefined);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  json(): any;
}

export function call(url: string, opts: { method?: string; body?: string | Buffer; ca?: string; cert?: string; key?: string; token?: string; headers?: Record<string, string> } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: opts.method ?? (opts.body !== undefined ? 'POST' : 'GET'),
        ca: opts.ca,
        cert: opts.cert,
        key: opts.key,
        rejectUnauthorized: opts.ca !== undefined,
        headers: { ...(opts.body !== undefined ? { 'content-type': 'application/json' } : {}), ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}), ...opts.headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const body = Buffer.concat(chunks).toString('utf8');
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body, json: () => JSON.parse(body) });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    if (opts.body !== undefined) req.end(opts.body);
    else req.end();
  });
}

/** An EventList as kube-apiserver's webhook backend sends it (items without kind/apiVersion). */
export function eventList(ids: readonly number[], extra: Record<string, unknown> = {}): { body: string; items: string[] } {
  const items = ids.map((i) =>
    JSON.stringify({
      level: 'Metadata',
      auditID: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
      stage: 'ResponseComplete',
      requestURI: `/api/v1/namespaces/default/pods/p${i}`,
      verb: 'get',
      user: { username: 'alice', groups: ['system:authenticated'] },
      sourceIPs: ['10.0.0.1'],
      objectRef: { resource: 'pods', namespace: 'default', name: `p${i}`, apiVersion: 'v1' },
      responseStatus: { metadata: {}, code: 200 },
      requestReceivedTimestamp: '2026-12-03T10:00:00.000000Z',
      stageTimestamp: '2026-12-03T10:00:00.001000Z',
      ...extra,
    }),
  );
  return { body: `{"kind":"EventList","apiVersion":"audit.k8s.io/v1","metadata":{},"items":[${items.join(',')}]}`, items };
}

/** Waits until the index (written behind the ledger) holds every committed event. */
export async function waitIndexed(store: Store, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while ((await store.indexedSize()) < store.size) {
    if (Date.now() > until) throw new Error(`the index is still behind after ${timeoutMs} ms (${await store.indexedSize()} of ${store.size})`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
