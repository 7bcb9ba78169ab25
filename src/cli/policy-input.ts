/** Loading the policy a command is given, reporting problems as diagnostics. */
import { loadPolicy, parseKubernetesVersion, KubernetesVersionError, type KubernetesVersion, type LoadResult, type PolicyIssue } from '../audit/policy/index.js';
import { diagnostic, UsageError, type CliContext } from './context.js';
import { readFile } from 'node:fs/promises';
import { describeFsError, formatBytes, MAX_POLICY_BYTES } from './files.js';

export async function readPolicyBytes(file: string): Promise<Buffer> {
  let bytes: Buffer;
  try {
    bytes = file === '-' ? await readStdin(MAX_POLICY_BYTES) : await readFile(file);
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError(`${file}: cannot read policy file: ${describeFsError(err)}`);
  }
  if (bytes.length > MAX_POLICY_BYTES) {
    throw new UsageError(`${file}: ${formatBytes(bytes.length)} is too large for a policy file (the limit is ${formatBytes(MAX_POLICY_BYTES)})`);
  }
  return bytes;
}

export function kubernetesVersionOption(value: string | undefined): KubernetesVersion | undefined {
  if (value === undefined) return undefined;
  try {
    return parseKubernetesVersion(value);
  } catch (err) {
    if (err instanceof KubernetesVersionError) throw new UsageError(`--kubernetes-version: ${err.message}`);
    throw err;
  }
}

export function reportIssues(ctx: CliContext, file: string, issues: readonly PolicyIssue[], severity: 'error' | 'warning'): void {
  for (const issue of issues) {
    const text = issue.field === '' ? issue.message : `${issue.field}: ${issue.message}`;
    ctx.err.write(diagnostic(file, issue.line, issue.column, `${severity}: ${text}`));
  }
}

/**
 * A policy that kube-apiserver would load, or a negative answer (exit 1) with its
 * errors on stderr. Strict findings are warnings here: they do not change decisions.
 */
export async function loadPolicyForUse(ctx: CliContext, file: string, kubernetesVersion?: KubernetesVersion): Promise<LoadResult | null> {
  const bytes = await readPolicyBytes(file);
  const result = loadPolicy(bytes, { strict: false, kubernetesVersion });
  if (!result.loadable || result.policy === null) {
    reportIssues(ctx, file, result.errors, 'error');
    ctx.err.write(`kubetrail: ${file}: kube-apiserver would refuse this policy\n`);
    return null;
  }
  reportIssues(ctx, file, result.warnings, 'warning');
  return result;
}

/**
 * Standard input as a stream: /dev/stdin cannot be opened when stdin is a socket
 * (as under a process supervisor or child_process.spawn). Stops reading past the cap.
 */
async function readStdin(maxBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of process.stdin) {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string);
    total += buf.length;
    if (total > maxBytes) throw new UsageError(`-: standard input is larger than ${formatBytes(maxBytes)}: too large for a policy`);
    chunks.push(buf);
  }
  return Buffer.concat(chunks);
}
