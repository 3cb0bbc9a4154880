// Quota-aware review (issue 13 item 3): the reason of a withdrawn
// recommendation (optional in the API, kept like return_reason, audited,
// told to the unit), an application's history from the audit trail
// (GET /applications/{id}/history: what it shows, to whom, paged), the
// pending count beside the quota, the queue oldest first (order=oldest),
// and what a provincial recommender's region filter rests on.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { createDatabase, startKpjdd } from '../lib/kpjdd.js';
import { expectProblem } from '../lib/http.js';
import { createAdmin, createUser, signIn } from '../lib/accounts.js';
import { makeApplication, makeBatch, makeRecommender } from '../lib/fixtures.js';

let db, k, admin, expert, recA, recB, batch;
let a1, a2, a3, b1;   // applicants of `batch`: a* bound to recA (北京市), b1 to recB

const FORM = Object.freeze({
  staff_fulltime: 3, staff_parttime: 4, volunteers: 0, open_days_per_year: 200, annual_visitors: 5000,
  venue_area_m2: 800, annual_funding_wan: 20, activities_last3y: 12,
  profile: '简介', work_summary: '工作总结', conditions: '条件', plan: '计划',
});
const PDF = Buffer.from('%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n');
const ITEM_KEYS = new Set(['at', 'action', 'action_label', 'actor_role', 'actor_name', 'reason', 'opinion', 'comments', 'result']);
const RFC3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;

async function json(res, status = 200) {
  const text = await res.text();
  assert.equal(res.status, status, `status (body: ${text})`);
  return text ? JSON.parse(text) : null;
}

async function newApplicant(rec, batchId, unit = {}) {
  const reg = await makeApplication(k.url, rec.session, batchId, { unit });
  const session = await signIn(k.url, reg.username, reg.password);
  return { id: reg.application.id, session, unitName: reg.applicant.name };
}

async function submitted(a) {
  await json(await a.session.api('PATCH', `/applications/${a.id}`, { base_name: `${a.unitName}基地`, category: 'venue', form: FORM }));
  await json(await fetch(`${k.url}/api/v1/applications/${a.id}/attachments?kind=application_form`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${a.session.token}`, 'content-type': 'application/pdf',
      'content-disposition': `attachment; filename*=UTF-8''${encodeURIComponent('申报表.pdf')}`,
    },
    body: PDF,
  }), 201);
  assert.equal((await json(await a.session.api('POST', `/applications/${a.id}/submit`))).status, 'submitted');
}

const act = (rec, id, action, body) => rec.session.api('POST', `/applications/${id}/${action}`, body);
const history = (who, id, qs = '') => who.api('GET', `/applications/${id}/history${qs}`);
const fields = (p) => p.errors.map((e) => [e.field, e.code]);

function withdrawRaw(rec, id, { type, body } = {}) {
  const headers = { authorization: `Bearer ${rec.session.token}` };
  if (type) headers['content-type'] = type;
  return fetch(`${k.url}/api/v1/applications/${id}/withdraw-recommendation`, { method: 'POST', headers, body });
}

before(async () => {
  db = await createDatabase();
  k = await startKpjdd({ db, migrate: true, env: { KPJD_INVITATIONS_LOOKUP_LIMIT: '10000' } });
  createAdmin(db);
  admin = await signIn(k.url, 'admin');
  await createUser(db, { username: 'expert', role: 'expert' });
  [expert, recA, recB] = await Promise.all([
    signIn(k.url, 'expert'),
    makeRecommender(k.url, admin, { name: '北京市科学技术协会', kind: 'provincial_cast', region: '北京市' }),
    makeRecommender(k.url, admin, { name: '中国天文学会', kind: 'national_society' }),
  ]);
  batch = await makeBatch(admin, { status: 'open' });
  await json(await admin.api('PUT', `/batches/${batch.id}/quotas`, {
    quotas: [{ recommender_id: recA.id, quota: 1 }, { recommender_id: recB.id, quota: 1 }],
  }));
  [a1, a2, a3, b1] = await Promise.all([
    newApplicant(recA, batch.id, { name: '北京天文馆', region: '北京市' }),
    newApplicant(recA, batch.id, { name: '河北科技馆', region: '河北省' }),
    newApplicant(recA, batch.id, { name: '北京动物园', region: '北京市' }),
    newApplicant(recB, batch.id),
  ]);
  for (const a of [a1, a2, a3, b1]) await submitted(a);   // in this order: a1 oldest
});
after(async () => {
  await k?.stop();
  await db?.drop();
});

describe('withdrawing a recommendation, with or without a reason', () => {
  test('the reason is recorded, audited, shown to the unit and sent in its notice', async () => {
    await json(await act(recA, a1.id, 'recommend', { opinion: '同意推荐' }));
    const app = await json(await act(recA, a1.id, 'withdraw-recommendation', { reason: '名额调整，改推其他单位' }));
    assert.equal(app.status, 'submitted');
    assert.equal(app.withdraw_reason, '名额调整，改推其他单位');
    assert.equal((await json(await a1.session.api('GET', `/applications/${a1.id}`))).withdraw_reason, '名额调整，改推其他单位');
    const { items } = await json(await admin.api('GET', `/audit?entity=application&entity_id=${a1.id}&limit=200`));
    const row = items.find((r) => r.action === 'application.recommendation_withdrawn');
    assert.equal(row.data.reason, '名额调整，改推其他单位');
    const notes = (await json(await a1.session.api('GET', '/notifications?limit=200'))).items;
    const note = notes.find((n) => n.kind === 'application.recommendation_withdrawn');
    assert.equal(note.body, '名额调整，改推其他单位');
  });

  test('kept like return_reason: a later recommendation leaves it, a withdrawal without one clears it', async () => {
    const again = await json(await act(recA, a1.id, 'recommend', { opinion: '同意推荐' }));
    assert.equal(again.withdraw_reason, '名额调整，改推其他单位');
    const bare = await json(await withdrawRaw(recA, a1.id));        // as API.md's scripts send it: no body
    assert.equal(bare.status, 'submitted');
    assert.equal(bare.withdraw_reason, null);
    const notes = (await json(await a1.session.api('GET', '/notifications?limit=200'))).items
      .filter((n) => n.kind === 'application.recommendation_withdrawn');
    assert.equal(notes.length, 2);
    assert.ok(notes.some((n) => n.body === null || n.body === undefined || n.body === ''), JSON.stringify(notes));
  });

  test('a resubmission clears it: the reason belongs to the withdrawal the application waits after', async () => {
    await json(await act(recA, a3.id, 'recommend', { opinion: '同意' }));
    assert.equal((await json(await act(recA, a3.id, 'withdraw-recommendation', { reason: '再看看' }))).withdraw_reason, '再看看');
    assert.equal((await json(await act(recA, a3.id, 'return', { reason: '补充照片' }))).withdraw_reason, '再看看');
    const again = await json(await a3.session.api('POST', `/applications/${a3.id}/submit`));
    assert.equal(again.status, 'submitted');
    assert.equal(again.withdraw_reason, null);
  });

  test('an empty JSON body, {} and an empty body with a JSON Content-Type are no reason', async () => {
    for (const send of [{ type: 'application/json' }, { type: 'application/json', body: '{}' }]) {
      await json(await act(recA, a1.id, 'recommend', { opinion: '同意' }));
      const app = await json(await withdrawRaw(recA, a1.id, send));
      assert.equal(app.withdraw_reason, null, JSON.stringify(send));
    }
  });

  test('a bad reason is 422 naming it; bad JSON 400; another media type 415; nothing changes', async () => {
    await json(await act(recA, a1.id, 'recommend', { opinion: '同意' }));
    const cases = [
      [{ reason: '' }, 'too_short'], [{ reason: '理'.repeat(501) }, 'too_long'], [{ reason: 7 }, 'type'],
      [{ reason: null }, 'type'],
    ];
    for (const [body, code] of cases) {
      const p = await expectProblem(await act(recA, a1.id, 'withdraw-recommendation', body), 422, 'validation');
      assert.deepEqual(fields(p), [['reason', code]], JSON.stringify(body).slice(0, 40));
    }
    const p = await expectProblem(await act(recA, a1.id, 'withdraw-recommendation', { why: 'x' }), 422, 'validation');
    assert.equal(p.errors[0].field, 'why');
    await expectProblem(await withdrawRaw(recA, a1.id, { type: 'application/json', body: '{"reason":' }), 400, 'bad_json');
    await expectProblem(await withdrawRaw(recA, a1.id, { type: 'application/json', body: '[]' }), 400, 'bad_json');
    await expectProblem(await withdrawRaw(recA, a1.id, { type: 'text/plain', body: '{"reason":"x"}' }), 415, 'unsupported_media_type');
    await expectProblem(await withdrawRaw(recA, a1.id, { body: '{"reason":"x"}' }), 415, 'unsupported_media_type');
    assert.equal(await db.psql(`SELECT status FROM applications WHERE id = ${a1.id}`), 'recommended');
    // 500 characters (not bytes) is the most
    const app = await json(await act(recA, a1.id, 'withdraw-recommendation', { reason: '理'.repeat(500) }));
    assert.equal(app.withdraw_reason.length, 500);
  });

  test('others may not: the unit 403, another recommender 404, anonymous 401', async () => {
    await expectProblem(await a1.session.api('POST', `/applications/${a1.id}/withdraw-recommendation`, { reason: 'x' }), 403, 'forbidden');
    await expectProblem(await act(recB, a1.id, 'withdraw-recommendation', { reason: 'x' }), 404, 'not_found');
    await expectProblem(await fetch(`${k.url}/api/v1/applications/${a1.id}/withdraw-recommendation`, { method: 'POST' }), 401, 'unauthenticated');
  });
});

describe('GET /applications/{id}/history', () => {
  let c;   // a fresh application walked through every review move
  before(async () => {
    c = await newApplicant(recB, batch.id, { name: '中国古动物馆', region: '北京市' });
    await submitted(c);
    await json(await act(recB, c.id, 'return', { reason: '请补充近三年活动清单' }));
    await json(await c.session.api('PATCH', `/applications/${c.id}`, { base_name: '中国古动物馆科普基地' }));
    assert.equal((await json(await c.session.api('POST', `/applications/${c.id}/submit`))).status, 'submitted');
    await json(await act(recB, c.id, 'recommend', { opinion: '特色鲜明，同意推荐' }));
    await json(await act(recB, c.id, 'withdraw-recommendation', { reason: '改推他馆' }));
    await json(await act(recB, c.id, 'decline', { reason: '条件尚不具备' }));
  });

  test('the moves, oldest first, with reason or opinion and the actor\'s organisation', async () => {
    const { items, next_cursor } = await json(await history(c.session, c.id));
    assert.equal(next_cursor, null);
    assert.deepEqual(items.map((i) => i.action), [
      'application.submitted', 'application.returned', 'application.submitted', 'application.recommended',
      'application.recommendation_withdrawn', 'application.declined',
    ], 'edits (application.updated) are not moves');
    // the Chinese names are the audit log's (lib/domain/auditlabel.c), one table for both
    assert.deepEqual(items.map((i) => i.action_label), ['提交申报', '退回修改', '提交申报', '推荐', '撤回推荐', '不予推荐']);
    assert.deepEqual(items.map((i) => i.actor_role), ['applicant', 'recommender', 'applicant', 'recommender', 'recommender', 'recommender']);
    assert.equal(items[0].actor_name, '中国古动物馆');
    assert.equal(items[1].actor_name, '中国天文学会');
    assert.equal(items[1].reason, '请补充近三年活动清单');
    assert.equal(items[3].opinion, '特色鲜明，同意推荐');
    assert.equal(items[4].reason, '改推他馆');
    assert.equal(items[5].reason, '条件尚不具备');
    for (const it of items) {
      assert.match(it.at, RFC3339);
      for (const key of Object.keys(it)) assert.ok(ITEM_KEYS.has(key), `item key ${key}`);
    }
    const times = items.map((i) => i.at);
    assert.deepEqual([...times].sort(), times);
    const text = JSON.stringify(items);
    for (const secret of ['127.0.0.1', 'request_id', 'actor_id', '"ip"', 'hash', recB.username]) {
      assert.ok(!text.includes(secret), `no ${secret}`);
    }
  });

  test('the same for its recommender and the admin; 404 for everyone else, 401 without a session', async () => {
    const mine = await json(await history(c.session, c.id));
    assert.deepEqual(await json(await history(recB.session, c.id)), mine);
    assert.deepEqual(await json(await history(admin, c.id)), mine);
    for (const who of [recA.session, a1.session, expert]) await expectProblem(await history(who, c.id), 404, 'not_found');
    for (const id of ['999999999', 'abc', '0', '-1', '1e3']) await expectProblem(await history(admin, id), 404, 'not_found');
    await expectProblem(await fetch(`${k.url}/api/v1/applications/${c.id}/history`), 401, 'unauthenticated');
  });

  test('an expert reads it while the application is assigned to it, not once it has recused', async () => {
    const one = (text) => text.split('\n')[0];
    const adminId = one(await db.psql(`SELECT id FROM users WHERE username = 'admin'`));
    const expertId = one(await db.psql(`INSERT INTO experts (name, organization, field, user_id)
      SELECT '专家', '某研究所', '天文', id FROM users WHERE username = 'expert' RETURNING id`));
    await db.psql(`UPDATE users SET org_id = ${expertId} WHERE username = 'expert'`);
    await db.psql(`INSERT INTO assignment_rounds (batch_id, seed, per_application, made_by)
      VALUES (${batch.id}, repeat('0', 64), 1, ${adminId})`);
    await db.psql(`INSERT INTO assignments (batch_id, application_id, expert_id) VALUES (${batch.id}, ${c.id}, ${expertId})`);
    const mine = await json(await history(admin, c.id));
    assert.deepEqual(await json(await history(expert, c.id)), mine);
    await expectProblem(await history(expert, a1.id), 404, 'not_found');
    await db.psql(`UPDATE assignments SET status = 'recused', recuse_reason = '曾参与该馆项目' WHERE application_id = ${c.id}`);
    await expectProblem(await history(expert, c.id), 404, 'not_found');
  });

  test('paged: limit and cursor walk it; bad ones are 422', async () => {
    const all = (await json(await history(admin, c.id))).items;
    const seen = [];
    let cursor = null;
    do {
      const page = await json(await history(admin, c.id, `?limit=4${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`));
      assert.ok(page.items.length <= 4);
      seen.push(...page.items);
      cursor = page.next_cursor;
    } while (cursor);
    assert.deepEqual(seen, all);
    for (const qs of ['?limit=0', '?limit=201', '?limit=x', '?cursor=%%%']) {
      await expectProblem(await history(admin, c.id, qs), 422, 'validation');
    }
  });

  test('a draft has an empty history; the admin\'s moves show without a name', async () => {
    const d = await newApplicant(recA, batch.id);
    assert.deepEqual(await json(await history(d.session, d.id)), { items: [], next_cursor: null });
    const ev = await makeBatch(admin, { status: 'open' });
    const e = await newApplicant(recA, ev.id);
    await submitted(e);
    await json(await admin.api('PATCH', `/batches/${ev.id}`, { status: 'evaluating' }));
    const { items } = await json(await history(e.session, e.id));
    assert.deepEqual(items.map((i) => [i.action, i.actor_role, i.actor_name]),
      [['application.submitted', 'applicant', e.unitName], ['application.expired', 'admin', undefined]]);
  });
});

describe('the review queue', () => {
  test('the quota row counts what awaits review (pending)', async () => {
    const mine = await json(await recA.session.api('GET', `/batches/${batch.id}/quotas`));
    assert.equal(mine.items.length, 1);
    const want = Number(await db.psql(`SELECT count(*) FROM applications WHERE batch_id = ${batch.id}
      AND recommender_id = ${recA.id} AND status = 'submitted'`));
    assert.ok(want >= 2);
    assert.equal(mine.items[0].pending, want);
    await json(await act(recA, a2.id, 'return', { reason: '补充' }));
    assert.equal((await json(await recA.session.api('GET', `/batches/${batch.id}/quotas`))).items[0].pending, want - 1);
    const all = await json(await admin.api('GET', `/batches/${batch.id}/quotas`));
    assert.ok(all.items.every((r) => Number.isInteger(r.pending)));
  });

  test('order=oldest: pending applications oldest first, paged with the cursor', async () => {
    const qs = `batch_id=${batch.id}&status=submitted`;
    const newest = (await json(await recA.session.api('GET', `/applications?${qs}`))).items.map((a) => a.id);
    const walked = [];
    let cursor = null;
    do {
      const page = await json(await recA.session.api('GET',
        `/applications?${qs}&order=oldest&limit=1${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`));
      walked.push(...page.items.map((a) => a.id));
      cursor = page.next_cursor;
    } while (cursor);
    assert.ok(walked.length >= 2);
    assert.deepEqual(walked, [...newest].reverse());
    assert.deepEqual(walked, [...walked].sort((x, y) => x - y));
    const explicit = (await json(await recA.session.api('GET', `/applications?${qs}&order=newest`))).items.map((a) => a.id);
    assert.deepEqual(explicit, newest);
    const p = await expectProblem(await recA.session.api('GET', '/applications?order=asc'), 422, 'validation');
    assert.deepEqual(fields(p), [['order', 'enum']]);
  });

  test('a provincial recommender reads its own region; its list filtered by it holds only that region', async () => {
    const me = await json(await recA.session.api('GET', `/recommenders/${recA.session.user.org_id}`));
    assert.equal(me.kind, 'provincial_cast');
    assert.equal(me.region, '北京市');
    await expectProblem(await recA.session.api('GET', `/recommenders/${recB.id}`), 404, 'not_found');
    const { items } = await json(await recA.session.api('GET', `/applications?batch_id=${batch.id}&region=${encodeURIComponent('北京市')}`));
    assert.ok(items.length >= 2);
    assert.ok(items.every((a) => a.region === '北京市' && a.recommender_id === recA.id));
  });
});
