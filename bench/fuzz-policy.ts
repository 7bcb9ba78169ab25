/**
 * Fuzzing the policy engine's parsers: loadPolicy on arbitrary text, bytes, mutated
 * valid policies and generated YAML-ish documents; the request JSON reader; the
 * request URI parser; the event reader. Each property states what must hold for every
 * input (no exception, well-formed findings, loadable ⇒ a usable policy).
 *
 * test/audit/policy/fuzz.test.ts runs these properties a thousand times each on every
 * `npm test`; `npm run fuzz` runs them at length:
 *
 *   node dist/bench/fuzz-policy.js [--runs N] [--seed S]
 *
 * N (default 100,000) inputs in all, shared out by each property's weight. Prints a
 * progress line per chunk and a summary table; exit 1 when any property failed.
 */
import { pathToFileURL } from 'node:url';
import fc from 'fast-check';
import { stringify as toYAML } from 'yaml';
import { compilePolicy, interpretPolicy, loadPolicy, type LoadResult } from '../src/audit/policy/index.js';
import { attributesFromEvent, parseRequestURI, requestAttributesFromJSON, RequestAttributesError, type RequestAttributes } from '../src/audit/request.js';
import { isLevel, isStage, type AuditEvent } from '../src/audit/types.js';

export interface FuzzProperty {
  name: string;
  /** Share of the inputs of a long run. */
  weight: number;
  property: () => fc.IProperty<[unknown]>;
}

// ---------------------------------------------------------------------------------
// What must hold
// ---------------------------------------------------------------------------------

const SAMPLE_REQUESTS: RequestAttributes[] = [
  { user: 'alice', groups: ['system:authenticated'], verb: 'get', resourceRequest: true, apiGroup: '', apiVersion: 'v1', resource: 'pods', subresource: '', namespace: 'default', name: 'web', path: '/api/v1/namespaces/default/pods/web' },
  { user: null, groups: [], verb: 'get', resourceRequest: false, apiGroup: '', apiVersion: '', resource: '', subresource: '', namespace: '', name: '', path: '/healthz' },
  { user: 'system:admin', groups: ['system:masters'], verb: 'update', resourceRequest: true, apiGroup: 'apps', apiVersion: 'v1', resource: 'deployments', subresource: 'scale', namespace: 'kube-system', name: 'dns', path: '/apis/apps/v1/namespaces/kube-system/deployments/dns/scale' },
];

function fail(message: string): never {
  throw new Error(message);
}

/** The invariants of every loadPolicy answer. */
export function checkLoadResult(result: LoadResult, input: string | Uint8Array): void {
  const text = typeof input === 'string' ? input : new TextDecoder().decode(input);
  const lines = text.split('\n').length;
  for (const [kind, list] of [['error', result.errors], ['warning', result.warnings]] as const) {
    for (const issue of list) {
      const where = `${kind} ${JSON.stringify(issue)}`;
      if (typeof issue.message !== 'string' || issue.message.trim() === '') fail(`${where}: empty message`);
      if (typeof issue.field !== 'string') fail(`${where}: field is not a string`);
      if (!Number.isInteger(issue.line) || issue.line < 1) fail(`${where}: line < 1`);
      if (!Number.isInteger(issue.column) || issue.column < 1) fail(`${where}: column < 1`);
      if (issue.line > lines + 1) fail(`${where}: line past the end (${lines} lines)`);
    }
  }
  if (result.valid !== (result.errors.length === 0)) fail(`valid is ${result.valid} with ${result.errors.length} errors`);
  if (result.valid && !result.loadable) fail('valid but not loadable');
  if (!result.loadable) {
    if (result.errors.length === 0) fail('not loadable, yet no error says why');
    return;
  }
  const policy = result.policy ?? fail('loadable without a policy');
  if (policy.rules.length === 0) fail('loadable with zero rules');
  for (const rule of policy.rules) {
    if (!isLevel(rule.level)) fail(`loadable with level ${JSON.stringify(rule.level)}`);
    if (!rule.omitStages.every(isStage)) fail(`loadable with stages ${JSON.stringify(rule.omitStages)}`);
  }
  const compiled = compilePolicy(policy);
  for (const request of SAMPLE_REQUESTS) {
    const a = compiled.evaluate(request);
    const b = interpretPolicy(policy, request);
    if (JSON.stringify(a) !== JSON.stringify(b)) fail(`compiled ${JSON.stringify(a)} ≠ interpreted ${JSON.stringify(b)}`);
  }
}

function checkLoad(input: string | Uint8Array): void {
  checkLoadResult(loadPolicy(input), input);
  const lenient = loadPolicy(input, { strict: false });
  checkLoadResult(lenient, input);
  if (lenient.valid !== lenient.loadable) fail('with strict off, valid must equal loadable');
}

function checkAttributes(a: RequestAttributes, what: string): void {
  if (a.user !== null && typeof a.user !== 'string') fail(`${what}: user ${JSON.stringify(a.user)}`);
  if (!Array.isArray(a.groups) || !a.groups.every((g) => typeof g === 'string')) fail(`${what}: groups ${JSON.stringify(a.groups)}`);
  if (typeof a.resourceRequest !== 'boolean') fail(`${what}: resourceRequest`);
  for (const field of ['verb', 'apiGroup', 'apiVersion', 'resource', 'subresource', 'namespace', 'name', 'path'] as const) {
    if (typeof a[field] !== 'string') fail(`${what}: ${field} is ${JSON.stringify(a[field])}`);
  }
}

function checkRequestJSON(value: unknown): void {
  let attrs: RequestAttributes;
  try {
    attrs = requestAttributesFromJSON(value);
  } catch (err) {
    if (err instanceof RequestAttributesError && err.message !== '') return;
    throw new Error(`threw ${String(err)} instead of a RequestAttributesError`);
  }
  checkAttributes(attrs, 'requestAttributesFromJSON');
}

function checkURI(uri: string, verb: string): void {
  const info = parseRequestURI(uri, verb);
  checkAttributes({ ...info, user: null, groups: [], verb }, `parseRequestURI(${JSON.stringify(uri)})`);
  for (const field of ['resource', 'subresource', 'namespace', 'name', 'apiGroup', 'apiVersion'] as const) {
    if (info[field].includes('/')) fail(`parseRequestURI(${JSON.stringify(uri)}): ${field} ${JSON.stringify(info[field])} holds a slash`);
  }
  if (!info.resourceRequest && (info.resource !== '' || info.name !== '' || info.namespace !== '')) fail(`parseRequestURI(${JSON.stringify(uri)}): a non-resource request with resource fields`);
}

function checkEvent(value: unknown): void {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return;
  const attrs = attributesFromEvent(value as AuditEvent);
  checkAttributes(attrs, 'attributesFromEvent');
  compilePolicy(loadPolicy('apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: Metadata\n  userGroups: [dev]\n').policy!).evaluate(attrs);
}

// ---------------------------------------------------------------------------------
// Inputs
// ---------------------------------------------------------------------------------

/** Valid policies to mutate: every field, flow and block style, JSON, anchors. */
export const SEED_POLICIES = [
  `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages:
  - RequestReceived
rules:
  - level: None
    nonResourceURLs:
      - /healthz*
      - /version
  - level: RequestResponse
    users: ["tim"]
    userGroups: ["testers", "developers"]
    verbs: ["patch", "delete", "create"]
    resources:
      - group: ""
      - group: "rbac.authorization.k8s.io"
        resources: ["clusterroles", "clusterrolebindings"]
        resourceNames: [admin]
    namespaces: ["default", "kube-system"]
    omitManagedFields: true
  - level: Metadata
    omitStages: [ResponseStarted, Panic]
`,
  `apiVersion: audit.k8s.io/v1
kind: Policy
metadata:
  name: p
  labels: {a: b}
rules:
- &quiet {level: None, verbs: [watch], users: ["system:kube-proxy"]}
- <<: *quiet
  verbs: [get]
- level: Request
  resources: [{group: "*", resources: ["*/status", "pods/*", "*/log"]}]
- level: Metadata
`,
  '{"apiVersion":"audit.k8s.io/v1","kind":"Policy","rules":[{"level":"Metadata","namespaces":[""],"resources":[{"group":"apps"}]},{"level":"None"}]}',
];

const TRICKY_SCALARS = ['yes', 'no', 'on', 'off', 'y', 'n', '~', 'null', '017', '0x1F', '0o17', '1_000', '1e3', '.inf', '.nan', '-', '""', "''", '"a\\tb"', '[]', '{}', '*', '"*"', '&a', '*a', '<<', '!!str', '!!int 1', '|', '>', '#', '"\\u0000"', 'None', 'Metadata', 'RequestResponse', 'RequestReceived', '/healthz*', 'audit.k8s.io/v1beta1', 'Policy', '\t', ' ', ''];
const KEYS = ['apiVersion', 'kind', 'metadata', 'rules', 'level', 'users', 'userGroups', 'verbs', 'resources', 'group', 'resourceNames', 'namespaces', 'nonResourceURLs', 'omitStages', 'omitManagedFields', 'Level', 'name', '<<', 'x'];

type Mutation = (lines: string[], r: number, token: string) => string[];
const MUTATIONS: Mutation[] = [
  (l, r) => l.filter((_, i) => i !== r % l.length), // delete a line
  (l, r) => [...l.slice(0, r % l.length), l[r % l.length], ...l.slice(r % l.length)], // duplicate a line
  (l, r, t) => [...l.slice(0, r % l.length), t, ...l.slice(r % l.length)], // insert a token line
  (l, r, t) => l.map((line, i) => (i === r % l.length ? line.replace(/:\s.*$|- .*$/, (m) => (m.startsWith(':') ? `: ${t}` : `- ${t}`)) : line)), // replace a value
  (l, r) => l.map((line, i) => (i === r % l.length ? ` ${line}` : line)), // indent a line
  (l, r) => l.map((line, i) => (i === r % l.length ? line.replace(/^ /, '') : line)), // dedent a line
  (l, r, t) => l.map((line, i) => (i === r % l.length ? line.slice(0, r % (line.length + 1)) + t + line.slice(r % (line.length + 1)) : line)), // insert text mid-line
  (l, r) => {
    const i = r % l.length;
    const j = (r * 7 + 3) % l.length;
    const out = [...l];
    [out[i], out[j]] = [out[j], out[i]];
    return out; // swap two lines
  },
];

const tokenArb = fc.oneof(fc.constantFrom(...TRICKY_SCALARS), fc.constantFrom(...KEYS.map((k) => `${k}:`)), fc.string({ unit: 'binary', maxLength: 6 }));

/** A valid policy with one to six random edits. */
export const mutatedPolicyArb = fc
  .tuple(fc.constantFrom(...SEED_POLICIES), fc.array(fc.tuple(fc.nat({ max: MUTATIONS.length - 1 }), fc.nat(), tokenArb), { minLength: 1, maxLength: 6 }))
  .map(([seed, edits]) => edits.reduce((lines, [m, r, t]) => (lines.length === 0 ? [t] : MUTATIONS[m](lines, r, t)), seed.split('\n')).join('\n'));

const scalarArb = fc.oneof(fc.constantFrom(...TRICKY_SCALARS), fc.string({ maxLength: 8 }), fc.integer(), fc.boolean(), fc.constant(null));
const { tree: yamlishArb } = fc.letrec<{ tree: unknown; map: Record<string, unknown>; list: unknown[] }>((tie) => ({
  tree: fc.oneof({ depthSize: 'small', withCrossShrink: true }, scalarArb, tie('map'), tie('list')),
  map: fc.dictionary(fc.oneof(fc.constantFrom(...KEYS), fc.string({ maxLength: 4 })), tie('tree'), { maxKeys: 5 }),
  list: fc.array(tie('tree'), { maxLength: 4 }),
}));

/** A Policy-shaped object with random values in its fields. */
export const policyObjectArb = fc.record(
  {
    apiVersion: fc.constantFrom('audit.k8s.io/v1', 'audit.k8s.io/v1beta1', 'v1', ''),
    kind: fc.constantFrom('Policy', 'Pod', 'policy'),
    rules: fc.array(fc.dictionary(fc.constantFrom(...KEYS), yamlishArb, { maxKeys: 5 }), { maxLength: 4 }),
    omitStages: yamlishArb,
  },
  { requiredKeys: ['rules'] },
);

/** The same, written as YAML or as JSON. */
export const policyShapedArb = fc.tuple(policyObjectArb, fc.boolean()).map(([doc, json]) => (json ? JSON.stringify(doc) : toYAML(doc)));

/**
 * One document written as JSON (compact or tab-indented) and as YAML 1.1 (which quotes
 * yes, on, 017...): kube-apiserver reads both to the same object, so the verdicts,
 * the findings and the policy must be the same.
 */
function checkJSONEqualsYAML(doc: unknown, tabs: boolean): void {
  // A "<<" key is a merge key in YAML (and stringify leaves it plain): not the same document.
  if (JSON.stringify(doc).includes('"<<"')) return;
  const json = loadPolicy(JSON.stringify(doc, null, tabs ? '\t' : undefined));
  const yaml = loadPolicy(toYAML(doc, { version: '1.1' }));
  const summary = (r: LoadResult) => ({ loadable: r.loadable, valid: r.valid, policy: r.policy, errors: r.errors.map((e) => [e.code, e.field]), warnings: r.warnings.map((e) => [e.code, e.field]) });
  const a = JSON.stringify(summary(json));
  const b = JSON.stringify(summary(yaml));
  if (a !== b) fail(`as JSON ${a}\nas YAML ${b}`);
}

export const yamlishDocumentArb = fc.tuple(yamlishArb, fc.boolean()).map(([doc, json]) => (json ? JSON.stringify(doc) ?? 'null' : toYAML(doc)));

const LINE_TOKENS = ['apiVersion: audit.k8s.io/v1', 'kind: Policy', 'rules:', '- level: None', '  users: [a]', '  resources:', '  - group: apps', '    resources: ["*/log"]', '<<: *a', '- &a {level: Metadata}', '- *a', '---', '...', '\t- level: None', '{', '}', '[', ']', '"', "'", '# comment', '? ', ': x', '%YAML 1.1', '!!map', '- |', '  text', 'level: yes', ''];
export const tokenSoupArb = fc.array(fc.constantFrom(...LINE_TOKENS), { maxLength: 12 }).map((lines) => lines.join('\n'));

const SEGMENTS = ['api', 'apis', 'v1', 'apps', 'namespaces', 'default', 'pods', 'web', 'log', 'status', 'watch', 'proxy', 'finalize', '', '.', '..', '%2F', '%', '%zz', 'é', '*'];
const QUERIES = ['', '?watch=true', '?fieldSelector=metadata.name=x', '?fieldSelector=metadata.name%3Dx%2Cmetadata.name%3Dy', '?fieldSelector=metadata.name!=x', '?fieldSelector=a\\,b', '?limit=10&fieldSelector=metadata.name==y', '?limit=x', '?fieldSelector=metadata.name=%zz', '?;fieldSelector=metadata.name=x', '?fieldSelector=metadata.name=a%2Fb', '?fieldSelector=metadata.name=\\'];
export const requestURIArb = fc.oneof(
  fc.tuple(fc.array(fc.constantFrom(...SEGMENTS), { maxLength: 9 }), fc.constantFrom(...QUERIES)).map(([parts, query]) => `/${parts.join('/')}${query}`),
  fc.string({ unit: 'binary', maxLength: 60 }),
);
const verbArb = fc.constantFrom('get', 'list', 'watch', 'create', 'delete', 'proxy', '');

const REQUEST_KEYS = ['user', 'groups', 'verb', 'resourceRequest', 'apiGroup', 'apiVersion', 'resource', 'subresource', 'namespace', 'name', 'path', 'other'];
export const requestJSONArb = fc.oneof(fc.jsonValue(), fc.dictionary(fc.constantFrom(...REQUEST_KEYS), fc.oneof(fc.jsonValue({ maxDepth: 1 }), fc.string()), { maxKeys: 6 }));

const eventArb = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.record(
    {
      verb: fc.oneof(verbArb, fc.jsonValue({ maxDepth: 1 })),
      requestURI: fc.oneof(requestURIArb, fc.jsonValue({ maxDepth: 1 })),
      user: fc.oneof(fc.record({ username: fc.oneof(fc.string(), fc.jsonValue({ maxDepth: 1 })), groups: fc.oneof(fc.array(fc.string()), fc.jsonValue({ maxDepth: 1 })) }, { requiredKeys: [] }), fc.jsonValue({ maxDepth: 1 })),
      objectRef: fc.oneof(fc.dictionary(fc.constantFrom('resource', 'namespace', 'name', 'apiGroup', 'subresource'), fc.jsonValue({ maxDepth: 1 })), fc.jsonValue({ maxDepth: 1 })),
    },
    { requiredKeys: [] },
  ),
);

// ---------------------------------------------------------------------------------
// The properties
// ---------------------------------------------------------------------------------

const prop = <T>(arb: fc.Arbitrary<T>, check: (value: T) => void): (() => fc.IProperty<[unknown]>) => () => fc.property(arb as fc.Arbitrary<unknown>, (v) => check(v as T));

export const FUZZ_PROPERTIES: FuzzProperty[] = [
  { name: 'loadPolicy: arbitrary text', weight: 3, property: prop(fc.string({ unit: 'binary', maxLength: 200 }), checkLoad) },
  { name: 'loadPolicy: arbitrary bytes', weight: 2, property: prop(fc.uint8Array({ maxLength: 200 }), checkLoad) },
  { name: 'loadPolicy: mutated valid policies', weight: 6, property: prop(mutatedPolicyArb, checkLoad) },
  { name: 'loadPolicy: policy-shaped documents', weight: 4, property: prop(policyShapedArb, checkLoad) },
  { name: 'loadPolicy: YAML-ish structures', weight: 2, property: prop(yamlishDocumentArb, checkLoad) },
  { name: 'loadPolicy: the same document as JSON and YAML', weight: 2, property: prop(fc.tuple(policyObjectArb, fc.boolean()), ([doc, tabs]) => checkJSONEqualsYAML(doc, tabs)) },
  { name: 'loadPolicy: token soup', weight: 2, property: prop(tokenSoupArb, checkLoad) },
  { name: 'requestAttributesFromJSON: JSON values', weight: 2, property: prop(requestJSONArb, checkRequestJSON) },
  { name: 'parseRequestURI: URIs', weight: 2, property: prop(fc.tuple(requestURIArb, verbArb), ([uri, verb]) => checkURI(uri, verb)) },
  { name: 'attributesFromEvent: event-like values', weight: 1, property: prop(eventArb, checkEvent) },
];

// ---------------------------------------------------------------------------------
// The long run
// ---------------------------------------------------------------------------------

function parseArgs(argv: string[]): { runs: number; seed: number } {
  let runs = 100_000;
  let seed = Date.now() % 2_147_483_647;
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split('=', 2);
    if (flag !== '--runs' && flag !== '--seed') throw new Error(`unknown argument ${argv[i]} (use --runs N, --seed S)`);
    const value = inline ?? argv[++i];
    const n = Number(value);
    if (!Number.isSafeInteger(n) || n < (flag === '--runs' ? 1 : 0)) throw new Error(`${flag}: expected a positive integer, got ${value}`);
    if (flag === '--runs') runs = n;
    else seed = n;
  }
  return { runs, seed };
}

export async function runFuzz(argv: string[], log: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): Promise<number> {
  const { runs, seed } = parseArgs(argv);
  const totalWeight = FUZZ_PROPERTIES.reduce((s, p) => s + p.weight, 0);
  const rows: { name: string; runs: number; ms: number; failure: string | null }[] = [];
  log(`fuzz-policy: ${runs.toLocaleString('en-US')} inputs over ${FUZZ_PROPERTIES.length} properties, seed ${seed}`);
  let done = 0;
  for (const [index, p] of FUZZ_PROPERTIES.entries()) {
    const share = Math.max(1, Math.ceil((runs * p.weight) / totalWeight));
    const chunk = 5_000;
    const started = performance.now();
    let ran = 0;
    let failure: string | null = null;
    for (let c = 0; ran < share && failure === null; c++) {
      const numRuns = Math.min(chunk, share - ran);
      const details = fc.check(p.property(), { seed: seed + index * 1_000_003 + c, numRuns });
      ran += details.numRuns;
      if (details.failed) failure = `counterexample ${JSON.stringify(details.counterexample)} (seed ${details.seed}, path ${details.counterexamplePath}): ${details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance)}`;
      done += details.numRuns;
      log(`  ${p.name}: ${ran.toLocaleString('en-US')}/${share.toLocaleString('en-US')}  (all: ${done.toLocaleString('en-US')})`);
      // Let the event loop breathe so the progress shows as it goes.
      await new Promise((resolve) => setImmediate(resolve));
    }
    rows.push({ name: p.name, runs: ran, ms: performance.now() - started, failure });
  }
  const width = Math.max(...rows.map((r) => r.name.length));
  log('');
  log(`${'property'.padEnd(width)}  ${'inputs'.padStart(9)}  ${'inputs/s'.padStart(9)}  result`);
  for (const r of rows) {
    log(`${r.name.padEnd(width)}  ${r.runs.toLocaleString('en-US').padStart(9)}  ${Math.round((r.runs / r.ms) * 1000).toLocaleString('en-US').padStart(9)}  ${r.failure === null ? 'ok' : 'FAILED'}`);
  }
  const failed = rows.filter((r) => r.failure !== null);
  for (const r of failed) log(`${r.name} FAILED: ${r.failure}`);
  log(`${done.toLocaleString('en-US')} inputs, ${failed.length === 0 ? 'no failures' : `${failed.length} propert${failed.length === 1 ? 'y' : 'ies'} failed`} (seed ${seed})`);
  return failed.length === 0 ? 0 : 1;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  runFuzz(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`fuzz-policy: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 2;
    },
  );
}
