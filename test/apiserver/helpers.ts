/** Node roots in temp dirs with a manifest from ../shared/fixtures laid where the kubelet keeps it. */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
