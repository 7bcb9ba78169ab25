/**
 * An object's history: every event that touched it, oldest first, and what changed in
 * it between the versions the log recorded (the response body of a write, else its
 * request body; only events logged at Request or RequestResponse carry them).
 */
import type { IndexRow, Store } from '../store/index.js';
import { diffObjects, type FieldChange } from './diff.js';

export interface HistoryEntry {
  leaf: number;
  time: string | null;
  user: string | null;
  impersonatedUser: string | null;
  verb: string | null;
  subresource: string | null;
  stage: string | null;
  code: number | null;
  /** Changes from the last recorded version; empty when nothing was recorded or nothing changed. */
  changes: FieldChange[];
  /** Whether this event carried a version of the object. */
  recorded: boolean;
}

export interface HistoryQuery {
  resource: string;
  name: string;
  namespace?: string;
  limit?: number;
}

const WRITES = new Set(['create', 'update', 'patch', 'delete', 'deletecollection']);

export async function objectHistory(store: Store, q: HistoryQuery): Promise<HistoryEntry[]> {
  const rows: IndexRow[] = [];
  for await (const r of store.queryRows({ resource: q.resource, name: q.name, namespace: q.namespace, limit: q.limit ?? 5000 })) rows.push(r);
  const out: HistoryEntry[] = [];
  let last: unknown;
  for (const r of rows) {
    let version: unknown;
    if (r.verb !== null && WRITES.has(r.verb) && r.stage === 'ResponseComplete') {
      try {
        const e = JSON.parse(store.readLeaf(r.leaf).toString('utf8')) as { responseObject?: unknown; requestObject?: unknown };
        const body = e.responseObject ?? e.requestObject;
        // A Status (a failed write, or a delete's answer) is not a version of the object.
        if (body !== undefined && (body as { kind?: string })?.kind !== 'Status') version = body;
      } catch {
        version = undefined;
      }
    }
    const changes = version !== undefined && last !== undefined ? diffObjects(last, version) : [];
    if (version !== undefined) last = version;
    out.push({ leaf: r.leaf, time: r.requestReceivedTimestamp ?? r.stageTimestamp, user: r.user, impersonatedUser: r.impersonatedUser, verb: r.verb, subresource: r.subresource, stage: r.stage, code: r.responseCode, changes, recorded: version !== undefined });
  }
  return out;
}
