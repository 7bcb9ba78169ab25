/** A fresh store in a temporary directory, with its private key beside it (outside the store). */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { loadPolicy, presetPolicyText } from '../../src/audit/policy/index.js';
import { planLog, streamLog } from '../../src/generate/index.js';
import { createStoreKeys, indexRowOf, openStore, type PendingEvent, type Store } from '../../src/store/index.js';

export interface TempStore {
  root: string;
  dir: string;
  keyPath: string;
  skey: string;
  vkey: string;
  cleanup(): void;
}

export function tempStore(origin = 'test.example/kubetrail'): TempStore {
  const root = mkdtempSync(join(tmpdir(), 'kubetrail-store-'));
  const dir = join(root, 'store');
  const keyPath = join(root, 'signing.key');
  const { vkey } = createStoreKeys(dir, origin, keyPath);
  return { root, dir, keyPath, skey: readFileSync(keyPath, 'utf8'), vkey, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

/** A minimal audit event line with the given fields. */
export function eventLine(i: number, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    kind: 'Event',
    apiVersion: 'audit.k8s.io/v1',
    level: 'Metadata',
    auditID: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    stage: 'ResponseComplete',
    requestURI: `/api/v1/namespaces/default/pods/p${i}`,
    verb: 'get',
    user: { username: 'alice', groups: ['system:authenticated'] },
    objectRef: { resource: 'pods', namespace: 'default', name: `p${i}`, apiVersion: 'v1' },
    responseStatus: { code: 200 },
    requestReceivedTimestamp: `2026-11-23T10:00:${String(i % 60).padStart(2, '0')}.000000Z`,
    stageTimestamp: `2026-11-23T10:00:${String(i % 60).padStart(2, '0')}.001000Z`,
    ...extra,
  });
}

/** One event line as the store commits it (its index row derived from the line). */
export function pendingOf(line: string): PendingEvent {
  const { leaf: _leaf, ...row } = indexRowOf(0, JSON.parse(line));
  return { bytes: Buffer.from(line), row };
}

/**
 * A writable store holding `events` lines of `kubetrail generate` traffic (recommended
 * preset, from 2026-12-01T00:00Z at 200 events/s), committed in one batch; the lines too.
 */
export async function generatedStore(events: number, seed: number): Promise<{ temp: TempStore; store: Store; lines: string[] }> {
  const temp = tempStore();
  const chunks: Uint8Array[] = [];
  const policy = loadPolicy(presetPolicyText('recommended')).policy!;
  await streamLog({ config: planLog({ seed, startUs: Date.parse('2026-12-01T00:00:00Z') * 1000, rate: 200, policy }), events, workers: 0, write: async (c) => void chunks.push(c) });
  const lines = Buffer.concat(chunks).toString('utf8').split('\n').filter(Boolean);
  const store = await openStore(temp.dir, { signingKey: temp.skey });
  await store.commit(lines.map(pendingOf));
  return { temp, store, lines };
}
