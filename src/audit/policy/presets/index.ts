/**
 * Ready-made audit policies (`kubetrail policy init --preset NAME`). Each is YAML
 * text with every rule commented with why it is there, so the file a user starts
 * from explains itself. Each preset loads valid under strict checking and lints
 * clean except for the findings it lists as accepted, with reasons
 * (test/audit/policy/presets.test.ts holds every preset to that).
 */
import { K0S_ACCEPTED_FINDINGS, K0S_DESCRIPTION, K0S_POLICY } from './k0s.js';
import { METADATA_ACCEPTED_FINDINGS, METADATA_DESCRIPTION, METADATA_POLICY } from './metadata.js';
import { MINIMAL_ACCEPTED_FINDINGS, MINIMAL_DESCRIPTION, MINIMAL_POLICY } from './minimal.js';
import { RECOMMENDED_ACCEPTED_FINDINGS, RECOMMENDED_DESCRIPTION, RECOMMENDED_POLICY } from './recommended.js';
import type { AcceptedFinding } from './types.js';
import { WRITES_ONLY_ACCEPTED_FINDINGS, WRITES_ONLY_DESCRIPTION, WRITES_ONLY_POLICY } from './writes-only.js';

export type { AcceptedFinding } from './types.js';

export const PRESET_NAMES = ['minimal', 'metadata', 'recommended', 'k0s', 'writes-only'] as const;
export type PresetName = (typeof PRESET_NAMES)[number];

export function isPresetName(value: unknown): value is PresetName {
  return typeof value === 'string' && (PRESET_NAMES as readonly string[]).includes(value);
}

const TEXTS: Record<PresetName, string> = {
  minimal: MINIMAL_POLICY,
  metadata: METADATA_POLICY,
  recommended: RECOMMENDED_POLICY,
  k0s: K0S_POLICY,
  'writes-only': WRITES_ONLY_POLICY,
};

/** One line per preset, for `policy init --list`. */
export const PRESET_DESCRIPTIONS: Readonly<Record<PresetName, string>> = {
  minimal: MINIMAL_DESCRIPTION,
  metadata: METADATA_DESCRIPTION,
  recommended: RECOMMENDED_DESCRIPTION,
  k0s: K0S_DESCRIPTION,
  'writes-only': WRITES_ONLY_DESCRIPTION,
};

/** Lint findings each preset keeps on purpose, by finding id, with the reason. */
export const ACCEPTED_FINDINGS: Readonly<Record<PresetName, readonly AcceptedFinding[]>> = {
  minimal: MINIMAL_ACCEPTED_FINDINGS,
  metadata: METADATA_ACCEPTED_FINDINGS,
  recommended: RECOMMENDED_ACCEPTED_FINDINGS,
  k0s: K0S_ACCEPTED_FINDINGS,
  'writes-only': WRITES_ONLY_ACCEPTED_FINDINGS,
};

/** The preset's policy as commented YAML (audit.k8s.io/v1 Policy), exactly as `policy init` prints it. */
export function presetPolicyText(name: PresetName): string {
  return TEXTS[name];
}
