/** One user's activity: over time by verb, what they touch most, and what they were refused. */
import { useEffect, useState } from 'preact/hooks';
import { getJSON, type SearchResult, type Timeline } from '../api';
import { StackedChart } from '../components/StackedChart';
import { objectOf, shortTime } from '../format';
import { href } from '../router';

function quoted(v: string): string {
  return /[\s"]/.test(v) ? JSON.stringify(v) : v;
}

export function UserPage(props: { name: string }) {
  const [timeline, setTimeline] = useState<Timeline | null>(null);
  const [top, setTop] = useState<Array<{ key: string; events: number; bytes: number }> | null>(null);
  const [forbidden, setForbidden] = useState<SearchResult | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    const q = `user=${quoted(props.name)}`;
    const onError = (err: Error) => setError(err.message);
    getJSON<Timeline>('api/timeline', { q, by: 'verb', series: 8 }).then(setTimeline, onError);
    getJSON<{ rows: Array<{ key: string; events: number; bytes: number }> }>('api/top', { q, by: 'resource', limit: 10 }).then((r) => setTop(r.rows), onError);
    getJSON<SearchResult>('api/events', { q: `${q} code=403`, limit: 200, order: 'newest' }).then(setForbidden, onError);
  }, [props.name]);
  return (
    <section class="page user">
      <h2 data-testid="user-name">{props.name}</h2>
      {error && <p class="error">{error}</p>}
      {timeline && <StackedChart timeline={timeline} />}
      <h3>Resources touched most</h3>
      <ul data-testid="user-resources">
        {top?.map((r) => (
          <li key={r.key}>
            {r.key}: {r.events.toLocaleString()} events, {(r.bytes / 1024).toFixed(0)} KiB of log
          </li>
        ))}
      </ul>
      <h3>Refused (403)</h3>
      {forbidden && forbidden.events.length === 0 && <p>None.</p>}
      <ul data-testid="forbidden">
        {forbidden?.events.map((e) => (
          <li key={e.leaf}>
            <a href={href(`event/${e.leaf}`)}>{shortTime(e.time)}</a> {e.verb} {objectOf(e)}
          </li>
        ))}
      </ul>
    </section>
  );
}
