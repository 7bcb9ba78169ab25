import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { readKubeYAML } from '../../../src/audit/kyaml/index.js';

/** A flow list of n plain scalars, optionally anchored. */
const list = (n: number, item = 'x') => `[${Array.from({ length: n }, () => item).join(', ')}]`;

describe('the alias-expansion guard counts only values produced through aliases', () => {
  const cases = [
    { desc: 'a document with many values of its own and no alias', text: `a: ${list(500)}\n`, maxNodes: 100, wantError: false },
    { desc: 'one alias expanding within the limit', text: `a: &a ${list(40)}\nb: *a\n`, maxNodes: 100, wantError: false },
    { desc: 'aliases of aliases past the limit', text: `a: &a ${list(10)}\nb: &b ${list(10, '*a')}\nc: ${list(10, '*b')}\n`, maxNodes: 100, wantError: true },
  ];
  for (const c of cases) {
    test(c.desc, () => {
      const result = readKubeYAML(c.text, { maxNodes: c.maxNodes });
      if (c.wantError) {
        assert.equal(result.root, null);
        assert.equal(result.errors[0]?.code, 'too-many-nodes');
        assert.match(result.errors[0].message, /aliases expand to more than 100 values/);
      } else {
        assert.deepEqual(result.errors, []);
        assert.notEqual(result.root, null);
      }
    });
  }
});
