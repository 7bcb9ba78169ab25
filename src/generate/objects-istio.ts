/**
 * What Istio's sidecar injector (a mutating webhook) adds to pods in namespaces labelled
 * istio-injection=enabled: the istio-init init container, the istio-proxy sidecar, their
 * volumes, labels and annotations. The create request a ReplicaSet sends has none of it
 * (kube-apiserver logs the request before admission); the stored pod has all of it,
 * which is why injected pods are 10 KB and more.
 */
import type { Workload } from './workloads.js';

export const ISTIO_VERSION = '1.23.2';
const PROXY_IMAGE = `docker.io/istio/proxyv2:${ISTIO_VERSION}`;

export function istioLabels(w: Workload): Record<string, string> {
  return { 'security.istio.io/tlsMode': 'istio', 'service.istio.io/canonical-name': w.name, 'service.istio.io/canonical-revision': 'latest' };
}

export function istioAnnotations(w: Workload): Record<string, string> {
  return {
    'istio.io/rev': 'default',
    'kubectl.kubernetes.io/default-container': 'app',
    'kubectl.kubernetes.io/default-logs-container': 'app',
    'prometheus.io/path': '/stats/prometheus',
    'sidecar.istio.io/status': `{"initContainers":["istio-init"],"containers":["istio-proxy"],"volumes":["workload-socket","credential-socket","workload-certs","istio-envoy","istio-data","istio-podinfo","istio-token","istiod-ca-cert"],"imagePullSecrets":null,"revision":"default"}`,
    'istio.io/workload-name': w.name,
  };
}

/** The webhook's mark on the create's audit event. */
export const ISTIO_MUTATION_ANNOTATION = {
  'mutation.webhook.admission.k8s.io/round_0_index_0': '{"configuration":"istio-sidecar-injector","webhook":"namespace.sidecar-injector.istio.io","mutated":true}',
};

const fieldEnv = (name: string, fieldPath: string, apiVersion = 'v1') => ({ name, valueFrom: { fieldRef: { apiVersion, fieldPath } } });

export function istioInitContainer(): Record<string, unknown> {
  return {
    name: 'istio-init',
    image: PROXY_IMAGE,
    args: ['istio-iptables', '-p', '15001', '-z', '15006', '-u', '1337', '-m', 'REDIRECT', '-i', '*', '-x', '', '-b', '*', '-d', '15090,15021,15020', '--log_output_level=default:info'],
    resources: { limits: { cpu: '2', memory: '1Gi' }, requests: { cpu: '10m', memory: '40Mi' } },
    terminationMessagePath: '/dev/termination-log',
    terminationMessagePolicy: 'File',
    imagePullPolicy: 'IfNotPresent',
    securityContext: { capabilities: { add: ['NET_ADMIN', 'NET_RAW'], drop: ['ALL'] }, privileged: false, runAsUser: 0, runAsGroup: 0, runAsNonRoot: false, readOnlyRootFilesystem: false, allowPrivilegeEscalation: false },
  };
}

export function istioProxyContainer(w: Workload, accessMount: Record<string, unknown>): Record<string, unknown> {
  const ports = w.containers.map((c) => ({ name: c.portName, containerPort: c.port, protocol: 'TCP' }));
  return {
    name: 'istio-proxy',
    image: PROXY_IMAGE,
    args: ['proxy', 'sidecar', '--domain', '$(POD_NAMESPACE).svc.cluster.local', '--proxyLogLevel=warning', '--proxyComponentLogLevel=misc:error', '--log_output_level=default:info'],
    ports: [
      { name: 'http-envoy-prom', containerPort: 15090, protocol: 'TCP' },
    ],
    env: [
      { name: 'PILOT_CERT_PROVIDER', value: 'istiod' },
      { name: 'CA_ADDR', value: 'istiod.istio-system.svc:15012' },
      fieldEnv('POD_NAME', 'metadata.name'),
      fieldEnv('POD_NAMESPACE', 'metadata.namespace'),
      fieldEnv('INSTANCE_IP', 'status.podIP'),
      fieldEnv('SERVICE_ACCOUNT', 'spec.serviceAccountName'),
      fieldEnv('HOST_IP', 'status.hostIP'),
      fieldEnv('ISTIO_CPU_LIMIT', 'limits.cpu'),
      { name: 'PROXY_CONFIG', value: '{}\n' },
      { name: 'ISTIO_META_POD_PORTS', value: `[\n${ports.map((p) => `    {"name":"${p.name}","containerPort":${p.containerPort},"protocol":"TCP"}`).join('\n,')}\n]` },
      { name: 'ISTIO_META_APP_CONTAINERS', value: w.containers.map((c) => c.name).join(',') },
      fieldEnv('GOMEMLIMIT', 'limits.memory'),
      fieldEnv('GOMAXPROCS', 'limits.cpu'),
      { name: 'ISTIO_META_CLUSTER_ID', value: 'Kubernetes' },
      fieldEnv('ISTIO_META_NODE_NAME', 'spec.nodeName'),
      { name: 'ISTIO_META_INTERCEPTION_MODE', value: 'REDIRECT' },
      { name: 'ISTIO_META_WORKLOAD_NAME', value: w.name },
      { name: 'ISTIO_META_OWNER', value: `kubernetes://apis/apps/v1/namespaces/${w.namespace.name}/deployments/${w.name}` },
      { name: 'ISTIO_META_MESH_ID', value: 'cluster.local' },
      { name: 'TRUST_DOMAIN', value: 'cluster.local' },
    ],
    resources: { limits: { cpu: '2', memory: '1Gi' }, requests: { cpu: '100m', memory: '128Mi' } },
    volumeMounts: [
      { name: 'workload-socket', mountPath: '/var/run/secrets/workload-spiffe-uds' },
      { name: 'credential-socket', mountPath: '/var/run/secrets/credential-uds' },
      { name: 'workload-certs', mountPath: '/var/run/secrets/workload-spiffe-credentials' },
      { name: 'istiod-ca-cert', mountPath: '/var/run/secrets/istio' },
      { name: 'istio-data', mountPath: '/var/lib/istio/data' },
      { name: 'istio-envoy', mountPath: '/etc/istio/proxy' },
      { name: 'istio-token', mountPath: '/var/run/secrets/tokens' },
      { name: 'istio-podinfo', mountPath: '/etc/istio/pod' },
      accessMount,
    ],
    readinessProbe: { httpGet: { path: '/healthz/ready', port: 15021, scheme: 'HTTP' }, initialDelaySeconds: 1, timeoutSeconds: 3, periodSeconds: 2, successThreshold: 1, failureThreshold: 30 },
    terminationMessagePath: '/dev/termination-log',
    terminationMessagePolicy: 'File',
    imagePullPolicy: 'IfNotPresent',
    securityContext: { capabilities: { drop: ['ALL'] }, privileged: false, runAsUser: 1337, runAsGroup: 1337, runAsNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false },
  };
}

export function istioVolumes(): Record<string, unknown>[] {
  return [
    { name: 'workload-socket', emptyDir: {} },
    { name: 'credential-socket', emptyDir: {} },
    { name: 'workload-certs', emptyDir: {} },
    { name: 'istio-envoy', emptyDir: { medium: 'Memory' } },
    { name: 'istio-data', emptyDir: {} },
    { name: 'istio-podinfo', downwardAPI: { items: [{ path: 'labels', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.labels' } }, { path: 'annotations', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.annotations' } }], defaultMode: 420 } },
    { name: 'istio-token', projected: { sources: [{ serviceAccountToken: { audience: 'istio-ca', expirationSeconds: 43200, path: 'istio-token' } }], defaultMode: 420 } },
    { name: 'istiod-ca-cert', configMap: { name: 'istio-ca-root-cert', defaultMode: 420 } },
  ];
}
