// A batch in draft is the admin's work in progress: to every other caller it
// does not exist.  Every route that takes a batch id, or reaches a batch
// through an invitation code, answers a non-admin for a draft exactly what
// it answers for a batch that does not exist (404 not_found where the role
// may call the route at all), and changes nothing.  The admin still reaches
// the draft.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { createDatabase, startKpjdd } from '../lib/kpjdd.js';
import { anonymous, expectProblem } from '../lib/http.js';
import { createAdmin, createUser, signIn } from '../lib/accounts.js';
import { applicantPayload, makeBatch, makeInvitation, makeRecommender } from '../lib/fixtures.js';

const CONTACT = {
  name: '王五', department: '科普部', position: '主任', office_phone: '010-68571234',
  mobile: '13800138000', email: 'wangwu@example.cn', address: '北京市海淀区复兴路3号',
};

let db, k, admin, rec, applicant, expert, anon;
let draft, open, missing;
before(async () => {
  db = await createDatabase();
  k = await startKpjdd({ db, migrate: true });
  createAdmin(db);
  admin = await signIn(k.url, 'admin');
  rec = await makeRecommender(k.url, admin, { name: '草稿测试学会' });
  await createUser(db, { username: 'appl', role: 'applicant' });
  await createUser(db, { username: 'expert', role: 'expert' });
  applicant = await signIn(k.url, 'appl');
  expert = await signIn(k.url, 'expert');
  anon = anonymous(k.url);
  open = await makeBatch(admin, { status: 'open' });
  draft = await makeBatch(admin, { title: '尚未发布的批次' });
  assert.equal(draft.status, 'draft');
  missing = draft.id + 100000;
  // the admin has set the recommender's quota in the draft already
  const q = await admin.api('PUT', `/batches/${draft.id}/quotas`, { quotas: [{ recommender_id: rec.id, quota: 3 }] });
  assert.equal(q.status, 200, await q.text());
});
after(async () => {
  await k?.stop();
  await db?.drop();
});

// status and code of an answer
async function outcome(res) {
  const text = await res.text();
  let code = null;
  try { code = JSON.parse(text).code ?? null; } catch { /* not JSON */ }
  return { status: res.status, code };
}

// The answers to `call(batchId)` for the draft and for a missing batch:
// the same, and `want` ({status, code}).
async function sameAsMissing(call, want, what) {
  const forDraft = await outcome(await call(draft.id));
  const forMissing = await outcome(await call(missing));
  assert.deepEqual(forDraft, forMissing, `${what}: the draft answers unlike a missing batch`);
  assert.deepEqual(forDraft, want, what);
}

const NOT_FOUND = { status: 404, code: 'not_found' };
const FORBIDDEN = { status: 403, code: 'forbidden' };

describe('batch-scoped routes, for a draft batch', () => {
  test('GET quotas: the recommender 404 (though it has a row there), other roles 403; the admin reads it', async () => {
    await sameAsMissing((id) => rec.session.api('GET', `/batches/${id}/quotas`), NOT_FOUND, 'recommender GET quotas');
    for (const s of [applicant, expert]) {
      await sameAsMissing((id) => s.api('GET', `/batches/${id}/quotas`), FORBIDDEN, `${s.user.role} GET quotas`);
    }
    const res = await admin.api('GET', `/batches/${draft.id}/quotas`);
    assert.equal(res.status, 200);
    assert.deepEqual((await res.json()).items.map((r) => [r.recommender_id, r.quota]), [[rec.id, 3]]);
  });

  test('PUT contact: 404 and nothing filed; GET contact 404 even for one filed earlier', async () => {
    await sameAsMissing((id) => rec.session.api('PUT', `/batches/${id}/contact`, CONTACT), NOT_FOUND, 'PUT contact');
    assert.equal(await db.psql(`SELECT count(*) FROM contacts WHERE batch_id = ${draft.id}`), '0');
    assert.equal(await db.psql(`SELECT count(*) FROM notifications WHERE kind LIKE 'contact.%'`), '0');
    // a contact filed for the draft before drafts were hidden stays hidden
    await db.psql(`INSERT INTO contacts (batch_id, recommender_id, name, department, position, office_phone, mobile, email, address)
                   VALUES (${draft.id}, ${rec.id}, '王五', '科普部', '主任', '010-68571234', '13800138000', 'w@example.cn', '北京')`);
    await sameAsMissing((id) => rec.session.api('GET', `/batches/${id}/contact`), NOT_FOUND, 'GET contact');
    // the same recommender files for an open batch as before
    assert.equal((await rec.session.api('PUT', `/batches/${open.id}/contact`, CONTACT)).status, 200);
    assert.equal((await rec.session.api('GET', `/batches/${open.id}/contact`)).status, 200);
    // the admin's list of the draft answers
    assert.equal((await admin.api('GET', `/batches/${draft.id}/contacts`)).status, 200);
    for (const s of [applicant, expert]) {
      await sameAsMissing((id) => s.api('PUT', `/batches/${id}/contact`, CONTACT), FORBIDDEN, `${s.user.role} PUT contact`);
    }
  });

  test('POST and GET invitations: 404, no code made', async () => {
    await sameAsMissing((id) => rec.session.api('POST', `/batches/${id}/invitations`, { count: 1 }), NOT_FOUND, 'POST invitations');
    await sameAsMissing((id) => rec.session.api('GET', `/batches/${id}/invitations`), NOT_FOUND, 'GET invitations');
    await sameAsMissing((id) => rec.session.api('GET', `/batches/${id}/invitations?status=unused&limit=5`), NOT_FOUND,
      'GET invitations with filters');
    assert.equal(await db.psql(`SELECT count(*) FROM invitations WHERE batch_id = ${draft.id}`), '0');
    const list = await rec.session.api('GET', `/batches/${open.id}/invitations`);
    assert.equal(list.status, 200, 'an open batch lists as before');
    assert.deepEqual(await list.json(), { items: [], next_cursor: null });
  });

  test('admin-only routes: 403 to the others for a draft as for a missing batch', async () => {
    for (const s of [rec.session, applicant, expert]) {
      await sameAsMissing((id) => s.api('PUT', `/batches/${id}/quotas`, { quotas: [] }), FORBIDDEN, `${s.user.role} PUT quotas`);
      await sameAsMissing((id) => s.api('GET', `/batches/${id}/contacts`), FORBIDDEN, `${s.user.role} GET contacts`);
      await sameAsMissing((id) => s.api('PATCH', `/batches/${id}`, { title: 'x' }), FORBIDDEN, `${s.user.role} PATCH batch`);
      await sameAsMissing((id) => s.api('GET', `/batches/${id}`), NOT_FOUND, `${s.user.role} GET batch`);
    }
  });

  test('the applications list and its CSV filtered by a draft: the same as by a missing batch', async () => {
    for (const s of [rec.session, applicant, expert]) {
      for (const path of ['/applications?batch_id=', '/applications.csv?batch_id=']) {
        const forDraft = await s.api('GET', `${path}${draft.id}`);
        const forMissing = await s.api('GET', `${path}${missing}`);
        assert.equal(forDraft.status, forMissing.status, `${s.user.role} ${path}`);
        assert.equal(await forDraft.text(), await forMissing.text(), `${s.user.role} ${path}`);
      }
    }
  });
});

describe('invitation codes of a draft batch', () => {
  // A code that exists in a draft batch: the API never makes one, so one of
  // an open batch is moved there (as data from before drafts were hidden).
  let code, unknown;
  before(async () => {
    code = await makeInvitation(rec.session, open.id);
    unknown = await makeInvitation(rec.session, open.id);
    await db.psql(`UPDATE invitations SET batch_id = ${draft.id} WHERE code = '${code}'`);
    await db.psql(`DELETE FROM invitations WHERE code = '${unknown}'`);   // well-formed, not there
  });

  test('the public lookup: 404 as for an unknown code, nothing of the draft told', async () => {
    const forDraft = await expectProblem(await anon('GET', `/invitations/${code}`), 404, 'not_found');
    const forUnknown = await expectProblem(await anon('GET', `/invitations/${unknown}`), 404, 'not_found');
    assert.deepEqual(forDraft, forUnknown);
  });

  test('registration with it: 404 as for an unknown code; no account, the code unused', async () => {
    const body = applicantPayload(code, { username: 'draftunit' });
    const forDraft = await expectProblem(await anon('POST', '/applicants', body), 404, 'not_found');
    const forUnknown = await expectProblem(await anon('POST', '/applicants', { ...body, invitation_code: unknown }), 404, 'not_found');
    assert.deepEqual(forDraft, forUnknown);
    assert.equal(await db.psql(`SELECT count(*) FROM users WHERE username = 'draftunit'`), '0');
    assert.equal(await db.psql(`SELECT used_at IS NULL FROM invitations WHERE code = '${code}'`), 't');
  });

  test('revoking it: 404 as for an unknown code, and it stays unrevoked', async () => {
    const forDraft = await expectProblem(await rec.session.api('DELETE', `/invitations/${code}`), 404, 'not_found');
    const forUnknown = await expectProblem(await rec.session.api('DELETE', `/invitations/${unknown}`), 404, 'not_found');
    assert.deepEqual(forDraft, forUnknown);
    assert.equal(await db.psql(`SELECT revoked_at IS NULL FROM invitations WHERE code = '${code}'`), 't');
  });
});
