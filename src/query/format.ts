/**
 * Index rows as people and spreadsheets read them: a table (time, user → impersonated
 * user, verb, resource, namespace/name, code, source IP), CSV and JSON objects.
 */
import type { IndexRow } from '../store/index.js';

function list(json: string | null): string[] {
  if (json === null) return [];
  try {
    const v = JSON.parse(json) as unknown;
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
}

/** The resource as kubectl writes it (group-qualified, with its subresource), or the path of a non-resource request. */
export function resourceText(r: IndexRow): string {
  if (r.resource === null) return (r.requestURI ?? '').split('?')[0];
  return `${r.resource}${r.apiGroup ? `.${r.apiGroup}` : ''}${r.subresource ? `/${r.subresource}` : ''}`;
}

export const TABLE_HEADER = ['TIME', 'USER', 'VERB', 'RESOURCE', 'NAMESPACE/NAME', 'CODE', 'SOURCE IP'] as const;

/** One table row: tab-separated, control characters made visible (a hostile user agent cannot move the cursor). */
export function tableRow(r: IndexRow): string {
  const user = `${r.user ?? '(none)'}${r.impersonatedUser ? ` → ${r.impersonatedUser}` : ''}`;
  const nn = r.namespace ? `${r.namespace}/${r.name ?? ''}` : (r.name ?? '');
  const cells = [r.requestReceivedTimestamp ?? r.stageTimestamp ?? '', user, r.verb ?? '', resourceText(r), nn, r.responseCode === null ? '' : String(r.responseCode), list(r.sourceIPs)[0] ?? ''];
  return cells.map(visible).join('\t');
}

/** Control characters (and the tab that separates cells) as \u escapes. */
function visible(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

export const CSV_COLUMNS = [
  'time', 'auditID', 'stage', 'level', 'user', 'groups', 'impersonatedUser', 'verb', 'apiGroup', 'apiVersion', 'resource',
  'subresource', 'namespace', 'name', 'responseCode', 'authorizationDecision', 'authorizationReason', 'sourceIPs', 'userAgent', 'requestURI',
] as const;

/**
 * One CSV field (RFC 4180): quoted when it holds a comma, quote or line break. A cell that
 * a spreadsheet would run as a formula (=, +, -, @, tab, CR first) gets a leading
 * apostrophe: user agents and names are chosen by whoever called the API.
 */
export function csvField(value: string): string {
  let v = value;
  if (/^[=+\-@\t\r]/.test(v)) v = `'${v}`;
  return /[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

export function csvRow(r: IndexRow): string {
  const cells: string[] = [
    r.requestReceivedTimestamp ?? r.stageTimestamp ?? '',
    r.auditID ?? '', r.stage ?? '', r.level ?? '', r.user ?? '', list(r.groups).join(' '), r.impersonatedUser ?? '', r.verb ?? '',
    r.apiGroup ?? '', r.apiVersion ?? '', r.resource ?? '', r.subresource ?? '', r.namespace ?? '', r.name ?? '',
    r.responseCode === null ? '' : String(r.responseCode), r.authorizationDecision ?? '', r.authorizationReason ?? '',
    list(r.sourceIPs).join(' '), r.userAgent ?? '', r.requestURI ?? '',
  ];
  return `${cells.map(csvField).join(',')}\r\n`;
}

/** An index row as a JSON object: lists as arrays, the leaf number kept (prove and the UI take it). */
export function jsonRow(r: IndexRow): Record<string, unknown> {
  const { groups, sourceIPs, timeUs: _timeUs, ...rest } = r;
  return { ...rest, groups: list(groups), sourceIPs: list(sourceIPs) };
}
