/**
 * What changed between two versions of an object, as field paths: `spec.replicas: 3 → 0`.
 * Lists are compared by index. metadata fields that change on every write
 * (resourceVersion, generation, managedFields, timestamps) are left out: they say nothing
 * about who changed what.
 */

export interface FieldChange {
  path: string;
  /** Absent (undefined) when the field was added. */
  from?: unknown;
  /** Absent when the field was removed. */
  to?: unknown;
}

const NOISE = new Set(['metadata.resourceVersion', 'metadata.generation', 'metadata.managedFields', 'metadata.creationTimestamp', 'metadata.uid', 'status.observedGeneration']);

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

export function diffObjects(before: unknown, after: unknown, path = '', out: FieldChange[] = [], limit = 200): FieldChange[] {
  if (out.length >= limit || NOISE.has(path)) return out;
  if (isObject(before) && isObject(after)) {
    for (const k of new Set([...Object.keys(before), ...Object.keys(after)])) diffObjects(before[k], after[k], path === '' ? k : `${path}.${k}`, out, limit);
    return out;
  }
  if (Array.isArray(before) && Array.isArray(after)) {
    for (let i = 0; i < Math.max(before.length, after.length); i++) diffObjects(before[i], after[i], `${path}[${i}]`, out, limit);
    return out;
  }
  if (JSON.stringify(before) === JSON.stringify(after)) return out;
  const change: FieldChange = { path };
  if (before !== undefined) change.from = before;
  if (after !== undefined) change.to = after;
  out.push(change);
  return out;
}
