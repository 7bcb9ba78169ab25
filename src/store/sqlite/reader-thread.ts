/**
 * The main thread's side of read-worker.ts: one worker with its own read-only connection,
 * started on the first heavy read, answering one request after another.
 */
import { Worker } from 'node:worker_threads';
import { compiledModule } from '../../runtime/paths.js';
import type { HeavyRead, ReadRequest } from './read-worker.js';

export class ReaderThread {
  readonly #path: string;
  #worker: Worker | null = null;
  #nextId = 0;
  readonly #waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();

  constructor(path: string) {
    this.#path = path;
  }

  #start(): Worker {
    if (this.#worker !== null) return this.#worker;
    const worker = new Worker(compiledModule('store/sqlite/read-worker.js'), { workerData: { kubetrailRead: { path: this.#path } } });
    worker.on('message', (m: { id: number; value?: unknown; error?: string; code?: string }) => {
      const w = this.#waiting.get(m.id);
      if (w === undefined) return;
      this.#waiting.delete(m.id);
      if (m.error !== undefined) w.reject(Object.assign(new Error(m.error), { code: m.code }));
      else w.resolve(m.value);
    });
    const failAll = (err: Error) => {
      for (const w of this.#waiting.values()) w.reject(err);
      this.#waiting.clear();
      this.#worker = null; // the next read starts a new one
    };
    worker.on('error', failAll);
    worker.on('exit', (code) => failAll(new Error(`the index reader thread stopped (exit ${code})`)));
    // A reader waiting for work must not keep the process alive.
    worker.unref();
    this.#worker = worker;
    return worker;
  }

  #send(op: ReadRequest['op'], args: unknown[], worker: Worker): Promise<unknown> {
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#waiting.set(id, { resolve, reject });
      // While a request is out, the worker keeps the process alive for its answer.
      worker.ref();
      const request: ReadRequest = { id, op, args };
      worker.postMessage(request);
    }).finally(() => {
      if (this.#waiting.size === 0) worker.unref();
    });
  }

  read<T>(op: HeavyRead, ...args: unknown[]): Promise<T> {
    return this.#send(op, args, this.#start()) as Promise<T>;
  }

  async close(): Promise<void> {
    const worker = this.#worker;
    if (worker === null) return;
    this.#worker = null;
    await this.#send('close', [], worker).catch(() => undefined);
    await worker.terminate();
  }
}
