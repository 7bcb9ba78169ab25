/**
 * Recognising audit events in text: one JSON line, a pretty-printed Event, an
 * EventList, and the cloud envelopes that are not events (reported as such, never as
 * garbage). Pure: text in, values and reasons out.
 */
import type { AuditEvent } from './types.js';

export type EventShape =
  | { kind: 'event'; event: AuditEvent }
  | { kind: 'list'; events: unknown[] }
  | { kind: 'not-event'; reason: string };

/** What a parsed JSON value is, from an audit log's point of view. */
export function classifyAuditJSON(value: unknown): EventShape {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { kind: 'not-event', reason: `not an audit event: a JSON ${Array.isArray(value) ? 'array' : value === null ? 'null' : typeof value}` };
  }
  const obj = value as Record<string, unknown>;
  if (obj.kind === 'EventList' || (Array.isArray(obj.items) && obj.kind === undefined && obj.auditID === undefined)) {
    return Array.isArray(obj.items) ? { kind: 'list', events: obj.items } : { kind: 'not-event', reason: 'an EventList without items' };
  }
  if (Array.isArray(obj.records)) return { kind: 'not-event', reason: 'an AKS (Azure diagnostic settings) envelope; not yet supported: extract properties.log' };
  if (isAzureAuditRecord(obj)) return { kind: 'not-event', reason: 'an AKS (Azure diagnostic settings) record envelope; not yet supported: extract properties.log' };
  if (obj.protoPayload !== undefined && obj.logName !== undefined) return { kind: 'not-event', reason: 'a GKE LogEntry envelope; not yet supported' };
  if (obj.kind !== undefined && obj.kind !== 'Event') return { kind: 'not-event', reason: `not an audit event: kind ${JSON.stringify(obj.kind)}` };
  const looksLikeEvent =
    typeof obj.verb === 'string' || typeof obj.requestURI === 'string' || typeof obj.auditID === 'string' || (obj.user !== undefined && typeof obj.user === 'object');
  if (!looksLikeEvent) return { kind: 'not-event', reason: 'not an audit event: none of verb, requestURI, auditID or user' };
  return { kind: 'event', event: obj as unknown as AuditEvent };
}

/** One record of Azure's diagnostic settings: `{category: "kube-audit", properties: {log: "<event JSON>"}}`. */
function isAzureAuditRecord(obj: Record<string, unknown>): boolean {
  const properties = obj.properties as Record<string, unknown> | undefined;
  return typeof obj.category === 'string' && obj.category.startsWith('kube-audit') && typeof properties?.log === 'string';
}
