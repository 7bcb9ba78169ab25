/**
 * Deterministic randomness for the generator: a counter-based seeding scheme so that
 * any request slot's random choices can be recomputed on its own, in any worker, in any
 * order. Nothing here reads a clock or Math.random.
 *
 * - `hash32(a, b, c, d)` mixes four 32-bit words (murmur3's finaliser between rounds);
 * - `Rng` is sfc32 (Chris Doty-Humphrey's small fast counting generator, 128-bit state),
 *   seeded from a key (seed, stream, index) and warmed up for 8 rounds; its period is at
 *   least 2^32 and it passes PractRand to 2^40 bytes, far beyond one slot's few dozen draws.
 *
 * The same key always gives the same sequence, on every platform: only 32-bit integer
 * arithmetic (Math.imul, >>>, |0) is used, and floats are built from 32 bits exactly.
 */

const TWO_32 = 4294967296;

function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A well-mixed 32-bit hash of up to four 32-bit words. */
export function hash32(a: number, b = 0, c = 0, d = 0): number {
  let h = fmix32((a ^ 0x9e3779b9) >>> 0);
  h = fmix32((h ^ Math.imul(b ^ 0x7f4a7c15, 0x27d4eb2f)) >>> 0);
  h = fmix32((h ^ Math.imul(c ^ 0x165667b1, 0x9e3779b1)) >>> 0);
  return fmix32((h ^ Math.imul(d ^ 0x61c88647, 0x85ebca77)) >>> 0);
}

/** A generator seed split into two 32-bit words (seeds are integers in [0, 2^53)). */
export interface SeedWords {
  readonly lo: number;
  readonly hi: number;
}

export function seedWords(seed: number): SeedWords {
  return { lo: seed >>> 0, hi: Math.floor(seed / TWO_32) >>> 0 };
}

/** Stream identifiers: each kind of random choice draws from its own stream. */
export const Stream = {
  slot: 1,
  cluster: 2,
  pod: 3,
  watch: 4,
  object: 5,
  calibrate: 6,
} as const;

export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: SeedWords, stream: number, index: number) {
    const ilo = index >>> 0;
    const ihi = Math.floor(index / TWO_32) >>> 0;
    this.a = hash32(seed.lo, seed.hi, stream, ilo);
    this.b = hash32(ilo, ihi, seed.lo ^ 0x5bd1e995, stream);
    this.c = hash32(seed.hi, stream ^ 0x68e31da4, ilo, ihi);
    this.d = 1;
    for (let i = 0; i < 8; i++) this.u32();
  }

  /** The next 32 random bits as an unsigned integer. */
  u32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** A float in [0, 1). */
  float(): number {
    return this.u32() / TWO_32;
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.float() * n);
  }

  /** An integer in [lo, hi]. */
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }

  chance(p: number): boolean {
    return this.float() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }

  /**
   * A log-normally distributed duration: `median` with a spread factor (about 68% of
   * values within median/spread .. median*spread), clamped to [lo, hi].
   */
  logNormal(median: number, spread: number, lo: number, hi: number): number {
    // Box-Muller with one of the pair; 1 - float() keeps the logarithm finite.
    const u = 1 - this.float();
    const v = this.float();
    const z = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    const x = median * Math.exp(z * Math.log(spread));
    return x < lo ? lo : x > hi ? hi : x;
  }
}

/** Picks an index by integer weights with a precomputed cumulative table. */
export class WeightedTable {
  private readonly cumulative: Float64Array;
  private readonly total: number;

  constructor(weights: readonly number[]) {
    this.cumulative = new Float64Array(weights.length);
    let sum = 0;
    weights.forEach((w, i) => {
      sum += w;
      this.cumulative[i] = sum;
    });
    this.total = sum;
  }

  pick(rng: Rng): number {
    const x = rng.float() * this.total;
    const c = this.cumulative;
    let lo = 0;
    let hi = c.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (c[mid] > x) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }
}
