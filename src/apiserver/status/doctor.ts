/**
 * auditDoctor: the troubleshooting people do by hand when audit does not come up, as a
 * list of checks, each with what it found and how to fix it. The common failures: a path
 * that is not inside any volume (kube-apiserver exits "no such file" and the kubelet
 * restarts it forever), a hostPath of the wrong type, a policy that does not load, a log
 * directory mounted read-only, and a manifest the kubelet cannot parse.
 */
import { accessSync, constants, readFileSync, statSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { lintPolicySource } from '../../audit/policy/index.js';
import { resolveHostPath } from '../host-root.js';
import { isUnder, pathNeeds } from '../manifest/patch.js';
import { manifestMapping, readManifestSource, versionOfImage, viewAuditFlags } from './inspect.js';

export type CheckStatus = 'ok' | 'warn' | 'fail' | 'skip';

export interface DoctorCheck {
  id: string;
  status: CheckStatus;
  message: string;
  /** What to do about it (for warn and fail). */
  fix?: string;
}

export interface DoctorOptions {
  root: string;
  manifest: string;
  /** PATH for crictl and journalctl (tests put small real programs first). */
  path?: string;
  now?: Date;
}

function run(cmd: string, args: string[], path: string | undefined): { ok: boolean; missing: boolean; stdout: string; stderr: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 10_000, env: { ...process.env, PATH: path ?? process.env.PATH ?? '' } });
  if (r.error && (r.error as NodeJS.ErrnoException).code === 'ENOENT') return { ok: false, missing: true, stdout: '', stderr: '' };
  return { ok: r.status === 0, missing: false, stdout: r.stdout ?? '', stderr: r.stderr ?? (r.error?.message ?? '') };
}

const FIFTEEN_MINUTES = 15 * 60_000;

export function auditDoctor(opts: DoctorOptions): DoctorCheck[] {
  const checks: DoctorCheck[] = [];
  const add = (c: DoctorCheck) => checks.push(c);
  const src = readManifestSource(opts.root, opts.manifest);
  if (!src.found && src.error === null) {
    add({ id: 'manifest', status: 'fail', message: `no manifest at ${opts.manifest}`, fix: 'point --manifest at the kube-apiserver static pod manifest (kubeadm: /etc/kubernetes/manifests/kube-apiserver.yaml), and --root at the node\'s root when running in a pod' });
    return checks;
  }
  if (src.manifest === null) {
    const where = src.error?.line != null ? ` (line ${src.error.line}, column ${src.error.column})` : '';
    add({ id: 'manifest', status: 'fail', message: `${opts.manifest}${where}: ${src.error?.message}`, fix: 'the kubelet cannot run this file either: restore it with kubetrail rollback, or fix the named line' });
    return checks;
  }
  const m = src.manifest;
  add({ id: 'manifest', status: 'ok', message: `${opts.manifest} is a Pod with a kube-apiserver container (${m.image})` });
  const mapping = manifestMapping(opts.root, m);
  const view = viewAuditFlags(m.argv, mapping, versionOfImage(m.image));
  if (!view.on) {
    add({ id: 'audit-flags', status: 'fail', message: view.policyPath === null ? 'no --audit-policy-file: audit is off' : 'a policy but neither --audit-log-path nor --audit-webhook-config-file: no backend receives events', fix: 'kubetrail enable --policy POLICY.yaml' });
  } else {
    add({ id: 'audit-flags', status: 'ok', message: `audit is on: policy ${view.policyPath}${view.log ? `, log ${view.log.path}` : ''}${view.webhookConfigPath ? `, webhook ${view.webhookConfigPath}` : ''}` });
  }

  // Every audit path inside a mounted hostPath volume of the right kind.
  const needs = view.policyPath === null ? [] : pathNeeds({ policyPath: view.policyPath, logPath: view.log?.path ?? null, webhookConfigPath: view.webhookConfigPath });
  for (const need of needs) {
    const mount = m.mounts.items.filter((mt) => mt.mountPath !== null && isUnder(need.path, mt.mountPath)).sort((a, b) => b.mountPath!.length - a.mountPath!.length)[0];
    const id = `mount-${need.role}`;
    if (mount === undefined) {
      add({ id, status: 'fail', message: `${need.path} (${need.role}) is not inside any volumeMount: inside the container it does not exist`, fix: `mount it: kubetrail enable adds a hostPath volume for it` });
      continue;
    }
    if (mount.readOnly && !need.readOnly) {
      add({ id, status: 'fail', message: `the log directory ${need.path} is under the readOnly mount ${mount.mountPath}: kube-apiserver cannot write the log`, fix: `set readOnly: false on the ${mount.name} mount, or log elsewhere` });
      continue;
    }
    const volume = m.volumes.items.find((v) => v.name === mount.name);
    if (!volume?.hostPath) {
      add({ id, status: volume ? 'warn' : 'fail', message: volume ? `${need.path} is mounted from ${mount.name}, which is not a hostPath volume` : `the mount ${mount.name} of ${need.path} has no volume of that name`, fix: 'add the volume, or mount a hostPath' });
      continue;
    }
    const rest = need.path.replace(/\/+$/, '').slice(mount.mountPath!.replace(/\/+$/, '').length);
    const hostPath = volume.hostPath.path.replace(/\/+$/, '') + rest;
    add({ id, status: 'ok', message: `${need.path} is mounted from the node's ${hostPath} (volume ${volume.name}${volume.hostPath.type ? `, type ${volume.hostPath.type}` : ''})` });
    let local: string;
    try {
      local = resolveHostPath(opts.root, hostPath, 'path');
    } catch (err) {
      add({ id: `hostpath-${need.role}`, status: 'fail', message: (err as Error).message });
      continue;
    }
    let st;
    try {
      st = statSync(local);
    } catch {
      st = null;
    }
    const isDirNeed = need.type === 'DirectoryOrCreate';
    if (st === null) {
      const creates = volume.hostPath.type === 'DirectoryOrCreate' || volume.hostPath.type === 'FileOrCreate';
      add({ id: `hostpath-${need.role}`, status: isDirNeed && creates ? 'warn' : 'fail', message: `${hostPath} does not exist on the node${isDirNeed && creates ? ' (the kubelet creates it at start)' : ''}`, fix: need.role === 'policy' ? 'install the policy there (kubetrail enable does)' : `create ${hostPath}` });
      continue;
    }
    if (isDirNeed ? !st.isDirectory() : !st.isFile()) {
      add({ id: `hostpath-${need.role}`, status: 'fail', message: `${hostPath} is ${st.isDirectory() ? 'a directory' : 'not a directory'}, the ${need.role} needs a ${isDirNeed ? 'directory' : 'file'}`, fix: `replace ${hostPath} with a ${isDirNeed ? 'directory' : 'file'}` });
      continue;
    }
    if (!isDirNeed && (st.mode & 0o002) !== 0) {
      add({ id: `hostpath-${need.role}`, status: 'warn', message: `${hostPath} is world-writable (mode ${(st.mode & 0o777).toString(8)}): anyone on the node can change what is audited`, fix: `chmod 600 ${hostPath}` });
    } else {
      add({ id: `hostpath-${need.role}`, status: 'ok', message: `${hostPath} is a ${isDirNeed ? 'directory' : 'file'} (mode ${(st.mode & 0o777).toString(8)})` });
    }
    if (need.role === 'policy') {
      let bytes: Buffer | null = null;
      try {
        bytes = readFileSync(local);
      } catch (err) {
        add({ id: 'policy', status: 'fail', message: `${hostPath} cannot be read: ${(err as Error).message}`, fix: `chmod 600 ${hostPath} (owned by root)` });
      }
      if (bytes !== null) {
        const lint = lintPolicySource(bytes);
        const errors = lint.findings.filter((f) => f.severity === 'error');
        if (!lint.loadable) add({ id: 'policy', status: 'fail', message: `${hostPath} does not load in kube-apiserver: ${errors.slice(0, 3).map((f) => `line ${f.line}: ${f.message}`).join('; ')}`, fix: `kubetrail policy validate -f ${hostPath}` });
        else add({ id: 'policy', status: errors.length > 0 ? 'warn' : 'ok', message: `${hostPath} loads; lint: ${errors.length} errors, ${lint.findings.filter((f) => f.severity === 'warning').length} warnings${errors[0] ? ` (first: line ${errors[0].line}: ${errors[0].message})` : ''}`, fix: errors.length > 0 ? `kubetrail policy lint -f ${hostPath}` : undefined });
      }
    }
    if (need.role === 'log') {
      try {
        accessSync(local, constants.W_OK);
        add({ id: 'log-writable', status: 'ok', message: `${hostPath} is writable` });
      } catch {
        add({ id: 'log-writable', status: 'fail', message: `${hostPath} is not writable`, fix: `chmod 700 ${hostPath} (owned by root)` });
      }
      const file = view.log?.file;
      if (file?.exists && file.modified) {
        const age = (opts.now ?? new Date()).getTime() - Date.parse(file.modified);
        add({ id: 'log-growing', status: age <= FIFTEEN_MINUTES ? 'ok' : 'warn', message: `${view.log!.path}: ${file.size} bytes, last written ${file.modified}`, fix: age > FIFTEEN_MINUTES ? 'kube-apiserver has not written the log for 15 minutes: is it running with these flags? (check crictl ps, and that the policy does not log None for everything)' : undefined });
      } else {
        add({ id: 'log-growing', status: 'warn', message: `${view.log?.path} does not exist yet`, fix: 'kube-apiserver creates it on its first audited request: wait a minute after the restart, else check the container state below' });
      }
    }
    if (need.role === 'webhook') {
      let server: string | null = null;
      try {
        server = /^\s*server:\s*["']?([^"'\s]+)/m.exec(readFileSync(local, 'utf8'))?.[1] ?? null;
      } catch {
        server = null;
      }
      add({ id: 'webhook-config', status: server ? 'ok' : 'fail', message: server ? `the webhook kubeconfig sends to ${server}` : `${hostPath} names no cluster server`, fix: server ? undefined : 'generate one with kubetrail webhook-config' });
    }
  }

  // The container runtime and the kubelet, when their tools are here.
  const crictl = run('crictl', ['ps', '-a', '--name', 'kube-apiserver', '-o', 'json'], opts.path);
  if (crictl.missing) add({ id: 'container', status: 'skip', message: 'crictl is not installed here: container state not checked' });
  else if (!crictl.ok) add({ id: 'container', status: 'warn', message: `crictl failed: ${crictl.stderr.trim().split('\n')[0]}` });
  else {
    try {
      const containers = (JSON.parse(crictl.stdout).containers ?? []) as Array<{ state?: string; createdAt?: string; metadata?: { attempt?: number } }>;
      containers.sort((a, b) => Number(b.createdAt ?? 0) - Number(a.createdAt ?? 0));
      const latest = containers[0];
      if (latest === undefined) add({ id: 'container', status: 'fail', message: 'no kube-apiserver container exists', fix: 'the kubelet did not start it: check journalctl -u kubelet for manifest errors' });
      else if (latest.state === 'CONTAINER_RUNNING') add({ id: 'container', status: 'ok', message: `kube-apiserver is running (attempt ${latest.metadata?.attempt ?? 0})` });
      else add({ id: 'container', status: 'fail', message: `the latest kube-apiserver container is ${latest.state ?? 'in an unknown state'} (attempt ${latest.metadata?.attempt ?? 0})`, fix: 'crictl logs on it shows why it exited (often: an audit path that is not mounted, or a policy that does not load)' });
    } catch {
      add({ id: 'container', status: 'warn', message: 'crictl printed something that is not JSON' });
    }
  }
  const journal = run('journalctl', ['-u', 'kubelet', '--since', '-10min', '--no-pager', '-o', 'cat'], opts.path);
  if (journal.missing) add({ id: 'kubelet', status: 'skip', message: 'journalctl is not installed here: kubelet errors not checked' });
  else if (journal.stdout.trim() === '') add({ id: 'kubelet', status: 'skip', message: 'no kubelet journal entries in the last 10 minutes (no kubelet on this machine, or it logs elsewhere)' });
  else {
    const errors = journal.stdout.split('\n').filter((l) => /kube-apiserver/.test(l) && /(^E\d{4}|error|failed)/i.test(l));
    add({ id: 'kubelet', status: errors.length === 0 ? 'ok' : 'fail', message: errors.length === 0 ? 'no kubelet errors about kube-apiserver in the last 10 minutes' : `${errors.length} kubelet errors about kube-apiserver in the last 10 minutes; first: ${errors[0].slice(0, 300)}`, fix: errors.length > 0 ? 'journalctl -u kubelet --since -10min' : undefined });
  }
  return checks;
}
