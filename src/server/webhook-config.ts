/**
 * The kubeconfig kube-apiserver's webhook backend reads (--audit-webhook-config-file):
 * one cluster (our server and the CA that signed its certificate), one user (a client
 * certificate, or a bearer token), one context naming both.
 */
import { stringify } from 'yaml';
import type { KeyAndCertificate } from './pki.js';

export interface WebhookKubeconfigOptions {
  /** The webhook URL, e.g. https://10.0.0.5:8443/webhook */
  server: string;
  caPem: string;
  /** mTLS credentials, or … */
  client?: KeyAndCertificate;
  /** … a bearer token. */
  token?: string;
}

const b64 = (s: string) => Buffer.from(s).toString('base64');

export function webhookKubeconfig(opts: WebhookKubeconfigOptions): string {
  if (!/^https:\/\/[^/\s]+(\/\S*)?$/.test(opts.server)) throw new Error(`--server ${JSON.stringify(opts.server)}: kube-apiserver needs an https:// URL`);
  const user: Record<string, string> = {};
  if (opts.client) {
    user['client-certificate-data'] = b64(opts.client.certPem);
    user['client-key-data'] = b64(opts.client.keyPem);
  }
  if (opts.token !== undefined) user.token = opts.token;
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'kubetrail', cluster: { server: opts.server, 'certificate-authority-data': b64(opts.caPem) } }],
    users: [{ name: 'kube-apiserver', user }],
    contexts: [{ name: 'kubetrail', context: { cluster: 'kubetrail', user: 'kube-apiserver' } }],
    'current-context': 'kubetrail',
  });
}
