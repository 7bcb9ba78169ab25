/**
 * The one error type of the store. `code` says what kind of failure it is so that the
 * CLI can map it to an exit code: TAMPERED is a negative answer (exit 1); everything
 * else is a usage, I/O or internal problem (exit 2).
 */
export type StoreErrorCode =
  /** The directory is not a store, or lacks a file it needs (run keygen first). */
  | 'NOT_A_STORE'
  /** A key file that does not parse, or a signing key that does not belong to this store. */
  | 'BAD_KEY'
  /** The store's files disagree with its signed checkpoint or with each other. */
  | 'TAMPERED'
  /** Reading or writing the store's files failed. */
  | 'IO'
  /** A request outside the store (a leaf number beyond the tree, a filter that does not parse). */
  | 'BAD_REQUEST'
  /** Another process holds the store's writer lock (one writer at a time). */
  | 'BUSY'
  /** The event's body was dropped by a signed prune record (retention); its hash remains in the tree. */
  | 'PRUNED';

export class StoreError extends Error {
  readonly code: StoreErrorCode;
  constructor(code: StoreErrorCode, message: string) {
    super(message);
    this.name = 'StoreError';
    this.code = code;
  }
}

export function isStoreError(err: unknown, code?: StoreErrorCode): err is StoreError {
  return err instanceof StoreError && (code === undefined || err.code === code);
}
