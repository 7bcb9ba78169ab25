/** Prometheus metrics of one server: what came in, what was committed, how long it took. */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface ServerMetrics {
  registry: Registry;
  requests: Counter<'route' | 'code'>;
  events: Counter<'outcome'>;
  commitSeconds: Histogram;
  storeSize: Gauge;
}

export function createMetrics(): ServerMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'kubetrail_' });
  return {
    registry,
    requests: new Counter({ name: 'kubetrail_http_requests_total', help: 'HTTP requests by route and status code', labelNames: ['route', 'code'], registers: [registry] }),
    events: new Counter({ name: 'kubetrail_webhook_events_total', help: 'Audit events received by the webhook, by outcome (committed, duplicate)', labelNames: ['outcome'], registers: [registry] }),
    commitSeconds: new Histogram({ name: 'kubetrail_commit_seconds', help: 'Time to commit one webhook batch to the ledger (fsync and signed checkpoint included)', buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5], registers: [registry] }),
    storeSize: new Gauge({ name: 'kubetrail_store_events', help: 'Events committed to the store', registers: [registry] }),
  };
}
