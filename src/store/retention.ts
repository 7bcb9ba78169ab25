/**
 * Retention: which whole segments to drop, by age or by size, as kube-apiserver's log
 * backend does with --audit-log-maxage / --audit-log-maxsize for its files. The segment
 * being written is never dropped, so the newest events always stay. Pure: the store
 * supplies each segment's size and the time of its newest event.
 */
import type { SegmentInfo } from './ledger-files/file-ledger.js';

export interface RetentionOptions {
  /** Drop segments whose newest event is older than this many milliseconds. */
  maxAgeMs?: number;
  /** Drop the oldest segments until the stored segments total at most this many bytes. */
  maxBytes?: number;
  now?: Date;
}

export interface RetentionPlan {
  /** The first event to keep; null when nothing is to be dropped. */
  keepFrom: number | null;
  segments: number;
  events: number;
  bytes: number;
  reason: string;
}

export function planRetention(segments: readonly SegmentInfo[], newestTimeUs: (s: SegmentInfo) => number | null, options: RetentionOptions): RetentionPlan {
  const now = (options.now ?? new Date()).getTime();
  let drop = 0;
  const reasons: string[] = [];
  if (options.maxAgeMs !== undefined) {
    const cutoffUs = (now - options.maxAgeMs) * 1000;
    let byAge = 0;
    // Stop at the first segment with an event young enough (or of unknown time): order is kept.
    while (byAge < segments.length - 1) {
      const t = newestTimeUs(segments[byAge]);
      if (t === null || t >= cutoffUs) break;
      byAge++;
    }
    if (byAge > 0) reasons.push(`max-age: events before ${new Date(cutoffUs / 1000).toISOString()}`);
    drop = Math.max(drop, byAge);
  }
  if (options.maxBytes !== undefined) {
    let total = segments.reduce((a, s) => a + s.bytes, 0);
    let bySize = 0;
    while (bySize < segments.length - 1 && total > options.maxBytes) total -= segments[bySize++].bytes;
    if (bySize > 0) reasons.push(`max-size: ${options.maxBytes} bytes of segments`);
    drop = Math.max(drop, bySize);
  }
  if (drop === 0) return { keepFrom: null, segments: 0, events: 0, bytes: 0, reason: 'nothing is past the retention limits' };
  const dropped = segments.slice(0, drop);
  return {
    keepFrom: segments[drop].firstLeaf,
    segments: drop,
    events: dropped.reduce((a, s) => a + s.count, 0),
    bytes: dropped.reduce((a, s) => a + s.bytes, 0),
    reason: reasons.join('; '),
  };
}

/** Parses `30d`, `12h`, `90m` into milliseconds. */
export function parseAge(text: string): number | null {
  const m = /^([1-9][0-9]{0,5})(d|h|m)$/.exec(text);
  if (m === null) return null;
  return Number(m[1]) * { d: 86_400_000, h: 3_600_000, m: 60_000 }[m[2] as 'd' | 'h' | 'm'];
}

/** Parses `500MB`, `10GiB`, `2G`, `1048576` into bytes. */
export function parseSize(text: string): number | null {
  const m = /^([0-9]+(?:\.[0-9]+)?)\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB|K|M|G|T)?$/i.exec(text);
  if (m === null) return null;
  const unit = (m[2] ?? 'B').toLowerCase();
  const scale: Record<string, number> = { b: 1, k: 1e3, kb: 1e3, m: 1e6, mb: 1e6, g: 1e9, gb: 1e9, t: 1e12, tb: 1e12, kib: 2 ** 10, mib: 2 ** 20, gib: 2 ** 30, tib: 2 ** 40 };
  const n = Math.floor(Number(m[1]) * scale[unit]);
  return Number.isSafeInteger(n) ? n : null;
}
