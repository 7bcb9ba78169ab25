/** kubetrail's web UI: one page, hash routes, every datum from the JSON API on the same origin. */
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { ApiError, getJSON, setToken, type FieldInfo } from './api';
import { EventPage } from './pages/Event';
import { HistoryPage } from './pages/History';
import { IntegrityPage } from './pages/Integrity';
import { PolicyPage } from './pages/Policy';
import { SearchPage } from './pages/Search';
import { UserPage } from './pages/User';
import { VolumePage } from './pages/Volume';
import { href, useRoute } from './router';
import './styles.css';

function TokenForm(props: { onDone: () => void }) {
  const [value, setValue] = useState('');
  return (
    <form
      class="token"
      onSubmit={(e) => {
        e.preventDefault();
        setToken(value);
        props.onDone();
      }}
    >
      <p>This server asks for its API token (the file <code>token</code> in its data directory).</p>
      <input type="password" data-testid="token" value={value} onInput={(e) => setValue(e.currentTarget.value)} />
      <button type="submit">Use token</button>
    </form>
  );
}

function App() {
  const route = useRoute();
  const [fields, setFields] = useState<FieldInfo[]>([]);
  const [needToken, setNeedToken] = useState(false);
  const [attempt, setAttempt] = useState(0);
  useEffect(() => {
    getJSON<{ fields: FieldInfo[] }>('api/fields').then(
      (r) => {
        setFields(r.fields);
        setNeedToken(false);
      },
      (err) => setNeedToken(err instanceof ApiError && err.status === 401),
    );
  }, [attempt]);
  const [page = 'search', arg] = route.path;
  const p = route.params;
  let body;
  if (needToken) body = <TokenForm onDone={() => setAttempt(attempt + 1)} />;
  else if (page === 'event' && arg !== undefined) body = <EventPage leaf={Number(arg)} />;
  else if (page === 'history') body = <HistoryPage resource={p.get('resource') ?? ''} name={p.get('name') ?? ''} ns={p.get('ns') ?? ''} />;
  else if (page === 'user' && arg !== undefined) body = <UserPage name={arg} />;
  else if (page === 'volume') body = <VolumePage by={p.get('by') ?? 'user'} range={p.get('range') ?? '24h'} />;
  else if (page === 'policy') body = <PolicyPage />;
  else if (page === 'integrity') body = <IntegrityPage />;
  else body = <SearchPage q={p.get('q') ?? ''} range={p.get('range') ?? 'all'} limit={Math.min(100000, Math.max(1, Number(p.get('limit') ?? 1000) || 1000))} fields={fields} />;
  const tab = (name: string, label: string) => (
    <a href={href(name)} class={page === name ? 'active' : ''} data-testid={`nav-${name}`}>
      {label}
    </a>
  );
  return (
    <>
      <header>
        <b class="brand">kubetrail</b>
        <nav>
          {tab('search', 'Search')}
          {tab('volume', 'Volume')}
          {tab('policy', 'Policy')}
          {tab('integrity', 'Integrity')}
        </nav>
      </header>
      <main>{body}</main>
    </>
  );
}

render(<App />, document.getElementById('app')!);
