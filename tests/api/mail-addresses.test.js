// Mail addresses (users.email): each way an account gets one — a unit's
// registration and its change of contact address, a recommender's contact
// form, an expert's and a recommender's creation (and an expert's change),
// create-admin --email — and the caller's own settings at PUT /session/mail
// (address, opt-out), shown by GET /session; bad addresses 422 naming the
// field; every change audited.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { createDatabase, runKpjdd, startKpjdd } from '../lib/kpjdd.js';
import { anonymous, expectProblem } from '../lib/http.js';
import { ADMIN_PASSWORD, createAdmin, signIn } from '../lib/accounts.js';
import { makeApplication, makeBatch, makeRecommender } from '../lib/fixtures.js';

let db, k, admin, rec, batch;
before(async () => {
  db = await createDatabase();
  k = await startKpjdd({ db, migrate: true, env: { KPJD_INVITATIONS_LOOKUP_LIMIT: '10000' } });
  createAdmin(db);
  admin = await signIn(k.url, 'admin');
  rec = await makeRecommender(k.url, admin, { name: '中国科普作家协会' });
  batch = await makeBatch(admin, { status: 'open' });
});
after(async () => {
  await k?.stop();
  await db?.drop();
});

const emailOf = (username) => db.psql(`SELECT coalesce(email, '<null>') FROM users WHERE username = '${username}'`);
const fieldCodes = (p) => p.errors.map((e) => [e.field, e.code]);

// The JSON body of an answer that must have `status`.
async function answer(res, status) {
  const text = await res.text();
  assert.equal(res.status, status, text);
  return JSON.parse(text);
}

async function auditRows(action, entity, entityId) {
  const res = await admin.api('GET', `/audit?action=${action}&entity=${entity}&entity_id=${entityId}&limit=200`);
  assert.equal(res.status, 200);
  return (await res.json()).items;
}

describe('addresses set where the platform learns them', () => {
  test('a unit: its registration\'s contact address; a later change of the contact address leaves the account\'s (the reset address)', async () => {
    const reg = await makeApplication(k.url, rec.session, batch.id, { unit: { contact_email: 'Zhang.Lin@Museum.example.cn' } });
    assert.equal(await emailOf(reg.username), 'Zhang.Lin@Museum.example.cn');
    const unit = await signIn(k.url, reg.username, reg.password);
    const id = reg.applicant.id;
    let res = await unit.api('PATCH', `/applicants/${id}`, { contact_email: 'office@museum.example.cn' });
    assert.equal(res.status, 200, await res.text());
    assert.equal(await emailOf(reg.username), 'Zhang.Lin@Museum.example.cn');
    const [row] = await auditRows('applicant.updated', 'applicant', id);
    assert.deepEqual(row.data.changes.contact_email, { from: 'Zhang.Lin@Museum.example.cn', to: 'office@museum.example.cn' });
    // a change of something else leaves the address
    res = await admin.api('PATCH', `/applicants/${id}`, { contact_name: '王五' });
    assert.equal(res.status, 200, await res.text());
    assert.equal(await emailOf(reg.username), 'Zhang.Lin@Museum.example.cn');
    const p = await expectProblem(await unit.api('PATCH', `/applicants/${id}`, { contact_email: 'no-at-sign' }), 422, 'validation');
    assert.deepEqual(fieldCodes(p), [['contact_email', 'format']]);
    assert.equal(await emailOf(reg.username), 'Zhang.Lin@Museum.example.cn');
    // an account without an address takes the contact's
    await db.psql(`UPDATE users SET email = NULL WHERE username = '${reg.username}'`);
    res = await unit.api('PATCH', `/applicants/${id}`, { contact_email: 'desk@museum.example.cn' });
    assert.equal(res.status, 200, await res.text());
    assert.equal(await emailOf(reg.username), 'desk@museum.example.cn');
  });

  test('a recommender: the address of its first contact form (附件2); a later form leaves the account\'s', async () => {
    assert.equal(await emailOf(rec.username), '<null>');
    const form = { name: '欧阳·娜娜', department: '科普部', position: '副主任', office_phone: '010-68571234',
      mobile: '13912345678', email: 'ouyang@kpzj.example.cn', address: '北京市海淀区复兴路3号' };
    let res = await rec.session.api('PUT', `/batches/${batch.id}/contact`, form);
    assert.equal(res.status, 200, await res.text());
    assert.equal(await emailOf(rec.username), 'ouyang@kpzj.example.cn');
    res = await rec.session.api('PUT', `/batches/${batch.id}/contact`, { ...form, email: 'kepu@kpzj.example.cn' });
    assert.equal(res.status, 200);
    assert.equal(await emailOf(rec.username), 'ouyang@kpzj.example.cn');
    const rows = await auditRows('contact.updated', 'contact', batch.id);
    assert.equal(rows[0].data.email, 'kepu@kpzj.example.cn');
  });

  test('a recommender at creation: optional `email`, checked, shown and audited', async () => {
    let res = await admin.api('POST', '/recommenders', { name: '中国地质学会', kind: 'national_society', username: 'geo-soc', email: 'office@geosoc.example.cn' });
    const { recommender } = await answer(res, 201);
    assert.equal(recommender.email, 'office@geosoc.example.cn');
    assert.equal(await emailOf('geo-soc'), 'office@geosoc.example.cn');
    assert.equal((await (await admin.api('GET', `/recommenders/${recommender.id}`)).json()).email, 'office@geosoc.example.cn');
    const [row] = await auditRows('recommender.created', 'recommender', recommender.id);
    assert.equal(row.data.email, 'office@geosoc.example.cn');
    // without one: null
    res = await admin.api('POST', '/recommenders', { name: '中国化学会', kind: 'national_society', username: 'chem-soc' });
    assert.equal((await res.json()).recommender.email, null);
    for (const email of ['not an address', 'a@b', '', 42]) {
      const p = await expectProblem(await admin.api('POST', '/recommenders',
        { name: '中国物理学会', kind: 'national_society', username: 'phys-soc', email }), 422, 'validation');
      assert.deepEqual(p.errors.map((e) => e.field), ['email'], JSON.stringify(email));
    }
    assert.equal(await db.psql("SELECT count(*) FROM users WHERE username = 'phys-soc'"), '0');
  });

  test('an expert: optional `email` at creation, changed or cleared by PATCH, shown by GET and the list, audited', async () => {
    let res = await admin.api('POST', '/experts', { name: '李四光', username: 'expert-li', organization: '中国地质大学',
      field: '地质学', email: 'li@cug.example.cn' });
    const { expert } = await answer(res, 201);
    assert.equal(expert.email, 'li@cug.example.cn');
    assert.equal(await emailOf('expert-li'), 'li@cug.example.cn');
    let [row] = await auditRows('expert.created', 'expert', expert.id);
    assert.equal(row.data.email, 'li@cug.example.cn');

    res = await admin.api('PATCH', `/experts/${expert.id}`, { email: 'siguang.li@cug.example.cn' });
    assert.equal((await answer(res, 200)).email, 'siguang.li@cug.example.cn');
    assert.equal((await (await admin.api('GET', `/experts/${expert.id}`)).json()).email, 'siguang.li@cug.example.cn');
    const list = await (await admin.api('GET', '/experts?limit=200')).json();
    assert.equal(list.items.find((e) => e.id === expert.id).email, 'siguang.li@cug.example.cn');
    [row] = await auditRows('expert.updated', 'expert', expert.id);
    assert.equal(row.data.email, 'siguang.li@cug.example.cn');

    // another field changed: the address stays; null clears it
    res = await admin.api('PATCH', `/experts/${expert.id}`, { field: '古生物学' });
    assert.equal((await res.json()).email, 'siguang.li@cug.example.cn');
    res = await admin.api('PATCH', `/experts/${expert.id}`, { email: null });
    assert.equal((await res.json()).email, null);
    assert.equal(await emailOf('expert-li'), '<null>');

    let p = await expectProblem(await admin.api('PATCH', `/experts/${expert.id}`, { email: 'li@@cug' }), 422, 'validation');
    assert.deepEqual(fieldCodes(p), [['email', 'format']]);
    p = await expectProblem(await admin.api('POST', '/experts', { name: '王五', username: 'expert-wang', organization: '某大学',
      field: '物理学', email: 'wang at example.cn' }), 422, 'validation');
    assert.deepEqual(fieldCodes(p), [['email', 'format']]);
    assert.equal(await db.psql("SELECT count(*) FROM users WHERE username = 'expert-wang'"), '0');
  });

  test('an admin: create-admin --email, checked and audited', async () => {
    const env = { KPJD_DB_CONNINFO: db.conninfo };
    let r = runKpjdd(['create-admin', 'ops-admin', '--email', 'ops@cast.example.cn'], { env, input: `${ADMIN_PASSWORD}\n` });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(await emailOf('ops-admin'), 'ops@cast.example.cn');
    const row = await db.psql("SELECT data->>'email' FROM audit_log WHERE action = 'user.created' AND data->>'username' = 'ops-admin'");
    assert.equal(row, 'ops@cast.example.cn');
    r = runKpjdd(['create-admin', '--email', 'bad address', 'ops-admin2'], { env, input: `${ADMIN_PASSWORD}\n` });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /invalid email address 'bad address'/);
    assert.equal(await emailOf('ops-admin2'), '');   // no row at all
  });
});

describe('the caller\'s own settings', () => {
  test('GET /session shows email and mail_opt_out; so does the login\'s answer', async () => {
    const res = await admin.api('GET', '/session');
    assert.equal(res.status, 200);
    const body = await res.json();
    assert.equal(body.user.email, null);
    assert.equal(body.user.mail_opt_out, false);
    assert.equal(body.user.username, 'admin');
    assert.equal(typeof body.csrf_token, 'string');
    assert.equal(admin.user.email, null);
    assert.equal(admin.user.mail_opt_out, false);
    await expectProblem(await anonymous(k.url)('GET', '/session'), 401, 'unauthenticated');
  });

  test('PUT /session/mail changes either or both, answers the session, and audits each change with its old value', async () => {
    const me = await signIn(k.url, rec.username, rec.password);
    let res = await me.api('PUT', '/session/mail', { email: 'Duty@KPZJ.example.cn', current_password: rec.password });
    let body = await answer(res, 200);
    assert.equal(body.user.email, 'Duty@KPZJ.example.cn');
    assert.equal(body.user.mail_opt_out, false);
    assert.equal(body.user.id, rec.session.user.id);
    assert.equal(body.csrf_token, me.csrf);
    res = await me.api('PUT', '/session/mail', { mail_opt_out: true }, { auth: 'cookie' });
    body = await res.json();
    assert.deepEqual([body.user.email, body.user.mail_opt_out], ['Duty@KPZJ.example.cn', true]);
    const got = await (await me.api('GET', '/session')).json();
    assert.deepEqual([got.user.email, got.user.mail_opt_out], ['Duty@KPZJ.example.cn', true]);
    assert.equal(await db.psql(`SELECT email || ' ' || mail_opt_out FROM users WHERE id = ${body.user.id}`), 'Duty@KPZJ.example.cn true');

    const rows = await auditRows('user.mail_settings', 'user', body.user.id);
    assert.equal(rows.length, 2);
    assert.deepEqual(rows[0].data.changes, { mail_opt_out: { from: false, to: true } });
    assert.deepEqual(rows[1].data.changes, { email: { from: 'ouyang@kpzj.example.cn', to: 'Duty@KPZJ.example.cn' } });
    assert.equal(rows[0].actor_id, body.user.id);

    // the same again changes nothing and adds no row; null clears the address
    res = await me.api('PUT', '/session/mail', { email: 'Duty@KPZJ.example.cn', mail_opt_out: true, current_password: rec.password });
    assert.equal(res.status, 200);
    assert.equal((await auditRows('user.mail_settings', 'user', body.user.id)).length, 2);
    res = await me.api('PUT', '/session/mail', { email: null, mail_opt_out: false, current_password: rec.password });
    body = await res.json();
    assert.deepEqual([body.user.email, body.user.mail_opt_out], [null, false]);
    const [last] = await auditRows('user.mail_settings', 'user', body.user.id);
    assert.deepEqual(last.data.changes, { email: { from: 'Duty@KPZJ.example.cn', to: null }, mail_opt_out: { from: true, to: false } });
  });

  test('the address is where a reset link goes: changing it takes the current password, and spends the links already mailed', async () => {
    const me = await signIn(k.url, rec.username, rec.password);
    const before = await emailOf(rec.username);
    let p = await expectProblem(await me.api('PUT', '/session/mail', { email: 'thief@evil.example.cn' }), 422, 'validation');
    assert.deepEqual(fieldCodes(p), [['current_password', 'required']]);
    p = await expectProblem(await me.api('PUT', '/session/mail', { email: 'thief@evil.example.cn', current_password: 'not-the-password' }), 422, 'validation');
    assert.deepEqual(fieldCodes(p), [['current_password', 'incorrect']]);
    assert.equal(await emailOf(rec.username), before);
    const failed = await db.psql(`SELECT count(*) FROM audit_log WHERE action = 'user.password_change_failed' AND entity_id = '${me.user.id}'`);
    assert.equal(failed, '1');
    // the opt-out alone needs no password
    assert.equal((await me.api('PUT', '/session/mail', { mail_opt_out: false })).status, 200);
    // an open reset link dies with the address it was sent to
    await db.psql(`INSERT INTO password_resets (user_id, token_hash, expires_at) VALUES (${me.user.id}, 'spent-by-mail-change', now() + interval '30 minutes')`);
    const res = await me.api('PUT', '/session/mail', { email: 'new-desk@kpzj.example.cn', current_password: rec.password });
    assert.equal(res.status, 200, await res.text());
    assert.equal(await db.psql("SELECT used_at IS NOT NULL FROM password_resets WHERE token_hash = 'spent-by-mail-change'"), 't');
  });

  test('bad input: 422 naming the field, nothing changes; a cookie without CSRF 403; anonymous 401', async () => {
    const cases = [
      [{ email: 'nobody' }, [['email', 'format']]],
      [{ email: 'a@b.c d' }, [['email', 'format']]],
      [{ email: 7 }, [['email', 'type']]],
      [{ email: `${'x'.repeat(250)}@example.cn` }, [['email', 'too_long']]],
      [{ mail_opt_out: 'yes' }, [['mail_opt_out', 'type']]],
      [{ colour: 'blue' }, [['colour', 'unknown']]],
    ];
    for (const [payload, want] of cases) {
      const p = await expectProblem(await admin.api('PUT', '/session/mail', payload), 422, 'validation');
      assert.deepEqual(fieldCodes(p), want, JSON.stringify(payload));
    }
    assert.equal(await emailOf('admin'), '<null>');
    await expectProblem(await admin.api('PUT', '/session/mail', { mail_opt_out: true }, { auth: 'cookie-no-csrf' }), 403, 'csrf');
    await expectProblem(await anonymous(k.url)('PUT', '/session/mail', { mail_opt_out: true }), 401, 'unauthenticated');
    assert.equal(await db.psql("SELECT mail_opt_out FROM users WHERE username = 'admin'"), 'f');
  });

  test('the action has its Chinese name in the audit log\'s table', async () => {
    const labels = await (await admin.api('GET', '/audit/labels')).json();
    const flat = JSON.stringify(labels);
    assert.match(flat, /user\.mail_settings/);
    assert.match(flat, /修改邮件设置/);
  });
});
