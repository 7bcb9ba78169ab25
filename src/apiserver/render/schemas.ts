/**
 * What each tool accepts, written from its published configuration types (kind
 * pkg/apis/config/v1alpha4; kubeadm cmd/kubeadm/app/apis/kubeadm/v1beta3 and v1beta4;
 * k0s pkg/apis/k0s/v1beta1; k3s pkg/cli/cmds server and agent flags), since the tools
 * themselves cannot be installed here. Strict like the tools' own decoders: an unknown
 * field is an error with its path. Sections kubetrail never writes are checked by name
 * only (their contents are the tool's business).
 */
import { isMap, isScalar, isSeq, type Node } from 'yaml';
import { lineColumn } from '../manifest/text.js';
import { parseDocs } from './yaml-edit.js';

type Schema =
  | { t: 'string' }
  | { t: 'bool' }
  | { t: 'int' }
  | { t: 'any' }
  | { t: 'map'; values: Schema }
  | { t: 'list'; items: Schema }
  | { t: 'object'; fields: Record<string, Schema>; required?: string[] }
  | { t: 'oneOf'; of: Schema[] };

const str: Schema = { t: 'string' };
const bool: Schema = { t: 'bool' };
const int: Schema = { t: 'int' };
const any: Schema = { t: 'any' };
const obj = (fields: Record<string, Schema>, required?: string[]): Schema => ({ t: 'object', fields, required });
const list = (items: Schema): Schema => ({ t: 'list', items });
const map = (values: Schema): Schema => ({ t: 'map', values });

// kind.x-k8s.io/v1alpha4
const kindMount = obj({ containerPath: str, hostPath: str, readOnly: bool, selinuxRelabel: bool, propagation: str });
const kindPortMapping = obj({ containerPort: int, hostPort: int, listenAddress: str, protocol: str });
const kindPatchJSON6902 = obj({ group: str, version: str, kind: str, patch: str });
const kindNode = obj({ role: str, image: str, labels: map(str), extraMounts: list(kindMount), extraPortMappings: list(kindPortMapping), kubeadmConfigPatches: list(str), kubeadmConfigPatchesJSON6902: list(kindPatchJSON6902) });
export const KIND_CLUSTER: Schema = obj(
  {
    kind: str,
    apiVersion: str,
    name: str,
    nodes: list(kindNode),
    networking: obj({ ipFamily: str, apiServerPort: int, apiServerAddress: str, podSubnet: str, serviceSubnet: str, disableDefaultCNI: bool, kubeProxyMode: str, dnsSearch: list(str) }),
    featureGates: map(bool),
    runtimeConfig: map(str),
    kubeadmConfigPatches: list(str),
    kubeadmConfigPatchesJSON6902: list(kindPatchJSON6902),
    containerdConfigPatches: list(str),
    containerdConfigPatchesJSON6902: list(str),
  },
  ['kind', 'apiVersion'],
);

// kubeadm.k8s.io ClusterConfiguration
const hostPathMount = obj({ name: str, hostPath: str, mountPath: str, readOnly: bool, pathType: str }, ['name', 'hostPath', 'mountPath']);
const arg = obj({ name: str, value: str }, ['name', 'value']);
const envVar = any;
function component(v4: boolean): Record<string, Schema> {
  return v4 ? { extraArgs: list(arg), extraVolumes: list(hostPathMount), extraEnvs: list(envVar) } : { extraArgs: map(str), extraVolumes: list(hostPathMount) };
}
function clusterConfiguration(v4: boolean): Schema {
  const imageMeta = { imageRepository: str, imageTag: str };
  return obj(
    {
      apiVersion: str,
      kind: str,
      etcd: any,
      networking: obj({ serviceSubnet: str, podSubnet: str, dnsDomain: str }),
      kubernetesVersion: str,
      controlPlaneEndpoint: str,
      apiServer: obj({ ...component(v4), certSANs: list(str), ...(v4 ? {} : { timeoutForControlPlane: str }) }),
      controllerManager: obj(component(v4)),
      scheduler: obj(component(v4)),
      dns: obj(v4 ? { ...imageMeta, disabled: bool } : { ...imageMeta, type: str }),
      certificatesDir: str,
      imageRepository: str,
      featureGates: map(bool),
      clusterName: str,
      ...(v4 ? { proxy: obj({ disabled: bool }), encryptionAlgorithm: str, certificateValidityPeriod: str, caCertificateValidityPeriod: str } : { useHyperKubeImage: bool }),
    },
    [],
  );
}
export const KUBEADM_V1BETA3 = clusterConfiguration(false);
export const KUBEADM_V1BETA4 = clusterConfiguration(true);

// k0s.k0sproject.io/v1beta1 ClusterConfig
export const K0S_CLUSTER_CONFIG: Schema = obj(
  {
    apiVersion: str,
    kind: str,
    metadata: any,
    spec: obj({
      api: obj({ address: str, onlyBindToAddress: bool, externalAddress: str, extraArgs: map(str), rawArgs: list(str), k0sApiPort: int, port: int, sans: list(str), ca: any }),
      controllerManager: any,
      scheduler: any,
      storage: any,
      network: any,
      workerProfiles: any,
      telemetry: any,
      installConfig: any,
      images: any,
      extensions: any,
      konnectivity: any,
      featureGates: any,
      metricsServer: any,
    }),
    status: any,
  },
  ['apiVersion', 'kind'],
);

// k3s config.yaml: its keys are the server (and agent) command-line flags.
const K3S_KEYS = [
  'config', 'debug', 'v', 'vmodule', 'log', 'alsologtostderr', 'bind-address', 'https-listen-port', 'supervisor-port', 'apiserver-port', 'apiserver-bind-address',
  'advertise-address', 'advertise-port', 'tls-san', 'tls-san-security', 'data-dir', 'cluster-cidr', 'service-cidr', 'service-node-port-range', 'cluster-dns', 'cluster-domain',
  'flannel-backend', 'flannel-ipv6-masq', 'flannel-external-ip', 'egress-selector-mode', 'servicelb-namespace', 'write-kubeconfig', 'write-kubeconfig-mode', 'write-kubeconfig-group',
  'helm-job-image', 'token', 'token-file', 'agent-token', 'agent-token-file', 'server', 'cluster-init', 'cluster-reset', 'cluster-reset-restore-path',
  'kube-apiserver-arg', 'etcd-arg', 'kube-controller-manager-arg', 'kube-scheduler-arg', 'kube-cloud-controller-manager-arg',
  'datastore-endpoint', 'datastore-cafile', 'datastore-certfile', 'datastore-keyfile', 'etcd-expose-metrics', 'etcd-disable-snapshots', 'etcd-snapshot-name',
  'etcd-snapshot-schedule-cron', 'etcd-snapshot-retention', 'etcd-snapshot-dir', 'etcd-snapshot-compress', 'etcd-s3', 'etcd-s3-endpoint', 'etcd-s3-endpoint-ca',
  'etcd-s3-skip-ssl-verify', 'etcd-s3-access-key', 'etcd-s3-secret-key', 'etcd-s3-bucket', 'etcd-s3-region', 'etcd-s3-folder', 'etcd-s3-insecure', 'etcd-s3-timeout',
  'default-local-storage-path', 'disable', 'disable-scheduler', 'disable-cloud-controller', 'disable-kube-proxy', 'disable-network-policy', 'disable-helm-controller',
  'disable-apiserver', 'disable-controller-manager', 'disable-etcd', 'embedded-registry', 'supervisor-metrics', 'node-name', 'with-node-id', 'node-label', 'node-taint',
  'image-credential-provider-bin-dir', 'image-credential-provider-config', 'docker', 'container-runtime-endpoint', 'default-runtime', 'image-service-endpoint',
  'disable-default-registry-endpoint', 'nonroot-devices', 'pause-image', 'snapshotter', 'private-registry', 'system-default-registry', 'airgap-extra-registry',
  'node-ip', 'node-external-ip', 'node-internal-dns', 'node-external-dns', 'resolv-conf', 'flannel-iface', 'flannel-conf', 'flannel-cni-conf-dir', 'flannel-cni-conf-file',
  'vpn-auth', 'vpn-auth-file', 'kubelet-arg', 'kube-proxy-arg', 'protect-kernel-defaults', 'secrets-encryption', 'secrets-encryption-provider', 'enable-pprof',
  'rootless', 'prefer-bundled-bin', 'selinux', 'lb-server-port', 'disable-agent', 'agent-token', 'kine-tls', 'etcd-s3-proxy', 'etcd-s3-config-secret', 'etcd-s3-session-token',
  'etcd-s3-retention', 'multi-cluster-cidr', 'kube-scheduler-arg', 'kube-controller-arg', 'kube-cloud-controller-arg', 'cluster-secret', 'no-flannel', 'no-deploy',
];
export const K3S_CONFIG: Schema = obj(Object.fromEntries(K3S_KEYS.map((k) => [k, { t: 'oneOf', of: [str, list(str), bool, int] } as Schema])));

export interface SchemaError {
  path: string;
  message: string;
  line: number;
  column: number;
}

function check(text: string, node: unknown, schema: Schema, path: string, out: SchemaError[]): void {
  const at = (n: unknown) => lineColumn(text, (n as Node | null)?.range?.[0] ?? 0);
  const err = (message: string, n: unknown = node): void => {
    out.push({ path, message, ...at(n) });
  };
  switch (schema.t) {
    case 'any':
      return;
    case 'string':
      if (!isScalar(node) || typeof node.value !== 'string') err(`must be a string${isScalar(node) ? ` (got ${JSON.stringify(node.value)}; quote it)` : ''}`);
      return;
    case 'bool':
      if (!isScalar(node) || typeof node.value !== 'boolean') err('must be true or false');
      return;
    case 'int':
      if (!isScalar(node) || typeof node.value !== 'number' || !Number.isInteger(node.value)) err('must be a whole number');
      return;
    case 'oneOf': {
      for (const s of schema.of) {
        const trial: SchemaError[] = [];
        check(text, node, s, path, trial);
        if (trial.length === 0) return;
      }
      err('has a type the tool does not accept');
      return;
    }
    case 'list':
      if (isScalar(node) && node.value === null) return;
      if (!isSeq(node)) return err('must be a list');
      node.items.forEach((item, i) => check(text, item, schema.items, `${path}[${i}]`, out));
      return;
    case 'map':
      if (isScalar(node) && node.value === null) return;
      if (!isMap(node)) return err('must be a mapping');
      for (const p of node.items) check(text, p.value, schema.values, `${path}.${String((p.key as { value?: unknown })?.value)}`, out);
      return;
    case 'object': {
      if (isScalar(node) && node.value === null) return;
      if (!isMap(node)) return err('must be a mapping');
      const seen = new Set<string>();
      for (const p of node.items) {
        const key = String((p.key as { value?: unknown })?.value);
        seen.add(key);
        const child = path === '' ? key : `${path}.${key}`;
        const s = schema.fields[key];
        if (s === undefined) out.push({ path: child, message: `unknown field "${key}"`, ...at(p.key) });
        else check(text, p.value, s, child, out);
      }
      for (const r of schema.required ?? []) if (!seen.has(r)) err(`${r} is required`);
    }
  }
}

export type ConfigKind = 'kind' | 'kubeadm' | 'k0s' | 'k3s';

/** Checks a whole config file (every document that is the tool's) against its types. */
export function validateConfig(kind: ConfigKind, text: string): SchemaError[] {
  const out: SchemaError[] = [];
  const docs = parseDocs(text, `${kind} config`);
  for (const doc of docs) {
    const c = doc.contents;
    if (c === null) continue;
    if (kind === 'k3s') {
      check(text, c, K3S_CONFIG, '', out);
      continue;
    }
    if (!isMap(c)) {
      out.push({ path: '', message: 'must be a mapping', line: 1, column: 1 });
      continue;
    }
    const k = String(c.get('kind') ?? '');
    const apiVersion = String(c.get('apiVersion') ?? '');
    if (kind === 'kind') {
      if (k !== 'Cluster' || apiVersion !== 'kind.x-k8s.io/v1alpha4') out.push({ path: 'apiVersion', message: `expected kind.x-k8s.io/v1alpha4 Cluster, got ${apiVersion} ${k}`, line: 1, column: 1 });
      check(text, c, KIND_CLUSTER, '', out);
      // The kubeadm patches are YAML too: each ClusterConfiguration patch must be one kubeadm accepts.
      const patches = [...(isSeq(c.get('kubeadmConfigPatches')) ? (c.get('kubeadmConfigPatches') as { items: unknown[] }).items : []), ...((isSeq(c.get('nodes')) ? (c.get('nodes') as { items: unknown[] }).items : []).flatMap((n) => (isMap(n) && isSeq(n.get('kubeadmConfigPatches')) ? (n.get('kubeadmConfigPatches') as { items: unknown[] }).items : [])))];
      for (const p of patches) {
        if (!isScalar(p) || typeof p.value !== 'string') continue;
        const inner = validatePatch(p.value);
        const base = lineColumn(text, p.range?.[0] ?? 0).line;
        for (const e of inner) out.push({ ...e, path: `kubeadmConfigPatches: ${e.path}`, line: base + e.line });
      }
    } else if (kind === 'kubeadm') {
      if (k === 'ClusterConfiguration') {
        // v1beta2 (kubeadm ≤ 1.25) is checked with the v1beta3 shape, which kept its fields but two.
        if (!/^kubeadm\.k8s\.io\/v1beta[234]$/.test(apiVersion)) out.push({ path: 'apiVersion', message: `kubeadm ${apiVersion || '(none)'}: expected kubeadm.k8s.io/v1beta3 or v1beta4`, ...lineColumn(text, c.range?.[0] ?? 0) });
        else check(text, c, apiVersion.endsWith('v1beta4') ? KUBEADM_V1BETA4 : KUBEADM_V1BETA3, '', out);
      }
    } else if (kind === 'k0s') {
      if (k === 'ClusterConfig') check(text, c, K0S_CLUSTER_CONFIG, '', out);
    }
  }
  return out;
}

function validatePatch(text: string): SchemaError[] {
  const out: SchemaError[] = [];
  for (const doc of parseDocs(text, 'kubeadm patch')) {
    const c = doc.contents;
    if (!isMap(c) || String(c.get('kind')) !== 'ClusterConfiguration') continue;
    const api = String(c.get('apiVersion') ?? '');
    check(text, c, /v1beta4/.test(api) ? KUBEADM_V1BETA4 : KUBEADM_V1BETA3, '', out);
  }
  return out;
}
