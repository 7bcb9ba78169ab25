/** Node roots in temp dirs with a manifest from ../shared/fixtures laid where the kubelet keeps it. */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { diffLines } from 'diff';
import { presetPolicyText } from '../../src/audit/policy/index.js';
import { SHARED_DIR, sharedPath } from '../support/paths.js';

export const MANIFEST = '/etc/kubernetes/manifests/kube-apiserver.yaml';

export function manifestFixtures(): string[] {
  if (SHARED_DIR === null) return [];
  return readdirSync(sharedPath('fixtures', 'apiserver-manifests')).filter((f) => f.endsWith('.yaml')).sort();
}

export function fixtureText(name: string): string {
  return readFileSync(sharedPath('fixtures', 'apiserver-manifests', name), 'utf8');
}

export interface TempNode {
  root: string;
  manifestFile: string;
  policyFile: string;
  cleanup(): void;
}

/** A node root holding `manifest` at the kubeadm path, and a valid local policy file beside it. */
export function tempNode(manifest: string): TempNode {
  const root = mkdtempSync(join(tmpdir(), 'kubetrail-node-'));
  mkdirSync(join(root, 'etc/kubernetes/manifests'), { recursive: true });
  const manifestFile = join(root, MANIFEST);
  writeFileSync(manifestFile, manifest);
  const policyFile = join(root, '..', `${root.split('/').pop()}-policy.yaml`);
  writeFileSync(policyFile, presetPolicyText('recommended'));
  return { root, manifestFile, policyFile, cleanup: () => (rmSync(root, { recursive: true, force: true }), rmSync(policyFile, { force: true })) };
}

/** The lines a change added and removed (whole lines, in order). */
export function changedLines(a: string, b: string): { added: string[]; removed: string[] } {
  const added: string[] = [];
  const removed: string[] = [];
  for (const part of diffLines(a, b)) {
    const lines = part.value.split('\n').filter((l, i, all) => i < all.length - 1 || l !== '');
    if (part.added) added.push(...lines);
    if (part.removed) removed.push(...lines);
  }
  return { added, removed };
}
