/**
 * C2SP tlog-checkpoints: format/parse round trips, signatures, tampering, and the strict
 * parser's refusals (each with the line at fault); with checkpoints of a real tree.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  MAX_TREE_SIZE,
  MemoryHashStore,
  checkConsistency,
  formatCheckpoint,
  generateSignerKey,
  isLedgerError,
  newSigner,
  newVerifier,
  openCheckpoint,
  parseCheckpoint,
  signCheckpoint,
  signNote,
  type Checkpoint,
  type LedgerErrorCode,
} from '../../src/ledger/index.js';
import { hex } from './reference.js';

const ORIGIN = 'example.com/kubetrail/test';
const store = new MemoryHashStore();
for (let i = 0; i < 20; i++) store.appendRecord(new TextEncoder().encode(`leaf-${i}`));
const cp: Checkpoint = { origin: ORIGIN, size: 20, root: store.root(), extensions: [] };
const ROOT64 = Buffer.from(cp.root).toString('base64');
const BODY = `${ORIGIN}\n20\n${ROOT64}\n`;

const log = generateSignerKey(ORIGIN);
const logS = newSigner(log.skey);
const logV = newVerifier(log.vkey);
const other = generateSignerKey(ORIGIN); // same name, another key
const otherS = newSigner(other.skey);
const otherV = newVerifier(other.vkey);

function failure(run: () => unknown): { code: LedgerErrorCode; message: string; line: number | undefined } | 'accepted' {
  try {
    run();
    return 'accepted';
  } catch (err) {
    if (!isLedgerError(err)) throw err;
    return { code: err.code, message: err.message, line: err.line };
  }
}

describe('checkpoint bodies', () => {
  test('format gives the C2SP lines, parse gives the checkpoint back', () => {
    assert.equal(formatCheckpoint(cp), BODY);
    const back = parseCheckpoint(BODY);
    assert.deepEqual({ ...back, root: hex(back.root) }, { ...cp, root: hex(cp.root) });
  });

  const ROUND_TRIPS: Checkpoint[] = [
    { origin: 'o', size: 0, root: new Uint8Array(32), extensions: [] },
    { origin: 'example.com/log with spaces inside', size: MAX_TREE_SIZE, root: new Uint8Array(32).fill(255), extensions: ['ext one', '— x y', 'Timestamp: 1700000000'] },
    { origin: 'ünïcödé.example/日志', size: 1, root: cp.root, extensions: [] },
  ];
  for (const c of ROUND_TRIPS) {
    test(`round trip: ${c.origin}, size ${c.size}, ${c.extensions.length} extensions`, () => {
      const text = formatCheckpoint(c);
      assert.equal(formatCheckpoint(parseCheckpoint(text)), text);
      const opened = openCheckpoint(signCheckpoint(c, [logS]), [logV]).checkpoint;
      assert.equal(opened.size, c.size);
      assert.equal(opened.origin, c.origin);
      assert.deepEqual(opened.extensions, c.extensions);
      assert.equal(hex(opened.root), hex(c.root));
    });
  }

  const MALFORMED: { desc: string; text: string; line?: number; message: RegExp }[] = [
    { desc: 'no final newline', text: BODY.slice(0, -1), message: /end with a newline/ },
    { desc: 'only two lines', text: `${ORIGIN}\n20\n`, message: /got 2 lines/ },
    { desc: 'an empty origin', text: `\n20\n${ROOT64}\n`, line: 1, message: /origin/ },
    { desc: 'an origin with a trailing space', text: `${ORIGIN} \n20\n${ROOT64}\n`, line: 1, message: /white space/ },
    { desc: 'a size with a leading zero', text: `${ORIGIN}\n020\n${ROOT64}\n`, line: 2, message: /canonical decimal/ },
    { desc: 'size "00"', text: `${ORIGIN}\n00\n${ROOT64}\n`, line: 2, message: /canonical decimal/ },
    { desc: 'a size with a plus sign', text: `${ORIGIN}\n+20\n${ROOT64}\n`, line: 2, message: /canonical decimal/ },
    { desc: 'a negative size', text: `${ORIGIN}\n-1\n${ROOT64}\n`, line: 2, message: /canonical decimal/ },
    { desc: 'a size with a space before', text: `${ORIGIN}\n 20\n${ROOT64}\n`, line: 2, message: /canonical decimal/ },
    { desc: 'a size with a space after', text: `${ORIGIN}\n20 \n${ROOT64}\n`, line: 2, message: /canonical decimal/ },
    { desc: 'a size in exponent form', text: `${ORIGIN}\n2e1\n${ROOT64}\n`, line: 2, message: /canonical decimal/ },
    { desc: 'a hexadecimal size', text: `${ORIGIN}\n0x14\n${ROOT64}\n`, line: 2, message: /canonical decimal/ },
    { desc: 'a size beyond 2^52', text: `${ORIGIN}\n${MAX_TREE_SIZE + 1}\n${ROOT64}\n`, line: 2, message: /larger than 2\^52/ },
    { desc: 'a huge size', text: `${ORIGIN}\n18446744073709551616\n${ROOT64}\n`, line: 2, message: /canonical decimal/ },
    { desc: 'an empty size', text: `${ORIGIN}\n\n${ROOT64}\n`, line: 2, message: /canonical decimal/ },
    { desc: 'a root of 31 bytes', text: `${ORIGIN}\n20\n${Buffer.from(cp.root.subarray(1)).toString('base64')}\n`, line: 3, message: /root hash/ },
    { desc: 'a root of 33 bytes', text: `${ORIGIN}\n20\n${Buffer.concat([cp.root, Uint8Array.of(0)]).toString('base64')}\n`, line: 3, message: /root hash/ },
    { desc: 'a root without padding', text: `${ORIGIN}\n20\n${ROOT64.slice(0, -1)}\n`, line: 3, message: /root hash/ },
    { desc: 'a root in URL-safe base64', text: `${ORIGIN}\n20\n${Buffer.from(new Uint8Array(32).fill(0xfb)).toString('base64url')}=\n`, line: 3, message: /root hash/ },
    { desc: 'a root with non-canonical trailing bits', text: `${ORIGIN}\n20\n${'A'.repeat(42)}B=\n`, line: 3, message: /root hash/ },
    { desc: 'a root with a trailing space', text: `${ORIGIN}\n20\n${ROOT64} \n`, line: 3, message: /root hash/ },
    { desc: 'a root in hex', text: `${ORIGIN}\n20\n${hex(cp.root)}\n`, line: 3, message: /root hash/ },
    { desc: 'an empty extension line', text: `${BODY}\nx\n`, line: 4, message: /extension lines must not be empty/ },
    { desc: 'CRLF line ends', text: BODY.replace(/\n/g, '\r\n'), line: 1, message: /carriage return/ },
    { desc: 'a NUL in the origin', text: `exa\u0000mple\n20\n${ROOT64}\n`, line: 1, message: /U\+0000/ },
    { desc: 'over 64 KiB', text: `${BODY}${'x'.repeat(70_000)}\n`, message: /longer than/ },
    { desc: 'too many extension lines', text: `${BODY}${'e\n'.repeat(65)}`, line: 68, message: /more than 64 extension lines/ },
  ];
  for (const c of MALFORMED) {
    test(`malformed: ${c.desc}`, () => {
      const got = failure(() => parseCheckpoint(c.text));
      assert.notEqual(got, 'accepted');
      if (got === 'accepted') return;
      assert.equal(got.code, 'BAD_CHECKPOINT');
      assert.match(got.message, c.message);
      assert.equal(got.line, c.line);
      // Signed, a malformed body is still refused once the signature has been checked.
      if (!/\r|\u0000|^\n/.test(c.text) && c.text.endsWith('\n') && !c.text.includes('\n\n') && c.text.length < 65536) {
        assert.equal((failure(() => openCheckpoint(signNote(c.text, [logS]), [logV])) as { code: string }).code, 'BAD_CHECKPOINT');
      }
    });
  }

  test('format refuses what it could not write', () => {
    const bad: Checkpoint[] = [
      { ...cp, origin: '' },
      { ...cp, origin: 'a\nb' },
      { ...cp, size: -1 },
      { ...cp, size: 1.5 },
      { ...cp, size: MAX_TREE_SIZE + 1 },
      { ...cp, root: cp.root.subarray(1) },
      { ...cp, extensions: [''] },
      { ...cp, extensions: ['a\nb'] },
    ];
    for (const c of bad) assert.equal((failure(() => formatCheckpoint(c)) as { code: string }).code, 'BAD_CHECKPOINT', JSON.stringify({ ...c, root: c.root.length }));
  });
});

describe('signed checkpoints', () => {
  const signed = signCheckpoint(cp, [logS]);

  test('a checkpoint signed by the log opens with the log key', () => {
    const { checkpoint, note } = openCheckpoint(signed, [logV], { origin: ORIGIN });
    assert.equal(checkpoint.size, 20);
    assert.equal(hex(checkpoint.root), hex(store.root()));
    assert.equal(note.signatures.length, 1);
    assert.ok(signed.startsWith(`${BODY}\n— ${ORIGIN} `));
  });

  test('a checkpoint re-signed with another key of the same name is refused when only the log key is trusted', () => {
    const resigned = signCheckpoint(cp, [otherS]);
    assert.equal((failure(() => openCheckpoint(resigned, [logV])) as { code: string }).code, 'UNVERIFIED_NOTE');
    // Under a forged body, with the forger's signature line kept beside a copied one:
    const forged = signCheckpoint({ ...cp, size: 21 }, [otherS]) + signed.slice(signed.indexOf('— '));
    assert.equal((failure(() => openCheckpoint(forged, [logV])) as { code: string }).code, 'INVALID_SIGNATURE');
    assert.equal(openCheckpoint(resigned, [otherV]).checkpoint.size, 20);
  });

  const sigBlock = signed.slice(signed.indexOf('\n\n'));
  const TAMPERED: { desc: string; body: string }[] = [
    { desc: 'the size', body: BODY.replace('\n20\n', '\n21\n') },
    { desc: 'the root', body: BODY.replace(ROOT64, Buffer.from(store.root(19)).toString('base64')) },
    { desc: 'the origin', body: BODY.replace(ORIGIN, `${ORIGIN}2`) },
    { desc: 'an added extension line', body: `${BODY}ext\n` },
  ];
  for (const c of TAMPERED) {
    test(`tampered ${c.desc}: INVALID_SIGNATURE`, () => {
      const got = failure(() => openCheckpoint(c.body.slice(0, -1) + sigBlock, [logV]));
      assert.notEqual(got, 'accepted');
      if (got !== 'accepted') assert.equal(got.code, 'INVALID_SIGNATURE', got.message);
    });
  }

  test('a checkpoint of another log: WRONG_ORIGIN', () => {
    assert.equal((failure(() => openCheckpoint(signed, [logV], { origin: 'example.com/other' })) as { code: string }).code, 'WRONG_ORIGIN');
  });

  test('two checkpoints of one log, and the consistency proof between them', () => {
    const old = openCheckpoint(signCheckpoint({ origin: ORIGIN, size: 13, root: store.root(13), extensions: [] }, [logS]), [logV]).checkpoint;
    const now = openCheckpoint(signed, [logV]).checkpoint;
    checkConsistency(store.proveConsistency(old.size, now.size), now.size, now.root, old.size, old.root);
    assert.throws(() => checkConsistency(store.proveConsistency(12, now.size), now.size, now.root, old.size, old.root), (e) => isLedgerError(e, 'BAD_PROOF'));
  });
});
