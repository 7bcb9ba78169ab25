/**
 * Checks an RFC 6962 inclusion proof in the browser with WebCrypto, so the page does not
 * take the server's word that an event is in the signed tree: it hashes the bytes it was
 * shown, folds the proof, and compares with the root in the signed checkpoint. (The
 * checkpoint's signature is checked by `kubetrail verify-proof` with the public key; the
 * page shows who signed it.)
 */

async function sha256(parts: Uint8Array[]): Promise<Uint8Array> {
  let n = 0;
  for (const p of parts) n += p.length;
  const all = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    all.set(p, at);
    at += p.length;
  }
  return new Uint8Array(await crypto.subtle.digest('SHA-256', all));
}

export function fromBase64(s: string): Uint8Array {
  return Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
}

export function toHex(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

export function leafHash(bytes: Uint8Array): Promise<Uint8Array> {
  return sha256([new Uint8Array([0]), bytes]);
}

/** RFC 9162 §2.1.3.2: the root an inclusion proof leads to, or null when its length is wrong. */
export async function rootFromInclusionProof(index: number, size: number, leaf: Uint8Array, proof: Uint8Array[]): Promise<Uint8Array | null> {
  if (index < 0 || index >= size) return null;
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of proof) {
    if (sn === 0) return null;
    if (fn % 2 === 1 || fn === sn) {
      r = await sha256([new Uint8Array([1]), p, r]);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      r = await sha256([new Uint8Array([1]), r, p]);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 ? r : null;
}

/** The origin, size and root hash a C2SP tlog-checkpoint note states (its body's first three lines). */
export function parseCheckpoint(text: string): { origin: string; size: number; root: Uint8Array; signers: string[] } | null {
  const [body, sigs = ''] = text.split('\n\n');
  const lines = body.split('\n');
  if (lines.length < 3 || !/^(0|[1-9][0-9]*)$/.test(lines[1])) return null;
  const signers = sigs
    .split('\n')
    .filter((l) => l.startsWith('— '))
    .map((l) => l.slice(2).split(' ')[0]);
  return { origin: lines[0], size: Number(lines[1]), root: fromBase64(lines[2]), signers };
}

export async function checkInclusion(raw: Uint8Array, index: number, size: number, proof: string[], checkpoint: string): Promise<{ ok: boolean; message: string }> {
  const cp = parseCheckpoint(checkpoint);
  if (cp === null) return { ok: false, message: 'the checkpoint is not a signed tree head' };
  if (cp.size !== size) return { ok: false, message: `the proof is for a tree of ${size} events, the checkpoint signs ${cp.size}` };
  const root = await rootFromInclusionProof(index, size, await leafHash(raw), proof.map(fromBase64));
  if (root === null) return { ok: false, message: 'the proof has the wrong number of hashes' };
  if (toHex(root) !== toHex(cp.root)) return { ok: false, message: `the proof leads to root ${toHex(root).slice(0, 16)}…, the checkpoint signs ${toHex(cp.root).slice(0, 16)}…` };
  return { ok: true, message: `event ${index} is in the tree of ${size} events signed by ${cp.signers.join(', ') || 'an unnamed key'}` };
}

/**
 * C2SP signed note: the checkpoint's Ed25519 signature by `verifierKey`
 * (`name+keyhash+base64(0x01 ‖ public key)`), checked with WebCrypto in the page. The key
 * comes from the server too, so the page also shows its hash for comparison with the one
 * the operator published; the check proves the checkpoint was signed by that key.
 */
export async function checkSignature(note: string, verifierKey: string): Promise<{ ok: boolean; message: string }> {
  const utf8 = (s: string) => new TextEncoder().encode(s);
  // name+hash+key; the base64 key may itself hold '+'.
  const a = verifierKey.indexOf('+');
  const b = verifierKey.indexOf('+', a + 1);
  if (a <= 0 || b !== a + 9) return { ok: false, message: 'the verifier key is not name+hash+key' };
  const [name, hashHex, keyB64] = [verifierKey.slice(0, a), verifierKey.slice(a + 1, b), verifierKey.slice(b + 1)];
  let key: Uint8Array;
  try {
    key = fromBase64(keyB64);
  } catch {
    return { ok: false, message: 'the verifier key is not base64' };
  }
  if (key.length !== 33 || key[0] !== 1) return { ok: false, message: 'the verifier key is not an Ed25519 key' };
  const computed = toHex((await sha256([utf8(name), new Uint8Array([0x0a]), key])).slice(0, 4));
  if (computed !== hashHex) return { ok: false, message: `the verifier key's hash is ${computed}, it says ${hashHex}` };
  const split = note.indexOf('\n\n');
  if (split < 0) return { ok: false, message: 'the checkpoint has no signature lines' };
  const text = utf8(note.slice(0, split + 1));
  let cryptoKey: CryptoKey;
  try {
    cryptoKey = await crypto.subtle.importKey('raw', key.slice(1), { name: 'Ed25519' }, false, ['verify']);
  } catch {
    return { ok: false, message: 'this browser cannot check Ed25519 signatures (use kubetrail verify-proof)' };
  }
  for (const line of note.slice(split + 2).split('\n')) {
    if (!line.startsWith('— ')) continue;
    const [signer, b64] = line.slice(2).split(' ');
    if (signer !== name || b64 === undefined) continue;
    let sig: Uint8Array;
    try {
      sig = fromBase64(b64);
    } catch {
      continue;
    }
    if (sig.length !== 68 || toHex(sig.slice(0, 4)) !== hashHex) continue;
    if (await crypto.subtle.verify({ name: 'Ed25519' }, cryptoKey, sig.slice(4), text)) return { ok: true, message: `signed by ${name} (key ${hashHex}), checked in this page` };
    return { ok: false, message: `the signature by ${name} does not match the checkpoint: it was changed after signing` };
  }
  return { ok: false, message: `no signature by ${name} (key ${hashHex})` };
}
