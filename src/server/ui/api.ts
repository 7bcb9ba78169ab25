/**
 * The JSON API behind the web UI (documented in docs/api.md). Handlers take plain
 * request data and return plain data, so the HTTP server only routes, authenticates and
 * serialises; tests call them through a real server anyway.
 */
import { compilePolicy, lintPolicySource, loadPolicy } from '../../audit/policy/index.js';
import { Simulation, replay } from '../../simulate/index.js';
import { parseCheckpoint } from '../../ledger/index.js';
import { boundedSearch, objectHistory, parseQueryString, parseTimeValue, QUERY_FIELDS, QueryStringError } from '../../query/index.js';
import { readStoreVerifierKey, verifyStore, type EventFilter, type GroupColumn, type IndexRow, type Store } from '../../store/index.js';

export interface ApiRequest {
  method: string;
  /** The path after `/api/` (no query string), e.g. `events/42`. */
  path: string;
  query: URLSearchParams;
  body: Buffer;
}

export interface ApiResponse {
  status: number;
  json: unknown;
}

export interface UiApiDeps {
  store: Store;
  /** The key verify trusts (the store's own public key unless the server was given one). */
  verifierKey?: string;
}

/** A bad request: 400 with this message. */
export class ApiRequestError extends Error {
  constructor(
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

/** Policies are small; a body this large is a mistake or an attack. */
export const MAX_POLICY_BODY = 1024 * 1024;

/** An event (leaf) number written plainly, or a 400 naming `what`. */
function eventNumber(text: string, what: string): number {
  if (!/^(0|[1-9][0-9]{0,14})$/.test(text)) throw new ApiRequestError(`${what}: expected an event number`);
  return Number(text);
}

function leafNumber(text: string, size: number): number {
  const n = eventNumber(text, `event ${JSON.stringify(text)}`);
  if (n >= size) throw new ApiRequestError(`event ${n} does not exist: the store holds ${size} events`, 404);
  return n;
}

type Handler = (req: ApiRequest, match: RegExpExecArray, deps: UiApiDeps) => Promise<unknown> | unknown;

/** The most rows one search returns (the UI's table scrolls them virtually). */
export const MAX_SEARCH_ROWS = 100_000;
/**
 * How long one search may read the index before it answers with what it found and where
 * it stopped (see query/search.ts): the server stays responsive whatever is asked.
 */
export const DEFAULT_SEARCH_BUDGET_MS = 75;
export const MAX_SEARCH_BUDGET_MS = 5_000;

function optionalLeaf(req: ApiRequest, name: string): number | undefined {
  const text = req.query.get(name);
  if (text === null || text === '') return undefined;
  return eventNumber(text, `${name}=${JSON.stringify(text).slice(0, 40)}`);
}

const VALUE_COLUMNS = { user: 'user', verb: 'verb', resource: 'resource', res: 'resource', namespace: 'namespace', ns: 'namespace', name: 'name' } as const;

function summary(r: IndexRow) {
  let sourceIP: string | null = null;
  try {
    sourceIP = r.sourceIPs ? ((JSON.parse(r.sourceIPs) as string[])[0] ?? null) : null;
  } catch {
    sourceIP = null;
  }
  return {
    leaf: r.leaf,
    time: r.requestReceivedTimestamp ?? r.stageTimestamp,
    user: r.user,
    impersonatedUser: r.impersonatedUser,
    verb: r.verb,
    resource: r.resource,
    subresource: r.subresource,
    namespace: r.namespace,
    name: r.name,
    code: r.responseCode,
    sourceIP,
    stage: r.stage,
    level: r.level,
  };
}

const GROUP_COLUMNS: Record<string, GroupColumn> = { user: 'user', verb: 'verb', resource: 'resource', namespace: 'namespace', userAgent: 'user_agent', code: 'response_code', stage: 'stage', level: 'level' };

/** The filter of `q` and `since` (both optional). */
function filterOf(req: ApiRequest): EventFilter {
  let filter: EventFilter;
  try {
    filter = parseQueryString((req.query.get('q') ?? '').slice(0, 4096));
  } catch (err) {
    if (err instanceof QueryStringError) throw new ApiRequestError(`${err.message} (column ${err.column})`);
    throw err;
  }
  const since = req.query.get('since');
  if (since) {
    const t = parseTimeValue(since, Date.now() * 1000);
    if (t === null) throw new ApiRequestError(`since=${since}: use a duration (15m, 2h, 7d) or an RFC 3339 time`);
    filter.sinceUs = Math.max(filter.sinceUs ?? t, t);
  }
  return filter;
}

function groupColumn(req: ApiRequest): GroupColumn {
  const by = req.query.get('by') ?? 'user';
  const column = GROUP_COLUMNS[by];
  if (column === undefined) throw new ApiRequestError(`by=${by}: use one of ${Object.keys(GROUP_COLUMNS).join(', ')}`);
  return column;
}

/** A bucket width giving about 120 buckets over the span, rounded to a readable step. */
function stepFor(spanUs: number): number {
  const steps = [60e6, 300e6, 900e6, 3600e6, 6 * 3600e6, 86400e6];
  return steps.find((s) => spanUs / s <= 120) ?? steps[steps.length - 1];
}

const routes: Array<{ method: string; pattern: RegExp; handler: Handler }> = [
  {
    method: 'GET',
    pattern: /^top$/,
    handler: async (req, _m, { store }) => ({ rows: await store.top(filterOf(req), groupColumn(req), Math.min(100, Math.max(1, Number(req.query.get('limit') ?? 10) || 10))) }),
  },
  {
    method: 'GET',
    pattern: /^timeline$/,
    handler: async (req, _m, { store }) => {
      const filter = filterOf(req);
      const column = groupColumn(req);
      // The span of what matches decides the bucket width.
      const newest = (await firstRow(store.queryRows({ ...filter, limit: 1, newestFirst: true })))?.timeUs ?? null;
      const oldest = (await firstRow(store.queryRows({ ...filter, limit: 1 })))?.timeUs ?? null;
      const stepUs = stepFor(newest !== null && oldest !== null ? Math.max(0, newest - oldest) : 0);
      const t = await store.timeline(filter, column, stepUs, Math.min(20, Math.max(1, Number(req.query.get('series') ?? 8) || 8)));
      return { times: t.starts.map((us) => us / 1e6), stepSeconds: stepUs / 1e6, series: t.series };
    },
  },
  {
    method: 'GET',
    pattern: /^history$/,
    handler: async (req, _m, { store }) => {
      const resource = req.query.get('resource') ?? '';
      const name = req.query.get('name') ?? '';
      if (resource === '' || name === '') throw new ApiRequestError('history needs resource= and name= (and ns= for namespaced objects)');
      return { entries: await objectHistory(store, { resource, name, namespace: req.query.get('ns') || undefined }) };
    },
  },
  { method: 'GET', pattern: /^fields$/, handler: () => ({ fields: QUERY_FIELDS }) },
  {
    method: 'GET',
    pattern: /^values$/,
    handler: async (req, _m, { store }) => {
      const field = req.query.get('field') ?? '';
      const column = VALUE_COLUMNS[field as keyof typeof VALUE_COLUMNS];
      if (column === undefined) return { values: [] };
      const limit = Math.min(50, Math.max(1, Number(req.query.get('limit') ?? 12) || 12));
      return { values: await store.values(column, (req.query.get('prefix') ?? '').slice(0, 256), limit) };
    },
  },
  {
    method: 'GET',
    pattern: /^events$/,
    handler: async (req, _m, { store }) => {
      const filter = filterOf(req);
      const limit = Math.min(MAX_SEARCH_ROWS, Math.max(1, Number(req.query.get('limit') ?? 1000) || 1000));
      const newestFirst = req.query.get('order') !== 'oldest';
      // Where an earlier answer stopped (its resumeLeaf: before= newest first, after= oldest
      // first): the next page, or the rest of a search that ran out of time.
      filter.beforeLeaf = optionalLeaf(req, 'before');
      filter.afterLeaf = optionalLeaf(req, 'after');
      const budgetMs = Math.min(MAX_SEARCH_BUDGET_MS, Math.max(10, Number(req.query.get('budget') ?? DEFAULT_SEARCH_BUDGET_MS) || DEFAULT_SEARCH_BUDGET_MS));
      const found = await boundedSearch(store, filter, { limit, newestFirst, budgetMs });
      return {
        events: found.rows.map(summary),
        truncated: found.truncated,
        complete: found.complete,
        resumeLeaf: found.resumeLeaf,
        searched: found.searched,
        scansEverything: await store.readsEverything(filter),
      };
    },
  },
  {
    method: 'GET',
    pattern: /^events\/([^/]+)$/,
    // One event's exact bytes, with an inclusion proof against the checkpoint read in the
    // same synchronous step (no commit can slip between them).
    handler: (_req, m, { store }) => {
      const leaf = leafNumber(m[1], store.size);
      const checkpoint = store.checkpoint ?? '';
      const treeSize = store.size;
      return {
        leaf,
        raw: store.readLeaf(leaf).toString('utf8'),
        proof: { leafIndex: leaf, treeSize, hashes: store.proveInclusion(leaf, treeSize).map((h) => Buffer.from(h).toString('base64')), checkpoint },
      };
    },
  },
  {
    method: 'GET',
    pattern: /^checkpoint$/,
    // The key goes with it so the page can check the signature itself (and show the key's hash).
    handler: (_req, _m, { store, verifierKey }) => {
      const key = verifierKey ?? readStoreVerifierKey(store.dir);
      const text = store.checkpoint;
      if (text === null) return { origin: store.origin, size: 0, rootHash: '', text: '', verifierKey: key };
      const body = parseCheckpoint(text.slice(0, text.indexOf('\n\n') + 1));
      return { origin: body.origin, size: body.size, rootHash: Buffer.from(body.root).toString('base64'), text, verifierKey: key };
    },
  },
  {
    method: 'POST',
    pattern: /^verify$/,
    handler: async (_req, _m, { store, verifierKey }) => {
      const started = performance.now();
      const report = await verifyStore(store.dir, verifierKey === undefined ? {} : { verifierKey });
      return { ...report, seconds: (performance.now() - started) / 1000 };
    },
  },
  {
    method: 'POST',
    pattern: /^policy\/simulate$/,
    // The candidate over every stored event: streamed from the ledger, never all in memory,
    // counted on worker threads so the server keeps answering meanwhile.
    handler: async (req, _m, { store }) => {
      if (req.body.length > MAX_POLICY_BODY) throw new ApiRequestError(`a policy of ${req.body.length} bytes is too large (limit ${MAX_POLICY_BODY})`, 413);
      const loaded = loadPolicy(req.body, { strict: false });
      if (!loaded.loadable || loaded.policy === null) throw new ApiRequestError(`kube-apiserver would refuse this policy: ${loaded.errors.map((e) => `line ${e.line}: ${e.message}`).slice(0, 3).join('; ')}`);
      const sim = new Simulation(loaded.policy, compilePolicy(loaded.policy));
      await replay(sim, { mode: 'simulate', policies: [loaded.policy], wildcardGroup: true, fullParse: false }, { leaves: store.readRange(), name: 'store' });
      return sim.report(10);
    },
  },
  {
    method: 'POST',
    pattern: /^policy\/lint$/,
    handler: (req) => {
      if (req.body.length > MAX_POLICY_BODY) throw new ApiRequestError(`a policy of ${req.body.length} bytes is too large (limit ${MAX_POLICY_BODY})`, 413);
      const result = lintPolicySource(req.body);
      return { loadable: result.loadable, findings: result.findings, cis: result.cis };
    },
  },
];

async function firstRow(rows: AsyncIterable<IndexRow>): Promise<IndexRow | null> {
  for await (const r of rows) return r;
  return null;
}

/** Answers one API request, or null when no route matches (the server then says 404). */
export async function handleUiApi(req: ApiRequest, deps: UiApiDeps): Promise<ApiResponse | null> {
  for (const route of routes) {
    const m = route.pattern.exec(req.path);
    if (m === null) continue;
    if (req.method !== route.method) return { status: 405, json: { error: `${req.method} /api/${req.path}: use ${route.method}` } };
    try {
      return { status: 200, json: await route.handler(req, m, deps) };
    } catch (err) {
      if (err instanceof ApiRequestError) return { status: err.status, json: { error: err.message } };
      throw err;
    }
  }
  return null;
}
