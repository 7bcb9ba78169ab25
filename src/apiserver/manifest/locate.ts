/**
 * Reads a kube-apiserver static-pod manifest into the parts kubetrail edits, keeping each
 * part's place in the text: the container's argument lists (command and args), its
 * volumeMounts, and the Pod's volumes. Anything that is not a Pod with a kube-apiserver
 * container is refused with the reason and the line, before any edit is planned.
 */
import { isMap, isScalar, isSeq, parseAllDocuments, type Document, type Node, type Scalar, type YAMLMap, type YAMLSeq } from 'yaml';
import { ManifestError } from './errors.js';
import { lineColumn } from './text.js';

export interface ArgItem {
  list: 'command' | 'args';
  /** Position in the kube-apiserver argv (command then args). */
  argvIndex: number;
  value: string;
  /** Source range of the scalar (its text, quotes included). */
  start: number;
  end: number;
  quoted: boolean;
}

export interface ArgList {
  key: 'command' | 'args';
  flow: boolean;
  items: ArgItem[];
  /** Where the key `command:`/`args:` is, for messages. */
  keyStart: number;
}

export interface MountItem {
  index: number;
  name: string | null;
  mountPath: string | null;
  readOnly: boolean;
  /** First and last byte of the item's content (the `- ` is on the first line). */
  start: number;
  end: number;
  firstKey: string | null;
}

export interface VolumeItem {
  index: number;
  name: string | null;
  hostPath: { path: string; type: string | null } | null;
  start: number;
  end: number;
  firstKey: string | null;
}

export interface BlockList<T> {
  items: T[];
  /** The key's offset, or null when the key is absent. */
  keyStart: number | null;
  /** The offset of the last byte of the whole value (to append after), or null when absent. */
  end: number | null;
  flow: boolean;
  /** Column of the items' `-` and of their keys, from the first item (null when empty). */
  dashColumn: number | null;
  keyColumn: number | null;
}

export interface ApiserverManifest {
  text: string;
  doc: Document.Parsed;
  containerIndex: number;
  image: string | null;
  command: ArgList | null;
  args: ArgList | null;
  argv: string[];
  mounts: BlockList<MountItem>;
  volumes: BlockList<VolumeItem>;
  /** The container mapping's range and key column (to add `volumeMounts:` when absent). */
  container: { start: number; end: number; keyColumn: number };
  spec: { start: number; end: number; keyColumn: number };
}

function at(text: string, offset: number | undefined, field: string): { line: number; column: number; field: string } {
  const p = lineColumn(text, offset ?? 0);
  return { line: p.line, column: p.column, field };
}

function get(map: YAMLMap, key: string): unknown {
  return map.get(key, true);
}

function scalarString(node: unknown): string | null {
  return isScalar(node) && node.value !== null && node.value !== undefined ? String(node.value) : null;
}

function keyOffset(map: YAMLMap, key: string): number | undefined {
  const pair = map.items.find((p) => isScalar(p.key) && p.key.value === key);
  return (pair?.key as Scalar | undefined)?.range?.[0];
}

function basename(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** True for the argv of kube-apiserver itself: `kube-apiserver …`, `/usr/local/bin/kube-apiserver …`, `/hyperkube apiserver …`. */
export function isApiserverArgv(argv: readonly string[]): boolean {
  const first = basename(argv[0] ?? '');
  if (first === 'kube-apiserver') return true;
  return first === 'hyperkube' && (argv[1] === 'apiserver' || argv[1] === 'kube-apiserver');
}

function readArgList(text: string, container: YAMLMap, key: 'command' | 'args', field: string, argvStart: number): ArgList | null {
  const node = get(container, key);
  if (node === undefined || node === null || (isScalar(node) && node.value === null)) return null;
  if (!isSeq(node)) throw new ManifestError('UNSUPPORTED', `${key} is not a list of strings`, at(text, (node as Node).range?.[0], `${field}.${key}`));
  const items: ArgItem[] = node.items.map((item, i) => {
    if (!isScalar(item) || item.range === undefined || item.range === null) throw new ManifestError('UNSUPPORTED', `${key}[${i}] is not a string`, at(text, (item as Node)?.range?.[0], `${field}.${key}[${i}]`));
    return { list: key, argvIndex: argvStart + i, value: String(item.value ?? ''), start: item.range[0], end: item.range[1], quoted: item.type === 'QUOTE_DOUBLE' || item.type === 'QUOTE_SINGLE' };
  });
  return { key, flow: node.flow === true, items, keyStart: keyOffset(container, key) ?? node.range?.[0] ?? 0 };
}

function blockList<T>(text: string, parent: YAMLMap, key: string, field: string, read: (item: YAMLMap, index: number) => T): BlockList<T> {
  const node = get(parent, key);
  const keyStart = keyOffset(parent, key) ?? null;
  if (node === undefined || node === null || (isScalar(node) && node.value === null)) return { items: [], keyStart, end: null, flow: false, dashColumn: null, keyColumn: null };
  if (!isSeq(node)) throw new ManifestError('UNSUPPORTED', `${key} is not a list`, at(text, (node as Node).range?.[0], `${field}.${key}`));
  const seq = node as YAMLSeq;
  const items = seq.items.map((item, i) => {
    if (!isMap(item)) throw new ManifestError('UNSUPPORTED', `${key}[${i}] is not a mapping`, at(text, (item as Node)?.range?.[0], `${field}.${key}[${i}]`));
    return read(item, i);
  });
  const first = seq.items[0] as YAMLMap | undefined;
  let dashColumn: number | null = null;
  let keyColumn: number | null = null;
  if (first?.range) {
    const start = first.range[0];
    keyColumn = lineColumn(text, start).column - 1;
    const dash = text.lastIndexOf('-', start - 1);
    dashColumn = lineColumn(text, dash).column - 1;
  }
  return { items, keyStart, end: seq.range ? contentEnd(text, seq.range[1]) : null, flow: seq.flow === true, dashColumn, keyColumn };
}

/** The last non-space byte before `end` (node ranges may run over trailing blank lines). */
export function contentEnd(text: string, end: number): number {
  let i = Math.min(end, text.length) - 1;
  while (i > 0 && /\s/.test(text[i])) i--;
  return i;
}

function firstKeyOf(map: YAMLMap): string | null {
  const k = map.items[0]?.key;
  return isScalar(k) ? String(k.value) : null;
}

/** Parses and checks a manifest; throws ManifestError naming the line of the first problem. */
export function readApiserverManifest(text: string): ApiserverManifest {
  const docs = parseAllDocuments(text, { prettyErrors: false, uniqueKeys: true });
  if (!Array.isArray(docs)) throw new ManifestError('BAD_YAML', 'the manifest is empty or not YAML');
  for (const d of docs) {
    const e = d.errors[0];
    if (e) throw new ManifestError('BAD_YAML', `not valid YAML: ${e.message.split('\n')[0]}`, at(text, e.pos[0], ''));
  }
  const nonEmpty = docs.filter((d) => d.contents !== null);
  if (nonEmpty.length !== 1) throw new ManifestError('NOT_APISERVER_POD', nonEmpty.length === 0 ? 'the manifest is empty' : `the manifest holds ${nonEmpty.length} YAML documents; a static pod manifest holds one Pod`, { line: 1, column: 1 });
  const doc = nonEmpty[0];
  const root = doc.contents;
  if (!isMap(root)) throw new ManifestError('NOT_APISERVER_POD', 'the manifest is not a mapping (a Pod object)', at(text, (root as Node | null)?.range?.[0], ''));
  const kind = scalarString(get(root, 'kind'));
  if (kind !== 'Pod') {
    throw new ManifestError('NOT_APISERVER_POD', `this is ${kind === null ? 'an object without a kind' : `a ${kind}`}, not a Pod: kubetrail patches kube-apiserver static pod manifests (self-hosted control planes run the apiserver from another object; change that object's pod template instead)`, at(text, keyOffset(root, 'kind'), 'kind'));
  }
  const spec = get(root, 'spec');
  if (!isMap(spec)) throw new ManifestError('NOT_APISERVER_POD', 'the Pod has no spec', at(text, keyOffset(root, 'kind'), 'spec'));
  const containers = get(spec, 'containers');
  if (!isSeq(containers)) throw new ManifestError('NOT_APISERVER_POD', 'the Pod has no spec.containers list', at(text, keyOffset(spec, 'containers') ?? spec.range?.[0], 'spec.containers'));
  let found = -1;
  let command: ArgList | null = null;
  let args: ArgList | null = null;
  for (let i = 0; i < containers.items.length && found < 0; i++) {
    const c = containers.items[i];
    if (!isMap(c)) continue;
    const field = `spec.containers[${i}]`;
    const cmd = readArgList(text, c, 'command', field, 0);
    const arg = readArgList(text, c, 'args', field, cmd?.items.length ?? 0);
    const argv = [...(cmd?.items ?? []), ...(arg?.items ?? [])].map((a) => a.value);
    if (scalarString(get(c, 'name')) === 'kube-apiserver' || isApiserverArgv(argv)) {
      found = i;
      command = cmd;
      args = arg;
    }
  }
  if (found < 0) throw new ManifestError('NOT_APISERVER_POD', 'no kube-apiserver container: none is named kube-apiserver or runs kube-apiserver (or hyperkube apiserver)', at(text, containers.range?.[0], 'spec.containers'));
  const container = containers.items[found] as YAMLMap;
  const field = `spec.containers[${found}]`;
  const image = scalarString(get(container, 'image'));
  if (image === null) {
    throw new ManifestError('NOT_APISERVER_POD', 'the kube-apiserver container has no image: the manifest looks truncated or incomplete, and the kubelet would refuse it', at(text, container.range?.[0], `${field}.image`));
  }
  for (const list of [command, args]) {
    if (list?.flow && list.items.some((a) => a.value.startsWith('--audit-'))) {
      throw new ManifestError('UNSUPPORTED', `audit flags sit in a flow-style ${list.key}: [ … ] list; rewrite it as a block list (one "- item" per line) first`, at(text, list.keyStart, `${field}.${list.key}`));
    }
  }
  const mounts = blockList(text, container, 'volumeMounts', field, (m, index): MountItem => ({
    index,
    name: scalarString(get(m, 'name')),
    mountPath: scalarString(get(m, 'mountPath')),
    readOnly: scalarString(get(m, 'readOnly')) === 'true',
    start: m.range![0],
    end: contentEnd(text, m.range![1]),
    firstKey: firstKeyOf(m),
  }));
  const volumes = blockList(text, spec, 'volumes', 'spec', (v, index): VolumeItem => {
    const hp = get(v, 'hostPath');
    return {
      index,
      name: scalarString(get(v, 'name')),
      hostPath: isMap(hp) && scalarString(get(hp, 'path')) !== null ? { path: scalarString(get(hp, 'path'))!, type: scalarString(get(hp, 'type')) } : null,
      start: v.range![0],
      end: contentEnd(text, v.range![1]),
      firstKey: firstKeyOf(v),
    };
  });
  for (const [list, key, f] of [[mounts, 'volumeMounts', field], [volumes, 'volumes', 'spec']] as const) {
    if (list.flow && list.items.length > 0) throw new ManifestError('UNSUPPORTED', `${key} is a flow-style [ … ] list; rewrite it as a block list first`, at(text, list.keyStart ?? 0, `${f}.${key}`));
  }
  const argv = [...(command?.items ?? []), ...(args?.items ?? [])].map((a) => a.value);
  const keyColumnOf = (m: YAMLMap) => lineColumn(text, m.range![0]).column - 1;
  return {
    text,
    doc,
    containerIndex: found,
    image,
    command,
    args,
    argv,
    mounts,
    volumes,
    container: { start: container.range![0], end: contentEnd(text, container.range![1]), keyColumn: keyColumnOf(container) },
    spec: { start: spec.range![0], end: contentEnd(text, spec.range![1]), keyColumn: keyColumnOf(spec) },
  };
}
