/**
 * enable / disable / rollback on a node root in a temp dir, through the library and the
 * built CLI: atomic writes, backups outside the manifests directory, the policy installed,
 * and a failure injected at every write step leaving the manifest byte-identical.
 */
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { disableAudit, enableAudit, rollbackManifest, WRITE_STEPS } from '../../src/apiserver/index.js';
import { presetPolicyText } from '../../src/audit/policy/index.js';
import { runCli } from '../support/cli.js';
import { SKIP_WITHOUT_SHARED } from '../support/paths.js';
import { fixtureText, MANIFEST, tempNode } from './helpers.js';

const BASELINE = 'kubeadm-v1.29-baseline-yejinj.yaml';
const policy = Buffer.from(presetPolicyText('recommended'));

function files(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name).slice(dir.length)).sort();
}

describe('enable, disable, rollback', { skip: SKIP_WITHOUT_SHARED }, () => {
  test('enable installs the policy, patches atomically and backs up outside the manifests directory; disable and rollback undo it', () => {
    const node = tempNode(fixtureText(BASELINE));
    try {
      const original = readFileSync(node.manifestFile, 'utf8');
      const r = enableAudit({ root: node.root, settings: {}, policy, now: new Date('2026-12-03T10:00:00Z') });
      assert.equal(r.changed, true);
      assert.equal(r.backup, '/var/lib/kubetrail/backups/kube-apiserver.yaml.2026-12-03T10-00-00.000Z');
      assert.equal(readFileSync(join(node.root, r.backup), 'utf8'), original);
      assert.deepEqual(readdirSync(join(node.root, 'etc/kubernetes/manifests')), ['kube-apiserver.yaml'], 'nothing else in the manifests directory: no backup, no temp file');
      assert.equal(readFileSync(join(node.root, 'etc/kubernetes/audit-policy.yaml'), 'utf8'), policy.toString());
      assert.equal(statSync(join(node.root, 'etc/kubernetes/audit-policy.yaml')).mode & 0o777, 0o600);
      assert.ok(statSync(join(node.root, 'var/log/kubernetes/audit')).isDirectory());
      assert.match(readFileSync(node.manifestFile, 'utf8'), /--audit-policy-file=\/etc\/kubernetes\/audit-policy\.yaml/);
      // Again: nothing changes, no new backup.
      const again = enableAudit({ root: node.root, settings: {}, policy });
      assert.equal(again.changed, false);
      assert.equal(again.backup, null);
      assert.equal(readdirSync(join(node.root, 'var/lib/kubetrail/backups')).length, 1);
      // Disable gives back the original bytes.
      const off = disableAudit({ root: node.root, now: new Date('2026-12-03T10:00:01Z') });
      assert.equal(off.changed, true);
      assert.equal(readFileSync(node.manifestFile, 'utf8'), original);
      // Rollback restores the newest backup (the enabled manifest).
      const back = rollbackManifest({ root: node.root, now: new Date('2026-12-03T10:00:02Z') });
      assert.equal(back.restored, '/var/lib/kubetrail/backups/kube-apiserver.yaml.2026-12-03T10-00-01.000Z');
      assert.match(readFileSync(node.manifestFile, 'utf8'), /--audit-log-path=/);
    } finally {
      node.cleanup();
    }
  });

  test('re-running enable keeps the paths a cluster already uses and CIS-compliant rotation values', () => {
    const node = tempNode(fixtureText('custom-v1.23-command-args-fr-solution.yaml'));
    try {
      const r = enableAudit({ root: node.root, settings: {}, policy });
      assert.equal(r.settings?.policyPath, '/etc/kubernetes/kube-apiserver/audit-policy.yaml', 'the existing --audit-policy-file is kept');
      assert.equal(r.settings?.logMaxSize, 1000, 'maxsize 1000 already meets CIS (≥ 100)');
      assert.deepEqual(r.changes.flagsAdded.sort(), ['audit-log-format', 'audit-log-path']);
      assert.ok(existsSync(join(node.root, 'etc/kubernetes/kube-apiserver/audit-policy.yaml')));
    } finally {
      node.cleanup();
    }
  });

  for (const failAt of WRITE_STEPS) {
    test(`a failure at ${failAt} leaves the manifest ${failAt === 'sync-dir' ? 'complete (already renamed)' : 'byte-identical and undoes the installs'}`, () => {
      const node = tempNode(fixtureText(BASELINE));
      try {
        const original = readFileSync(node.manifestFile, 'utf8');
        const webhook = { settings: { webhookConfigPath: '/etc/kubernetes/audit-webhook.yaml', logPath: '/var/log/kubernetes/audit/audit.log' }, webhookConfig: Buffer.from('apiVersion: v1\nkind: Config\n') };
        assert.throws(() => enableAudit({ root: node.root, ...webhook, policy, failAt }), /injected failure/);
        assert.deepEqual(readdirSync(join(node.root, 'etc/kubernetes/manifests')), ['kube-apiserver.yaml'], 'no temp file left where the kubelet looks');
        const now = readFileSync(node.manifestFile, 'utf8');
        if (failAt === 'sync-dir') {
          assert.match(now, /--audit-policy-file/);
          return;
        }
        assert.equal(now, original);
        assert.equal(existsSync(join(node.root, 'etc/kubernetes/audit-policy.yaml')), false, 'the policy install was undone');
        assert.equal(existsSync(join(node.root, 'etc/kubernetes/audit-webhook.yaml')), false, 'the webhook kubeconfig install was undone');
        assert.equal(existsSync(join(node.root, 'var/log/kubernetes/audit')), false, 'the log directory made by this run was removed');
        // And a clean run afterwards succeeds.
        assert.equal(enableAudit({ root: node.root, settings: {}, policy }).changed, true);
      } finally {
        node.cleanup();
      }
    });
  }

  test('a policy already installed is put back as it was when the run fails', () => {
    const node = tempNode(fixtureText(BASELINE));
    try {
      writeFileSync(join(node.root, 'etc/kubernetes/audit-policy.yaml'), 'old policy\n');
      assert.throws(() => enableAudit({ root: node.root, settings: {}, policy, failAt: 'rename' }));
      assert.equal(readFileSync(join(node.root, 'etc/kubernetes/audit-policy.yaml'), 'utf8'), 'old policy\n');
    } finally {
      node.cleanup();
    }
  });

  test('backups are refused inside the manifests directory; host paths cannot escape the root', () => {
    const node = tempNode(fixtureText(BASELINE));
    try {
      assert.throws(() => enableAudit({ root: node.root, settings: {}, policy, backupDir: '/etc/kubernetes/manifests/old' }), /second kube-apiserver/);
      assert.throws(() => enableAudit({ root: node.root, settings: { policyPath: '/etc/kubernetes/manifests/audit-policy.yaml' }, policy }), /inside the manifests directory.*pod manifest/);
      assert.throws(() => enableAudit({ root: node.root, settings: { logPath: '/etc/kubernetes/manifests/audit/audit.log' }, policy }), /log path .* inside the manifests directory/);
      assert.deepEqual(readdirSync(join(node.root, 'etc/kubernetes/manifests')), ['kube-apiserver.yaml']);
      const outside = mkdtempSync(join(tmpdir(), 'kubetrail-outside-'));
      symlinkSync(outside, join(node.root, 'etc/escape'));
      assert.throws(() => enableAudit({ root: node.root, settings: { policyPath: '/etc/escape/policy.yaml' }, policy }), /outside the root/);
      assert.deepEqual(readdirSync(outside), []);
      rmSync(outside, { recursive: true });
    } finally {
      node.cleanup();
    }
  });

  test('a manifest on a read-only filesystem is refused and left as it was', (t) => {
    const node = tempNode(fixtureText(BASELINE));
    const manifests = join(node.root, 'etc/kubernetes/manifests');
    try {
      const original = readFileSync(node.manifestFile);
      try {
        execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', manifests], { stdio: 'ignore' });
      } catch {
        t.skip('cannot mount a tmpfs here (needs root): read-only case skipped');
        return;
      }
      try {
        writeFileSync(join(manifests, 'kube-apiserver.yaml'), original);
        execFileSync('mount', ['-o', 'remount,ro', manifests], { stdio: 'ignore' });
        assert.throws(() => enableAudit({ root: node.root, settings: {}, policy }), /not writable/);
        assert.deepEqual(readFileSync(join(manifests, 'kube-apiserver.yaml')), original);
        assert.equal(existsSync(join(node.root, 'etc/kubernetes/audit-policy.yaml')), false);
      } finally {
        execFileSync('umount', [manifests], { stdio: 'ignore' });
      }
    } finally {
      node.cleanup();
    }
  });
});

describe('the CLI', { skip: SKIP_WITHOUT_SHARED }, () => {
  test('--dry-run prints a unified diff and writes nothing; -o json reports the changes', async () => {
    const node = tempNode(fixtureText('minikube-v1.32-harounjlassi.yaml'));
    try {
      const original = readFileSync(node.manifestFile, 'utf8');
      const dry = await runCli(['enable', '--root', node.root, '--policy', node.policyFile, '--dry-run']);
      assert.equal(dry.code, 0, dry.stderr);
      assert.match(dry.stdout, /^\+\+\+ \/etc\/kubernetes\/manifests\/kube-apiserver\.yaml/m);
      assert.match(dry.stdout, /^\+    - --audit-policy-file=\/etc\/kubernetes\/audit-policy\.yaml$/m);
      assert.match(dry.stdout, /would write \/etc\/kubernetes\/audit-policy\.yaml/);
      assert.equal(readFileSync(node.manifestFile, 'utf8'), original);
      assert.equal(existsSync(join(node.root, 'var/lib/kubetrail')), false);
      const run = await runCli(['enable', '--root', node.root, '--policy', node.policyFile, '--log-maxage=60', '--log-compress', '-o', 'json']);
      assert.equal(run.code, 0, run.stderr);
      const out = JSON.parse(run.stdout);
      assert.equal(out.changed, true);
      assert.ok(out.changes.flagsAdded.includes('audit-log-compress'));
      assert.equal(out.settings.logMaxAge, 60);
      assert.match(out.backup, /^\/var\/lib\/kubetrail\/backups\/kube-apiserver\.yaml\./);
      const off = await runCli(['disable', '--root', node.root]);
      assert.equal(off.code, 0, off.stderr);
      assert.equal(readFileSync(node.manifestFile, 'utf8'), original);
    } finally {
      node.cleanup();
    }
  });

  const refusals: { desc: string; setup: (policyFile: string, root: string) => string[]; code: number; stderr: RegExp }[] = [
    {
      desc: 'an invalid policy (exit 1, errors with file:line:column)',
      setup: (p) => (writeFileSync(p, 'apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: Loud\n'), ['--policy', p]),
      code: 1,
      stderr: /policy\.yaml:4:10: rules\[0\]\.level: Unsupported value: "Loud"[\s\S]*nothing was changed/,
    },
    { desc: 'a DaemonSet manifest (exit 2, with its line)', setup: (p, root) => (writeFileSync(join(root, MANIFEST), fixtureText('negative-daemonset-bootkube-v1.5-timjones.yaml')), ['--policy', p]), code: 2, stderr: /kube-apiserver\.yaml:2:1: .*DaemonSet/ },
    { desc: 'a missing manifest', setup: (p) => ['--policy', p, '--manifest', '/etc/kubernetes/manifests/nope.yaml'], code: 2, stderr: /cannot read the manifest \(no such file\)/ },
    { desc: 'a bad number', setup: (p) => ['--policy', p, '--log-maxage', 'ten'], code: 2, stderr: /--log-maxage "ten"/ },
  ];
  for (const c of refusals) {
    test(`refuses ${c.desc}; the manifest is unchanged`, async () => {
      const node = tempNode(fixtureText(BASELINE));
      try {
        const args = c.setup(node.policyFile, node.root);
        const before = readFileSync(node.manifestFile, 'utf8');
        const r = await runCli(['enable', '--root', node.root, ...args]);
        assert.equal(r.code, c.code, r.stderr);
        assert.match(r.stderr, c.stderr);
        assert.equal(readFileSync(node.manifestFile, 'utf8'), before);
        assert.equal(existsSync(join(node.root, 'etc/kubernetes/audit-policy.yaml')), false);
      } finally {
        node.cleanup();
      }
    });
  }

  test('rollback with no backup says so', async () => {
    const node = tempNode(fixtureText(BASELINE));
    try {
      mkdirSync(join(node.root, 'var/lib/kubetrail/backups'), { recursive: true });
      const r = await runCli(['rollback', '--root', node.root]);
      assert.equal(r.code, 2);
      assert.match(r.stderr, /no backup .* nothing to roll back to/);
    } finally {
      node.cleanup();
    }
  });
});
