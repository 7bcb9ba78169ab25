/**
 * Serves the built UI (dist/web) from memory: the files are read once at start, so a
 * request never touches the filesystem and no request path can name a file outside the
 * build. Hashed assets are cached for a year; index.html never, so a new build shows.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, relative, sep } from 'node:path';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
};

export interface StaticFile {
  body: Buffer;
  headers: Record<string, string>;
}

export interface UiAssets {
  /** The file for a request path (`/`, `/index.html`, `/assets/index-abc.js`), or null. */
  lookup(pathname: string): StaticFile | null;
  readonly fileCount: number;
}

const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  // Everything the page needs comes from its own origin; inline styles are uPlot's.
  'content-security-policy': "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'",
};

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}

/** Loads the built UI from `dir`; an empty set (every lookup null) when it was not built. */
export function loadUiAssets(dir: string): UiAssets {
  const files = new Map<string, StaticFile>();
  if (existsSync(join(dir, 'index.html'))) {
    for (const path of walk(dir)) {
      const url = `/${relative(dir, path).split(sep).join('/')}`;
      const immutable = url.startsWith('/assets/');
      files.set(url, {
        body: readFileSync(path),
        headers: {
          'content-type': CONTENT_TYPES[extname(path)] ?? 'application/octet-stream',
          'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
          ...SECURITY_HEADERS,
        },
      });
    }
  }
  return {
    lookup(pathname: string): StaticFile | null {
      return files.get(pathname === '/' ? '/index.html' : pathname) ?? null;
    },
    fileCount: files.size,
  };
}
