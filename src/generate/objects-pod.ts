/**
 * Pod bodies as kube-apiserver encodes them (core/v1 field order, defaults applied),
 * rendered from per-workload templates: the create request a ReplicaSet controller sends,
 * the stored pod in each phase of its life, and the kubelet's status patches. With
 * managedFields and several containers a pod is 5–9 KB, which is what makes
 * RequestResponse events on pods large.
 */
import type { ContainerSpec, Workload } from './workloads.js';
import { ISTIO_VERSION, istioAnnotations, istioInitContainer, istioLabels, istioProxyContainer, istioVolumes } from './objects-istio.js';
import { Template, json } from './template.js';
import { goJSONString, secondTime } from './text.js';

export type PodPhase = 'pending' | 'scheduled' | 'running' | 'terminating';

export interface PodInstance {
  readonly workload: Workload;
  readonly name: string;
  readonly uid: string;
  readonly node: string;
  readonly hostIP: string;
  readonly podIP: string;
  readonly createdUs: number;
  /** The suffix of the kube-api-access-XXXXX volume the service-account admission plugin added. */
  readonly accessSuffix: string;
  readonly restarts: number;
  readonly containerIDs: readonly string[];
}

interface PodTemplates {
  requestSpec: string;
  spec: Template;
  /** As the ReplicaSet's template has them. */
  labels: string;
  annotations: string;
  /** As stored, after admission (Istio's injector adds its own). */
  storedLabels: string;
  storedAnnotations: string;
  ownerReferences: string;
  kcmFields: string;
  kubeletFields: Template;
}

const cache = new WeakMap<Workload, PodTemplates>();

function templates(w: Workload): PodTemplates {
  let t = cache.get(w);
  if (t === undefined) {
    t = buildTemplates(w);
    cache.set(w, t);
  }
  return t;
}

const ACCESS_MOUNT = { name: 'kube-api-access-@@ACCESS@@', readOnly: true, mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' };

function containerJSON(c: ContainerSpec, admitted: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = { name: c.name, image: c.image, ports: [{ name: c.portName, containerPort: c.port, protocol: 'TCP' }] };
  if (c.env.length > 0) out.env = c.env.map((e) => (e.secretKey ? { name: e.name, valueFrom: { secretKeyRef: { name: e.secretKey.name, key: e.secretKey.key } } } : { name: e.name, value: e.value }));
  out.resources = { limits: { memory: c.memoryLimit }, requests: { cpu: c.cpu, memory: c.memory } };
  const mounts: Record<string, unknown>[] = c.mounts.map((m) => (m.readOnly ? { name: m.name, readOnly: true, mountPath: m.mountPath } : { name: m.name, mountPath: m.mountPath }));
  if (admitted) mounts.push(ACCESS_MOUNT);
  if (mounts.length > 0) out.volumeMounts = mounts;
  if (c.probes) {
    out.livenessProbe = { httpGet: { path: '/healthz', port: c.portName, scheme: 'HTTP' }, initialDelaySeconds: 10, timeoutSeconds: 1, periodSeconds: 10, successThreshold: 1, failureThreshold: 3 };
    out.readinessProbe = { httpGet: { path: '/readyz', port: c.portName, scheme: 'HTTP' }, timeoutSeconds: 1, periodSeconds: 5, successThreshold: 1, failureThreshold: 3 };
  }
  out.terminationMessagePath = '/dev/termination-log';
  out.terminationMessagePolicy = 'File';
  out.imagePullPolicy = 'IfNotPresent';
  if (c.hardened) {
    out.securityContext = { capabilities: { drop: ['ALL'] }, runAsNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, seccompProfile: { type: 'RuntimeDefault' } };
  }
  return out;
}

/** Injected by Istio: the pod is admitted in an istio-injection namespace. */
export function injected(w: Workload): boolean {
  return w.churns && w.namespace.istio;
}

function specJSON(w: Workload, admitted: boolean, bound: boolean): string {
  const app = w.containers[0];
  const istio = admitted && injected(w);
  const volumes: Record<string, unknown>[] = [];
  if (app.mounts.some((m) => m.name === 'config')) volumes.push({ name: 'config', configMap: { name: w.configMap, defaultMode: 420 } });
  if (app.mounts.some((m) => m.name === 'tmp')) volumes.push({ name: 'tmp', emptyDir: {} });
  if (admitted) {
    volumes.push({
      name: 'kube-api-access-@@ACCESS@@',
      projected: {
        sources: [
          { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
          { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
          { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
        ],
        defaultMode: 420,
      },
    });
  }
  if (istio) volumes.push(...istioVolumes());
  const spec: Record<string, unknown> = {};
  if (volumes.length > 0) spec.volumes = volumes;
  if (istio) spec.initContainers = [istioInitContainer()];
  spec.containers = w.containers.map((c) => containerJSON(c, admitted));
  if (istio) (spec.containers as unknown[]).push(istioProxyContainer(w, ACCESS_MOUNT));
  spec.restartPolicy = 'Always';
  spec.terminationGracePeriodSeconds = 30;
  spec.dnsPolicy = 'ClusterFirst';
  spec.serviceAccountName = w.serviceAccount;
  spec.serviceAccount = w.serviceAccount;
  if (bound) spec.nodeName = '@@NODE@@';
  spec.securityContext = w.containers[0].hardened ? { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } } : {};
  spec.schedulerName = 'default-scheduler';
  if (admitted) {
    spec.tolerations = [
      { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
      { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
    ];
    if (w.priorityClass) spec.priorityClassName = w.priorityClass;
    spec.priority = w.priorityClass ? 2000000000 : 0;
  } else if (w.priorityClass) spec.priorityClassName = w.priorityClass;
  spec.enableServiceLinks = true;
  if (admitted) spec.preemptionPolicy = 'PreemptLowerPriority';
  return json(spec);
}

function fieldsFor(c: ContainerSpec): Record<string, unknown> {
  const f: Record<string, unknown> = { '.': {} };
  if (c.env.length > 0) {
    const env: Record<string, unknown> = { '.': {} };
    for (const e of c.env) env[`k:{"name":"${e.name}"}`] = e.secretKey ? { '.': {}, 'f:name': {}, 'f:valueFrom': { '.': {}, 'f:secretKeyRef': {} } } : { '.': {}, 'f:name': {}, 'f:value': {} };
    f['f:env'] = env;
  }
  f['f:image'] = {};
  f['f:imagePullPolicy'] = {};
  if (c.probes) {
    const probe = { '.': {}, 'f:failureThreshold': {}, 'f:httpGet': { '.': {}, 'f:path': {}, 'f:port': {}, 'f:scheme': {} }, 'f:periodSeconds': {}, 'f:successThreshold': {}, 'f:timeoutSeconds': {} };
    f['f:livenessProbe'] = { ...probe, 'f:initialDelaySeconds': {} };
    f['f:readinessProbe'] = probe;
  }
  f['f:name'] = {};
  f['f:ports'] = { '.': {}, [`k:{"containerPort":${c.port},"protocol":"TCP"}`]: { '.': {}, 'f:containerPort': {}, 'f:name': {}, 'f:protocol': {} } };
  f['f:resources'] = { '.': {}, 'f:limits': { '.': {}, 'f:memory': {} }, 'f:requests': { '.': {}, 'f:cpu': {}, 'f:memory': {} } };
  if (c.hardened) f['f:securityContext'] = { '.': {}, 'f:allowPrivilegeEscalation': {}, 'f:capabilities': { '.': {}, 'f:drop': {} }, 'f:readOnlyRootFilesystem': {}, 'f:runAsNonRoot': {}, 'f:seccompProfile': { '.': {}, 'f:type': {} } };
  f['f:terminationMessagePath'] = {};
  f['f:terminationMessagePolicy'] = {};
  if (c.mounts.length > 0) {
    const vm: Record<string, unknown> = { '.': {} };
    for (const m of c.mounts) vm[`k:{"mountPath":"${m.mountPath}"}`] = m.readOnly ? { '.': {}, 'f:mountPath': {}, 'f:name': {}, 'f:readOnly': {} } : { '.': {}, 'f:mountPath': {}, 'f:name': {} };
    f['f:volumeMounts'] = vm;
  }
  return f;
}

function buildTemplates(w: Workload): PodTemplates {
  const labels: Record<string, string> = { 'app.kubernetes.io/name': w.name, 'app.kubernetes.io/part-of': w.namespace.name, 'pod-template-hash': w.rsHash };
  const annotations: Record<string, string> = { 'kubectl.kubernetes.io/restartedAt': '2026-10-02T08:14:55Z', 'prometheus.io/port': '9090', 'prometheus.io/scrape': 'true' };
  const owner = [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: w.rsName, uid: w.rsUid, controller: true, blockOwnerDeletion: true }];
  const containers: Record<string, unknown> = {};
  for (const c of w.containers) containers[`k:{"name":"${c.name}"}`] = fieldsFor(c);
  const kcmFields = {
    'f:metadata': {
      'f:annotations': { '.': {}, 'f:kubectl.kubernetes.io/restartedAt': {}, 'f:prometheus.io/port': {}, 'f:prometheus.io/scrape': {} },
      'f:generateName': {},
      'f:labels': { '.': {}, 'f:app.kubernetes.io/name': {}, 'f:app.kubernetes.io/part-of': {}, 'f:pod-template-hash': {} },
      'f:ownerReferences': { '.': {}, [`k:{"uid":"${w.rsUid}"}`]: {} },
    },
    'f:spec': {
      'f:containers': containers,
      'f:dnsPolicy': {}, 'f:enableServiceLinks': {}, 'f:restartPolicy': {}, 'f:schedulerName': {}, 'f:securityContext': {},
      'f:serviceAccount': {}, 'f:serviceAccountName': {}, 'f:terminationGracePeriodSeconds': {},
      'f:volumes': { '.': {}, 'k:{"name":"config"}': { '.': {}, 'f:configMap': { '.': {}, 'f:defaultMode': {}, 'f:name': {} }, 'f:name': {} }, 'k:{"name":"tmp"}': { '.': {}, 'f:emptyDir': {}, 'f:name': {} } },
    },
  };
  const condition = { '.': {}, 'f:lastProbeTime': {}, 'f:lastTransitionTime': {}, 'f:status': {}, 'f:type': {} };
  const kubeletFields = {
    'f:status': {
      'f:conditions': {
        'k:{"type":"ContainersReady"}': condition, 'k:{"type":"Initialized"}': condition, 'k:{"type":"PodReadyToStartContainers"}': condition, 'k:{"type":"Ready"}': condition,
      },
      'f:containerStatuses': {}, 'f:hostIP': {}, 'f:hostIPs': {}, 'f:phase': {}, 'f:podIP': {},
      'f:podIPs': { '.': {}, 'k:{"ip":"@@PODIP@@"}': { '.': {}, 'f:ip': {} } },
      'f:startTime': {},
    },
  };
  const sorted = (o: Record<string, string>) => Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : 1)));
  const istio = injected(w);
  return {
    requestSpec: specJSON(w, false, false),
    spec: new Template(specJSON(w, true, true)),
    labels: json(labels),
    annotations: json(annotations),
    storedLabels: json(istio ? sorted({ ...labels, ...istioLabels(w) }) : labels),
    storedAnnotations: json(istio ? sorted({ ...annotations, ...istioAnnotations(w) }) : annotations),
    ownerReferences: json(owner),
    kcmFields: json(sortKeys(kcmFields)),
    kubeletFields: new Template(json(sortKeys(kubeletFields))),
  };
}

/** fieldsV1 as structured-merge-diff writes it: members sorted ("." first, then f: fields, then k: keys). */
function sortKeys(value: unknown): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return Object.fromEntries(entries.map(([k, v]) => [k, sortKeys(v)]));
}

/** A workload's pod template pieces for Deployment and ReplicaSet bodies: labels and the spec without admission's additions. */
export function podTemplateParts(w: Workload): { labels: string; annotations: string; spec: string } {
  const t = templates(w);
  return { labels: t.labels, annotations: t.annotations, spec: t.requestSpec };
}

/** The ReplicaSet controller's create request: generateName, defaults applied, nothing admission adds. */
export function podCreateRequest(w: Workload): string {
  const t = templates(w);
  return `{"kind":"Pod","apiVersion":"v1","metadata":{"generateName":"${w.rsName}-","namespace":"${w.namespace.name}","creationTimestamp":null,"labels":${t.labels},"annotations":${t.annotations},"ownerReferences":${t.ownerReferences}},"spec":${t.requestSpec},"status":{}}`;
}

function conditions(pod: PodInstance, phase: PodPhase, statusUs: number): string {
  const created = secondTime(pod.createdUs);
  const ready = phase === 'running' ? 'True' : 'False';
  const readyAt = phase === 'running' ? secondTime(pod.createdUs + 4_000_000) : secondTime(statusUs);
  const c = (type: string, status: string, at: string, extra = '') => `{"type":"${type}","status":"${status}","lastProbeTime":null,"lastTransitionTime":"${at}"${extra}}`;
  if (phase === 'scheduled') return `[${c('PodScheduled', 'True', created)}]`;
  const notReady = phase === 'running' ? '' : ',"reason":"ContainersNotReady","message":"containers with unready status: [app]"';
  return `[${c('PodReadyToStartContainers', ready, readyAt)},${c('Initialized', 'True', created)},${c('Ready', ready, readyAt, notReady)},${c('ContainersReady', ready, readyAt, notReady)},${c('PodScheduled', 'True', created)}]`;
}

const PROXY_STATUS = { name: 'istio-proxy', image: `docker.io/istio/proxyv2:${ISTIO_VERSION}`, imageID: 'docker.io/istio/proxyv2@sha256:2876cfc2fdf47e4b9665390ccc9ccf2bf913b71379325b8438135c9f35578e1a' };

function containerStatuses(pod: PodInstance, phase: PodPhase, statusUs: number): string {
  const started = secondTime(pod.createdUs + 3_000_000);
  const containers: { name: string; image: string; imageID: string }[] = [...pod.workload.containers];
  if (injected(pod.workload)) containers.push(PROXY_STATUS);
  return `[${containers
    .map((c, i) => {
      const state = phase === 'terminating'
        ? `{"terminated":{"exitCode":0,"reason":"Completed","startedAt":"${started}","finishedAt":"${secondTime(statusUs)}","containerID":"containerd://${pod.containerIDs[i]}"}}`
        : `{"running":{"startedAt":"${started}"}}`;
      const last = pod.restarts > 0 && i === 0 ? `{"terminated":{"exitCode":137,"reason":"OOMKilled","startedAt":"${started}","finishedAt":"${started}","containerID":"containerd://${pod.containerIDs[i]}"}}` : '{}';
      return `{"name":"${c.name}","state":${state},"lastState":${last},"ready":${phase === 'running'},"restartCount":${i === 0 ? pod.restarts : 0},"image":"${c.image}","imageID":"${c.imageID}","containerID":"containerd://${pod.containerIDs[i]}","started":${phase === 'running'}}`;
    })
    .join(',')}]`;
}

/** status as stored for a phase of the pod's life. */
export function podStatus(pod: PodInstance, phase: PodPhase, statusUs: number): string {
  const qos = '"qosClass":"Burstable"';
  if (phase === 'pending') return `{"phase":"Pending",${qos}}`;
  if (phase === 'scheduled') return `{"phase":"Pending","conditions":${conditions(pod, phase, statusUs)},${qos}}`;
  const ips = `"hostIP":"${pod.hostIP}","hostIPs":[{"ip":"${pod.hostIP}"}],"podIP":"${pod.podIP}","podIPs":[{"ip":"${pod.podIP}"}],"startTime":"${secondTime(pod.createdUs)}"`;
  const init = injected(pod.workload)
    ? `,"initContainerStatuses":[{"name":"istio-init","state":{"terminated":{"exitCode":0,"reason":"Completed","startedAt":"${secondTime(pod.createdUs + 1_000_000)}","finishedAt":"${secondTime(pod.createdUs + 1_000_000)}","containerID":"containerd://${pod.containerIDs[pod.containerIDs.length - 1]}"}},"lastState":{},"ready":true,"restartCount":0,"image":"${PROXY_STATUS.image}","imageID":"${PROXY_STATUS.imageID}","containerID":"containerd://${pod.containerIDs[pod.containerIDs.length - 1]}","started":false}]`
    : '';
  return `{"phase":"Running","conditions":${conditions(pod, phase, statusUs)},${ips}${init},"containerStatuses":${containerStatuses(pod, phase, statusUs)},${qos}}`;
}

/** The pod as the API returns it. `rv` is its resourceVersion; `deletedUs` (>= 0) marks a graceful deletion in progress. */
export function podObject(pod: PodInstance, phase: PodPhase, rv: number, statusUs: number, omitManagedFields: boolean, deletedUs = -1, listItem = false): string {
  const w = pod.workload;
  const t = templates(w);
  let meta = `"name":"${pod.name}","generateName":"${w.rsName}-","namespace":"${w.namespace.name}","uid":"${pod.uid}","resourceVersion":"${rv}","creationTimestamp":"${secondTime(pod.createdUs)}"`;
  if (deletedUs >= 0) meta += `,"deletionTimestamp":"${secondTime(deletedUs + 30_000_000)}","deletionGracePeriodSeconds":30`;
  meta += `,"labels":${t.storedLabels},"annotations":${t.storedAnnotations},"ownerReferences":${t.ownerReferences}`;
  if (!omitManagedFields) {
    meta += `,"managedFields":[{"manager":"kube-controller-manager","operation":"Update","apiVersion":"v1","time":"${secondTime(pod.createdUs)}","fieldsType":"FieldsV1","fieldsV1":${t.kcmFields}}`;
    if (phase !== 'pending' && phase !== 'scheduled') {
      meta += `,{"manager":"kubelet","operation":"Update","apiVersion":"v1","time":"${secondTime(statusUs)}","fieldsType":"FieldsV1","fieldsV1":${t.kubeletFields.render({ PODIP: pod.podIP })},"subresource":"status"}`;
    }
    meta += ']';
  }
  const spec = phase === 'pending' ? t.spec.render({ ACCESS: pod.accessSuffix, NODE: '' }).replace(',"nodeName":""', '') : t.spec.render({ ACCESS: pod.accessSuffix, NODE: pod.node });
  const head = listItem ? '' : '"kind":"Pod","apiVersion":"v1",';
  return `{${head}"metadata":{${meta}},"spec":${spec},"status":${podStatus(pod, phase, statusUs)}}`;
}

/** The kubelet's strategic-merge status patch (keys sorted: it is built from maps). */
export function podStatusPatch(pod: PodInstance, phase: PodPhase, statusUs: number): string {
  const order = '"$setElementOrder/conditions":[{"type":"PodReadyToStartContainers"},{"type":"Initialized"},{"type":"Ready"},{"type":"ContainersReady"},{"type":"PodScheduled"}]';
  const at = secondTime(statusUs);
  const ready = phase === 'running' ? 'True' : 'False';
  const cond = (type: string) => `{"lastTransitionTime":"${at}","status":"${ready}","type":"${type}"}`;
  const statuses = containerStatuses(pod, phase, statusUs).replace(/"containerID":"[^"]*",/g, '');
  let status = `${order},"conditions":[${cond('PodReadyToStartContainers')},${cond('Ready')},${cond('ContainersReady')}],"containerStatuses":${statuses}`;
  if (phase === 'running') status += `,"hostIP":"${pod.hostIP}","hostIPs":[{"ip":"${pod.hostIP}"}],"phase":"Running","podIP":"${pod.podIP}","podIPs":[{"ip":"${pod.podIP}"}],"startTime":"${secondTime(pod.createdUs)}"`;
  return `{"metadata":{"uid":"${pod.uid}"},"status":{${status}}}`;
}

/** The scheduler's Binding (pods/binding create). */
export function bindingRequest(pod: PodInstance): string {
  return `{"kind":"Binding","apiVersion":"v1","metadata":{"name":"${pod.name}","namespace":"${pod.workload.namespace.name}","uid":"${pod.uid}","creationTimestamp":null},"target":{"kind":"Node","name":${goJSONString(pod.node)}}}`;
}

/** A delete's DeleteOptions as the audit log shows them (decoded into the internal version). */
export function deleteOptions(options: { gracePeriodSeconds?: number; uid?: string; propagationPolicy?: string }): string {
  let s = '{"kind":"DeleteOptions","apiVersion":"meta.k8s.io/__internal"';
  if (options.gracePeriodSeconds !== undefined) s += `,"gracePeriodSeconds":${options.gracePeriodSeconds}`;
  if (options.uid) s += `,"preconditions":{"uid":"${options.uid}"}`;
  if (options.propagationPolicy) s += `,"propagationPolicy":"${options.propagationPolicy}"`;
  return `${s}}`;
}

/** A PodList of the given pods (list items carry no kind/apiVersion). */
export function podList(pods: readonly PodInstance[], rv: number, statusUs: number, omitManagedFields: boolean): string {
  return `{"kind":"PodList","apiVersion":"v1","metadata":{"resourceVersion":"${rv}"},"items":[${pods.map((p) => podObject(p, 'running', rv - 1000, statusUs, omitManagedFields, -1, true)).join(',')}]}`;
}
