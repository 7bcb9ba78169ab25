/** Search: the query string, a time range, live mode, and the results in a virtual table. */
import { useEffect, useState } from 'preact/hooks';
import { getJSON, type EventSummary, type FieldInfo, type SearchResult } from '../api';
import { QueryInput } from '../components/QueryInput';
import { VirtualTable, type Column } from '../components/VirtualTable';
import { codeClass, objectOf, shortTime } from '../format';
import { href, navigate } from '../router';

const RANGES = ['15m', '1h', '6h', '24h', '7d', 'all'] as const;

const columns: Column<EventSummary>[] = [
  { key: 'time', title: 'time', width: '13rem', render: (e) => shortTime(e.time) },
  { key: 'user', title: 'user', width: 'minmax(10rem, 1.3fr)', render: (e) => (e.impersonatedUser ? `${e.user ?? ''} → ${e.impersonatedUser}` : e.user ?? '') },
  { key: 'verb', title: 'verb', width: '6rem', render: (e) => e.verb ?? '' },
  { key: 'object', title: 'object', width: 'minmax(12rem, 2fr)', render: (e) => objectOf(e) },
  { key: 'code', title: 'code', width: '4rem', render: (e) => <span class={codeClass(e.code)}>{e.code ?? ''}</span> },
  { key: 'ip', title: 'source IP', width: '9rem', render: (e) => e.sourceIP ?? '' },
];

export function SearchPage(props: { q: string; range: string; limit: number; fields: FieldInfo[] }) {
  const [draft, setDraft] = useState(props.q);
  const [result, setResult] = useState<SearchResult | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [live, setLive] = useState(false);
  const [busy, setBusy] = useState(false);
  useEffect(() => setDraft(props.q), [props.q]);

  const since = props.range === 'all' ? undefined : props.range;
  const run = async (signal?: AbortSignal) => {
    setBusy(true);
    try {
      const r = await getJSON<SearchResult>('api/events', { q: props.q, since, limit: props.limit, order: 'newest' }, signal);
      setResult(r);
      setError(null);
    } catch (err) {
      if ((err as Error).name !== 'AbortError') setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };

  // The server answers within a time budget; where it stopped, search on from there with
  // a longer budget and append (the rows are exact for each part searched).
  const searchFurther = async () => {
    if (result === null || result.resumeLeaf === null) return;
    setBusy(true);
    try {
      const room = Math.max(1, props.limit - result.events.length);
      const r = await getJSON<SearchResult>('api/events', { q: props.q, since, limit: room, order: 'newest', before: result.resumeLeaf, budget: 1000 });
      setResult({ ...r, events: [...result.events, ...r.events], searched: result.searched + r.searched, truncated: r.truncated || result.events.length + r.events.length >= props.limit });
      setError(null);
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };

  useEffect(() => {
    const controller = new AbortController();
    void run(controller.signal);
    if (!live) return () => controller.abort();
    const timer = setInterval(() => void run(controller.signal), 2000);
    return () => {
      clearInterval(timer);
      controller.abort();
    };
  }, [props.q, props.range, props.limit, live]);

  return (
    <section class="page search">
      <form
        class="search-bar"
        onSubmit={(e) => {
          e.preventDefault();
          navigate('search', { q: draft, range: props.range });
        }}
      >
        <QueryInput value={draft} fields={props.fields} onChange={setDraft} onSubmit={(q) => navigate('search', { q, range: props.range })} />
        <select data-testid="range" value={props.range} onChange={(e) => navigate('search', { q: draft, range: e.currentTarget.value })}>
          {RANGES.map((r) => (
            <option value={r} key={r}>
              {r === 'all' ? 'all time' : `last ${r}`}
            </option>
          ))}
        </select>
        <label class="live">
          <input type="checkbox" data-testid="live" checked={live} onChange={(e) => setLive(e.currentTarget.checked)} /> live
        </label>
        <button type="submit">Search</button>
      </form>
      {error && (
        <p class="error" data-testid="error">
          {error}
        </p>
      )}
      {result && (
        <p class="summary" data-testid="summary">
          {result.events.length.toLocaleString()} events
          {result.truncated ? (
            props.limit < 100000 ? (
              <>
                {' '}
                (newest first; <a href={href('search', { q: props.q, range: props.range, limit: '100000' })}>show up to 100,000</a>)
              </>
            ) : (
              ' (more exist: narrow the query)'
            )
          ) : (
            ''
          )}
          {!result.complete && !result.truncated ? (
            <>
              {' '}
              · searched the newest {result.searched.toLocaleString()} events so far{' '}
              <button type="button" class="link" data-testid="search-further" disabled={busy} onClick={() => void searchFurther()}>
                search further
              </button>
            </>
          ) : (
            ''
          )}
          {result.scansEverything ? ' · no index narrows this query: it reads every event it searches' : ''}
          {busy ? ' · updating…' : ''}
        </p>
      )}
      {result && <VirtualTable rows={result.events} columns={columns} onOpen={(e) => navigate(`event/${e.leaf}`)} />}
    </section>
  );
}
