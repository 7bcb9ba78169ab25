/**
 * Text-level edits on a YAML file: whole lines in, whole lines out, so every byte we do
 * not mean to change stays as it was (comments, quoting, trailing spaces, blank lines, a
 * missing final newline). Edits are collected with offsets into the original text and
 * applied back to front.
 */

export interface TextEdit {
  start: number;
  end: number;
  text: string;
}

export function applyEdits(text: string, edits: readonly TextEdit[]): string {
  // Back to front; edits at one offset keep their given order in the result.
  const sorted = edits.map((e, i) => ({ e, i })).sort((a, b) => b.e.start - a.e.start || b.e.end - a.e.end || b.i - a.i).map((x) => x.e);
  let out = text;
  let limit = Infinity;
  for (const e of sorted) {
    if (e.end > limit) throw new Error(`kubetrail/apiserver: internal: overlapping edits at ${e.start}–${e.end}`);
    out = out.slice(0, e.start) + e.text + out.slice(e.end);
    limit = e.start;
  }
  return out;
}

export function lineStart(text: string, offset: number): number {
  return text.lastIndexOf('\n', offset - 1) + 1;
}

/** The offset just past the line's newline, or the text's end when the line has none. */
export function lineEnd(text: string, offset: number): number {
  const nl = text.indexOf('\n', offset);
  return nl < 0 ? text.length : nl + 1;
}

export function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) line++;
  return { line, column: offset - lineStart(text, offset) + 1 };
}

/**
 * Inserts whole lines after the line that holds `offset` (or before it, with `before`).
 * `lines` end with '\n'. After a last line without a newline, the newline moves in front
 * so the file still ends without one.
 */
export function insertLines(text: string, offset: number, lines: string, before = false): TextEdit {
  if (before) {
    const at = lineStart(text, offset);
    return { start: at, end: at, text: lines };
  }
  const at = lineEnd(text, offset);
  if (at === text.length && !text.endsWith('\n')) return { start: at, end: at, text: `\n${lines.slice(0, -1)}` };
  return { start: at, end: at, text: lines };
}

/** Removes the whole lines from the one holding `from` to the one holding `to` (inclusive), undoing insertLines. */
export function removeLines(text: string, from: number, to: number): TextEdit {
  const start = lineStart(text, from);
  const end = lineEnd(text, to);
  if (end === text.length && !text.endsWith('\n') && start > 0) return { start: start - 1, end, text: '' };
  return { start, end, text: '' };
}

const PLAIN_SAFE = /^(?:--?)?[A-Za-z0-9_/.][A-Za-z0-9_/.,=:@+*-]*$/;
const AMBIGUOUS = /^(true|false|yes|no|on|off|y|n|null|~|[-+]?[0-9][0-9_.:eExXoObB+-]*)$/i;

/** A scalar as YAML text: plain when that reads back as the same string, else double-quoted. */
export function yamlScalar(value: string): string {
  if (PLAIN_SAFE.test(value) && !AMBIGUOUS.test(value) && !/:$|: /.test(value)) return value;
  return JSON.stringify(value);
}
