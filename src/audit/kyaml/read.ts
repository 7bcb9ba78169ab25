/**
 * Reads YAML (or JSON, which is YAML) into a tree of plain values with source
 * positions, the way kube-apiserver reads a configuration file: sigs.k8s.io/yaml over
 * go-yaml v2. Only the first document counts; plain scalars resolve with YAML 1.1
 * rules (./resolve.ts); mapping keys become JSON object keys; merge keys (`<<`) and
 * aliases are expanded; a repeated key keeps its last value and is reported, because
 * kube-apiserver's strict decoder reports it and its lenient decoder keeps the last.
 *
 * Pure: takes text, returns data and errors; nothing is thrown for bad input.
 */
import {
  isAlias,
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  parseAllDocuments,
  type Document,
  type Scalar,
  type Node as YamlNode,
  type YAMLError,
} from 'yaml';
import { jsonKeyFor, resolvePlainScalar, type ScalarKind, type ScalarValue } from './resolve.js';

/** A place in the source: offset into the text, 1-based line and column. */
export interface SourcePos {
  offset: number;
  line: number;
  column: number;
}

export type KNode = KMap | KSeq | KScalar;

export interface KMap {
  kind: 'map';
  pos: SourcePos;
  /** Unique keys, in first-seen order, each holding its last value. */
  entries: Map<string, KEntry>;
}

export interface KEntry {
  key: string;
  keyPos: SourcePos;
  value: KNode;
}

export interface KSeq {
  kind: 'seq';
  pos: SourcePos;
  items: KNode[];
}

export interface KScalar {
  kind: 'scalar';
  pos: SourcePos;
  type: ScalarKind;
  value: ScalarValue;
  /** The text as written (for messages such as "yes is read as true"). */
  source: string;
  quoted: boolean;
}

export type ReadErrorCode = 'syntax' | 'empty' | 'too-deep' | 'too-many-nodes' | 'unsupported-key' | 'unsupported-value';

export interface ReadError {
  code: ReadErrorCode;
  message: string;
  pos: SourcePos;
}

export interface DuplicateKey {
  key: string;
  /** Where the repeated key stands, and where it was first seen. */
  pos: SourcePos;
  firstPos: SourcePos;
  /** JSON-style path of the mapping that holds it ("" for the top level). */
  parentPath: string;
}

export interface ReadResult {
  root: KNode | null;
  /** Fatal: nothing trustworthy can be built (kube-apiserver refuses such a file). */
  errors: ReadError[];
  duplicates: DuplicateKey[];
  /** Turns an offset into a position; kept for callers that have offsets of their own. */
  positionAt(offset: number): SourcePos;
}

export interface ReadOptions {
  /** Deepest nesting accepted (a policy needs five levels). Default 1000. */
  maxDepth?: number;
  /** Most values produced by expanding aliases (a guard against alias bombs); the document's own values are bounded by its size. Default 1,000,000. */
  maxNodes?: number;
}

const MERGE_KEY = '<<';

/**
 * Bytes are decoded as go-yaml does: UTF-8, or UTF-16 with a byte-order mark; invalid
 * UTF-8 and control characters are refused with their position, as go-yaml refuses them.
 */
export function readKubeYAML(input: string | Uint8Array, options: ReadOptions = {}): ReadResult {
  const decoded = typeof input === 'string' ? { text: input } : decodeBytes(input);
  const text = decoded.text;
  const maxDepth = options.maxDepth ?? 1000;
  const maxNodes = options.maxNodes ?? 1_000_000;
  const lineCounter = new LineCounter();
  const positionAt = (offset: number): SourcePos => {
    const { line, col } = lineCounter.linePos(offset);
    return { offset, line, column: col };
  };
  const result: ReadResult = { root: null, errors: [], duplicates: [], positionAt };
  const fail = (code: ReadErrorCode, message: string, offset: number): ReadResult => {
    result.errors.push({ code, message, pos: positionAt(offset) });
    result.root = null;
    return result;
  };

  // A byte-order mark is not content (go-yaml skips it too).
  const source = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  if (decoded.invalidAt !== undefined) {
    indexLines(source, lineCounter);
    return fail('syntax', 'invalid UTF-8 (is this a binary file?)', decoded.invalidAt);
  }
  const control = findControlCharacter(source);
  if (control >= 0) {
    indexLines(source, lineCounter);
    const code = source.charCodeAt(control);
    return fail('syntax', `control character U+${code.toString(16).toUpperCase().padStart(4, '0')} is not allowed${code === 0 ? ' (is this a binary file?)' : ''}`, control);
  }
  const nestingOffset = findExcessiveNesting(source, maxDepth);
  if (nestingOffset >= 0) {
    indexLines(source, lineCounter);
    return fail('too-deep', `nested deeper than ${maxDepth} levels`, nestingOffset);
  }

  let docs: Document.Parsed[];
  try {
    docs = parseAllDocuments(source, {
      lineCounter,
      version: '1.1',
      schema: 'failsafe',
      uniqueKeys: false,
      merge: false,
      prettyErrors: false,
      strict: true,
    }) as Document.Parsed[];
  } catch (err) {
    indexLines(source, lineCounter);
    if (err instanceof RangeError) return fail('too-deep', 'the document is nested too deeply to read', 0);
    throw err;
  }
  if (!Array.isArray(docs) || docs.length === 0 || docs[0].contents === null) {
    if (Array.isArray(docs) && docs.length > 0 && docs[0].errors.length > 0) {
      return fail(readErrorCode(docs[0].errors[0]), describeYamlError(docs[0].errors[0]), docs[0].errors[0].pos[0]);
    }
    return fail('empty', 'the document is empty', 0);
  }
  // go-yaml v2 reads the first document only and never looks at the rest.
  const doc = docs[0];
  if (doc.errors.length > 0) {
    const first = doc.errors[0];
    return fail(readErrorCode(first), describeYamlError(first), first.pos[0]);
  }

  // Values produced through aliases, and how many aliases are being expanded right now.
  let expanded = 0;
  let aliasDepth = 0;
  let fatal: ReadError | null = null;
  const setFatal = (code: ReadErrorCode, message: string, offset: number) => {
    if (fatal === null) fatal = { code, message, pos: positionAt(offset) };
  };

  const convert = (node: unknown, path: string, depth: number): KNode => {
    if (aliasDepth > 0 && ++expanded > maxNodes) {
      setFatal('too-many-nodes', `aliases expand to more than ${maxNodes} values (an alias bomb?)`, offsetOf(node));
      return nullScalar(positionAt(offsetOf(node)));
    }
    if (depth > maxDepth) {
      setFatal('too-deep', `nested deeper than ${maxDepth} levels`, offsetOf(node));
      return nullScalar(positionAt(offsetOf(node)));
    }
    if (isAlias(node)) {
      const target = node.resolve(doc);
      if (target === undefined) {
        setFatal('syntax', `unknown anchor "${node.source}" referenced`, offsetOf(node));
        return nullScalar(positionAt(offsetOf(node)));
      }
      aliasDepth++;
      try {
        return convert(target, path, depth + 1);
      } finally {
        aliasDepth--;
      }
    }
    if (isScalar(node)) return convertScalar(node);
    if (isSeq(node)) {
      const items = node.items.map((item, i) => convert(item, `${path}[${i}]`, depth + 1));
      return { kind: 'seq', pos: positionAt(offsetOf(node)), items };
    }
    if (isMap(node)) {
      const map: KMap = { kind: 'map', pos: positionAt(offsetOf(node)), entries: new Map() };
      for (const pair of node.items) {
        if (!isPair(pair)) continue;
        const keyNode = pair.key as unknown;
        const keyOffset = keyNode === null ? offsetOf(pair.value) : offsetOf(keyNode);
        const key = keyFor(keyNode);
        if (key === null) {
          setFatal('unsupported-key', 'a mapping key must be a string, number or boolean', keyOffset);
          continue;
        }
        if (key === MERGE_KEY && isPlainMergeKey(keyNode)) {
          mergeInto(map, pair.value, path, depth, positionAt(keyOffset));
          continue;
        }
        const value = pair.value === null ? nullScalar(positionAt(keyOffset)) : convert(pair.value, joinPath(path, key), depth + 1);
        const previous = map.entries.get(key);
        if (previous !== undefined) {
          result.duplicates.push({ key, pos: positionAt(keyOffset), firstPos: previous.keyPos, parentPath: path });
          map.entries.delete(key);
        }
        map.entries.set(key, { key, keyPos: positionAt(keyOffset), value });
      }
      return map;
    }
    // A node of a kind yaml does not produce (cannot happen with the failsafe schema).
    setFatal('unsupported-value', 'unsupported YAML node', offsetOf(node));
    return nullScalar(positionAt(offsetOf(node)));
  };

  /**
   * `<<: *base` or `<<: [*a, *b]`: go-yaml v2 applies the merged mappings where the key
   * stands, the last of a list first, each overwriting keys already set. Its strict mode
   * (which kube-apiserver's strict decoder uses) calls every such overwrite a duplicate
   * key (decode.go setMapIndex), so they are reported as duplicates here too.
   */
  const mergeInto = (target: KMap, value: unknown, path: string, depth: number, mergePos: SourcePos) => {
    const sources = isSeq(value) ? [...value.items].reverse() : [value];
    for (const source of sources) {
      const merged = convert(source, path, depth + 1);
      if (merged.kind !== 'map') {
        setFatal('unsupported-value', 'map merge requires a map or a sequence of maps as the value', offsetOf(source));
        return;
      }
      for (const [key, entry] of merged.entries) {
        const previous = target.entries.get(key);
        if (previous !== undefined) {
          result.duplicates.push({ key, pos: mergePos, firstPos: previous.keyPos, parentPath: path });
        }
        target.entries.delete(key);
        target.entries.set(key, entry);
      }
    }
  };

  const convertScalar = (node: Scalar): KScalar => {
    const pos = positionAt(offsetOf(node));
    const raw = typeof node.value === 'string' ? node.value : String(node.value ?? '');
    const quoted = node.type !== undefined && node.type !== 'PLAIN';
    const tag = node.tag;
    if (tag === 'tag:yaml.org,2002:str' || tag === 'tag:yaml.org,2002:binary') {
      return { kind: 'scalar', pos, type: 'str', value: raw, source: raw, quoted: true };
    }
    if (quoted && tag === undefined) return { kind: 'scalar', pos, type: 'str', value: raw, source: raw, quoted };
    const resolved = resolvePlainScalar(raw);
    if (tag !== undefined && tag.startsWith('tag:yaml.org,2002:')) {
      const wanted = tag.slice('tag:yaml.org,2002:'.length);
      if (['int', 'float', 'bool', 'null'].includes(wanted) && resolved.kind !== wanted && !(wanted === 'float' && resolved.kind === 'int')) {
        setFatal('unsupported-value', `cannot decode !!${resolved.kind} \`${raw}\` as a !!${wanted}`, offsetOf(node));
      }
    }
    if (resolved.kind === 'float' && !Number.isFinite(resolved.value as number)) {
      setFatal('unsupported-value', `${raw} (not a number or infinity) cannot be represented in JSON`, offsetOf(node));
    }
    return { kind: 'scalar', pos, type: resolved.kind, value: resolved.value, source: raw, quoted };
  };

  const keyFor = (keyNode: unknown): string | null => {
    if (keyNode === null) return null; // `? ` with no key: a null key
    if (isScalar(keyNode)) {
      const quoted = keyNode.type !== undefined && keyNode.type !== 'PLAIN';
      const raw = String(keyNode.value ?? '');
      if (quoted || keyNode.tag === 'tag:yaml.org,2002:str') return raw;
      return jsonKeyFor(resolvePlainScalar(raw));
    }
    if (isAlias(keyNode)) return keyFor(keyNode.resolve(doc) ?? null);
    return null; // a mapping or sequence as a key
  };

  const root = convert(doc.contents, '', 0);
  if (fatal !== null) {
    result.errors.push(fatal);
    return result;
  }
  result.root = root;
  return result;
}

function isPlainMergeKey(keyNode: unknown): boolean {
  return isScalar(keyNode) && (keyNode.type === undefined || keyNode.type === 'PLAIN') && keyNode.tag === undefined;
}

function nullScalar(pos: SourcePos): KScalar {
  return { kind: 'scalar', pos, type: 'null', value: null, source: '', quoted: false };
}

function offsetOf(node: unknown): number {
  const range = (node as YamlNode | null)?.range;
  return Array.isArray(range) ? range[0] : 0;
}

export function joinPath(parent: string, key: string): string {
  return parent === '' ? key : `${parent}.${key}`;
}

/**
 * The parser recurses per level of nesting and reports running out of stack as
 * RESOURCE_EXHAUSTION: that is a document too deep for kubetrail (go-yaml reads up to
 * 10000 levels), not a syntax error.
 */
function readErrorCode(error: YAMLError): ReadErrorCode {
  return error.code === 'RESOURCE_EXHAUSTION' ? 'too-deep' : 'syntax';
}

function describeYamlError(error: YAMLError): string {
  if (error.code === 'RESOURCE_EXHAUSTION') return 'the document is nested too deeply to read';
  // yaml's messages end with a source excerpt when prettyErrors is on; it is off here.
  const message = error.message.replace(/\s+at line \d+, column \d+.*$/s, '');
  switch (error.code) {
    case 'TAB_AS_INDENT':
      return `${message} (YAML does not allow tabs for indentation; use spaces)`;
    default:
      return message;
  }
}

function indexLines(text: string, counter: LineCounter): void {
  counter.addNewLine(0);
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) counter.addNewLine(i + 1);
}

/**
 * Finds where flow brackets or block indentation first nest past the limit, before
 * the YAML parser (which recurses) meets it. Returns -1 when nesting stays within it.
 * Counting brackets outside quotes is enough: block nesting needs indentation, and a
 * thousand levels of it need a line far longer than any real file has.
 */
function findExcessiveNesting(text: string, maxDepth: number): number {
  let depth = 0;
  let quote = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote !== '') {
      if (c === '\\' && quote === '"') i++;
      else if (c === quote) quote = '';
      continue;
    }
    if (c === '"' || c === "'") {
      const prev = i === 0 ? ' ' : text[i - 1];
      if (/[\s[{,:]/.test(prev)) quote = c;
    } else if (c === '#') {
      const prev = i === 0 ? ' ' : text[i - 1];
      if (/\s/.test(prev)) {
        const nl = text.indexOf('\n', i);
        if (nl < 0) break;
        i = nl;
      }
    } else if (c === '[' || c === '{') {
      if (++depth > maxDepth) return i;
    } else if (c === ']' || c === '}') {
      if (depth > 0) depth--;
    } else if (c === '\n') {
      const indent = /^ */.exec(text.slice(i + 1, i + 1 + maxDepth * 2 + 2))![0].length;
      if (indent > maxDepth * 2) return i + 1;
    }
  }
  return -1;
}

function decodeBytes(bytes: Uint8Array): { text: string; invalidAt?: number } {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return { text: new TextDecoder('utf-16le').decode(bytes.subarray(2)) };
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return { text: new TextDecoder('utf-16be').decode(bytes.subarray(2)) };
  try {
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(bytes) };
  } catch {
    // Decode the valid prefix to find where (in characters) the bad byte stands.
    let good = 0;
    const strict = new TextDecoder('utf-8', { fatal: true });
    for (let lo = 0, hi = bytes.length; lo < hi; ) {
      const mid = (lo + hi + 1) >> 1;
      try {
        strict.decode(bytes.subarray(0, mid), { stream: true });
        strict.decode();
        good = mid;
        lo = mid;
      } catch {
        hi = mid - 1;
      }
    }
    const text = new TextDecoder('utf-8').decode(bytes);
    const prefix = new TextDecoder('utf-8').decode(bytes.subarray(0, good));
    return { text, invalidAt: prefix.length };
  }
}

/** YAML's printable set excludes C0 controls but tab, LF and CR, and DEL and C1 controls but NEL. */
function findControlCharacter(text: string): number {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if ((c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) || (c >= 0x7f && c <= 0x9f && c !== 0x85) || c === 0xfffe || c === 0xffff) return i;
  }
  return -1;
}
