// Batches: create (admin), read (every signed-in role), edit, the status
// moving forward one step at a time, a closed batch frozen, the expiry of
// unfinished applications when evaluation starts, and the audit rows.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { createDatabase, startKpjdd } from '../lib/kpjdd.js';
import { expectProblem, anonymous } from '../lib/http.js';
import { createAdmin, createUser, signIn } from '../lib/accounts.js';
import { isoIn, makeApplication, makeBatch, makeRecommender } from '../lib/fixtures.js';

let db, k, admin, rec, applicant, expert;
before(async () => {
  db = await createDatabase();
  k = await startKpjdd({ db, migrate: true });
  createAdmin(db);
  admin = await signIn(k.url, 'admin');
  rec = await makeRecommender(k.url, admin, { name: '中国科学技术协会青少年科技中心' });
  await createUser(db, { username: 'appl', role: 'applicant' });
  await createUser(db, { username: 'expert', role: 'expert' });
  await createUser(db, { username: 'newrec', role: 'recommender', mustChange: true });
  applicant = await signIn(k.url, 'appl');
  expert = await signIn(k.url, 'expert');
});
after(async () => {
  await k?.stop();
  await db?.drop();
});

const anon = (method, path, body) => anonymous(k.url)(method, path, body);

async function auditRows(action, entityId) {
  const q = `action=${action}&limit=200${entityId === undefined ? '' : `&entity=batch&entity_id=${entityId}`}`;
  const res = await admin.api('GET', `/audit?${q}`);
  assert.equal(res.status, 200);
  return (await res.json()).items;
}

const valid = (overrides = {}) => ({
  code: `B${Math.random().toString(36).slice(2, 10)}`,
  title: '2021-2025年度第一批',
  term_start_year: 2021,
  term_end_year: 2025,
  contact_deadline: '2031-10-25T16:00:00Z',
  recommend_deadline: '2031-11-10T16:00:00Z',
  ...overrides,
});

function fieldCodes(problem) {
  return problem.errors.map((e) => [e.field, e.code]);
}

describe('POST /batches', () => {
  test('201: the batch as stored, deadlines in UTC without fractions, status draft; GET gives the same', async () => {
    const body = valid({
      code: '2021-2025年度第一批',
      title: '2021-2025年度全国科普教育基地第一批认定',
      contact_deadline: '2021-10-26T00:00:00+08:00',
      recommend_deadline: '2021-11-10T16:00:00.987654Z',
    });
    const res = await admin.api('POST', '/batches', body);
    assert.equal(res.status, 201);
    assert.match(res.headers.get('content-type'), /^application\/json/);
    const b = await res.json();
    assert.deepEqual(Object.keys(b).sort(), ['code', 'contact_deadline', 'created_at', 'id', 'recommend_deadline',
      'status', 'submit_deadline', 'term_end_year', 'term_start_year', 'title']);
    assert.equal(b.submit_deadline, null);   // optional: none unless given
    assert.equal(typeof b.id, 'number');
    assert.equal(b.code, body.code);
    assert.equal(b.title, body.title);
    assert.equal(b.term_start_year, 2021);
    assert.equal(b.term_end_year, 2025);
    assert.equal(b.contact_deadline, '2021-10-25T16:00:00Z');
    assert.equal(b.recommend_deadline, '2021-11-10T16:00:00Z');
    assert.equal(b.status, 'draft');
    assert.match(b.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.ok(Math.abs(Date.parse(b.created_at) - Date.now()) < 60e3);
    const got = await admin.api('GET', `/batches/${b.id}`);
    assert.equal(got.status, 200);
    assert.deepEqual(await got.json(), b);
  });

  test('limits: 64-character code, 200-character title, a ten-year term and equal deadlines are fine', async () => {
    const res = await admin.api('POST', '/batches', valid({
      code: '码'.repeat(64), title: '题'.repeat(200), term_start_year: 2100, term_end_year: 2110,
      contact_deadline: '2031-01-01T00:00:00Z', recommend_deadline: '2031-01-01T08:00:00+08:00',
    }));
    assert.equal(res.status, 201, await res.clone().text());
    const b = await res.json();
    assert.equal(b.code, '码'.repeat(64));
    assert.equal(b.title.length, 200);
    assert.equal(b.term_end_year, 2110);
    assert.equal(b.recommend_deadline, '2031-01-01T00:00:00Z');
    const lower = await admin.api('POST', '/batches', valid({ term_start_year: 2000, term_end_year: 2000 }));
    assert.equal(lower.status, 201);
  });

  test('422 naming every missing field', async () => {
    const p = await expectProblem(await admin.api('POST', '/batches', {}), 422, 'validation');
    assert.deepEqual(fieldCodes(p).sort(), [
      ['code', 'required'], ['contact_deadline', 'required'], ['recommend_deadline', 'required'],
      ['term_end_year', 'required'], ['term_start_year', 'required'], ['title', 'required'],
    ]);
    for (const e of p.errors) assert.equal(typeof e.message, 'string');
  });

  test('422 for a status on create, and for unknown fields', async () => {
    let p = await expectProblem(await admin.api('POST', '/batches', valid({ status: 'open' })), 422, 'validation');
    assert.deepEqual(fieldCodes(p), [['status', 'unknown']]);
    p = await expectProblem(await admin.api('POST', '/batches', valid({ status: 'draft' })), 422, 'validation');
    assert.deepEqual(fieldCodes(p), [['status', 'unknown']]);
    p = await expectProblem(await admin.api('POST', '/batches', valid({ term: 5 })), 422, 'validation');
    assert.deepEqual(fieldCodes(p), [['term', 'unknown']]);
  });

  test('422 for lengths, ranges and types', async () => {
    const cases = [
      [{ code: '' }, ['code', 'too_short']],
      [{ code: 'x'.repeat(65) }, ['code', 'too_long']],
      [{ title: '' }, ['title', 'too_short']],
      [{ title: '题'.repeat(201) }, ['title', 'too_long']],
      [{ term_start_year: 1999, term_end_year: 2003 }, ['term_start_year', 'range']],
      [{ term_start_year: 2101, term_end_year: 2105 }, ['term_start_year', 'range']],
      [{ term_start_year: '2021' }, ['term_start_year', 'type']],
      [{ term_start_year: 2021.5 }, ['term_start_year', 'type']],
      [{ term_end_year: null }, ['term_end_year', 'type']],
      [{ code: 7 }, ['code', 'type']],
      [{ title: ['x'] }, ['title', 'type']],
      [{ contact_deadline: 1634000000 }, ['contact_deadline', 'type']],
    ];
    for (const [o, want] of cases) {
      const p = await expectProblem(await admin.api('POST', '/batches', valid(o)), 422, 'validation');
      assert.deepEqual(fieldCodes(p), [want], JSON.stringify(o));
    }
  });

  test('422 term_end_year range when the term is shorter than zero or longer than ten years', async () => {
    for (const [s, e] of [[2021, 2020], [2021, 2032], [2000, 2011]]) {
      const p = await expectProblem(await admin.api('POST', '/batches', valid({ term_start_year: s, term_end_year: e })),
        422, 'validation');
      assert.deepEqual(fieldCodes(p), [['term_end_year', 'range']], `${s}-${e}`);
    }
  });

  test('422 format for deadlines that are not RFC 3339 with a zone', async () => {
    for (const bad of ['2021-10-25', '2021-10-25T16:00:00', '2021-10-25 16:00:00Z', '2021-02-29T00:00:00Z',
      '2021-13-01T00:00:00Z', '2021-10-25T24:00:00Z', '2021-10-25T16:00:00+0800', 'tomorrow',
      '2021-10-25T16:00:00.1234567Z']) {
      const p = await expectProblem(await admin.api('POST', '/batches', valid({ contact_deadline: bad })), 422, 'validation');
      assert.deepEqual(fieldCodes(p), [['contact_deadline', 'format']], bad);
      const q = await expectProblem(await admin.api('POST', '/batches', valid({ recommend_deadline: bad })), 422, 'validation');
      assert.deepEqual(fieldCodes(q), [['recommend_deadline', 'format']], bad);
    }
    const leap = await admin.api('POST', '/batches', valid({ contact_deadline: '2028-02-29T00:00:00Z' }));
    assert.equal(leap.status, 201, 'a leap day is a date');
  });

  test('422 recommend_deadline order when the contact deadline is later', async () => {
    const p = await expectProblem(await admin.api('POST', '/batches', valid({
      contact_deadline: '2031-11-10T16:00:01Z', recommend_deadline: '2031-11-10T16:00:00Z',
    })), 422, 'validation');
    assert.deepEqual(fieldCodes(p), [['recommend_deadline', 'order']]);
    assert.match(p.errors[0].message, /推荐截止时间/);
    // the same instant in another zone is not later
    const ok = await admin.api('POST', '/batches', valid({
      contact_deadline: '2031-11-11T00:00:00+08:00', recommend_deadline: '2031-11-10T16:00:00Z',
    }));
    assert.equal(ok.status, 201);
  });

  test('409 conflict for a code already taken, with errors[code taken]; nothing is created', async () => {
    const first = await makeBatch(admin, { code: '第一批补充认定' });
    const before = await db.psql('SELECT count(*) FROM batches');
    const p = await expectProblem(await admin.api('POST', '/batches', valid({ code: '第一批补充认定' })), 409, 'conflict');
    assert.deepEqual(p.errors.map((e) => [e.field, e.code]), [['code', 'taken']]);
    assert.equal(await db.psql('SELECT count(*) FROM batches'), before);
    assert.ok(first.id > 0);
  });

  test('400 for a body that is not a JSON object, 415 for another Content-Type', async () => {
    const post = (body, type = 'application/json') => fetch(`${k.url}/api/v1/batches`, {
      method: 'POST', headers: { authorization: `Bearer ${admin.token}`, 'content-type': type }, body,
    });
    await expectProblem(await post('{"code":'), 400, 'bad_json');
    await expectProblem(await post('[1,2]'), 400, 'bad_json');
    await expectProblem(await post('{"code":"a","code":"b"}'), 400, 'bad_json');
    await expectProblem(await post(JSON.stringify(valid()), 'text/plain'), 415, 'unsupported_media_type');
    await expectProblem(await post('code=x', 'application/x-www-form-urlencoded'), 415, 'unsupported_media_type');
  });

  test('only the admin creates: 403 for recommender, applicant, expert; 401 anonymous; nothing made', async () => {
    const before = await db.psql('SELECT count(*) FROM batches');
    for (const s of [rec.session, applicant, expert]) {
      await expectProblem(await s.api('POST', '/batches', valid()), 403, 'forbidden');
    }
    await expectProblem(await anon('POST', '/batches', valid()), 401, 'unauthenticated');
    assert.equal(await db.psql('SELECT count(*) FROM batches'), before);
  });

  test('cookie sessions need the CSRF token', async () => {
    await expectProblem(await admin.api('POST', '/batches', valid(), { auth: 'cookie-no-csrf' }), 403, 'csrf');
    const res = await admin.api('POST', '/batches', valid(), { auth: 'cookie' });
    assert.equal(res.status, 201);
  });
});

describe('GET /batches and /batches/{id}', () => {
  test('a draft is the admin\'s alone: other roles get 404 and do not list it', async () => {
    const d = await makeBatch(admin, { title: '草稿中的批次' });
    assert.equal(d.status, 'draft');
    assert.equal((await admin.api('GET', `/batches/${d.id}`)).status, 200);
    assert.deepEqual((await (await admin.api('GET', '/batches?q=草稿中的批次')).json()).items, [d]);
    for (const s of [rec.session, applicant, expert]) {
      await expectProblem(await s.api('GET', `/batches/${d.id}`), 404, 'not_found');
      assert.deepEqual((await (await s.api('GET', '/batches?q=草稿中的批次')).json()).items, []);
    }
  });

  test('every signed-in role reads an open batch; anonymous 401; must_change_password 403', async () => {
    const b = await makeBatch(admin, { title: '角色可读批次', status: 'open' });
    for (const s of [admin, rec.session, applicant, expert]) {
      const one = await s.api('GET', `/batches/${b.id}`);
      assert.equal(one.status, 200);
      assert.deepEqual(await one.json(), b);
      const list = await s.api('GET', '/batches?q=角色可读批次');
      assert.equal(list.status, 200);
      assert.deepEqual((await list.json()).items, [b]);
    }
    await expectProblem(await anon('GET', '/batches'), 401, 'unauthenticated');
    await expectProblem(await anon('GET', `/batches/${b.id}`), 401, 'unauthenticated');
    const fresh = await signIn(k.url, 'newrec');
    await expectProblem(await fresh.api('GET', '/batches'), 403, 'password_change_required');
    await expectProblem(await fresh.api('GET', `/batches/${b.id}`), 403, 'password_change_required');
  });

  test('404 for an unknown or malformed id', async () => {
    for (const id of ['999999', '0', '-1', 'abc', '1e3', '99999999999999999999999']) {
      await expectProblem(await admin.api('GET', `/batches/${id}`), 404, 'not_found');
    }
  });

  test('405 with Allow for other methods', async () => {
    const b = await makeBatch(admin);
    const del = await admin.api('DELETE', `/batches/${b.id}`);
    await expectProblem(del, 405, 'method_not_allowed');
    assert.match(del.headers.get('allow'), /GET/);
    assert.match(del.headers.get('allow'), /PATCH/);
    const put = await admin.api('PUT', '/batches', {});
    await expectProblem(put, 405, 'method_not_allowed');
    assert.match(put.headers.get('allow'), /POST/);
  });

  test('newest first; walking every page with limit=2 gives each batch once', async () => {
    for (let i = 0; i < 5; i++) await makeBatch(admin, { title: `分页批次${i}` });
    const all = (await (await admin.api('GET', '/batches?limit=200')).json());
    assert.equal(all.next_cursor, null);
    const ids = all.items.map((b) => b.id);
    assert.deepEqual(ids, [...ids].sort((a, b) => b - a), 'newest first');
    assert.equal(Number(await db.psql('SELECT count(*) FROM batches')), ids.length);

    const walked = [];
    let cursor = null;
    let pages = 0;
    do {
      const res = await admin.api('GET', `/batches?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      assert.equal(res.status, 200);
      const page = await res.json();
      assert.ok(page.items.length <= 2);
      walked.push(...page.items.map((b) => b.id));
      cursor = page.next_cursor;
      pages++;
    } while (cursor);
    assert.deepEqual(walked, ids);
    assert.equal(pages, Math.ceil(ids.length / 2));

    const def = await (await admin.api('GET', '/batches')).json();
    assert.ok(def.items.length <= 50);
  });

  test('q matches code or title (Chinese substrings); status filters', async () => {
    const a = await makeBatch(admin, { code: 'SUPP-2022', title: '第一批补充认定（科技场馆）' });
    const b = await makeBatch(admin, { code: 'MAIN-2022', title: '第二批认定', status: 'open' });
    const q = async (s) => (await (await admin.api('GET', `/batches?limit=200&${s}`)).json()).items.map((x) => x.id);
    assert.deepEqual(await q(`q=${encodeURIComponent('补充认定（科技')}`), [a.id]);
    assert.deepEqual(await q('q=SUPP-'), [a.id]);
    assert.deepEqual(await q('q=-2022'), [b.id, a.id]);
    assert.deepEqual(await q('q=nothing-like-this'), []);
    assert.deepEqual(await q('q=%25'), [], 'q is a plain substring, not a LIKE pattern');
    assert.deepEqual(await q('q=_'), []);
    const open = await q('status=open&q=2022');
    assert.deepEqual(open, [b.id]);
    const drafts = await (await admin.api('GET', '/batches?status=draft&limit=200')).json();
    assert.ok(drafts.items.length > 0);
    assert.ok(drafts.items.every((x) => x.status === 'draft'));
    assert.ok(!drafts.items.some((x) => x.id === b.id));
    assert.deepEqual(await q('status=closed'), []);
  });

  test('422 for bad limit, cursor or status', async () => {
    for (const [query, field] of [['limit=0', 'limit'], ['limit=201', 'limit'], ['limit=abc', 'limit'], ['limit=-1', 'limit'],
      ['cursor=%25%25', 'cursor'], ['cursor=WyJ4Il0', 'cursor'], ['status=finished', 'status'], ['status=', 'status']]) {
      const p = await expectProblem(await admin.api('GET', `/batches?${query}`), 422, 'validation');
      assert.deepEqual(p.errors.map((e) => e.field), [field], query);
    }
    assert.equal((await admin.api('GET', '/batches?limit=200')).status, 200);
    assert.equal((await admin.api('GET', '/batches?limit=1')).status, 200);
  });
});

describe('PATCH /batches/{id}', () => {
  test('changes the fields sent and keeps the others; GET agrees', async () => {
    const b = await makeBatch(admin, { contact_deadline: '2031-10-01T00:00:00Z', recommend_deadline: '2031-11-10T16:00:00Z' });
    const res = await admin.api('PATCH', `/batches/${b.id}`, {
      title: '2021-2025年度第一批（修订）', contact_deadline: '2031-10-26T00:00:00+08:00',
    });
    assert.equal(res.status, 200);
    const u = await res.json();
    assert.deepEqual(u, { ...b, title: '2021-2025年度第一批（修订）', contact_deadline: '2031-10-25T16:00:00Z' });
    assert.deepEqual(await (await admin.api('GET', `/batches/${b.id}`)).json(), u);

    const all = await (await admin.api('PATCH', `/batches/${b.id}`, {
      code: `${b.code}-X`, term_start_year: 2022, term_end_year: 2026,
      recommend_deadline: '2032-01-01T00:00:00Z',
    })).json();
    assert.equal(all.code, `${b.code}-X`);
    assert.equal(all.term_start_year, 2022);
    assert.equal(all.term_end_year, 2026);
    assert.equal(all.recommend_deadline, '2032-01-01T00:00:00Z');
    assert.equal(all.title, '2021-2025年度第一批（修订）');

    const empty = await admin.api('PATCH', `/batches/${b.id}`, {});
    assert.equal(empty.status, 200);
    assert.deepEqual(await empty.json(), all);
  });

  test('422 for bad fields, the term and the deadline order judged against the stored values', async () => {
    const b = await makeBatch(admin, { contact_deadline: '2031-10-25T16:00:00Z', recommend_deadline: '2031-11-10T16:00:00Z' });
    const cases = [
      [{ contact_deadline: '2031-11-10T16:00:01Z' }, ['recommend_deadline', 'order']],
      [{ recommend_deadline: '2031-10-25T15:59:59Z' }, ['recommend_deadline', 'order']],
      [{ term_end_year: 2020 }, ['term_end_year', 'range']],
      [{ term_start_year: 2010 }, ['term_end_year', 'range']],
      [{ code: '' }, ['code', 'too_short']],
      [{ title: 't'.repeat(201) }, ['title', 'too_long']],
      [{ contact_deadline: '2031-10-25' }, ['contact_deadline', 'format']],
      [{ status: 'finished' }, ['status', 'enum']],
      [{ status: 1 }, ['status', 'type']],
      [{ created_at: '2021-01-01T00:00:00Z' }, ['created_at', 'unknown']],
      [{ id: 5 }, ['id', 'unknown']],
    ];
    for (const [body, want] of cases) {
      const p = await expectProblem(await admin.api('PATCH', `/batches/${b.id}`, body), 422, 'validation');
      assert.deepEqual(fieldCodes(p), [want], JSON.stringify(body));
    }
    assert.deepEqual(await (await admin.api('GET', `/batches/${b.id}`)).json(), b, 'nothing changed');
  });

  test('409 conflict when the new code is taken; 404 for an unknown batch', async () => {
    const a = await makeBatch(admin);
    const b = await makeBatch(admin);
    const p = await expectProblem(await admin.api('PATCH', `/batches/${b.id}`, { code: a.code }), 409, 'conflict');
    assert.deepEqual(p.errors.map((e) => [e.field, e.code]), [['code', 'taken']]);
    assert.equal((await admin.api('PATCH', `/batches/${b.id}`, { code: b.code })).status, 200, 'its own code is fine');
    await expectProblem(await admin.api('PATCH', '/batches/999999', { title: 'x' }), 404, 'not_found');
    await expectProblem(await admin.api('PATCH', '/batches/abc', { title: 'x' }), 404, 'not_found');
  });

  test('only the admin edits: 403 for the other roles, 401 anonymous; 415 and 400 for bad bodies', async () => {
    const b = await makeBatch(admin);
    for (const s of [rec.session, applicant, expert]) {
      await expectProblem(await s.api('PATCH', `/batches/${b.id}`, { title: '改' }), 403, 'forbidden');
      await expectProblem(await s.api('PATCH', `/batches/${b.id}`, { status: 'open' }), 403, 'forbidden');
    }
    await expectProblem(await anon('PATCH', `/batches/${b.id}`, { title: '改' }), 401, 'unauthenticated');
    const patch = (body, type) => fetch(`${k.url}/api/v1/batches/${b.id}`, {
      method: 'PATCH', headers: { authorization: `Bearer ${admin.token}`, 'content-type': type }, body,
    });
    await expectProblem(await patch('{"title":"x"}', 'text/plain'), 415, 'unsupported_media_type');
    await expectProblem(await patch('"open"', 'application/json'), 400, 'bad_json');
    assert.deepEqual(await (await admin.api('GET', `/batches/${b.id}`)).json(), b);
  });

  test('status moves forward one step at a time; backwards or skipping is 409 invalid_state', async () => {
    const b = await makeBatch(admin);
    const to = (status) => admin.api('PATCH', `/batches/${b.id}`, { status });
    await expectProblem(await to('evaluating'), 409, 'invalid_state');
    await expectProblem(await to('closed'), 409, 'invalid_state');
    const same = await to('draft');
    assert.equal(same.status, 200, 'the current status again is no move');
    assert.equal((await same.json()).status, 'draft');
    const steps = ['open', 'evaluating'];
    for (let i = 0; i < steps.length; i++) {
      if (i > 0) await expectProblem(await to('draft'), 409, 'invalid_state');
      await expectProblem(await to(i === 0 ? 'publicity' : 'closed'), 409, 'invalid_state');
      const res = await to(steps[i]);
      assert.equal(res.status, 200, `to ${steps[i]}`);
      assert.equal((await res.json()).status, steps[i]);
    }
    assert.equal((await (await admin.api('GET', `/batches/${b.id}`)).json()).status, 'evaluating');
  });

  test('publicity and closed are not edits: the notice and the naming make those moves (409 invalid_state)', async () => {
    const b = await makeBatch(admin, { status: 'evaluating' });
    const p = await expectProblem(await admin.api('PATCH', `/batches/${b.id}`, { status: 'publicity' }), 409, 'invalid_state');
    assert.match(p.detail ?? p.title, /发布公示/);
    await db.psql(`UPDATE batches SET status = 'publicity' WHERE id = ${b.id}`);
    const q = await expectProblem(await admin.api('PATCH', `/batches/${b.id}`, { status: 'closed', title: '不该保存' }),
      409, 'invalid_state');
    assert.match(q.detail ?? q.title, /认定命名/);
    const now = await (await admin.api('GET', `/batches/${b.id}`)).json();
    assert.equal(now.status, 'publicity');
    assert.equal(now.title, b.title);
  });

  test('a refused status move does not apply the other fields sent with it', async () => {
    const b = await makeBatch(admin);
    const p = await expectProblem(await admin.api('PATCH', `/batches/${b.id}`, { title: '不该保存', status: 'publicity' }),
      409, 'invalid_state');
    assert.match(p.detail ?? p.title, /draft → open/);
    assert.equal((await (await admin.api('GET', `/batches/${b.id}`)).json()).title, b.title);
  });

  test('a closed batch cannot be edited at all: 409 invalid_state', async () => {
    const b = await makeBatch(admin, { status: 'closed' }, { db });
    assert.equal(b.status, 'closed');
    for (const body of [{ title: '改标题' }, { status: 'closed' }, { status: 'open' }, {}, { contact_deadline: isoIn(1) }]) {
      await expectProblem(await admin.api('PATCH', `/batches/${b.id}`, body), 409, 'invalid_state');
    }
    assert.deepEqual(await (await admin.api('GET', `/batches/${b.id}`)).json(), b);
  });

  test('a batch in evaluating or publicity can still be edited (titles, deadlines)', async () => {
    const b = await makeBatch(admin, { status: 'publicity' }, { db });
    const res = await admin.api('PATCH', `/batches/${b.id}`, { title: '公示中的批次' });
    assert.equal(res.status, 200);
    assert.equal((await res.json()).status, 'publicity');
  });
});

describe('moving to evaluating', () => {
  test('expires draft, submitted and returned applications of this batch only, each with an audit row', async () => {
    const b = await makeBatch(admin, { status: 'open' });
    const other = await makeBatch(admin, { status: 'open' });
    const apps = {};
    for (const st of ['draft', 'submitted', 'returned', 'recommended', 'not_recommended']) {
      const { application } = await makeApplication(k.url, rec.session, b.id);
      apps[st] = application.id;
      if (st !== 'draft') {
        await db.psql(`UPDATE applications SET status = '${st}'${st === 'recommended' ? ', recommended_at = now()' : ''}
                        WHERE id = ${application.id}`);
      }
    }
    const { application: elsewhere } = await makeApplication(k.url, rec.session, other.id);
    const versions = Object.fromEntries((await db.psql(`SELECT id || '=' || version FROM applications`))
      .split('\n').map((l) => l.split('=').map(Number)));

    const res = await admin.api('PATCH', `/batches/${b.id}`, { status: 'evaluating' });
    assert.equal(res.status, 200);
    assert.equal((await res.json()).status, 'evaluating');

    const status = async (id) => db.psql(`SELECT status FROM applications WHERE id = ${id}`);
    assert.equal(await status(apps.draft), 'expired');
    assert.equal(await status(apps.submitted), 'expired');
    assert.equal(await status(apps.returned), 'expired');
    assert.equal(await status(apps.recommended), 'recommended');
    assert.equal(await status(apps.not_recommended), 'not_recommended');
    assert.equal(await status(elsewhere.id), 'draft', 'another batch is untouched');
    for (const st of ['draft', 'submitted', 'returned']) {
      assert.equal(Number(await db.psql(`SELECT version FROM applications WHERE id = ${apps[st]}`)), versions[apps[st]] + 1);
    }
    assert.equal(Number(await db.psql(`SELECT version FROM applications WHERE id = ${apps.recommended}`)),
      versions[apps.recommended]);

    const rows = (await auditRows('application.expired')).filter((r) =>
      Object.values(apps).includes(Number(r.entity_id)) || Number(r.entity_id) === elsewhere.id);
    assert.equal(rows.length, 3);
    const byApp = Object.fromEntries(rows.map((r) => [Number(r.entity_id), r]));
    for (const st of ['draft', 'submitted', 'returned']) {
      const r = byApp[apps[st]];
      assert.ok(r, `an audit row for the ${st} one`);
      assert.equal(r.entity, 'application');
      assert.deepEqual(r.data, { from: st, to: 'expired', reason: 'batch_evaluating' });
      assert.equal(r.actor_id, admin.user.id);
      assert.equal(r.actor_role, 'admin');
    }
  });

  test('later moves expire nothing more; a batch without applications moves fine', async () => {
    const b = await makeBatch(admin, { status: 'open' });
    const { application } = await makeApplication(k.url, rec.session, b.id);
    await makeBatch(admin, { status: 'evaluating' });
    assert.equal((await admin.api('PATCH', `/batches/${b.id}`, { status: 'evaluating' })).status, 200);
    const countBefore = (await auditRows('application.expired')).length;
    // an application put back into draft by hand is not touched by later moves
    await db.psql(`UPDATE applications SET status = 'draft' WHERE id = ${application.id}`);
    await db.psql(`UPDATE batches SET status = 'publicity' WHERE id = ${b.id}`);   // a notice's move
    const res = await admin.api('PATCH', `/batches/${b.id}`, { title: '公示中改个标题' });
    assert.equal(res.status, 200);
    assert.equal(await db.psql(`SELECT status FROM applications WHERE id = ${application.id}`), 'draft');
    assert.equal((await auditRows('application.expired')).length, countBefore);
  });
});

describe('audit', () => {
  test('batch.created carries the batch; batch.updated the fields sent and the status moved from', async () => {
    const b = await makeBatch(admin, { title: '审计批次' });
    const created = await auditRows('batch.created', b.id);
    assert.equal(created.length, 1);
    assert.equal(created[0].entity, 'batch');
    assert.equal(String(created[0].entity_id), String(b.id));
    assert.deepEqual(created[0].data, b);
    assert.equal(created[0].actor_id, admin.user.id);
    assert.equal(created[0].actor_role, 'admin');

    await admin.api('PATCH', `/batches/${b.id}`, { title: '审计批次（改）' });
    await admin.api('PATCH', `/batches/${b.id}`, { status: 'open' });
    const updated = await auditRows('batch.updated', b.id);
    assert.equal(updated.length, 2);
    assert.deepEqual(updated[1].data, { title: '审计批次（改）' });
    assert.deepEqual(updated[0].data, { status: 'open', from_status: 'draft' });

    // refused and invalid edits leave no row
    await admin.api('PATCH', `/batches/${b.id}`, { status: 'closed' });
    await admin.api('PATCH', `/batches/${b.id}`, { title: '' });
    assert.equal((await auditRows('batch.updated', b.id)).length, 2);
    const verify = await (await admin.api('GET', '/audit/verify')).json();
    assert.equal(verify.ok, true);
  });
});
