/**
 * Every generated line is an audit.k8s.io/v1 Event as kube-apiserver writes it, and the
 * log is what kube-apiserver would write under the policy: each event's level is the
 * policy's decision for the event's own attributes (attributesFromEvent: the
 * authenticated user, the URI as the request info parser reads it), no stage the policy
 * omits appears, bodies only where the level allows, stages paired by auditID, and
 * stage timestamps in file order.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { isDeepStrictEqual } from 'node:util';
import { compilePolicy } from '../../src/audit/policy/index.js';
import { attributesFromEvent, parseRequestURI } from '../../src/audit/request.js';
import { LEVELS, STAGES, type AuditEvent } from '../../src/audit/types.js';
import { LogGenerator, planLog } from '../../src/generate/index.js';
import { planStages, renderEvent } from '../../src/generate/emit.js';
import { planSlot } from '../../src/generate/lanes.js';
import { forEachLaneSlot, LANE_INDEX } from '../../src/generate/schedule.js';
import { POLICIES, START_US, logText, parseLog, type PolicyName } from './helpers.js';

/** audit/v1 Event fields in Go struct order. */
const FIELD_ORDER = [
  'kind', 'apiVersion', 'level', 'auditID', 'stage', 'requestURI', 'verb', 'user', 'impersonatedUser', 'authenticationMetadata', 'sourceIPs',
  'userAgent', 'objectRef', 'responseStatus', 'requestObject', 'responseObject', 'requestReceivedTimestamp', 'stageTimestamp', 'annotations',
];
const OBJECT_REF_ORDER = ['resource', 'namespace', 'name', 'uid', 'apiGroup', 'apiVersion', 'resourceVersion', 'subresource'];
const UUID4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const MICRO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
const EVENTS = 4000;

function inOrder(keys: string[], order: string[]): boolean {
  const positions = keys.map((k) => order.indexOf(k));
  return positions.every((p, i) => p >= 0 && (i === 0 || p > positions[i - 1]));
}

const policyNames: PolicyName[] = ['recommended', 'everything', 'metadata', 'mixed'];

for (const name of policyNames) {
  describe(`under the ${name} policy`, () => {
    const text = logText(name, EVENTS);
    const events = parseLog(text);
    const compiled = compilePolicy(POLICIES[name]);

    test(`${EVENTS} lines, each one audit.k8s.io/v1 Event with fields in Go's order`, () => {
      assert.equal(events.length, EVENTS);
      for (const e of events) {
        assert.equal(e.kind, 'Event');
        assert.equal(e.apiVersion, 'audit.k8s.io/v1');
        assert.ok((LEVELS as readonly string[]).includes(e.level) && e.level !== 'None', e.level);
        assert.ok((STAGES as readonly string[]).includes(e.stage), e.stage);
        assert.match(e.auditID, UUID4);
        assert.match(e.requestReceivedTimestamp, MICRO_TIME);
        assert.match(e.stageTimestamp, MICRO_TIME);
        assert.equal(typeof e.requestURI, 'string');
        assert.ok(e.verb !== '' && e.user !== undefined);
        assert.ok(inOrder(Object.keys(e), FIELD_ORDER), Object.keys(e).join(','));
        if (e.objectRef) assert.ok(inOrder(Object.keys(e.objectRef), OBJECT_REF_ORDER), Object.keys(e.objectRef).join(','));
      }
    });

    test('requestURI escapes & < > as Go does (\\u0026), and nothing else differs from JSON', () => {
      for (const line of text.split('\n').slice(0, 500)) {
        if (line === '') continue;
        assert.doesNotMatch(line, /[<>&]/, 'raw HTML characters in a line');
      }
      assert.match(text, /\\u0026/);
    });

    test('each event is at the level the policy decides for its own attributes, in a stage it keeps', () => {
      for (const e of events) {
        const d = compiled.evaluate(attributesFromEvent(e));
        assert.equal(e.level, d.level, `${e.verb} ${e.requestURI} by ${e.user.username}`);
        assert.ok(!d.omitStages.includes(e.stage), `${e.stage} is omitted for ${e.requestURI}`);
      }
    });

    test('bodies only where the level allows; managedFields only where the policy keeps them', () => {
      for (const e of events) {
        if (e.level === 'Metadata' || e.stage !== 'ResponseComplete') assert.ok(e.requestObject === undefined && e.responseObject === undefined, e.requestURI);
        if (e.level === 'Request') assert.equal(e.responseObject, undefined);
        const d = compiled.evaluate(attributesFromEvent(e));
        if (d.omitManagedFields) assert.doesNotMatch(JSON.stringify([e.requestObject, e.responseObject]), /"managedFields"/);
      }
      if (name === 'everything') {
        assert.ok(events.some((e) => JSON.stringify(e.responseObject ?? '').includes('"managedFields"')));
        assert.ok(events.some((e) => e.requestObject !== undefined));
      }
    });

    test('RequestReceived is written before authorization and decoding: no impersonatedUser, status, bodies or annotations', () => {
      for (const e of events.filter((x) => x.stage === 'RequestReceived')) {
        assert.equal(e.stageTimestamp, e.requestReceivedTimestamp);
        for (const f of ['impersonatedUser', 'responseStatus', 'requestObject', 'responseObject', 'annotations'] as const) assert.equal(e[f], undefined, f);
      }
      for (const e of events.filter((x) => x.stage !== 'RequestReceived' && x.responseStatus?.code !== 401)) {
        assert.ok(e.annotations?.['authorization.k8s.io/decision'], e.requestURI);
      }
    });

    test('stage timestamps never decrease down the file; each event ends after its request arrived', () => {
      for (let i = 0; i < events.length; i++) {
        if (i > 0) assert.ok(events[i - 1].stageTimestamp <= events[i].stageTimestamp, `line ${i + 1}`);
        assert.ok(events[i].requestReceivedTimestamp <= events[i].stageTimestamp, `line ${i + 1}`);
      }
    });

    test('objectRef says what the request URI says', () => {
      for (const e of events) {
        const info = parseRequestURI(e.requestURI, e.verb);
        if (!info.resourceRequest) {
          assert.equal(e.objectRef, undefined);
          continue;
        }
        const ref = e.objectRef!;
        assert.equal(ref.resource, info.resource);
        assert.equal(ref.namespace ?? '', info.namespace);
        assert.equal(ref.subresource ?? '', info.subresource);
        assert.equal(ref.apiGroup ?? '', info.apiGroup);
        assert.equal(ref.apiVersion, info.apiVersion);
        if (info.name !== '') assert.equal(ref.name, info.name);
        else if (e.stage === 'RequestReceived') assert.equal(ref.name, undefined, 'a create has no name before its body is read');
      }
    });
  });
}

describe('stages of one request', () => {
  const events = parseLog(logText('everything', EVENTS));
  const byID = new Map<string, AuditEvent[]>();
  for (const e of events) byID.set(e.auditID, [...(byID.get(e.auditID) ?? []), e]);

  test('RequestReceived then ResponseComplete share an auditID; watches and sessions add ResponseStarted between', () => {
    let pairs = 0;
    let started = 0;
    for (const [id, list] of byID) {
      const stages = list.map((e) => e.stage);
      if (stages[0] === 'ResponseStarted' && list[0].responseStatus?.code === 401) {
        assert.deepEqual(stages, ['ResponseStarted'], 'failed authentication writes only ResponseStarted');
        continue;
      }
      assert.equal(stages[0], 'RequestReceived', `${id}: ${stages}`);
      assert.ok(['RequestReceived', 'RequestReceived,ResponseComplete', 'RequestReceived,ResponseStarted', 'RequestReceived,ResponseStarted,ResponseComplete'].includes(stages.join(',')), stages.join(','));
      if (stages.includes('ResponseComplete')) pairs++;
      if (stages.includes('ResponseStarted')) {
        started++;
        assert.ok(list[0].verb === 'watch' || /\/(exec|log|portforward|attach)$/.test(list[0].requestURI.split('?')[0]), list[0].requestURI);
      }
      for (const e of list) {
        assert.equal(e.requestURI, list[0].requestURI);
        assert.equal(e.requestReceivedTimestamp, list[0].requestReceivedTimestamp);
        assert.deepEqual(e.user, list[0].user);
      }
    }
    assert.ok(pairs > EVENTS / 3, `${pairs} pairs`);
    assert.ok(started > 5, `${started} long-running requests`);
  });

  test('a request without ResponseComplete is long-running or arrived near the end of the log', () => {
    const last = events[events.length - 1].stageTimestamp;
    const lastUs = Date.parse(last) * 1000 + Number(last.slice(20, 26)) % 1000;
    for (const list of byID.values()) {
      if (list.some((e) => e.stage === 'ResponseComplete') || list[0].stage !== 'RequestReceived') continue;
      const long = list[0].verb === 'watch' || /\/(exec|log|portforward)$/.test(list[0].requestURI.split('?')[0]);
      const receivedUs = Date.parse(list[0].requestReceivedTimestamp) * 1000;
      assert.ok(long || lastUs - receivedUs < 15_000_000, `${list[0].requestURI} never completed`);
    }
  });

  test('failed authentication: user {}, stage ResponseStarted only, code 401, no annotations, a message', () => {
    const gen = new LogGenerator(planLog({ seed: 9, startUs: START_US, rate: 200, policy: POLICIES.everything }));
    const keep = { level: 'RequestResponse' as const, omitStages: [], omitManagedFields: false, rule: 0 };
    const failed: AuditEvent[] = [];
    forEachLaneSlot(gen.ctx.schedule, LANE_INDEX.anon, 0, 3_000_000, (slot) => {
      for (const plan of planSlot(gen.ctx, slot)) {
        if (!plan.authFailed) continue;
        assert.deepEqual(planStages(plan), ['ResponseStarted']);
        failed.push(JSON.parse(renderEvent(plan, 'ResponseStarted', keep, gen.ctx.seed)) as AuditEvent);
      }
    });
    assert.ok(failed.length > 0, 'the traffic includes failed authentication');
    for (const e of failed) {
      assert.deepEqual(e.user, {});
      assert.equal(e.responseStatus?.code, 401);
      assert.equal(e.annotations, undefined);
      assert.match(e.responseStatus!.message!, /^Authentication failed/);
    }
  });
});

describe('request attributes', () => {
  test('every request the generator plans reads back, from its own event, as the attributes the policy was given', () => {
    const gen = new LogGenerator(planLog({ seed: 9, startUs: START_US, rate: 200, policy: POLICIES.everything }));
    const keep = { level: 'RequestResponse' as const, omitStages: [], omitManagedFields: false, rule: 0 };
    let checked = 0;
    for (const plan of gen.plans(0, 25_000)) {
      const stage = plan.authFailed ? 'ResponseStarted' : 'ResponseComplete';
      const event = JSON.parse(renderEvent(plan, stage, keep, gen.ctx.seed)) as AuditEvent;
      const got = attributesFromEvent(event);
      assert.ok(isDeepStrictEqual({ ...got, groups: [...got.groups] }, { ...plan.attrs, groups: [...plan.attrs.groups] }), `${event.requestURI}: ${JSON.stringify(got)} vs ${JSON.stringify(plan.attrs)}`);
      checked++;
    }
    assert.ok(checked > 25_000);
  });
});
