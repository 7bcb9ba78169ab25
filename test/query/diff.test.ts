/** Field-path diffs between object versions, as history shows them. */
import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { diffObjects } from '../../src/query/index.js';

const cases: { desc: string; a: unknown; b: unknown; want: unknown[] }[] = [
  { desc: 'a scaled Deployment', a: { spec: { replicas: 3 } }, b: { spec: { replicas: 0 } }, want: [{ path: 'spec.replicas', from: 3, to: 0 }] },
  { desc: 'a field added and one removed', a: { spec: { a: 1 } }, b: { spec: { b: 2 } }, want: [{ path: 'spec.a', from: 1 }, { path: 'spec.b', to: 2 }] },
  { desc: 'list items by index', a: { c: [{ image: 'nginx:1' }] }, b: { c: [{ image: 'nginx:2' }, { image: 'sidecar' }] }, want: [{ path: 'c[0].image', from: 'nginx:1', to: 'nginx:2' }, { path: 'c[1]', to: { image: 'sidecar' } }] },
  { desc: 'write noise left out', a: { metadata: { resourceVersion: '1', generation: 1, labels: { a: 'x' } } }, b: { metadata: { resourceVersion: '2', generation: 2, labels: { a: 'y' } } }, want: [{ path: 'metadata.labels.a', from: 'x', to: 'y' }] },
  { desc: 'no change', a: { a: [1, { b: null }] }, b: { a: [1, { b: null }] }, want: [] },
  { desc: 'a type change', a: { a: { b: 1 } }, b: { a: 'text' }, want: [{ path: 'a', from: { b: 1 }, to: 'text' }] },
];
for (const c of cases) test(c.desc, () => assert.deepEqual(diffObjects(c.a, c.b), c.want));

test('a huge diff stops at its limit', () => {
  const a = Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`k${i}`, i]));
  assert.equal(diffObjects(a, {}).length, 200);
});
