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
