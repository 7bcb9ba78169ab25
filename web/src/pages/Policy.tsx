/** Policy: paste or upload a candidate, see its lint findings, and what it would keep and drop of the stored traffic. */
import { useState } from 'preact/hooks';
import { postJSON } from '../api';

interface Finding {
  id: string;
  severity: string;
  message: string;
  line?: number;
  column?: number;
  field?: string;
}
interface LintResult {
  /** Whether kube-apiserver would load it at all. */
  loadable: boolean;
  findings: Finding[];
  cis: Array<{ id: string; title: string; passed: boolean }>;
}

export function PolicyPage() {
  const [text, setText] = useState('');
  const [lint, setLint] = useState<LintResult | null>(null);
  const [report, setReport] = useState<any>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const check = async () => {
    setBusy(true);
    setError(null);
    setReport(null);
    try {
      const l = await postJSON<LintResult>('api/policy/lint', text, 'application/yaml');
      setLint(l);
      if (l.loadable) setReport(await postJSON<any>('api/policy/simulate', text, 'application/yaml'));
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };
  const lines = text.split('\n');
  return (
    <section class="page policy">
      <div class="policy-editor">
        <textarea data-testid="policy-text" spellcheck={false} value={text} placeholder="apiVersion: audit.k8s.io/v1&#10;kind: Policy&#10;rules: …" onInput={(e) => setText(e.currentTarget.value)} />
        <div class="policy-actions">
          <input
            type="file"
            accept=".yaml,.yml,.json"
            onChange={async (e) => {
              const f = e.currentTarget.files?.[0];
              if (f) setText(await f.text());
            }}
          />
          <button data-testid="policy-check" disabled={busy || text.trim() === ''} onClick={() => void check()}>
            {busy ? 'Checking…' : 'Lint and simulate'}
          </button>
        </div>
      </div>
      {error && <p class="error">{error}</p>}
      {lint && (
        <div data-testid="lint">
          <h3>
            {lint.loadable ? 'kube-apiserver would load this policy' : 'kube-apiserver would refuse this policy'} · {lint.findings.length} findings
          </h3>
          <ul class="findings">
            {lint.findings.map((f, i) => (
              <li key={`f${i}`} class={f.severity}>
                {f.severity} [{f.id}] line {f.line}: {f.field ? <code>{f.field}</code> : null} {f.message}
                {lines[(f.line ?? 0) - 1] !== undefined && f.line ? <pre>{lines[f.line - 1]}</pre> : null}
              </li>
            ))}
          </ul>
          <ul class="cis">
            {lint.cis.map((c) => (
              <li key={c.id} class={c.passed ? 'ok' : 'error'}>
                {c.title}: {c.passed ? 'pass' : 'FAIL'}
              </li>
            ))}
          </ul>
        </div>
      )}
      {report && (
        <div data-testid="simulate">
          <h3>On the stored traffic</h3>
          <p>
            {report.input.events.toLocaleString()} events: <b>{report.kept.events.toLocaleString()}</b> kept, {report.dropped.events.toLocaleString()} dropped;{' '}
            {(report.input.bytes / 1e6).toFixed(1)} MB → {(report.bytesAfter / 1e6).toFixed(1)} MB{report.lowerBound ? ' (at least)' : ''}
            {report.rates ? `; ${report.rates.before.gbPerDay.toFixed(2)} → ${report.rates.after.gbPerDay.toFixed(2)} GB/day` : ''}
          </p>
          <ul class="findings">
            {report.coverage.map((c: { id: string; title: string; events: number }) => (
              <li key={c.id} class="error">
                {c.title}: {c.events} events
              </li>
            ))}
          </ul>
          <table class="top">
            <thead>
              <tr>
                <th>rule</th>
                <th>matched</th>
                <th>kept</th>
                <th>MB after</th>
              </tr>
            </thead>
            <tbody>
              {report.byRule.map((r: { rule: number | null; description: string; matched: { events: number }; kept: { events: number }; bytesAfter: number }) => (
                <tr key={String(r.rule)}>
                  <td>{r.description}</td>
                  <td>{r.matched.events.toLocaleString()}</td>
                  <td>{r.kept.events.toLocaleString()}</td>
                  <td>{(r.bytesAfter / 1e6).toFixed(2)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
