/** Object history: every event touching one object, oldest first, with what changed between versions. */
import { useEffect, useState } from 'preact/hooks';
import { getJSON } from '../api';
import { codeClass, shortTime } from '../format';
import { href } from '../router';

interface Change {
  path: string;
  from?: unknown;
  to?: unknown;
}
interface HistoryEntry {
  leaf: number;
  time: string | null;
  user: string | null;
  impersonatedUser: string | null;
  verb: string | null;
  code: number | null;
  changes: Change[];
}

function show(v: unknown): string {
  return v === undefined ? '∅' : JSON.stringify(v);
}

export function HistoryPage(props: { resource: string; name: string; ns: string }) {
  const [entries, setEntries] = useState<HistoryEntry[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    getJSON<{ entries: HistoryEntry[] }>('api/history', { resource: props.resource, name: props.name, ns: props.ns }).then(
      (r) => setEntries(r.entries),
      (err: Error) => setError(err.message),
    );
  }, [props.resource, props.name, props.ns]);
  return (
    <section class="page history">
      <h2>
        {props.resource}/{props.name} {props.ns ? <small>in {props.ns}</small> : null}
      </h2>
      {error && <p class="error">{error}</p>}
      {entries && entries.length === 0 && <p>No event touches this object.</p>}
      <ol class="timeline" data-testid="history">
        {entries?.map((e) => (
          <li key={e.leaf}>
            <a href={href(`event/${e.leaf}`)}>{shortTime(e.time)}</a> <b>{e.user}</b>
            {e.impersonatedUser ? ` → ${e.impersonatedUser}` : ''} {e.verb} <span class={codeClass(e.code)}>{e.code}</span>
            {e.changes.length > 0 && (
              <ul class="diff" data-testid="diff">
                {e.changes.map((c) => (
                  <li key={c.path}>
                    <code>{c.path}</code>: <del>{show(c.from)}</del> → <ins>{show(c.to)}</ins>
                  </li>
                ))}
              </ul>
            )}
          </li>
        ))}
      </ol>
    </section>
  );
}
