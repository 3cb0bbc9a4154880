// Shared setup for the naming and bases tests: signing keys, a batch in
// publicity whose notice lists proposed applications, and checking a
// certificate as an outsider does (node's crypto, not kpjd's).
//
//   keygen(dir, name)                         → { path, pub }
//   publicityBatch(k, admin, rec, options)    → { batch, notice, apps }
//   endWindow(db, noticeId)                   the notice's window is over
//   checkCertificate(cert, keys)              → whether the signature holds
//
import assert from 'node:assert/strict';
import { createHash, createPublicKey, verify } from 'node:crypto';
import { join } from 'node:path';

import { runKpjdd } from './kpjdd.js';
import { dbTime, proposedBatch, publishNotice } from './publicity.js';
import { signIn } from './accounts.js';

export function keygen(dir, name) {
  const path = join(dir, name);
  const r = runKpjdd(['keygen', '--out', path]);
  assert.equal(r.status, 0, r.stderr);
  return { path, pub: `${path}.pub` };
}

// A batch of term `term`–`term`+4 in publicity (tests/lib/publicity.js:
// proposedBatch, publishNotice) with `count` proposed applications of
// `rec`, in regions out of GB/T 2260 order (so that the notice's order and
// the applications' ids differ), base names with quotes and a backslash
// (the payload escapes them), and a window that started a week ago and ends
// `endsInS` seconds from now by the database clock (negative: over).
//   → { batch, notice (id), apps: [{ id, unitName, baseName, category, region, username, password }] in notice order }
export async function publicityBatch(k, admin, rec, { count = 3, term = 2031, endsInS = -1 } = {}) {
  const { batch, apps } = await proposedBatch(k.url, k.db, admin,
    { count, term_start_year: term, recommender: rec, regions: ['新疆生产建设兵团', '北京市', '广东省'] });
  for (const a of apps) {
    a.base_name = `“${a.unit_name}”科普\\基地`;
    await k.db.psql(`UPDATE applications SET base_name = '${a.base_name}' WHERE id = ${a.id}`);
  }
  const notice = await publishNotice(admin, batch.id, { starts_at: await dbTime(k.db, -7 * 86400), ends_at: await dbTime(k.db, endsInS) });
  const byId = new Map(apps.map((a) => [a.id, a]));
  const ordered = notice.rows.map((row) => {
    const a = byId.get(row.application_id);
    return { id: a.id, unitName: a.unit_name, baseName: a.base_name, category: a.category, region: a.region,
      username: a.username, password: a.password };
  });
  assert.equal(ordered.length, count);
  return { batch, notice: notice.id, apps: ordered };
}

export async function endWindow(db, noticeId) {
  await db.psql(`UPDATE notices SET ends_at = now() - interval '1 second' WHERE id = ${noticeId}`);
}

// An applicant's session.
export function applicantSession(k, app) {
  return signIn(k.url, app.username, app.password);
}

// What a third party does with GET /public/certificates/{no} and GET
// /public/keys: find the key by its id, check that the id is SHA-256 of the
// raw key, and verify the Ed25519 signature over payload_canonical's bytes.
export function checkCertificate(cert, keys) {
  const key = keys.keys.find((x) => x.key_id === cert.key_id);
  if (!key) return false;
  const raw = Buffer.from(key.public_key, 'base64url');
  assert.equal(raw.length, 32);
  assert.equal(createHash('sha256').update(raw).digest('hex').slice(0, 16), key.key_id);
  const pub = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: key.public_key }, format: 'jwk' });
  return verify(null, Buffer.from(cert.payload_canonical, 'utf8'), pub, Buffer.from(cert.signature, 'base64url'));
}
