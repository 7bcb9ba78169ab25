/**
 * Line-by-line reading of possibly gzip-compressed files (or stdin) for the policy
 * commands, streaming and bounded: lines are split as ingest splits them (LF or CRLF, a
 * leading UTF-8 byte-order mark dropped), and a line longer than the largest event the
 * ledger takes is reported by its length, never held in memory.
 */
import { MAX_EVENT_BYTES } from '../store/ledger-files/block-codec.js';
import { openBytes, splitLines } from '../ingest/lines.js';
import { UsageError } from './context.js';
import { describeFsError } from './files.js';

export interface TextLine {
  /** The line's text; empty when it was too long (see oversize). */
  line: string;
  /** 1-based line number. */
  number: number;
  /** The length in bytes of a line longer than the reader keeps. */
  oversize?: number;
}

/** The longest line kept: the largest event the ledger takes. */
export const MAX_LINE_BYTES = MAX_EVENT_BYTES;

/**
 * Yields each line with its 1-based number, without its terminator (LF or CRLF). A
 * final empty line after the last terminator is not a line.
 */
export async function* readLines(path: string, what: string, keep = MAX_LINE_BYTES): AsyncGenerator<TextLine> {
  let input;
  try {
    input = await openBytes(path);
  } catch (err) {
    throw new UsageError(`${path}: cannot read ${what}: ${describeFsError(err)}`);
  }
  try {
    for await (const raw of splitLines(input, keep)) {
      // splitLines bounds the lines that span reads; one inside a read is held already.
      const oversize = raw.oversize ?? (raw.bytes.length > keep ? raw.bytes.length : undefined);
      yield oversize === undefined ? { line: raw.bytes.toString('utf8'), number: raw.number } : { line: '', number: raw.number, oversize };
    }
  } catch (err) {
    throw new UsageError(`${path}: cannot read ${what}: ${describeFsError(err)}`);
  }
}

/**
 * The nesting depth of JSON text fed to it line by line, outside strings: a
 * pretty-printed document spread over lines is complete when its depth is back to zero,
 * so it is parsed once then, not after every line (which was quadratic in its length).
 */
export class JsonDepth {
  #depth = 0;
  #inString = false;
  #escaped = false;
  /** The open containers' brackets ('{' or '['), innermost last: one byte each. */
  #open = new Uint8Array(64);
  /** The last character outside strings that is not white space (a string counts as '"'); 0 before any. */
  #last = 0;

  get depth(): number {
    return this.#depth;
  }

  /**
   * Whether JSON's grammar lets a value start next: after '[' or ',' in an array, or
   * after ':' in an object. Not in an object after '{' or ',' (a key comes next), nor
   * right after a value: a line that starts an object there cannot belong to the text
   * before it, which was cut short.
   */
  get valueMayStart(): boolean {
    if (this.#depth <= 0) return false;
    if (this.#last === COLON) return true;
    return this.#open[this.#depth - 1] === OPEN_ARRAY && (this.#last === OPEN_ARRAY || this.#last === COMMA);
  }

  /** Feeds more text; returns the depth after it. */
  feed(text: string): number {
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (this.#inString) {
        if (this.#escaped) this.#escaped = false;
        else if (c === 0x5c) this.#escaped = true;
        else if (c === QUOTE) this.#inString = false;
        continue;
      }
      if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) continue;
      if (c === QUOTE) this.#inString = true;
      else if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
        if (this.#depth >= 0) {
          if (this.#depth === this.#open.length) {
            const bigger = new Uint8Array(this.#open.length * 2);
            bigger.set(this.#open);
            this.#open = bigger;
          }
          this.#open[this.#depth] = c;
        }
        this.#depth++;
      } else if (c === 0x7d || c === 0x5d) this.#depth--;
      this.#last = c;
    }
    return this.#depth;
  }
}

const QUOTE = 0x22;
const COLON = 0x3a;
const COMMA = 0x2c;
const OPEN_OBJECT = 0x7b;
const OPEN_ARRAY = 0x5b;
