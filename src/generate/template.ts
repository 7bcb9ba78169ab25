/**
 * JSON templates with named holes: a body is rendered once per workload or node with
 * `@@NAME@@` markers where per-request values go (names, uids, resourceVersions, times),
 * split once, and filled by concatenation on each use — no JSON.stringify per event.
 * Markers are plain ASCII so they survive JSON.stringify unchanged; values are inserted
 * as given (callers pass JSON-safe text).
 */
export class Template {
  private readonly parts: string[];
  private readonly keys: string[];

  constructor(text: string) {
    // A raw hole stands for a whole JSON value: drop the quotes JSON.stringify put around it.
    const pieces = text.replace(/"@@(RAW_[A-Z0-9_]+)@@"/g, '@@$1@@').split(/@@([A-Z0-9_]+)@@/);
    this.parts = pieces.filter((_, i) => i % 2 === 0);
    this.keys = pieces.filter((_, i) => i % 2 === 1);
  }

  render(values: Readonly<Record<string, string>>): string {
    let s = this.parts[0];
    for (let i = 0; i < this.keys.length; i++) {
      const v = values[this.keys[i]];
      if (v === undefined) throw new Error(`template value ${this.keys[i]} missing`);
      s += v + this.parts[i + 1];
    }
    return s;
  }
}

/** A marker for a hole inside a JSON string, for building template sources. */
export function hole(name: string): string {
  return `@@${name}@@`;
}

/** A marker for a hole that is a whole JSON value (an object, a number, or nothing at all in a member list). */
export function rawHole(name: string): string {
  return `@@RAW_${name}@@`;
}

/** Go-style JSON of a plain object whose key order is already the struct order. */
export function json(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
