/**
 * Audit settings for clusters that are not patched by hand: a kind Cluster (kubeadm
 * patches plus extraMounts), a kubeadm ClusterConfiguration (v1beta3 map form or v1beta4
 * name/value list), a k0s ClusterConfig (spec.api.extraArgs; k0s runs kube-apiserver as a
 * host process, so host paths are used directly) and a k3s config.yaml
 * (kube-apiserver-arg). Fresh configs, or --merge into an existing file keeping its bytes.
 */
import { isMap, isScalar, isSeq, type Scalar, type YAMLMap } from 'yaml';
import { auditFlagsFor, type AuditSettings } from '../audit-flags.js';
import { ManifestError } from '../manifest/errors.js';
import { contentEnd } from '../manifest/locate.js';
import { isUnder, pathNeeds, type PathNeed } from '../manifest/patch.js';
import { applyEdits, lineStart } from '../manifest/text.js';
import { appendTo, nodeAt, parseDocs, renderValue, replaceScalar, setIn } from './yaml-edit.js';

export const RENDER_TARGETS = ['kind', 'kubeadm', 'k0s', 'k3s'] as const;
export type RenderTarget = (typeof RENDER_TARGETS)[number];
export type KubeadmApi = 'v1beta3' | 'v1beta4';

export interface RenderOptions {
  settings: AuditSettings;
  /** kind: the policy file on the machine running kind (absolute), mounted into the node. */
  policyHostFile?: string;
  /** kind: a directory on that machine to receive the node's audit logs (optional). */
  logHostDir?: string;
  /** kind: the webhook kubeconfig on that machine. */
  webhookHostFile?: string;
  /** Which kubeadm API a fresh kubeadm config uses (a merge keeps the file's own). */
  kubeadmApi?: KubeadmApi;
}

const VOLUME_NAMES: Record<PathNeed['role'], string> = { policy: 'audit-policy', log: 'audit-log', webhook: 'audit-webhook' };

interface Volume {
  name: string;
  hostPath: string;
  mountPath: string;
  readOnly: boolean;
  pathType: string;
}

function volumesFor(settings: AuditSettings): Volume[] {
  return pathNeeds(settings).map((n) => ({ name: VOLUME_NAMES[n.role], hostPath: n.path, mountPath: n.path, readOnly: n.readOnly, pathType: n.type }));
}

function argsMap(settings: AuditSettings): Record<string, string> {
  return Object.fromEntries(auditFlagsFor(settings));
}

function kubeadmApiServer(settings: AuditSettings, api: KubeadmApi): Record<string, unknown> {
  const args = auditFlagsFor(settings);
  return {
    extraArgs: api === 'v1beta4' ? args.map(([name, value]) => ({ name, value })) : Object.fromEntries(args),
    extraVolumes: volumesFor(settings),
  };
}

// ---------------------------------------------------------------------------------
// Fresh configs
// ---------------------------------------------------------------------------------

export function renderConfig(target: RenderTarget, opts: RenderOptions): string {
  const s = opts.settings;
  switch (target) {
    case 'kubeadm': {
      const api = opts.kubeadmApi ?? 'v1beta4';
      return (
        `# kube-apiserver audit settings for kubeadm (${api}). Place the policy at ${s.policyPath} on every\n` +
        `# control-plane node before kubeadm init / upgrade: kubeadm mounts it, it does not create it.\n` +
        renderValue({ apiVersion: `kubeadm.k8s.io/${api}`, kind: 'ClusterConfiguration', apiServer: kubeadmApiServer(s, api) }, 0)
      );
    }
    case 'k0s':
      return (
        `# kube-apiserver audit settings for k0s. k0s runs kube-apiserver as a host process: put the policy at\n` +
        `# ${s.policyPath} on every controller${s.logPath === '-' ? '; the log goes to stdout (k0s hosted control planes), so no rotation flags' : ''}.\n` +
        renderValue({ apiVersion: 'k0s.k0sproject.io/v1beta1', kind: 'ClusterConfig', metadata: { name: 'k0s' }, spec: { api: { extraArgs: argsMap(s) } } }, 0)
      );
    case 'k3s':
      return `# /etc/rancher/k3s/config.yaml: kube-apiserver audit settings. Put the policy at ${s.policyPath} on every server.\n` + renderValue({ 'kube-apiserver-arg': auditFlagsFor(s).map(([n, v]) => `${n}=${v}`) }, 0);
    case 'kind': {
      const patch = renderValue(kindPatch(s, opts.kubeadmApi ?? 'v1beta3'), 0);
      const node = `- role: control-plane\n${renderValue({ extraMounts: kindMounts(opts) }, 2)}  kubeadmConfigPatches:\n  - |\n${indentBlock(patch, 4)}`;
      return `# kind create cluster --config THIS_FILE\n${renderValue({ kind: 'Cluster', apiVersion: 'kind.x-k8s.io/v1alpha4' }, 0)}nodes:\n${node}`;
    }
  }
}

/**
 * A kind kubeadm patch. Without an apiVersion it applies to whatever version kind
 * generates (the map form kind's docs use); the v1beta4 list form must say its version.
 */
function kindPatch(s: AuditSettings, api: KubeadmApi): Record<string, unknown> {
  return api === 'v1beta4' ? { apiVersion: 'kubeadm.k8s.io/v1beta4', kind: 'ClusterConfiguration', apiServer: kubeadmApiServer(s, api) } : { kind: 'ClusterConfiguration', apiServer: kubeadmApiServer(s, api) };
}

function indentBlock(text: string, indent: number): string {
  return text
    .split('\n')
    .map((l, i, all) => (l === '' && i === all.length - 1 ? '' : l === '' ? '' : ' '.repeat(indent) + l))
    .join('\n');
}

function kindMounts(opts: RenderOptions): Array<Record<string, unknown>> {
  const s = opts.settings;
  const mounts: Array<Record<string, unknown>> = [];
  if (opts.policyHostFile === undefined) throw new ManifestError('BAD_VALUE', 'kind needs the policy file on this machine (--policy gives it) to mount into the node');
  mounts.push({ hostPath: opts.policyHostFile, containerPath: s.policyPath, readOnly: true });
  if (s.webhookConfigPath !== null && opts.webhookHostFile !== undefined) mounts.push({ hostPath: opts.webhookHostFile, containerPath: s.webhookConfigPath, readOnly: true });
  if (opts.logHostDir !== undefined && s.logPath !== null && s.logPath !== '-') mounts.push({ hostPath: opts.logHostDir, containerPath: s.logPath.slice(0, s.logPath.lastIndexOf('/')) });
  return mounts;
}

// ---------------------------------------------------------------------------------
// Merging into existing files
// ---------------------------------------------------------------------------------

export interface MergeResult {
  text: string;
  changed: boolean;
}

export function mergeConfig(target: RenderTarget, text: string, opts: RenderOptions): MergeResult {
  let out: string;
  switch (target) {
    case 'kubeadm':
      out = mergeKubeadm(text, opts);
      break;
    case 'k0s':
      out = mergeK0s(text, opts.settings);
      break;
    case 'k3s':
      out = mergeK3s(text, opts.settings);
      break;
    case 'kind':
      out = mergeKind(text, opts);
      break;
  }
  return { text: out, changed: out !== text };
}

function docIndexOf(text: string, kind: string, what: string): number {
  const docs = parseDocs(text, what);
  const i = docs.findIndex((d) => isMap(d.contents) && String(d.contents.get('kind')) === kind);
  return i;
}

/** kubeadm: the ClusterConfiguration document's apiServer, in the file's own extraArgs form. */
function mergeKubeadm(text: string, opts: RenderOptions): string {
  let doc = docIndexOf(text, 'ClusterConfiguration', 'kubeadm config');
  if (doc < 0) {
    // No ClusterConfiguration yet: add one as a new document.
    const api = opts.kubeadmApi ?? apiOfFile(text) ?? 'v1beta4';
    const sep = text.endsWith('\n') || text === '' ? '' : '\n';
    return `${text}${sep}---\n${renderValue({ apiVersion: `kubeadm.k8s.io/${api}`, kind: 'ClusterConfiguration', apiServer: kubeadmApiServer(opts.settings, api) }, 0)}`;
  }
  const d = parseDocs(text, 'kubeadm config')[doc];
  const version = String((d.contents as YAMLMap).get('apiVersion') ?? '');
  const form: KubeadmApi = /v1beta4/.test(version) ? 'v1beta4' : 'v1beta3';
  return mergeApiServer(text, doc, [], opts.settings, form);
}

function apiOfFile(text: string): KubeadmApi | null {
  const m = /kubeadm\.k8s\.io\/(v1beta[34])/.exec(text);
  return m ? (m[1] as KubeadmApi) : null;
}

/** Sets apiServer.extraArgs and adds apiServer.extraVolumes under `base` in document `doc`. */
function mergeApiServer(text: string, doc: number, base: readonly (string | number)[], settings: AuditSettings, defaultForm: KubeadmApi): string {
  const apiServer = [...base, 'apiServer'];
  const existing = nodeAt(parseDocs(text, 'config')[doc], [...apiServer, 'extraArgs']);
  const form: KubeadmApi = isSeq(existing) ? 'v1beta4' : isMap(existing) ? 'v1beta3' : defaultForm;
  for (const [name, value] of auditFlagsFor(settings)) {
    if (form === 'v1beta3') {
      text = setIn(text, doc, [...apiServer, 'extraArgs', name], value);
      continue;
    }
    const list = nodeAt(parseDocs(text, 'config')[doc], [...apiServer, 'extraArgs']);
    const item = isSeq(list) ? list.items.find((it) => isMap(it) && String(it.get('name')) === name) : undefined;
    if (item !== undefined && isMap(item)) {
      const v = item.get('value', true);
      if (isScalar(v) && String(v.value) !== value) text = replaceScalar(text, v as Scalar, value);
      else if (!isScalar(v)) throw new ManifestError('UNSUPPORTED', `apiServer.extraArgs entry ${name} has no plain value`);
    } else {
      text = appendTo(text, doc, [...apiServer, 'extraArgs'], [{ name, value }]);
    }
  }
  // Volumes: reuse any that already cover a path, add the rest under names not taken.
  const volumes = nodeAt(parseDocs(text, 'config')[doc], [...apiServer, 'extraVolumes']);
  const have = isSeq(volumes) ? volumes.items.filter(isMap).map((v) => ({ name: String(v.get('name') ?? ''), mountPath: String(v.get('mountPath') ?? ''), readOnly: String(v.get('readOnly')) === 'true' })) : [];
  const taken = new Set(have.map((v) => v.name));
  const add: Volume[] = [];
  for (const v of volumesFor(settings)) {
    if (have.some((h) => h.mountPath !== '' && isUnder(v.mountPath, h.mountPath) && (v.readOnly || !h.readOnly))) continue;
    let name = v.name;
    if (taken.has(name)) name = `kubetrail-${name}`;
    if (taken.has(name)) throw new ManifestError('UNSUPPORTED', `extraVolumes names ${v.name} and kubetrail-${v.name} are both taken; rename one`);
    taken.add(name);
    add.push({ ...v, name });
  }
  return appendTo(text, doc, [...apiServer, 'extraVolumes'], add);
}

function mergeK0s(text: string, settings: AuditSettings): string {
  const doc = docIndexOf(text, 'ClusterConfig', 'k0s config');
  if (doc < 0) throw new ManifestError('NOT_APISERVER_POD', 'no k0s ClusterConfig document in this file');
  for (const [name, value] of auditFlagsFor(settings)) text = setIn(text, doc, ['spec', 'api', 'extraArgs', name], value);
  return text;
}

function mergeK3s(text: string, settings: AuditSettings): string {
  const docs = parseDocs(text, 'k3s config');
  if (docs.length > 1) throw new ManifestError('UNSUPPORTED', 'a k3s config file holds one YAML document');
  if (docs.length === 0 || docs[0].contents === null) return `${text}${text === '' || text.endsWith('\n') ? '' : '\n'}${renderValue({ 'kube-apiserver-arg': auditFlagsFor(settings).map(([n, v]) => `${n}=${v}`) }, 0)}`;
  for (const [name, value] of auditFlagsFor(settings)) {
    const list = nodeAt(parseDocs(text, 'k3s config')[0], ['kube-apiserver-arg']);
    if (list !== undefined && list !== null && !isSeq(list) && !(isScalar(list) && list.value === null)) throw new ManifestError('UNSUPPORTED', 'kube-apiserver-arg is not a list');
    const item = isSeq(list) ? list.items.find((it) => isScalar(it) && String(it.value).split('=')[0] === name) : undefined;
    if (item !== undefined) {
      if (String((item as Scalar).value) !== `${name}=${value}`) text = replaceScalar(text, item as Scalar, `${name}=${value}`);
    } else {
      text = appendTo(text, 0, ['kube-apiserver-arg'], [`${name}=${value}`]);
    }
  }
  return text;
}

/**
 * kind: edit the ClusterConfiguration patch (a YAML document inside a block scalar, top
 * level or on a control-plane node) as its own file, put it back with its indentation,
 * then mount the policy into every control-plane node.
 */
function mergeKind(text: string, opts: RenderOptions): string {
  const docs = parseDocs(text, 'kind config');
  if (docs.length !== 1 || !isMap(docs[0].contents) || String(docs[0].contents.get('kind')) !== 'Cluster') throw new ManifestError('NOT_APISERVER_POD', 'not a kind Cluster config (kind: Cluster)');
  const root = docs[0].contents;
  const nodes = root.get('nodes');
  const controlPlanes = isSeq(nodes) ? nodes.items.map((n, i) => ({ n, i })).filter(({ n }) => isMap(n) && String(n.get('role') ?? 'control-plane') === 'control-plane').map(({ i }) => i) : [];
  // Find a ClusterConfiguration patch: top level first, then on control-plane nodes.
  const places: Array<readonly (string | number)[]> = [['kubeadmConfigPatches'], ...controlPlanes.map((i) => ['nodes', i, 'kubeadmConfigPatches'])];
  let patched = false;
  for (const place of places) {
    const list = nodeAt(parseDocs(text, 'kind config')[0], place);
    if (!isSeq(list)) continue;
    for (let k = 0; k < list.items.length; k++) {
      const item = list.items[k];
      if (!isScalar(item) || typeof item.value !== 'string' || !/^\s*kind:\s*ClusterConfiguration\s*$/m.test(item.value)) continue;
      if (item.type !== 'BLOCK_LITERAL') throw new ManifestError('UNSUPPORTED', 'the ClusterConfiguration patch is not a literal block (|); rewrite it as one');
      const inner = item.value;
      const form: KubeadmApi = /v1beta4/.test(inner) ? 'v1beta4' : 'v1beta3';
      const edited = mergeApiServer(inner, 0, [], opts.settings, form);
      if (edited !== inner) text = replaceBlockContent(text, item as Scalar, edited);
      patched = true;
      break;
    }
    if (patched) break;
  }
  if (!patched) {
    const patchText = renderValue(kindPatch(opts.settings, opts.kubeadmApi ?? 'v1beta3'), 0);
    text = appendBlockItem(text, ['kubeadmConfigPatches'], patchText);
  }
  // Mount the policy (and webhook config, log dir) into each control-plane node.
  const mounts = kindMounts(opts);
  const cps = controlPlanes.length > 0 ? controlPlanes : null;
  if (cps === null) {
    if (!isSeq(nodes)) return setIn(text, 0, ['nodes'], [{ role: 'control-plane', extraMounts: mounts }]);
    throw new ManifestError('UNSUPPORTED', 'the kind config lists nodes but no control-plane node');
  }
  for (const i of cps) {
    const existing = nodeAt(parseDocs(text, 'kind config')[0], ['nodes', i, 'extraMounts']);
    const have = isSeq(existing) ? existing.items.filter(isMap).map((m) => String(m.get('containerPath') ?? '')) : [];
    const add = mounts.filter((m) => !have.some((c) => c !== '' && isUnder(String(m.containerPath), c)));
    text = appendTo(text, 0, ['nodes', i, 'extraMounts'], add);
  }
  return text;
}

/** Replaces a literal block scalar's content with new text, at the block's own indentation. */
function replaceBlockContent(text: string, node: Scalar, content: string): string {
  const [start, , end] = node.range!;
  const header = text.indexOf('\n', start) + 1; // the line after `|`
  const first = text.slice(header).search(/\S/);
  const indent = header + first - lineStart(text, header + first);
  const last = contentEnd(text, end);
  const body = content.replace(/\n$/, '').split('\n').map((l) => (l === '' ? '' : ' '.repeat(indent) + l)).join('\n');
  const lineEndOfLast = text.indexOf('\n', last);
  return applyEdits(text, [{ start: header, end: lineEndOfLast < 0 ? text.length : lineEndOfLast, text: body }]);
}

/** Appends a `- |` block-scalar item holding `content` to the list at `path` (created when missing). */
function appendBlockItem(text: string, path: readonly (string | number)[], content: string): string {
  const marker = '__KUBETRAIL_PATCH__';
  const withMarker = appendTo(text, 0, path, [marker]);
  const at = withMarker.indexOf(marker);
  const dashCol = at - 2 - lineStart(withMarker, at);
  const body = content.replace(/\n$/, '').split('\n').map((l) => (l === '' ? '' : ' '.repeat(dashCol + 2) + l)).join('\n');
  return withMarker.slice(0, at) + `|\n${body}` + withMarker.slice(at + marker.length);
}

/**
 * The audit flags a config already sets for kube-apiserver (so a merge keeps a cluster's
 * own paths and values unless told otherwise).
 */
export function currentAuditArgs(target: RenderTarget, text: string): Map<string, string> {
  const out = new Map<string, string>();
  const fromArgs = (node: unknown) => {
    if (isMap(node)) for (const p of node.items) out.set(String((p.key as Scalar).value), String((p.value as Scalar | null)?.value ?? ''));
    if (isSeq(node)) for (const it of node.items) if (isMap(it)) out.set(String(it.get('name')), String(it.get('value') ?? ''));
  };
  const docs = parseDocs(text, `${target} config`);
  if (target === 'k3s') {
    const list = docs[0] ? nodeAt(docs[0], ['kube-apiserver-arg']) : undefined;
    if (isSeq(list)) for (const it of list.items) if (isScalar(it)) {
      const [k, ...v] = String(it.value).split('=');
      out.set(k, v.join('='));
    }
  } else if (target === 'k0s') {
    for (const d of docs) fromArgs(nodeAt(d, ['spec', 'api', 'extraArgs']));
  } else if (target === 'kubeadm') {
    for (const d of docs) if (isMap(d.contents) && String(d.contents.get('kind')) === 'ClusterConfiguration') fromArgs(nodeAt(d, ['apiServer', 'extraArgs']));
  } else {
    const root = docs[0]?.contents;
    const lists = isMap(root) ? [root.get('kubeadmConfigPatches'), ...(isSeq(root.get('nodes')) ? (root.get('nodes') as { items: unknown[] }).items.map((n) => (isMap(n) ? n.get('kubeadmConfigPatches') : undefined)) : [])] : [];
    for (const l of lists) {
      if (!isSeq(l)) continue;
      for (const p of l.items) {
        if (!isScalar(p) || typeof p.value !== 'string' || !/kind:\s*ClusterConfiguration/.test(p.value)) continue;
        for (const d of parseDocs(p.value, 'kind patch')) fromArgs(nodeAt(d, ['apiServer', 'extraArgs']));
      }
    }
  }
  for (const k of [...out.keys()]) if (!k.startsWith('audit-')) out.delete(k);
  return out;
}
