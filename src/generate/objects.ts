/**
 * The other bodies: workload controllers' objects (Deployment, ReplicaSet, Scale,
 * EndpointSlice), configuration (ConfigMap, Secret, TokenRequest), RBAC bindings,
 * reviews (SubjectAccessReview, SelfSubjectAccessReview, TokenReview), Events, and the
 * Table kubectl asks for. Built-in types follow Go struct order; custom resources are
 * encoded from maps, so their keys are sorted.
 */
import type { Cluster } from './cluster.js';
import type { PodInstance } from './objects-pod.js';
import { podTemplateParts } from './objects-pod.js';
import type { Rng } from './random.js';
import { base64Random, goJSONString, hexString, microTime, secondTime, uuid4 } from './text.js';
import type { Workload } from './workloads.js';

function meta(name: string, namespace: string, uid: string, rv: number, createdUs: number, extra = ''): string {
  const ns = namespace === '' ? '' : `,"namespace":"${namespace}"`;
  return `"metadata":{"name":${goJSONString(name)}${ns},"uid":"${uid}","resourceVersion":"${rv}","creationTimestamp":"${secondTime(createdUs)}"${extra}}`;
}

function managed(manager: string, apiVersion: string, timeUs: number, fields: string, subresource = ''): string {
  return `{"manager":"${manager}","operation":"Update","apiVersion":"${apiVersion}","time":"${secondTime(timeUs)}","fieldsType":"FieldsV1","fieldsV1":${fields}${subresource ? `,"subresource":"${subresource}"` : ''}}`;
}

function selector(w: Workload): string {
  return `{"matchLabels":{"app.kubernetes.io/name":"${w.name}"}}`;
}

export function deploymentObject(w: Workload, rv: number, replicas: number, nowUs: number, omitManagedFields: boolean): string {
  const t = podTemplateParts(w);
  const labels = t.labels.replace(/,"pod-template-hash":"[^"]*"/, '');
  let extra = `,"generation":${w.generation},"labels":{"app.kubernetes.io/name":"${w.name}","app.kubernetes.io/part-of":"${w.namespace.name}"},"annotations":{"deployment.kubernetes.io/revision":"${w.generation}"}`;
  if (!omitManagedFields) {
    extra += `,"managedFields":[${managed('argocd-controller', 'apps/v1', w.createdUs, '{"f:metadata":{"f:labels":{".":{},"f:app.kubernetes.io/name":{},"f:app.kubernetes.io/part-of":{}}},"f:spec":{"f:replicas":{},"f:selector":{},"f:template":{"f:metadata":{"f:labels":{".":{},"f:app.kubernetes.io/name":{},"f:app.kubernetes.io/part-of":{}}},"f:spec":{"f:containers":{},"f:serviceAccountName":{},"f:volumes":{}}}}}')},${managed('kube-controller-manager', 'apps/v1', nowUs, '{"f:metadata":{"f:annotations":{".":{},"f:deployment.kubernetes.io/revision":{}}},"f:status":{"f:availableReplicas":{},"f:conditions":{},"f:observedGeneration":{},"f:readyReplicas":{},"f:replicas":{},"f:updatedReplicas":{}}}', 'status')}]`;
  }
  const spec = `{"replicas":${replicas},"selector":${selector(w)},"template":{"metadata":{"creationTimestamp":null,"labels":${labels},"annotations":${t.annotations}},"spec":${t.spec}},"strategy":{"type":"RollingUpdate","rollingUpdate":{"maxUnavailable":"25%","maxSurge":"25%"}},"revisionHistoryLimit":10,"progressDeadlineSeconds":600}`;
  const at = secondTime(nowUs);
  const status = `{"observedGeneration":${w.generation},"replicas":${replicas},"updatedReplicas":${replicas},"readyReplicas":${replicas},"availableReplicas":${replicas},"conditions":[{"type":"Available","status":"True","lastUpdateTime":"${at}","lastTransitionTime":"${at}","reason":"MinimumReplicasAvailable","message":"Deployment has minimum availability."},{"type":"Progressing","status":"True","lastUpdateTime":"${at}","lastTransitionTime":"${secondTime(w.createdUs)}","reason":"NewReplicaSetAvailable","message":"ReplicaSet \\"${w.rsName}\\" has successfully progressed."}]}`;
  return `{"kind":"Deployment","apiVersion":"apps/v1",${meta(w.name, w.namespace.name, w.uid, rv, w.createdUs, extra)},"spec":${spec},"status":${status}}`;
}

export function replicaSetObject(w: Workload, rv: number, ready: number, nowUs: number, omitManagedFields: boolean): string {
  const t = podTemplateParts(w);
  let extra = `,"generation":${w.generation},"labels":{"app.kubernetes.io/name":"${w.name}","app.kubernetes.io/part-of":"${w.namespace.name}","pod-template-hash":"${w.rsHash}"},"annotations":{"deployment.kubernetes.io/desired-replicas":"${w.replicas}","deployment.kubernetes.io/max-replicas":"${w.replicas + 1}","deployment.kubernetes.io/revision":"${w.generation}"},"ownerReferences":[{"apiVersion":"apps/v1","kind":"Deployment","name":"${w.name}","uid":"${w.uid}","controller":true,"blockOwnerDeletion":true}]`;
  if (!omitManagedFields) {
    extra += `,"managedFields":[${managed('kube-controller-manager', 'apps/v1', w.createdUs, '{"f:metadata":{"f:annotations":{},"f:labels":{},"f:ownerReferences":{}},"f:spec":{"f:replicas":{},"f:selector":{},"f:template":{}}}')},${managed('kube-controller-manager', 'apps/v1', nowUs, '{"f:status":{"f:availableReplicas":{},"f:fullyLabeledReplicas":{},"f:observedGeneration":{},"f:readyReplicas":{},"f:replicas":{}}}', 'status')}]`;
  }
  const spec = `{"replicas":${w.replicas},"selector":{"matchLabels":{"app.kubernetes.io/name":"${w.name}","pod-template-hash":"${w.rsHash}"}},"template":{"metadata":{"creationTimestamp":null,"labels":${t.labels},"annotations":${t.annotations}},"spec":${t.spec}}}`;
  const status = `{"replicas":${w.replicas},"fullyLabeledReplicas":${w.replicas},"readyReplicas":${ready},"availableReplicas":${ready},"observedGeneration":${w.generation}}`;
  return `{"kind":"ReplicaSet","apiVersion":"apps/v1",${meta(w.rsName, w.namespace.name, w.rsUid, rv, w.createdUs, extra)},"spec":${spec},"status":${status}}`;
}

export function scaleObject(w: Workload, rv: number, replicas: number): string {
  return `{"kind":"Scale","apiVersion":"autoscaling/v1",${meta(w.name, w.namespace.name, w.uid, rv, w.createdUs)},"spec":{"replicas":${replicas}},"status":{"replicas":${w.replicas},"selector":"app.kubernetes.io/name=${w.name}"}}`;
}

export function endpointSliceObject(w: Workload, pods: readonly PodInstance[], rv: number, nowUs: number, omitManagedFields: boolean): string {
  let extra = `,"generation":${(rv % 97) + 1},"generateName":"${w.name}-","labels":{"endpointslice.kubernetes.io/managed-by":"endpointslice-controller.k8s.io","kubernetes.io/service-name":"${w.name}"},"annotations":{"endpoints.kubernetes.io/last-change-trigger-time":"${secondTime(nowUs)}"},"ownerReferences":[{"apiVersion":"v1","kind":"Service","name":"${w.name}","uid":"${w.serviceUid}","controller":true,"blockOwnerDeletion":true}]`;
  if (!omitManagedFields) extra += `,"managedFields":[${managed('kube-controller-manager', 'discovery.k8s.io/v1', nowUs, '{"f:addressType":{},"f:endpoints":{},"f:metadata":{"f:annotations":{".":{},"f:endpoints.kubernetes.io/last-change-trigger-time":{}},"f:generateName":{},"f:labels":{},"f:ownerReferences":{}},"f:ports":{}}')}]`;
  const endpoints = pods
    .map((p) => `{"addresses":["${p.podIP}"],"conditions":{"ready":true,"serving":true,"terminating":false},"targetRef":{"kind":"Pod","namespace":"${w.namespace.name}","name":"${p.name}","uid":"${p.uid}"},"nodeName":${goJSONString(p.node)},"zone":"${p.hostIP.endsWith('1') ? 'a' : 'b'}"}`)
    .join(',');
  return `{"kind":"EndpointSlice","apiVersion":"discovery.k8s.io/v1",${meta(w.sliceName, w.namespace.name, w.sliceUid, rv, w.createdUs, extra)},"addressType":"IPv4","endpoints":[${endpoints}],"ports":[{"name":"http","protocol":"TCP","port":${w.containers[0].port}}]}`;
}

export function configMapObject(w: Workload, rv: number, omitManagedFields: boolean): string {
  const data = `{"app.yaml":${goJSONString(`server:\n  port: ${w.containers[0].port}\n  shutdownGracePeriod: 25s\nlogging:\n  level: info\nupstreams:\n  - name: ${w.name}-backend\n    url: http://${w.name}.${w.namespace.name}.svc.cluster.local\n`)},"feature-flags.json":"{\\"newPricing\\":true,\\"legacyAuth\\":false}"}`;
  const mf = omitManagedFields ? '' : `,"managedFields":[${managed('argocd-controller', 'v1', w.createdUs, '{"f:data":{".":{},"f:app.yaml":{},"f:feature-flags.json":{}}}')}]`;
  return `{"kind":"ConfigMap","apiVersion":"v1",${meta(w.configMap, w.namespace.name, w.serviceUid.replace(/^.{4}/, 'c0f1'), rv, w.createdUs, mf)},"data":${data}}`;
}

export function secretObject(w: Workload, rv: number, rng: Rng, omitManagedFields: boolean): string {
  const keys = w.containers[0].env.filter((e) => e.secretKey).map((e) => e.secretKey!.key);
  const data = keys.map((k) => `"${k}":"${base64Random(rng, 24)}"`).join(',');
  const mf = omitManagedFields ? '' : `,"managedFields":[${managed('kubectl-client-side-apply', 'v1', w.createdUs, `{"f:data":{".":{},${keys.map((k) => `"f:${k}":{}`).join(',')}},"f:type":{}}`)}]`;
  return `{"kind":"Secret","apiVersion":"v1",${meta(w.secret, w.namespace.name, w.sliceUid.replace(/^.{4}/, '5ec7'), rv, w.createdUs, mf)},"data":{${data}},"type":"Opaque"}`;
}

/** A bound service-account token request (the kubelet asks for one per projected volume). */
export function tokenRequest(pod: PodInstance, response: boolean, nowUs: number, rng: Rng): string {
  const spec = `{"audiences":["https://kubernetes.default.svc.cluster.local"],"expirationSeconds":3607,"boundObjectRef":{"kind":"Pod","apiVersion":"v1","name":"${pod.name}","uid":"${pod.uid}"}}`;
  const status = response ? `{"token":"eyJhbGciOiJSUzI1NiIsImtpZCI6I${base64Random(rng, 30)}.${base64Random(rng, 420).replace(/=+$/, '')}.${base64Random(rng, 192).replace(/=+$/, '')}","expirationTimestamp":"${secondTime(nowUs + 3_607_000_000)}"}` : '{"token":"","expirationTimestamp":null}';
  const m = response ? `"metadata":{"name":"${pod.workload.serviceAccount}","namespace":"${pod.workload.namespace.name}","creationTimestamp":"${secondTime(nowUs)}"}` : '"metadata":{"creationTimestamp":null}';
  return `{"kind":"TokenRequest","apiVersion":"authentication.k8s.io/v1",${m},"spec":${spec},"status":${status}}`;
}

export interface BindingSpec {
  kind: 'RoleBinding' | 'ClusterRoleBinding';
  name: string;
  namespace: string;
  role: string;
  roleKind: 'ClusterRole' | 'Role';
  subjectKind: 'User' | 'Group' | 'ServiceAccount';
  subject: string;
  subjectNamespace?: string;
}

export function bindingObject(b: BindingSpec, created: { uid: string; rv: number; us: number } | null, manager: string, omitManagedFields: boolean): string {
  const ns = b.namespace === '' ? '' : `,"namespace":"${b.namespace}"`;
  const mf = omitManagedFields || !created ? '' : `,"managedFields":[${managed(manager, 'rbac.authorization.k8s.io/v1', created.us, '{"f:roleRef":{},"f:subjects":{}}')}]`;
  const m = created
    ? `"metadata":{"name":${goJSONString(b.name)}${ns},"uid":"${created.uid}","resourceVersion":"${created.rv}","creationTimestamp":"${secondTime(created.us)}"${mf}}`
    : `"metadata":{"name":${goJSONString(b.name)}${ns},"creationTimestamp":null}`;
  const subject = b.subjectKind === 'ServiceAccount'
    ? `{"kind":"ServiceAccount","name":"${b.subject}","namespace":"${b.subjectNamespace}"}`
    : `{"kind":"${b.subjectKind}","apiGroup":"rbac.authorization.k8s.io","name":${goJSONString(b.subject)}}`;
  return `{"kind":"${b.kind}","apiVersion":"rbac.authorization.k8s.io/v1",${m},"subjects":[${subject}],"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"${b.roleKind}","name":"${b.role}"}}`;
}

export function subjectAccessReview(user: string, groups: readonly string[], attrs: string, allowed: boolean, reason: string, response: boolean, selfReview: boolean): string {
  const kind = selfReview ? 'SelfSubjectAccessReview' : 'SubjectAccessReview';
  const who = selfReview ? '' : `,"user":${goJSONString(user)},"groups":[${groups.map(goJSONString).join(',')}]`;
  const status = response ? `{"allowed":${allowed}${reason ? `,"reason":${goJSONString(reason)}` : ''}}` : '{"allowed":false}';
  return `{"kind":"${kind}","apiVersion":"authorization.k8s.io/v1","metadata":{"creationTimestamp":null},"spec":{${attrs}${who}},"status":${status}}`;
}

export function tokenReview(rng: Rng, user: string, groups: readonly string[], response: boolean): string {
  const token = `eyJhbGciOiJSUzI1NiIsImtpZCI6I${base64Random(rng, 24)}`;
  const status = response
    ? `{"authenticated":true,"user":{"username":${goJSONString(user)},"uid":"${uuid4(rng)}","groups":[${groups.map(goJSONString).join(',')}]},"audiences":["https://kubernetes.default.svc.cluster.local"]}`
    : '{"user":{}}';
  return `{"kind":"TokenReview","apiVersion":"authentication.k8s.io/v1","metadata":{"creationTimestamp":null},"spec":{"token":"${token}"},"status":${status}}`;
}

export interface EventFields {
  namespace: string;
  involvedKind: string;
  involvedName: string;
  involvedUid: string;
  reason: string;
  type: string;
  message: string;
  component: string;
  host: string;
}

/** An event's name: the involved object's name and a hex suffix, as client-go's recorder makes it. */
export function eventName(involvedName: string, rng: Rng): string {
  return `${involvedName}.${hexString(rng, 16)}`;
}

export function eventObject(e: EventFields, name: string, nowUs: number, created: { uid: string; rv: number } | null): string {
  const m = created === null
    ? `"metadata":{"name":"${name}","namespace":"${e.namespace}","creationTimestamp":null}`
    : meta(name, e.namespace, created.uid, created.rv, nowUs);
  const source = e.host ? `{"component":"${e.component}","host":${goJSONString(e.host)}}` : `{"component":"${e.component}"}`;
  const at = secondTime(nowUs);
  return `{"kind":"Event","apiVersion":"v1",${m},"involvedObject":{"kind":"${e.involvedKind}","namespace":"${e.namespace}","name":"${e.involvedName}","uid":"${e.involvedUid}","apiVersion":"v1"},"reason":"${e.reason}","message":${goJSONString(e.message)},"source":${source},"firstTimestamp":"${at}","lastTimestamp":"${at}","count":1,"type":"${e.type}","eventTime":null,"reportingComponent":"${e.component}","reportingInstance":${goJSONString(e.host)}}`;
}

/** The meta.k8s.io/v1 Table `kubectl get pods` asks for (Accept: as=Table), rows with PartialObjectMetadata. */
export function podTable(pods: readonly PodInstance[], rv: number, nowUs: number, omitManagedFields: boolean): string {
  const columns = '[{"name":"Name","type":"string","format":"name","description":"Name must be unique within a namespace.","priority":0},{"name":"Ready","type":"string","format":"","description":"The aggregate readiness state of this pod for accepting traffic.","priority":0},{"name":"Status","type":"string","format":"","description":"The aggregate status of the containers in this pod.","priority":0},{"name":"Restarts","type":"string","format":"","description":"The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.","priority":0},{"name":"Age","type":"string","format":"","description":"CreationTimestamp is a timestamp representing the server time when this object was created.","priority":0},{"name":"IP","type":"string","format":"","description":"If specified, the IP address allocated to the pod.","priority":1},{"name":"Node","type":"string","format":"","description":"NodeName is the name of the node the pod is assigned to.","priority":1}]';
  const rows = pods.map((p) => {
    const n = p.workload.containers.length;
    const ageH = Math.max(0, Math.floor((nowUs - p.createdUs) / 3_600_000_000));
    const age = ageH >= 48 ? `${Math.floor(ageH / 24)}d` : ageH > 0 ? `${ageH}h` : `${Math.max(1, Math.floor((nowUs - p.createdUs) / 60_000_000))}m`;
    const mf = omitManagedFields ? '' : `,"managedFields":[{"manager":"kube-controller-manager","operation":"Update","apiVersion":"v1","time":"${secondTime(p.createdUs)}","fieldsType":"FieldsMetadata"}]`;
    return `{"cells":["${p.name}","${n}/${n}","Running",${p.restarts},"${age}","${p.podIP}",${goJSONString(p.node)}],"object":{"kind":"PartialObjectMetadata","apiVersion":"meta.k8s.io/v1","metadata":{"name":"${p.name}","generateName":"${p.workload.rsName}-","namespace":"${p.workload.namespace.name}","uid":"${p.uid}","resourceVersion":"${rv - 977}","creationTimestamp":"${secondTime(p.createdUs)}","labels":{"app.kubernetes.io/name":"${p.workload.name}","pod-template-hash":"${p.workload.rsHash}"}${mf}}}}`;
  });
  return `{"kind":"Table","apiVersion":"meta.k8s.io/v1","metadata":{"resourceVersion":"${rv}"},"columnDefinitions":${columns},"rows":[${rows.join(',')}]}`;
}

/** A custom resource's status update, encoded from a map: keys sorted. */
export function certificateObject(cluster: Cluster, w: Workload, rv: number, nowUs: number): string {
  const name = `${w.name}-tls`;
  const at = secondTime(nowUs);
  return `{"apiVersion":"cert-manager.io/v1","kind":"Certificate","metadata":{"creationTimestamp":"${secondTime(w.createdUs)}","generation":3,"name":"${name}","namespace":"${w.namespace.name}","resourceVersion":"${rv}","uid":"${w.sliceUid.replace(/^.{4}/, 'ce47')}"},"spec":{"dnsNames":["${w.name}.${w.namespace.name}.${cluster.region}.example.com"],"issuerRef":{"kind":"ClusterIssuer","name":"letsencrypt-prod"},"secretName":"${name}"},"status":{"conditions":[{"lastTransitionTime":"${at}","message":"Certificate is up to date and has not expired","observedGeneration":3,"reason":"Ready","status":"True","type":"Ready"}],"notAfter":"${secondTime(nowUs + 60 * 86_400_000_000)}","notBefore":"${secondTime(nowUs - 30 * 86_400_000_000)}","renewalTime":"${secondTime(nowUs + 30 * 86_400_000_000)}","revision":${(rv % 9) + 1}}}`;
}

/** The cluster-autoscaler's status ConfigMap update. */
export function autoscalerStatus(rv: number, nowUs: number, nodes: number): string {
  const at = microTime(nowUs).replace('T', ' ').replace('Z', ' +0000 UTC');
  const status = `time: ${at}\nautoscalerStatus: Running\nclusterWide:\n  health:\n    status: Healthy\n    nodeCounts:\n      registered:\n        total: ${nodes}\n        ready: ${nodes}\n  scaleUp:\n    status: NoActivity\n  scaleDown:\n    status: NoCandidates\n`;
  return `{"kind":"ConfigMap","apiVersion":"v1","metadata":{"name":"cluster-autoscaler-status","namespace":"kube-system","resourceVersion":"${rv}","creationTimestamp":"2025-06-01T09:00:00Z","annotations":{"cluster-autoscaler.kubernetes.io/last-updated":"${at}"}},"data":{"status":${goJSONString(status)}}}`;
}
