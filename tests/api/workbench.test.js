// The workbenches' API (issue 13 item 4): a batch's dashboard per
// recommender (GET /batches/{id}/dashboard and .csv) and the unread count
// of the header (GET /notifications/unread-count).  Every count is checked
// against rows this file made: through the API where the state has an act
// of its own (codes, their use and revocation, the contact form, quotas),
// by SQL for the statuses, and held against the quota table's `used`.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { createDatabase, startKpjdd } from '../lib/kpjdd.js';
import { anonymous, expectProblem } from '../lib/http.js';
import { createAdmin, createUser, signIn } from '../lib/accounts.js';
import { makeApplication, makeBatch, makeInvitation, makeRecommender } from '../lib/fixtures.js';

let db, k, admin, expert, unit;
let R1, R2, R3, R4;            // recommenders: R1 and R2 at work, R3 a quota only, R4 not in the batch
let batch, other;

async function json(res, status = 200) {
  const text = await res.text();
  assert.equal(res.status, status, `status (body: ${text})`);
  return text ? JSON.parse(text) : null;
}

const setStatus = (id, status) => db.psql(
  `UPDATE applications SET status = '${status}'${status === 'recommended' ? ', recommended_at = now(), submitted_at = now()' : ''} WHERE id = ${id}`);

// Registers `n` applications of `rec` in `batchId` and puts them in `statuses`.
async function apps(rec, batchId, statuses) {
  const out = [];
  for (const s of statuses) {
    const reg = await makeApplication(k.url, rec.session, batchId);
    if (s !== 'draft') await setStatus(reg.application.id, s);
    out.push(reg);
  }
  return out;
}

const CONTACT = {
  name: '欧阳·娜娜', department: '科普部', position: '副主任', office_phone: '010-6857 1234',
  mobile: '13912345678', email: 'ouyang@example.cn', address: '北京市海淀区复兴路3号',
};

before(async () => {
  db = await createDatabase();
  k = await startKpjdd({ db, migrate: true, env: { KPJD_INVITATIONS_LOOKUP_LIMIT: '10000' } });
  createAdmin(db);
  admin = await signIn(k.url, 'admin');
  await createUser(db, { username: 'expert1', role: 'expert' });
  expert = await signIn(k.url, 'expert1');
  R1 = await makeRecommender(k.url, admin, { name: '=HYPERLINK("x")学会', kind: 'national_society' });
  R2 = await makeRecommender(k.url, admin, { name: '广东省科学技术协会', kind: 'provincial_cast', region: '广东省' });
  R3 = await makeRecommender(k.url, admin, { name: '教育部', kind: 'outline_office' });
  R4 = await makeRecommender(k.url, admin, { name: '不在本批次的学会' });
  batch = await makeBatch(admin, { status: 'open', code: '2031-2035年度第一批' });
  other = await makeBatch(admin, { status: 'open' });
  await json(await admin.api('PUT', `/batches/${batch.id}/quotas`, { quotas: [
    { recommender_id: R1.id, quota: 5 }, { recommender_id: R2.id, quota: 1 }, { recommender_id: R3.id, quota: 2 }] }));
  await json(await admin.api('PUT', `/batches/${other.id}/quotas`, { quotas: [{ recommender_id: R4.id, quota: 9 }] }));

  // R1: six applications, two spare codes of which one revoked, its contact form
  const r1 = await apps(R1, batch.id, ['draft', 'draft', 'submitted', 'returned', 'recommended', 'initial_passed']);
  await db.psql(`UPDATE applications SET recommended_at = now() WHERE id = ${r1[5].application.id}`);
  await makeInvitation(R1.session, batch.id);
  const revoked = await makeInvitation(R1.session, batch.id);
  assert.equal((await R1.session.api('DELETE', `/invitations/${revoked}`)).status, 204);
  await json(await R1.session.api('PUT', `/batches/${batch.id}/contact`, CONTACT));
  unit = await signIn(k.url, r1[0].username, r1[0].password);
  // R2: one draft, one declined, one submitted; no spare code, no contact form
  await apps(R2, batch.id, ['draft', 'not_recommended', 'submitted']);
  // what must not count: R1's and R4's work in the other batch
  await apps(R1, other.id, ['submitted', 'recommended']);
  await apps(R4, other.id, ['draft']);
});
after(async () => {
  await k?.stop();
  await db?.drop();
});

const dashboard = (session, id = batch.id) => session.api('GET', `/batches/${id}/dashboard`);

// What the test made, row by row (quota: null where none).
function expected() {
  const row = (r, o) => ({
    recommender_id: r.id, recommender_name: r.recommender.name, kind: r.recommender.kind,
    region: r.recommender.region ?? null, ...o,
  });
  return [
    row(R1, { quota: 5, recommended: 2, codes_issued: 7, codes_used: 6, codes_unused: 1,
      drafts: 2, submitted: 1, returned: 1, not_recommended: 0, contact_filed: true }),
    row(R3, { quota: 2, recommended: 0, codes_issued: 0, codes_used: 0, codes_unused: 0,
      drafts: 0, submitted: 0, returned: 0, not_recommended: 0, contact_filed: false }),
    row(R2, { quota: 1, recommended: 0, codes_issued: 3, codes_used: 3, codes_unused: 0,
      drafts: 1, submitted: 1, returned: 0, not_recommended: 1, contact_filed: false }),
  ];
}

const TOTALS = {
  recommenders: 3, quota: 8, recommended: 2, codes_issued: 10, codes_used: 9, codes_unused: 1,
  drafts: 3, submitted: 2, returned: 1, not_recommended: 1, contact_filed: 1,
};

describe('GET /batches/{id}/dashboard', () => {
  test('the admin: every recommender of the batch with its counts (kind, then id), the totals and the batch', async () => {
    const d = await json(await dashboard(admin));
    assert.deepEqual(d.items, expected());
    assert.deepEqual(d.totals, TOTALS);
    assert.equal(d.truncated, false);
    assert.deepEqual(d.batch, {
      id: batch.id, code: batch.code, title: batch.title, status: 'open', contact_deadline: batch.contact_deadline,
      submit_deadline: null, recommend_deadline: batch.recommend_deadline,
    });
  });

  test('recommended is what the quota table calls used', async () => {
    const q = await json(await admin.api('GET', `/batches/${batch.id}/quotas`));
    const d = await json(await dashboard(admin));
    for (const row of d.items) {
      assert.equal(row.recommended, q.items.find((x) => x.recommender_id === row.recommender_id).used, row.recommender_name);
    }
  });

  test('the counts follow the rows: a withdrawn recommendation, a new code and its revocation', async () => {
    const id = await db.psql(`SELECT id FROM applications WHERE batch_id = ${batch.id} AND recommender_id = ${R1.id} AND status = 'recommended'`);
    await db.psql(`UPDATE applications SET status = 'submitted', recommended_at = NULL WHERE id = ${id}`);
    await makeInvitation(R3.session, batch.id);
    let d = await json(await dashboard(admin));
    assert.deepEqual(d.items.find((r) => r.recommender_id === R1.id).recommended, 1);
    assert.deepEqual(d.items.find((r) => r.recommender_id === R1.id).submitted, 2);
    assert.deepEqual(d.items.find((r) => r.recommender_id === R3.id).codes_unused, 1);
    assert.equal(d.totals.codes_issued, 11);
    // back as it was
    await db.psql(`UPDATE applications SET status = 'recommended', recommended_at = now() WHERE id = ${id}`);
    const code = await db.psql(`SELECT code FROM invitations WHERE recommender_id = ${R3.id} AND batch_id = ${batch.id}`);
    assert.equal((await R3.session.api('DELETE', `/invitations/${code}`)).status, 204);
    d = await json(await dashboard(admin));
    assert.deepEqual(d.totals, TOTALS);
  });

  test('a recommender reads its own row only, and totals of that row', async () => {
    const d = await json(await dashboard(R2.session));
    assert.deepEqual(d.items, [expected()[2]]);
    const { recommender_id, recommender_name, kind, region, contact_filed, ...counts } = expected()[2];
    assert.deepEqual(d.totals, { recommenders: 1, ...counts, contact_filed: 0 });
  });

  test('a recommender with nothing in the batch: no rows, zeros', async () => {
    const d = await json(await dashboard(R4.session));
    assert.deepEqual(d.items, []);
    assert.deepEqual(d.totals, Object.fromEntries(Object.keys(TOTALS).map((key) => [key, 0])));
    assert.equal(d.batch.id, batch.id);
  });

  test('a batch without recommenders: the admin gets the batch, no rows', async () => {
    const empty = await makeBatch(admin);
    const d = await json(await dashboard(admin, empty.id));
    assert.deepEqual(d.items, []);
    assert.equal(d.totals.recommenders, 0);
    assert.equal(d.batch.status, 'draft');
  });

  test('a draft batch is the admin\'s: a recommender gets 404, as for no batch', async () => {
    const draft = await makeBatch(admin);
    await json(await admin.api('PUT', `/batches/${draft.id}/quotas`, { quotas: [{ recommender_id: R1.id, quota: 1 }] }));
    assert.equal((await json(await dashboard(admin, draft.id))).items.length, 1);
    await expectProblem(await dashboard(R1.session, draft.id), 404, 'not_found');
    await expectProblem(await dashboard(R1.session, 999999), 404, 'not_found');
    await expectProblem(await dashboard(admin, 999999), 404, 'not_found');
  });

  test('who may not: anonymous 401, an applicant and an expert 403; a bad id 404', async () => {
    await expectProblem(await anonymous(k.url)('GET', `/batches/${batch.id}/dashboard`), 401, 'unauthenticated');
    await expectProblem(await dashboard(unit), 403, 'forbidden');
    await expectProblem(await dashboard(expert), 403, 'forbidden');
    for (const id of ['abc', '0', '-1', '99999999999999999999', '1%00']) {
      await expectProblem(await admin.api('GET', `/batches/${id}/dashboard`), 404, 'not_found');
    }
  });
});

// RFC 4180 as Excel reads it: quoted cells, "" for a quote, CRLF rows.
function parseCsv(text) {
  const rows = [];
  let row = [], cell = '', quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { cell += '"'; i++; } else if (c === '"') quoted = false; else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') { row.push(cell); cell = ''; } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(cell); rows.push(row); row = []; cell = ''; i++;
    } else cell += c;
  }
  assert.equal(cell, '');
  assert.equal(row.length, 0, 'the last row ends with CRLF');
  return rows;
}

describe('GET /batches/{id}/dashboard.csv', () => {
  test('UTF-8 with a BOM, the admin\'s rows cell by cell and a 合计 line; named by the batch code and the day in China', async () => {
    const res = await admin.api('GET', `/batches/${batch.id}/dashboard.csv`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'text/csv; charset=utf-8');
    const bytes = Buffer.from(await res.arrayBuffer());
    assert.deepEqual([...bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf]);
    const rows = parseCsv(bytes.subarray(3).toString('utf8'));
    assert.deepEqual(rows, [
      ['推荐单位', '类别', '所在地区', '推荐名额', '已推荐', '剩余名额', '邀请码已发放', '邀请码已使用',
        '邀请码未使用', '草稿', '待审核', '退回修改', '不予推荐', '联系人报送'],
      ["'=HYPERLINK(\"x\")学会", '全国学会', '', '5', '2', '3', '7', '6', '1', '2', '1', '1', '0', '已报送'],
      ['教育部', '全民科学素质纲要实施工作办公室成员单位', '', '2', '0', '2', '0', '0', '0', '0', '0', '0', '0', '未报送'],
      ['广东省科学技术协会', '省级科协', '广东省', '1', '0', '1', '3', '3', '0', '1', '1', '0', '1', '未报送'],
      ['合计', '', '', '8', '2', '6', '10', '9', '1', '3', '2', '1', '1', '1/3'],
    ]);
    const day = await db.psql(`SELECT to_char(now() AT TIME ZONE 'Asia/Shanghai', 'YYYYMMDD')`);
    const name = `推荐进度-${batch.code}-${day}.csv`;
    assert.equal(res.headers.get('content-disposition'),
      `attachment; filename*=UTF-8''${encodeURIComponent(name)}`);
  });

  test('a batch with no recommenders: the header and a 合计 of zeros, an empty quota', async () => {
    const empty = await makeBatch(admin);
    const res = await admin.api('GET', `/batches/${empty.id}/dashboard.csv`);
    const rows = parseCsv((await res.text()).replace(/^\uFEFF/, ''));
    assert.equal(rows.length, 2);
    assert.deepEqual(rows[1], ['合计', '', '', '', '0', '', '0', '0', '0', '0', '0', '0', '0', '0/0']);
  });

  test('the admin\'s only: a recommender 403, anonymous 401, no batch 404', async () => {
    await expectProblem(await R1.session.api('GET', `/batches/${batch.id}/dashboard.csv`), 403, 'forbidden');
    await expectProblem(await unit.api('GET', `/batches/${batch.id}/dashboard.csv`), 403, 'forbidden');
    await expectProblem(await anonymous(k.url)('GET', `/batches/${batch.id}/dashboard.csv`), 401, 'unauthenticated');
    await expectProblem(await admin.api('GET', '/batches/999999/dashboard.csv'), 404, 'not_found');
  });
});

describe('GET /notifications/unread-count', () => {
  const count = async (session) => (await json(await session.api('GET', '/notifications/unread-count'))).unread;
  const notify = (userId, n, read = false) => db.psql(
    `INSERT INTO notifications (user_id, kind, title${read ? ', read_at' : ''})
     SELECT ${userId}, 'test', '测试' || i${read ? ', now()' : ''} FROM generate_series(1, ${n}) i`);

  test('counts the caller\'s own unread ones only; reading one takes it off', async () => {
    const me = unit.user.id;
    const before = await count(unit);
    await notify(me, 3);
    await notify(me, 2, true);
    await notify(admin.user.id, 4);
    assert.equal(await count(unit), before + 3);
    const list = await json(await unit.api('GET', '/notifications?unread=true&limit=200'));
    assert.equal(list.items.length, before + 3);
    assert.equal((await unit.api('POST', `/notifications/${list.items[0].id}/read`)).status, 204);
    assert.equal(await count(unit), before + 2);
    // the admin counts its own, not everyone's
    const adminUnread = Number(await db.psql(`SELECT count(*) FROM notifications WHERE user_id = ${admin.user.id} AND read_at IS NULL`));
    assert.equal(await count(admin), adminUnread);
  });

  test('anonymous 401; a query is not needed and none is refused', async () => {
    await expectProblem(await anonymous(k.url)('GET', '/notifications/unread-count'), 401, 'unauthenticated');
    assert.equal(typeof await count(expert), 'number');
    assert.equal((await expert.api('POST', '/notifications/unread-count')).status, 405);
  });
});
