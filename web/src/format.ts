/** Small display helpers shared by the pages. */
import type { EventSummary } from './api';

export function objectOf(e: Pick<EventSummary, 'resource' | 'subresource' | 'namespace' | 'name'>): string {
  const res = e.resource ? `${e.resource}${e.subresource ? `/${e.subresource}` : ''}` : '';
  const obj = [e.namespace, e.name].filter(Boolean).join('/');
  return [res, obj].filter(Boolean).join(' ');
}

export function shortTime(iso: string | null): string {
  if (!iso) return '';
  return iso.replace('T', ' ').replace(/(\.\d{3})\d*Z$/, '$1Z');
}

export function codeClass(code: number | null): string {
  if (code === null) return '';
  if (code >= 500) return 'code-5xx';
  if (code >= 400) return 'code-4xx';
  return 'code-ok';
}
