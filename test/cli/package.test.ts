/**
 * What `npm install kubetrail` would get: the packed file list holds the command's shim
 * and everything it loads — every chunk of the CLI bundle that another chunk requires,
 * the compiled modules the worker threads run from, and the built web UI — and the shim
 * fails loudly when the bundle cannot load.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { REPO_ROOT } from '../support/paths.js';

test('the package ships the command, every chunk it requires, the workers and the UI', () => {
  const r = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: REPO_ROOT, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const files = new Set((JSON.parse(r.stdout) as Array<{ files: Array<{ path: string }> }>)[0].files.map((f) => f.path));
  const chunks = readdirSync(join(REPO_ROOT, 'dist', 'cli')).filter((f) => f.endsWith('.cjs'));
  const required = new Set<string>(['bin/kubetrail.js', 'bin/package.json', 'dist/cli/main.cjs']);
  for (const chunk of chunks) {
    for (const m of readFileSync(join(REPO_ROOT, 'dist', 'cli', chunk), 'utf8').matchAll(/require\("\.\/([^"]+\.cjs)"\)/g)) required.add(`dist/cli/${m[1]}`);
  }
  for (const worker of ['store/sqlite/index-worker.js', 'store/sqlite/read-worker.js', 'store/verify-index-worker.js', 'simulate/worker.js', 'generate/worker.js']) required.add(`dist/src/${worker}`);
  required.add('dist/web/index.html');
  for (const path of required) assert.ok(files.has(path), `${path} is not in the package`);
  assert.ok(required.size > 10, 'the chunks require one another');
});

test('a command group that fails to load: exit 1 and the reason, never a silent 0', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kubetrail-shim-'));
  try {
    cpSync(join(REPO_ROOT, 'bin'), join(dir, 'bin'), { recursive: true });
    cpSync(join(REPO_ROOT, 'dist', 'cli'), join(dir, 'dist', 'cli'), { recursive: true });
    const main = readFileSync(join(dir, 'dist', 'cli', 'main.cjs'), 'utf8');
    const chunk = /require\("\.\/(forensics[^"]*\.cjs)"\)/.exec(main)?.[1];
    assert.ok(chunk !== undefined, 'main.cjs loads the who/history group from its own chunk');
    writeFileSync(join(dir, 'dist', 'cli', chunk), 'throw new Error("this chunk is broken");\n');
    for (const options of ['', '--unhandled-rejections=warn']) {
      const r = spawnSync(process.execPath, [join(dir, 'bin', 'kubetrail.js'), 'who', 'created', 'pod/x', '--store', dir], {
        encoding: 'utf8',
        env: { ...process.env, NODE_PATH: join(REPO_ROOT, 'node_modules'), NODE_OPTIONS: options },
      });
      assert.equal(r.status, 1, `NODE_OPTIONS=${options}: ${r.stderr}`);
      assert.match(r.stderr, /kubetrail: internal error: .*this chunk is broken/, options);
      assert.match(r.stderr, /rebuild them \(npm run build in a checkout\) or install kubetrail again/, options);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
