/** Integrity: the latest signed checkpoint, and a full verify of the store on demand. */
import { useEffect, useState } from 'preact/hooks';
import { getJSON, postJSON, type CheckpointInfo, type VerifyReport } from '../api';
import { checkSignature } from '../merkle';

export function IntegrityPage() {
  const [cp, setCp] = useState<CheckpointInfo | null>(null);
  const [report, setReport] = useState<VerifyReport | null>(null);
  const [running, setRunning] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [signature, setSignature] = useState<{ ok: boolean; message: string } | null>(null);
  useEffect(() => {
    getJSON<CheckpointInfo>('api/checkpoint').then(async (c) => {
      setCp(c);
      if (c.text !== '') setSignature(await checkSignature(c.text, c.verifierKey));
    }, (err: Error) => setError(err.message));
  }, []);
  const verify = async () => {
    setRunning(true);
    setReport(null);
    try {
      setReport(await postJSON<VerifyReport>('api/verify', {}));
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setRunning(false);
    }
  };
  return (
    <section class="page integrity">
      <h2>Latest signed checkpoint</h2>
      {error && <p class="error">{error}</p>}
      {cp ? (
        <>
          <p>
            <b>{cp.size.toLocaleString()}</b> events in the log <code>{cp.origin}</code>, root <code>{cp.rootHash}</code>
          </p>
          {signature && (
            <p data-testid="signature" class={signature.ok ? 'ok' : 'error'}>
              {signature.ok ? '✔' : '✘'} {signature.message}
            </p>
          )}
          <pre data-testid="checkpoint">{cp.text}</pre>
          <p>
            public key: <code data-testid="verifier-key">{cp.verifierKey}</code>
          </p>
        </>
      ) : (
        <p>loading…</p>
      )}
      <button data-testid="verify" disabled={running} onClick={() => void verify()}>
        {running ? 'Verifying…' : 'Verify the whole store'}
      </button>
      {report && (
        <div data-testid="verify-result" class={report.ok ? 'ok' : 'error'}>
          {report.ok
            ? `✔ intact: ${report.checked.toLocaleString()} events recomputed, ${report.indexChecked.toLocaleString()} index rows agree with the ledger`
            : `✘ ${report.problem?.file}${report.problem?.leaf !== null ? ` (event ${report.problem?.leaf})` : ''}: ${report.problem?.message}`}
          {report.notes.length > 0 && (
            <ul>
              {report.notes.map((n) => (
                <li key={n}>{n}</li>
              ))}
            </ul>
          )}
        </div>
      )}
    </section>
  );
}
