// The unit's own data (单位信息, GET/PATCH /applicants/{id}): the unit reads
// it always and changes it while one of its applications is in draft or
// returned; its recommender reads it; the admin reads and changes it at any
// time; anyone else meets 404.  A change is checked as registration checks
// it (every bad field in one 422, the credit code read-only), guarded by
// If-Match, audited field by field, and a new name or region follows into
// the unit's applications and its account's display name.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { createDatabase, startKpjdd } from '../lib/kpjdd.js';
import { anonymous, expectProblem } from '../lib/http.js';
import { createAdmin, createUser, signIn } from '../lib/accounts.js';
import { makeApplication, makeBatch, makeRecommender } from '../lib/fixtures.js';

let db, k, admin, rec, other, expert, batch;
before(async () => {
  db = await createDatabase();
  k = await startKpjdd({ db, migrate: true, env: { KPJD_INVITATIONS_LOOKUP_LIMIT: '10000' } });
  createAdmin(db);
  admin = await signIn(k.url, 'admin');
  rec = await makeRecommender(k.url, admin, { name: '北京市科学技术协会', kind: 'provincial_cast', region: '北京市' });
  other = await makeRecommender(k.url, admin, { name: '中国动物学会' });
  await createUser(db, { username: 'expert1', role: 'expert' });
  expert = await signIn(k.url, 'expert1');
  batch = await makeBatch(admin, { status: 'open' });
});
after(async () => {
  await k?.stop();
  await db?.drop();
});

async function json(res, status = 200) {
  const text = await res.text();
  assert.equal(res.status, status, `status (body: ${text})`);
  return text ? JSON.parse(text) : null;
}

// A registered unit with a draft application bound to `rec`, signed in.
async function unit(overrides) {
  const made = await makeApplication(k.url, rec.session, batch.id, overrides);
  return { ...made, session: await signIn(k.url, made.username, made.password) };
}

const setStatus = (appId, status) => db.psql(`UPDATE applications SET status = '${status}' WHERE id = ${appId}`);

async function audits(id) {
  const { items } = await json(await admin.api('GET', `/audit?action=applicant.updated&entity=applicant&entity_id=${id}&limit=200`));
  return items;
}

const FIELDS = ['id', 'user_id', 'username', 'name', 'credit_code', 'region', 'address', 'legal_representative',
  'supervising_body', 'contact_name', 'contact_phone', 'contact_email', 'created_at', 'version', 'editable'];

describe('GET /applicants/{id}', () => {
  let u;
  before(async () => { u = await unit(); });

  test('the unit itself reads its registration data, with an ETag and editable while its application is a draft', async () => {
    const res = await u.session.api('GET', `/applicants/${u.applicant.id}`);
    const body = await json(res);
    assert.deepEqual(Object.keys(body).sort(), [...FIELDS].sort());
    assert.equal(res.headers.get('etag'), '"1"');
    assert.equal(body.version, 1);
    assert.equal(body.editable, true);
    for (const key of ['name', 'credit_code', 'region', 'address', 'legal_representative', 'supervising_body',
      'contact_name', 'contact_phone', 'contact_email']) assert.equal(body[key], u.applicant[key], key);
  });

  test('its recommender reads it (never editable); the admin reads it (always editable)', async () => {
    const seen = await json(await rec.session.api('GET', `/applicants/${u.applicant.id}`));
    assert.equal(seen.credit_code, u.applicant.credit_code);
    assert.equal(seen.editable, false);
    assert.deepEqual(Object.keys(seen).sort(), FIELDS.filter((f) => f !== 'user_id' && f !== 'username').sort(),
      'the unit\'s account is not its recommender\'s business');
    const byAdmin = await json(await admin.api('GET', `/applicants/${u.applicant.id}`));
    assert.equal(byAdmin.editable, true);
    await setStatus(u.application.id, 'recommended');
    assert.equal((await json(await admin.api('GET', `/applicants/${u.applicant.id}`))).editable, true);
    assert.equal((await json(await u.session.api('GET', `/applicants/${u.applicant.id}`))).editable, false,
      'the unit still reads it once submitted, but may no longer change it');
    await setStatus(u.application.id, 'draft');
  });

  test('anyone else: 404 exactly as for a unit that does not exist; no session 401', async () => {
    const stranger = await unit();
    const missing = 999999999;
    for (const [who, id] of [[other.session, u.applicant.id], [stranger.session, u.applicant.id], [expert, u.applicant.id],
      [admin, missing], [rec.session, missing], [u.session, missing]]) {
      const p = await expectProblem(await who.api('GET', `/applicants/${id}`), 404, 'not_found');
      assert.equal(p.detail, (await expectProblem(await admin.api('GET', `/applicants/${missing}`), 404, 'not_found')).detail);
    }
    for (const id of ['abc', '0', '-1', '1e3', '99999999999999999999'])
      await expectProblem(await admin.api('GET', `/applicants/${id}`), 404, 'not_found');
    await expectProblem(await anonymous(k.url)('GET', `/applicants/${u.applicant.id}`), 401, 'unauthenticated');
  });

  test('a recommender reads only units with an application bound to it', async () => {
    const theirs = await makeApplication(k.url, other.session, batch.id);
    await expectProblem(await rec.session.api('GET', `/applicants/${theirs.applicant.id}`), 404, 'not_found');
    assert.equal((await json(await other.session.api('GET', `/applicants/${theirs.applicant.id}`))).id, theirs.applicant.id);
  });
});

describe('PATCH /applicants/{id}', () => {
  test('the unit changes its data: the answer, ETag, audit (old → new), names on its applications and account', async () => {
    const u = await unit();
    const before = u.applicant;
    const res = await u.session.api('PATCH', `/applicants/${before.id}`,
      { name: '北京自然博物馆', contact_phone: '13800138000', region: '天津市', address: before.address },
      { headers: { 'if-match': '"1"' } });
    const body = await json(res);
    assert.equal(res.headers.get('etag'), '"2"');
    assert.equal(body.version, 2);
    assert.equal(body.name, '北京自然博物馆');
    assert.equal(body.contact_phone, '13800138000');
    assert.equal(body.region, '天津市');
    assert.equal(body.credit_code, before.credit_code);
    assert.deepEqual(await json(await u.session.api('GET', `/applicants/${before.id}`)), body);

    const [row, ...more] = await audits(before.id);
    assert.equal(more.length, 0);
    assert.equal(row.actor_id, u.session.user.id);
    assert.deepEqual(row.data, { changes: {
      name: { from: before.name, to: '北京自然博物馆' },
      contact_phone: { from: before.contact_phone, to: '13800138000' },
      region: { from: '北京市', to: '天津市' },
    } }, 'an unchanged field sent (address) is not a change');

    const app = await json(await u.session.api('GET', `/applications/${u.application.id}`));
    assert.equal(app.unit_name, '北京自然博物馆');
    assert.equal(app.region, '天津市');
    const { items } = await json(await rec.session.api('GET', `/applications?batch_id=${batch.id}&q=${encodeURIComponent('北京自然博物馆')}`));
    assert.deepEqual(items.map((a) => [a.id, a.unit_name, a.region]), [[u.application.id, '北京自然博物馆', '天津市']]);
    assert.equal((await json(await u.session.api('GET', '/session'))).user.display_name, '北京自然博物馆');
  });

  test('every bad field in one 422, the credit code read-only among them; nothing changes', async () => {
    const u = await unit();
    const p = await expectProblem(await u.session.api('PATCH', `/applicants/${u.applicant.id}`, {
      name: 'x'.repeat(101), credit_code: u.applicant.credit_code, contact_phone: 'call me', contact_email: 'nobody',
      region: '火星', address: '', username: 'hijack',
    }), 422, 'validation');
    assert.deepEqual(p.errors.map((e) => [e.field, e.code]).sort(), [
      ['address', 'too_short'], ['contact_email', 'format'], ['contact_phone', 'format'], ['credit_code', 'read_only'],
      ['name', 'too_long'], ['region', 'enum'], ['username', 'unknown'],
    ]);
    assert.match(p.errors.find((e) => e.field === 'credit_code').message, /统一社会信用代码/);
    const same = await json(await u.session.api('GET', `/applicants/${u.applicant.id}`));
    assert.equal(same.version, 1);
    assert.equal(same.name, u.applicant.name);
    assert.deepEqual(await audits(u.applicant.id), []);

    // the credit code alone, even unchanged or null, is refused
    for (const credit_code of [u.applicant.credit_code, null, '91110000802100433B'])
      assert.deepEqual((await expectProblem(await admin.api('PATCH', `/applicants/${u.applicant.id}`, { credit_code }), 422, 'validation'))
        .errors.map((e) => e.field), ['credit_code']);
    // types, blanks and nulls
    const q = await expectProblem(await admin.api('PATCH', `/applicants/${u.applicant.id}`,
      { name: null, contact_name: 5, supervising_body: '   ', legal_representative: ['张三'] }), 422, 'validation');
    assert.deepEqual(q.errors.map((e) => [e.field, e.code]).sort(),
      [['contact_name', 'type'], ['legal_representative', 'type'], ['name', 'type'], ['supervising_body', 'too_short']]);
    await expectProblem(await admin.api('PATCH', `/applicants/${u.applicant.id}`, ['name']), 400, 'bad_json');
    const raw = await fetch(`${k.url}/api/v1/applicants/${u.applicant.id}`, {
      method: 'PATCH', headers: { authorization: `Bearer ${admin.token}`, 'content-type': 'application/json' },
      body: '{"name":"甲","name":"乙"}' });
    await expectProblem(raw, 400, 'bad_json');
  });

  test('If-Match: stale 412, malformed 422, "*" and absent take any version', async () => {
    const u = await unit();
    const path = `/applicants/${u.applicant.id}`;
    await json(await admin.api('PATCH', path, { contact_name: '王五' }));            // version 2
    const p = await expectProblem(await u.session.api('PATCH', path, { contact_name: '赵六' }, { headers: { 'if-match': '"1"' } }),
      412, 'version_mismatch');
    assert.match(p.detail, /刷新/);
    for (const bad of ['1', 'W/"2"', '"2", "3"', '"x"'])
      assert.deepEqual((await expectProblem(await u.session.api('PATCH', path, { contact_name: '赵六' }, { headers: { 'if-match': bad } }),
        422, 'validation')).errors.map((e) => e.field), ['If-Match'], bad);
    assert.equal((await json(await u.session.api('PATCH', path, { contact_name: '赵六' }, { headers: { 'if-match': '"2"' } }))).version, 3);
    assert.equal((await json(await u.session.api('PATCH', path, { contact_name: '钱七' }, { headers: { 'if-match': '*' } }))).version, 4);
    assert.equal((await json(await u.session.api('PATCH', path, { contact_name: '孙八' }))).version, 5);
    assert.equal((await audits(u.applicant.id)).length, 4);
  });

  test('{} or the same values change nothing: no new version, no audit row', async () => {
    const u = await unit();
    const path = `/applicants/${u.applicant.id}`;
    assert.equal((await json(await u.session.api('PATCH', path, {}))).version, 1);
    assert.equal((await json(await u.session.api('PATCH', path, { name: u.applicant.name, region: u.applicant.region }))).version, 1);
    assert.deepEqual(await audits(u.applicant.id), []);
  });

  test('the unit only while an application is in draft or returned (409 saying why); the admin always', async () => {
    const u = await unit();
    const path = `/applicants/${u.applicant.id}`;
    for (const status of ['submitted', 'recommended', 'not_recommended', 'expired', 'named']) {
      await setStatus(u.application.id, status);
      const p = await expectProblem(await u.session.api('PATCH', path, { contact_name: '周九' }), 409, 'invalid_state');
      assert.match(p.detail, /草稿或退回修改/, status);
    }
    await setStatus(u.application.id, 'submitted');
    assert.match((await expectProblem(await u.session.api('PATCH', path, { contact_name: '周九' }), 409, 'invalid_state')).detail,
      /已提交/);
    assert.equal((await json(await admin.api('PATCH', path, { contact_name: '管理员改' }))).contact_name, '管理员改');
    await setStatus(u.application.id, 'returned');
    assert.equal((await json(await u.session.api('PATCH', path, { contact_name: '周九' }))).contact_name, '周九');
    // one editable application among others is enough
    await setStatus(u.application.id, 'named');
    const again = await makeApplication(k.url, rec.session, (await makeBatch(admin, { status: 'open' })).id);
    await db.psql(`UPDATE applications SET applicant_id = ${u.applicant.id} WHERE id = ${again.application.id}`);
    assert.equal((await json(await u.session.api('PATCH', path, { contact_name: '吴十' }))).contact_name, '吴十');
    const audit = await audits(u.applicant.id);
    assert.deepEqual(audit.map((a) => a.actor_role), ['applicant', 'applicant', 'admin']);
  });

  test('refusals: a recommender and an expert 403, another unit 404, no session 401; nothing changes', async () => {
    const u = await unit();
    const stranger = await unit();
    const path = `/applicants/${u.applicant.id}`;
    await expectProblem(await rec.session.api('PATCH', path, { contact_name: 'x' }), 403, 'forbidden');
    await expectProblem(await expert.api('PATCH', path, { contact_name: 'x' }), 403, 'forbidden');
    await expectProblem(await stranger.session.api('PATCH', path, { contact_name: 'x' }), 404, 'not_found');
    await expectProblem(await anonymous(k.url)('PATCH', path, { contact_name: 'x' }), 401, 'unauthenticated');
    await expectProblem(await admin.api('PATCH', '/applicants/999999999', { contact_name: 'x' }), 404, 'not_found');
    const cookieNoCsrf = await u.session.api('PATCH', path, { contact_name: 'x' }, { auth: 'cookie-no-csrf' });
    await expectProblem(cookieNoCsrf, 403, 'csrf');
    assert.equal((await json(await u.session.api('PATCH', path, { contact_name: 'x' }, { auth: 'cookie' }))).contact_name, 'x');
    const plain = await fetch(`${k.url}/api/v1${path}`, {
      method: 'PATCH', headers: { authorization: `Bearer ${admin.token}`, 'content-type': 'text/plain' }, body: '{}' });
    await expectProblem(plain, 415, 'unsupported_media_type');
    assert.equal((await audits(u.applicant.id)).length, 1);
  });
});
