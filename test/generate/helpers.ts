/** Shared by the generator's tests: policies to log through, and logs generated once per process. */
import { loadPolicy } from '../../src/audit/policy/index.js';
import { presetPolicyText } from '../../src/audit/policy/presets/index.js';
import type { AuditEvent, Policy } from '../../src/audit/types.js';
import { generateAuditLog } from '../../src/generate/index.js';

export const START_US = Date.parse('2026-11-23T10:00:00Z') * 1000;

export function policyOf(yaml: string): Policy {
  const loaded = loadPolicy(yaml, { strict: true });
  if (loaded.policy === null || !loaded.valid) throw new Error(`test policy does not load: ${JSON.stringify(loaded.errors)}`);
  return loaded.policy;
}

export const POLICIES = {
  recommended: policyOf(presetPolicyText('recommended')),
  /** Every stage of every request, with bodies and managedFields. */
  everything: policyOf('apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: RequestResponse\n'),
  metadata: policyOf('apiVersion: audit.k8s.io/v1\nkind: Policy\nomitStages: [RequestReceived]\nrules:\n- level: Metadata\n'),
  /** Drops some users and groups, Request for reads, omits ResponseStarted for watches only. */
  mixed: policyOf(
    'apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n' +
      '- level: None\n  userGroups: ["system:nodes"]\n' +
      '- level: None\n  users: ["system:apiserver"]\n' +
      '- level: Metadata\n  verbs: ["watch"]\n  omitStages: ["ResponseStarted"]\n' +
      '- level: Request\n  verbs: ["get", "list"]\n' +
      '- level: RequestResponse\n  resources: [{group: "apps"}, {group: ""}]\n  omitStages: ["RequestReceived"]\n  omitManagedFields: true\n' +
      '- level: Metadata\n',
  ),
} as const;

export type PolicyName = keyof typeof POLICIES;

const cache = new Map<string, string>();

/** The first `events` lines under a named policy (memoised: several tests read the same log). */
export function logText(policy: PolicyName, events: number, seed = 11, rate = 200): string {
  const key = `${policy}/${events}/${seed}/${rate}`;
  let text = cache.get(key);
  if (text === undefined) {
    text = generateAuditLog({ events, seed, rate, policy: POLICIES[policy], startUs: START_US });
    cache.set(key, text);
  }
  return text;
}

export function parseLog(text: string): AuditEvent[] {
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as AuditEvent);
}
