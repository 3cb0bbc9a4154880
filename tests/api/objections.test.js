// Objections (异议) to a public notice: filed by anyone under a real name
// while the window is open (by the database clock), rate limited per
// address, followed by receipt; the admin's desk lists them with the
// objector's details and records one finding each, an upheld one
// withdrawing the application.  The objector's details appear nowhere else.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { createDatabase, startKpjdd } from '../lib/kpjdd.js';
import { expectProblem } from '../lib/http.js';
import { createAdmin, createUser, signIn } from '../lib/accounts.js';
import { dbTime, proposedBatch, publishNotice } from '../lib/publicity.js';

const RECEIPT = /^[2-9A-HJKMNP-Z]{16}$/;

let db, k, admin, expert, pb, notice, rec, applicants;

async function json(res, status = 200) {
  const text = await res.text();
  assert.equal(res.status, status, `status (body: ${text})`);
  return text ? JSON.parse(text) : null;
}
const fields = (p) => p.errors.map((e) => [e.field, e.code]);
const anonAt = (url) => (method, path, body, headers = {}) => fetch(`${url}/api/v1${path}`, {
  method,
  headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
  body: body === undefined ? undefined : (typeof body === 'string' ? body : JSON.stringify(body)),
});
const anon = (...args) => anonAt(k.url)(...args);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function objection(overrides = {}) {
  return {
    application_id: pb.apps[0].id, name: '王小明', phone: '13800138000',
    content: '该单位科普场馆实际开放天数与申报材料不符，请核查。', ...overrides,
  };
}
const file = (noticeId, body, status = 201) => anon('POST', `/public/notices/${noticeId}/objections`, body)
  .then((res) => json(res, status));

before(async () => {
  db = await createDatabase();
  k = await startKpjdd({
    db, migrate: true,
    env: { KPJD_INVITATIONS_LOOKUP_LIMIT: '10000', KPJD_OBJECTIONS_LIMIT: '10000', KPJD_LOG_LEVEL: 'debug' },
  });
  createAdmin(db);
  admin = await signIn(k.url, 'admin');
  await createUser(db, { username: 'oexpert', role: 'expert' });
  expert = await signIn(k.url, 'oexpert');
  pb = await proposedBatch(k.url, db, admin, { count: 3 });
  rec = pb.recommender.session;
  applicants = [];
  for (const a of pb.apps) applicants.push(await signIn(k.url, a.username, a.password));
  notice = await publishNotice(admin, pb.batch.id);
});
after(async () => {
  await k?.stop();
  await db?.drop();
});

describe('filing', () => {
  test('201 with a receipt; the receipt tells the status and nothing else', async () => {
    const body = await file(notice.id, objection({ email: 'wang@example.cn', organization: '某某街道' }));
    assert.deepEqual(Object.keys(body).sort(), ['receipt', 'status']);
    assert.match(body.receipt, RECEIPT);
    assert.equal(body.status, 'received');
    const want = { status: 'received', reply: null, decided_at: null };
    assert.deepEqual(await json(await anon('GET', `/public/objections/${body.receipt}`)), want);
    // case-insensitive, hyphens and spaces ignored
    const typed = body.receipt.toLowerCase().replace(/(.{4})(?=.)/g, '$1-');
    assert.deepEqual(await json(await anon('GET', `/public/objections/${typed}`)), want);
    const other = await file(notice.id, objection({ application_id: pb.apps[1].id, email: null, organization: '' }));
    assert.notEqual(other.receipt, body.receipt);
    const row = await db.psql(`SELECT coalesce(email, 'NULL') || '|' || coalesce(organization, 'NULL') FROM objections
                                WHERE receipt = '${other.receipt}'`);
    assert.equal(row, 'NULL|NULL');
  });

  test('every role files and follows as anyone does: no session is looked at, none recorded', async () => {
    for (const s of [admin, rec, applicants[0], expert]) {
      const body = await json(await s.api('POST', `/public/notices/${notice.id}/objections`, objection()), 201);
      assert.match(body.receipt, RECEIPT);
      assert.equal((await json(await s.api('GET', `/public/objections/${body.receipt}`))).status, 'received');
      const id = await db.psql(`SELECT id FROM objections WHERE receipt = '${body.receipt}'`);
      assert.equal(await db.psql(`SELECT coalesce(actor_id::text, 'none') || ' ' || actor_role FROM audit_log
                                   WHERE action = 'objection.filed' AND entity_id = '${id}'`), 'none anonymous');
    }
    // a cross-site form post is refused before anything is looked at
    await expectProblem(await anon('POST', `/public/notices/${notice.id}/objections`, objection(),
      { 'sec-fetch-site': 'cross-site' }), 403, 'csrf');
  });

  test('receipts that are not: 404', async () => {
    const { receipt } = await file(notice.id, objection());
    // one character changed: the check character catches it before any lookup
    const wrong = receipt.slice(0, 5) + (receipt[5] === '2' ? '3' : '2') + receipt.slice(6);
    await expectProblem(await anon('GET', `/public/objections/${wrong}`), 404, 'not_found');
    await expectProblem(await anon('GET', `/public/objections/${receipt.slice(0, 15)}`), 404, 'not_found');
    await expectProblem(await anon('GET', '/public/objections/%27%20OR%201=1--'), 404, 'not_found');
    // a well-formed receipt no one was given
    const A = '23456789ABCDEFGHJKMNPQRSTUVWXYZ';
    let t = 0;
    const body = '23456789ABCDEFG';
    [...body].reverse().forEach((c, i) => { t += ((i % 2 ? 1 : 2) * A.indexOf(c)) % 31; });
    const unused = body + A[(31 - (t % 31)) % 31];
    assert.equal(unused, '23456789ABCDEFGU');          // the vector of tests/unit/test_invitecode.c
    await expectProblem(await anon('GET', `/public/objections/${unused}`), 404, 'not_found');
  });

  test('validation as API.md: name 2–50, phone mainland, content 10–5000, application a row of the notice', async () => {
    const url = `/public/notices/${notice.id}/objections`;
    const cases = [
      [{ name: '王' }, [['name', 'too_short']]],
      [{ name: '王'.repeat(51) }, [['name', 'too_long']]],
      [{ name: '   ' }, [['name', 'too_short']]],
      [{ name: '王\n明' }, [['name', 'format']]],
      [{ phone: '12345' }, [['phone', 'format']]],
      [{ phone: '+1 650 253 0000' }, [['phone', 'format']]],
      [{ phone: '010-6857123' }, [['phone', 'format']]],
      [{ content: '太短了只有九个字。' }, [['content', 'too_short']]],
      [{ content: '长'.repeat(5001) }, [['content', 'too_long']]],
      [{ email: 'not-an-address' }, [['email', 'format']]],
      [{ organization: 'x'.repeat(201) }, [['organization', 'too_long']]],
      [{ application_id: 'x' }, [['application_id', 'type']]],
      [{ application_id: 1.5 }, [['application_id', 'type']]],
      [{ application_id: 0 }, [['application_id', 'range']]],
      [{ name: 42, phone: ['13800138000'] }, [['name', 'type'], ['phone', 'type']]],
      [{ extra: true }, [['extra', 'unknown']]],
    ];
    for (const [change, want] of cases) {
      const p = await expectProblem(await anon('POST', url, objection(change)), 422, 'validation');
      assert.deepEqual(fields(p), want, JSON.stringify(change));
    }
    let p = await expectProblem(await anon('POST', url, {}), 422, 'validation');
    assert.deepEqual(fields(p).map((f) => f[0]).sort(), ['application_id', 'content', 'name', 'phone']);
    // accepted at the edges
    await file(notice.id, objection({ name: '王明', content: '十个字的异议内容呀。', phone: '0755-8888 6666' }));
    await file(notice.id, objection({ name: '名'.repeat(50), content: '长'.repeat(5000), phone: '+86 10 6857 1234' }));
    // an application that is no row of this notice (another batch's, or none)
    const other = await proposedBatch(k.url, db, admin, { count: 1, recommender: pb.recommender });
    for (const id of [other.apps[0].id, 999999999]) {
      p = await expectProblem(await anon('POST', url, objection({ application_id: id })), 422, 'validation');
      assert.deepEqual(fields(p), [['application_id', 'not_found']]);
    }
  });

  test('bad JSON, wrong media type, hostile input: 4xx, never 5xx', async () => {
    const url = `${k.url}/api/v1/public/notices/${notice.id}/objections`;
    const post = (body, type = 'application/json') => fetch(url, { method: 'POST', headers: { 'content-type': type }, body });
    await expectProblem(await post('{"name":'), 400, 'bad_json');
    await expectProblem(await post('[]'), 400, 'bad_json');
    await expectProblem(await post('{"name":"a","name":"b"}'), 400, 'bad_json');
    await expectProblem(await post(Buffer.from([0x7b, 0xff, 0xfe, 0x7d])), 400, 'bad_json');
    await expectProblem(await post(JSON.stringify(objection()), 'text/plain'), 415, 'unsupported_media_type');
    for (const hostile of [
      objection({ name: 'A\u0000B' }), objection({ content: '\u0000'.repeat(20) }),
      objection({ application_id: 1e300 }), objection({ application_id: -1 }), objection({ application_id: '1; DROP TABLE objections' }),
      objection({ name: { $gt: '' } }), objection({ phone: null }), objection({ email: 7 }),
    ]) {
      const res = await anon('POST', `/public/notices/${notice.id}/objections`, hostile);
      assert.ok(res.status >= 400 && res.status < 500, `${JSON.stringify(hostile).slice(0, 80)} → ${res.status}`);
      await res.text();
    }
    // markup is text, stored as sent
    const { receipt } = await file(notice.id, objection({ content: '<script>alert(1)</script> 内容属实吗？' }));
    assert.equal(await db.psql(`SELECT content FROM objections WHERE receipt = '${receipt}'`), '<script>alert(1)</script> 内容属实吗？');
    for (const path of [`/public/notices/${notice.id}x/objections`, '/public/notices/99999999999999999999999/objections',
      '/public/notices/999999999/objections']) {
      await expectProblem(await anon('POST', path, objection()), 404, 'not_found');
    }
    await expectProblem(await anon('GET', `/public/notices/${notice.id}/objections`), 405, 'method_not_allowed');
  });
});

describe('the window, by the database clock', () => {
  let later, over, edge, lateNotice, overNotice, edgeNotice;

  before(async () => {
    later = await proposedBatch(k.url, db, admin, { count: 1, recommender: pb.recommender });
    over = await proposedBatch(k.url, db, admin, { count: 1, recommender: pb.recommender });
    edge = await proposedBatch(k.url, db, admin, { count: 1, recommender: pb.recommender });
    lateNotice = await publishNotice(admin, later.batch.id, { starts_at: await dbTime(db, 3600), ends_at: await dbTime(db, 7200) });
    overNotice = await publishNotice(admin, over.batch.id, { starts_at: await dbTime(db, -7200), ends_at: await dbTime(db, -1) });
  });

  test('not started: 404, as if there were no notice', async () => {
    await expectProblem(await anon('POST', `/public/notices/${lateNotice.id}/objections`,
      objection({ application_id: later.apps[0].id })), 404, 'not_found');
  });

  test('over: 409 deadline_passed; extended, open again', async () => {
    const body = objection({ application_id: over.apps[0].id });
    await expectProblem(await anon('POST', `/public/notices/${overNotice.id}/objections`, body), 409, 'deadline_passed');
    await json(await admin.api('PATCH', `/notices/${overNotice.id}`, { ends_at: await dbTime(db, 3600) }));
    await file(overNotice.id, body);
  });

  test('the last seconds: taken before ends_at, refused from it', async () => {
    const ends = await dbTime(db, 2);
    edgeNotice = await publishNotice(admin, edge.batch.id, { starts_at: await dbTime(db, -60), ends_at: ends });
    const body = objection({ application_id: edge.apps[0].id });
    await file(edgeNotice.id, body);
    while (await db.psql(`SELECT now() < '${ends}'::timestamptz`) === 't') await sleep(200);
    await expectProblem(await anon('POST', `/public/notices/${edgeNotice.id}/objections`, body), 409, 'deadline_passed');
  });
});

test('rate limited per address: objections.limit per objections.window, then 429 with Retry-After', async () => {
  const k2 = await startKpjdd({ db, env: { KPJD_OBJECTIONS_LIMIT: '3', KPJD_OBJECTIONS_WINDOW: '600' } });
  try {
    await db.psql(`DELETE FROM rate_limits WHERE key LIKE 'objection:%'`);
    const post = anonAt(k2.url);
    const url = `/public/notices/${notice.id}/objections`;
    assert.equal((await post('POST', url, objection())).status, 201);
    assert.equal((await post('POST', url, objection({ name: 'x' }))).status, 422);     // refused ones count too
    assert.equal((await post('POST', url, objection())).status, 201);
    const res = await post('POST', url, objection());
    await expectProblem(res, 429, 'too_many_attempts');
    const retry = Number(res.headers.get('retry-after'));
    assert.ok(Number.isInteger(retry) && retry > 0 && retry <= 600, `Retry-After: ${res.headers.get('retry-after')}`);
    // reading receipts and notices is not limited by it
    assert.equal((await post('GET', `/public/notices/${notice.id}`)).status, 200);
  } finally {
    await k2.stop();
    await db.psql(`DELETE FROM rate_limits WHERE key LIKE 'objection:%'`);
  }
});

describe("the admin's desk", () => {
  test('the list: everything, for the admin only; filtered by status; paged', async () => {
    const { items } = await json(await admin.api('GET', `/batches/${pb.batch.id}/objections?limit=200`));
    assert.ok(items.length >= 5);
    const first = items[0];
    assert.equal(first.name, '王小明');
    assert.equal(first.phone, '13800138000');
    assert.equal(first.email, 'wang@example.cn');
    assert.equal(first.organization, '某某街道');
    assert.match(first.receipt, RECEIPT);
    assert.equal(first.application_id, pb.apps[0].id);
    assert.equal(first.unit_name, pb.apps[0].unit_name);
    assert.equal(first.batch_id, pb.batch.id);
    assert.equal(first.notice_id, notice.id);
    assert.equal(first.status, 'received');
    assert.equal(first.reply, null);
    assert.equal(first.application_status, 'proposed');
    assert.equal(first.no, notice.rows.find((r) => r.application_id === pb.apps[0].id).no);
    const ids = items.map((o) => o.id);
    assert.deepEqual(ids, [...ids].sort((a, b) => a - b));
    const page = await json(await admin.api('GET', `/batches/${pb.batch.id}/objections?limit=2`));
    assert.deepEqual(page.items.map((o) => o.id), ids.slice(0, 2));
    const next = await json(await admin.api('GET', `/batches/${pb.batch.id}/objections?limit=2&cursor=${encodeURIComponent(page.next_cursor)}`));
    assert.deepEqual(next.items.map((o) => o.id), ids.slice(2, 4));
    assert.equal((await json(await admin.api('GET', `/batches/${pb.batch.id}/objections?status=upheld`))).items.length, 0);
    let p = await expectProblem(await admin.api('GET', `/batches/${pb.batch.id}/objections?status=open`), 422, 'validation');
    assert.deepEqual(fields(p), [['status', 'enum']]);
    await expectProblem(await admin.api('GET', `/batches/${pb.batch.id}/objections?limit=0`), 422, 'validation');
    await expectProblem(await admin.api('GET', '/batches/999999999/objections'), 404, 'not_found');
    for (const s of [rec, applicants[0], expert])
      await expectProblem(await s.api('GET', `/batches/${pb.batch.id}/objections`), 403, 'forbidden');
    await expectProblem(await anon('GET', `/batches/${pb.batch.id}/objections`), 401, 'unauthenticated');
  });

  test('dismissed: the reply reaches the receipt; once only; nothing changes for the application', async () => {
    const { receipt } = await file(notice.id, objection({ application_id: pb.apps[1].id }));
    const id = Number(await db.psql(`SELECT id FROM objections WHERE receipt = '${receipt}'`));
    const url = `/objections/${id}/finding`;
    let p = await expectProblem(await admin.api('POST', url, { result: 'maybe', reply: '答复' }), 422, 'validation');
    assert.deepEqual(fields(p), [['result', 'enum']]);
    p = await expectProblem(await admin.api('POST', url, { result: 'dismissed' }), 422, 'validation');
    assert.deepEqual(fields(p), [['reply', 'required']]);
    p = await expectProblem(await admin.api('POST', url, { result: 'dismissed', reply: '  ' }), 422, 'validation');
    assert.deepEqual(fields(p), [['reply', 'too_short']]);
    for (const s of [rec, applicants[1], expert])
      await expectProblem(await s.api('POST', url, { result: 'dismissed', reply: '答复' }), 403, 'forbidden');
    await expectProblem(await anon('POST', url, { result: 'dismissed', reply: '答复' }), 401, 'unauthenticated');
    await expectProblem(await admin.api('POST', '/objections/999999999/finding', { result: 'dismissed', reply: '答复' }), 404, 'not_found');
    const o = await json(await admin.api('POST', url, { result: 'dismissed', reply: '经核查，该单位开放天数符合要求。' }));
    assert.equal(o.id, id);
    assert.equal(o.status, 'dismissed');
    assert.equal(o.reply, '经核查，该单位开放天数符合要求。');
    assert.equal(o.decided_by, admin.user.id);
    assert.match(o.decided_at, /Z$/);
    assert.equal(o.application_status, 'proposed');
    const seen = await json(await anon('GET', `/public/objections/${receipt}`));
    assert.deepEqual(seen, { status: 'dismissed', reply: '经核查，该单位开放天数符合要求。', decided_at: o.decided_at });
    await expectProblem(await admin.api('POST', url, { result: 'upheld', reply: '改判' }), 409, 'invalid_state');
    assert.equal(await db.psql(`SELECT status FROM applications WHERE id = ${pb.apps[1].id}`), 'proposed');
    const audit = (await json(await admin.api('GET', `/audit?action=objection.decided&entity=objection&entity_id=${id}`))).items;
    assert.equal(audit.length, 1);
    assert.deepEqual(audit[0].data, { result: 'dismissed', application_id: pb.apps[1].id });
  });

  test('upheld: the application is withdrawn_after_objection, its applicant and recommender told; a second upheld one only records', async () => {
    const app = pb.apps[2];
    const one = await file(notice.id, objection({ application_id: app.id }));
    const two = await file(notice.id, objection({ application_id: app.id, name: '李四' }));
    const idOf = async (r) => Number(await db.psql(`SELECT id FROM objections WHERE receipt = '${r}'`));
    const o = await json(await admin.api('POST', `/objections/${await idOf(one.receipt)}/finding`,
      { result: 'upheld', reply: '经核查，异议属实，撤销拟认定。' }));
    assert.equal(o.status, 'upheld');
    assert.equal(o.application_status, 'withdrawn_after_objection');
    const seen = await json(await applicants[2].api('GET', `/applications/${app.id}`));
    assert.equal(seen.status, 'withdrawn_after_objection');
    const audit = (await json(await admin.api('GET', `/audit?action=application.withdrawn_after_objection&entity=application&entity_id=${app.id}`))).items;
    assert.equal(audit.length, 1);
    assert.deepEqual(audit[0].data, { from: 'proposed', to: 'withdrawn_after_objection', objection_id: o.id });
    for (const s of [applicants[2], rec]) {
      const told = (await json(await s.api('GET', '/notifications?limit=200'))).items
        .filter((n) => n.kind === 'application.withdrawn_after_objection');
      assert.equal(told.length, 1);
      assert.equal(told[0].data.application_id, app.id);
    }
    // the others' applicants are not told
    const others = (await json(await applicants[0].api('GET', '/notifications?limit=200'))).items;
    assert.ok(!others.some((n) => n.kind === 'application.withdrawn_after_objection'));
    const o2 = await json(await admin.api('POST', `/objections/${await idOf(two.receipt)}/finding`,
      { result: 'upheld', reply: '同上。' }));
    assert.equal(o2.status, 'upheld');
    assert.equal((await json(await admin.api('GET', `/audit?action=application.withdrawn_after_objection&entity=application&entity_id=${app.id}`))).items.length, 1);
    assert.equal((await json(await anon('GET', `/public/objections/${two.receipt}`))).status, 'upheld');
    // the notice reads the same: the row stays
    const pub = await json(await anon('GET', `/public/notices/${notice.id}`));
    assert.ok(pub.rows.some((r) => r.application_id === app.id));
    assert.equal((await json(await admin.api('GET', `/batches/${pb.batch.id}/publicity`))).rows
      .find((r) => r.application_id === app.id).status, 'withdrawn_after_objection');
    assert.equal((await json(await admin.api('GET', `/batches/${pb.batch.id}/objections?status=upheld`))).items.length, 2);
  });

  test('no finding once the batch has left publicity', async () => {
    const b = await proposedBatch(k.url, db, admin, { count: 1, recommender: pb.recommender });
    const n = await publishNotice(admin, b.batch.id);
    const { receipt } = await file(n.id, objection({ application_id: b.apps[0].id }));
    await db.psql(`UPDATE batches SET status = 'closed' WHERE id = ${b.batch.id}`);
    const id = await db.psql(`SELECT id FROM objections WHERE receipt = '${receipt}'`);
    await expectProblem(await admin.api('POST', `/objections/${id}/finding`, { result: 'dismissed', reply: '答复' }), 409, 'invalid_state');
  });
});

test("the objector's details appear nowhere but the admin's desk: not in public answers, audit rows, notifications or the log", async () => {
  const secret = {
    name: '隐私测试人甲乙', phone: '0991-7654321', email: 'leak-probe-5b1e@example.cn',
    organization: '保密检验单位丙丁', content: 'LEAKPROBE-7f3a 该条异议内容只应由管理员看到。',
  };
  const needles = Object.values(secret);
  const filed = anon('POST', `/public/notices/${notice.id}/objections`, objection({ ...secret, application_id: pb.apps[0].id }));
  const answers = [];
  const keep = async (what, res) => { answers.push([what, `${JSON.stringify([...res.headers])}\n${await res.text()}`]); };
  const res = await filed;
  assert.equal(res.status, 201);
  const text = await res.text();
  answers.push(['POST objection', text]);
  const { receipt } = JSON.parse(text);
  const id = await db.psql(`SELECT id FROM objections WHERE receipt = '${receipt}'`);
  // the admin's desk has them all
  const desk = (await json(await admin.api('GET', `/batches/${pb.batch.id}/objections?limit=200`))).items.find((o) => o.receipt === receipt);
  assert.deepEqual({ name: desk.name, phone: desk.phone, email: desk.email, organization: desk.organization, content: desk.content }, secret);
  await json(await admin.api('POST', `/objections/${id}/finding`, { result: 'dismissed', reply: '经核查不属实。' }));
  // every other answer anyone gets
  await keep('receipt', await anon('GET', `/public/objections/${receipt}`));
  await keep('public notice', await anon('GET', `/public/notices/${notice.id}`));
  await keep('public list', await anon('GET', '/public/notices?limit=200'));
  await keep('admin notice', await admin.api('GET', `/batches/${pb.batch.id}/publicity`));
  await keep('admin audit', await admin.api('GET', '/audit?limit=200'));
  await keep('admin notifications', await admin.api('GET', '/notifications?limit=200'));
  for (const [i, s] of applicants.entries()) {
    await keep(`applicant ${i} notifications`, await s.api('GET', '/notifications?limit=200'));
    await keep(`applicant ${i} application`, await s.api('GET', `/applications/${pb.apps[i].id}`));
  }
  await keep('recommender notifications', await rec.api('GET', '/notifications?limit=200'));
  await keep('recommender applications', await rec.api('GET', `/applications?batch_id=${pb.batch.id}&limit=200`));
  await keep('admin application', await admin.api('GET', `/applications/${pb.apps[0].id}`));
  for (const [what, body] of answers)
    for (const needle of needles) assert.ok(!body.includes(needle), `${what} holds ${needle}`);
  // the audit rows (their data and everything else), in the database itself
  const audit = await db.psql('SELECT row_to_json(a)::text FROM audit_log a');
  const notes = await db.psql('SELECT row_to_json(n)::text FROM notifications n');
  for (const needle of needles) {
    assert.ok(!audit.includes(needle), `audit_log holds ${needle}`);
    assert.ok(!notes.includes(needle), `notifications hold ${needle}`);
  }
  const filedRow = JSON.parse(await db.psql(`SELECT data::text FROM audit_log WHERE action = 'objection.filed' AND entity_id = '${id}'`));
  assert.deepEqual(filedRow, { notice_id: notice.id, application_id: pb.apps[0].id });
  // kpjdd's log (at debug level), stderr and stdout
  const log = k.log() + k.stdout();
  assert.ok(log.length > 0);
  assert.ok(log.includes('/objections'), 'the log does show the requests');
  for (const needle of needles) assert.ok(!log.includes(needle), `the log holds ${needle}`);
});
