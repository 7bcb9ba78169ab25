/**
 * The workloads of the synthetic cluster: Deployments with their current ReplicaSet,
 * Service, EndpointSlice, ConfigMap and Secret, and the pod slots their replicas fill.
 * App pods are replaced over time (see schedule.ts, the churn lane); system workloads
 * (coredns, operators) keep their pods, so the service accounts they run as have stable
 * pod-bound tokens.
 */
import { ENV_NAMES, SECRET_ENV_NAMES, SIDECARS, WORKLOAD_NAMES } from './names.js';
import { hash32, Rng, Stream, type SeedWords } from './random.js';
import { hexString, nameSuffix, nameSuffixFromHash, uuid4 } from './text.js';

export interface Namespace {
  readonly name: string;
  readonly uid: string;
  /** The team whose developers may edit it; null for system namespaces. */
  readonly team: string | null;
  /** Pod Security Admission enforce level and version for pod-security.kubernetes.io/enforce-policy. */
  readonly enforce: 'privileged' | 'baseline' | 'restricted';
  readonly enforceVersion: string;
  /** Pods here violate the namespace's audit level (pod-security.kubernetes.io/audit-violations). */
  readonly auditRestricted: boolean;
  /** Labelled istio-injection=enabled: pods get Istio's sidecar. */
  readonly istio: boolean;
}

export interface EnvVar {
  readonly name: string;
  readonly value?: string;
  readonly secretKey?: { name: string; key: string };
}

export interface ContainerSpec {
  readonly name: string;
  readonly image: string;
  readonly imageID: string;
  readonly port: number;
  readonly portName: string;
  readonly env: readonly EnvVar[];
  readonly cpu: string;
  readonly memory: string;
  readonly memoryLimit: string;
  readonly probes: boolean;
  readonly mounts: readonly { name: string; mountPath: string; readOnly: boolean }[];
  readonly hardened: boolean;
}

export interface Workload {
  readonly index: number;
  readonly namespace: Namespace;
  readonly name: string;
  readonly uid: string;
  readonly replicas: number;
  readonly rsHash: string;
  readonly rsName: string;
  readonly rsUid: string;
  readonly generation: number;
  readonly containers: readonly ContainerSpec[];
  readonly serviceAccount: string;
  readonly configMap: string;
  readonly secret: string;
  readonly serviceUid: string;
  readonly clusterIP: string;
  readonly sliceName: string;
  readonly sliceUid: string;
  /** App workloads' pods are replaced over time; system ones keep theirs. */
  readonly churns: boolean;
  readonly createdUs: number;
  readonly priorityClass: string | null;
}

export interface PodSlot {
  readonly workload: Workload;
  readonly replica: number;
  /** Position among churning pods (the churn lane visits them round-robin), -1 for stable pods. */
  readonly churnIndex: number;
}

const DAY_US = 86_400_000_000;

export function buildNamespace(seed: SeedWords, name: string, team: string | null, index: number): Namespace {
  const rng = new Rng(seed, Stream.cluster, 1000 + index);
  const system = team === null;
  const enforce = system ? 'privileged' : rng.chance(0.4) ? 'restricted' : 'baseline';
  return {
    name,
    uid: uuid4(rng),
    team,
    enforce,
    enforceVersion: rng.chance(0.7) ? 'latest' : 'v1.30',
    auditRestricted: !system && enforce === 'baseline' && rng.chance(0.6),
    istio: !system && rng.chance(0.55),
  };
}

export interface WorkloadInput {
  namespace: Namespace;
  name: string;
  index: number;
  churns: boolean;
  image?: string;
  replicas?: number;
  serviceAccount?: string;
}

export function buildWorkload(seed: SeedWords, input: WorkloadInput, startUs: number): Workload {
  const rng = new Rng(seed, Stream.cluster, 5000 + input.index);
  const { namespace, name } = input;
  const rsHash = nameSuffix(rng, 10);
  const sidecar = input.churns && rng.chance(0.45) ? rng.pick(SIDECARS) : null;
  const image = input.image ?? `registry.example.com/${namespace.name}/${name}:v${rng.range(1, 4)}.${rng.range(0, 30)}.${rng.range(0, 12)}`;
  const hardened = namespace.enforce === 'restricted' || rng.chance(0.3);
  const containers: ContainerSpec[] = [appContainer(rng, name, image, input.churns, hardened, namespace.name)];
  if (sidecar) {
    containers.push({
      name: sidecar.name,
      image: sidecar.image,
      imageID: `${sidecar.image.split(':')[0]}@sha256:${hexString(rng, 64)}`,
      port: sidecar.port,
      portName: 'metrics',
      env: [{ name: 'POD_NAME', value: name }],
      cpu: '50m',
      memory: '64Mi',
      memoryLimit: '128Mi',
      probes: false,
      mounts: [],
      hardened,
    });
  }
  const createdUs = startUs - Math.floor((20 + rng.float() * 300) * DAY_US);
  return {
    index: input.index,
    namespace,
    name,
    uid: uuid4(rng),
    replicas: input.replicas ?? rng.range(1, 5),
    rsHash,
    rsName: `${name}-${rsHash}`,
    rsUid: uuid4(rng),
    generation: rng.range(1, 40),
    containers,
    serviceAccount: input.serviceAccount ?? (rng.chance(0.7) ? name : 'default'),
    configMap: `${name}-config`,
    secret: `${name}-secrets`,
    serviceUid: uuid4(rng),
    clusterIP: `10.96.${rng.range(0, 255)}.${rng.range(1, 254)}`,
    sliceName: `${name}-${nameSuffix(rng)}`,
    sliceUid: uuid4(rng),
    churns: input.churns,
    createdUs,
    priorityClass: input.churns ? null : 'system-cluster-critical',
  };
}

function appContainer(rng: Rng, name: string, image: string, app: boolean, hardened: boolean, namespace: string): ContainerSpec {
  const env: EnvVar[] = [];
  const envCount = app ? rng.range(10, ENV_NAMES.length) : rng.range(1, 4);
  const start = rng.int(ENV_NAMES.length);
  for (let i = 0; i < envCount; i++) {
    const key = ENV_NAMES[(start + i) % ENV_NAMES.length];
    env.push({ name: key, value: envValue(rng, key, name, namespace) });
  }
  if (app) {
    const secrets = rng.range(1, SECRET_ENV_NAMES.length);
    for (let i = 0; i < secrets; i++) env.push({ name: SECRET_ENV_NAMES[i], secretKey: { name: `${name}-secrets`, key: SECRET_ENV_NAMES[i].toLowerCase().replace(/_/g, '-') } });
  }
  const memory = rng.pick(['128Mi', '256Mi', '512Mi', '1Gi']);
  return {
    name: app ? 'app' : name,
    image,
    imageID: `${image.split(':')[0]}@sha256:${hexString(rng, 64)}`,
    port: rng.pick([8080, 8080, 3000, 9000, 8443]),
    portName: 'http',
    env,
    cpu: rng.pick(['50m', '100m', '250m', '500m']),
    memory,
    memoryLimit: memory === '1Gi' ? '2Gi' : memory === '512Mi' ? '1Gi' : '512Mi',
    probes: true,
    mounts: app
      ? [
          { name: 'config', mountPath: '/etc/app', readOnly: true },
          { name: 'tmp', mountPath: '/tmp', readOnly: false },
        ]
      : [],
    hardened,
  };
}

function envValue(rng: Rng, key: string, app: string, namespace: string): string {
  switch (key) {
    case 'LOG_LEVEL':
      return rng.pick(['info', 'debug', 'warn']);
    case 'LOG_FORMAT':
      return 'json';
    case 'PORT':
      return '8080';
    case 'METRICS_PORT':
      return '9090';
    case 'OTEL_EXPORTER_OTLP_ENDPOINT':
      return 'http://otel-collector.monitoring.svc.cluster.local:4317';
    case 'OTEL_SERVICE_NAME':
      return `${namespace}-${app}`;
    case 'DATABASE_HOST':
      return `${namespace}-db.${namespace}.svc.cluster.local`;
    case 'DATABASE_PORT':
      return '5432';
    case 'DATABASE_NAME':
      return namespace.replace(/-/g, '_');
    case 'REDIS_URL':
      return `redis://redis.${namespace}.svc.cluster.local:6379/0`;
    case 'KAFKA_BROKERS':
      return 'kafka-0.kafka.data.svc.cluster.local:9092,kafka-1.kafka.data.svc.cluster.local:9092,kafka-2.kafka.data.svc.cluster.local:9092';
    case 'KAFKA_TOPIC':
      return `${namespace}.${app}.events`;
    case 'FEATURE_FLAGS':
      return 'new-checkout=true&fast-path=false&beta<users>=on';
    case 'REGION':
      return 'eu-west-1';
    case 'ENVIRONMENT':
      return 'production';
    case 'SENTRY_DSN':
      return `https://${hexString(rng, 32)}@o4507.ingest.sentry.io/45${rng.range(10000, 99999)}`;
    case 'JAVA_OPTS':
      return '-XX:MaxRAMPercentage=75.0 -XX:+UseG1GC -Dfile.encoding=UTF-8';
    case 'UPSTREAM_URL':
      return `http://${app}.${namespace}.svc.cluster.local:8080/v1`;
    case 'TZ':
      return 'UTC';
    case 'AUTH_ISSUER_URL':
      return 'https://login.example.com/realms/production';
    case 'AUTH_AUDIENCE':
      return `${namespace}-${app}`;
    case 'CORS_ALLOWED_ORIGINS':
      return `https://www.example.com,https://app.example.com,https://${namespace}.example.com`;
    case 'TRACING_SAMPLE_RATE':
      return '0.05';
    default:
      return String(rng.range(1, 64) * 5);
  }
}

/** The pod occupying a slot in its given incarnation (0 = the one running when the log starts). */
export function podName(seed: SeedWords, slot: PodSlot, incarnation: number): string {
  const w = slot.workload;
  const h = hash32(seed.lo ^ Stream.pod, w.index * 4096 + slot.replica, incarnation, seed.hi);
  return `${w.rsName}-${nameSuffixFromHash(h)}`;
}

export function podUid(seed: SeedWords, slot: PodSlot, incarnation: number): string {
  return uuid4(new Rng(seed, Stream.pod, (slot.workload.index * 4096 + slot.replica) * 65536 + incarnation));
}

/** Which worker node a pod incarnation was scheduled to. */
export function podNodeIndex(seed: SeedWords, slot: PodSlot, incarnation: number, workers: number): number {
  return hash32(seed.hi ^ 0x51ed27, slot.workload.index * 4096 + slot.replica, incarnation, seed.lo) % workers;
}

export function podIP(seed: SeedWords, slot: PodSlot, incarnation: number, nodeIndex: number): string {
  const h = hash32(seed.lo, slot.workload.index, slot.replica, incarnation);
  return `10.244.${nodeIndex % 256}.${2 + (h % 250)}`;
}

export function pickWorkloadNames(rng: Rng, count: number): string[] {
  const names = new Set<string>();
  while (names.size < Math.min(count, WORKLOAD_NAMES.length)) names.add(rng.pick(WORKLOAD_NAMES));
  return [...names];
}
