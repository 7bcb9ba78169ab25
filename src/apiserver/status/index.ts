export { auditStatus, cisChecks } from './status.js';
export type { StatusReport, StatusOptions, PolicyFacts, CisResult } from './status.js';
export { auditDoctor } from './doctor.js';
export type { DoctorCheck, DoctorOptions, CheckStatus } from './doctor.js';
export { findApiserverProcesses, versionOfImage } from './inspect.js';
export type { ApiserverProcess, AuditFlagsView, LogBackend, FileFacts } from './inspect.js';
