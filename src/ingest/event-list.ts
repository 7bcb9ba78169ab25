/**
 * The body of one webhook POST: an audit.k8s.io EventList, as kube-apiserver's webhook
 * backend sends it (`--audit-webhook-config-file`). The batch is taken whole or refused
 * whole: a body that is not JSON, not an EventList, or holds an item that is not an audit
 * Event is refused with the reason, so nothing of it is half-stored. Each item's leaf is
 * its exact text in the body.
 */
import { scanEventList } from '../audit/event-scan.js';
import { classifyAuditJSON } from '../audit/events.js';
import { COMMIT_FIELDS, pendingOfScanned, toPending, type PendingWithKey } from './commit.js';
import { itemSpans } from './json-spans.js';

export type EventListParse = { ok: true; events: PendingWithKey[] } | { ok: false; reason: string };

export function parseEventListBody(body: Buffer): EventListParse {
  return fastEventList(body) ?? fullEventList(body);
}

/**
 * The fast path: the body scanned once, each item read by the event scanner. Null when
 * anything is unusual (an item the scanner leaves alone, an odd header): the full parser
 * then decides, with its reasons.
 */
function fastEventList(body: Buffer): EventListParse | null {
  const list = scanEventList(body, COMMIT_FIELDS);
  if (list === null || list.kind !== 'EventList' || (list.apiVersion !== 'audit.k8s.io/v1' && list.apiVersion !== 'audit.k8s.io/v1beta1')) return null;
  if (list.items === null) return { ok: true, events: [] };
  const scannedItems = list.events ?? [];
  return {
    ok: true,
    events: list.items.map(([start, end], i) => pendingOfScanned(Buffer.from(body.subarray(start, end)), scannedItems[i].scanned, scannedItems[i].hints)),
  };
}

/** The reference path: JSON.parse of the whole body. */
export function fullEventList(body: Buffer): EventListParse {
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch (err) {
    return { ok: false, reason: `the body is not JSON: ${(err as Error).message}` };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return { ok: false, reason: 'the body is not a JSON object (an audit.k8s.io EventList)' };
  const obj = value as Record<string, unknown>;
  if (obj.kind !== 'EventList') return { ok: false, reason: `the body is a ${JSON.stringify(obj.kind ?? null)}, not an EventList` };
  if (obj.apiVersion !== 'audit.k8s.io/v1' && obj.apiVersion !== 'audit.k8s.io/v1beta1') return { ok: false, reason: `apiVersion ${JSON.stringify(obj.apiVersion ?? null)}: expected audit.k8s.io/v1 (or v1beta1)` };
  if (obj.items === null || obj.items === undefined) return { ok: true, events: [] };
  if (!Array.isArray(obj.items)) return { ok: false, reason: 'items is not a list' };
  const spans = itemSpans(body);
  if (spans === null || spans.length !== obj.items.length) return { ok: false, reason: 'the items of the EventList could not be located in the body' };
  const events: PendingWithKey[] = [];
  for (let i = 0; i < obj.items.length; i++) {
    const shape = classifyAuditJSON(obj.items[i]);
    if (shape.kind !== 'event') return { ok: false, reason: `items[${i}]: ${shape.kind === 'not-event' ? shape.reason : 'a nested EventList'}` };
    const [start, end] = spans[i];
    events.push(toPending(Buffer.from(body.subarray(start, end)), obj.items[i]));
  }
  return { ok: true, events };
}
