/**
 * Decodes the YAML tree of a policy file into a Policy the way kube-apiserver's codec
 * does (LoadPolicyFromBytes in k8s.io/apiserver/pkg/audit/policy/reader.go):
 *
 * - field names are case-sensitive (sigs.k8s.io/json): `Level` is not `level`;
 * - an unknown or repeated field is a *strict* error: kube-apiserver then decodes again
 *   leniently, dropping unknown fields and keeping a repeated field's last value;
 * - a value of the wrong type (a number where a string belongs, `yes` read as a
 *   boolean) is fatal;
 * - `null` leaves a field at its zero value, and a null list item is an empty string
 *   or an empty rule, as Go's encoding/json does.
 *
 * Pure: collects every problem instead of stopping at the first.
 */
import { describeJSONType } from '../request.js';
import { emptyRule, type GroupResources, type Policy, type PolicyRule } from '../types.js';
import type { KMap, KNode, KScalar, SourcePos } from '../kyaml/index.js';
import { issueAt, type PolicyIssue } from './issues.js';

export interface DecodeResult {
  policy: Policy;
  /** Where each field path's value stands, for validation messages. */
  positions: Map<string, SourcePos>;
  /** Wrong types: kube-apiserver refuses the file. */
  typeErrors: PolicyIssue[];
  /** Unknown fields: kube-apiserver's strict decode fails on them, its lenient decode drops them. */
  unknownFields: PolicyIssue[];
}

const POLICY_FIELDS = ['apiVersion', 'kind', 'metadata', 'rules', 'omitStages', 'omitManagedFields'];
const RULE_FIELDS = ['level', 'users', 'userGroups', 'verbs', 'resources', 'namespaces', 'nonResourceURLs', 'omitStages', 'omitManagedFields'];
const GROUP_RESOURCES_FIELDS = ['group', 'resources', 'resourceNames'];
/** metav1.ObjectMeta, with the JSON type each field takes. */
const OBJECT_META_FIELDS: Record<string, 'string' | 'int' | 'time' | 'stringMap' | 'stringList' | 'list'> = {
  name: 'string',
  generateName: 'string',
  namespace: 'string',
  selfLink: 'string',
  uid: 'string',
  resourceVersion: 'string',
  generation: 'int',
  creationTimestamp: 'time',
  deletionTimestamp: 'time',
  deletionGracePeriodSeconds: 'int',
  labels: 'stringMap',
  annotations: 'stringMap',
  ownerReferences: 'list',
  finalizers: 'stringList',
  managedFields: 'list',
};

export interface DecodeOptions {
  /** Fields a given Kubernetes release does not know, treated as unknown (e.g. omitManagedFields before 1.23). */
  withoutFields?: ReadonlySet<string>;
}

export function decodePolicy(root: KMap, options: DecodeOptions = {}): DecodeResult {
  const withoutFields = options.withoutFields ?? new Set<string>();
  const positions = new Map<string, SourcePos>();
  const typeErrors: PolicyIssue[] = [];
  const unknownFields: PolicyIssue[] = [];
  const policy: Policy = {
    apiVersion: '',
    kind: '',
    metadata: {},
    rules: [],
    omitStages: [],
    omitManagedFields: false,
  };

  const typeError = (path: string, node: KNode, wanted: string) => {
    typeErrors.push(issueAt('type', path, `must be ${wanted}, got ${describeNode(node)}${hintFor(node, wanted)}`, node.pos));
  };

  /** Fields of a mapping, reporting the unknown ones against `known`. */
  const fieldsOf = (map: KMap, path: string, known: readonly string[]) => {
    positions.set(path, map.pos);
    for (const entry of map.entries.values()) {
      const field = path === '' ? entry.key : `${path}.${entry.key}`;
      if (!known.includes(entry.key) || withoutFields.has(entry.key)) {
        unknownFields.push(issueAt('unknown-field', field, unknownFieldMessage(entry.key, known), entry.keyPos));
        continue;
      }
      positions.set(field, entry.value.pos);
    }
    return (key: string): KNode | undefined => (withoutFields.has(key) ? undefined : map.entries.get(key)?.value);
  };

  const readString = (node: KNode | undefined, path: string): string | undefined => {
    if (node === undefined || isNull(node)) return undefined;
    if (node.kind === 'scalar' && node.type === 'str') return node.value as string;
    typeError(path, node, 'a string');
    return undefined;
  };

  const readBool = (node: KNode | undefined, path: string): boolean | undefined => {
    if (node === undefined || isNull(node)) return undefined;
    if (node.kind === 'scalar' && node.type === 'bool') return node.value as boolean;
    typeError(path, node, 'true or false');
    return undefined;
  };

  const readStringList = (node: KNode | undefined, path: string): string[] => {
    if (node === undefined || isNull(node)) return [];
    if (node.kind !== 'seq') {
      typeError(path, node, 'a list of strings');
      return [];
    }
    return node.items.map((item, i) => {
      const itemPath = `${path}[${i}]`;
      positions.set(itemPath, item.pos);
      return readString(item, itemPath) ?? '';
    });
  };

  const readMapList = <T>(node: KNode | undefined, path: string, readItem: (item: KMap | null, itemPath: string, pos: SourcePos) => T): T[] => {
    if (node === undefined || isNull(node)) return [];
    if (node.kind !== 'seq') {
      typeError(path, node, 'a list of objects');
      return [];
    }
    return node.items.map((item, i) => {
      const itemPath = `${path}[${i}]`;
      positions.set(itemPath, item.pos);
      if (isNull(item)) return readItem(null, itemPath, item.pos);
      if (item.kind !== 'map') {
        typeError(itemPath, item, 'an object');
        return readItem(null, itemPath, item.pos);
      }
      return readItem(item, itemPath, item.pos);
    });
  };

  const readGroupResources = (map: KMap | null, path: string): GroupResources => {
    const gr: GroupResources = { group: '', resources: [], resourceNames: [] };
    if (map === null) return gr;
    const get = fieldsOf(map, path, GROUP_RESOURCES_FIELDS);
    gr.group = readString(get('group'), `${path}.group`) ?? '';
    gr.resources = readStringList(get('resources'), `${path}.resources`);
    gr.resourceNames = readStringList(get('resourceNames'), `${path}.resourceNames`);
    return gr;
  };

  const readRule = (map: KMap | null, path: string): PolicyRule => {
    const rule = emptyRule();
    if (map === null) return rule;
    const get = fieldsOf(map, path, RULE_FIELDS);
    rule.level = readString(get('level'), `${path}.level`) ?? '';
    rule.users = readStringList(get('users'), `${path}.users`);
    rule.userGroups = readStringList(get('userGroups'), `${path}.userGroups`);
    rule.verbs = readStringList(get('verbs'), `${path}.verbs`);
    rule.resources = readMapList(get('resources'), `${path}.resources`, readGroupResources);
    rule.namespaces = readStringList(get('namespaces'), `${path}.namespaces`);
    rule.nonResourceURLs = readStringList(get('nonResourceURLs'), `${path}.nonResourceURLs`);
    rule.omitStages = readStringList(get('omitStages'), `${path}.omitStages`);
    rule.omitManagedFields = readBool(get('omitManagedFields'), `${path}.omitManagedFields`);
    return rule;
  };

  const readMetadata = (node: KNode | undefined): Record<string, unknown> => {
    if (node === undefined || isNull(node)) return {};
    if (node.kind !== 'map') {
      typeError('metadata', node, 'an object');
      return {};
    }
    const get = fieldsOf(node, 'metadata', Object.keys(OBJECT_META_FIELDS));
    const out: Record<string, unknown> = {};
    for (const [name, kind] of Object.entries(OBJECT_META_FIELDS)) {
      const value = get(name);
      const path = `metadata.${name}`;
      if (value === undefined || isNull(value)) continue;
      switch (kind) {
        case 'string':
          out[name] = readString(value, path);
          break;
        case 'int':
          // YAMLToJSON writes an integral float (1.0, 1e3) as a JSON integer, which an int64 takes.
          if (value.kind === 'scalar' && (value.type === 'int' || (value.type === 'float' && Number.isInteger(value.value) && Math.abs(value.value as number) < 2 ** 63))) out[name] = value.value;
          else typeError(path, value, 'an integer');
          break;
        case 'time': {
          // metav1.Time.UnmarshalJSON: time.Parse(time.RFC3339, s); "" fails too.
          const text = readString(value, path);
          if (text !== undefined && !isGoRFC3339(text)) {
            typeErrors.push(issueAt('type', path, `must be an RFC 3339 time such as 2024-01-02T15:04:05Z, got "${text}"`, value.pos));
          }
          out[name] = text;
          break;
        }
        case 'stringMap':
          if (value.kind !== 'map') typeError(path, value, 'a map of strings');
          else {
            const map: Record<string, string> = {};
            for (const entry of value.entries.values()) map[entry.key] = readString(entry.value, `${path}.${entry.key}`) ?? '';
            out[name] = map;
          }
          break;
        case 'stringList':
          out[name] = readStringList(value, path);
          break;
        case 'list':
          if (value.kind !== 'seq') typeError(path, value, 'a list');
          break;
      }
    }
    return out;
  };

  const get = fieldsOf(root, '', POLICY_FIELDS);
  policy.apiVersion = readString(get('apiVersion'), 'apiVersion') ?? '';
  policy.kind = readString(get('kind'), 'kind') ?? '';
  policy.metadata = readMetadata(get('metadata'));
  policy.rules = readMapList(get('rules'), 'rules', readRule);
  policy.omitStages = readStringList(get('omitStages'), 'omitStages');
  policy.omitManagedFields = readBool(get('omitManagedFields'), 'omitManagedFields') ?? false;
  positions.set('', root.pos);
  return { policy, positions, typeErrors, unknownFields };
}

/**
 * What Go's time.Parse(time.RFC3339, s) accepts: four-digit year, two-digit month, day,
 * minute and second, a one- or two-digit hour, an optional fraction (after '.' or ','),
 * then Z or ±hh:mm; each in range (a day within its month; offsets up to 24:60).
 */
function isGoRFC3339(text: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{1,2}):(\d{2}):(\d{2})(?:[.,]\d+)?(?:Z|[+-](\d{2}):(\d{2}))$/.exec(text);
  if (m === null) return false;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number);
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const daysInMonth = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1];
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth || hour > 23 || minute > 59 || second > 59) return false;
  return m[7] === undefined || (Number(m[7]) <= 24 && Number(m[8]) <= 60);
}

function isNull(node: KNode): boolean {
  return node.kind === 'scalar' && node.type === 'null';
}

export function describeNode(node: KNode): string {
  switch (node.kind) {
    case 'map':
      return 'an object';
    case 'seq':
      return 'a list';
    case 'scalar':
      return describeScalar(node);
  }
}

function describeScalar(node: KScalar): string {
  switch (node.type) {
    case 'bool':
      return `the boolean ${node.value} (from ${node.source})`;
    case 'int':
    case 'float':
      return `the number ${node.source}`;
    default:
      return describeJSONType(node.value);
  }
}

/** YAML 1.1 reads some innocent-looking words as booleans or numbers; say so. */
function hintFor(node: KNode, wanted: string): string {
  if (node.kind !== 'scalar' || node.quoted) return '';
  if (wanted.includes('string') && (node.type === 'bool' || node.type === 'int' || node.type === 'float')) {
    return `; kube-apiserver's YAML reader (YAML 1.1) reads an unquoted ${node.source} as a ${node.type === 'bool' ? 'boolean' : 'number'}: quote it ("${node.source}")`;
  }
  if (wanted.includes('list') && node.type === 'str') return `; write a list: [${node.source}] or "- ${node.source}" on its own line`;
  return '';
}

function unknownFieldMessage(key: string, known: readonly string[]): string {
  const suggestion = closestField(key, known);
  return `unknown field "${key}"${suggestion ? ` (did you mean "${suggestion}"?)` : ''}`;
}

/** The known field a misspelling most likely meant: same letters ignoring case, or within edit distance 2. */
export function closestField(key: string, known: readonly string[]): string | undefined {
  const lower = key.toLowerCase();
  const sameCase = known.find((k) => k.toLowerCase() === lower);
  if (sameCase) return sameCase;
  let best: string | undefined;
  let bestDistance = 3;
  for (const k of known) {
    const d = editDistance(lower, k.toLowerCase());
    if (d < bestDistance) {
      best = k;
      bestDistance = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 2) return 99;
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length];
}
