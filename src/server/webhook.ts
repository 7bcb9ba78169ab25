/**
 * The webhook receiver's core: one EventList body in, one answer out. A batch is
 * acknowledged (2xx) only after it is committed to the ledger — durable and signed —
 * because kube-apiserver drops a batch it got a 2xx for. Anything else is an error status
 * kube-apiserver retries: 400 for a body it must not resend as is (it would not help, but
 * it retries anyway; the reason is logged), 503 when the queue is full or the disk is.
 *
 * Commits are serial (one writer per store), and grouped: the batches that arrive while a
 * commit runs are committed together by the next one (one fsync and one signed checkpoint
 * for all), so under load the cost per batch falls instead of the queue growing. At most
 * `maxQueued` batches wait; beyond that the receiver answers 503 at once instead of
 * holding connections and memory.
 */
import { commitGroups, parseEventListBody, type BatchOutcome, type PendingWithKey } from '../ingest/index.js';
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

interface Waiting {
  events: PendingWithKey[];
  resolve: (o: BatchOutcome) => void;
  reject: (e: unknown) => void;
}

export class WebhookReceiver {
  readonly #store: Store;
  readonly #maxQueued: number;
  #queued = 0;
  #waiting: Waiting[] = [];
  #committing = false;
  readonly stats: WebhookStats = { batches: 0, committed: 0, duplicates: 0, rejected: 0, overloaded: 0, diskFull: 0 };
  onCommitted?: (outcome: BatchOutcome, seconds: number) => void;

  constructor(store: Store, options: { maxQueued?: number } = {}) {
    this.#store = store;
    this.#maxQueued = options.maxQueued ?? 16;
  }

  get queued(): number {
    return this.#queued;
  }

  /** Commits what is waiting, in groups, until nothing is. */
  #kick(): void {
    if (this.#committing || this.#waiting.length === 0) return;
    this.#committing = true;
    void (async () => {
      while (this.#waiting.length > 0) {
        // A group is capped so that one commit stays short (and its memory bounded).
        const group: Waiting[] = [];
        let events = 0;
        while (this.#waiting.length > 0 && (group.length === 0 || events + this.#waiting[0].events.length <= MAX_GROUP_EVENTS)) {
          const next = this.#waiting.shift()!;
          group.push(next);
          events += next.events.length;
        }
        const started = performance.now();
        try {
          const outcomes = await commitGroups(this.#store, group.map((g) => g.events));
          const seconds = (performance.now() - started) / 1000;
          group.forEach((g, i) => {
            this.onCommitted?.(outcomes[i], seconds);
            g.resolve(outcomes[i]);
          });
        } catch (err) {
          for (const g of group) g.reject(err);
        }
      }
      this.#committing = false;
    })();
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
    const run = new Promise<BatchOutcome>((resolve, reject) => this.#waiting.push({ events: parsed.events, resolve, reject }));
    this.#kick();
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

/** Events per group commit at most (20 batches of kube-apiserver's default 400). */
const MAX_GROUP_EVENTS = 8000;

function isDiskFull(err: unknown): boolean {
  const e = err as { code?: string; message?: string; cause?: { code?: string } };
  return e?.code === 'ENOSPC' || e?.cause?.code === 'ENOSPC' || /ENOSPC|no space left/i.test(e?.message ?? '');
}
