/**
 * Small, byte-preserving edits to YAML config files (kind, kubeadm, k0s, k3s): set a key
 * in a mapping, append an item to a list, creating the parents they need. Each edit works
 * on the text (whole lines in, scalars replaced in place) and the document is parsed again
 * before the next, so offsets never go stale. Comments, quoting, key order, indentation
 * and a missing final newline survive; a flow-style empty `{}` or `[]` in the way is
 * expanded to block style, as it must be to hold children.
 */
import { isMap, isScalar, isSeq, parseAllDocuments, type Document, type Node, type Pair, type Scalar, type YAMLMap, type YAMLSeq } from 'yaml';
import { ManifestError } from '../manifest/errors.js';
import { contentEnd } from '../manifest/locate.js';
import { applyEdits, insertLines, lineColumn, lineStart, yamlScalar } from '../manifest/text.js';

export type PathKey = string | number;

export function parseDocs(text: string, what: string): Document.Parsed[] {
  const docs = parseAllDocuments(text, { prettyErrors: false, uniqueKeys: true });
  if (!Array.isArray(docs)) throw new ManifestError('BAD_YAML', `${what}: empty or not YAML`);
  for (const d of docs) {
    const e = d.errors[0];
    if (e) {
      const p = lineColumn(text, e.pos[0]);
      throw new ManifestError('BAD_YAML', `${what}: not valid YAML: ${e.message.split('\n')[0]}`, { line: p.line, column: p.column });
    }
  }
  return docs;
}

function column(text: string, offset: number): number {
  return offset - lineStart(text, offset);
}

function pairOf(map: YAMLMap, key: string): Pair | undefined {
  return map.items.find((p) => isScalar(p.key) && String((p.key as Scalar).value) === key) as Pair | undefined;
}

/** The node at `path` (map keys and list indexes) in the document, or undefined. */
export function nodeAt(doc: Document.Parsed, path: readonly PathKey[]): unknown {
  let node: unknown = doc.contents;
  for (const k of path) {
    if (typeof k === 'number') node = isSeq(node) ? node.items[k] : undefined;
    else node = isMap(node) ? pairOf(node, k)?.value : undefined;
    if (node === undefined) return undefined;
  }
  return node;
}

/** `key: value` lines for a nested value at an indentation (maps in block style, lists kubeadm-style). */
export function renderValue(value: unknown, indent: number): string {
  const pad = ' '.repeat(indent);
  if (Array.isArray(value)) {
    return value
      .map((item) => {
        if (item !== null && typeof item === 'object') {
          const body = renderValue(item, indent + 2);
          return `${pad}- ${body.slice(indent + 2)}`;
        }
        return `${pad}- ${yamlScalar(String(item))}\n`;
      })
      .join('');
  }
  if (value !== null && typeof value === 'object') {
    return Object.entries(value as Record<string, unknown>)
      .map(([k, v]) => {
        if (v !== null && typeof v === 'object' && (!Array.isArray(v) || v.length > 0)) return `${pad}${k}:\n${renderValue(v, Array.isArray(v) ? indent : indent + 2)}`;
        return `${pad}${k}: ${scalarText(v)}\n`;
      })
      .join('');
  }
  return `${pad}${scalarText(value)}\n`;
}

function scalarText(v: unknown): string {
  if (typeof v === 'boolean' || typeof v === 'number') return String(v);
  if (Array.isArray(v)) return '[]';
  return yamlScalar(String(v));
}

/** Nests `value` under the keys `rest` ({a: {b: value}}). */
function nest(rest: readonly string[], value: unknown): unknown {
  return rest.reduceRight<unknown>((acc, k) => ({ [k]: acc }), value);
}

/** The indentation children of `map` use (its first key's column), or parent + 2 when empty. */
function childIndent(text: string, map: YAMLMap, fallback: number): number {
  const first = map.items[0]?.key as Node | undefined;
  return first?.range ? column(text, first.range[0]) : fallback;
}

/**
 * Sets `path` = value in document `docIndex` (a scalar replaced in place; a missing key,
 * and missing parents, inserted as new lines after the parent's last entry). Returns the
 * new text.
 */
export function setIn(text: string, docIndex: number, path: readonly PathKey[], value: unknown): string {
  const doc = parseDocs(text, 'config')[docIndex];
  if (!isMap(doc.contents)) throw new ManifestError('UNSUPPORTED', 'the document is not a mapping');
  let map: YAMLMap = doc.contents;
  let indent = childIndent(text, map, 0);
  for (let i = 0; i < path.length; i++) {
    const key = path[i];
    if (typeof key === 'number') {
      throw new ManifestError('UNSUPPORTED', `internal: a list index in ${path.join('.')} must be followed by a key`);
    }
    const next = path[i + 1];
    if (typeof next === 'number') {
      // Step into a list item (which must exist and be a mapping).
      const seq = pairOf(map, key)?.value;
      const item = isSeq(seq) ? seq.items[next] : undefined;
      if (!isMap(item)) throw new ManifestError('UNSUPPORTED', `${path.slice(0, i + 2).join('.')} is not a mapping`);
      indent = childIndent(text, item, indent + 2);
      map = item;
      i++;
      continue;
    }
    const pair = pairOf(map, key);
    const last = i === path.length - 1;
    if (pair === undefined) return insertEntry(text, map, indent, { [key]: nest(path.slice(i + 1) as string[], value) });
    const v = pair.value as Node | null;
    if (last && (value === null || typeof value !== 'object')) {
      if (isScalar(v) && v.range) {
        if (String(v.value) === String(value)) return text;
        return applyEdits(text, [{ start: v.range[0], end: v.range[1], text: v.type === 'QUOTE_DOUBLE' ? JSON.stringify(String(value)) : v.type === 'QUOTE_SINGLE' ? `'${String(value).replace(/'/g, "''")}'` : scalarText(value) }]);
      }
      throw new ManifestError('UNSUPPORTED', `${path.join('.')} is not a plain value; edit it by hand`);
    }
    if (v === null || (isScalar(v) && (v.value === null || v.value === undefined))) {
      // `key:` with nothing after it (null): give it the block content.
      const keyNode = pair.key as Node;
      const at = lineStart(text, keyNode.range![0]) + column(text, keyNode.range![0]);
      const lineEndAt = text.indexOf('\n', at);
      const end = lineEndAt < 0 ? text.length : lineEndAt;
      const colon = text.indexOf(':', keyNode.range![1]);
      const body = renderValue(nest(path.slice(i + 1) as string[], value), column(text, keyNode.range![0]) + 2);
      return applyEdits(text, [{ start: colon + 1, end: Math.min(end, colon + 1 + (text.slice(colon + 1, end).match(/^\s*(~|null)?\s*(?=#|$)/)?.[0].length ?? 0)), text: `\n${body.slice(0, -1)}` }]);
    }
    if (isMap(v) && v.flow && v.items.length === 0) return expandFlow(text, pair, nest(path.slice(i + 1) as string[], value));
    if (!isMap(v)) throw new ManifestError('UNSUPPORTED', `${path.slice(0, i + 1).join('.')} is not a mapping`);
    indent = childIndent(text, v, column(text, (pair.key as Node).range![0]) + 2);
    map = v;
  }
  throw new ManifestError('UNSUPPORTED', `cannot set ${path.join('.')} to a mapping`);
}

/** Replaces a flow `{}`/`[]` value with block content. */
function expandFlow(text: string, pair: Pair, value: unknown): string {
  const keyNode = pair.key as Node;
  const v = pair.value as Node;
  const colon = text.indexOf(':', keyNode.range![1]);
  const body = renderValue(value, column(text, keyNode.range![0]) + 2);
  return applyEdits(text, [{ start: colon + 1, end: v.range![1], text: `\n${body.slice(0, -1)}` }]);
}

function insertEntry(text: string, map: YAMLMap, indent: number, entries: Record<string, unknown>): string {
  if (map.flow) throw new ManifestError('UNSUPPORTED', 'a flow-style { … } mapping is in the way; rewrite it in block style');
  const lastPair = map.items[map.items.length - 1];
  const end = contentEnd(text, ((lastPair?.value ?? lastPair?.key) as Node).range![1]);
  return applyEdits(text, [insertLines(text, end, renderValue(entries, indent))]);
}

/**
 * Appends items to the list at `path` (created, with its parents, when missing; an empty
 * flow `[]` is expanded). New items copy the indentation of the list's first item.
 */
export function appendTo(text: string, docIndex: number, path: readonly PathKey[], items: readonly unknown[]): string {
  if (items.length === 0) return text;
  const doc = parseDocs(text, 'config')[docIndex];
  const node = nodeAt(doc, path);
  if (node === undefined || node === null || (isScalar(node) && node.value === null)) return setIn(text, docIndex, path, items);
  if (!isSeq(node)) throw new ManifestError('UNSUPPORTED', `${path.join('.')} is not a list`);
  const seq = node as YAMLSeq;
  if (seq.flow) {
    if (seq.items.length > 0) throw new ManifestError('UNSUPPORTED', `${path.join('.')} is a flow-style [ … ] list; rewrite it in block style`);
    const parent = nodeAt(doc, path.slice(0, -1));
    return expandFlow(text, pairOf(parent as YAMLMap, String(path[path.length - 1]))!, items);
  }
  const first = seq.items[0] as Node;
  const dash = text.lastIndexOf('-', first.range![0] - 1);
  const dashCol = column(text, dash);
  const lastItem = seq.items[seq.items.length - 1] as Node;
  return applyEdits(text, [insertLines(text, contentEnd(text, lastItem.range![1]), renderValue(items, dashCol))]);
}

/** Replaces one list item's scalar text (keeping its quoting style). */
export function replaceScalar(text: string, node: Scalar, value: string): string {
  const quoted = node.type === 'QUOTE_DOUBLE' ? JSON.stringify(value) : node.type === 'QUOTE_SINGLE' ? `'${value.replace(/'/g, "''")}'` : yamlScalar(value);
  return applyEdits(text, [{ start: node.range![0], end: node.range![1], text: quoted }]);
}
