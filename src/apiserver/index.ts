/**
 * Turning audit on where kube-apiserver runs: the audit flags, static-pod manifest patch
 * and unpatch, renderers for kind / kubeadm / k0s / k3s, status and doctor.
 */
export {
  AUDIT_FLAG_NAMES,
  AUDIT_BOOLEAN_FLAGS,
  APISERVER_LOG_DEFAULTS,
  CIS_DEFAULTS,
  auditFlagMap,
  auditFlagsFor,
  defaultAuditSettings,
  isAuditFlag,
  readFlags,
} from './audit-flags.js';
export type { AuditLogFormat, AuditSettings, FoundFlag } from './audit-flags.js';
export { ManifestError, isManifestError } from './manifest/errors.js';
export type { ManifestErrorCode } from './manifest/errors.js';
export { readApiserverManifest, isApiserverArgv } from './manifest/locate.js';
export type { ApiserverManifest } from './manifest/locate.js';
export { patchManifest, unpatchManifest, pathNeeds, isUnder } from './manifest/patch.js';
export type { ManifestChanges, PatchResult, PathNeed, PathRole } from './manifest/patch.js';
export { resolveHostPath } from './host-root.js';
export { enableAudit, disableAudit, rollbackManifest, latestBackup, resolveSettings, WRITE_STEPS, DEFAULT_MANIFEST, DEFAULT_BACKUP_DIR } from './enable.js';
export type { EnableOptions, HostOptions, ManifestResult, WriteStep, FileChange } from './enable.js';
export { auditStatus, auditDoctor, cisChecks, findApiserverProcesses, versionOfImage } from './status/index.js';
export type { StatusReport, StatusOptions, DoctorCheck, DoctorOptions, CheckStatus, ApiserverProcess, AuditFlagsView, LogBackend } from './status/index.js';
export { renderConfig, mergeConfig, currentAuditArgs, validateConfig, RENDER_TARGETS } from './render/index.js';
export type { RenderTarget, RenderOptions, MergeResult, KubeadmApi, SchemaError } from './render/index.js';
