/**
 * A server's data directory, made on first start so `npm start` needs nothing else:
 *
 *   HOME/pki/        CA, server and client certificates and keys (keys 0600)
 *   HOME/token       the bearer token writers may use instead of a client certificate
 *   HOME/webhook-kubeconfig.yaml   what kube-apiserver's --audit-webhook-config-file takes
 *   HOME/keys/signing.key          the store's private key (outside the store)
 *   HOME/store/      the store
 *
 * Existing files are reused, never overwritten, so restarts keep their identity.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadPolicy, presetPolicyText } from '../audit/policy/index.js';
import { planLog, streamLog } from '../generate/index.js';
import { ingestFiles } from '../ingest/index.js';
import { createStoreKeys, type Store } from '../store/index.js';
import { createCertificateAuthority, issueCertificate, type KeyAndCertificate } from './pki.js';
import { webhookKubeconfig } from './webhook-config.js';

export interface ServerHome {
  dir: string;
  storeDir: string;
  signingKeyPath: string;
  tokenPath: string;
  kubeconfigPath: string;
  ca: KeyAndCertificate;
  server: KeyAndCertificate;
  client: KeyAndCertificate;
  token: string;
}

function writeSecret(path: string, text: string): void {
  writeFileSync(path, text, { mode: 0o600, flag: 'wx' });
}

async function pair(dir: string, name: string, make: () => Promise<KeyAndCertificate>): Promise<KeyAndCertificate> {
  const cert = join(dir, `${name}.crt`);
  const key = join(dir, `${name}.key`);
  if (existsSync(cert) && existsSync(key)) return { certPem: readFileSync(cert, 'utf8'), keyPem: readFileSync(key, 'utf8') };
  const made = await make();
  writeSecret(key, made.keyPem);
  writeFileSync(cert, made.certPem, { flag: 'wx' });
  return made;
}

/** Creates what is missing in HOME; `hosts` go in the server certificate. */
export async function prepareHome(dir: string, options: { hosts: readonly string[]; origin?: string; webhookUrl: string }): Promise<ServerHome> {
  const pki = join(dir, 'pki');
  mkdirSync(pki, { recursive: true, mode: 0o700 });
  mkdirSync(join(dir, 'keys'), { recursive: true, mode: 0o700 });
  const ca = await pair(pki, 'ca', () => createCertificateAuthority('kubetrail webhook CA'));
  const server = await pair(pki, 'server', () => issueCertificate(ca, { commonName: 'kubetrail', hosts: options.hosts, usage: 'server' }));
  const client = await pair(pki, 'client', () => issueCertificate(ca, { commonName: 'kube-apiserver', usage: 'client' }));
  const tokenPath = join(dir, 'token');
  if (!existsSync(tokenPath)) writeSecret(tokenPath, `${randomBytes(32).toString('base64url')}\n`);
  const token = readFileSync(tokenPath, 'utf8').trim();
  const storeDir = join(dir, 'store');
  const signingKeyPath = join(dir, 'keys', 'signing.key');
  if (!existsSync(join(storeDir, 'verifier.key'))) createStoreKeys(storeDir, options.origin ?? 'localhost/kubetrail', signingKeyPath);
  const kubeconfigPath = join(dir, 'webhook-kubeconfig.yaml');
  writeFileSync(kubeconfigPath, webhookKubeconfig({ server: options.webhookUrl, caPem: ca.certPem, client }), { mode: 0o600 });
  return { dir, storeDir, signingKeyPath, tokenPath, kubeconfigPath, ca, server, client, token };
}

/** Loads `events` generated events into an empty store (a demo data set ending now). */
export async function loadDemoData(store: Store, events: number, seed = 1): Promise<number> {
  if (store.size > 0 || events <= 0) return 0;
  const policy = loadPolicy(presetPolicyText('recommended')).policy!;
  const rate = 200;
  const startUs = (Date.now() - (events / rate) * 1000) * 1000;
  const file = join(tmpdir(), `kubetrail-demo-${process.pid}-${Date.now()}.log`);
  try {
    // Streamed to the file: a large demo (millions of events) never sits in memory.
    const fd = openSync(file, 'w', 0o600);
    try {
      await streamLog({ config: planLog({ seed, startUs, rate, policy }), events, workers: events >= 100_000 ? 2 : 0, write: async (c) => void writeSync(fd, c) });
    } finally {
      closeSync(fd);
    }
    const summary = await ingestFiles(store, [file]);
    return summary.committed;
  } finally {
    rmSync(file, { force: true });
  }
}
