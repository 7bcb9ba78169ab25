/**
 * One event, laid out for reading (who → as whom, what, which object, when, from where,
 * result, why it was allowed), its exact stored bytes, and its integrity: the page
 * recomputes the leaf hash from the bytes it shows and checks the inclusion proof
 * against the signed checkpoint itself.
 */
import { useEffect, useState } from 'preact/hooks';
import { getJSON, type EventDetail } from '../api';
import { checkInclusion } from '../merkle';
import { href } from '../router';

type Json = Record<string, any>;

function Row(props: { label: string; children: any; testid?: string }) {
  return (
    <div class="kv" data-testid={props.testid}>
      <dt>{props.label}</dt>
      <dd>{props.children}</dd>
    </div>
  );
}

export function EventPage(props: { leaf: number }) {
  const [detail, setDetail] = useState<EventDetail | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [integrity, setIntegrity] = useState<{ ok: boolean; message: string } | null>(null);

  useEffect(() => {
    setDetail(null);
    setIntegrity(null);
    getJSON<EventDetail>(`api/events/${props.leaf}`)
      .then(async (d) => {
        setDetail(d);
        setIntegrity(await checkInclusion(new TextEncoder().encode(d.raw), d.proof.leafIndex, d.proof.treeSize, d.proof.hashes, d.proof.checkpoint));
      })
      .catch((err: Error) => setError(err.message));
  }, [props.leaf]);

  if (error) return <p class="error">{error}</p>;
  if (!detail) return <p>loading event {props.leaf}…</p>;
  let e: Json = {};
  try {
    e = JSON.parse(detail.raw);
  } catch {
    // The ledger keeps exact bytes; an index-only conversion may have been needed. Show raw only.
  }
  const ref: Json = e.objectRef ?? {};
  const annotations: Json = e.annotations ?? {};
  const who = e.user?.username ?? '(unauthenticated)';
  const asWhom = e.impersonatedUser?.username;
  const objectPath = [ref.namespace, ref.name].filter(Boolean).join('/');
  const resource = ref.resource ? `${ref.resource}${ref.subresource ? `/${ref.subresource}` : ''}` : e.requestURI;
  return (
    <section class="page event">
      <h2 data-testid="event-title">
        {who}
        {asWhom ? ` → ${asWhom}` : ''} · {e.verb} {resource} {objectPath}
      </h2>
      <dl class="fields">
        <Row label="who" testid="who">
          <a href={href(`user/${encodeURIComponent(who)}`)}>{who}</a> {e.user?.groups ? <small>({e.user.groups.join(', ')})</small> : null}
        </Row>
        <Row label="as whom">{asWhom ?? '—'}</Row>
        <Row label="what">
          {e.verb} {ref.apiGroup ? `${ref.apiGroup}/` : ''}
          {ref.apiVersion ?? ''} {resource}
        </Row>
        <Row label="object">
          {ref.name ? <a href={href('history', { resource: ref.resource, name: ref.name, ns: ref.namespace })}>{objectPath}</a> : '—'}
        </Row>
        <Row label="when">
          {e.requestReceivedTimestamp} → {e.stageTimestamp} ({e.stage})
        </Row>
        <Row label="from">
          {(e.sourceIPs ?? []).join(', ')} <small>{e.userAgent}</small>
        </Row>
        <Row label="result" testid="result">
          {e.responseStatus?.code} {e.responseStatus?.status ?? ''} {e.responseStatus?.message ?? ''}
        </Row>
        <Row label="authorization">
          {annotations['authorization.k8s.io/decision'] ?? '—'} {annotations['authorization.k8s.io/reason'] ?? ''}
        </Row>
        <Row label="audit ID">
          {e.auditID} · level {e.level}
        </Row>
      </dl>
      <h3>Integrity</h3>
      <p data-testid="integrity" class={integrity ? (integrity.ok ? 'ok' : 'error') : ''}>
        {integrity ? `${integrity.ok ? '✔' : '✘'} ${integrity.message}` : 'checking the inclusion proof…'}
      </p>
      <details>
        <summary>inclusion proof ({detail.proof.hashes.length} hashes) and checkpoint</summary>
        <pre>{detail.proof.hashes.join('\n')}</pre>
        <pre>{detail.proof.checkpoint}</pre>
      </details>
      <h3>The event as stored (shown indented; the ledger keeps its exact bytes)</h3>
      <pre class="raw" data-testid="raw">
        {JSON.stringify(e, null, 2) || detail.raw}
      </pre>
    </section>
  );
}
