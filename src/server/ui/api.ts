/**
 * The JSON API behind the web UI (documented in docs/api.md). Handlers take plain
 * request data and return plain data, so the HTTP server only routes, authenticates and
 * serialises; tests call them through a real server anyway.
 */
import { lintPolicySource } from '../../audit/policy/index.js';
import { parseCheckpoint } from '../../ledger/index.js';
import { verifyStore, type Store } from '../../store/index.js';

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

function leafNumber(text: string, size: number): number {
  if (!/^(0|[1-9][0-9]{0,14})$/.test(text)) throw new ApiRequestError(`event ${JSON.stringify(text)}: expected an event number`);
  const n = Number(text);
  if (n >= size) throw new ApiRequestError(`event ${n} does not exist: the store holds ${size} events`, 404);
  return n;
}

type Handler = (req: ApiRequest, match: RegExpExecArray, deps: UiApiDeps) => Promise<unknown> | unknown;

const routes: Array<{ method: string; pattern: RegExp; handler: Handler }> = [
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
    handler: (_req, _m, { store }) => {
      const text = store.checkpoint;
      if (text === null) return { origin: store.origin, size: 0, rootHash: '', text: '' };
      const body = parseCheckpoint(text.slice(0, text.indexOf('\n\n') + 1));
      return { origin: body.origin, size: body.size, rootHash: Buffer.from(body.root).toString('base64'), text };
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
    pattern: /^policy\/lint$/,
    handler: (req) => {
      if (req.body.length > MAX_POLICY_BODY) throw new ApiRequestError(`a policy of ${req.body.length} bytes is too large (limit ${MAX_POLICY_BODY})`, 413);
      const result = lintPolicySource(req.body);
      return { loadable: result.loadable, findings: result.findings, cis: result.cis };
    },
  },
];

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
