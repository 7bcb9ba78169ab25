/**
 * The index columns of an event, derived from its parsed JSON. Pure and total: any
 * field that is missing or of the wrong type becomes null, so a tolerated odd event
 * (v1beta1, hand-made, enriched by a log shipper) still gets a row. verify recomputes
 * these from the leaf bytes and compares every column, so the derivation must be
 * deterministic.
 */
import { ALL_FIELDS, lastScanHints, scanEvent, scanFields, type ScanHints, type ScannedEvent } from '../audit/event-scan.js';
import type { IndexRow } from './types.js';

function str(v: unknown): string | null {
  return typeof v === 'string' ? v : null;
}

function obj(v: unknown): Record<string, unknown> | null {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
}

function strArray(v: unknown): string | null {
  return Array.isArray(v) && v.every((x) => typeof x === 'string') ? JSON.stringify(v) : null;
}

const CANONICAL = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
let lastSecond = '';
let lastSecondMs = NaN;

const RFC3339 = /^(\d{4}-\d{2}-\d{2})[Tt](\d{2}:\d{2}:\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/** An RFC 3339 time (any precision) as microseconds since the epoch; null if it does not parse. */
export function parseTimeUs(text: string | null): number | null {
  if (text === null) return null;
  // kube-apiserver's own form (2026-11-23T10:00:00.123456Z): the second is read once for
  // all the events that share it (most of a log), the fraction from its digits.
  if (text.length === 27 && CANONICAL.test(text)) {
    const second = text.slice(0, 19);
    if (second !== lastSecond) {
      lastSecond = second;
      lastSecondMs = Date.parse(`${second}Z`);
    }
    if (!Number.isNaN(lastSecondMs)) return lastSecondMs * 1000 + Number(text.slice(20, 26));
  }
  const m = RFC3339.exec(text);
  if (m === null) return null;
  const ms = Date.parse(`${m[1]}T${m[2]}${m[4].toUpperCase()}`);
  if (Number.isNaN(ms)) return null;
  const micros = m[3] === undefined ? 0 : Number(m[3].slice(1, 7).padEnd(6, '0'));
  return ms * 1000 + micros;
}

/**
 * The object's name: objectRef.name, or when the request named none (a create with
 * generateName: kube-apiserver fills objectRef from the request body, which has no name
 * yet) the name in the response body, when the policy logged it. "Who created
 * pod/web-7d9f-x2x" then finds the ReplicaSet controller's create.
 */
function objectName(refName: string | null, responseName: string | null): string | null {
  return refName !== null && refName !== '' ? refName : (responseName ?? refName);
}

/** The IndexRow of leaf `leaf`, whose parsed JSON is `value` (an audit Event). */
export function indexRowOf(leaf: number, value: unknown): IndexRow {
  const e = obj(value) ?? {};
  const user = obj(e.user);
  const imp = obj(e.impersonatedUser);
  const ref = obj(e.objectRef);
  const status = obj(e.responseStatus);
  const ann = obj(e.annotations);
  const requestReceivedTimestamp = str(e.requestReceivedTimestamp);
  const stageTimestamp = str(e.stageTimestamp);
  const code = status?.code;
  return {
    leaf,
    auditID: str(e.auditID),
    stage: str(e.stage),
    level: str(e.level),
    verb: str(e.verb),
    user: str(user?.username),
    groups: strArray(user?.groups),
    impersonatedUser: str(imp?.username),
    sourceIPs: strArray(e.sourceIPs),
    userAgent: str(e.userAgent),
    apiGroup: str(ref?.apiGroup),
    apiVersion: str(ref?.apiVersion),
    resource: str(ref?.resource),
    subresource: str(ref?.subresource),
    namespace: str(ref?.namespace),
    name: objectName(str(ref?.name), str(obj(obj(e.responseObject)?.metadata)?.name)),
    requestURI: str(e.requestURI),
    responseCode: typeof code === 'number' && Number.isSafeInteger(code) ? code : null,
    authorizationDecision: str(ann?.['authorization.k8s.io/decision']),
    authorizationReason: str(ann?.['authorization.k8s.io/reason']),
    requestReceivedTimestamp,
    stageTimestamp,
    // v1beta1 events (and v1-relabelled copies of them) carry only `timestamp`.
    timeUs: parseTimeUs(requestReceivedTimestamp) ?? parseTimeUs(stageTimestamp) ?? parseTimeUs(str(e.timestamp)),
  };
}

/** The IndexRow of an event's scanned fields: the same row indexRowOf gives from its parsed JSON. */
export function indexRowOfScanned(leaf: number, e: ScannedEvent): IndexRow {
  return {
    leaf,
    auditID: e.auditID,
    stage: e.stage,
    level: e.level,
    verb: e.verb,
    user: e.username,
    groups: e.groups === null ? null : JSON.stringify(e.groups),
    impersonatedUser: e.impersonatedUser,
    sourceIPs: e.sourceIPs === null ? null : JSON.stringify(e.sourceIPs),
    userAgent: e.userAgent,
    apiGroup: e.apiGroup,
    apiVersion: e.apiVersionRef,
    resource: e.resource,
    subresource: e.subresource,
    namespace: e.namespace,
    name: objectName(e.name, e.responseName),
    requestURI: e.requestURI,
    responseCode: e.responseCode,
    authorizationDecision: e.authorizationDecision,
    authorizationReason: e.authorizationReason,
    requestReceivedTimestamp: e.requestReceivedTimestamp,
    stageTimestamp: e.stageTimestamp,
    timeUs: parseTimeUs(e.requestReceivedTimestamp) ?? parseTimeUs(e.stageTimestamp) ?? parseTimeUs(e.timestamp),
  };
}

/**
 * The IndexRow of a leaf's bytes: by the event scanner when it answers, else by JSON.parse
 * (which throws on bytes that are not JSON).
 */
export function indexRowOfBytes(leaf: number, bytes: Buffer, hints?: ScanHints): IndexRow {
  const scanned = scanEvent(bytes, 0, bytes.length, ALL_FIELDS, hints);
  return scanned !== null ? indexRowOfScanned(leaf, scanned) : indexRowOf(leaf, JSON.parse(bytes.toString('utf8')));
}

/** What a scan decodes when it is run only to find where an event's bodies end. */
const HINT_SCAN_FIELDS = scanFields('requestObject', 'responseName');

/**
 * Where the event in `bytes` has its bodies (ScanHints), for a thread that derives its
 * row later and can then jump over them; undefined when the scanner does not take the
 * bytes (the row comes from JSON.parse there anyway) or the event has no body.
 */
export function scanHintsOf(bytes: Buffer): ScanHints | undefined {
  return scanEvent(bytes, 0, bytes.length, HINT_SCAN_FIELDS) === null ? undefined : lastScanHints(0);
}

/** The columns of IndexRow in a fixed order (for comparisons and SQL). */
export const INDEX_COLUMNS = [
  'leaf',
  'auditID',
  'stage',
  'level',
  'verb',
  'user',
  'groups',
  'impersonatedUser',
  'sourceIPs',
  'userAgent',
  'apiGroup',
  'apiVersion',
  'resource',
  'subresource',
  'namespace',
  'name',
  'requestURI',
  'responseCode',
  'authorizationDecision',
  'authorizationReason',
  'requestReceivedTimestamp',
  'stageTimestamp',
  'timeUs',
] as const satisfies readonly (keyof IndexRow)[];

/** The first column where two rows differ, or null when they agree. */
export function firstDifference(a: IndexRow, b: IndexRow): { column: keyof IndexRow; a: unknown; b: unknown } | null {
  if (sameRow(a, b)) return null;
  for (const c of INDEX_COLUMNS) if (a[c] !== b[c]) return { column: c, a: a[c], b: b[c] };
  return null;
}

/**
 * Every column spelled out: verify compares millions of rows, and a loop over the column
 * names reads each through a lookup by name that costs more than the comparison itself.
 * (A test holds this to INDEX_COLUMNS.)
 */
export function sameRow(a: IndexRow, b: IndexRow): boolean {
  return (
    a.leaf === b.leaf &&
    a.auditID === b.auditID &&
    a.stage === b.stage &&
    a.level === b.level &&
    a.verb === b.verb &&
    a.user === b.user &&
    a.groups === b.groups &&
    a.impersonatedUser === b.impersonatedUser &&
    a.sourceIPs === b.sourceIPs &&
    a.userAgent === b.userAgent &&
    a.apiGroup === b.apiGroup &&
    a.apiVersion === b.apiVersion &&
    a.resource === b.resource &&
    a.subresource === b.subresource &&
    a.namespace === b.namespace &&
    a.name === b.name &&
    a.requestURI === b.requestURI &&
    a.responseCode === b.responseCode &&
    a.authorizationDecision === b.authorizationDecision &&
    a.authorizationReason === b.authorizationReason &&
    a.requestReceivedTimestamp === b.requestReceivedTimestamp &&
    a.stageTimestamp === b.stageTimestamp &&
    a.timeUs === b.timeUs
  );
}
