// The public notice (公示) of a batch's proposed list: published once by the
// admin when the list is fixed, rows fixed in GB/T 2260 order, public from
// its start by the database clock, its window extended only.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { createDatabase, startKpjdd } from '../lib/kpjdd.js';
import { expectProblem } from '../lib/http.js';
import { createAdmin, createUser, signIn } from '../lib/accounts.js';
import { makeBatch } from '../lib/fixtures.js';
import { dbTime, proposedBatch, publishNotice } from '../lib/publicity.js';

let db, k, admin, expert;

async function json(res, status = 200) {
  const text = await res.text();
  assert.equal(res.status, status, `status (body: ${text})`);
  return text ? JSON.parse(text) : null;
}
const fields = (p) => p.errors.map((e) => [e.field, e.code]);
// No login: a plain fetch.
const anon = (method, path, body, headers = {}) => fetch(`${k.url}/api/v1${path}`, {
  method,
  headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
  body: body === undefined ? undefined : (typeof body === 'string' ? body : JSON.stringify(body)),
});
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

before(async () => {
  db = await createDatabase();
  k = await startKpjdd({ db, migrate: true, env: { KPJD_INVITATIONS_LOOKUP_LIMIT: '10000' } });
  createAdmin(db);
  admin = await signIn(k.url, 'admin');
  await createUser(db, { username: 'nexpert', role: 'expert' });
  expert = await signIn(k.url, 'nexpert');
});
after(async () => {
  await k?.stop();
  await db?.drop();
});

test('the fixture: a batch in evaluation with proposed applications in three regions', async () => {
  const { batch, apps } = await proposedBatch(k.url, db, admin, { count: 4, term_start_year: 2026 });
  assert.equal(batch.status, 'evaluating');
  assert.equal(batch.term_start_year, 2026);
  assert.deepEqual(apps.map((a) => a.region), ['广东省', '北京市', '上海市', '广东省']);
  const rows = await db.psql(`SELECT string_agg(status || ':' || region_name || ':' || base_name, ',' ORDER BY id)
                                FROM applications WHERE batch_id = ${batch.id}`);
  assert.equal(rows, apps.map((a) => `proposed:${a.region}:${a.base_name}`).join(','));
});

describe('publishing', () => {
  // Units chosen so that every tie-break matters: within 北京市 "B…" (U+0042)
  // sorts before "a…" (U+0061) by code point (a locale's collation puts a
  // first), and two units of the same name go by application id.
  const UNITS = [
    ['广东省', '广州科学中心'], ['北京市', 'a北京单位'], ['北京市', 'B北京单位'], ['新疆生产建设兵团', '兵团科技馆'],
    ['北京市', '同名单位'], ['北京市', '同名单位'], ['上海市', '上海科技馆'],
  ];
  const ORDER = [2, 1, 4, 5, 6, 0, 3];     // 110000 B, a, 同名 ×2 by id; 310000; 440000; 660000
  let pb, rec, applicant, notice;

  before(async () => {
    pb = await proposedBatch(k.url, db, admin,
      { count: UNITS.length, regions: UNITS.map((u) => u[0]), units: UNITS.map((u) => u[1]) });
    rec = pb.recommender.session;
    applicant = await signIn(k.url, pb.apps[0].username, pb.apps[0].password);
  });

  test('who may publish: the admin only', async () => {
    const body = { title: 't', body: '', starts_at: await dbTime(db, -60), ends_at: await dbTime(db, 3600) };
    await expectProblem(await anon('POST', `/batches/${pb.batch.id}/publicity`, body), 401, 'unauthenticated');
    await expectProblem(await rec.api('POST', `/batches/${pb.batch.id}/publicity`, body), 403, 'forbidden');
    await expectProblem(await applicant.api('POST', `/batches/${pb.batch.id}/publicity`, body), 403, 'forbidden');
    await expectProblem(await expert.api('POST', `/batches/${pb.batch.id}/publicity`, body), 403, 'forbidden');
    await expectProblem(await rec.api('GET', `/batches/${pb.batch.id}/publicity`), 403, 'forbidden');
    await expectProblem(await anon('GET', `/batches/${pb.batch.id}/publicity`), 401, 'unauthenticated');
    await expectProblem(await admin.api('GET', `/batches/${pb.batch.id}/publicity`), 404, 'not_found');
  });

  test('validation: fields, types, the window in order; bad JSON and media type', async () => {
    const url = `/batches/${pb.batch.id}/publicity`;
    const good = { title: '公示', body: '正文', starts_at: '2026-12-01T00:00:00Z', ends_at: '2026-12-08T00:00:00Z' };
    let p = await expectProblem(await admin.api('POST', url, {}), 422, 'validation');
    assert.deepEqual(fields(p).map((f) => f[0]).sort(), ['body', 'ends_at', 'starts_at', 'title']);
    p = await expectProblem(await admin.api('POST', url, { ...good, title: 5, starts_at: '2026-12-01' }), 422, 'validation');
    assert.deepEqual(fields(p), [['title', 'type'], ['starts_at', 'format']]);
    p = await expectProblem(await admin.api('POST', url, { ...good, title: 'x'.repeat(201) }), 422, 'validation');
    assert.deepEqual(fields(p), [['title', 'too_long']]);
    p = await expectProblem(await admin.api('POST', url, { ...good, ends_at: good.starts_at }), 422, 'validation');
    assert.deepEqual(fields(p), [['ends_at', 'order']]);
    p = await expectProblem(await admin.api('POST', url, { ...good, ends_at: '2026-12-01T07:59:59+08:00' }), 422, 'validation');
    assert.deepEqual(fields(p), [['ends_at', 'order']]);           // 2026-11-30T23:59:59Z
    // an offset no zone has (PostgreSQL refuses over 15 hours: it was a 500)
    p = await expectProblem(await admin.api('POST', url, { ...good, starts_at: '2026-12-01T00:00:00+16:00' }), 422, 'validation');
    assert.deepEqual(fields(p), [['starts_at', 'format']]);
    p = await expectProblem(await admin.api('POST', '/batches/999999999/publicity', { ...good, ends_at: '2026-12-08T00:00:00-23:59' }),
      422, 'validation');
    assert.deepEqual(fields(p), [['ends_at', 'format']]);
    p = await expectProblem(await admin.api('POST', url, { ...good, extra: 1 }), 422, 'validation');
    assert.deepEqual(fields(p), [['extra', 'unknown']]);
    await expectProblem(await admin.api('POST', url, undefined, { headers: { 'content-type': 'application/json' } }), 400, 'bad_json');
    await expectProblem(await fetch(`${k.url}/api/v1${url}`, {
      method: 'POST', headers: { authorization: `Bearer ${admin.token}`, 'content-type': 'application/json' }, body: '{"title":',
    }), 400, 'bad_json');
    await expectProblem(await fetch(`${k.url}/api/v1${url}`, {
      method: 'POST', headers: { authorization: `Bearer ${admin.token}`, 'content-type': 'text/plain' }, body: JSON.stringify(good),
    }), 415, 'unsupported_media_type');
    await expectProblem(await admin.api('POST', '/batches/999999999/publicity', good), 404, 'not_found');
    await expectProblem(await admin.api('POST', '/batches/abc/publicity', good), 404, 'not_found');
    // nothing was published
    assert.equal(await db.psql(`SELECT count(*) FROM notices WHERE batch_id = ${pb.batch.id}`), '0');
  });

  test('needs the proposed list: an open batch, an evaluating one without it, one with undecided candidates', async () => {
    const body = { title: '公示', body: '', starts_at: await dbTime(db, -60), ends_at: await dbTime(db, 3600) };
    const open = await makeBatch(admin, { status: 'open' });
    let p = await expectProblem(await admin.api('POST', `/batches/${open.id}/publicity`, body), 409, 'invalid_state');
    assert.match(p.detail, /评审/);
    const none = await proposedBatch(k.url, db, admin, { count: 0 });
    p = await expectProblem(await admin.api('POST', `/batches/${none.batch.id}/publicity`, body), 409, 'invalid_state');
    assert.match(p.detail, /建议名单/);
    const half = await proposedBatch(k.url, db, admin, { count: 2, recommender: pb.recommender });
    await db.psql(`UPDATE applications SET status = 'initial_passed' WHERE id = ${half.apps[1].id}`);
    p = await expectProblem(await admin.api('POST', `/batches/${half.batch.id}/publicity`, body), 409, 'invalid_state');
    assert.match(p.detail, /建议名单/);
    assert.equal(await db.psql(`SELECT status FROM batches WHERE id = ${half.batch.id}`), 'evaluating');
  });

  test('published: rows in GB/T 2260 order, then unit name by code point, then id; the batch in publicity', async () => {
    notice = await publishNotice(admin, pb.batch.id, { title: '第一批拟认定名单公示', body: '公示期间如有异议请实名反映。' });
    const ids = ORDER.map((i) => pb.apps[i].id);
    assert.deepEqual(notice.rows.map((r) => r.application_id), ids);
    assert.deepEqual(notice.rows.map((r) => r.no), [1, 2, 3, 4, 5, 6, 7]);
    assert.deepEqual(notice.rows.map((r) => r.region), ORDER.map((i) => UNITS[i][0]));
    assert.deepEqual(notice.rows[0], {
      no: 1, region: '北京市', unit_name: 'B北京单位', base_name: 'B北京单位科普教育基地',
      recommender_name: pb.recommender.recommender.name, application_id: pb.apps[2].id, status: 'proposed',
    });
    assert.ok(pb.apps[4].id < pb.apps[5].id);
    assert.equal(notice.title, '第一批拟认定名单公示');
    assert.deepEqual(notice.batch, { id: pb.batch.id, code: pb.batch.code, title: pb.batch.title });
    assert.equal(notice.open, true);
    assert.equal(notice.public, true);
    assert.equal((await json(await admin.api('GET', `/batches/${pb.batch.id}`))).status, 'publicity');
    // the admin reads it back the same
    assert.deepEqual(await json(await admin.api('GET', `/batches/${pb.batch.id}/publicity`)), notice);
    // audited, and the parties told
    const audit = (await json(await admin.api('GET', `/audit?action=notice.published&entity=notice&entity_id=${notice.id}`))).items;
    assert.equal(audit.length, 1);
    assert.equal(audit[0].data.rows, 7);
    assert.equal(audit[0].data.batch_id, pb.batch.id);
    const told = (await json(await applicant.api('GET', '/notifications?limit=200'))).items.filter((n) => n.kind === 'notice.published');
    assert.equal(told.length, 1);
    assert.equal(told[0].data.notice_id, notice.id);
    assert.equal(told[0].data.application_id, pb.apps[0].id);
    const recTold = (await json(await rec.api('GET', '/notifications?limit=200'))).items.filter((n) => n.kind === 'notice.published');
    assert.equal(recTold.length, 7);
    // once only
    await expectProblem(await admin.api('POST', `/batches/${pb.batch.id}/publicity`,
      { title: 'x', body: '', starts_at: notice.starts_at, ends_at: notice.ends_at }), 409, 'invalid_state');
    // the rows stay fixed
    await assert.rejects(db.psql(`UPDATE notice_rows SET no = no + 100 WHERE notice_id = ${notice.id}`), /append/i);
  });

  test('the public notice: exactly the shape of API.md, for everyone and no one', async () => {
    const pub = await json(await anon('GET', `/public/notices/${notice.id}`));
    assert.deepEqual(Object.keys(pub).sort(), ['batch', 'body', 'ends_at', 'id', 'open', 'rows', 'starts_at', 'title']);
    assert.deepEqual(pub.batch, { code: pb.batch.code, title: pb.batch.title });
    for (const row of pub.rows)
      assert.deepEqual(Object.keys(row).sort(), ['application_id', 'base_name', 'no', 'recommender_name', 'region', 'unit_name']);
    assert.deepEqual(pub.rows, notice.rows.map(({ status, ...row }) => row));
    assert.equal(pub.open, true);
    assert.match(pub.starts_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    for (const s of [admin, rec, applicant, expert])
      assert.deepEqual(await json(await s.api('GET', `/public/notices/${notice.id}`)), pub);
    await expectProblem(await anon('GET', '/public/notices/999999999'), 404, 'not_found');
    await expectProblem(await anon('GET', '/public/notices/x1'), 404, 'not_found');
    await expectProblem(await anon('POST', '/public/notices'), 405, 'method_not_allowed');
  });
});

describe('the window, by the database clock', () => {
  let later, over, edge;

  before(async () => {
    later = await proposedBatch(k.url, db, admin, { count: 1 });
    over = await proposedBatch(k.url, db, admin, { count: 1, recommender: later.recommender });
    edge = await proposedBatch(k.url, db, admin, { count: 1, recommender: later.recommender });
  });

  test('not started yet: not public, not listed; the admin sees it', async () => {
    const n = await publishNotice(admin, later.batch.id, { starts_at: await dbTime(db, 3600), ends_at: await dbTime(db, 7200) });
    assert.equal(n.public, false);
    assert.equal(n.open, false);
    await expectProblem(await anon('GET', `/public/notices/${n.id}`), 404, 'not_found');
    await expectProblem(await admin.api('GET', `/public/notices/${n.id}`), 404, 'not_found');
    const { items } = await json(await anon('GET', '/public/notices?limit=200'));
    assert.ok(!items.some((x) => x.id === n.id));
    assert.equal((await json(await admin.api('GET', `/batches/${later.batch.id}/publicity`))).id, n.id);
    // its start comes (moved in SQL): public from then on
    await db.psql(`UPDATE notices SET starts_at = now() - interval '1 second' WHERE id = ${n.id}`);
    assert.equal((await json(await anon('GET', `/public/notices/${n.id}`))).open, true);
  });

  test('a window already over is allowed, public and closed', async () => {
    const n = await publishNotice(admin, over.batch.id, { starts_at: await dbTime(db, -7200), ends_at: await dbTime(db, -3600) });
    const pub = await json(await anon('GET', `/public/notices/${n.id}`));
    assert.equal(pub.open, false);
    assert.equal(pub.rows.length, 1);
  });

  test('the end: open until ends_at by the database clock, then closed', async () => {
    const ends = await dbTime(db, 2);
    const n = await publishNotice(admin, edge.batch.id, { starts_at: await dbTime(db, -60), ends_at: ends });
    assert.equal((await json(await anon('GET', `/public/notices/${n.id}`))).open, true);
    while (await db.psql(`SELECT now() < '${ends}'::timestamptz`) === 't') await sleep(200);
    assert.equal((await json(await anon('GET', `/public/notices/${n.id}`))).open, false);
  });

  test('the list: started notices only, newest first, paged', async () => {
    const all = (await json(await anon('GET', '/public/notices?limit=200'))).items;
    assert.ok(all.length >= 4);
    const ids = all.map((x) => x.id);
    assert.deepEqual(ids, [...ids].sort((a, b) => b - a));
    assert.deepEqual(Object.keys(all[0]).sort(), ['batch', 'ends_at', 'id', 'open', 'rows_count', 'starts_at', 'title']);
    const first = await json(await anon('GET', '/public/notices?limit=1'));
    assert.equal(first.items.length, 1);
    assert.equal(first.items[0].id, ids[0]);
    assert.equal(typeof first.next_cursor, 'string');
    const second = await json(await anon('GET', `/public/notices?limit=1&cursor=${encodeURIComponent(first.next_cursor)}`));
    assert.equal(second.items[0].id, ids[1]);
    await expectProblem(await anon('GET', '/public/notices?limit=0'), 422, 'validation');
    await expectProblem(await anon('GET', '/public/notices?limit=201'), 422, 'validation');
    await expectProblem(await anon('GET', '/public/notices?cursor=%%%'), 422, 'validation');
  });

  test('extend only: earlier → 422 ends_at; later reopens a closed window; audited', async () => {
    const n = await json(await admin.api('GET', `/batches/${over.batch.id}/publicity`));
    let p = await expectProblem(await admin.api('PATCH', `/notices/${n.id}`, { ends_at: await dbTime(db, -7000) }), 422, 'validation');
    assert.deepEqual(fields(p), [['ends_at', 'earlier']]);
    p = await expectProblem(await admin.api('PATCH', `/notices/${n.id}`, { title: '改标题' }), 422, 'validation');
    assert.deepEqual(fields(p), [['ends_at', 'required'], ['title', 'unknown']]);
    p = await expectProblem(await admin.api('PATCH', `/notices/${n.id}`, { ends_at: 'tomorrow' }), 422, 'validation');
    assert.deepEqual(fields(p), [['ends_at', 'format']]);
    p = await expectProblem(await admin.api('PATCH', `/notices/${n.id}`, { ends_at: 17 }), 422, 'validation');
    assert.deepEqual(fields(p), [['ends_at', 'type']]);
    const same = await json(await admin.api('PATCH', `/notices/${n.id}`, { ends_at: n.ends_at }));
    assert.equal(same.ends_at, n.ends_at);
    const ends = await dbTime(db, 3600);
    const longer = await json(await admin.api('PATCH', `/notices/${n.id}`, { ends_at: ends }));
    assert.equal(longer.ends_at, ends);
    assert.equal(longer.open, true);
    assert.equal((await json(await anon('GET', `/public/notices/${n.id}`))).open, true);
    const audit = (await json(await admin.api('GET', `/audit?action=notice.extended&entity=notice&entity_id=${n.id}`))).items;
    assert.equal(audit.length, 2);
    assert.equal(audit[0].data.to, ends);
    await expectProblem(await admin.api('PATCH', '/notices/999999999', { ends_at: ends }), 404, 'not_found');
    await expectProblem(await anon('PATCH', `/notices/${n.id}`, { ends_at: ends }), 401, 'unauthenticated');
    await expectProblem(await expert.api('PATCH', `/notices/${n.id}`, { ends_at: ends }), 403, 'forbidden');
    await expectProblem(await later.recommender.session.api('PATCH', `/notices/${n.id}`, { ends_at: ends }), 403, 'forbidden');
    // once the batch has left publicity, no more
    await db.psql(`UPDATE batches SET status = 'closed' WHERE id = ${over.batch.id}`);
    await expectProblem(await admin.api('PATCH', `/notices/${n.id}`, { ends_at: await dbTime(db, 7200) }), 409, 'invalid_state');
  });
});
