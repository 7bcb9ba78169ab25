/**
 * render and render --merge for kind, kubeadm, k0s and k3s: every real config in
 * ../shared/fixtures merges to one its tool accepts (checked against the tool's types),
 * with exactly the audit settings, every other line kept, and merging twice = once.
 */
import { strict as assert } from 'node:assert';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { auditFlagsFor, currentAuditArgs, defaultAuditSettings, mergeConfig, renderConfig, resolveSettings, validateConfig, type RenderTarget } from '../../src/apiserver/index.js';
import { runCli } from '../support/cli.js';
import { SHARED_DIR, SKIP_WITHOUT_SHARED, sharedPath } from '../support/paths.js';
import { changedLines as changed, tempNode } from './helpers.js';

const TARGETS: RenderTarget[] = ['kind', 'kubeadm', 'k0s', 'k3s'];
const OK_LINE = /audit|extraArgs|extraVolumes|extraMounts|hostPath|mountPath|containerPath|readOnly|pathType|name:|value:|kube-apiserver-arg|^\s*api:|apiServer|^\s*- \|$|kind: ClusterConfiguration|^\s*-\s*$/;


const POLICY_HOST = '/home/admin/audit-policy.yaml';

describe('render --merge on every real config', { skip: SKIP_WITHOUT_SHARED }, () => {
  for (const target of TARGETS) {
    const files = SHARED_DIR === null ? [] : readdirSync(sharedPath('fixtures', target)).sort();
    for (const file of files) {
      test(`${target}/${file}`, () => {
        const text = readFileSync(sharedPath('fixtures', target, file), 'utf8');
        const settings = resolveSettings({}, currentAuditArgs(target, text));
        const merged = mergeConfig(target, text, { settings, policyHostFile: POLICY_HOST });
        assert.deepEqual(validateConfig(target, merged.text), [], 'the tool accepts the result');
        const args = currentAuditArgs(target, merged.text);
        for (const [name, value] of auditFlagsFor(settings)) assert.equal(args.get(name), value, `--${name}`);
        const d = changed(text, merged.text);
        for (const l of [...d.added, ...d.removed]) assert.match(l, OK_LINE, `an unrelated line changed: ${JSON.stringify(l)}`);
        for (const l of d.removed) assert.match(l, /audit|apiServer: \{\}|: \{\}$/, `only audit values or empty {} are replaced: ${JSON.stringify(l)}`);
        const comments = (s: string) => s.split('\n').filter((l) => /^\s*#/.test(l)).length;
        assert.equal(comments(merged.text), comments(text), 'every comment kept');
        assert.equal(merged.text.endsWith('\n'), text.endsWith('\n') || !merged.changed, 'the final newline (or its absence) kept');
        const again = mergeConfig(target, merged.text, { settings, policyHostFile: POLICY_HOST });
        assert.equal(again.changed, false, 'merging twice is merging once');
      });
    }
  }

  test('a merge keeps the file\'s own extraArgs form and values it already has', () => {
    const v4 = readFileSync(sharedPath('fixtures/kubeadm/kubevirtci-v1beta4-list.yaml'), 'utf8');
    const settings = resolveSettings({}, currentAuditArgs('kubeadm', v4));
    assert.equal(settings.logPath, '/var/log/k8s-audit/k8s-audit.log', 'the existing log path is kept');
    const out = mergeConfig('kubeadm', v4, { settings }).text;
    assert.match(out, /- name: audit-log-maxage\n {4}value: "30"\n/);
    const k3s = readFileSync(sharedPath('fixtures/k3s/sec-detect-lab-audit-only.yaml'), 'utf8');
    const k3sOut = mergeConfig('k3s', k3s, { settings: resolveSettings({ logMaxSize: 200 }, currentAuditArgs('k3s', k3s)) }).text;
    assert.match(k3sOut, /  - "audit-log-maxsize=200"\n/, 'the double-quoted item is updated in its own quoting');
  });

  test('k0s without an api section gets one; kubeadm apiServer: {} is expanded', () => {
    const k0s = mergeConfig('k0s', readFileSync(sharedPath('fixtures/k0s/nikitamarchenko-no-api-section.yaml'), 'utf8'), { settings: defaultAuditSettings() }).text;
    assert.match(k0s, /\n {2}api:\n {4}extraArgs:\n {6}audit-log-format: json\n/);
    const kubeadm = mergeConfig('kubeadm', readFileSync(sharedPath('fixtures/kubeadm/comame-v1beta4-empty-apiserver.yaml'), 'utf8'), { settings: defaultAuditSettings() }).text;
    assert.match(kubeadm, /\napiServer:\n {2}extraArgs:\n {2}- name: audit-log-format\n/);
  });
});

describe('fresh renders pass their tool\'s types', () => {
  const cases: { target: RenderTarget; api?: 'v1beta3' | 'v1beta4'; logPath?: string }[] = [
    { target: 'kind' },
    { target: 'kind', api: 'v1beta4' },
    { target: 'kubeadm', api: 'v1beta3' },
    { target: 'kubeadm', api: 'v1beta4' },
    { target: 'k0s' },
    { target: 'k0s', logPath: '-' },
    { target: 'k3s' },
  ];
  for (const c of cases) {
    test(`${c.target}${c.api ? ` ${c.api}` : ''}${c.logPath ? ` --log-path ${c.logPath}` : ''}`, () => {
      const settings = defaultAuditSettings(c.logPath ? { logPath: c.logPath } : {});
      const out = renderConfig(c.target, { settings, policyHostFile: POLICY_HOST, kubeadmApi: c.api });
      assert.deepEqual(validateConfig(c.target, out), []);
      const args = currentAuditArgs(c.target, out);
      assert.deepEqual([...args.entries()].sort(), auditFlagsFor(settings).sort());
      if (c.logPath === '-') assert.equal(args.has('audit-log-maxsize'), false, 'no rotation flags when logging to stdout');
    });
  }
});

describe('the type checks reject what the tools reject', () => {
  const cases: { desc: string; target: RenderTarget; text: string; want: RegExp }[] = [
    { desc: 'kind: a misspelt node field', target: 'kind', text: 'kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\nnodes:\n- role: control-plane\n  extraMount: []\n', want: /nodes\[0\]\.extraMount: unknown field/ },
    { desc: 'kind: readOnly as a string', target: 'kind', text: 'kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\nnodes:\n- role: control-plane\n  extraMounts:\n  - hostPath: /a\n    containerPath: /b\n    readOnly: "yes"\n', want: /readOnly: must be true or false/ },
    { desc: 'kind: a patch with v1beta4 extraArgs as a map', target: 'kind', text: 'kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\nkubeadmConfigPatches:\n- |\n  apiVersion: kubeadm.k8s.io/v1beta4\n  kind: ClusterConfiguration\n  apiServer:\n    extraArgs:\n      audit-log-path: /x\n', want: /apiServer\.extraArgs: must be a list/ },
    { desc: 'kubeadm v1beta3: an unquoted number in extraArgs', target: 'kubeadm', text: 'apiVersion: kubeadm.k8s.io/v1beta3\nkind: ClusterConfiguration\napiServer:\n  extraArgs:\n    audit-log-maxage: 30\n', want: /audit-log-maxage: must be a string/ },
    { desc: 'kubeadm v1beta4: timeoutForControlPlane moved out of apiServer', target: 'kubeadm', text: 'apiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\napiServer:\n  timeoutForControlPlane: 4m\n', want: /unknown field "timeoutForControlPlane"/ },
    { desc: 'kubeadm: an extraVolume without mountPath', target: 'kubeadm', text: 'apiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\napiServer:\n  extraVolumes:\n  - name: a\n    hostPath: /a\n', want: /mountPath is required/ },
    { desc: 'k0s: an unknown spec.api field', target: 'k0s', text: 'apiVersion: k0s.k0sproject.io/v1beta1\nkind: ClusterConfig\nmetadata:\n  name: k0s\nspec:\n  api:\n    extraArg:\n      a: b\n', want: /spec\.api\.extraArg: unknown field/ },
    { desc: 'k3s: an unknown key', target: 'k3s', text: 'kube-apiserver-args:\n- audit-log-path=/x\n', want: /unknown field "kube-apiserver-args"/ },
  ];
  for (const c of cases) {
    test(c.desc, () => {
      const errors = validateConfig(c.target, c.text);
      assert.ok(errors.some((e) => c.want.test(`${e.path}: ${e.message}`)), JSON.stringify(errors));
      assert.ok(errors.every((e) => e.line >= 1));
    });
  }
});

describe('the render CLI', { skip: SKIP_WITHOUT_SHARED }, () => {
  test('--merge --write replaces the file; a second run changes nothing', async () => {
    const node = tempNode('');
    const dir = mkdtempSync(join(tmpdir(), 'kubetrail-render-'));
    try {
      const file = join(dir, 'config.yaml');
      copyFileSync(sharedPath('fixtures/k3s/k3s-cis-acceptance-master-nonewline.yaml'), file);
      const r = await runCli(['render', 'k3s', '--policy', node.policyFile, '--merge', file, '--write']);
      assert.equal(r.code, 0, r.stderr);
      const once = readFileSync(file, 'utf8');
      assert.match(once, /audit-log-maxage=30/);
      assert.deepEqual(readdirSync(dir), ['config.yaml'], 'no temp file left');
      const again = await runCli(['render', 'k3s', '--policy', node.policyFile, '--merge', file]);
      assert.equal(again.stdout, once);
    } finally {
      node.cleanup();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('refuses an invalid policy (exit 1) and an unknown target (exit 2)', async () => {
    const node = tempNode('');
    try {
      const bad = join(node.root, 'bad.yaml');
      (await import('node:fs')).writeFileSync(bad, 'apiVersion: audit.k8s.io/v1\nkind: Policy\nrules: []\n');
      const r = await runCli(['render', 'kind', '--policy', bad]);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /bad\.yaml:\d+:\d+: /);
      const u = await runCli(['render', 'minikube', '--policy', node.policyFile]);
      assert.equal(u.code, 2);
      assert.match(u.stderr, /unknown target; use one of kind, kubeadm, k0s, k3s/);
    } finally {
      node.cleanup();
    }
  });
});
