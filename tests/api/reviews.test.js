// Initial review (初评): the admin passes or fails each recommended
// application of a batch in evaluation, one by one or in bulk (all or
// nothing); a fail says why; a review can be changed; each decision is
// audited and told to the applicant and its recommender.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { createDatabase, startKpjdd } from '../lib/kpjdd.js';
import { expectProblem } from '../lib/http.js';
import { createAdmin, createUser, signIn } from '../lib/accounts.js';
import { makeApplication, makeBatch, makeRecommender } from '../lib/fixtures.js';

const RFC3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;

let db, k, admin, admin2, expert, rec, other, ev, open;
let apps;        // recommended applications of `ev`: { id, session, unitName }
let more;        // three more, for the bulk review
let expired;     // a draft of `ev` when it moved to evaluating
let draftOfOpen; // an application of the open batch, recommended too

async function json(res, status = 200) {
  const text = await res.text();
  assert.equal(res.status, status, `status (body: ${text})`);
  return text ? JSON.parse(text) : null;
}

async function newApplicant(r, batchId) {
  const reg = await makeApplication(k.url, r.session, batchId);
  const session = await signIn(k.url, reg.username, reg.password);
  return { id: reg.application.id, session, unitName: reg.applicant.name };
}

// Recommending is tested elsewhere (applications.test.js); here the rows are
// put in that state directly, as the batch's recommend stage left them.
async function recommended(...list) {
  await db.psql(`UPDATE applications SET status = 'recommended', recommended_at = now(), submitted_at = now(),
                 recommend_opinion = '同意推荐' WHERE id IN (${list.map((a) => a.id).join(',')})`);
}

const review = (who, id, body) => who.api('POST', `/applications/${id}/initial-review`, body);
const bulk = (who, batchId, body) => who.api('POST', `/batches/${batchId}/initial-review`, body);
const statusOf = (id) => db.psql(`SELECT status FROM applications WHERE id = ${id}`);
const fields = (p) => p.errors.map((e) => [e.field, e.code]);

async function auditRows(id) {
  const { items } = await json(await admin.api('GET', `/audit?action=application.initial_reviewed&entity=application&entity_id=${id}&limit=200`));
  return items;
}

async function notices(session, id) {
  const { items } = await json(await session.api('GET', '/notifications?limit=200'));
  return items.filter((n) => n.kind === 'application.initial_reviewed' && n.data.application_id === id);
}

before(async () => {
  db = await createDatabase();
  k = await startKpjdd({ db, migrate: true, env: { KPJD_INVITATIONS_LOOKUP_LIMIT: '10000' } });
  createAdmin(db);
  createAdmin(db, 'admin2');
  await createUser(db, { username: 'expert', role: 'expert' });
  [admin, admin2, expert] = await Promise.all([signIn(k.url, 'admin'), signIn(k.url, 'admin2'), signIn(k.url, 'expert')]);
  await db.psql(`UPDATE users SET display_name = '科普部 王审' WHERE username = 'admin'`);
  [rec, other] = await Promise.all([
    makeRecommender(k.url, admin, { name: '湖北省科学技术协会', kind: 'provincial_cast', region: '湖北省' }),
    makeRecommender(k.url, admin),
  ]);
  ev = await makeBatch(admin, { status: 'open' });
  open = await makeBatch(admin, { status: 'open' });
  apps = [];
  for (let i = 0; i < 6; i++) apps.push(await newApplicant(i < 5 ? rec : other, ev.id));
  more = [];
  for (let i = 0; i < 3; i++) more.push(await newApplicant(rec, ev.id));
  expired = await newApplicant(rec, ev.id);
  draftOfOpen = await newApplicant(rec, open.id);
  await recommended(...apps, ...more, draftOfOpen);
  await json(await admin.api('PATCH', `/batches/${ev.id}`, { status: 'evaluating' }));
});
after(async () => {
  await k?.stop();
  await db?.drop();
});

describe('POST /applications/{id}/initial-review', () => {
  test('pass: 200 initial_passed with the review; audited; the applicant and its recommender are told', async () => {
    const a = apps[0];
    const res = await review(admin, a.id, { result: 'pass' });
    const app = await json(res);
    assert.equal(app.status, 'initial_passed');
    assert.equal(res.headers.get('etag'), `"${app.version}"`);
    assert.deepEqual(Object.keys(app.initial_review).sort(), ['at', 'by', 'comments', 'result']);
    assert.equal(app.initial_review.result, 'pass');
    assert.equal(app.initial_review.comments, null);
    assert.equal(app.initial_review.by, '科普部 王审');
    assert.match(app.initial_review.at, RFC3339);
    const [row] = await auditRows(a.id);
    assert.deepEqual(row.data, { from: 'recommended', to: 'initial_passed', result: 'pass' });
    assert.equal((await notices(a.session, a.id)).length, 1);
    const [told] = await notices(rec.session, a.id);
    assert.match(told.title, /^初评通过：/);
    assert.equal(told.data.result, 'pass');
    // the applicant and the recommender see it in the application and in their lists
    assert.deepEqual((await json(await a.session.api('GET', `/applications/${a.id}`))).initial_review, app.initial_review);
    const { items } = await json(await rec.session.api('GET', `/applications?batch_id=${ev.id}&status=initial_passed`));
    assert.deepEqual(items.map((x) => [x.id, x.initial_review]), [[a.id, app.initial_review]]);
  });

  test('fail needs comments; then initial_failed with them', async () => {
    const a = apps[1];
    for (const body of [{ result: 'fail' }, { result: 'fail', comments: '' }, { result: 'fail', comments: ' \n\t' }]) {
      const p = await expectProblem(await review(admin, a.id, body), 422, 'validation');
      assert.deepEqual(fields(p), [['comments', 'required']], JSON.stringify(body));
    }
    assert.equal(await statusOf(a.id), 'recommended');
    const app = await json(await review(admin, a.id, { result: 'fail', comments: '申报材料与基地实际情况不符' }));
    assert.equal(app.status, 'initial_failed');
    assert.equal(app.initial_review.comments, '申报材料与基地实际情况不符');
    const [told] = await notices(a.session, a.id);
    assert.match(told.title, /^初评未通过：/);
    assert.equal(told.body, '申报材料与基地实际情况不符');
  });

  test('a review can be changed: fail → pass → fail, each audited', async () => {
    const a = apps[2];
    assert.equal((await json(await review(admin, a.id, { result: 'fail', comments: '材料不全' }))).status, 'initial_failed');
    const passed = await json(await review(admin2, a.id, { result: 'pass', comments: '补充材料后符合条件' }));
    assert.equal(passed.status, 'initial_passed');
    assert.equal(passed.initial_review.by, '系统管理员');            // kpjdd create-admin's display name
    assert.equal((await json(await review(admin, a.id, { result: 'fail', comments: '复核不通过' }))).status, 'initial_failed');
    const rows = await auditRows(a.id);
    assert.deepEqual(rows.map((r) => [r.data.from, r.data.to]).reverse(),
      [['recommended', 'initial_failed'], ['initial_failed', 'initial_passed'], ['initial_passed', 'initial_failed']]);
  });

  test('bad bodies: 422 naming the field, nothing changed', async () => {
    const a = apps[3];
    for (const [body, want] of [
      [{}, [['result', 'required']]],
      [{ result: 'maybe' }, [['result', 'enum']]],
      [{ result: 'PASS' }, [['result', 'enum']]],
      [{ result: 1 }, [['result', 'type']]],
      [{ result: 'pass', comments: 7 }, [['comments', 'type']]],
      [{ result: 'pass', comments: '评'.repeat(2001) }, [['comments', 'too_long']]],
      [{ result: 'pass', by: 'me' }, [['by', 'unknown']]],
    ]) {
      const p = await expectProblem(await review(admin, a.id, body), 422, 'validation');
      assert.deepEqual(fields(p), want, JSON.stringify(body).slice(0, 80));
    }
    await expectProblem(await fetch(`${k.url}/api/v1/applications/${a.id}/initial-review`, {
      method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${admin.token}` },
      body: '{"result":"pass","result":"fail"}' }), 400, 'bad_json');
    assert.equal(await statusOf(a.id), 'recommended');
    assert.deepEqual(await auditRows(a.id), []);
  });

  test('who and what: other roles 403; unknown or malformed id 404; wrong state or batch 409', async () => {
    const a = apps[3];
    for (const who of [rec.session, a.session, expert])
      await expectProblem(await review(who, a.id, { result: 'pass' }), 403, 'forbidden');
    await expectProblem(await fetch(`${k.url}/api/v1/applications/${a.id}/initial-review`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"result":"pass"}' }), 401, 'unauthenticated');
    for (const id of ['999999999', 'abc', '0', '-1', '1e3', '9'.repeat(30)])
      await expectProblem(await review(admin, id, { result: 'pass' }), 404, 'not_found');
    // the open batch is not in evaluation
    const p = await expectProblem(await review(admin, draftOfOpen.id, { result: 'pass' }), 409, 'invalid_state');
    assert.match(p.detail, /评审阶段/);
    // an application that was not recommended
    assert.equal(await statusOf(expired.id), 'expired');
    const q = await expectProblem(await review(admin, expired.id, { result: 'pass' }), 409, 'invalid_state');
    assert.match(q.detail, /逾期未报/);
    assert.equal(await statusOf(draftOfOpen.id), 'recommended');
  });

  test('two admins at once on one application: both answered, the chain still verifies', async () => {
    const a = apps[5];
    const answers = await Promise.all([
      review(admin, a.id, { result: 'pass' }),
      review(admin2, a.id, { result: 'fail', comments: '不符合' }),
    ]);
    assert.deepEqual(answers.map((r) => r.status), [200, 200]);
    const rows = await auditRows(a.id);
    assert.equal(rows.length, 2);
    assert.equal(rows[0].data.from, rows[1].data.to);        // one after the other, never both from recommended
    assert.equal(await statusOf(a.id), rows[0].data.to);
    const v = await json(await admin.api('GET', '/audit/verify'));
    assert.equal(v.ok, true, JSON.stringify(v));
  });
});

describe('POST /batches/{id}/initial-review (bulk, all or nothing)', () => {

  test('a bad item anywhere: 422 naming items.N.<field>, and nothing is reviewed', async () => {
    const p = await expectProblem(await bulk(admin, ev.id, { items: [
      { application_id: more[0].id, result: 'pass' },
      { application_id: more[1].id, result: 'fail' },
      { application_id: more[2].id, result: 'nope', comments: 'x' },
      { application_id: 'x', result: 'pass' },
      { result: 'pass' },
      7,
      { application_id: more[0].id, result: 'pass', extra: 1 },
    ] }), 422, 'validation');
    assert.deepEqual(fields(p), [
      ['items.1.comments', 'required'], ['items.2.result', 'enum'], ['items.3.application_id', 'type'],
      ['items.4.application_id', 'required'], ['items.5', 'type'], ['items.6.extra', 'unknown'],
      ['items.6.application_id', 'duplicate'],
    ]);
    for (const a of more) assert.equal(await statusOf(a.id), 'recommended');
  });

  test('duplicates, foreign applications and wrong states are named; nothing is reviewed', async () => {
    let p = await expectProblem(await bulk(admin, ev.id, { items: [
      { application_id: more[0].id, result: 'pass' }, { application_id: more[0].id, result: 'pass' },
    ] }), 422, 'validation');
    assert.deepEqual(fields(p), [['items.1.application_id', 'duplicate']]);
    p = await expectProblem(await bulk(admin, ev.id, { items: [
      { application_id: more[0].id, result: 'pass' }, { application_id: draftOfOpen.id, result: 'pass' },
      { application_id: 999999999, result: 'pass' },
    ] }), 422, 'validation');
    assert.deepEqual(fields(p), [['items.1.application_id', 'not_found'], ['items.2.application_id', 'not_found']]);
    p = await expectProblem(await bulk(admin, ev.id, { items: [
      { application_id: more[0].id, result: 'pass' }, { application_id: expired.id, result: 'pass' },
    ] }), 409, 'invalid_state');
    assert.deepEqual(fields(p), [['items.1.application_id', 'invalid_state']]);
    for (const a of more) assert.equal(await statusOf(a.id), 'recommended');
    assert.deepEqual(await auditRows(more[0].id), []);
  });

  test('all good: 200 {"count"}, every one reviewed, audited and told', async () => {
    const body = { items: [
      { application_id: more[0].id, result: 'pass' },
      { application_id: more[1].id, result: 'fail', comments: '不符合申报条件' },
      { application_id: more[2].id, result: 'pass', comments: '条件成熟' },
    ] };
    assert.deepEqual(await json(await bulk(admin, ev.id, body)), { count: 3 });
    assert.deepEqual(await Promise.all(more.map((a) => statusOf(a.id))), ['initial_passed', 'initial_failed', 'initial_passed']);
    for (const a of more) {
      assert.equal((await auditRows(a.id)).length, 1);
      assert.equal((await notices(a.session, a.id)).length, 1);
    }
  });

  test('the batch: unknown 404, not in evaluation 409; other roles 403; bad shapes 422', async () => {
    const item = { application_id: more[0].id, result: 'pass' };
    await expectProblem(await bulk(admin, 999999999, { items: [item] }), 404, 'not_found');
    await expectProblem(await bulk(admin, 'abc', { items: [item] }), 404, 'not_found');
    await expectProblem(await bulk(admin, open.id, { items: [{ application_id: draftOfOpen.id, result: 'pass' }] }), 409, 'invalid_state');
    for (const who of [rec.session, expert])
      await expectProblem(await bulk(who, ev.id, { items: [item] }), 403, 'forbidden');
    for (const [body, want] of [
      [{}, [['items', 'required']]],
      [{ items: [] }, [['items', 'too_short']]],
      [{ items: {} }, [['items', 'type']]],
      [{ items: Array.from({ length: 2001 }, () => item) }, [['items', 'too_long']]],
    ]) {
      const p = await expectProblem(await bulk(admin, ev.id, body), 422, 'validation');
      assert.deepEqual(fields(p), want);
    }
  });
});
