/**
 * Signed notes and their keys, against the published sumdb/note example (golang.org/x/mod
 * sumdb/note note_test.go: the PeterNeumann key, its note and signature — Ed25519 is
 * deterministic, so our signature must be byte-identical), then case tables of what
 * must be refused, and how.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  LedgerError,
  ed25519KeyHash,
  generateSignerKey,
  isLedgerError,
  newSigner,
  newVerifier,
  openNote,
  signNote,
  verifierKeyOf,
  type LedgerErrorCode,
} from '../../src/ledger/index.js';

const PETER_VKEY = 'PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW';
const PETER_SKEY = 'PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz';
const ENOCH_VKEY = 'EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop';
/** transparency-dev/formats note tests: a key whose base64 contains '+'. */
const PLUS_VKEY = 'TEST+7997405c+AQcC+FTVKf0jlTdHDY3rbevmnKxxPjigCXlVtGe6RIr6';
const TEXT = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
const PETER_SIG = '— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n';
const NOTE = `${TEXT}\n${PETER_SIG}`;

function code(run: () => unknown): LedgerErrorCode | 'accepted' | string {
  try {
    run();
    return 'accepted';
  } catch (err) {
    return err instanceof LedgerError ? err.code : `non-LedgerError: ${String(err)}`;
  }
}

describe('sumdb/note known answers', () => {
  test('keys parse, and the signer key gives the published verifier key', () => {
    const signer = newSigner(PETER_SKEY);
    const verifier = newVerifier(PETER_VKEY);
    assert.equal(signer.name, 'PeterNeumann');
    assert.equal(signer.keyHash, 0xc74f20a3);
    assert.equal(verifier.keyHash, 0xc74f20a3);
    assert.equal(verifierKeyOf(PETER_SKEY), PETER_VKEY);
    assert.equal(newVerifier(ENOCH_VKEY).keyHash, 0xaf0cfe78);
    assert.equal(newVerifier(PLUS_VKEY).name, 'TEST');
  });

  test('signing gives the published note, byte for byte', () => {
    assert.equal(signNote(TEXT, [newSigner(PETER_SKEY)]), NOTE);
  });

  test('opening the published note verifies it', () => {
    const n = openNote(NOTE, [newVerifier(PETER_VKEY)]);
    assert.equal(n.text, TEXT);
    assert.deepEqual(n.signatures.map((s) => [s.name, s.keyHash]), [['PeterNeumann', 0xc74f20a3]]);
    assert.deepEqual(n.unverifiedSignatures, []);
    assert.equal(openNote(new TextEncoder().encode(NOTE), [newVerifier(PETER_VKEY)]).text, TEXT);
  });
});

describe('generated keys', () => {
  test('generateSignerKey gives matching C2SP key strings', () => {
    const { skey, vkey } = generateSignerKey('example.com/kubetrail');
    assert.match(vkey, /^example\.com\/kubetrail\+[0-9a-f]{8}\+[A-Za-z0-9+/]{44}$/);
    assert.match(skey, /^PRIVATE\+KEY\+example\.com\/kubetrail\+[0-9a-f]{8}\+[A-Za-z0-9+/]{44}$/);
    assert.equal(verifierKeyOf(skey), vkey);
    const s = newSigner(skey);
    const v = newVerifier(vkey);
    assert.equal(s.keyHash, v.keyHash);
    const pub = Buffer.from(vkey.split('+').slice(2).join('+'), 'base64').subarray(1);
    assert.equal(ed25519KeyHash('example.com/kubetrail', pub), v.keyHash);
    assert.equal(openNote(signNote('hello\n', [s]), [v]).text, 'hello\n');
    assert.notEqual(generateSignerKey('example.com/kubetrail').vkey, vkey, 'fresh keys each time');
  });

  const BAD_KEYS: { desc: string; run: () => unknown }[] = [
    { desc: 'a name with a space', run: () => generateSignerKey('a b') },
    { desc: "a name with '+'", run: () => generateSignerKey('a+b') },
    { desc: 'an empty name', run: () => generateSignerKey('') },
    { desc: 'a verifier key with a wrong key hash', run: () => newVerifier(PETER_VKEY.replace('c74f20a3', 'c74f20a4')) },
    { desc: 'a verifier key with an uppercase key hash', run: () => newVerifier(PETER_VKEY.replace('c74f20a3', 'C74F20A3')) },
    { desc: 'a verifier key with a short key hash', run: () => newVerifier(PETER_VKEY.replace('c74f20a3', 'c74f20a')) },
    { desc: 'a verifier key under another name', run: () => newVerifier(PETER_VKEY.replace('PeterNeumann', 'PeterNeuman')) },
    { desc: 'a verifier key of another algorithm', run: () => newVerifier(PETER_VKEY.replace('+ARpc', '+Ahpc')) },
    { desc: 'a verifier key of 31 bytes', run: () => newVerifier(`PeterNeumann+c74f20a3+${Buffer.from(PETER_VKEY.split('+').slice(2).join('+'), 'base64').subarray(0, 32).toString('base64')}`) },
    { desc: 'a verifier key of 33 bytes', run: () => newVerifier(`PeterNeumann+c74f20a3+${Buffer.concat([Buffer.from(PETER_VKEY.split('+').slice(2).join('+'), 'base64'), Buffer.of(0)]).toString('base64')}`) },
    { desc: 'a verifier key with a base64 character missing', run: () => newVerifier(PETER_VKEY.slice(0, -1)) },
    { desc: 'a verifier key with a space', run: () => newVerifier(`${PETER_VKEY} `) },
    { desc: 'a verifier key in two parts', run: () => newVerifier('PeterNeumann+c74f20a3') },
    { desc: 'a signer key given as a verifier key', run: () => newVerifier(PETER_SKEY) },
    { desc: 'a verifier key given as a signer key', run: () => newSigner(PETER_VKEY) },
    { desc: 'a signer key with a wrong key hash', run: () => newSigner(PETER_SKEY.replace('c74f20a3', '00000000')) },
    { desc: 'a signer key in lowercase', run: () => newSigner(PETER_SKEY.replace('PRIVATE+KEY', 'private+key')) },
  ];
  for (const c of BAD_KEYS) test(`refused: ${c.desc}`, () => assert.equal(code(c.run), 'BAD_KEY'));
});

describe('opening notes', () => {
  const peter = newSigner(PETER_SKEY);
  const peterV = newVerifier(PETER_VKEY);
  const other = generateSignerKey('Mallory');
  const otherS = newSigner(other.skey);
  const otherV = newVerifier(other.vkey);

  test('a note signed by an untrusted key only is UNVERIFIED_NOTE, naming the signer', () => {
    const n = signNote(TEXT, [otherS]);
    assert.throws(() => openNote(n, [peterV]), (e) => isLedgerError(e, 'UNVERIFIED_NOTE') && /Mallory\+[0-9a-f]{8}/.test(e.message));
    assert.throws(() => openNote(n, []), (e) => isLedgerError(e, 'UNVERIFIED_NOTE'));
  });

  test('extra signatures by unknown keys are reported, not trusted', () => {
    const n = openNote(signNote(TEXT, [otherS, peter]), [peterV]);
    assert.deepEqual(n.signatures.map((s) => s.name), ['PeterNeumann']);
    assert.deepEqual(n.unverifiedSignatures.map((s) => s.name), ['Mallory']);
    const both = openNote(signNote(TEXT, [otherS, peter]), [peterV, otherV]);
    assert.deepEqual(both.signatures.map((s) => s.name), ['Mallory', 'PeterNeumann']);
  });

  test('repeated signature lines count once', () => {
    const n = openNote(`${NOTE}${PETER_SIG}`, [peterV]);
    assert.equal(n.signatures.length, 1);
  });

  const TAMPERED: { desc: string; note: string; want: LedgerErrorCode }[] = [
    { desc: 'a word of the text changed', note: NOTE.replace('answer', 'Answer'), want: 'INVALID_SIGNATURE' },
    { desc: 'a line added to the text', note: NOTE.replace('is.\n\n', 'is.\nP.S.\n\n'), want: 'INVALID_SIGNATURE' },
    { desc: 'a signature byte changed', note: NOTE.replace('x08go/ZJ', 'x08go/ZK'), want: 'INVALID_SIGNATURE' },
    { desc: 'the signature cut short', note: NOTE.replace('nAM=', 'nA=='), want: 'INVALID_SIGNATURE' },
    { desc: 'the key hash changed (an unknown key)', note: NOTE.replace('x08go', 'x09go'), want: 'UNVERIFIED_NOTE' },
    { desc: 'the signer renamed (an unknown key)', note: NOTE.replace('— PeterNeumann', '— PeterNeumann2'), want: 'UNVERIFIED_NOTE' },
  ];
  for (const c of TAMPERED) test(`tampered: ${c.desc} → ${c.want}`, () => assert.equal(code(() => openNote(c.note, [peterV])), c.want));

  const MALFORMED: { desc: string; note: string | Uint8Array; message: RegExp }[] = [
    { desc: 'no blank line before the signatures', note: `${TEXT}${PETER_SIG}`, message: /no blank line/ },
    { desc: 'no signature lines', note: `${TEXT}\n`, message: /no signature lines/ },
    { desc: 'no final newline', note: NOTE.slice(0, -1), message: /end with a newline/ },
    { desc: 'CRLF line ends', note: NOTE.replace(/\n/g, '\r\n'), message: /line 1: .*carriage return/ },
    { desc: 'a tab in the text', note: NOTE.replace('you think', 'you\tthink'), message: /line 1: .*U\+0009/ },
    { desc: 'a hyphen for the em dash', note: NOTE.replace('— ', '- '), message: /line 4: .*em dash/ },
    { desc: 'two spaces after the name', note: NOTE.replace('PeterNeumann x08', 'PeterNeumann  x08'), message: /line 4: .*base64/ },
    { desc: 'no space after the name', note: NOTE.replace('PeterNeumann x08', 'PeterNeumannx08'), message: /line 4: .*<key name> <base64/ },
    { desc: 'a signature that is not base64', note: NOTE.replace('x08go/', 'x08go_'), message: /line 4: .*base64/ },
    { desc: 'a signature without padding', note: NOTE.replace('nAM=', 'nAM'), message: /base64/ },
    { desc: 'a signature of 4 bytes', note: `${TEXT}\n— PeterNeumann x08go w==\n`.replace('x08go w==', 'x08gow=='), message: /base64/ },
    { desc: 'a key name with a plus', note: NOTE.replace('— PeterNeumann', '— Peter+Neumann'), message: /key name/ },
    { desc: 'invalid UTF-8 bytes', note: Uint8Array.from([...new TextEncoder().encode(NOTE).subarray(0, 5), 0xff, ...new TextEncoder().encode(NOTE).subarray(5)]), message: /UTF-8/ },
    { desc: 'a lone surrogate', note: NOTE.replace('you', 'y\uD800u'), message: /U\+D800/ },
    { desc: 'over 1 MiB', note: `${'a'.repeat(1024 * 1024)}\n\n${PETER_SIG}`, message: /larger than/ },
    { desc: 'over 100 signature lines', note: `${TEXT}\n${PETER_SIG.repeat(101)}`, message: /more than 100/ },
  ];
  for (const c of MALFORMED) {
    test(`malformed: ${c.desc}`, () => {
      assert.throws(() => openNote(c.note, [peterV]), (e) => isLedgerError(e, 'BAD_NOTE') && c.message.test(e.message), c.desc);
    });
  }

  test('signing refuses text that could not be opened', () => {
    for (const text of ['', 'no newline', 'a\r\n', 'tab\there\n']) assert.equal(code(() => signNote(text, [peter])), 'BAD_NOTE', JSON.stringify(text));
    assert.equal(code(() => signNote('x\n', [])), 'BAD_NOTE');
  });

  test('two different trusted keys with the same name and key hash are refused', () => {
    const clash = { name: peterV.name, keyHash: peterV.keyHash, verify: () => true };
    assert.equal(code(() => openNote(NOTE, [peterV, clash])), 'BAD_KEY');
    assert.equal(openNote(NOTE, [peterV, peterV]).signatures.length, 1);
  });
});
