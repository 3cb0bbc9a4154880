// Checks a certificate's Ed25519 signature in this browser (WebCrypto),
// against the key that GET /public/keys lists under the certificate's
// key_id, so that the answer does not rest on the server's word alone:
//   - the key's id must be the first 16 hex characters of SHA-256 of its
//     raw 32 bytes (API.md), so a key cannot be listed under another id;
//   - the signature must verify over the UTF-8 bytes of payload_canonical
//     exactly as the server sent them;
//   - the signed payload must name the certificate number that was asked
//     for (a valid signature of another certificate proves nothing here).
// A browser without Ed25519 in WebCrypto gets { method: 'server' }: the
// page then says the facts are as the server states them.

// base64url without padding → bytes; null when it is not base64url.
export function fromBase64url(text) {
  if (typeof text !== 'string' || !/^[A-Za-z0-9_-]*$/.test(text) || text.length % 4 === 1) return null;
  const b64 = text.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (text.length % 4)) % 4);
  const raw = atob(b64);
  return Uint8Array.from(raw, (c) => c.charCodeAt(0));
}

const hex = (bytes) => [...new Uint8Array(bytes)].map((b) => b.toString(16).padStart(2, '0')).join('');

// Whether this browser's WebCrypto verifies Ed25519 (Chromium 137 and later,
// Firefox 129, Safari 17). Probed once by importing a valid public key.
let support = null;
// RFC 8032, section 7.1, test 1: its public key.
const PROBE_KEY = Uint8Array.from('d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a'.match(/../g),
  (b) => parseInt(b, 16));
export function ed25519Supported() {
  support ??= (async () => {
    if (!globalThis.crypto?.subtle) return false;
    try {
      await crypto.subtle.importKey('raw', PROBE_KEY, { name: 'Ed25519' }, false, ['verify']);
      return true;
    } catch {
      return false;
    }
  })();
  return support;
}

// cert: GET /public/certificates/{no}; keys: GET /public/keys's `keys`.
// → { method: 'browser', ok: true } | { method: 'browser', ok: false, problem }
//   | { method: 'server', why: 'insecure' | 'unsupported' } (this page cannot check Ed25519)
export async function verifyCertificate(cert, keys, certificateNo) {
  // WebCrypto exists only on secure pages (HTTPS, or localhost).
  if (!globalThis.isSecureContext) return { method: 'server', why: 'insecure' };
  if (!(await ed25519Supported())) return { method: 'server', why: 'unsupported' };
  const fail = (problem) => ({ method: 'browser', ok: false, problem });
  const key = keys.find((k) => k.key_id === cert.key_id);
  if (!key) return fail(`平台公布的公钥中没有编号为 ${cert.key_id} 的公钥`);
  if (key.alg !== 'Ed25519') return fail(`公钥 ${key.key_id} 的算法不是 Ed25519`);
  const raw = fromBase64url(key.public_key);
  if (!raw || raw.length !== 32) return fail(`公钥 ${key.key_id} 格式不正确`);
  const id = hex(await crypto.subtle.digest('SHA-256', raw)).slice(0, 16);
  if (id !== key.key_id) return fail(`公钥与其编号 ${key.key_id} 不符`);
  const signature = fromBase64url(cert.signature);
  if (!signature || signature.length !== 64) return fail('签名格式不正确');
  let publicKey;
  try {
    publicKey = await crypto.subtle.importKey('raw', raw, { name: 'Ed25519' }, false, ['verify']);
  } catch {
    return fail(`公钥 ${key.key_id} 无法导入`);
  }
  const ok = await crypto.subtle.verify({ name: 'Ed25519' }, publicKey, signature,
    new TextEncoder().encode(cert.payload_canonical));
  if (!ok) return fail('签名与证书内容不符：证书内容可能被篡改');
  let signed;
  try {
    signed = JSON.parse(cert.payload_canonical);
  } catch {
    return fail('签名的证书内容无法读取');
  }
  if (signed?.certificate_no !== certificateNo) return fail(`签名的证书编号为 ${signed?.certificate_no}，不是 ${certificateNo}`);
  return { method: 'browser', ok: true };
}
