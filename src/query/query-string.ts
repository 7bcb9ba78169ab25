/**
 * The compact query string people type and the UI sends:
 * `user=alice verb=create resource=pods ns=prod since=2h`. Words are `field=value`,
 * separated by spaces; a value with spaces is double-quoted. Parsed into the store's
 * EventFilter; an unknown field or a malformed value is an error that lists what is
 * accepted.
 */
import { isIP } from 'node:net';
import type { EventFilter } from '../store/index.js';

export interface QueryField {
  name: string;
  aliases: string[];
  description: string;
}

export const QUERY_FIELDS: readonly QueryField[] = [
  { name: 'user', aliases: [], description: 'the authenticated user; * ? [..] make a glob (system:serviceaccount:kube-system:*)' },
  { name: 'group', aliases: [], description: 'one of the user\'s groups' },
  { name: 'as', aliases: ['impersonated'], description: 'the impersonated user' },
  { name: 'verb', aliases: [], description: 'get, list, watch, create, update, patch, delete, …' },
  { name: 'resource', aliases: ['res'], description: 'the resource, e.g. pods, secrets (glob)' },
  { name: 'namespace', aliases: ['ns'], description: 'the namespace (glob)' },
  { name: 'name', aliases: [], description: 'the object name (glob)' },
  { name: 'ip', aliases: ['source'], description: 'a source IP or CIDR, IPv4 or IPv6' },
  { name: 'ua', aliases: ['useragent'], description: 'the user agent (glob: kubectl/*)' },
  { name: 'code', aliases: [], description: 'the response code (403) or class (4xx)' },
  { name: 'decision', aliases: [], description: 'the authorization decision: allow or forbid' },
  { name: 'stage', aliases: [], description: 'RequestReceived, ResponseStarted, ResponseComplete, Panic' },
  { name: 'level', aliases: [], description: 'Metadata, Request, RequestResponse' },
  { name: 'auditid', aliases: ['id'], description: 'the auditID' },
  { name: 'since', aliases: [], description: 'events at or after: 15m, 2h, 7d, or RFC 3339' },
  { name: 'until', aliases: [], description: 'events before: a duration ago or RFC 3339' },
];

export class QueryStringError extends Error {
  constructor(
    message: string,
    readonly column: number,
  ) {
    super(message);
    this.name = 'QueryStringError';
  }
}

const DURATION = /^([1-9][0-9]{0,6})(s|m|h|d)$/;
const UNIT_US: Record<string, number> = { s: 1e6, m: 60e6, h: 3600e6, d: 86400e6 };

/** `2h` (ago, from `nowUs`) or an RFC 3339 time, in microseconds since the epoch. */
export function parseTimeValue(text: string, nowUs: number): number | null {
  const d = DURATION.exec(text);
  if (d) return nowUs - Number(d[1]) * UNIT_US[d[2]];
  if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)$/.test(text)) return null;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? null : ms * 1000;
}

function tokenize(q: string): Array<{ field: string; value: string; column: number }> {
  const out: Array<{ field: string; value: string; column: number }> = [];
  let i = 0;
  while (i < q.length) {
    while (i < q.length && /\s/.test(q[i])) i++;
    if (i >= q.length) break;
    const start = i;
    const eq = q.indexOf('=', i);
    const space = q.slice(i).search(/\s/);
    if (eq < 0 || (space >= 0 && i + space < eq)) throw new QueryStringError(`"${q.slice(i, space < 0 ? undefined : i + space)}": expected field=value`, start + 1);
    const field = q.slice(i, eq);
    i = eq + 1;
    let value = '';
    if (q[i] === '"') {
      const close = q.indexOf('"', i + 1);
      if (close < 0) throw new QueryStringError(`${field}: the quoted value is not closed`, i + 1);
      value = q.slice(i + 1, close);
      i = close + 1;
    } else {
      while (i < q.length && !/\s/.test(q[i])) value += q[i++];
    }
    out.push({ field, value, column: start + 1 });
  }
  return out;
}

export function parseQueryString(q: string, nowUs = Date.now() * 1000): EventFilter {
  const filter: EventFilter = {};
  const accepted = QUERY_FIELDS.map((f) => [f.name, ...f.aliases].join('|')).join(', ');
  for (const { field, value, column } of tokenize(q)) {
    const f = QUERY_FIELDS.find((x) => x.name === field || x.aliases.includes(field));
    if (f === undefined) throw new QueryStringError(`unknown field "${field}"; use ${accepted}`, column);
    if (value === '') throw new QueryStringError(`${field}: empty value`, column);
    switch (f.name) {
      case 'since':
      case 'until': {
        const t = parseTimeValue(value, nowUs);
        if (t === null) throw new QueryStringError(`${field}=${value}: use a duration (15m, 2h, 7d) or an RFC 3339 time`, column);
        if (f.name === 'since') filter.sinceUs = t;
        else filter.untilUs = t;
        break;
      }
      case 'code':
        if (!/^[1-5]([0-9]{2}|xx)$/i.test(value)) throw new QueryStringError(`code=${value}: a response code (403) or a class (4xx)`, column);
        filter.code = value.toLowerCase();
        break;
      case 'ip': {
        const [ip, bits, extra] = value.split('/');
        const family = isIP(ip);
        const max = family === 6 ? 128 : 32;
        if (family === 0 || extra !== undefined || (bits !== undefined && (!/^[0-9]{1,3}$/.test(bits) || Number(bits) > max))) throw new QueryStringError(`ip=${value}: an IP address or a CIDR (10.0.0.0/8, fd00::/8)`, column);
        filter.sourceIP = value;
        break;
      }
      default: {
        if (value.includes(',')) throw new QueryStringError(`${field}=${value}: one value per field`, column);
        const key = ({ as: 'impersonatedUser', ua: 'userAgent', auditid: 'auditID' } as Record<string, string>)[f.name] ?? f.name;
        (filter as Record<string, string>)[key] = value;
      }
    }
  }
  return filter;
}
