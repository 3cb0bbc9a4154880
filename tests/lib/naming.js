// Shared setup for the naming and bases tests: signing keys, a batch in
// publicity whose notice lists proposed applications, and checking a
// certificate as an outsider does (node's crypto, not kpjd's).
//
//   keygen(dir, name)                         → { path, pub }
//   publicityBatch(k, admin, rec, options)    → { batch, notice, apps }
//   endWindow(db, noticeId)                   the notice's window is over
//   checkCertificate(cert, keys)              → whether the signature holds
//
// The batch gets to publicity the way the notice's tables record it
// (migrations/0016_publicity.sql), written in SQL as the owner: what this
// fixture needs is a notice with rows, whatever made it.
import assert from 'node:assert/strict';
import { createHash, createPublicKey, verify } from 'node:crypto';
import { join } from 'node:path';

import { runKpjdd } from './kpjdd.js';
import { makeApplication, makeBatch } from './fixtures.js';
import { signIn } from './accounts.js';

export function keygen(dir, name) {
  const path = join(dir, name);
  const r = runKpjdd(['keygen', '--out', path]);
  assert.equal(r.status, 0, r.stderr);
  return { path, pub: `${path}.pub` };
}

const CATEGORIES = ['venue', 'agriculture', 'education_research', 'enterprise', 'natural_resources', 'other'];
const REGIONS = ['北京市', '新疆生产建设兵团', '广东省'];

// A batch of term `term`–`term`+4 in publicity with `count` proposed
// applications of `rec` (registered through the API, so each unit has its
// login), their categories and regions in turn, on a notice whose rows go
// in the reverse order of the applications (so that notice order and id
// order differ).  The window is open until `endsInS` seconds from now
// (negative: over already).
//   → { batch, notice (id), apps: [{ id, unitName, baseName, category, region, username, password }] in notice order }
export async function publicityBatch(k, admin, rec, { count = 3, term = 2031, endsInS = -1 } = {}) {
  const db = k.db;
  const batch = await makeBatch(admin, { status: 'open', term_start_year: term, term_end_year: term + 4 });
  const apps = [];
  for (let i = 0; i < count; i++) {
    const region = REGIONS[i % REGIONS.length];
    const reg = await makeApplication(k.url, rec.session, batch.id, { unit: { region } });
    apps.push({ id: reg.application.id, unitName: '',
      baseName: `科普基地“${i}号”馆\\${reg.application.id}`, category: CATEGORIES[i % CATEGORIES.length], region,
      username: reg.username, password: reg.password });
  }
  for (const a of apps) {
    await db.psql(`UPDATE applications SET status = 'proposed', category = '${a.category}',
                   base_name = '${a.baseName.replace(/'/g, "''")}' WHERE id = ${a.id}`);
    a.unitName = await db.psql(`SELECT unit_name FROM applications WHERE id = ${a.id}`);
  }
  await db.psql(`UPDATE batches SET status = 'publicity' WHERE id = ${batch.id}`);
  apps.reverse();
  const notice = Number((await db.psql(
    `INSERT INTO notices (batch_id, title, body, starts_at, ends_at, created_by)
     SELECT ${batch.id}, '公示', '公示正文', now() - interval '7 days', now() + make_interval(secs => ${endsInS}), id
       FROM users WHERE username = 'admin' RETURNING id`)).split('\n')[0]);
  await db.psql(`INSERT INTO notice_rows (notice_id, no, application_id) VALUES
                 ${apps.map((a, i) => `(${notice}, ${i + 1}, ${a.id})`).join(', ')}`);
  return { batch, notice, apps };
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
