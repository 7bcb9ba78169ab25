/** Search: the query string, a time range, live mode, and the results in a virtual table. */
import { useEffect, useRef, useState } from 'preact/hooks';
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
  const [stopped, setStopped] = useState(false);
  // The search running now, to stop it (a new query, or the stop button).
  const current = useRef<AbortController | null>(null);
  const busyRef = useRef(false);
  busyRef.current = busy;

  const run = async (signal: AbortSignal) => {
    setBusy(true);
    setStopped(false);
    try {
      let acc = await getJSON<SearchResult>('api/events', { q: props.q, since, limit: props.limit, order: 'newest' }, signal);
      setResult(acc);
      setError(null);
      // The server answers within a time budget. Until the page is full or every event has
      // been searched, go on from where it stopped (each part's rows are exact), showing
      // what has been found so far.
      while (!acc.complete && !acc.truncated && acc.resumeLeaf !== null && !signal.aborted) {
        const r: SearchResult = await getJSON<SearchResult>('api/events', { q: props.q, since, limit: props.limit - acc.events.length, order: 'newest', before: acc.resumeLeaf, budget: 250 }, signal);
        acc = { ...r, events: acc.events.concat(r.events), searched: acc.searched + r.searched };
        setResult(acc);
      }
    } catch (err) {
      if ((err as Error).name !== 'AbortError') setError((err as Error).message);
    } finally {
      if (!signal.aborted) setBusy(false);
    }
  };

  const start = () => {
    current.current?.abort();
    const controller = new AbortController();
    current.current = controller;
    void run(controller.signal);
    return controller;
  };

  const stop = () => {
    current.current?.abort();
    setBusy(false);
    setStopped(true);
  };

  useEffect(() => {
    const controller = start();
    if (!live) return () => controller.abort();
    // Live: search again every two seconds, unless the last search is still going.
    const timer = setInterval(() => {
      if (current.current?.signal.aborted === false && busyRef.current) return;
      start();
    }, 2000);
    return () => {
      clearInterval(timer);
      current.current?.abort();
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
              · in the newest {result.searched.toLocaleString()} events{' '}
              {busy ? (
                <button type="button" class="link" data-testid="stop-search" onClick={stop}>
                  stop
                </button>
              ) : stopped ? (
                <button type="button" class="link" data-testid="search-on" onClick={start}>
                  (stopped) search again
                </button>
              ) : (
                ''
              )}
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
