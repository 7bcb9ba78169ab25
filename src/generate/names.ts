/**
 * Word lists the synthetic cluster is built from. Plain data: the choices made from
 * them (which namespaces, which people) are the seed's.
 */

export const APP_NAMESPACES = [
  'payments', 'checkout', 'catalog', 'search', 'frontend', 'accounts', 'billing', 'analytics',
  'orders', 'inventory', 'notifications', 'shipping', 'recommendations', 'media', 'identity', 'reporting',
] as const;

export const WORKLOAD_NAMES = [
  'api', 'web', 'worker', 'gateway', 'scheduler', 'cache', 'db-proxy', 'notifier', 'indexer', 'consumer',
  'exporter', 'admin', 'graphql', 'grpc-server', 'cron-runner', 'webhook', 'auth', 'session', 'ledger', 'reconciler',
] as const;

export const SIDECARS = [
  { name: 'istio-proxy', image: 'docker.io/istio/proxyv2:1.23.2', port: 15090 },
  { name: 'log-shipper', image: 'cr.fluentbit.io/fluent/fluent-bit:3.1.9', port: 2020 },
  { name: 'oauth2-proxy', image: 'quay.io/oauth2-proxy/oauth2-proxy:v7.7.1', port: 4180 },
] as const;

export const ENV_NAMES = [
  'LOG_LEVEL', 'LOG_FORMAT', 'PORT', 'METRICS_PORT', 'OTEL_EXPORTER_OTLP_ENDPOINT', 'OTEL_SERVICE_NAME',
  'DATABASE_HOST', 'DATABASE_PORT', 'DATABASE_NAME', 'REDIS_URL', 'KAFKA_BROKERS', 'KAFKA_TOPIC',
  'FEATURE_FLAGS', 'HTTP_TIMEOUT', 'MAX_CONNECTIONS', 'CACHE_TTL', 'REGION', 'ENVIRONMENT',
  'SENTRY_DSN', 'GOMAXPROCS', 'JAVA_OPTS', 'WORKER_CONCURRENCY', 'UPSTREAM_URL', 'TZ',
  'GRPC_PORT', 'READ_TIMEOUT', 'WRITE_TIMEOUT', 'IDLE_TIMEOUT', 'RATE_LIMIT_RPS', 'RATE_LIMIT_BURST', 'CIRCUIT_BREAKER_THRESHOLD',
  'RETRY_MAX_ATTEMPTS', 'RETRY_BACKOFF_MS', 'DB_POOL_SIZE', 'DB_POOL_TIMEOUT', 'CACHE_SIZE_MB', 'TRACING_SAMPLE_RATE',
  'AUTH_ISSUER_URL', 'AUTH_AUDIENCE', 'CORS_ALLOWED_ORIGINS',
] as const;

export const SECRET_ENV_NAMES = ['DATABASE_PASSWORD', 'API_KEY', 'JWT_SIGNING_KEY', 'STRIPE_SECRET', 'SMTP_PASSWORD'] as const;

export const PEOPLE = [
  'alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace', 'heidi', 'ivan', 'judy', 'mallory', 'niaj', 'olivia', 'peggy', 'rupert', 'sybil',
] as const;

export const TEAMS = ['platform', 'payments', 'storefront', 'data', 'growth'] as const;

/** kubectl builds with their git commits, as kubectl's user agent shows them. */
export const KUBECTL_BUILDS = [
  { version: 'v1.29.10', commit: 'f0c1d8e' },
  { version: 'v1.30.6', commit: 'd2d4e9c' },
  { version: 'v1.31.2', commit: '5864a46' },
  { version: 'v1.31.4', commit: 'a78aa47' },
  { version: 'v1.32.1', commit: 'e9c9be4' },
] as const;

export const KUBECTL_PLATFORMS = ['darwin/arm64', 'darwin/arm64', 'linux/amd64', 'linux/amd64', 'windows/amd64'] as const;

/** Server builds a cluster may run. */
export const SERVER_BUILDS = [
  { version: 'v1.30.8', commit: '354eac7', minor: 30 },
  { version: 'v1.31.4', commit: 'a78aa47', minor: 31 },
  { version: 'v1.32.2', commit: '67a30c0', minor: 32 },
] as const;

/** Controllers of kube-controller-manager that run under their own service accounts. */
export const CONTROLLER_ACCOUNTS = [
  'replicaset-controller', 'deployment-controller', 'endpointslice-controller', 'endpointslicemirroring-controller',
  'generic-garbage-collector', 'resourcequota-controller', 'horizontal-pod-autoscaler', 'namespace-controller',
  'cronjob-controller', 'job-controller', 'daemon-set-controller', 'statefulset-controller', 'node-controller',
  'pod-garbage-collector', 'ttl-after-finished-controller', 'disruption-controller', 'service-account-controller',
  'root-ca-cert-publisher', 'persistent-volume-binder', 'attachdetach-controller', 'clusterrole-aggregation-controller',
] as const;

/** API groups a controller's discovery client walks (non-resource GETs of /apis/GROUP/VERSION). */
export const DISCOVERY_PATHS = [
  '/api', '/apis', '/api/v1', '/apis/apps/v1', '/apis/batch/v1', '/apis/autoscaling/v2', '/apis/policy/v1',
  '/apis/networking.k8s.io/v1', '/apis/rbac.authorization.k8s.io/v1', '/apis/storage.k8s.io/v1',
  '/apis/coordination.k8s.io/v1', '/apis/discovery.k8s.io/v1', '/apis/metrics.k8s.io/v1beta1',
  '/apis/cert-manager.io/v1', '/apis/argoproj.io/v1alpha1', '/apis/monitoring.coreos.com/v1', '/apis/events.k8s.io/v1',
] as const;

export const EVENT_REASONS = [
  { reason: 'Scheduled', type: 'Normal', component: 'default-scheduler' },
  { reason: 'Pulled', type: 'Normal', component: 'kubelet' },
  { reason: 'Created', type: 'Normal', component: 'kubelet' },
  { reason: 'Started', type: 'Normal', component: 'kubelet' },
  { reason: 'Killing', type: 'Normal', component: 'kubelet' },
  { reason: 'Unhealthy', type: 'Warning', component: 'kubelet' },
  { reason: 'BackOff', type: 'Warning', component: 'kubelet' },
  { reason: 'SuccessfulCreate', type: 'Normal', component: 'replicaset-controller' },
  { reason: 'SuccessfulDelete', type: 'Normal', component: 'replicaset-controller' },
  { reason: 'ScalingReplicaSet', type: 'Normal', component: 'deployment-controller' },
] as const;

/** Paths scanners probe on an exposed API server. */
export const SCANNER_PATHS = [
  '/', '/.env', '/version', '/api/v1/namespaces/kube-system/secrets', '/apis', '/api/v1/pods', '/metrics',
  '/.git/config', '/vendor/phpunit/phpunit/src/Util/PHP/eval-stdin.php', '/actuator/health', '/wp-login.php',
] as const;

export const SCANNER_AGENTS = [
  'curl/8.5.0', 'python-requests/2.32.3', 'Go-http-client/1.1', 'Mozilla/5.0 zgrab/0.x', 'masscan/1.3 (https://github.com/robertdavidgraham/masscan)',
] as const;
