/**
 * `who created pod/my-suspicious-pod -n default`: the requests that did something to one
 * object, one entry per request (its final stage), with who, as whom, when, from where,
 * with what result and why it was allowed. Verbs may be past tense, resources short names.
 */
import type { IndexRow, Store } from '../store/index.js';

const PAST: Record<string, string> = {
  created: 'create', deleted: 'delete', updated: 'update', patched: 'patch', got: 'get', read: 'get', fetched: 'get', listed: 'list', watched: 'watch',
  replaced: 'update', modified: 'patch', changed: 'patch', scaled: 'patch', edited: 'patch', removed: 'delete', made: 'create',
};
const VERBS = new Set(['create', 'delete', 'update', 'patch', 'get', 'list', 'watch', 'deletecollection', 'impersonate', 'bind', 'escalate', 'approve', 'sign', 'use']);

const RESOURCES: Record<string, string> = {
  po: 'pods', pod: 'pods', deploy: 'deployments', deployment: 'deployments', svc: 'services', service: 'services', cm: 'configmaps', configmap: 'configmaps', secret: 'secrets',
  ns: 'namespaces', namespace: 'namespaces', no: 'nodes', node: 'nodes', sa: 'serviceaccounts', serviceaccount: 'serviceaccounts', rs: 'replicasets', replicaset: 'replicasets',
  sts: 'statefulsets', statefulset: 'statefulsets', ds: 'daemonsets', daemonset: 'daemonsets', job: 'jobs', cj: 'cronjobs', cronjob: 'cronjobs', ing: 'ingresses', ingress: 'ingresses',
  role: 'roles', rolebinding: 'rolebindings', clusterrole: 'clusterroles', clusterrolebinding: 'clusterrolebindings', pvc: 'persistentvolumeclaims', persistentvolumeclaim: 'persistentvolumeclaims',
  pv: 'persistentvolumes', persistentvolume: 'persistentvolumes', ep: 'endpoints', ev: 'events', event: 'events', crd: 'customresourcedefinitions', lease: 'leases', netpol: 'networkpolicies',
  networkpolicy: 'networkpolicies', hpa: 'horizontalpodautoscalers', pdb: 'poddisruptionbudgets', sc: 'storageclasses', csr: 'certificatesigningrequests',
};

export class WhoArgumentError extends Error {}

export function normaliseVerb(text: string): string {
  const v = text.toLowerCase();
  if (VERBS.has(v)) return v;
  if (PAST[v] !== undefined) return PAST[v];
  throw new WhoArgumentError(`"${text}" is not a verb kubetrail knows; use one of ${[...VERBS].join(', ')} (past tense too: created, deleted, patched, …)`);
}

/** `pod/x`, `deployments.apps/x`, `pods/exec/x` → resource, subresource, name. */
export function parseObject(text: string): { resource: string; subresource: string | null; name: string } {
  const parts = text.split('/');
  if (parts.length < 2 || parts.length > 3 || parts.some((p) => p === '')) throw new WhoArgumentError(`"${text}": expected RESOURCE/NAME (pod/web-1) or RESOURCE/SUBRESOURCE/NAME (pods/exec/web-1)`);
  const base = parts[0].toLowerCase().split('.')[0];
  const resource = RESOURCES[base] ?? (base.endsWith('s') ? base : `${base}s`);
  return { resource, subresource: parts.length === 3 ? parts[1] : null, name: parts[parts.length - 1] };
}

export interface WhoAnswer {
  leaf: number;
  auditID: string | null;
  time: string | null;
  user: string | null;
  groups: string[];
  impersonatedUser: string | null;
  sourceIPs: string[];
  userAgent: string | null;
  verb: string | null;
  resource: string | null;
  subresource: string | null;
  namespace: string | null;
  name: string | null;
  code: number | null;
  decision: string | null;
  reason: string | null;
  stage: string | null;
}

const FINAL = ['ResponseComplete', 'Panic', 'ResponseStarted', 'RequestReceived'];

function list(text: string | null): string[] {
  try {
    return text ? (JSON.parse(text) as string[]) : [];
  } catch {
    return [];
  }
}

export async function whoDid(store: Store, q: { verb: string; resource: string; subresource: string | null; name: string; namespace?: string }): Promise<WhoAnswer[]> {
  const byRequest = new Map<string, IndexRow>();
  for await (const r of store.queryRows({ verb: q.verb, resource: q.resource, name: q.name, namespace: q.namespace, limit: 10_000 })) {
    if ((r.subresource ?? null) !== (q.subresource ?? null) && !(q.subresource === null && r.subresource === '')) continue;
    const key = r.auditID ?? `leaf:${r.leaf}`;
    const had = byRequest.get(key);
    if (had === undefined || FINAL.indexOf(r.stage ?? '') < FINAL.indexOf(had.stage ?? '')) byRequest.set(key, r);
  }
  return [...byRequest.values()]
    .sort((a, b) => (b.timeUs ?? 0) - (a.timeUs ?? 0))
    .map((r) => ({
      leaf: r.leaf,
      auditID: r.auditID,
      time: r.requestReceivedTimestamp ?? r.stageTimestamp,
      user: r.user,
      groups: list(r.groups),
      impersonatedUser: r.impersonatedUser,
      sourceIPs: list(r.sourceIPs),
      userAgent: r.userAgent,
      verb: r.verb,
      resource: r.resource,
      subresource: r.subresource,
      namespace: r.namespace,
      name: r.name,
      code: r.responseCode,
      decision: r.authorizationDecision,
      reason: r.authorizationReason,
      stage: r.stage,
    }));
}
