/**
 * Node-side bodies: the Node object (labels, conditions, images: 6–10 KB), the kubelet's
 * node-status heartbeat patch, and coordination.k8s.io Leases (node heartbeats in
 * kube-node-lease, leader election in kube-system).
 */
import type { Cluster, NodeInfo } from './cluster.js';
import { Rng, Stream } from './random.js';
import { Template, json } from './template.js';
import { hexString, microTime, secondTime } from './text.js';

const IMAGES = [
  'registry.k8s.io/kube-proxy', 'registry.k8s.io/pause', 'registry.k8s.io/coredns/coredns', 'cr.fluentbit.io/fluent/fluent-bit',
  'quay.io/prometheus/node-exporter', 'docker.io/istio/proxyv2', 'quay.io/cilium/cilium', 'registry.k8s.io/ingress-nginx/controller',
  'quay.io/jetstack/cert-manager-controller', 'public.ecr.aws/eks-distro/kubernetes-csi/livenessprobe',
  'public.ecr.aws/ebs-csi-driver/aws-ebs-csi-driver', 'registry.k8s.io/metrics-server/metrics-server',
];

interface NodeTemplates {
  node: Template;
  managed: string;
}

const cache = new WeakMap<NodeInfo, NodeTemplates>();

function templates(cluster: Cluster, node: NodeInfo): NodeTemplates {
  let t = cache.get(node);
  if (t !== undefined) return t;
  const rng = new Rng(cluster.seed, Stream.object, 500_000 + node.index);
  const labels: Record<string, string> = {
    'beta.kubernetes.io/arch': 'amd64',
    'beta.kubernetes.io/instance-type': node.instanceType,
    'beta.kubernetes.io/os': 'linux',
    'failure-domain.beta.kubernetes.io/region': cluster.region,
    'failure-domain.beta.kubernetes.io/zone': node.zone,
    'kubernetes.io/arch': 'amd64',
    'kubernetes.io/hostname': node.name,
    'kubernetes.io/os': 'linux',
    ...(node.controlPlane ? { 'node-role.kubernetes.io/control-plane': '', 'node.kubernetes.io/exclude-from-external-load-balancers': '' } : {}),
    'node.kubernetes.io/instance-type': node.instanceType,
    'topology.ebs.csi.aws.com/zone': node.zone,
    'topology.kubernetes.io/region': cluster.region,
    'topology.kubernetes.io/zone': node.zone,
  };
  const annotations = {
    'alpha.kubernetes.io/provided-node-ip': node.ip,
    'csi.volume.kubernetes.io/nodeid': `{"ebs.csi.aws.com":"${node.providerID.split('/').pop()}"}`,
    'node.alpha.kubernetes.io/ttl': '0',
    'volumes.kubernetes.io/controller-managed-attach-detach': 'true',
  };
  const cpu = node.instanceType.startsWith('c6i.4') ? 16 : node.controlPlane ? 4 : 8;
  const memKi = node.instanceType.startsWith('r6i') ? 65_021_404 : node.controlPlane ? 16_092_572 : 32_386_364;
  const capacity = { cpu: String(cpu), 'ephemeral-storage': '104845292Ki', 'hugepages-1Gi': '0', 'hugepages-2Mi': '0', memory: `${memKi}Ki`, pods: '110' };
  const allocatable = { cpu: `${cpu * 1000 - 90}m`, 'ephemeral-storage': '95551679124', 'hugepages-1Gi': '0', 'hugepages-2Mi': '0', memory: `${memKi - 1_000_000}Ki`, pods: '110' };
  const condition = (type: string, reason: string, message: string, status = 'False') => ({ type, status, lastHeartbeatTime: '@@HEARTBEAT@@', lastTransitionTime: secondTime(node.createdUs + 60_000_000), reason, message });
  const images = IMAGES.slice(0, 6 + (node.index % 6)).map((name) => {
    const digest = hexString(rng, 64);
    const tag = `v1.${rng.range(1, 31)}.${rng.range(0, 9)}`;
    return { names: [`${name}@sha256:${digest}`, `${name}:${tag}`], sizeBytes: rng.range(700_000, 180_000_000) };
  });
  const body = {
    kind: 'Node',
    apiVersion: 'v1',
    metadata: { name: node.name, uid: node.uid, resourceVersion: '@@RV@@', creationTimestamp: secondTime(node.createdUs), labels, annotations, managedFields: '@@RAW_MANAGED@@' },
    spec: { podCIDR: `10.244.${node.index % 256}.0/24`, podCIDRs: [`10.244.${node.index % 256}.0/24`], providerID: node.providerID, ...(node.controlPlane ? { taints: [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }] } : {}) },
    status: {
      capacity,
      allocatable,
      conditions: [
        condition('MemoryPressure', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'),
        condition('DiskPressure', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'),
        condition('PIDPressure', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'),
        condition('Ready', 'KubeletReady', 'kubelet is posting ready status', 'True'),
      ],
      addresses: [
        { type: 'InternalIP', address: node.ip },
        { type: 'InternalDNS', address: node.name },
        { type: 'Hostname', address: node.name },
      ],
      daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
      nodeInfo: {
        machineID: hexString(rng, 32),
        systemUUID: `ec2${hexString(rng, 5)}-${hexString(rng, 4)}-${hexString(rng, 4)}-${hexString(rng, 4)}-${hexString(rng, 12)}`,
        bootID: `${hexString(rng, 8)}-${hexString(rng, 4)}-4${hexString(rng, 3)}-a${hexString(rng, 3)}-${hexString(rng, 12)}`,
        kernelVersion: '6.1.115-126.197.amzn2023.x86_64',
        osImage: 'Amazon Linux 2023.6.20241121',
        containerRuntimeVersion: 'containerd://1.7.23',
        kubeletVersion: cluster.build.version,
        kubeProxyVersion: '',
        operatingSystem: 'linux',
        architecture: 'amd64',
      },
      images,
      runtimeHandlers: [{ name: 'runc', features: { recursiveReadOnlyMounts: true, userNamespaces: true } }, { name: '', features: { recursiveReadOnlyMounts: true, userNamespaces: true } }],
    },
  };
  const created = secondTime(node.createdUs);
  const managed = json([
    { manager: 'kubelet', operation: 'Update', apiVersion: 'v1', time: created, fieldsType: 'FieldsV1', fieldsV1: { 'f:metadata': { 'f:annotations': { '.': {}, 'f:alpha.kubernetes.io/provided-node-ip': {}, 'f:volumes.kubernetes.io/controller-managed-attach-detach': {} }, 'f:labels': { '.': {}, 'f:beta.kubernetes.io/arch': {}, 'f:beta.kubernetes.io/os': {}, 'f:kubernetes.io/arch': {}, 'f:kubernetes.io/hostname': {}, 'f:kubernetes.io/os': {} } }, 'f:spec': { 'f:providerID': {} } } },
    { manager: 'kube-controller-manager', operation: 'Update', apiVersion: 'v1', time: created, fieldsType: 'FieldsV1', fieldsV1: { 'f:metadata': { 'f:annotations': { 'f:node.alpha.kubernetes.io/ttl': {} } }, 'f:spec': { 'f:podCIDR': {}, 'f:podCIDRs': { '.': {}, [`v:"10.244.${node.index % 256}.0/24"`]: {} } } } },
    { manager: 'kubelet', operation: 'Update', apiVersion: 'v1', time: '@@HEARTBEAT@@', fieldsType: 'FieldsV1', fieldsV1: { 'f:status': { 'f:conditions': { 'k:{"type":"DiskPressure"}': { 'f:lastHeartbeatTime': {} }, 'k:{"type":"MemoryPressure"}': { 'f:lastHeartbeatTime': {} }, 'k:{"type":"PIDPressure"}': { 'f:lastHeartbeatTime': {} }, 'k:{"type":"Ready"}': { 'f:lastHeartbeatTime': {} } }, 'f:images': {} } }, subresource: 'status' },
  ]);
  t = { node: new Template(json(body)), managed };
  cache.set(node, t);
  return t;
}

/** The Node as the API returns it, with its last heartbeat at `heartbeatUs`. */
export function nodeObject(cluster: Cluster, node: NodeInfo, rv: number, heartbeatUs: number, omitManagedFields: boolean): string {
  const t = templates(cluster, node);
  const heartbeat = secondTime(heartbeatUs);
  const text = t.node.render({ RV: String(rv), HEARTBEAT: heartbeat, RAW_MANAGED: omitManagedFields ? '' : t.managed.replace('@@HEARTBEAT@@', heartbeat) });
  return omitManagedFields ? text.replace(',"managedFields":', '') : text;
}

/** The kubelet's node status patch: condition heartbeats, sorted keys (strategic merge patch built from maps). */
export function nodeStatusPatch(heartbeatUs: number): string {
  const at = secondTime(heartbeatUs);
  const c = (type: string) => `{"lastHeartbeatTime":"${at}","type":"${type}"}`;
  return `{"status":{"$setElementOrder/conditions":[{"type":"MemoryPressure"},{"type":"DiskPressure"},{"type":"PIDPressure"},{"type":"Ready"}],"conditions":[${c('MemoryPressure')},${c('DiskPressure')},${c('PIDPressure')},${c('Ready')}]}}`;
}

export interface LeaseState {
  readonly name: string;
  readonly namespace: string;
  readonly uid: string;
  readonly holder: string;
  readonly durationSeconds: number;
  readonly createdUs: number;
  readonly acquireUs: number;
  readonly manager: string;
  /** Node leases are owned by their Node. */
  readonly ownerNode: NodeInfo | null;
}

/** A Lease renewal body (the update request carries the previous resourceVersion, the response the new one). */
export function leaseObject(lease: LeaseState, rv: number, renewUs: number, omitManagedFields: boolean): string {
  let meta = `"name":"${lease.name}","namespace":"${lease.namespace}","uid":"${lease.uid}","resourceVersion":"${rv}","creationTimestamp":"${secondTime(lease.createdUs)}"`;
  if (lease.ownerNode) meta += `,"ownerReferences":[{"apiVersion":"v1","kind":"Node","name":"${lease.ownerNode.name}","uid":"${lease.ownerNode.uid}"}]`;
  if (!omitManagedFields) {
    const fields = lease.ownerNode
      ? '{"f:metadata":{"f:ownerReferences":{".":{},"k:{\\"uid\\":\\"' + lease.ownerNode.uid + '\\"}":{}}},"f:spec":{"f:holderIdentity":{},"f:leaseDurationSeconds":{},"f:renewTime":{}}}'
      : '{"f:spec":{"f:acquireTime":{},"f:holderIdentity":{},"f:leaseDurationSeconds":{},"f:leaseTransitions":{},"f:renewTime":{}}}';
    meta += `,"managedFields":[{"manager":"${lease.manager}","operation":"Update","apiVersion":"coordination.k8s.io/v1","time":"${secondTime(renewUs)}","fieldsType":"FieldsV1","fieldsV1":${fields}}]`;
  }
  const spec = lease.ownerNode
    ? `{"holderIdentity":"${lease.holder}","leaseDurationSeconds":${lease.durationSeconds},"renewTime":"${microTime(renewUs)}"}`
    : `{"holderIdentity":"${lease.holder}","leaseDurationSeconds":${lease.durationSeconds},"acquireTime":"${microTime(lease.acquireUs)}","renewTime":"${microTime(renewUs)}","leaseTransitions":${lease.createdUs % 7}}`;
  return `{"kind":"Lease","apiVersion":"coordination.k8s.io/v1","metadata":{${meta}},"spec":${spec}}`;
}
