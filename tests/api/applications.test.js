// Applications (申报): the applicant fills in the form and submits it; its
// recommender returns, declines or recommends it within its quota and the
// batch's recommend deadline; moving the batch to evaluation expires what
// was not recommended.  Also who sees what (one, the list, the CSV export).
// (Deadline reminders: mail-reminders.test.js.)
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { assertExportName, parseCsv } from '../lib/exports.js';
import { createDatabase, startKpjdd } from '../lib/kpjdd.js';
import { expectProblem } from '../lib/http.js';
import { createAdmin, createUser, signIn } from '../lib/accounts.js';
import { isoIn, makeApplication, makeBatch, makeRecommender } from '../lib/fixtures.js';

let db, k, admin, expert, recA, recB, batch;
let a1, a2, a3, b1;   // applicants of `batch`: a* bound to recA, b1 to recB

before(async () => {
  db = await createDatabase();
  // registrations share the invitation lookup's per-address limit
  k = await startKpjdd({ db, migrate: true, env: { KPJD_INVITATIONS_LOOKUP_LIMIT: '10000' } });
  createAdmin(db);
  admin = await signIn(k.url, 'admin');
  await createUser(db, { username: 'expert', role: 'expert' });
  [expert, recA, recB] = await Promise.all([
    signIn(k.url, 'expert'),
    makeRecommender(k.url, admin, { name: '北京市科学技术协会', kind: 'provincial_cast', region: '北京市' }),
    makeRecommender(k.url, admin, { name: '中国"科普"学会,北京', kind: 'national_society' }),
  ]);
  batch = await makeBatch(admin, { status: 'open' });
  await putQuotas(batch.id, [{ recommender_id: recA.id, quota: 1 }]);
  [a1, a2, a3, b1] = await Promise.all([
    newApplicant(recA, batch.id, { name: '北京自然博物馆', region: '北京市' }),
    newApplicant(recA, batch.id),
    newApplicant(recA, batch.id),
    newApplicant(recB, batch.id),
  ]);
});
after(async () => {
  await k?.stop();
  await db?.drop();
});

// ---------------------------------------------------------------------------
// helpers

const FULL_FORM = Object.freeze({
  staff_fulltime: 12,
  staff_parttime: 30,
  volunteers: 0,                       // zero is an answer, not a gap
  open_days_per_year: 300,
  annual_visitors: 1200000,
  venue_area_m2: 12000.5,
  annual_funding_wan: 350.75,
  activities_last3y: 120,
  profile: '北京自然博物馆是新中国依靠自己的力量筹建的第一座大型自然历史博物馆。',
  work_summary: '常年开展“自然探索”系列科普活动，近三年累计接待观众三百余万人次。',
  conditions: '展厅面积一万二千平方米，专职科普人员十二名，年科普经费三百五十万元。',
  plan: '三年内建成数字化展厅，开发二十门研学课程，培训志愿者五百人次。',
  honors: [{ title: '北京市科普基地', issuer: '北京市科学技术委员会', date: '2019-05-20' }],
});
const FORM_FIELDS = Object.keys(FULL_FORM).filter((f) => f !== 'honors');
const APP_KEYS = ['applicant_id', 'attachments', 'base_name', 'batch_code', 'batch_id', 'batch_title', 'category', 'created_at',
  'decline_reason', 'fast_track', 'form', 'id', 'initial_review', 'onsite_check', 'recommend_opinion', 'recommended_at', 'recommender_id',
  'recommender_name', 'region', 'return_reason', 'status', 'submitted_at', 'unit_name',
  'updated_at', 'version', 'withdraw_reason'];
// A list item: the application without form and attachments (GET one for those).
const LIST_KEYS = APP_KEYS.filter((k) => k !== 'form' && k !== 'attachments');
const RFC3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;
const CSV_HEADER = ['序号', '所在地区', '申报单位', '基地名称', '推荐单位', '类别', '状态',
  '批次', '统一社会信用代码', '联系人', '联系电话', '提交时间', '推荐时间', '推荐意见'];
const PDF = Buffer.from('%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n');

async function json(res, status = 200) {
  const text = await res.text();
  assert.equal(res.status, status, `status (body: ${text})`);
  return text ? JSON.parse(text) : null;
}

async function putQuotas(batchId, quotas) {
  await json(await admin.api('PUT', `/batches/${batchId}/quotas`, { quotas }));
}

async function usedOf(batchId, rec) {
  const { items } = await json(await admin.api('GET', `/batches/${batchId}/quotas`));
  const row = items.find((r) => r.recommender_id === rec.id);
  return row ? row.used : 0;
}

// A freshly registered applicant, signed in once:
// { id (the application's), app, session, unitName }.
async function newApplicant(rec, batchId, unit = {}) {
  const reg = await makeApplication(k.url, rec.session, batchId, { unit });
  const session = await signIn(k.url, reg.username, reg.password);
  return { id: reg.application.id, app: reg.application, session, unitName: reg.applicant.name };
}

const get = (who, id) => who.api('GET', `/applications/${id}`);
const patch = (a, body, headers = {}) => a.session.api('PATCH', `/applications/${a.id}`, body, { headers });
const submit = (a) => a.session.api('POST', `/applications/${a.id}/submit`);
const act = (rec, id, action, body) => rec.session.api('POST', `/applications/${id}/${action}`, body);

function uploadForm(a, body = PDF, kind = 'application_form') {
  return fetch(`${k.url}/api/v1/applications/${a.id}/attachments?kind=${kind}`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${a.session.token}`,
      'content-type': 'application/pdf',
      'content-disposition': `attachment; filename*=UTF-8''${encodeURIComponent('申报表.pdf')}`,
    },
    body,
  });
}

// Everything submit wants: names, every form field, the signed form.
async function complete(a, extra = {}) {
  await json(await patch(a, { base_name: `${a.unitName}科普基地`, category: 'venue', form: FULL_FORM, ...extra }));
  await json(await uploadForm(a), 201);
}

async function submitted(a, extra) {
  await complete(a, extra);
  const app = await json(await submit(a));
  assert.equal(app.status, 'submitted');
  return app;
}

async function statusOf(id) {
  return db.psql(`SELECT status FROM applications WHERE id = ${id}`);
}

async function auditRows(action, id) {
  const { items } = await json(await admin.api('GET', `/audit?action=${action}&entity=application&entity_id=${id}&limit=200`));
  return items;
}

async function notifications(session) {
  return (await json(await session.api('GET', '/notifications?limit=200'))).items;
}

const fields = (p) => p.errors.map((e) => [e.field, e.code]);

// ---------------------------------------------------------------------------

describe('GET /applications/{id} and who may touch an application', () => {
  test('200 with the whole application and ETag "<version>"', async () => {
    const res = await get(a1.session, a1.id);
    const app = await json(res);
    assert.deepEqual(Object.keys(app).sort(), APP_KEYS);
    assert.equal(res.headers.get('etag'), `"${app.version}"`);
    assert.equal(app.id, a1.id);
    assert.equal(app.batch_id, batch.id);
    assert.equal(app.recommender_id, recA.id);
    assert.equal(app.recommender_name, '北京市科学技术协会');
    assert.equal(app.unit_name, '北京自然博物馆');
    assert.equal(app.region, '北京市');
    assert.equal(app.status, 'draft');
    assert.equal(app.base_name, null);
    assert.equal(app.category, null);
    assert.deepEqual(app.form, {});
    assert.deepEqual(app.attachments, []);
    for (const f of ['submitted_at', 'recommended_at', 'recommend_opinion', 'return_reason', 'decline_reason', 'initial_review', 'onsite_check', 'fast_track', 'withdraw_reason']) {
      assert.equal(app[f], null, f);
    }
    assert.match(app.created_at, RFC3339);
    assert.match(app.updated_at, RFC3339);
  });

  test('the admin, the applicant and its recommender see it; another applicant or recommender and an expert get 404', async () => {
    for (const who of [admin, a1.session, recA.session]) {
      assert.equal((await get(who, a1.id)).status, 200, who.user.username);
    }
    for (const who of [b1.session, a2.session, recB.session, expert]) {
      await expectProblem(await get(who, a1.id), 404, 'not_found');
    }
    await expectProblem(await fetch(`${k.url}/api/v1/applications/${a1.id}`), 401, 'unauthenticated');
    await expectProblem(await get(admin, 999999), 404, 'not_found');
    await expectProblem(await get(admin, 'abc'), 404, 'not_found');
  });

  test('someone else\'s application is 404 (never 403) for edits, submits and review actions', async () => {
    const before = await db.psql(`SELECT version || status FROM applications WHERE id = ${a1.id}`);
    await expectProblem(await b1.session.api('PATCH', `/applications/${a1.id}`, { base_name: '冒名' }), 404, 'not_found');
    await expectProblem(await b1.session.api('POST', `/applications/${a1.id}/submit`), 404, 'not_found');
    for (const [action, body] of [['return', { reason: '请补充' }], ['decline', { reason: '不符合' }],
      ['recommend', { opinion: '同意' }], ['withdraw-recommendation', undefined]]) {
      await expectProblem(await act(recB, a1.id, action, body), 404, 'not_found');
    }
    assert.equal(await db.psql(`SELECT version || status FROM applications WHERE id = ${a1.id}`), before);
  });

  test('roles: only the applicant edits and submits (403 otherwise); only a recommender reviews', async () => {
    await expectProblem(await recA.session.api('PATCH', `/applications/${a1.id}`, { base_name: 'x' }), 403, 'forbidden');
    await expectProblem(await admin.api('PATCH', `/applications/${a1.id}`, { base_name: 'x' }), 403, 'forbidden');
    await expectProblem(await recA.session.api('POST', `/applications/${a1.id}/submit`), 403, 'forbidden');
    await expectProblem(await admin.api('POST', `/applications/${a1.id}/submit`), 403, 'forbidden');
    for (const who of [a1.session, admin, expert]) {
      await expectProblem(await who.api('POST', `/applications/${a1.id}/recommend`, { opinion: '同意' }), 403, 'forbidden');
      await expectProblem(await who.api('POST', `/applications/${a1.id}/return`, { reason: '补充' }), 403, 'forbidden');
      await expectProblem(await who.api('POST', `/applications/${a1.id}/decline`, { reason: '不符' }), 403, 'forbidden');
      await expectProblem(await who.api('POST', `/applications/${a1.id}/withdraw-recommendation`), 403, 'forbidden');
    }
    await expectProblem(await fetch(`${k.url}/api/v1/applications/${a1.id}/submit`, { method: 'POST' }), 401, 'unauthenticated');
    assert.equal(await statusOf(a1.id), 'draft');
  });
});

describe('PATCH /applications/{id}', () => {
  test('partial: fields and form keys merge, null clears a key, each PATCH bumps the version', async () => {
    const v0 = (await json(await get(a1.session, a1.id))).version;
    let res = await patch(a1, { base_name: '北京自然博物馆科普教育基地', form: { staff_fulltime: 12, profile: '简介' } });
    let app = await json(res);
    assert.equal(app.version, v0 + 1);
    assert.equal(res.headers.get('etag'), `"${v0 + 1}"`);
    assert.equal(app.base_name, '北京自然博物馆科普教育基地');
    assert.equal(app.category, null);
    assert.deepEqual(app.form, { staff_fulltime: 12, profile: '简介' });

    app = await json(await patch(a1, { category: 'natural_resources', form: { volunteers: 40, profile: null } }));
    assert.equal(app.version, v0 + 2);
    assert.equal(app.base_name, '北京自然博物馆科普教育基地', 'a field not sent keeps its value');
    assert.equal(app.category, 'natural_resources');
    assert.deepEqual(app.form, { staff_fulltime: 12, volunteers: 40 }, 'merged; profile cleared');

    app = await json(await patch(a1, {}));
    assert.equal(app.version, v0 + 3);
    assert.deepEqual(app.form, { staff_fulltime: 12, volunteers: 40 });
    const stored = JSON.parse(await db.psql(`SELECT form::text FROM applications WHERE id = ${a1.id}`));
    assert.deepEqual(stored, { staff_fulltime: 12, volunteers: 40 });
    assert.equal((await json(await get(admin, a1.id))).version, v0 + 3, 'GET agrees');
  });

  test('application.updated audit rows name the fields changed', async () => {
    await json(await patch(a1, { base_name: '北京自然博物馆科普教育基地', form: { annual_visitors: 1000, plan: '规划' } }));
    const [row] = await auditRows('application.updated', a1.id);
    assert.equal(row.actor_id, a1.session.user.id);
    assert.equal(row.actor_role, 'applicant');
    assert.deepEqual([...row.data.fields].sort(), ['base_name', 'form.annual_visitors', 'form.plan']);
  });

  test('If-Match: the current version passes; a stale one is 412 and changes nothing; a malformed one 422', async () => {
    const v = (await json(await get(a1.session, a1.id))).version;
    const app = await json(await patch(a1, { form: { staff_parttime: 3 } }, { 'if-match': `"${v}"` }));
    assert.equal(app.version, v + 1);
    await expectProblem(await patch(a1, { form: { staff_parttime: 99 } }, { 'if-match': `"${v}"` }), 412, 'version_mismatch');
    await expectProblem(await patch(a1, { form: { staff_parttime: 99 } }, { 'if-match': `"${v + 5}"` }), 412, 'version_mismatch');
    for (const bad of [`${v + 1}`, `W/"${v + 1}"`, `"${v + 1}`, '"abc"', '""']) {
      const p = await expectProblem(await patch(a1, { form: { staff_parttime: 99 } }, { 'if-match': bad }), 422, 'validation');
      assert.deepEqual(fields(p), [['If-Match', 'format']], bad);
    }
    const now = await json(await get(a1.session, a1.id));
    assert.equal(now.version, v + 1);
    assert.equal(now.form.staff_parttime, 3);
  });

  test('limits at their edge: 2000 Chinese characters of profile, 366 open days, 100-character base name, 50 honors', async () => {
    const honors = Array.from({ length: 50 }, (_, i) => ({ title: `科普荣誉${i}`, issuer: '某省科协', date: '2020-01-01' }));
    const app = await json(await patch(a1, {
      base_name: '科'.repeat(100),
      form: {
        profile: '简'.repeat(2000), work_summary: '作'.repeat(5000), conditions: '𠀀'.repeat(3000), plan: '规'.repeat(3000),
        open_days_per_year: 366, venue_area_m2: 0, annual_funding_wan: 12.5, honors,
      },
    }));
    assert.equal([...app.form.profile].length, 2000);
    assert.equal(app.form.conditions, '𠀀'.repeat(3000), 'characters outside the BMP count once');
    assert.equal(app.form.open_days_per_year, 366);
    assert.equal(app.form.honors.length, 50);
    assert.equal(app.base_name, '科'.repeat(100));
  });

  test('one past each limit is 422 naming the field; every error at once; nothing applied', async () => {
    const v = (await json(await get(a1.session, a1.id))).version;
    let p = await expectProblem(await patch(a1, {
      form: {
        profile: '简'.repeat(2001), work_summary: '作'.repeat(5001), conditions: '条'.repeat(3001), plan: '𠀀'.repeat(3001),
        open_days_per_year: 367, staff_fulltime: -1, staff_parttime: 1.5, volunteers: '30',
        annual_visitors: 2.5, activities_last3y: true, venue_area_m2: -0.5, annual_funding_wan: '三百万',
        honors: [
          { title: '北京市科普基地', issuer: '北京市科委', date: '2019-05-20' },
          { title: '省级科普基地', issuer: '某省科协', date: '2020-01-01' },
          { title: '市级科普基地', issuer: '某市科协', date: '2021-13-01' },
        ],
        nope: 1,
      },
    }), 422, 'validation');
    assert.deepEqual(fields(p).sort(), [
      ['form.activities_last3y', 'type'],
      ['form.annual_funding_wan', 'type'],
      ['form.annual_visitors', 'type'],
      ['form.conditions', 'too_long'],
      ['form.honors.2.date', 'format'],
      ['form.nope', 'unknown'],
      ['form.open_days_per_year', 'range'],
      ['form.plan', 'too_long'],
      ['form.profile', 'too_long'],
      ['form.staff_fulltime', 'range'],
      ['form.staff_parttime', 'type'],
      ['form.venue_area_m2', 'range'],
      ['form.volunteers', 'type'],
      ['form.work_summary', 'too_long'],
    ]);
    for (const e of p.errors) assert.ok(e.message.length > 0, e.field);

    p = await expectProblem(await patch(a1, { base_name: '', category: 'museum', status: 'submitted' }), 422, 'validation');
    assert.deepEqual(fields(p).sort(), [['base_name', 'too_short'], ['category', 'enum'], ['status', 'unknown']]);
    p = await expectProblem(await patch(a1, { base_name: '科'.repeat(101) }), 422, 'validation');
    assert.deepEqual(fields(p), [['base_name', 'too_long']]);
    p = await expectProblem(await patch(a1, { form: 'all of it' }), 422, 'validation');
    assert.deepEqual(fields(p), [['form', 'type']]);

    const honors = Array.from({ length: 51 }, () => ({ title: '荣誉', issuer: '科协', date: '2020-01-01' }));
    p = await expectProblem(await patch(a1, { form: { honors } }), 422, 'validation');
    assert.deepEqual(fields(p), [['form.honors', 'too_long']]);
    p = await expectProblem(await patch(a1, { form: { honors: [{ issuer: '科协', date: '2020-01-01' },
      { title: '荣誉', issuer: '科协', date: '2020-02-30' }, '荣誉'] } }), 422, 'validation');
    assert.deepEqual(fields(p).sort(), [['form.honors.0.title', 'required'], ['form.honors.1.date', 'format'],
      ['form.honors.2', 'type']]);
    p = await expectProblem(await patch(a1, { form: { honors: { title: '荣誉' } } }), 422, 'validation');
    assert.deepEqual(fields(p), [['form.honors', 'type']]);

    assert.equal((await json(await get(a1.session, a1.id))).version, v, 'no refused PATCH bumped the version');
  });

  test('every category is accepted', async () => {
    for (const c of ['venue', 'education_research', 'agriculture', 'enterprise', 'natural_resources', 'other']) {
      assert.equal((await json(await patch(a1, { category: c }))).category, c);
    }
  });

  test('400 for a body that is not JSON, 415 for another Content-Type', async () => {
    const res = await fetch(`${k.url}/api/v1/applications/${a1.id}`, {
      method: 'PATCH', headers: { authorization: `Bearer ${a1.session.token}`, 'content-type': 'application/json' }, body: '{"base_name":',
    });
    await expectProblem(res, 400, 'bad_json');
    const res2 = await fetch(`${k.url}/api/v1/applications/${a1.id}`, {
      method: 'PATCH', headers: { authorization: `Bearer ${a1.session.token}`, 'content-type': 'text/plain' }, body: '{}',
    });
    await expectProblem(res2, 415, 'unsupported_media_type');
  });
});

describe('POST /applications/{id}/submit', () => {
  test('incomplete: 422 naming each missing field and the signed form; the draft stays a draft', async () => {
    let p = await expectProblem(await submit(a2), 422, 'validation');
    const expected = ['attachments.application_form', 'base_name', 'category', ...FORM_FIELDS.map((f) => `form.${f}`)].sort();
    assert.deepEqual(p.errors.map((e) => e.field).sort(), expected);
    assert.ok(p.errors.every((e) => e.code === 'required' && e.message.length > 0));

    // half of it, an empty text, and evidence instead of the signed form
    await json(await patch(a2, { base_name: '某科技馆科普基地', form: { staff_fulltime: 0, profile: '', plan: '规划', honors: [] } }));
    await json(await uploadForm(a2, PDF, 'evidence'), 201);
    p = await expectProblem(await submit(a2), 422, 'validation');
    assert.deepEqual(p.errors.map((e) => e.field).sort(), ['attachments.application_form', 'category',
      ...FORM_FIELDS.filter((f) => !['staff_fulltime', 'plan'].includes(f)).map((f) => `form.${f}`)].sort());
    assert.equal(await statusOf(a2.id), 'draft');
    assert.equal((await auditRows('application.submitted', a2.id)).length, 0);
  });

  test('complete: 200 submitted with submitted_at; the recommender is notified; audited; editing is then 409', async () => {
    const before = await json(await get(a1.session, a1.id));
    await complete(a1, { base_name: '北京自然博物馆科普教育基地', category: 'venue' });
    const res = await submit(a1);
    const app = await json(res);
    assert.equal(app.status, 'submitted');
    assert.match(app.submitted_at, RFC3339);
    assert.ok(Math.abs(Date.parse(app.submitted_at) - Date.now()) < 60e3);
    assert.ok(app.version > before.version);
    assert.equal(res.headers.get('etag'), `"${app.version}"`);
    assert.equal(app.attachments.length, 1);
    assert.equal(app.attachments[0].kind, 'application_form');

    const note = (await notifications(recA.session)).filter((n) => n.kind === 'application.submitted'
      && n.data.application_id === a1.id);
    assert.equal(note.length, 1, 'one application.submitted notification for the recommender');
    assert.match(note[0].title, /北京自然博物馆/);
    assert.equal((await notifications(recB.session)).filter((n) => n.kind === 'application.submitted').length, 0);

    const [row] = await auditRows('application.submitted', a1.id);
    assert.deepEqual({ from: row.data.from, to: row.data.to }, { from: 'draft', to: 'submitted' });
    assert.equal(row.actor_role, 'applicant');

    const p = await expectProblem(await patch(a1, { base_name: '改名' }), 409, 'invalid_state');
    assert.ok(p.detail.length > 0);
    await expectProblem(await submit(a1), 409, 'invalid_state');
    assert.equal((await json(await get(a1.session, a1.id))).base_name, '北京自然博物馆科普教育基地');
  });
});

describe('a unit name of 100 characters that is more than 255 bytes', () => {
  // Fixed-size buffers (the principal's display name, the unit name of the
  // "收到申报" title) used to cut such a name inside a character, and the
  // invalid UTF-8 then failed the login and the submit with 500.
  for (const [label, name] of [['ASCII and Chinese', `2021${'科'.repeat(96)}`], ['outside the BMP', '𠀀'.repeat(100)]]) {
    test(`${label}: the applicant signs in and submits; the recommender's notification names the unit`, async () => {
      const reg = await makeApplication(k.url, recA.session, batch.id, { unit: { name } });
      assert.equal(reg.applicant.name, name);
      const session = await signIn(k.url, reg.username, reg.password);
      assert.ok(name.startsWith(session.user.display_name), 'the display name is the name, or a prefix of it');
      assert.equal((await json(await session.api('GET', '/session'))).user.display_name, session.user.display_name);
      const a = { id: reg.application.id, session, unitName: '长名单位' };
      await submitted(a);
      const note = (await notifications(recA.session)).find((n) => n.kind === 'application.submitted' && n.data.application_id === a.id);
      assert.ok(note, 'notified');
      assert.ok(note.title.includes(name.slice(0, 20)), note.title);
      await json(await act(recA, a.id, 'return', { reason: '测试用，退回' }));
    });
  }
});

describe('review: return, decline, recommend within quota, withdraw', () => {
  test('recommending a draft is 409 invalid_state; an empty reason or opinion 422', async () => {
    await expectProblem(await act(recA, a2.id, 'recommend', { opinion: '同意推荐' }), 409, 'invalid_state');
    await expectProblem(await act(recA, a2.id, 'return', { reason: '补充' }), 409, 'invalid_state');
    await expectProblem(await act(recA, a2.id, 'withdraw-recommendation'), 409, 'invalid_state');
    for (const [action, field] of [['return', 'reason'], ['decline', 'reason'], ['recommend', 'opinion']]) {
      let p = await expectProblem(await act(recA, a1.id, action, { [field]: '' }), 422, 'validation');
      assert.deepEqual(fields(p), [[field, 'too_short']], action);
      p = await expectProblem(await act(recA, a1.id, action, {}), 422, 'validation');
      assert.deepEqual(fields(p), [[field, 'required']], action);
    }
    assert.equal(await statusOf(a1.id), 'submitted');
  });

  test('return → returned with the reason; the applicant is told; it edits and submits again', async () => {
    const res = await act(recA, a1.id, 'return', { reason: '请补充近三年活动照片' });
    const app = await json(res);
    assert.equal(app.status, 'returned');
    assert.equal(app.return_reason, '请补充近三年活动照片');
    assert.equal(res.headers.get('etag'), `"${app.version}"`);
    const [note] = (await notifications(a1.session)).filter((n) => n.kind === 'application.returned');
    assert.equal(note.body, '请补充近三年活动照片');
    assert.equal(note.data.application_id, a1.id);
    const [row] = await auditRows('application.returned', a1.id);
    assert.deepEqual(row.data, { from: 'submitted', to: 'returned', reason: '请补充近三年活动照片' });
    assert.equal(row.actor_role, 'recommender');
    await expectProblem(await act(recA, a1.id, 'return', { reason: '再退' }), 409, 'invalid_state');
    await expectProblem(await act(recA, a1.id, 'recommend', { opinion: '同意' }), 409, 'invalid_state');

    const edited = await json(await patch(a1, { form: { activities_last3y: 150 } }));
    assert.equal(edited.status, 'returned', 'editing keeps it returned');
    assert.equal(edited.form.activities_last3y, 150);
    const again = await json(await submit(a1));
    assert.equal(again.status, 'submitted');
    assert.ok(Date.parse(again.submitted_at) >= Date.parse(app.updated_at));
    const rows = await auditRows('application.submitted', a1.id);
    assert.deepEqual(rows.map((r) => r.data.from), ['returned', 'draft']);
  });

  test('decline → not_recommended with the reason; the applicant is told; nothing more to do with it', async () => {
    await json(await patch(a2, { category: 'education_research', form: FULL_FORM }));
    await json(await uploadForm(a2), 201);
    await json(await submit(a2));
    const app = await json(await act(recA, a2.id, 'decline', { reason: '不符合申报条件' }));
    assert.equal(app.status, 'not_recommended');
    assert.equal(app.decline_reason, '不符合申报条件');
    const [note] = (await notifications(a2.session)).filter((n) => n.kind === 'application.declined');
    assert.equal(note.body, '不符合申报条件');
    assert.equal(note.data.application_id, a2.id);
    const [row] = await auditRows('application.declined', a2.id);
    assert.deepEqual(row.data, { from: 'submitted', to: 'not_recommended', reason: '不符合申报条件' });
    for (const [action, body] of [['recommend', { opinion: '同意' }], ['return', { reason: 'x' }], ['decline', { reason: 'x' }]]) {
      await expectProblem(await act(recA, a2.id, action, body), 409, 'invalid_state');
    }
    await expectProblem(await submit(a2), 409, 'invalid_state');
    await expectProblem(await patch(a2, { base_name: '再来' }), 409, 'invalid_state');
  });

  test('timestamps: the list item, GET and the database say the same second, as RFC 3339 in UTC', async () => {
    await db.psql(`UPDATE applications SET submitted_at = '2026-03-01 08:09:10.987654+08',
                   recommended_at = '2026-03-02 23:59:59.5+00' WHERE id = ${a1.id}`);
    const want = await db.psql(`SELECT concat_ws(' ', ${['submitted_at', 'recommended_at', 'created_at', 'updated_at']
      .map((c) => `to_char(${c} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')`).join(', ')}) FROM applications WHERE id = ${a1.id}`);
    const got = await json(await admin.api('GET', `/applications/${a1.id}`));
    const item = (await json(await admin.api('GET', `/applications?batch_id=${batch.id}&limit=200`))).items.find((a) => a.id === a1.id);
    for (const app of [got, item]) {
      const times = [app.submitted_at, app.recommended_at, app.created_at, app.updated_at];
      assert.equal(times.join(' '), want);
      for (const t of times) assert.match(t, RFC3339);
    }
    assert.equal(got.submitted_at, '2026-03-01T00:09:10Z');
    assert.equal(got.recommended_at, '2026-03-02T23:59:59Z');      // dropped, as to_char drops it, not rounded
    await db.psql(`UPDATE applications SET submitted_at = now(), recommended_at = NULL WHERE id = ${a1.id}`);
  });

  test('recommend → recommended with the opinion; a quota place is used; the applicant is told', async () => {
    assert.equal(await usedOf(batch.id, recA), 0);
    const app = await json(await act(recA, a1.id, 'recommend', { opinion: '同意推荐，条件成熟' }));
    assert.equal(app.status, 'recommended');
    assert.equal(app.recommend_opinion, '同意推荐，条件成熟');
    assert.match(app.recommended_at, RFC3339);
    assert.equal(await usedOf(batch.id, recA), 1);
    const [note] = (await notifications(a1.session)).filter((n) => n.kind === 'application.recommended');
    assert.equal(note.data.application_id, a1.id);
    const [row] = await auditRows('application.recommended', a1.id);
    assert.deepEqual(row.data, { from: 'submitted', to: 'recommended', opinion: '同意推荐，条件成熟' });
    for (const [action, body] of [['recommend', { opinion: '同意' }], ['return', { reason: 'x' }], ['decline', { reason: 'x' }]]) {
      await expectProblem(await act(recA, a1.id, action, body), 409, 'invalid_state');
    }
    await expectProblem(await patch(a1, { base_name: '改' }), 409, 'invalid_state');
  });

  test('quota used up: 409 quota_exhausted and the application stays submitted', async () => {
    await submitted(a3);
    const p = await expectProblem(await act(recA, a3.id, 'recommend', { opinion: '同意' }), 409, 'quota_exhausted');
    assert.ok(p.detail.length > 0);
    assert.equal(await statusOf(a3.id), 'submitted');
    assert.equal(await usedOf(batch.id, recA), 1);
    assert.equal((await auditRows('application.recommended', a3.id)).length, 0);
  });

  test('withdraw-recommendation → submitted, the place freed for another', async () => {
    const app = await json(await act(recA, a1.id, 'withdraw-recommendation'));
    assert.equal(app.status, 'submitted');
    assert.equal(app.recommended_at, null);
    assert.equal(app.recommend_opinion, null);
    assert.equal(await usedOf(batch.id, recA), 0);
    const [row] = await auditRows('application.recommendation_withdrawn', a1.id);
    assert.deepEqual({ from: row.data.from, to: row.data.to }, { from: 'recommended', to: 'submitted' });
    await expectProblem(await act(recA, a1.id, 'withdraw-recommendation'), 409, 'invalid_state');

    assert.equal((await json(await act(recA, a3.id, 'recommend', { opinion: '同意' }))).status, 'recommended');
    assert.equal(await usedOf(batch.id, recA), 1);
    await expectProblem(await act(recA, a1.id, 'recommend', { opinion: '同意' }), 409, 'quota_exhausted');
    assert.equal(await statusOf(a1.id), 'submitted');
  });

  test('no quota row, or a quota of 0, is exhausted too', async () => {
    await submitted(b1);
    await expectProblem(await act(recB, b1.id, 'recommend', { opinion: '同意' }), 409, 'quota_exhausted');
    await putQuotas(batch.id, [{ recommender_id: recB.id, quota: 0 }]);
    await expectProblem(await act(recB, b1.id, 'recommend', { opinion: '同意' }), 409, 'quota_exhausted');
    await putQuotas(batch.id, [{ recommender_id: recB.id, quota: 1 }]);
    assert.equal((await json(await act(recB, b1.id, 'recommend', { opinion: '同意' }))).status, 'recommended');
    assert.equal(await usedOf(batch.id, recB), 1);
    assert.equal(await usedOf(batch.id, recA), 1, 'quotas are per recommender');
  });
});

describe('after the recommend deadline', () => {
  let dl, draft, sub, rec;
  before(async () => {
    dl = await makeBatch(admin, { status: 'open' });
    await putQuotas(dl.id, [{ recommender_id: recA.id, quota: 5 }]);
    [draft, sub, rec] = await Promise.all([0, 1, 2].map(() => newApplicant(recA, dl.id)));
    await Promise.all([submitted(sub), submitted(rec)]);
    await json(await act(recA, rec.id, 'recommend', { opinion: '同意' }));
    await complete(draft);
  });

  test('submit and every review action: 409 deadline_passed; nothing changes', async () => {
    await json(await admin.api('PATCH', `/batches/${dl.id}`, { contact_deadline: isoIn(-2), recommend_deadline: isoIn(-1 / 24) }));
    const before = await db.psql(`SELECT string_agg(id || status || version, ',' ORDER BY id) FROM applications WHERE batch_id = ${dl.id}`);
    await expectProblem(await submit(draft), 409, 'deadline_passed');
    await expectProblem(await act(recA, sub.id, 'return', { reason: '补充' }), 409, 'deadline_passed');
    await expectProblem(await act(recA, sub.id, 'decline', { reason: '不符' }), 409, 'deadline_passed');
    await expectProblem(await act(recA, sub.id, 'recommend', { opinion: '同意' }), 409, 'deadline_passed');
    await expectProblem(await act(recA, rec.id, 'withdraw-recommendation'), 409, 'deadline_passed');
    assert.equal(await db.psql(`SELECT string_agg(id || status || version, ',' ORDER BY id) FROM applications WHERE batch_id = ${dl.id}`), before);
    assert.equal(await usedOf(dl.id, recA), 1);
  });

  test('a deadline moved back into the future opens them again', async () => {
    await json(await admin.api('PATCH', `/batches/${dl.id}`, { recommend_deadline: isoIn(10) }));
    assert.equal((await json(await submit(draft))).status, 'submitted');
  });
});

describe('the batch moves to evaluating', () => {
  let ev, draft, sub, ret, rec;
  before(async () => {
    ev = await makeBatch(admin, { status: 'open' });
    await putQuotas(ev.id, [{ recommender_id: recA.id, quota: 2 }]);
    [draft, sub, ret, rec] = await Promise.all([0, 1, 2, 3].map(() => newApplicant(recA, ev.id)));
    await Promise.all([submitted(sub), submitted(ret), submitted(rec)]);
    await json(await act(recA, ret.id, 'return', { reason: '补充' }));
    await json(await act(recA, rec.id, 'recommend', { opinion: '同意' }));
  });

  test('draft, submitted and returned become expired; recommended stays', async () => {
    await json(await admin.api('PATCH', `/batches/${ev.id}`, { status: 'evaluating' }));
    assert.equal((await json(await get(draft.session, draft.id))).status, 'expired');
    assert.equal((await json(await get(sub.session, sub.id))).status, 'expired');
    assert.equal((await json(await get(ret.session, ret.id))).status, 'expired');
    assert.equal((await json(await get(rec.session, rec.id))).status, 'recommended');
    assert.equal(await usedOf(ev.id, recA), 1);
    // the other batches are untouched
    assert.equal(await statusOf(a2.id), 'not_recommended');
    assert.equal(await statusOf(a1.id), 'submitted');
  });

  test('nothing can be done with them any more: 409 invalid_state', async () => {
    await expectProblem(await patch(draft, { base_name: '补交' }), 409, 'invalid_state');
    await expectProblem(await submit(draft), 409, 'invalid_state');
    await expectProblem(await submit(ret), 409, 'invalid_state');
    await expectProblem(await act(recA, sub.id, 'recommend', { opinion: '同意' }), 409, 'invalid_state');
    await expectProblem(await act(recA, rec.id, 'withdraw-recommendation'), 409, 'invalid_state');
    assert.equal(await statusOf(rec.id), 'recommended');
  });
});

describe('GET /applications and GET /applications.csv', () => {
  let lb, bj, sh, gd, zj;   // a batch of four, in four regions
  before(async () => {
    lb = await makeBatch(admin, { status: 'open' });
    [bj, sh, gd, zj] = await Promise.all([
      newApplicant(recB, lb.id, { name: '北京动物园', region: '北京市' }),
      newApplicant(recA, lb.id, { name: '上海科技馆', region: '上海市' }),
      newApplicant(recA, lb.id, { name: '深圳某科技企业', region: '广东省' }),
      newApplicant(recB, lb.id, { name: '浙江自然博物院', region: '浙江省' }),
    ]);
    await json(await patch(bj, { base_name: '=HYPERLINK("http://evil.example","点我")', category: 'agriculture' }));
    await submitted(sh, { base_name: '上海天文馆科普基地', category: 'venue' });
    await json(await patch(gd, { base_name: '+86 科普热线基地', category: 'enterprise' }));
  });

  async function list(who, query = '') {
    const body = await json(await who.api('GET', `/applications?limit=200${query}`));
    assert.deepEqual(Object.keys(body).sort(), ['items', 'next_cursor']);
    assert.equal(body.next_cursor, null);
    return body.items.map((a) => a.id);
  }
  const desc = (...apps) => apps.map((a) => a.id).sort((x, y) => y - x);
  const ids = async (sql) => (await db.psql(sql)).split('\n').filter(Boolean).map(Number);

  test('each role sees exactly its own, newest first', async () => {
    const all = await ids('SELECT id FROM applications ORDER BY id DESC');
    assert.ok(all.length >= 15);
    assert.deepEqual(await list(admin), all);
    assert.deepEqual(await list(recA.session), await ids(`SELECT id FROM applications WHERE recommender_id = ${recA.id} ORDER BY id DESC`));
    assert.deepEqual(await list(recB.session), await ids(`SELECT id FROM applications WHERE recommender_id = ${recB.id} ORDER BY id DESC`));
    assert.deepEqual(await list(sh.session), [sh.id]);
    assert.deepEqual(await list(expert), []);
    const { items } = await json(await sh.session.api('GET', '/applications'));
    assert.deepEqual(Object.keys(items[0]).sort(), LIST_KEYS);
    assert.equal(items[0].base_name, '上海天文馆科普基地');
    assert.equal(items[0].status, 'submitted');
    await expectProblem(await fetch(`${k.url}/api/v1/applications`), 401, 'unauthenticated');
  });

  test('filters: batch, status, category, region, q on unit and base names; combined', async () => {
    const q = (s) => `&batch_id=${lb.id}${s}`;
    assert.deepEqual(await list(admin, q('')), desc(zj, gd, sh, bj));
    assert.deepEqual(await list(admin, q('&status=submitted')), [sh.id]);
    assert.deepEqual(await list(admin, q('&status=draft')), desc(zj, gd, bj));
    assert.deepEqual(await list(admin, q('&category=enterprise')), [gd.id]);
    assert.deepEqual(await list(admin, q(`&region=${encodeURIComponent('广东省')}`)), [gd.id]);
    assert.deepEqual(await list(admin, q(`&q=${encodeURIComponent('天文')}`)), [sh.id], 'base name');
    assert.deepEqual(await list(admin, q(`&q=${encodeURIComponent('自然博物院')}`)), [zj.id], 'unit name');
    assert.deepEqual(await list(admin, q(`&q=${encodeURIComponent('科技')}`)), desc(gd, sh), 'either name');
    assert.deepEqual(await list(admin, q(`&q=${encodeURIComponent('不存在的名字')}`)), []);
    assert.deepEqual(await list(admin, q(`&q=${encodeURIComponent('天文馆')}`)), [sh.id], 'three characters');
    assert.deepEqual(await list(admin, q(`&q=${encodeURIComponent('园')}`)), [bj.id], 'one character');
    assert.deepEqual(await list(admin, q(`&q=${encodeURIComponent('馆科')}`)), [sh.id], 'two characters');
    assert.deepEqual(await list(admin, q(`&q=${encodeURIComponent('物院')}`)), [zj.id], 'two characters of the unit name');
    assert.deepEqual(await list(admin, q('&q=')), desc(zj, gd, sh, bj), 'an empty q filters nothing');
    assert.deepEqual(await list(recA.session, q(`&q=${encodeURIComponent('科')}`)), desc(gd, sh));
    assert.deepEqual(await list(recB.session, q('&status=draft')), desc(zj, bj));
    assert.deepEqual(await list(admin, `&status=not_recommended`), [a2.id]);
    assert.deepEqual(await list(admin, `&status=recommended&batch_id=${batch.id}`), desc(b1, a3));
    assert.deepEqual(await list(admin, `&batch_id=999999`), []);
  });

  test('search pages: the newest rows fill a page when q is common there, the index serves the rest', async () => {
    // limit=1: page 1 is filled from the newest rows (gd matches, so does sh
    // behind it); page 2 is not (one match left), and comes from the index.
    const walk = async (query) => {
      const seen = [];
      let cursor = null;
      do {
        const body = await json(await admin.api('GET', `/applications?limit=1&batch_id=${lb.id}${query}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`));
        seen.push(...body.items.map((a) => a.id));
        cursor = body.next_cursor;
      } while (cursor && seen.length < 10);
      return seen;
    };
    assert.deepEqual(await walk(`&q=${encodeURIComponent('科技')}`), desc(gd, sh));
    assert.deepEqual(await walk(`&q=${encodeURIComponent('馆')}`), desc(sh));
    assert.deepEqual(await walk(`&q=${encodeURIComponent('科')}&status=draft`), desc(gd));
  });

  test("a unit renamed or moved: its applications follow, in lists, filters, search and GET", async () => {
    const unit = await db.psql(`SELECT applicant_id FROM applications WHERE id = ${bj.id}`);
    await db.psql(`UPDATE applicant_units SET name = '北京天文馆', region_code = 120000 WHERE id = ${unit}`);
    try {
      assert.deepEqual(await list(admin, `&batch_id=${lb.id}&q=${encodeURIComponent('天文馆')}`), desc(bj, sh));
      assert.deepEqual(await list(admin, `&batch_id=${lb.id}&region=${encodeURIComponent('天津市')}`), [bj.id]);
      assert.deepEqual(await list(admin, `&batch_id=${lb.id}&region=${encodeURIComponent('北京市')}`), []);
      const app = await json(await admin.api('GET', `/applications/${bj.id}`));
      assert.equal(app.unit_name, '北京天文馆');
      assert.equal(app.region, '天津市');
    } finally {
      await db.psql(`UPDATE applicant_units SET name = '北京动物园', region_code = 110000 WHERE id = ${unit}`);
    }
    assert.deepEqual(await list(admin, `&batch_id=${lb.id}&region=${encodeURIComponent('北京市')}`), [bj.id]);
  });

  test('a recommender, region or batch renamed: its applications show the new name in lists, GET and the CSV', async () => {
    const names = async () => {
      const item = (await json(await admin.api('GET', `/applications?batch_id=${lb.id}&limit=200`))).items.find((a) => a.id === bj.id);
      const app = await json(await admin.api('GET', `/applications/${bj.id}`));
      assert.deepEqual([item.recommender_name, item.region, item.batch_code, item.batch_title],
        [app.recommender_name, app.region, app.batch_code, app.batch_title]);
      return [app.recommender_name, app.region, app.batch_code, app.batch_title];
    };
    const before = await names();
    const rec = await db.psql(`SELECT recommender_id FROM applications WHERE id = ${bj.id}`);
    const rename = (to) => db.psql(`UPDATE recommenders SET name = '${to[0]}' WHERE id = ${rec};
      UPDATE regions SET name = '${to[1]}' WHERE code = 110000;
      UPDATE batches SET code = '${to[2]}', title = '${to[3]}' WHERE id = ${lb.id}`);
    try {
      await rename(['改名的推荐单位', '北京', 'renamed-batch', '改名的批次']);
      assert.deepEqual(await names(), ['改名的推荐单位', '北京', 'renamed-batch', '改名的批次']);
      const csv = await (await admin.api('GET', `/applications.csv?batch_id=${lb.id}`)).text();
      assert.match(csv, /"北京","北京动物园",.*"改名的推荐单位"/);
    } finally {
      await rename(before);
    }
    assert.deepEqual(await names(), before);
  });

  test('keyset paging walks every application once', async () => {
    const all = await list(admin);
    const seen = [];
    let cursor = null;
    let pages = 0;
    do {
      const body = await json(await admin.api('GET', `/applications?limit=3${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`));
      assert.ok(body.items.length <= 3);
      seen.push(...body.items.map((a) => a.id));
      cursor = body.next_cursor;
      pages++;
    } while (cursor && pages < 100);
    assert.deepEqual(seen, all);
    assert.equal(pages, Math.ceil(all.length / 3));
  });

  test('bad filters are 422 naming the field', async () => {
    for (const [query, field] of [['batch_id=abc', 'batch_id'], ['batch_id=0', 'batch_id'], ['batch_id=-1', 'batch_id'],
      ['status=open', 'status'], ['category=museum', 'category'], ['limit=0', 'limit'], ['limit=201', 'limit'],
      ['cursor=nonsense', 'cursor']]) {
      const p = await expectProblem(await admin.api('GET', `/applications?${query}`), 422, 'validation');
      assert.deepEqual(p.errors.map((e) => e.field), [field], query);
      if (['limit', 'cursor'].includes(field)) continue;      // the export is not paged
      const c = await expectProblem(await admin.api('GET', `/applications.csv?${query}`), 422, 'validation');
      assert.deepEqual(c.errors.map((e) => e.field), [field], `csv ${query}`);
    }
  });

  // The rows of an export as parsed cells, after checking what every
  // export has: BOM, CRLF, every cell quoted, the header.
  async function csvCells(who, query) {
    const res = await who.api('GET', `/applications.csv${query}`);
    const bytes = Buffer.from(await res.arrayBuffer());
    assert.equal(res.status, 200, bytes.toString());
    assert.match(res.headers.get('content-type'), /^text\/csv; charset=utf-8/);
    assert.match(res.headers.get('content-disposition'), /^attachment;/);
    assert.deepEqual([...bytes.subarray(0, 3)], [0xEF, 0xBB, 0xBF], 'a UTF-8 BOM first');
    const text = bytes.subarray(3).toString('utf8');
    assert.ok(text.endsWith('\r\n'), 'CRLF line ends');
    const rows = parseCsv(text);
    assert.deepEqual(rows[0], CSV_HEADER);
    for (const row of rows) assert.equal(row.length, CSV_HEADER.length, JSON.stringify(row));
    const quoted = (cells) => cells.map((c) => `"${c.replaceAll('"', '""')}"`).join(',');
    assert.equal(text, `${rows.map(quoted).join('\r\n')}\r\n`, 'every cell quoted, quotes doubled');
    return { res, rows: rows.slice(1) };
  }

  // The first seven columns (those the export had before 批次 and the
  // unit's data were added) of each row, as the file writes them.
  async function csv(who, query) {
    const { rows } = await csvCells(who, query);
    return rows.map((r) => r.slice(0, 7).map((c) => `"${c.replaceAll('"', '""')}"`).join(','));
  }

  test('CSV: BOM, header, Chinese labels, ordered by region; quotes doubled; formulas neutralised', async () => {
    const rows = await csv(admin, `?batch_id=${lb.id}`);
    assert.deepEqual(rows, [
      '"1","北京市","北京动物园","\'=HYPERLINK(""http://evil.example"",""点我"")","中国""科普""学会,北京","“三农”类","草稿"',
      '"2","上海市","上海科技馆","上海天文馆科普基地","北京市科学技术协会","科技场馆类","已提交"',
      '"3","浙江省","浙江自然博物院","","中国""科普""学会,北京","","草稿"',
      '"4","广东省","深圳某科技企业","\'+86 科普热线基地","北京市科学技术协会","企业类","草稿"',
    ]);
    for (const [name, cell] of [['-1+1 科普基地', '"\'-1+1 科普基地"'], ['@科普基地', '"\'@科普基地"'], ['科普=基地', '"科普=基地"']]) {
      await json(await patch(gd, { base_name: name }));
      const [row] = (await csv(admin, `?batch_id=${lb.id}&region=${encodeURIComponent('广东省')}`));
      assert.equal(row.split(',')[3], cell, name);
    }
  });

  test('CSV: the same visibility as the list, the same filters', async () => {
    const mine = await csv(recA.session, `?batch_id=${lb.id}`);
    assert.deepEqual(mine.map((r) => r.split(',')[2]), ['"上海科技馆"', '"深圳某科技企业"']);
    assert.deepEqual((await csv(bj.session, '')).map((r) => r.split(',')[2]), ['"北京动物园"']);
    assert.deepEqual(await csv(expert, ''), []);
    assert.deepEqual((await csv(admin, `?batch_id=${lb.id}&status=submitted`)).map((r) => r.split(',')[2]), ['"上海科技馆"']);
    assert.deepEqual(await csv(admin, '?batch_id=999999'), []);
    await expectProblem(await fetch(`${k.url}/api/v1/applications.csv`), 401, 'unauthenticated');
  });

  test('CSV: streamed in chunks, block after block, numbered on without a gap', async () => {
    const big = await makeBatch(admin, { status: 'open' });
    const rows = 11000;    // three blocks of the export (EXPORT_BLOCK = 5000)
    await db.psql(`INSERT INTO applicant_units (name, credit_code, region_code, address, legal_representative,
        supervising_body, contact_name, contact_phone, contact_email)
      SELECT '批量单位' || i, '91' || lpad(i::text, 16, '0'), 420000, '地址', '法人', '主管', '联系人', '13800000000', 'x@example.cn'
        FROM generate_series(1, ${rows}) i;
      INSERT INTO applications (batch_id, recommender_id, applicant_id, credit_code, base_name, status)
      SELECT ${big.id}, ${recA.id}, u.id, u.credit_code, '=批量基地' || u.id, 'draft'
        FROM applicant_units u WHERE u.name LIKE '批量单位%';`);
    const res = await admin.api('GET', `/applications.csv?batch_id=${big.id}`);
    assert.equal(res.headers.get('transfer-encoding'), 'chunked', 'not built whole first');
    assert.equal(res.headers.get('content-length'), null);
    const text = Buffer.from(await res.arrayBuffer()).subarray(3).toString('utf8');
    const lines = text.slice(0, -2).split('\r\n').slice(1)
      .map((line) => line.split('","').slice(0, 7).join('","') + '"');
    assert.equal(lines.length, rows);
    const want = (await db.psql(`SELECT u.name || '|' || a.id FROM applications a JOIN applicant_units u ON u.id = a.applicant_id
      WHERE a.batch_id = ${big.id} ORDER BY u.name, a.id`)).split('\n').filter(Boolean);
    lines.forEach((line, i) => {
      const [name, id] = want[i].split('|');
      assert.equal(line, `"${i + 1}","湖北省","${name}","'=批量基地${id}","${recA.recommender.name.replace(/"/g, '""')}","","草稿"`);
    });
  });

  test('CSV: every status and category has its Chinese label', async () => {
    const STATUS = { draft: '草稿', submitted: '已提交', returned: '退回修改', recommended: '已推荐',
      not_recommended: '不予推荐', expired: '逾期未报' };
    const CATEGORY = { venue: '科技场馆类', education_research: '教育科研与重大工程类', agriculture: '“三农”类',
      enterprise: '企业类', natural_resources: '自然资源类', other: '其他类', '': '' };
    await json(await patch(zj, { category: 'natural_resources' }));
    await json(await patch(bj, { category: 'other' }));
    const rows = await csv(admin, '');
    const got = rows.map((r) => r.match(/"([^"]*)","([^"]*)"$/).slice(1)).map(([c, s]) => `${c}|${s}`).sort();
    const want = (await db.psql("SELECT coalesce(category, '') || '|' || status FROM applications"))
      .split('\n').map((l) => { const [c, s] = l.split('|'); return `${CATEGORY[c]}|${STATUS[s]}`; }).sort();
    assert.deepEqual(got, want);
    const labels = new Set(rows.map((r) => r.match(/"([^"]*)"$/)[1]));
    for (const l of ['草稿', '已提交', '退回修改', '已推荐', '不予推荐', '逾期未报']) assert.ok(labels.has(l), l);
  });

  test('CSV: 批次, the unit\'s credit code and contact, submitted and recommended in Beijing time, the opinion; named by batch and date', async () => {
    // RFC 3339 UTC → "YYYY-MM-DD HH:MM" in Beijing (UTC+8, no daylight saving)
    const beijing = (iso) => new Date(Date.parse(iso) + 8 * 3600000).toISOString().slice(0, 16).replace('T', ' ');
    await putQuotas(lb.id, [{ recommender_id: recA.id, quota: 5 }]);
    const recommended = await json(await act(recA, sh.id, 'recommend', { opinion: '=1+1 建议推荐，"重点"支持' }));
    const unitOf = async (a) => json(await admin.api('GET', `/applicants/${a.app.applicant_id}`));
    await json(await admin.api('PATCH', `/applicants/${bj.app.applicant_id}`, { contact_phone: '+86 10 6857 1234', contact_name: '@张三' }));
    const [bjUnit, shUnit] = [await unitOf(bj), await unitOf(sh)];

    const { res, rows } = await csvCells(admin, `?batch_id=${lb.id}`);
    assertExportName(res, `申报列表-${lb.code}`);
    const row = (name) => rows.find((r) => r[2] === name);
    assert.deepEqual(row('上海科技馆'), ['2', '上海市', '上海科技馆', '上海天文馆科普基地', '北京市科学技术协会', '科技场馆类', '已推荐',
      lb.title, shUnit.credit_code, shUnit.contact_name, shUnit.contact_phone,
      beijing(recommended.submitted_at), beijing(recommended.recommended_at), '\'=1+1 建议推荐，"重点"支持']);
    assert.deepEqual(row('北京动物园').slice(7), [lb.title, bjUnit.credit_code, '\'@张三', '\'+86 10 6857 1234', '', '', ''],
      'a draft: no times, no opinion; a contact that would start a formula is neutralised');
    assert.match(beijing(recommended.submitted_at), /^\d{4}-\d\d-\d\d \d\d:\d\d$/);

    // an expert sees its assigned applications without the units' credit codes and contacts (GET /applicants is 404 to it)
    await createUser(db, { username: 'csv-expert', role: 'expert' });
    await db.psql(`WITH e AS (INSERT INTO experts (name, organization, field, user_id)
        SELECT '专家', '某大学', '科普', id FROM users WHERE username = 'csv-expert' RETURNING id, user_id),
      u AS (UPDATE users SET org_id = e.id FROM e WHERE users.id = e.user_id RETURNING e.id)
      INSERT INTO assignment_rounds (batch_id, seed, per_application, made_by)
        SELECT ${lb.id}, repeat('a', 64), 1, (SELECT id FROM users WHERE username = 'admin') FROM u;
      INSERT INTO assignments (batch_id, application_id, expert_id)
        SELECT ${lb.id}, ${sh.id}, org_id FROM users WHERE username = 'csv-expert'`);
    const assigned = await signIn(k.url, 'csv-expert');
    await expectProblem(await assigned.api('GET', `/applicants/${sh.app.applicant_id}`), 404, 'not_found');
    const seen = await csvCells(assigned, `?batch_id=${lb.id}`);
    assert.deepEqual(seen.rows, [['1', ...row('上海科技馆').slice(1, 8), '', '', '', ...row('上海科技馆').slice(11)]]);

    // the file's name: the batch's code and today in Beijing; no batch filter, or a batch the caller does not see
    assertExportName((await csvCells(recA.session, '')).res, '申报列表-全部批次');
    assertExportName((await csvCells(admin, '?batch_id=999999')).res, '申报列表');
    const draft = await makeBatch(admin, { code: 'csv/草稿"批次' });
    assertExportName((await csvCells(admin, `?batch_id=${draft.id}`)).res, '申报列表-csv-草稿批次');
    assertExportName((await csvCells(recA.session, `?batch_id=${draft.id}`)).res, '申报列表');
  });
});
