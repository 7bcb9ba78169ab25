/**
 * Writing audit events: one JSON line per stage, assembled from precomputed fragments
 * in the field order of audit.k8s.io/v1 Event (kind, apiVersion, level, auditID, stage,
 * requestURI, verb, user, impersonatedUser, sourceIPs, userAgent, objectRef,
 * responseStatus, requestObject, responseObject, requestReceivedTimestamp,
 * stageTimestamp, annotations), omitting empty fields as Go's omitempty does.
 *
 * What each stage holds follows kube-apiserver's audit filter:
 * - RequestReceived is written before the request is authorized or decoded: no
 *   impersonatedUser, no responseStatus, no bodies, no annotations, and objectRef has
 *   only what the URL says (a create has no name yet);
 * - ResponseStarted (long-running requests, failed authentication) and ResponseComplete
 *   carry the response status and the authorization annotations; ResponseComplete also
 *   the bodies the level allows (Request: requestObject; RequestResponse: both).
 */
import type { AuditDecision } from '../audit/policy/decision.js';
import type { Level, Stage } from '../audit/types.js';
import { auditIDFor } from './activity.js';
import { renderedParts, type Plan } from './plan.js';
import type { SeedWords } from './random.js';
import { goJSONString, microTime } from './text.js';

const HEAD = '{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"';

export const STAGE_RANK: Record<Stage, number> = { RequestReceived: 0, ResponseStarted: 1, ResponseComplete: 2, Panic: 3 };

/** The stages a plan produces, before the policy's omitStages. */
export function planStages(plan: Plan): Stage[] {
  if (plan.authFailed) return ['ResponseStarted'];
  return plan.startedUs >= 0 ? ['RequestReceived', 'ResponseStarted', 'ResponseComplete'] : ['RequestReceived', 'ResponseComplete'];
}

export function stageTime(plan: Plan, stage: Stage): number {
  switch (stage) {
    case 'RequestReceived':
      return plan.receivedUs;
    case 'ResponseStarted':
      return plan.startedUs;
    default:
      return plan.completeUs;
  }
}

/** How many lines a plan writes under a decision. */
export function lineCount(plan: Plan, decision: AuditDecision): number {
  if (decision.level === 'None') return 0;
  let n = 0;
  for (const s of planStages(plan)) if (!decision.omitStages.includes(s)) n++;
  return n;
}

function objectRef(plan: Plan, complete: boolean): string {
  const a = plan.attrs;
  if (!a.resourceRequest) return '';
  let s = `,"objectRef":{"resource":${goJSONString(a.resource)}`;
  if (a.namespace !== '') s += `,"namespace":${goJSONString(a.namespace)}`;
  const name = a.name !== '' ? a.name : complete ? plan.refName : '';
  if (name !== '') s += `,"name":${goJSONString(name)}`;
  if (complete && plan.refUid !== '') s += `,"uid":"${plan.refUid}"`;
  if (a.apiGroup !== '') s += `,"apiGroup":"${a.apiGroup}"`;
  if (a.apiVersion !== '') s += `,"apiVersion":"${a.apiVersion}"`;
  if (complete && plan.refResourceVersion !== '') s += `,"resourceVersion":"${plan.refResourceVersion}"`;
  if (a.subresource !== '') s += `,"subresource":${goJSONString(a.subresource)}`;
  return `${s}}`;
}

/** One audit event line (without the newline) for a stage the decision keeps. */
export function renderEvent(plan: Plan, stage: Stage, decision: AuditDecision, seed: SeedWords): string {
  const level: Level = decision.level;
  const parts = renderedParts(plan, () => auditIDFor(seed, plan.slot, plan.sub));
  const received = microTime(plan.receivedUs);
  let s = `${HEAD}${level}","auditID":"${parts.auditID}","stage":"${stage}","requestURI":${parts.uriJSON},"verb":"${plan.verb}",${plan.identity.userPart}`;
  if (stage === 'RequestReceived') {
    s += plan.identity.clientPart + objectRef(plan, false);
    return `${s},"requestReceivedTimestamp":"${received}","stageTimestamp":"${received}"}`;
  }
  s += `${plan.impersonated}${plan.identity.clientPart}${objectRef(plan, true)},"responseStatus":${parts.statusJSON}`;
  if (stage === 'ResponseComplete' && level !== 'Metadata') {
    if (plan.requestBody !== null) s += `,"requestObject":${plan.requestBody(decision.omitManagedFields)}`;
    if (level === 'RequestResponse' && plan.responseBody !== null) s += `,"responseObject":${plan.responseBody(decision.omitManagedFields)}`;
  }
  s += `,"requestReceivedTimestamp":"${received}","stageTimestamp":"${microTime(stage === 'ResponseStarted' ? plan.startedUs : plan.completeUs)}"`;
  return parts.annotations === '' ? `${s}}` : `${s},"annotations":{${parts.annotations}}}`;
}
