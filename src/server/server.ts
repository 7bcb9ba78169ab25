/**
 * `kubetrail serve`: one HTTPS port for kube-apiserver's audit webhook (POST /webhook),
 * the JSON API and web UI, /metrics and /healthz. Every writer is authenticated — a
 * client certificate from our CA (mTLS) or the bearer token, compared in constant time —
 * and every input is bounded: header size and time, body size (413 past the limit,
 * counted as it streams, so a liar's Content-Length does not help), request time, and the
 * number of batches waiting to commit (503). Nothing a client sends reaches a stack trace.
 */
import { timingSafeEqual, createHash } from 'node:crypto';
import { createServer as createHttpsServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { MAX_EVENT_BYTES, type Store } from '../store/index.js';
import { createMetrics, type ServerMetrics } from './metrics.js';
import { handleUiApi } from './ui/api.js';
import { loadUiAssets, type UiAssets } from './ui/static.js';
import { WebhookReceiver } from './webhook.js';

export interface ServeOptions {
  store: Store;
  host: string;
  port: number;
  tls: { certPem: string; keyPem: string; clientCaPem?: string };
  /** The bearer token writers (and API clients beyond loopback) present; null allows mTLS only. */
  token: string | null;
  /** Largest webhook body accepted, in bytes (kube-apiserver's default batch limit is 10 MB of events). */
  maxBodyBytes?: number;
  maxQueued?: number;
  /** The built UI (dist/web); omitted: no UI. */
  uiDir?: string;
  /** The API (reads) may go without a token when bound to loopback. */
  allowLoopbackApi?: boolean;
  verifierKey?: string;
}

export interface RunningServer {
  url: string;
  port: number;
  server: Server;
  receiver: WebhookReceiver;
  metrics: ServerMetrics;
  close(): Promise<void>;
}

export const DEFAULT_MAX_BODY_BYTES = 32 * 1024 * 1024;

class HttpError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

function sha256(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}

/** Constant-time: compares digests, so neither length nor content leaks through timing. */
export function tokenMatches(header: string | undefined, token: string | null): boolean {
  if (token === null || header === undefined) return false;
  const m = /^Bearer ([\x21-\x7e]{1,4096})$/.exec(header);
  if (m === null) return false;
  return timingSafeEqual(sha256(m[1]), sha256(token));
}

function clientCertOk(req: IncomingMessage): boolean {
  const socket = req.socket as TLSSocket;
  return socket.authorized === true && socket.getPeerCertificate?.()?.subject !== undefined;
}

function isLoopback(address: string | undefined): boolean {
  return address === '127.0.0.1' || address === '::1' || address === '::ffff:127.0.0.1' || (address?.startsWith('127.') ?? false);
}

async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > limit) throw new HttpError(413, `the body is ${declared} bytes; the limit is ${limit}`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new HttpError(413, `the body is over the ${limit}-byte limit`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks, size);
}

function send(res: ServerResponse, status: number, json: unknown, headers: Record<string, string> = {}): void {
  const body = JSON.stringify(json);
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff', ...headers });
  res.end(body);
}

export async function startServer(opts: ServeOptions): Promise<RunningServer> {
  const metrics = createMetrics();
  const receiver = new WebhookReceiver(opts.store, { maxQueued: opts.maxQueued });
  receiver.onCommitted = (o, seconds) => {
    metrics.events.inc({ outcome: 'committed' }, o.committed);
    metrics.events.inc({ outcome: 'duplicate' }, o.duplicates);
    metrics.commitSeconds.observe(seconds);
  };
  // No body larger than the largest event the ledger takes: an item of it could not be committed.
  const maxBody = Math.min(opts.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES, MAX_EVENT_BYTES);
  const ui: UiAssets | null = opts.uiDir === undefined ? null : loadUiAssets(opts.uiDir);
  const loopbackBound = isLoopback(opts.host) || opts.host === 'localhost';

  const authenticated = (req: IncomingMessage): boolean => clientCertOk(req) || tokenMatches(req.headers.authorization, opts.token);

  async function route(req: IncomingMessage, res: ServerResponse): Promise<string> {
    const url = new URL(req.url ?? '/', 'https://kubetrail.invalid');
    const path = url.pathname;
    if (path === '/healthz') {
      send(res, 200, { ok: true, size: opts.store.size });
      return 'healthz';
    }
    if (path === '/webhook') {
      if (!authenticated(req)) throw new HttpError(401, 'a client certificate from this server\'s CA or the bearer token is required');
      if (req.method !== 'POST') throw new HttpError(405, 'POST an audit.k8s.io EventList');
      const body = await readBody(req, maxBody);
      const answer = await receiver.receive(body);
      send(res, answer.status, answer.json, answer.retryAfter !== undefined ? { 'retry-after': String(answer.retryAfter) } : {});
      metrics.storeSize.set(opts.store.size);
      return 'webhook';
    }
    if (path === '/metrics') {
      if (!authenticated(req) && !(loopbackBound && isLoopback(req.socket.remoteAddress))) throw new HttpError(401, 'authentication required');
      const text = await metrics.registry.metrics();
      res.writeHead(200, { 'content-type': metrics.registry.contentType });
      res.end(text);
      return 'metrics';
    }
    if (path.startsWith('/api/')) {
      // Reads are open on a loopback-bound server (only this machine reaches it); beyond
      // loopback the API needs the same credentials as the webhook.
      const open = opts.allowLoopbackApi !== false && loopbackBound && isLoopback(req.socket.remoteAddress);
      if (!open && !authenticated(req)) throw new HttpError(401, 'authentication required: Authorization: Bearer TOKEN');
      const body = req.method === 'POST' ? await readBody(req, 1024 * 1024) : Buffer.alloc(0);
      const answer = await handleUiApi({ method: req.method ?? 'GET', path: path.slice(5), query: url.searchParams, body }, { store: opts.store, verifierKey: opts.verifierKey });
      if (answer === null) throw new HttpError(404, `no API ${path}`);
      send(res, answer.status, answer.json);
      return 'api';
    }
    if (ui !== null && (req.method === 'GET' || req.method === 'HEAD')) {
      const file = ui.lookup(path);
      if (file !== null) {
        res.writeHead(200, file.headers);
        res.end(req.method === 'HEAD' ? undefined : file.body);
        return 'ui';
      }
    }
    throw new HttpError(404, 'not found');
  }

  const server = createHttpsServer(
    {
      cert: opts.tls.certPem,
      key: opts.tls.keyPem,
      ca: opts.tls.clientCaPem,
      requestCert: opts.tls.clientCaPem !== undefined,
      rejectUnauthorized: false, // a client without a certificate may still use the token
      maxHeaderSize: 16 * 1024,
      minVersion: 'TLSv1.2',
    },
    (req, res) => {
      route(req, res)
        .then((name) => metrics.requests.inc({ route: name, code: String(res.statusCode) }))
        .catch((err: unknown) => {
          const status = err instanceof HttpError ? err.status : 500;
          const message = err instanceof HttpError ? err.message : 'internal error';
          // A refused body (413, 401) is not read on: the connection closes once the answer is out.
          const closing: Record<string, string> = status === 413 || status === 401 ? { connection: 'close' } : {};
          if (status === 401) closing['www-authenticate'] = 'Bearer realm="kubetrail"';
          if (!res.headersSent) send(res, status, { error: message }, closing);
          else res.destroy();
          metrics.requests.inc({ route: 'error', code: String(status) });
        });
    },
  );
  server.headersTimeout = 10_000;
  server.requestTimeout = 120_000;
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : opts.port;
  const hostForUrl = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
  return {
    url: `https://${hostForUrl}:${port}`,
    port,
    server,
    receiver,
    metrics,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}
