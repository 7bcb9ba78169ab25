/**
 * verifyStore: does the store hold exactly what its signed checkpoint says, and does the
 * index agree? Reads every segment sequentially (not through the block index, which it
 * checks too), recomputes every leaf hash and every stored interior hash in order with
 * an O(log n) fringe, compares each with the hashes file, folds the fringe into the root
 * and compares it with the checkpoint; and recomputes each event's index row from its
 * bytes and compares it column by column with the index (verify-index.ts: on two worker
 * threads while this one hashes, for a large store). Names the first bad entry.
 */
import { closeSync, existsSync, fstatSync, openSync, readFileSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { HASH_SIZE, checkConsistency, equalHashes, hashChildren, hashLeaf, emptyRoot, isLedgerError, newVerifier, openCheckpoint, proveConsistency, storedHashIndex, storedHashCount, treeHash } from '../ledger/index.js';
import type { Verifier } from '../ledger/index.js';
import { StoreError } from './errors.js';
import { listSegments, readCheckpoint } from './ledger-files/file-ledger.js';
import {
  BLOCKS_FILE,
  BLOCK_ENTRY_SIZE,
  BLOCK_HEADER_SIZE,
  HASHES_FILE,
  INDEX_FILE,
  LEDGER_DIR,
  VERIFIER_KEY_FILE,
  decodeBlockEntry,
  decodeBlockHeader,
  decodePayload,
  segmentName,
  segmentPath,
} from './ledger-files/layout.js';
import { decompressBlock } from './ledger-files/block-codec.js';
import { HashFile } from './ledger-files/hash-file.js';
import { PRUNE_FILE, openPruneRecord, type PruneRecord } from './ledger-files/prune-record.js';
import { openSqliteIndex } from './sqlite/sqlite-index.js';
import { INDEX_CHECK_ON_WORKERS, checkIndexOnWorkers, checkStoreIndexRange, type IndexRangeResult } from './verify-index.js';

/** Threads checking index rows when there are many (with this one checking hashes, on two cores). */
const INDEX_CHECK_WORKERS = 2;

export interface VerifyProblem {
  /** Where: a file of the store, with segment/leaf details in the message. */
  file: string;
  leaf: number | null;
  message: string;
}

export interface VerifyReport {
  ok: boolean;
  /** Events the checkpoint signs. */
  size: number;
  /** Events whose bytes were read and checked. */
  checked: number;
  indexChecked: number;
  /** The first bad entry (verify stops there). */
  problem: VerifyProblem | null;
  /** Things that are not tampering: an interrupted batch beyond the checkpoint, a missing index, a signed prune. */
  notes: string[];
  /** Events whose bodies a signed prune record dropped (their hashes are still checked against the root). */
  pruned: number;
}

export interface VerifyOptions {
  /** Trust only this verifier key (else the store's verifier.key). */
  verifierKey?: string;
  /** Check the index too (default true when it exists). */
  index?: boolean;
  /**
   * A checkpoint saved elsewhere earlier (a witness's copy): the store must still contain
   * the tree it signed, unchanged (RFC 6962 consistency). Catches a history rewritten by
   * someone holding the signing key: truncated and re-appended, then re-signed.
   */
  witnessCheckpoint?: string;
  /** Index rows past which the index is checked on worker threads (default INDEX_CHECK_ON_WORKERS; tests lower it). */
  indexOnWorkersFrom?: number;
}

class Stop extends Error {
  constructor(readonly problem: VerifyProblem) {
    super(problem.message);
  }
}

function fail(file: string, leaf: number | null, message: string): never {
  throw new Stop({ file, leaf, message });
}

/** Reads a file front to back in chunks, HASH_SIZE bytes at a time. */
class SequentialHashes {
  readonly #fd: number;
  #buf = Buffer.alloc(1 << 20);
  #len = 0;
  #pos = 0;
  #filePos = 0;
  index = 0;
  constructor(fd: number, start = 0) {
    this.#fd = fd;
    this.#filePos = start * HASH_SIZE;
    this.index = start;
  }
  next(): Buffer | null {
    if (this.#pos + HASH_SIZE > this.#len) {
      const rest = this.#len - this.#pos;
      this.#buf.copy(this.#buf, 0, this.#pos, this.#len);
      const got = this.#fd < 0 ? 0 : readSync(this.#fd, this.#buf, rest, this.#buf.length - rest, this.#filePos);
      this.#filePos += got;
      this.#len = rest + got;
      this.#pos = 0;
      if (this.#len < HASH_SIZE) return null;
    }
    const h = this.#buf.subarray(this.#pos, this.#pos + HASH_SIZE);
    this.#pos += HASH_SIZE;
    this.index++;
    return h;
  }
}

function hex(b: Uint8Array): string {
  return Buffer.from(b).toString('hex').slice(0, 16);
}

export async function verifyStore(dir: string, options: VerifyOptions = {}): Promise<VerifyReport> {
  const vkeyPath = join(dir, VERIFIER_KEY_FILE);
  const vkeyText = options.verifierKey ?? (existsSync(vkeyPath) ? readFileSync(vkeyPath, 'utf8') : null);
  if (vkeyText === null) throw new StoreError('NOT_A_STORE', `${dir}: not a kubetrail store (no ${VERIFIER_KEY_FILE})`);
  let verifier;
  try {
    verifier = newVerifier(vkeyText.trim());
  } catch (err) {
    if (isLedgerError(err)) throw new StoreError('BAD_KEY', `${options.verifierKey !== undefined ? 'the key given' : vkeyPath}: ${err.message}`);
    throw err;
  }
  const report: VerifyReport = { ok: true, size: 0, checked: 0, indexChecked: 0, problem: null, notes: [], pruned: 0 };
  const fds: number[] = [];
  const openIf = (p: string): number => {
    if (!existsSync(p)) return -1;
    const fd = openSync(p, 'r');
    fds.push(fd);
    return fd;
  };
  const indexPath = join(dir, INDEX_FILE);
  const index = options.index !== false && existsSync(indexPath) ? openSqliteIndex(indexPath, { readonly: true }) : null;
  if (index === null) report.notes.push('no index to check');
  let indexCheck: Promise<IndexRangeResult> | null = null;
  try {
    let cp;
    try {
      cp = readCheckpoint(dir, verifier);
    } catch (err) {
      if (err instanceof StoreError && err.code === 'TAMPERED') fail('checkpoint', null, err.message);
      throw err;
    }
    const size = cp.size;
    report.size = size;
    const blocks = existsSync(join(dir, LEDGER_DIR, BLOCKS_FILE)) ? readFileSync(join(dir, LEDGER_DIR, BLOCKS_FILE)) : Buffer.alloc(0);
    const hashesFd = openIf(join(dir, LEDGER_DIR, HASHES_FILE));

    // Retention: events before a signed prune record's keepFrom have no bodies. Their
    // stored hashes still feed the root compared with the checkpoint below, and the
    // record itself must be signed by the trusted key and name this tree's root.
    const prunePath = join(dir, LEDGER_DIR, PRUNE_FILE);
    let prune: PruneRecord | null = null;
    if (existsSync(prunePath)) {
      try {
        prune = openPruneRecord(readFileSync(prunePath, 'utf8'), verifier);
      } catch (err) {
        if (err instanceof StoreError) fail(`${LEDGER_DIR}/${PRUNE_FILE}`, null, err.message);
        throw err;
      }
      if (prune.treeSize > size) fail(`${LEDGER_DIR}/${PRUNE_FILE}`, null, `the prune record was signed at ${prune.treeSize} events, beyond the checkpoint's ${size}`);
    }
    const keepFrom = prune?.keepFrom ?? 0;
    let leaf = keepFrom;
    let blockNo = 0;
    let firstSegment = 0;
    const fringe: Uint8Array[] = [];
    if (keepFrom > 0) {
      const hashFile = new HashFile(hashesFd, storedHashCount(size));
      for (; blockNo * BLOCK_ENTRY_SIZE + BLOCK_ENTRY_SIZE <= blocks.length; blockNo++) {
        const e = decodeBlockEntry(blocks, blockNo * BLOCK_ENTRY_SIZE);
        if (e.firstLeaf >= keepFrom) break;
      }
      if (blockNo * BLOCK_ENTRY_SIZE + BLOCK_ENTRY_SIZE > blocks.length) fail(BLOCKS_FILE, keepFrom, `no block starts at event ${keepFrom}, where the prune record says the stored events begin`);
      const first = decodeBlockEntry(blocks, blockNo * BLOCK_ENTRY_SIZE);
      if (first.firstLeaf !== keepFrom || first.offset !== 0) fail(BLOCKS_FILE, keepFrom, `the prune record keeps events from ${keepFrom}, which does not start a segment`);
      firstSegment = first.segment;
      // The fringe at keepFrom: the roots of the complete subtrees covering [0, keepFrom).
      try {
        let start = 0;
        for (let level = Math.floor(Math.log2(keepFrom)); level >= 0; level--) {
          const width = 2 ** level;
          if (start + width > keepFrom) continue;
          fringe.push(hashFile.readHashes([storedHashIndex(level, start / width)])[0]);
          start += width;
        }
        if (!equalHashes(treeHash(prune!.treeSize, hashFile), prune!.root)) fail(`${LEDGER_DIR}/${PRUNE_FILE}`, null, `the prune record's root at ${prune!.treeSize} events is not this tree's`);
      } catch (err) {
        if (err instanceof StoreError) fail(HASHES_FILE, null, err.message);
        throw err;
      }
      report.pruned = keepFrom;
      report.notes.push(`events 0–${keepFrom - 1} were pruned by a signed record (${prune!.reason}, ${prune!.time}); their hashes are still part of the verified tree`);
    }
    const hashes = new SequentialHashes(hashesFd, storedHashIndex(0, keepFrom));
    // Missing segments first: they explain everything after them (index rows included).
    const allSegments = listSegments(dir);
    const segments = allSegments.filter((s) => s >= firstSegment);
    if (allSegments.length > segments.length) report.notes.push(`${allSegments.length - segments.length} pruned segment file(s) are still on disk (the next ingest or prune removes them)`);
    segments.forEach((s, i) => {
      const want = firstSegment + i;
      if (s !== want && leaf < size) fail(segmentName(want), leaf, `segment ${segmentName(want)} is missing (found ${segmentName(s)} instead)${keepFrom === 0 ? ' and no signed prune record authorises removing events' : ''}`);
    });
    if (segments.length > 0 && segments[0] !== firstSegment && leaf < size) fail(segmentName(firstSegment), leaf, `segment ${segmentName(firstSegment)} is missing${keepFrom === 0 ? ' and no signed prune record authorises removing events' : ''}`);
    const indexed = index === null ? 0 : await index.indexedSize();
    if (index !== null) {
      const count = await index.rowCount();
      // Behind is not tampering (a crash or a full disk between commit and index): the rows
      // it has are checked, and the lag is reported. Ahead of the ledger is tampering.
      if (indexed > size) fail(INDEX_FILE, null, `the index covers ${indexed} events but the ledger holds ${size}`);
      if (indexed < size) report.notes.push(`the index is behind the ledger by ${size - indexed} events (a crash or a full disk after a commit); it catches up on the next ingest, or run kubetrail reindex`);
      if (count !== indexed - keepFrom) fail(INDEX_FILE, null, `the index has ${count} rows, but says it covers events ${keepFrom}–${indexed - 1}`);
    }

    // The index rows of the stored, indexed events: on worker threads while this one checks
    // the hashes when there are many (see verify-index.ts), here afterwards when few.
    const checkTo = index === null ? keepFrom : Math.min(indexed, size);
    if (index !== null && checkTo - keepFrom >= (options.indexOnWorkersFrom ?? INDEX_CHECK_ON_WORKERS)) indexCheck = checkIndexOnWorkers(dir, vkeyText.trim(), keepFrom, checkTo, INDEX_CHECK_WORKERS);

    // The places a problem is named in are built only for a problem (once per hash, they
    // cost more than comparing the hashes).
    const checkHash = (want: Uint8Array, leaf: number, what: string, segment: number): void => {
      const at = hashes.index;
      const got = hashes.next();
      if (got === null) fail(HASHES_FILE, leaf, `${segmentName(segment)}, event ${leaf}: stored hash ${at} (${what}) is missing: the hashes file ends early`);
      if (!equalHashes(got, want)) {
        fail(what === 'leaf hash' ? segmentName(segment) : HASHES_FILE, leaf, `${segmentName(segment)}, event ${leaf}: ${what} recomputed from the stored bytes is ${hex(want)}…, the hashes file records ${hex(got)}… (stored hash ${at})`);
      }
    };

    // A problem of the ledger in this pass, and the event it is at: index rows are checked
    // up to there (a row problem before it is the first bad entry).
    let ledgerStop: Stop | null = null;
    let ledgerAt = Number.POSITIVE_INFINITY;
    try {
      for (const s of segments) {
        if (leaf >= size) break;
        const fd = openIf(segmentPath(dir, s));
        const segSize = fstatSync(fd).size;
        let pos = 0;
        while (pos < segSize && leaf < size) {
          const header = Buffer.alloc(BLOCK_HEADER_SIZE);
          const got = readSync(fd, header, 0, BLOCK_HEADER_SIZE, pos);
          const where = `${segmentName(s)}, block at byte ${pos}`;
          const h = decodeBlockHeader(header.subarray(0, got), 0);
          if (typeof h === 'string') fail(segmentName(s), leaf, `${where}: ${h}`);
          if (h.firstLeaf !== leaf) fail(segmentName(s), leaf, `${where}: starts at event ${h.firstLeaf}, expected ${leaf} (events missing, swapped or re-appended)`);
          // Read no more than the segment holds, whatever a changed header claims.
          const compressed = Buffer.allocUnsafe(Math.min(h.compressedLength, Math.max(0, segSize - pos - BLOCK_HEADER_SIZE)));
          const cgot = readSync(fd, compressed, 0, compressed.length, pos + BLOCK_HEADER_SIZE);
          if (cgot !== h.compressedLength) fail(segmentName(s), leaf, `${where}: truncated (${cgot} of ${h.compressedLength} compressed bytes)`);
          // The block index must describe the same block.
          const at = blockNo * BLOCK_ENTRY_SIZE;
          if (at + BLOCK_ENTRY_SIZE > blocks.length) fail(BLOCKS_FILE, leaf, `entry ${blockNo} for ${where} is missing`);
          const e = decodeBlockEntry(blocks, at);
          if (e.segment !== s || e.offset !== pos || e.firstLeaf !== h.firstLeaf || e.count !== h.count || e.compressedLength !== h.compressedLength || e.payloadLength !== h.payloadLength) {
            fail(BLOCKS_FILE, leaf, `entry ${blockNo} disagrees with ${where}`);
          }
          let payload: Buffer;
          try {
            payload = decompressBlock(h.codec, compressed, h.payloadLength);
          } catch (err) {
            fail(segmentName(s), leaf, `${where} (events ${leaf}–${leaf + h.count - 1}): does not decompress (${(err as Error).message}): its bytes were changed`);
          }
          const leaves = decodePayload(payload, h.count);
          if (typeof leaves === 'string') fail(segmentName(s), leaf, `${where}: ${leaves}`);
          for (const bytes of leaves) {
            if (leaf >= size) {
              report.notes.push(`${where}: events from ${leaf} on are beyond the signed checkpoint (an interrupted batch; the next ingest removes them)`);
              break;
            }
            let h2 = hashLeaf(bytes);
            checkHash(h2, leaf, 'leaf hash', s);
            for (let n = leaf; n % 2 === 1; n = (n - 1) / 2) {
              h2 = hashChildren(fringe.pop()!, h2);
              checkHash(h2, leaf, 'interior hash', s);
            }
            fringe.push(h2);
            leaf++;
            report.checked++;
          }
          pos += BLOCK_HEADER_SIZE + h.compressedLength;
          blockNo++;
        }
      }
    } catch (err) {
      if (!(err instanceof Stop)) throw err;
      ledgerStop = err;
      ledgerAt = err.problem.leaf ?? Number.POSITIVE_INFINITY;
    }
    // The rollups are checked while the index workers still run (this thread would only
    // wait for them), and reported after them: a bad row or event is the first bad entry.
    const rollupWrong = ledgerStop === null && index !== null && index.rollupDisagreement !== undefined ? await index.rollupDisagreement() : null;
    if (index !== null) {
      const upTo = Math.min(checkTo, ledgerAt);
      const result = indexCheck !== null ? await indexCheck : await checkStoreIndexRange(dir, verifier, index, keepFrom, upTo);
      report.indexChecked = Math.min(result.checked, Math.max(0, upTo - keepFrom));
      if (result.problem !== null && result.problem.leaf < ledgerAt) fail(result.problem.file, result.problem.leaf, result.problem.message);
      if (ledgerStop === null && result.failed !== undefined) fail(result.failed.file, result.failed.leaf, result.failed.message);
    }
    if (ledgerStop !== null) throw ledgerStop;
    // The totals behind top-N and stats are part of the index too.
    if (rollupWrong !== null) fail(INDEX_FILE, null, rollupWrong);
    if (leaf < size) fail(segments.length > 0 ? segmentName(segments.at(-1)!) : LEDGER_DIR, leaf, `the segments hold ${leaf} events but the checkpoint signs ${size}: events ${leaf}–${size - 1} are missing`);
    let root = fringe.length === 0 ? emptyRoot() : fringe[fringe.length - 1];
    for (let i = fringe.length - 2; i >= 0; i--) root = hashChildren(fringe[i], root);
    if (cp.root !== null && !equalHashes(root, cp.root)) fail('checkpoint', null, `the tree root recomputed from ${size} stored events is ${hex(root)}…, the signed checkpoint says ${hex(cp.root)}…`);
    if (options.witnessCheckpoint !== undefined) checkWitness(options.witnessCheckpoint, verifier, size, root, hashesFd, report);
  } catch (err) {
    if (!(err instanceof Stop)) throw err;
    report.ok = false;
    report.problem = err.problem;
  } finally {
    // A worker still running (the ledger failed first) finishes before the files close.
    await indexCheck?.catch(() => undefined);
    for (const fd of fds) closeSync(fd);
    await index?.close();
  }
  return report;
}

/**
 * The store's tree (now verified from its bytes) must extend the tree a witness saw: same
 * origin and key, no smaller, and a consistency proof from the stored hashes that checks
 * against both roots.
 */
function checkWitness(text: string, verifier: Verifier, size: number, root: Uint8Array, hashesFd: number, report: VerifyReport): void {
  let witness;
  try {
    witness = openCheckpoint(text, [verifier], { origin: verifier.name }).checkpoint;
  } catch (err) {
    if (isLedgerError(err)) fail('--checkpoint', null, `the witness checkpoint does not verify with the trusted key: ${err.message}`);
    throw err;
  }
  if (witness.size > size) fail('checkpoint', null, `a checkpoint signed earlier covers ${witness.size} events, the store now holds ${size}: events were removed (the log was rolled back)`);
  if (witness.size === 0) return;
  const hashes = new HashFile(hashesFd, storedHashCount(size));
  const proof = proveConsistency(size, witness.size, hashes);
  try {
    checkConsistency(proof, size, root, witness.size, witness.root);
  } catch (err) {
    if (isLedgerError(err)) fail('checkpoint', null, `the store is not consistent with the checkpoint signed earlier at ${witness.size} events: history before it was rewritten (${err.message})`);
    throw err;
  }
  report.notes.push(`consistent with the witness checkpoint at ${witness.size} events`);
}
