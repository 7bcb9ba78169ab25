/**
 * patchManifest / unpatchManifest over every real manifest in ../shared/fixtures: the
 * result parses, says exactly what was asked, mounts what it needs, and changes nothing
 * else; twice is once; enable then disable gives back the original bytes.
 */
import { strict as assert } from 'node:assert';
import { describe, test } from 'node:test';
import { auditFlagMap, auditFlagsFor, defaultAuditSettings, isUnder, patchManifest, readApiserverManifest, unpatchManifest, type AuditSettings } from '../../src/apiserver/index.js';
import { SKIP_WITHOUT_SHARED } from '../support/paths.js';
import { changedLines, fixtureText, manifestFixtures } from './helpers.js';

/** Lines a patch may add or remove: audit flags, and the lines of audit mounts and volumes. */
const AUDIT_LINE = /audit|^\s*(- )?\s*(mountPath|name|readOnly|hostPath|path|type):|^\s*- hostPath:\s*$/;


function checkMounted(text: string, settings: AuditSettings): void {
  const m = readApiserverManifest(text);
  const paths = [settings.policyPath, ...(settings.logPath && settings.logPath !== '-' ? [settings.logPath.slice(0, settings.logPath.lastIndexOf('/'))] : [])];
  for (const p of paths) {
    const mount = m.mounts.items.find((mt) => mt.mountPath !== null && isUnder(p, mt.mountPath));
    assert.ok(mount, `${p} is inside a volumeMount`);
    const volume = m.volumes.items.find((v) => v.name === mount.name);
    assert.ok(volume?.hostPath, `the mount of ${p} is a hostPath volume`);
  }
}

const fixtures = manifestFixtures();
const positives = fixtures.filter((f) => !f.startsWith('negative-'));
const HAD_AUDIT = /audit/;

describe('patchManifest on every real manifest', { skip: SKIP_WITHOUT_SHARED }, () => {
  for (const file of positives) {
    test(file, () => {
      const original = fixtureText(file);
      const settings = defaultAuditSettings();
      const once = patchManifest(original, settings);
      assert.equal(once.changed, true);
      // It parses as a kube-apiserver Pod and has exactly the flags asked for.
      const flags = auditFlagMap(readApiserverManifest(once.text).argv);
      for (const [name, value] of auditFlagsFor(settings)) assert.equal(flags.get(name), value, `--${name}`);
      checkMounted(once.text, settings);
      // Only audit lines changed; everything else is byte for byte the same.
      const { added, removed } = changedLines(original, once.text);
      for (const l of [...added, ...removed]) assert.match(l, AUDIT_LINE, `an unrelated line changed: ${JSON.stringify(l)}`);
      assert.equal(once.text.endsWith('\n'), original.endsWith('\n'), 'the final newline (or its absence) is kept');
      // Twice is once.
      const twice = patchManifest(once.text, settings);
      assert.equal(twice.changed, false);
      assert.equal(twice.text, once.text);
      // Changing one value changes one line.
      const maxage = patchManifest(once.text, { ...settings, logMaxAge: 45 });
      const d = changedLines(once.text, maxage.text);
      assert.deepEqual(d.added.map((l) => l.trim()), ['- --audit-log-maxage=45']);
      assert.equal(d.removed.length, 1);
      // Enable then disable: the original bytes, for manifests without audit before.
      const off = unpatchManifest(once.text);
      assert.ok(!readApiserverManifest(off.text).argv.some((a) => a.startsWith('--audit-')), 'no audit flag remains');
      if (!HAD_AUDIT.test(original)) assert.equal(off.text, original, 'enable then disable restores the exact bytes');
      else assert.equal(unpatchManifest(off.text).changed, false, 'disable twice is once');
    });
  }
});

describe('patchManifest details', { skip: SKIP_WITHOUT_SHARED }, () => {
  test('flags go into args: when the container has command [kube-apiserver] plus args', () => {
    const original = fixtureText('custom-v1.23-command-args-fr-solution.yaml');
    const out = patchManifest(original, defaultAuditSettings()).text;
    const m = readApiserverManifest(out);
    assert.deepEqual(m.command?.items.map((i) => i.value), ['kube-apiserver']);
    assert.ok(m.args?.items.some((i) => i.value === '--audit-log-path=/var/log/kubernetes/audit/audit.log'));
    assert.match(out, /\n {6}- --audit-log-path=\/var\/log\/kubernetes\/audit\/audit\.log\n/, 'indented like its neighbours (+2 under args)');
  });

  test('sorted kubeadm flags get new flags in sorted position; volumes follow the list key order', () => {
    const original = fixtureText('kubeadm-v1.29-baseline-yejinj.yaml');
    const m = readApiserverManifest(patchManifest(original, defaultAuditSettings()).text);
    const flags = m.argv.slice(1);
    assert.deepEqual(flags, [...flags].sort());
    const text = patchManifest(original, defaultAuditSettings()).text;
    assert.match(text, /  - hostPath:\n      path: \/etc\/kubernetes\/audit-policy\.yaml\n      type: File\n    name: audit-policy\n/);
    assert.match(text, / {4}- mountPath: \/var\/log\/kubernetes\/audit\n {6}name: audit-log\n/);
  });

  test('a path already under a hostPath mount reuses it (policy inside /etc/kubernetes/pki)', () => {
    const original = fixtureText('kubeadm-v1.22-audit-webhook-lionelstellar.yaml');
    const r = patchManifest(original, defaultAuditSettings({ policyPath: '/etc/kubernetes/pki/audit-policy.yaml', webhookConfigPath: '/etc/kubernetes/pki/audit-webhook.yaml' }));
    assert.equal(r.changes.hostPaths.policy, '/etc/kubernetes/pki/audit-policy.yaml');
    assert.ok(!r.changes.mountsAdded.includes('audit-policy'), 'no new mount for the policy');
    assert.equal(auditFlagMap(readApiserverManifest(r.text).argv).get('audit-webhook-config-file'), '/etc/kubernetes/pki/audit-webhook.yaml');
  });

  test('a separate-value flag (--flag value) is updated in place', () => {
    const original = fixtureText('kubeadm-v1.29-baseline-yejinj.yaml').replace('    - --allow-privileged=true\n', '    - --allow-privileged=true\n    - --audit-log-maxage\n    - "7"\n');
    const r = patchManifest(original, defaultAuditSettings());
    assert.match(r.text, /- --audit-log-maxage\n {4}- "30"\n/);
    assert.deepEqual(r.changes.flagsUpdated, [{ name: 'audit-log-maxage', from: '7', to: '30' }]);
  });

  test('the log to stdout (-) gets no rotation flags and no log mount', () => {
    const r = patchManifest(fixtureText('minikube-v1.32-harounjlassi.yaml'), defaultAuditSettings({ logPath: '-' }));
    const flags = auditFlagMap(readApiserverManifest(r.text).argv);
    assert.equal(flags.get('audit-log-path'), '-');
    assert.equal(flags.has('audit-log-maxsize'), false);
    assert.deepEqual(r.changes.mountsAdded, ['audit-policy']);
  });
});

describe('bad input is refused, naming what and where', { skip: SKIP_WITHOUT_SHARED }, () => {
  const base = () => fixtureText('kubeadm-v1.29-baseline-yejinj.yaml');
  const cases: { desc: string; text: () => string; settings?: Partial<AuditSettings>; code: string; message: RegExp; line?: number }[] = [
    { desc: 'a DaemonSet (self-hosted control plane)', text: () => fixtureText('negative-daemonset-bootkube-v1.5-timjones.yaml'), code: 'NOT_APISERVER_POD', message: /DaemonSet, not a Pod/, line: 2 },
    { desc: 'a truncated manifest', text: () => fixtureText('negative-truncated-minikube-michaelkedey.yaml'), code: 'NOT_APISERVER_POD', message: /no image.*truncated/ },
    { desc: 'malformed YAML', text: () => base().replace('  hostNetwork: true', '  hostNetwork: [true'), code: 'BAD_YAML', message: /not valid YAML/ },
    { desc: 'a Pod without a kube-apiserver container', text: () => base().replace(/kube-apiserver/g, 'etcd'), code: 'NOT_APISERVER_POD', message: /no kube-apiserver container/ },
    { desc: 'a path with spaces', text: base, settings: { policyPath: '/etc/kubernetes/audit policy.yaml' }, code: 'BAD_VALUE', message: /whitespace/ },
    { desc: 'a relative path', text: base, settings: { logPath: 'var/log/audit.log' }, code: 'BAD_VALUE', message: /absolute/ },
    {
      desc: 'volume names taken by volumes kubetrail did not make',
      text: () => base().replace('    name: ca-certs\n', '    name: audit-policy\n').replace('    name: etc-pki\n', '    name: kubetrail-audit-policy\n').replace('      name: ca-certs\n', '      name: audit-policy\n').replace('      name: etc-pki\n', '      name: kubetrail-audit-policy\n'),
      code: 'UNSUPPORTED',
      message: /both taken/,
    },
    {
      desc: 'a read-only mount where the log must be written',
      text: () => base().replace('    - mountPath: /etc/pki\n', '    - mountPath: /var/log/kubernetes/audit\n'),
      code: 'UNSUPPORTED',
      message: /readOnly/,
    },
    { desc: 'two documents', text: () => `${base()}---\n${base()}`, code: 'NOT_APISERVER_POD', message: /2 YAML documents/ },
  ];
  for (const c of cases) {
    test(c.desc, () => {
      assert.throws(
        () => patchManifest(c.text(), defaultAuditSettings(c.settings ?? {})),
        (err: Error & { code?: string; line?: number | null }) => {
          assert.equal(err.code, c.code, err.message);
          assert.match(err.message, c.message);
          if (c.line !== undefined) assert.equal(err.line, c.line);
          return true;
        },
      );
    });
  }
});
