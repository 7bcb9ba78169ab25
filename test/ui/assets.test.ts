/** The built UI is served from memory, with the right types and caching, and nothing outside the build. */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadUiAssets } from '../../src/server/ui/static.js';
import { REPO_ROOT } from '../support/paths.js';

test('the built UI has an index and hashed assets', () => {
  const assets = loadUiAssets(join(REPO_ROOT, 'dist', 'web'));
  const index = assets.lookup('/');
  assert.ok(index, 'npm run build writes dist/web/index.html');
  assert.equal(index.headers['content-type'], 'text/html; charset=utf-8');
  assert.equal(index.headers['cache-control'], 'no-cache');
  const script = /src="\.\/(assets\/[^"]+\.js)"/.exec(index.body.toString())?.[1];
  assert.ok(script, 'index.html loads a hashed script');
  const js = assets.lookup(`/${script}`);
  assert.ok(js);
  assert.equal(js.headers['content-type'], 'text/javascript; charset=utf-8');
  assert.match(js.headers['cache-control'], /immutable/);
  assert.match(index.headers['content-security-policy'], /default-src 'self'/);
});

test('lookups outside the build find nothing', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kubetrail-ui-'));
  try {
    mkdirSync(join(dir, 'web'));
    writeFileSync(join(dir, 'web', 'index.html'), '<!doctype html>');
    writeFileSync(join(dir, 'secret.txt'), 'no');
    const assets = loadUiAssets(join(dir, 'web'));
    for (const path of ['/../secret.txt', '/%2e%2e/secret.txt', '/web/../../secret.txt', '/secret.txt', '//etc/passwd', '/index.html/']) {
      assert.equal(assets.lookup(path), null, path);
    }
    assert.equal(assets.lookup('/index.html')?.body.toString(), '<!doctype html>');
    assert.equal(assets.fileCount, 1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an unbuilt UI serves nothing rather than failing', () => {
  const assets = loadUiAssets(join(tmpdir(), 'kubetrail-no-such-dir'));
  assert.equal(assets.fileCount, 0);
  assert.equal(assets.lookup('/'), null);
});
