/** Volume: events/s over time stacked by user, verb or resource; the top talkers and the bytes they cost. */
import { useEffect, useState } from 'preact/hooks';
import { getJSON, type Timeline } from '../api';
import { StackedChart } from '../components/StackedChart';
import { navigate } from '../router';

interface TopRow {
  key: string;
  events: number;
}

const DIMENSIONS = ['user', 'verb', 'resource', 'namespace', 'userAgent'] as const;

export function VolumePage(props: { by: string; range: string }) {
  const [timeline, setTimeline] = useState<Timeline | null>(null);
  const [top, setTop] = useState<TopRow[] | null>(null);
  const [renderMs, setRenderMs] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    const since = props.range === 'all' ? undefined : props.range;
    setError(null);
    getJSON<Timeline>('api/timeline', { by: props.by, since, series: 8 }).then(setTimeline, (err: Error) => setError(err.message));
    getJSON<{ rows: TopRow[] }>('api/top', { by: props.by, since, limit: 15 }).then((r) => setTop(r.rows), (err: Error) => setError(err.message));
  }, [props.by, props.range]);
  const total = top?.reduce((a, r) => a + r.events, 0) ?? 0;
  return (
    <section class="page volume">
      <div class="toolbar">
        stack by{' '}
        <select data-testid="stack-by" value={props.by} onChange={(e) => navigate('volume', { by: e.currentTarget.value, range: props.range })}>
          {DIMENSIONS.map((d) => (
            <option key={d}>{d}</option>
          ))}
        </select>{' '}
        over{' '}
        <select value={props.range} onChange={(e) => navigate('volume', { by: props.by, range: e.currentTarget.value })}>
          {['1h', '6h', '24h', '7d', 'all'].map((r) => (
            <option key={r}>{r}</option>
          ))}
        </select>
        {renderMs !== null && <small data-testid="render-ms"> drawn in {renderMs.toFixed(0)} ms</small>}
      </div>
      {error && <p class="error">{error}</p>}
      {timeline && <StackedChart timeline={timeline} onRendered={setRenderMs} />}
      <h3>Top {props.by} by events</h3>
      {top && (
        <table class="top" data-testid="top">
          <thead>
            <tr>
              <th>{props.by}</th>
              <th>events</th>
              <th>share of the top {top.length}</th>
            </tr>
          </thead>
          <tbody>
            {top.map((r) => (
              <tr key={r.key}>
                <td>{r.key}</td>
                <td>{r.events.toLocaleString()}</td>
                <td>
                  <span class="bar" style={{ width: `${total ? (100 * r.events) / total : 0}%` }} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
