/**
 * status and doctor on real manifests laid out in temp node roots, and status --proc on a
 * real process whose argv[0] is kube-apiserver.
 */
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { auditDoctor, auditStatus, enableAudit } from '../../src/apiserver/index.js';
import { presetPolicyText } from '../../src/audit/policy/index.js';
import { runCli } from '../support/cli.js';
import { SKIP_WITHOUT_SHARED } from '../support/paths.js';
import { fixtureText, MANIFEST, tempNode } from './helpers.js';

const policy = Buffer.from(presetPolicyText('recommended'));

describe('status from the manifest', { skip: SKIP_WITHOUT_SHARED }, () => {
  const cases: { file: string; on: boolean; log: string | null; webhook: string | null; policy: string | null; cis: [boolean, boolean, boolean, boolean] }[] = [
    { file: 'kubeadm-v1.29-baseline-yejinj.yaml', on: false, log: null, webhook: null, policy: null, cis: [false, false, false, false] },
    { file: 'kubeadm-v1.26-audit-blanklines-kubeguardian.yaml', on: true, log: '/var/log/kube-audit/audit.log', webhook: null, policy: '/etc/kubernetes/audit/audit-policy.yaml', cis: [true, false, false, false] },
    { file: 'kubeadm-v1.28-audit-comments-tutugodfrey.yaml', on: true, log: '/etc/kubernetes/audit/logs/audit.log', webhook: null, policy: '/etc/kubernetes/audit/policy.yaml', cis: [true, false, false, false] },
    { file: 'kubeadm-v1.22-audit-webhook-lionelstellar.yaml', on: true, log: null, webhook: '/etc/kubernetes/pki/audit-webhook.yaml', policy: '/etc/kubernetes/pki/audit-policy.yaml', cis: [false, false, false, false] },
    { file: 'custom-v1.23-command-args-fr-solution.yaml', on: false, log: null, webhook: null, policy: '/etc/kubernetes/kube-apiserver/audit-policy.yaml', cis: [false, true, true, true] },
    { file: 'kind-v1.19-audit-trailingws-yukselao.yaml', on: true, log: '/var/log/kubernetes-apiserver.log', webhook: null, policy: '/etc/kubernetes/audit-policy.yaml', cis: [true, false, false, false] },
  ];
  for (const c of cases) {
    test(c.file, () => {
      const node = tempNode(fixtureText(c.file));
      try {
        const r = auditStatus({ root: node.root, manifest: MANIFEST, proc: false });
        assert.equal(r.source, 'manifest');
        assert.equal(r.on, c.on);
        assert.equal(r.log?.path ?? null, c.log);
        assert.equal(r.webhook?.configPath ?? null, c.webhook);
        assert.equal(r.policy?.path ?? null, c.policy);
        assert.deepEqual(r.cis.map((x) => x.pass), c.cis);
        if (r.log && r.log.maxAge === null) assert.equal(r.log.effective.maxAge, 0, 'kube-apiserver before 1.36 keeps logs forever by default');
      } finally {
        node.cleanup();
      }
    });
  }

  test('after enable: on, the policy loads, the log file is seen growing with its rotated backups', async () => {
    const node = tempNode(fixtureText('kubeadm-v1.29-baseline-yejinj.yaml'));
    try {
      enableAudit({ root: node.root, settings: {}, policy });
      const logDir = join(node.root, 'var/log/kubernetes/audit');
      writeFileSync(join(logDir, 'audit.log'), '{"kind":"Event"}\n');
      writeFileSync(join(logDir, 'audit-2026-12-01T10-00-00.000.log.gz'), '');
      writeFileSync(join(logDir, 'audit-2026-12-02T10-00-00.000.log'), '');
      const r = auditStatus({ root: node.root, manifest: MANIFEST, proc: false });
      assert.equal(r.on, true);
      assert.equal(r.policy?.loadable, true);
      assert.ok((r.policy?.rules ?? 0) > 0);
      assert.equal(r.log?.file?.size, 17);
      assert.equal(r.log?.backups, 2);
      assert.ok(r.cis.every((x) => x.pass));
      const cli = await runCli(['status', '--root', node.root]);
      assert.equal(cli.code, 0);
      assert.match(cli.stdout, /audit: ON/);
      assert.match(cli.stdout, /CIS 1\.2\.19 PASS/);
      const json = JSON.parse((await runCli(['status', '--root', node.root, '-o', 'json'])).stdout);
      assert.equal(json.on, true);
    } finally {
      node.cleanup();
    }
  });

  test('the CLI exits 1 when audit is off and 2 for a manifest it cannot read as a Pod', async () => {
    const off = tempNode(fixtureText('kubeadm-v1.29-baseline-yejinj.yaml'));
    const bad = tempNode(fixtureText('negative-daemonset-bootkube-v1.5-timjones.yaml'));
    try {
      assert.equal((await runCli(['status', '--root', off.root])).code, 1);
      const r = await runCli(['status', '--root', bad.root]);
      assert.equal(r.code, 2);
      assert.match(r.stdout, /DaemonSet/);
    } finally {
      off.cleanup();
      bad.cleanup();
    }
  });
});

test('status --proc reads the running kube-apiserver from /proc', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kubetrail-proc-'));
  writeFileSync(join(dir, 'policy.yaml'), policy);
  writeFileSync(join(dir, 'audit.log'), 'x'.repeat(1000));
  const flags = [`--audit-policy-file=${dir}/policy.yaml`, `--audit-log-path=${dir}/audit.log`, '--audit-log-maxage=7', '--audit-log-maxbackup', '3'];
  // A real process whose argv[0] is kube-apiserver; bash waits on sleep, keeping its argv.
  const child = spawn('/bin/bash', ['-c', 'sleep 30; :', 'x', ...flags], { argv0: 'kube-apiserver', stdio: 'ignore' });
  try {
    await new Promise((r) => setTimeout(r, 200));
    const r = auditStatus({ root: '/', manifest: join(dir, 'no-manifest.yaml'), proc: true });
    assert.equal(r.source, 'process');
    assert.ok(r.process !== null);
    assert.equal(r.process.pid, child.pid);
    assert.equal(r.on, true);
    assert.equal(r.log?.path, `${dir}/audit.log`);
    assert.equal(r.log?.maxAge, 7);
    assert.equal(r.log?.maxBackup, 3, 'a flag with its value in the next argument');
    assert.equal(r.log?.file?.size, 1000, 'read through /proc/PID/root');
    assert.equal(r.policy?.loadable, true);
    assert.deepEqual(r.cis.map((x) => x.pass), [true, false, false, false]);
    const cli = await runCli(['status', '--proc', '--manifest', join(dir, 'no-manifest.yaml'), '-o', 'json']);
    assert.equal(cli.code, 0, cli.stderr);
    assert.equal(JSON.parse(cli.stdout).process.pid, child.pid);
  } finally {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});

describe('doctor', { skip: SKIP_WITHOUT_SHARED }, () => {
  const broken: { desc: string; breakIt: (root: string) => void; failing: string; message: RegExp }[] = [
    { desc: 'the policy file missing on the node', breakIt: (root) => rmSync(join(root, 'etc/kubernetes/audit-policy.yaml')), failing: 'hostpath-policy', message: /does not exist/ },
    { desc: 'a policy kube-apiserver cannot load', breakIt: (root) => writeFileSync(join(root, 'etc/kubernetes/audit-policy.yaml'), 'apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: Loud\n'), failing: 'policy', message: /does not load.*line 4/ },
    {
      desc: 'the log directory mounted readOnly',
      breakIt: (root) => {
        const p = join(root, MANIFEST);
        writeFileSync(p, readFileSync(p, 'utf8').replace('    - mountPath: /var/log/kubernetes/audit\n      name: audit-log\n', '    - mountPath: /var/log/kubernetes/audit\n      name: audit-log\n      readOnly: true\n'));
      },
      failing: 'mount-log',
      message: /readOnly mount/,
    },
    {
      desc: 'the policy path not inside any mount',
      breakIt: (root) => {
        const p = join(root, MANIFEST);
        writeFileSync(p, readFileSync(p, 'utf8').replace('    - mountPath: /etc/kubernetes/audit-policy.yaml\n      name: audit-policy\n      readOnly: true\n', ''));
      },
      failing: 'mount-policy',
      message: /not inside any volumeMount/,
    },
    { desc: 'a directory where the policy file should be', breakIt: (root) => (rmSync(join(root, 'etc/kubernetes/audit-policy.yaml')), mkdirSync(join(root, 'etc/kubernetes/audit-policy.yaml'))), failing: 'hostpath-policy', message: /is a directory/ },
    { desc: 'a manifest the kubelet cannot parse', breakIt: (root) => writeFileSync(join(root, MANIFEST), 'apiVersion: v1\nkind: Pod\nspec: [\n'), failing: 'manifest', message: /line \d+/ },
  ];
  for (const c of broken) {
    test(`finds ${c.desc}`, () => {
      const node = tempNode(fixtureText('kubeadm-v1.29-baseline-yejinj.yaml'));
      try {
        enableAudit({ root: node.root, settings: {}, policy });
        assert.ok(!auditDoctor({ root: node.root, manifest: MANIFEST, path: '/nonexistent' }).some((x) => x.status === 'fail'), 'healthy before');
        c.breakIt(node.root);
        const checks = auditDoctor({ root: node.root, manifest: MANIFEST, path: '/nonexistent' });
        const check = checks.find((x) => x.id === c.failing);
        assert.equal(check?.status, 'fail', JSON.stringify(checks, null, 1));
        assert.match(check.message, c.message);
        assert.ok(check.fix, 'a failing check says how to fix it');
      } finally {
        node.cleanup();
      }
    });
  }

  test('a world-writable policy is a warning', () => {
    const node = tempNode(fixtureText('kubeadm-v1.29-baseline-yejinj.yaml'));
    try {
      enableAudit({ root: node.root, settings: {}, policy });
      chmodSync(join(node.root, 'etc/kubernetes/audit-policy.yaml'), 0o666);
      const check = auditDoctor({ root: node.root, manifest: MANIFEST, path: '/nonexistent' }).find((x) => x.id === 'hostpath-policy');
      assert.equal(check?.status, 'warn');
      assert.match(check.message, /world-writable/);
    } finally {
      node.cleanup();
    }
  });

  test('reads crictl and journalctl when they are on PATH', async () => {
    const node = tempNode(fixtureText('kubeadm-v1.29-baseline-yejinj.yaml'));
    const bin = mkdtempSync(join(tmpdir(), 'kubetrail-bin-'));
    try {
      enableAudit({ root: node.root, settings: {}, policy });
      writeFileSync(join(bin, 'crictl'), `#!/bin/sh\necho '{"containers":[{"state":"CONTAINER_RUNNING","createdAt":"1","metadata":{"attempt":0}},{"state":"CONTAINER_EXITED","createdAt":"2","metadata":{"attempt":4}}]}'\n`, { mode: 0o755 });
      writeFileSync(join(bin, 'journalctl'), '#!/bin/sh\necho \'E1203 10:00:00.000000 1 pod_workers.go:1300] "Error syncing pod" err="failed to start kube-apiserver"\'\n', { mode: 0o755 });
      const checks = auditDoctor({ root: node.root, manifest: MANIFEST, path: bin });
      const container = checks.find((x) => x.id === 'container');
      assert.equal(container?.status, 'fail');
      assert.match(container.message, /CONTAINER_EXITED \(attempt 4\)/);
      const kubelet = checks.find((x) => x.id === 'kubelet');
      assert.equal(kubelet?.status, 'fail');
      assert.match(kubelet.message, /Error syncing pod/);
      writeFileSync(join(bin, 'journalctl'), '#!/bin/sh\nexit 0\n', { mode: 0o755 });
      assert.equal(auditDoctor({ root: node.root, manifest: MANIFEST, path: bin }).find((x) => x.id === 'kubelet')?.status, 'skip', 'no journal lines: no kubelet here, not "no errors"');
      const none = auditDoctor({ root: node.root, manifest: MANIFEST, path: '/nonexistent' });
      assert.equal(none.find((x) => x.id === 'container')?.status, 'skip');
      const cli = await runCli(['doctor', '--root', node.root, '-o', 'json']);
      assert.ok([0, 1].includes(cli.code));
      assert.ok(Array.isArray(JSON.parse(cli.stdout).checks));
    } finally {
      node.cleanup();
      rmSync(bin, { recursive: true, force: true });
    }
  });
});
