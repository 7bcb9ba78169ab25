/**
 * The webhook receiver's core: one EventList body in, one answer out. A batch is
 * acknowledged (2xx) only after it is committed to the ledger — durable and signed —
 * because kube-apiserver drops a batch it got a 2xx for. Anything else is an error status
 * kube-apiserver retries: 400 for a body it must not resend as is (it would not help, but
 * it retries anyway; the reason is logged), 503 when the queue is full or the disk is.
 *
 * Commits are serial (one writer per store). At most `maxQueued` batches wait; beyond that
 * the receiver answers 503 at once instead of holding connections and memory.
 */
import { commitPending, parseEventListBody, type BatchOutcome } from '../ingest/index.js';
import type { Store } from '../store/index.js';

export interface WebhookAnswer {
  status: number;
  json: Record<string, unknown>;
  /** Seconds a client should wait before retrying (503). */
  retryAfter?: number;
}

export interface WebhookStats {
  batches: number;
  committed: number;
  duplicates: number;
  rejected: number;
  overloaded: number;
  diskFull: number;
}

export class WebhookReceiver {
  readonly #store: Store;
  readonly #maxQueued: number;
  #queued = 0;
  #tail: Promise<unknown> = Promise.resolve();
  readonly stats: WebhookStats = { batches: 0, committed: 0, duplicates: 0, rejected: 0, overloaded: 0, diskFull: 0 };
  onCommitted?: (outcome: BatchOutcome, seconds: number) => void;

  constructor(store: Store, options: { maxQueued?: number } = {}) {
    this.#store = store;
    this.#maxQueued = options.maxQueued ?? 16;
  }

  get queued(): number {
    return this.#queued;
  }

  /** Handles one body (already size-checked). Never throws. */
  async receive(body: Buffer): Promise<WebhookAnswer> {
    const parsed = parseEventListBody(body);
    if (!parsed.ok) {
      this.stats.rejected++;
      return { status: 400, json: { error: parsed.reason } };
    }
    if (this.#queued >= this.#maxQueued) {
      this.stats.overloaded++;
      return { status: 503, json: { error: `overloaded: ${this.#queued} batches are waiting to be committed; retry` }, retryAfter: 1 };
    }
    this.#queued++;
    const run = this.#tail.then(async () => {
      const started = performance.now();
      const outcome = await commitPending(this.#store, parsed.events);
      this.onCommitted?.(outcome, (performance.now() - started) / 1000);
      return outcome;
    });
    this.#tail = run.catch(() => undefined);
    try {
      const outcome = await run;
      this.stats.batches++;
      this.stats.committed += outcome.committed;
      this.stats.duplicates += outcome.duplicates;
      return { status: 200, json: { committed: outcome.committed, duplicates: outcome.duplicates, size: outcome.size } };
    } catch (err) {
      if (isDiskFull(err)) {
        this.stats.diskFull++;
        return { status: 503, json: { error: 'the store\'s disk is full; nothing of this batch was stored' }, retryAfter: 30 };
      }
      return { status: 503, json: { error: 'the batch could not be committed; nothing of it was stored' }, retryAfter: 5 };
    } finally {
      this.#queued--;
    }
  }
}

function isDiskFull(err: unknown): boolean {
  const e = err as { code?: string; message?: string; cause?: { code?: string } };
  return e?.code === 'ENOSPC' || e?.cause?.code === 'ENOSPC' || /ENOSPC|no space left/i.test(e?.message ?? '');
}
