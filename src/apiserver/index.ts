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
