/**
 * `kubetrail serve` and `kubetrail webhook-config`: the HTTPS shell around src/server.
 * serve runs until SIGINT/SIGTERM, then stops taking requests, lets the commits in
 * flight finish, and closes the store.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import type { KeyAndCertificate } from '../server/index.js';

// The server and its certificate library take a tenth of a second to load: only the
// commands that serve or issue certificates pay for it (`who` must start fast).
const loadServer = () => import('../server/index.js');
import { MAX_EVENT_BYTES, openStore, readStoreVerifierKey } from '../store/index.js';
import { EXIT_OK, UsageError, parseBooleanFlag, write, type CliContext } from './context.js';
import { signingKeyFrom, withStoreErrors } from './store-access.js';
import { PACKAGE_ROOT } from '../runtime/paths.js';

const UI_DIR = fileURLToPath(new URL('web', PACKAGE_ROOT));

function parseListen(text: string): { host: string; port: number } {
  const m = /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):([0-9]{1,5})$/.exec(text);
  if (m === null || Number(m[2]) > 65535) throw new UsageError(`--listen ${JSON.stringify(text)}: use HOST:PORT, e.g. 127.0.0.1:8443 or [::1]:8443`);
  return { host: m[1].replace(/^\[|\]$/g, ''), port: Number(m[2]) };
}

function readText(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    throw new UsageError(`${path}: cannot read ${what}`);
  }
}

interface ServeFlags {
  home?: string;
  store?: string;
  key?: string;
  listen: string;
  tlsCert?: string;
  tlsKey?: string;
  clientCa?: string;
  tokenFile?: string;
  demo: string;
  maxBodyBytes: string;
  ui: boolean;
}

export function registerServeCommands(program: Command, ctx: CliContext): void {
  program
    .command('serve')
    .description("receive kube-apiserver's audit webhook over HTTPS (mTLS or bearer token) into the store, and serve the JSON API, web UI and /metrics")
    .option('--home <dir>', 'a data directory made on first start (CA, certificates, token, keys, store); the default when --store is not given', '.kubetrail')
    .option('--store <dir>', 'an existing store (then give --key, --tls-cert, --tls-key and --client-ca and/or --token-file)')
    .option('--key <path>', "the store's private key (default: $KUBETRAIL_SIGNING_KEY_FILE)")
    .option('--listen <host:port>', 'where to listen; beyond loopback every API request needs the token too', '127.0.0.1:8443')
    .option('--tls-cert <file>', 'server certificate (PEM)')
    .option('--tls-key <file>', 'server private key (PEM)')
    .option('--client-ca <file>', 'CA whose client certificates may write (mTLS)')
    .option('--token-file <file>', 'a bearer token writers may present instead of a certificate')
    .option('--demo <events>', 'load this many generated events when the store is empty (a demo)', '0')
    .option('--max-body-bytes <n>', 'largest webhook body accepted (413 beyond)', String(32 * 1024 * 1024))
    .option('--ui [bool]', 'serve the web UI at /', parseBooleanFlag('ui'), true)
    .action(async (opts: ServeFlags) => {
      const listen = parseListen(opts.listen);
      const demo = Number(opts.demo);
      const maxBody = Number(opts.maxBodyBytes);
      if (!Number.isSafeInteger(demo) || demo < 0) throw new UsageError('--demo: a whole number of events');
      if (!Number.isSafeInteger(maxBody) || maxBody < 1024 || maxBody > MAX_EVENT_BYTES) throw new UsageError(`--max-body-bytes: a whole number from 1024 to ${MAX_EVENT_BYTES} (the largest event the ledger takes)`);
      await withStoreErrors(ctx, async () => {
        let storeDir: string;
        let signingKey: string;
        let tls: { certPem: string; keyPem: string; clientCaPem?: string };
        let token: string | null;
        const notes: string[] = [];
        if (opts.store === undefined) {
          const home = resolve(opts.home ?? '.kubetrail');
          const hosts = [...new Set(['127.0.0.1', 'localhost', '::1', listen.host].filter((h) => h !== '0.0.0.0' && h !== '::'))];
          const h = await (await loadServer()).prepareHome(home, { hosts, webhookUrl: `https://${listen.host.includes(':') ? `[${listen.host}]` : listen.host}:${listen.port}/webhook` });
          storeDir = h.storeDir;
          signingKey = readFileSync(h.signingKeyPath, 'utf8');
          tls = { certPem: h.server.certPem, keyPem: h.server.keyPem, clientCaPem: h.ca.certPem };
          token = h.token;
          notes.push(`data:    ${home}`, `token:   ${h.tokenPath}`, `webhook kubeconfig for kube-apiserver (--audit-webhook-config-file): ${h.kubeconfigPath}`);
        } else {
          storeDir = opts.store;
          signingKey = signingKeyFrom(opts.key);
          if (opts.tlsCert === undefined || opts.tlsKey === undefined) throw new UsageError('with --store, give --tls-cert and --tls-key (kubetrail webhook-config makes them)');
          if (opts.clientCa === undefined && opts.tokenFile === undefined) throw new UsageError('give --client-ca (mTLS) and/or --token-file: every writer must authenticate');
          tls = { certPem: readText(opts.tlsCert, 'the certificate'), keyPem: readText(opts.tlsKey, 'the key'), clientCaPem: opts.clientCa && readText(opts.clientCa, 'the client CA') };
          token = opts.tokenFile === undefined ? null : readText(opts.tokenFile, 'the token').trim() || null;
        }
        const store = await openStore(storeDir, { signingKey, purpose: 'kubetrail serve' });
        // Webhook batches are answered once the ledger has them; the index follows on a worker thread.
        await store.indexInBackground();
        store.readsOffThread();
        const loaded = await (await loadServer()).loadDemoData(store, demo);
        if (loaded > 0) notes.push(`loaded ${loaded} generated demo events into the empty store`);
        const running = await (await loadServer()).startServer({ store, host: listen.host, port: listen.port, tls, token, maxBodyBytes: maxBody, uiDir: opts.ui && existsSync(UI_DIR) ? UI_DIR : undefined, verifierKey: readStoreVerifierKey(storeDir) });
        await write(ctx.out, [`kubetrail is serving ${running.url}/ (store ${storeDir}, ${store.size} events)`, `webhook: ${running.url}/webhook`, ...notes, 'stop with Ctrl-C'].join('\n') + '\n');
        await new Promise<void>((resolveStop) => {
          const stop = () => resolveStop();
          process.once('SIGINT', stop);
          process.once('SIGTERM', stop);
        });
        await running.close();
        await store.close();
        await write(ctx.out, 'stopped\n');
        ctx.exitCode = EXIT_OK;
      });
    });

  program
    .command('webhook-config')
    .description("write the kubeconfig kube-apiserver's --audit-webhook-config-file takes, with a CA, server and client certificates (reused when DIR has them) and a token")
    .requiredOption('--out <dir>', 'where to write ca.crt, server.crt/key, client.crt/key, token and webhook-kubeconfig.yaml (keys 0600)')
    .requiredOption('--server <url>', 'the webhook URL kube-apiserver calls, e.g. https://10.0.0.5:8443/webhook')
    .option('--auth <kind>', 'mtls (client certificate) or token', 'mtls')
    .option('--hosts <list>', 'more names or IPs for the server certificate, comma-separated (the --server host is always in)')
    .action(async (opts: { out: string; server: string; auth: string; hosts?: string }) => {
      if (opts.auth !== 'mtls' && opts.auth !== 'token') throw new UsageError('--auth: mtls or token');
      let url: URL;
      try {
        url = new URL(opts.server);
      } catch {
        throw new UsageError(`--server ${JSON.stringify(opts.server)}: not a URL`);
      }
      if (url.protocol !== 'https:') throw new UsageError('--server: kube-apiserver must reach the webhook over https://');
      const host = url.hostname.replace(/^\[|\]$/g, '');
      const hosts = [...new Set([host, ...(opts.hosts?.split(',').map((h) => h.trim()).filter(Boolean) ?? [])])];
      mkdirSync(opts.out, { recursive: true, mode: 0o700 });
      const load = (name: string): KeyAndCertificate | null => (existsSync(join(opts.out, `${name}.crt`)) ? { certPem: readFileSync(join(opts.out, `${name}.crt`), 'utf8'), keyPem: readFileSync(join(opts.out, `${name}.key`), 'utf8') } : null);
      const save = (name: string, kc: KeyAndCertificate) => {
        writeFileSync(join(opts.out, `${name}.key`), kc.keyPem, { mode: 0o600 });
        writeFileSync(join(opts.out, `${name}.crt`), kc.certPem);
      };
      let ca = load('ca');
      const { createCertificateAuthority, issueCertificate, webhookKubeconfig } = await loadServer();
      if (ca === null) save('ca', (ca = await createCertificateAuthority('kubetrail webhook CA')));
      const server = load('server') ?? (await issueCertificate(ca, { commonName: 'kubetrail', hosts, usage: 'server' }));
      save('server', server);
      const client = load('client') ?? (await issueCertificate(ca, { commonName: 'kube-apiserver', usage: 'client' }));
      save('client', client);
      const tokenPath = join(opts.out, 'token');
      if (!existsSync(tokenPath)) writeFileSync(tokenPath, `${(await import('node:crypto')).randomBytes(32).toString('base64url')}\n`, { mode: 0o600 });
      const token = readFileSync(tokenPath, 'utf8').trim();
      const kubeconfig = webhookKubeconfig({ server: opts.server, caPem: ca.certPem, ...(opts.auth === 'mtls' ? { client } : { token }) });
      writeFileSync(join(opts.out, 'webhook-kubeconfig.yaml'), kubeconfig, { mode: 0o600 });
      await write(ctx.out, `wrote ${join(opts.out, 'webhook-kubeconfig.yaml')} (${opts.auth}); serve with: kubetrail serve --store DIR --tls-cert ${join(opts.out, 'server.crt')} --tls-key ${join(opts.out, 'server.key')} ${opts.auth === 'mtls' ? `--client-ca ${join(opts.out, 'ca.crt')}` : `--token-file ${tokenPath}`}\n`);
      ctx.exitCode = EXIT_OK;
    });
}
