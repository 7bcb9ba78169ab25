/**
 * The audit.k8s.io/v1 vocabulary, as kube-apiserver defines it in
 * k8s.io/apiserver/pkg/apis/audit/v1/types.go. Field names and JSON spellings are
 * kept exactly so that a value read from a log or a policy file maps one to one.
 */

export const AUDIT_API_VERSION = 'audit.k8s.io/v1';

/** Levels, lowest first: the order is meaningful (a level includes everything below it). */
export const LEVELS = ['None', 'Metadata', 'Request', 'RequestResponse'] as const;
export type Level = (typeof LEVELS)[number];

/** Stages in the order a request passes through them. */
export const STAGES = ['RequestReceived', 'ResponseStarted', 'ResponseComplete', 'Panic'] as const;
export type Stage = (typeof STAGES)[number];

export function isLevel(value: unknown): value is Level {
  return typeof value === 'string' && (LEVELS as readonly string[]).includes(value);
}

export function isStage(value: unknown): value is Stage {
  return typeof value === 'string' && (STAGES as readonly string[]).includes(value);
}

/** Compares levels: negative when a is less verbose than b. */
export function compareLevels(a: Level, b: Level): number {
  return LEVELS.indexOf(a) - LEVELS.indexOf(b);
}

export interface GroupResources {
  /** "" is the core group; "*" (Kubernetes 1.36+) is any group. */
  group: string;
  resources: string[];
  resourceNames: string[];
}

export interface PolicyRule {
  /**
   * As written in the file. Validation refuses anything but the four levels, so a
   * loaded policy only ever holds a Level here; a string keeps invalid input
   * representable for the validator and the linter.
   */
  level: string;
  users: string[];
  userGroups: string[];
  verbs: string[];
  resources: GroupResources[];
  namespaces: string[];
  nonResourceURLs: string[];
  omitStages: string[];
  /** undefined = not set on the rule, so the policy-wide value applies. */
  omitManagedFields: boolean | undefined;
}

export interface Policy {
  apiVersion: string;
  kind: string;
  metadata: Record<string, unknown>;
  rules: PolicyRule[];
  omitStages: string[];
  omitManagedFields: boolean;
}

export interface UserInfo {
  username?: string;
  uid?: string;
  groups?: string[];
  extra?: Record<string, string[]>;
}

export interface ObjectReference {
  resource?: string;
  namespace?: string;
  name?: string;
  uid?: string;
  apiGroup?: string;
  apiVersion?: string;
  resourceVersion?: string;
  subresource?: string;
}

export interface ResponseStatus {
  metadata?: Record<string, unknown>;
  status?: string;
  message?: string;
  reason?: string;
  details?: Record<string, unknown>;
  code?: number;
}

/** One audit.k8s.io/v1 Event as kube-apiserver writes it. */
export interface AuditEvent {
  kind?: string;
  apiVersion?: string;
  level: Level;
  auditID: string;
  stage: Stage;
  requestURI: string;
  verb: string;
  user: UserInfo;
  impersonatedUser?: UserInfo;
  authenticationMetadata?: { impersonationConstraint?: string };
  sourceIPs?: string[];
  userAgent?: string;
  objectRef?: ObjectReference;
  responseStatus?: ResponseStatus;
  requestObject?: unknown;
  responseObject?: unknown;
  requestReceivedTimestamp: string;
  stageTimestamp: string;
  annotations?: Record<string, string>;
}

export function emptyRule(): PolicyRule {
  return {
    level: '',
    users: [],
    userGroups: [],
    verbs: [],
    resources: [],
    namespaces: [],
    nonResourceURLs: [],
    omitStages: [],
    omitManagedFields: undefined,
  };
}
