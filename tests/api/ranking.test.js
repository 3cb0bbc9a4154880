// The ranking of a batch's final candidates and the proposed list (终评):
// statistics over the submitted totals, ranks within a category with ties,
// JSON and CSV; the list fixed once every candidate's scoring is complete.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { assertExportName } from '../lib/exports.js';
import { createDatabase, startKpjdd } from '../lib/kpjdd.js';
import { expectProblem } from '../lib/http.js';
import { createAdmin, signIn } from '../lib/accounts.js';
import { makeApplication, makeBatch, makeRecommender } from '../lib/fixtures.js';

const RUBRIC = [{ key: 'a', name: '基础', weight: 50 }, { key: 'b', name: '活动', weight: 50 }];

let db, k, admin, rec, ev, apps, experts, assignments;

async function json(res, status = 200) {
  const text = await res.text();
  assert.equal(res.status, status, `status (body: ${text})`);
  return text ? JSON.parse(text) : null;
}
const fields = (p) => p.errors.map((e) => [e.field, e.code]);

async function makeExpert(n) {
  const made = await json(await admin.api('POST', '/experts', { name: `专家${n}`, username: `rexp${n}`, organization: `研究院${n}`, field: '科普' }), 201);
  const first = await signIn(k.url, `rexp${n}`, made.initial_password);
  assert.equal((await first.api('PUT', '/session/password', { current_password: made.initial_password, new_password: `ranking pass ${n}` })).status, 200);
  return { id: made.expert.id, session: await signIn(k.url, `rexp${n}`, `ranking pass ${n}`) };
}

// Expert e scores application a with both criteria at `s` and submits.
async function scoreAndSubmit(e, appId, s) {
  const x = assignments.find((y) => y.expert_id === experts[e].id && y.application_id === appId);
  await json(await experts[e].session.api('PUT', `/assignments/${x.id}/score`, { scores: { a: s, b: s } }));
  await json(await experts[e].session.api('POST', `/assignments/${x.id}/submit`));
}

before(async () => {
  db = await createDatabase();
  k = await startKpjdd({ db, migrate: true, env: { KPJD_INVITATIONS_LOOKUP_LIMIT: '10000' } });
  createAdmin(db);
  admin = await signIn(k.url, 'admin');
  rec = await makeRecommender(k.url, admin);
  ev = await makeBatch(admin, { status: 'open' });
  apps = [];
  for (const category of ['venue', 'venue', 'venue', 'other']) {
    const reg = await makeApplication(k.url, rec.session, ev.id);
    apps.push({ id: reg.application.id, category, session: await signIn(k.url, reg.username, reg.password) });
    await db.psql(`UPDATE applications SET status = 'recommended', category = '${category}', base_name = '基地${apps.length}'
                   WHERE id = ${reg.application.id}`);
  }
  await json(await admin.api('PATCH', `/batches/${ev.id}`, { status: 'evaluating' }));
  await json(await admin.api('POST', `/batches/${ev.id}/initial-review`,
    { items: apps.map((a) => ({ application_id: a.id, result: 'pass' })) }));
  await json(await admin.api('PUT', `/batches/${ev.id}/rubric`, { criteria: RUBRIC }));
  experts = [];
  for (let i = 0; i < 3; i++) experts.push(await makeExpert(i));
  assignments = (await json(await admin.api('POST', `/batches/${ev.id}/assignments`, { per_application: 3 }), 201)).items;
});
after(async () => {
  await k?.stop();
  await db?.drop();
});

test('before the scores: every candidate has a row, unranked, incomplete; the proposed list is refused', async () => {
  const { items } = await json(await admin.api('GET', `/batches/${ev.id}/ranking`));
  assert.equal(items.length, 4);
  for (const it of items) {
    assert.equal(it.n, 0);
    assert.equal(it.mean, null);
    assert.equal(it.rank, null);
    assert.equal(it.complete, false);
  }
  const p = await expectProblem(await admin.api('POST', `/batches/${ev.id}/proposed-list`, { application_ids: [apps[0].id] }), 409, 'invalid_state');
  assert.match(p.detail, /4 份/);
});

test('statistics and ranks: ties share the better rank, other categories rank apart, outliers named', async () => {
  // venue: app0 = 90, 90, 90; app1 = 90, 90, 90 (a tie); app2 = 60, 62, 80 (80 is 18 from the median 62)
  for (let e = 0; e < 3; e++) {
    await scoreAndSubmit(e, apps[0].id, 90);
    await scoreAndSubmit(e, apps[1].id, 90);
    await scoreAndSubmit(e, apps[2].id, [60, 62, 80][e]);
  }
  await scoreAndSubmit(0, apps[3].id, 70);
  const { items } = await json(await admin.api('GET', `/batches/${ev.id}/ranking`));
  const by = Object.fromEntries(items.map((it) => [it.application_id, it]));
  assert.deepEqual(items.map((it) => [it.category, it.rank]), [['venue', 1], ['venue', 1], ['venue', 3], ['other', 1]]);
  assert.equal(by[apps[2].id].mean, 67.33);
  assert.equal(by[apps[2].id].median, 62);
  assert.equal(by[apps[2].id].trimmed_mean, 67.33);               // n < 5: the mean
  assert.equal(by[apps[2].id].spread, 20);
  assert.deepEqual(by[apps[2].id].outliers, [experts[2].id]);
  assert.deepEqual(by[apps[2].id].totals.map((t) => t.total), [60, 62, 80]);
  assert.equal(by[apps[2].id].complete, true);
  assert.equal(by[apps[3].id].n, 1);
  assert.equal(by[apps[3].id].complete, false);
  assert.equal(by[apps[0].id].region, '北京市');
  const other = await json(await admin.api('GET', `/batches/${ev.id}/ranking?category=other`));
  assert.deepEqual(other.items.map((it) => it.application_id), [apps[3].id]);
  await expectProblem(await admin.api('GET', `/batches/${ev.id}/ranking?category=museum`), 422, 'validation');
  await expectProblem(await admin.api('GET', '/batches/999999999/ranking'), 404, 'not_found');
  await expectProblem(await rec.session.api('GET', `/batches/${ev.id}/ranking`), 403, 'forbidden');
  await expectProblem(await experts[0].session.api('GET', `/batches/${ev.id}/ranking`), 403, 'forbidden');
});

test('ranking.csv: BOM, Chinese headers, two decimals, the same order', async () => {
  const res = await admin.api('GET', `/batches/${ev.id}/ranking.csv`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type'), /^text\/csv; charset=utf-8/);
  assertExportName(res, `排名-${ev.code}`);
  const bytes = Buffer.from(await res.arrayBuffer());
  assert.deepEqual([...bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf]);
  const lines = bytes.subarray(3).toString('utf8').trim().split('\r\n');
  assert.equal(lines[0], '"排名","类别","申报单位","基地名称","所在地区","推荐单位","有效评分数","平均分","中位数","去掉最高最低平均分","极差","离群评分专家","评审完成"');
  assert.equal(lines.length, 5);
  assert.match(lines[3], /^"3","科技场馆类",.*,"3","67\.33","62\.00","67\.33","20\.00","\d+","是"$/);
});

test('the proposed list: 422 for a non-candidate, then fixed once; each decision audited and told', async () => {
  await scoreAndSubmit(1, apps[3].id, 72);
  await scoreAndSubmit(2, apps[3].id, 74);
  let p = await expectProblem(await admin.api('POST', `/batches/${ev.id}/proposed-list`, { application_ids: [apps[0].id, 999999] }), 422, 'validation');
  assert.deepEqual(fields(p), [['application_ids.1', 'not_found']]);
  p = await expectProblem(await admin.api('POST', `/batches/${ev.id}/proposed-list`, { application_ids: [apps[0].id, apps[0].id] }), 422, 'validation');
  assert.deepEqual(fields(p), [['application_ids.1', 'duplicate']]);
  p = await expectProblem(await admin.api('POST', `/batches/${ev.id}/proposed-list`, { application_ids: ['x'] }), 422, 'validation');
  assert.deepEqual(fields(p), [['application_ids.0', 'type']]);
  const listed = [apps[0].id, apps[1].id, apps[3].id];
  assert.deepEqual(await json(await admin.api('POST', `/batches/${ev.id}/proposed-list`, { application_ids: listed })),
    { proposed: 3, final_rejected: 1 });
  const statuses = await db.psql(`SELECT string_agg(status, ',' ORDER BY id) FROM applications WHERE batch_id = ${ev.id}`);
  assert.equal(statuses, 'proposed,proposed,final_rejected,proposed');
  const { items } = await json(await admin.api('GET', `/audit?action=application.final_rejected&entity=application&entity_id=${apps[2].id}`));
  assert.equal(items.length, 1);
  const notes = (await json(await apps[0].session.api('GET', '/notifications?limit=200'))).items;
  assert.ok(notes.some((n) => n.kind === 'application.proposed'));
  await expectProblem(await admin.api('POST', `/batches/${ev.id}/proposed-list`, { application_ids: listed }), 409, 'invalid_state');
  // the ranking still shows them
  assert.equal((await json(await admin.api('GET', `/batches/${ev.id}/ranking`))).items.length, 4);
});
