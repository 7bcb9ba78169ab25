/** The HTTP shell: the audit webhook receiver, the JSON API and UI, metrics, certificates. */
export { startServer, tokenMatches, DEFAULT_MAX_BODY_BYTES } from './server.js';
export type { ServeOptions, RunningServer } from './server.js';
export { WebhookReceiver } from './webhook.js';
export type { WebhookAnswer, WebhookStats } from './webhook.js';
export { createCertificateAuthority, issueCertificate } from './pki.js';
export type { KeyAndCertificate, IssueOptions } from './pki.js';
export { webhookKubeconfig } from './webhook-config.js';
export type { WebhookKubeconfigOptions } from './webhook-config.js';
export { prepareHome, loadDemoData } from './home.js';
export type { ServerHome } from './home.js';
