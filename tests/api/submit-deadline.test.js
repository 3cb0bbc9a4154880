// The unit submission deadline (单位提交截止, batches' optional
// submit_deadline): set, changed, cleared and checked against the
// recommend deadline; after it, judged by the database clock, an applicant
// can no longer submit a draft (409 deadline_passed), its recommender still
// reviews, and an application returned to it may be resubmitted until the
// recommend deadline.  A batch without one behaves as before.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { createDatabase, startKpjdd } from '../lib/kpjdd.js';
import { expectProblem, sleep } from '../lib/http.js';
import { createAdmin, signIn } from '../lib/accounts.js';
import { isoIn, makeApplication, makeBatch, makeRecommender } from '../lib/fixtures.js';

let db, k, admin, rec;
before(async () => {
  db = await createDatabase();
  k = await startKpjdd({ db, migrate: true, env: { KPJD_INVITATIONS_LOOKUP_LIMIT: '10000' } });
  createAdmin(db);
  admin = await signIn(k.url, 'admin');
  rec = await makeRecommender(k.url, admin);
});
after(async () => {
  await k?.stop();
  await db?.drop();
});

const FORM = Object.freeze({
  staff_fulltime: 12, staff_parttime: 30, volunteers: 0, open_days_per_year: 300,
  annual_visitors: 1200000, venue_area_m2: 12000.5, annual_funding_wan: 350.75, activities_last3y: 120,
  profile: '常年对公众开放的自然历史博物馆。', work_summary: '近三年开展科普活动一百二十场。',
  conditions: '展厅一万二千平方米。', plan: '三年内建成数字化展厅。', honors: [],
});
const PDF = Buffer.from('%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n');

async function json(res, status = 200) {
  const text = await res.text();
  assert.equal(res.status, status, `status (body: ${text})`);
  return text ? JSON.parse(text) : null;
}

const fields = (p) => p.errors.map((e) => [e.field, e.code]);
const patchBatch = (id, body) => admin.api('PATCH', `/batches/${id}`, body);

// A registered applicant of `rec` in `batchId` whose form is complete, so
// that nothing but the deadlines decides whether it may submit.
async function readyApplicant(batchId) {
  const reg = await makeApplication(k.url, rec.session, batchId);
  const session = await signIn(k.url, reg.username, reg.password);
  const a = { id: reg.application.id, session };
  await json(await session.api('PATCH', `/applications/${a.id}`, { base_name: `${reg.applicant.name}科普基地`, category: 'venue', form: FORM }));
  await json(await fetch(`${k.url}/api/v1/applications/${a.id}/attachments?kind=application_form`, {
    method: 'POST',
    headers: { authorization: `Bearer ${session.token}`, 'content-type': 'application/pdf',
      'content-disposition': 'attachment; filename="form.pdf"' },
    body: PDF,
  }), 201);
  return a;
}

const submit = (a) => a.session.api('POST', `/applications/${a.id}/submit`);
const act = (id, action, body) => rec.session.api('POST', `/applications/${id}/${action}`, body);
const statusOf = (id) => db.psql(`SELECT status FROM applications WHERE id = ${id}`);

// Sets the batch's submit deadline `seconds` after the database's now.
const deadlineIn = (batchId, seconds) =>
  db.psql(`UPDATE batches SET submit_deadline = now() + interval '${seconds} seconds' WHERE id = ${batchId}`);

// Waits until the database clock has reached the batch's submit deadline.
async function untilPassed(batchId) {
  for (let i = 0; i < 100; i++) {
    if (await db.psql(`SELECT now() >= submit_deadline FROM batches WHERE id = ${batchId}`) === 't') return;
    await sleep(100);
  }
  assert.fail('the submit deadline never passed');
}

describe('the field', () => {
  test('POST takes it, in UTC without fractions; GET and the list show it; the audit row has it', async () => {
    const b = await makeBatch(admin, { submit_deadline: '2031-11-06T00:00:00.5+08:00', recommend_deadline: '2031-11-10T16:00:00Z' });
    assert.equal(b.submit_deadline, '2031-11-05T16:00:00Z');
    assert.deepEqual(await json(await admin.api('GET', `/batches/${b.id}`)), b);
    const { items } = await json(await admin.api('GET', `/batches?q=${encodeURIComponent(b.code)}`));
    assert.equal(items.find((x) => x.id === b.id).submit_deadline, '2031-11-05T16:00:00Z');
    const audit = await json(await admin.api('GET', `/audit?action=batch.created&entity=batch&entity_id=${b.id}`));
    assert.equal(audit.items[0].data.submit_deadline, '2031-11-05T16:00:00Z');
  });

  test('a batch without one: null, kept so by other edits; its drafts submit until the recommend deadline', async () => {
    const b = await makeBatch(admin, { status: 'open' });
    assert.equal(b.submit_deadline, null);
    const edited = await json(await patchBatch(b.id, { title: '改名后的批次', contact_deadline: isoIn(-1) }));
    assert.equal(edited.submit_deadline, null);
    assert.equal(await db.psql(`SELECT submit_deadline IS NULL FROM batches WHERE id = ${b.id}`), 't');
    const a = await readyApplicant(b.id);
    assert.equal((await json(await submit(a))).status, 'submitted');
  });

  test('PATCH sets and moves it, null clears it, absent keeps it; each change audited', async () => {
    const b = await makeBatch(admin);
    // each time is computed once: isoIn reads the clock, and two calls may fall either side of a second
    const first = isoIn(20);
    assert.equal((await json(await patchBatch(b.id, { submit_deadline: first }))).submit_deadline, first);
    const moved = isoIn(25);
    assert.equal((await json(await patchBatch(b.id, { submit_deadline: moved }))).submit_deadline, moved);
    assert.equal((await json(await patchBatch(b.id, { title: '不动截止时间' }))).submit_deadline, moved);
    assert.equal((await json(await patchBatch(b.id, { submit_deadline: null }))).submit_deadline, null);
    assert.equal(await db.psql(`SELECT submit_deadline IS NULL FROM batches WHERE id = ${b.id}`), 't');
    const { items } = await json(await admin.api('GET', `/audit?action=batch.updated&entity=batch&entity_id=${b.id}&limit=200`));
    const sent = items.map((r) => r.data).filter((d) => 'submit_deadline' in d).map((d) => d.submit_deadline);
    assert.deepEqual(sent.sort(), [first, moved, null].sort());
  });

  test('422 naming submit_deadline: not before the recommend deadline, or not a time; nothing stored', async () => {
    const p1 = await expectProblem(await admin.api('POST', '/batches', {
      code: `SD${Date.now()}`, title: '截止顺序', term_start_year: 2021, term_end_year: 2025,
      contact_deadline: isoIn(10), recommend_deadline: isoIn(30), submit_deadline: isoIn(31),
    }), 422, 'validation');
    assert.deepEqual(fields(p1), [['submit_deadline', 'order']]);
    const b = await makeBatch(admin, { recommend_deadline: '2031-11-10T16:00:00Z', submit_deadline: '2031-11-05T16:00:00Z' });
    // equal is not before
    assert.deepEqual(fields(await expectProblem(await patchBatch(b.id, { submit_deadline: '2031-11-11T00:00:00+08:00' }), 422, 'validation')),
      [['submit_deadline', 'order']]);
    // moving the recommend deadline in front of it names it too
    assert.deepEqual(fields(await expectProblem(await patchBatch(b.id, { recommend_deadline: '2031-11-04T16:00:00Z' }), 422, 'validation')),
      [['submit_deadline', 'order']]);
    for (const bad of ['2031-11-05', 'soon', 20311105, '']) {
      assert.deepEqual(fields(await expectProblem(await patchBatch(b.id, { submit_deadline: bad }), 422, 'validation'))[0][0],
        'submit_deadline', String(bad));
    }
    const stored = await json(await admin.api('GET', `/batches/${b.id}`));
    assert.equal(stored.submit_deadline, '2031-11-05T16:00:00Z');
    assert.equal(stored.recommend_deadline, '2031-11-10T16:00:00Z');
    // both together, in the right order, pass
    const both = await json(await patchBatch(b.id, { recommend_deadline: '2031-11-20T16:00:00Z', submit_deadline: '2031-11-15T16:00:00Z' }));
    assert.equal(both.submit_deadline, '2031-11-15T16:00:00Z');
  });

  test('the constraint holds for every writer, not only the API', async () => {
    const b = await makeBatch(admin);
    await assert.rejects(db.psql(`UPDATE batches SET submit_deadline = recommend_deadline WHERE id = ${b.id}`),
      /batches_submit_deadline/);
  });
});

describe('the window, by the database clock', () => {
  let b, early, late, ret, reviewed;
  before(async () => {
    b = await makeBatch(admin, { status: 'open' });
    await json(await admin.api('PUT', `/batches/${b.id}/quotas`, { quotas: [{ recommender_id: rec.id, quota: 5 }] }));
    [early, late, ret, reviewed] = await Promise.all([0, 1, 2, 3].map(() => readyApplicant(b.id)));
    for (const a of [ret, reviewed]) assert.equal((await json(await submit(a))).status, 'submitted');
    // returned before the deadline, not resubmitted until after it
    assert.equal((await json(await act(ret.id, 'return', { reason: '请补充盖章页' }))).status, 'returned');
  });

  test('a second before the deadline a draft is submitted', async () => {
    await deadlineIn(b.id, 2);
    assert.equal((await json(await submit(early))).status, 'submitted');
  });

  test('once it has passed: a draft is refused 409 deadline_passed and stays a draft, with no audit row', async () => {
    await untilPassed(b.id);
    const p = await expectProblem(await submit(late), 409, 'deadline_passed');
    assert.match(p.detail, /单位提交已截止/);
    assert.equal(await statusOf(late.id), 'draft');
    const { items } = await json(await admin.api('GET', `/audit?action=application.submitted&entity=application&entity_id=${late.id}`));
    assert.equal(items.length, 0);
  });

  test('the recommender still reviews: returns, declines, recommends', async () => {
    assert.equal((await json(await act(early.id, 'return', { reason: '附件不清晰' }))).status, 'returned');
    assert.equal((await json(await act(reviewed.id, 'recommend', { opinion: '同意推荐' }))).status, 'recommended');
  });

  test('a returned application is resubmitted after it (returned before or after the deadline)', async () => {
    assert.equal((await json(await submit(early))).status, 'submitted');
    assert.equal((await json(await submit(ret))).status, 'submitted');
  });

  test('the recommend deadline still closes resubmission', async () => {
    assert.equal((await json(await act(early.id, 'return', { reason: '再补充' }))).status, 'returned');
    await db.psql(`UPDATE batches SET contact_deadline = now() - interval '2 days', submit_deadline = now() - interval '1 day',`
      + ` recommend_deadline = now() + interval '1 second' WHERE id = ${b.id}`);
    for (let i = 0; i < 100 && await db.psql(`SELECT now() < recommend_deadline FROM batches WHERE id = ${b.id}`) === 't'; i++) await sleep(100);
    const p = await expectProblem(await submit(early), 409, 'deadline_passed');
    assert.match(p.detail, /推荐已截止/);
    assert.equal(await statusOf(early.id), 'returned');
  });

  test('cleared, the drafts submit again', async () => {
    await json(await patchBatch(b.id, { recommend_deadline: isoIn(10), submit_deadline: null }));
    assert.equal((await json(await submit(late))).status, 'submitted');
  });
});
