/**
 * The one error type of the ledger. Every failure a caller can cause — a bad size, an
 * index out of range, a proof that does not prove, a malformed checkpoint or note, a key
 * that does not parse, a signature that does not verify — is a LedgerError whose `code`
 * says which, so callers branch on the code and show the message.
 */

/** What went wrong, as data. */
export type LedgerErrorCode =
  /** A tree size that is not a safe integer in [0, MAX_TREE_SIZE], or sizes in the wrong order. */
  | 'BAD_SIZE'
  /** A leaf index or stored hash index outside the tree. */
  | 'BAD_INDEX'
  /** A hash that is not HASH_SIZE bytes long. */
  | 'BAD_HASH'
  /** A proof that does not prove the claim: wrong length, wrong hashes, wrong root. */
  | 'BAD_PROOF'
  /** A HashReader answered with the wrong number of hashes or a hash of the wrong size. */
  | 'BAD_READ'
  /** A tile that does not hold the hash asked for, or tile data of the wrong size. */
  | 'BAD_TILE'
  /** A checkpoint body that is not exactly the C2SP tlog-checkpoint format. */
  | 'BAD_CHECKPOINT'
  /** A signed note that is not exactly the C2SP signed-note format. */
  | 'BAD_NOTE'
  /** A signer or verifier key string that does not parse, or names that clash. */
  | 'BAD_KEY'
  /** A well-formed note with no signature by any trusted key. */
  | 'UNVERIFIED_NOTE'
  /** A signature by a trusted key that does not verify: the note was altered or forged. */
  | 'INVALID_SIGNATURE'
  /** A checkpoint from another log than the one expected. */
  | 'WRONG_ORIGIN';

export class LedgerError extends Error {
  readonly code: LedgerErrorCode;
  /** For parse errors: the 1-based line of the note or checkpoint at fault. */
  readonly line: number | undefined;

  constructor(code: LedgerErrorCode, message: string, line?: number) {
    super(line === undefined ? message : `line ${line}: ${message}`);
    this.name = 'LedgerError';
    this.code = code;
    this.line = line;
  }
}

/** True for LedgerErrors, optionally of one code; for `catch` blocks and tests. */
export function isLedgerError(err: unknown, code?: LedgerErrorCode): err is LedgerError {
  return err instanceof LedgerError && (code === undefined || err.code === code);
}
