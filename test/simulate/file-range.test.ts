/**
 * Ranges of a plain file read by workers themselves: however a file is cut, the ranges
 * give every line exactly once, in order, each range starting at a line's start.
 */
import { strict as assert } from 'node:assert';
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { linesStartingIn, newScratch } from '../../src/simulate/file-range.js';

const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/** Every range of `step` bytes of `content`, read through one scratch buffer (as a worker does). */
function readAll(path: string, size: number, step: number, scratch = newScratch()): Buffer[] {
  const fd = openSync(path, 'r');
  try {
    const out: Buffer[] = [];
    for (let start = 0; start < size; start += step) out.push(Buffer.from(linesStartingIn(fd, start, Math.min(size, start + step), size, scratch)));
    return out;
  } finally {
    closeSync(fd);
  }
}

test('cut anywhere: the ranges give back the file, line by line, without its byte order mark', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kubetrail-ranges-'));
  const path = join(dir, 'audit.log');
  try {
    const line = fc.oneof(
      { weight: 8, arbitrary: fc.string({ maxLength: 40 }).map((s) => s.replace(/\n/g, '')) },
      { weight: 1, arbitrary: fc.constantFrom('', '\r', '{"a":1}\r') },
      // Longer than the reader's first overhang (64 KiB): it must read on.
      { weight: 1, arbitrary: fc.integer({ min: 60_000, max: 140_000 }).map((n) => 'x'.repeat(n)) },
    );
    await fc.assert(
      fc.asyncProperty(fc.array(line, { maxLength: 30 }), fc.boolean(), fc.boolean(), fc.integer({ min: 1, max: 300_000 }), async (lines, bom, finalNewline, step) => {
        const body = Buffer.from(lines.join('\n') + (finalNewline && lines.length > 0 ? '\n' : ''), 'utf8');
        const content = bom ? Buffer.concat([BOM, body]) : body;
        writeFileSync(path, content);
        const ranges = readAll(path, content.length, step);
        assert.deepEqual(Buffer.concat(ranges), body);
        let at = bom ? 3 : 0;
        for (const r of ranges) {
          if (r.length === 0) continue;
          assert.ok(at === (bom ? 3 : 0) || content[at - 1] === 0x0a, 'a range starts at a line');
          at += r.length;
        }
      }),
      { numRuns: 150 },
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('table: ranges at the edges of lines, and a buffer that still holds older bytes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kubetrail-ranges-'));
  const path = join(dir, 'audit.log');
  try {
    // "aaa\n" is bytes 0–3, "bb\n" 4–6, "c" 7.
    writeFileSync(path, 'aaa\nbb\nc');
    const cases: Array<[string, number, number, string]> = [
      ['the first line, range ending at its line feed', 0, 4, 'aaa\n'],
      ['a range inside the first line takes it whole', 0, 1, 'aaa\n'],
      ['a range starting inside a line takes the next one', 1, 6, 'bb\n'],
      ['a range starting right after a line feed takes that line', 4, 5, 'bb\n'],
      ['a range holding only a line feed starts no line', 3, 4, ''],
      ['the last line without a line feed', 5, 8, 'c'],
      ['past the end', 8, 20, ''],
    ];
    const scratch = newScratch();
    // Fill the scratch with line feeds first: a reader that looked past what it read would find them.
    scratch.buf = Buffer.alloc(1 << 20, 0x0a);
    const fd = openSync(path, 'r');
    try {
      for (const [name, start, end, want] of cases) assert.equal(linesStartingIn(fd, start, end, 8, scratch).toString(), want, name);
      assert.equal(linesStartingIn(fd, 0, 8, 5, scratch).toString(), 'aaa\nb', 'the size given is the end of the file');
    } finally {
      closeSync(fd);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
