/** The policy commands' line reader: bounded like ingest's, and the bracket depth that gathers pretty documents. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { JsonDepth, readLines, type TextLine } from '../../src/cli/lines.js';

async function linesOf(content: Buffer, keep?: number): Promise<TextLine[]> {
  const dir = mkdtempSync(join(tmpdir(), 'kubetrail-lines-'));
  try {
    writeFileSync(join(dir, 'f'), content);
    const out: TextLine[] = [];
    for await (const l of readLines(join(dir, 'f'), 'test lines', keep)) out.push(l);
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('readLines', () => {
  const cases: Array<{ name: string; content: Buffer; keep?: number; want: TextLine[] }> = [
    { name: 'LF and CRLF, no final terminator', content: Buffer.from('a\r\nb\nc'), want: [{ line: 'a', number: 1 }, { line: 'b', number: 2 }, { line: 'c', number: 3 }] },
    { name: 'a BOM dropped, a final LF is not a line', content: Buffer.from('\ufeffx\ny\n'), want: [{ line: 'x', number: 1 }, { line: 'y', number: 2 }] },
    { name: 'gzip', content: gzipSync(Buffer.from('{"a":1}\n{"b":2}\n')), want: [{ line: '{"a":1}', number: 1 }, { line: '{"b":2}', number: 2 }] },
    { name: 'a line over the bound is its length only', content: Buffer.from(`ok\n${'x'.repeat(100)}\nafter\n`), keep: 50, want: [{ line: 'ok', number: 1 }, { line: '', number: 2, oversize: 100 }, { line: 'after', number: 3 }] },
    { name: 'UTF-8 across the line', content: Buffer.from('héllo ☸\n'), want: [{ line: 'héllo ☸', number: 1 }] },
  ];
  for (const c of cases) {
    it(c.name, async () => assert.deepEqual(await linesOf(c.content, c.keep), c.want));
  }
});

describe('JsonDepth', () => {
  const cases: Array<{ name: string; lines: string[]; depths: number[] }> = [
    { name: 'an object over lines', lines: ['{', '  "a": [', '    1', '  ]', '}'], depths: [1, 2, 2, 1, 0] },
    { name: 'brackets inside strings do not count', lines: ['{', '  "a": "} ] { [",', '  "b": "\\"}"', '}'], depths: [1, 1, 1, 0] },
    { name: 'an escaped backslash ends before the quote', lines: ['["x\\\\\\\\", {', '}]'], depths: [2, 0] },
    { name: 'a string across lines keeps its state', lines: ['{"a": "open [', 'still string ]"', '}'], depths: [1, 1, 0] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const d = new JsonDepth();
      assert.deepEqual(c.lines.map((l) => d.feed(l)), c.depths);
    });
  }

  // After each line: may a value (an object on the next line) start there?
  const grammar: Array<{ name: string; lines: string[]; may: boolean[] }> = [
    { name: 'items of a list, one to a line', lines: ['{"kind":"EventList","items":[', '{"a":1},', '{"a":2}', ']}'], may: [true, true, false, false] },
    { name: 'an object wants a key after { and after a comma', lines: ['{', '  "a": 1,', '  "b": "x"'], may: [false, false, false] },
    { name: 'a value after a key\'s colon', lines: ['{', '  "requestObject":', '{"x":1},', '"y": ['], may: [false, true, false, true] },
    { name: 'white space and strings do not decide', lines: ['[  ', '  "s, [ : {"  ', ',', '   '], may: [true, false, true, true] },
    { name: 'a nested array inside an object', lines: ['{"a": [[', '1,', '2]', ']'], may: [true, true, false, false] },
    { name: 'closed: no document to continue', lines: ['{}', '[]'], may: [false, false] },
  ];
  for (const c of grammar) {
    it(`value may start: ${c.name}`, () => {
      const d = new JsonDepth();
      assert.deepEqual(c.lines.map((l) => (d.feed(l), d.valueMayStart)), c.may);
    });
  }

  it('deep nesting grows its record of open brackets', () => {
    const d = new JsonDepth();
    d.feed('{"a":'.repeat(100) + '['.repeat(100));
    assert.equal(d.depth, 200);
    assert.equal(d.valueMayStart, true, 'inside the innermost array');
    d.feed(']'.repeat(100));
    assert.equal(d.valueMayStart, false, 'after the arrays close, the object wants a comma or its end');
    d.feed(',"b":');
    assert.equal(d.valueMayStart, true);
  });
});
