/**
 * The UI's only way to the server: JSON over the same origin. The API answers 401 when
 * the server was bound beyond loopback and no valid token came with the request; the
 * token is then asked for once and kept for the tab's life (sessionStorage), never in
 * a cookie, so other sites cannot ride on it.
 */

export class ApiError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

const TOKEN_KEY = 'kubetrail.token';

export function setToken(token: string): void {
  sessionStorage.setItem(TOKEN_KEY, token.trim());
}

function headers(extra: Record<string, string> = {}): Record<string, string> {
  const token = sessionStorage.getItem(TOKEN_KEY);
  return token ? { ...extra, authorization: `Bearer ${token}` } : extra;
}

async function handle<T>(res: Response): Promise<T> {
  const text = await res.text();
  let body: unknown = null;
  try {
    body = text === '' ? null : JSON.parse(text);
  } catch {
    throw new ApiError(res.status, `the server answered ${res.status} with something that is not JSON`);
  }
  if (!res.ok) {
    const message = (body as { error?: string } | null)?.error ?? `HTTP ${res.status}`;
    throw new ApiError(res.status, message);
  }
  return body as T;
}

export async function getJSON<T>(path: string, params: Record<string, string | number | undefined> = {}, signal?: AbortSignal): Promise<T> {
  const url = new URL(path, location.href);
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') url.searchParams.set(k, String(v));
  return handle<T>(await fetch(url, { headers: headers(), signal }));
}

export async function postJSON<T>(path: string, body: unknown, contentType = 'application/json'): Promise<T> {
  const payload = typeof body === 'string' ? body : JSON.stringify(body);
  return handle<T>(await fetch(new URL(path, location.href), { method: 'POST', headers: headers({ 'content-type': contentType }), body: payload }));
}

// The API's shapes (docs/api.md).

export interface EventSummary {
  leaf: number;
  time: string | null;
  user: string | null;
  impersonatedUser: string | null;
  verb: string | null;
  resource: string | null;
  subresource: string | null;
  namespace: string | null;
  name: string | null;
  code: number | null;
  sourceIP: string | null;
  stage: string | null;
  level: string | null;
}

export interface SearchResult {
  events: EventSummary[];
  /** More than the limit match. */
  truncated: boolean;
  /** Nothing that matches was left unsearched. */
  complete: boolean;
  /** Where to go on (before= newest first), null when complete. */
  resumeLeaf: number | null;
  /** Events the search covered. */
  searched: number;
  scansEverything: boolean;
}

export interface FieldInfo {
  name: string;
  aliases: string[];
  description: string;
}

export interface InclusionProof {
  leafIndex: number;
  treeSize: number;
  /** Base64 SHA-256 hashes, leaf side first. */
  hashes: string[];
  /** The signed checkpoint (C2SP signed note) the proof is against. */
  checkpoint: string;
}

export interface EventDetail {
  leaf: number;
  /** The exact stored bytes (the Merkle leaf), as text. */
  raw: string;
  proof: InclusionProof;
}

export interface CheckpointInfo {
  origin: string;
  size: number;
  rootHash: string;
  text: string;
  /** The store's public key, to check the signature in the page. */
  verifierKey: string;
}

export interface VerifyReport {
  ok: boolean;
  size: number;
  checked: number;
  indexChecked: number;
  problem: { file: string; leaf: number | null; message: string } | null;
  notes: string[];
  seconds?: number;
}

export interface Timeline {
  /** Bucket start times, seconds since the epoch. */
  times: number[];
  stepSeconds: number;
  series: Array<{ name: string; counts: number[] }>;
}
