/** The audit.k8s.io/v1 vocabulary, request attributes, and the policy engine. */
export { AUDIT_API_VERSION, LEVELS, STAGES, isLevel, isStage, compareLevels, emptyRule } from './types.js';
export type { AuditEvent, GroupResources, Level, ObjectReference, Policy, PolicyRule, ResponseStatus, Stage, UserInfo } from './types.js';
export { attributesFromEvent, attributesFromScanned, parseRequestURI, requestAttributesFromJSON, RequestAttributesError, describeJSONType } from './request.js';
export type { RequestAttributes, RequestInfo } from './request.js';
export * as policy from './policy/index.js';
export { scanEvent, scanFields, fieldsOfParsed, ALL_FIELDS, MAX_DEPTH } from './event-scan.js';
export type { ScannedEvent, ScanField } from './event-scan.js';
