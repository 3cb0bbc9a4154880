// Contact forms (附件2): a recommender files (and may update) its contact
// person for a batch until the contact deadline, judged by the database
// clock; every admin is notified; the admin lists who has filed and who has
// not.  Chinese text round-trips exactly.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { createDatabase, startKpjdd } from '../lib/kpjdd.js';
import { expectProblem, anonymous } from '../lib/http.js';
import { createAdmin, createUser, signIn } from '../lib/accounts.js';
import { isoIn, makeBatch, makeRecommender } from '../lib/fixtures.js';

let db, k, admin, admin2, applicant, expert;
let bj, astro, moe;   // makeRecommender results
before(async () => {
  db = await createDatabase();
  k = await startKpjdd({ db, migrate: true });
  createAdmin(db);
  createAdmin(db, 'admin2');
  admin = await signIn(k.url, 'admin');
  admin2 = await signIn(k.url, 'admin2');
  bj = await makeRecommender(k.url, admin, { name: '北京市科学技术协会', kind: 'provincial_cast', region: '北京市' });
  astro = await makeRecommender(k.url, admin, { name: '中国天文学会', kind: 'national_society' });
  moe = await makeRecommender(k.url, admin, { name: '教育部', kind: 'outline_office' });
  await createUser(db, { username: 'appl', role: 'applicant' });
  await createUser(db, { username: 'expert', role: 'expert' });
  applicant = await signIn(k.url, 'appl');
  expert = await signIn(k.url, 'expert');
});
after(async () => {
  await k?.stop();
  await db?.drop();
});

const anon = (method, path, body) => anonymous(k.url)(method, path, body);

const form = (over = {}) => ({
  name: '欧阳·娜娜',
  department: '科普部（青少年科技中心）',
  position: '副主任',
  office_phone: '010-6857 1234',
  mobile: '13912345678',
  email: 'ouyang.nana@bast.net.cn',
  address: '北京市海淀区复兴路3号 邮编100038',
  ...over,
});

const fieldCodes = (p) => p.errors.map((e) => [e.field, e.code]);

async function notifications(session, kind) {
  const res = await session.api('GET', '/notifications?limit=200');
  assert.equal(res.status, 200);
  return (await res.json()).items.filter((n) => !kind || n.kind === kind);
}

async function auditRows(action, batchId) {
  const res = await admin.api('GET', `/audit?action=${action}&entity=contact&entity_id=${batchId}&limit=200`);
  assert.equal(res.status, 200);
  return (await res.json()).items;
}

describe('PUT and GET /batches/{id}/contact', () => {
  test('404 before filing; 200 with the contact as stored after; GET gives the same', async () => {
    const b = await makeBatch(admin, { status: 'open' });
    await expectProblem(await bj.session.api('GET', `/batches/${b.id}/contact`), 404, 'not_found');
    const res = await bj.session.api('PUT', `/batches/${b.id}/contact`, form());
    assert.equal(res.status, 200);
    const c = await res.json();
    assert.deepEqual(Object.keys(c).sort(), ['address', 'batch_id', 'department', 'email', 'mobile', 'name',
      'office_phone', 'position', 'recommender_id', 'recommender_name', 'submitted_at']);
    assert.equal(c.batch_id, b.id);
    assert.equal(c.recommender_id, bj.id);
    assert.equal(c.recommender_name, '北京市科学技术协会');
    for (const [key, value] of Object.entries(form())) assert.equal(c[key], value, key);
    assert.match(c.submitted_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.ok(Math.abs(Date.parse(c.submitted_at) - Date.now()) < 60e3);
    const got = await bj.session.api('GET', `/batches/${b.id}/contact`);
    assert.equal(got.status, 200);
    assert.deepEqual(await got.json(), c);
    // byte for byte in the database too
    assert.equal(await db.psql(`SELECT name || '|' || department || '|' || address FROM contacts WHERE batch_id = ${b.id}`),
      `${form().name}|${form().department}|${form().address}`);
  });

  test('filing again replaces every field and the time; each recommender has its own', async () => {
    const b = await makeBatch(admin, { status: 'open' });
    const first = await (await astro.session.api('PUT', `/batches/${b.id}/contact`, form())).json();
    await new Promise((r) => setTimeout(r, 1100));
    const changed = form({ name: '李雷', department: '学术部', position: '干事', office_phone: '(010) 12345678',
      mobile: '18600000000', email: 'lilei@example.org', address: '北京市海淀区中关村南大街16号' });
    const res = await astro.session.api('PUT', `/batches/${b.id}/contact`, changed);
    assert.equal(res.status, 200);
    const second = await res.json();
    for (const [key, value] of Object.entries(changed)) assert.equal(second[key], value, key);
    assert.ok(Date.parse(second.submitted_at) > Date.parse(first.submitted_at), 'submitted_at moves');
    assert.deepEqual(await (await astro.session.api('GET', `/batches/${b.id}/contact`)).json(), second);
    await expectProblem(await moe.session.api('GET', `/batches/${b.id}/contact`), 404, 'not_found');
    const other = await makeBatch(admin, { status: 'open' });
    await expectProblem(await astro.session.api('GET', `/batches/${other.id}/contact`), 404, 'not_found');
  });

  test('422: every field required, lengths, types, unknown fields', async () => {
    const b = await makeBatch(admin, { status: 'open' });
    let p = await expectProblem(await bj.session.api('PUT', `/batches/${b.id}/contact`, {}), 422, 'validation');
    assert.deepEqual(fieldCodes(p).sort(), ['address', 'department', 'email', 'mobile', 'name', 'office_phone', 'position']
      .map((f) => [f, 'required']));
    const cases = [
      [{ name: '' }, ['name', 'too_short']],
      [{ name: '名'.repeat(51) }, ['name', 'too_long']],
      [{ department: '部'.repeat(101) }, ['department', 'too_long']],
      [{ position: '职'.repeat(51) }, ['position', 'too_long']],
      [{ address: '址'.repeat(201) }, ['address', 'too_long']],
      [{ mobile: 13912345678 }, ['mobile', 'type']],
      [{ email: null }, ['email', 'type']],
      [{ recommender_id: 1 }, ['recommender_id', 'unknown']],
      [{ submitted_at: '2021-01-01T00:00:00Z' }, ['submitted_at', 'unknown']],
    ];
    for (const [over, want] of cases) {
      p = await expectProblem(await bj.session.api('PUT', `/batches/${b.id}/contact`, form(over)), 422, 'validation');
      assert.deepEqual(fieldCodes(p), [want], JSON.stringify(over));
    }
    const ok = await bj.session.api('PUT', `/batches/${b.id}/contact`,
      form({ name: '名'.repeat(50), department: '部'.repeat(100), position: '职'.repeat(50), address: '址'.repeat(200) }));
    assert.equal(ok.status, 200, 'the limits count characters, not bytes');
  });

  test('422 format: mobile 11 digits starting with 1, office phone, email', async () => {
    const b = await makeBatch(admin, { status: 'open' });
    const cases = [
      [{ mobile: '1391234567' }, ['mobile', 'format']],
      [{ mobile: '139123456789' }, ['mobile', 'format']],
      [{ mobile: '23912345678' }, ['mobile', 'format']],
      [{ mobile: '1391234567a' }, ['mobile', 'format']],
      [{ mobile: '139-1234-5678' }, ['mobile', 'format']],
      [{ mobile: '+8613912345678' }, ['mobile', 'format']],
      [{ office_phone: '123456' }, ['office_phone', 'format']],
      [{ office_phone: '010-6857123x' }, ['office_phone', 'format']],
      [{ office_phone: '电话010-68571234' }, ['office_phone', 'format']],
      [{ email: 'nobody' }, ['email', 'format']],
      [{ email: 'a@b' }, ['email', 'format']],
      [{ email: '@example.cn' }, ['email', 'format']],
      [{ email: 'a@@example.cn' }, ['email', 'format']],
      [{ email: 'a b@example.cn' }, ['email', 'format']],
      [{ email: '联系人@example.cn' }, ['email', 'format']],
      [{ mobile: 'x', email: 'y' }, ['mobile', 'format']],
    ];
    for (const [over, want] of cases) {
      const p = await expectProblem(await bj.session.api('PUT', `/batches/${b.id}/contact`, form(over)), 422, 'validation');
      assert.deepEqual(fieldCodes(p)[0], want, JSON.stringify(over));
    }
    const both = await expectProblem(await bj.session.api('PUT', `/batches/${b.id}/contact`,
      form({ office_phone: 'x', mobile: 'x', email: 'y' })), 422, 'validation');
    assert.deepEqual(fieldCodes(both), [['office_phone', 'format'], ['mobile', 'format'], ['email', 'format']]);
    await expectProblem(await bj.session.api('GET', `/batches/${b.id}/contact`), 404, 'not_found');
    for (const phone of ['010-68571234', '+86 10 6857 1234', '0755-8888888', '(021)12345678']) {
      const res = await bj.session.api('PUT', `/batches/${b.id}/contact`, form({ office_phone: phone }));
      assert.equal(res.status, 200, phone);
    }
  });

  test('after the contact deadline: 409 deadline_passed, the filed contact unchanged and still readable', async () => {
    const b = await makeBatch(admin, { status: 'open' });
    const filed = await (await moe.session.api('PUT', `/batches/${b.id}/contact`, form())).json();
    const patch = await admin.api('PATCH', `/batches/${b.id}`, { contact_deadline: isoIn(-1 / 24) });
    assert.equal(patch.status, 200);
    const p = await expectProblem(await moe.session.api('PUT', `/batches/${b.id}/contact`, form({ name: '迟到' })),
      409, 'deadline_passed');
    assert.match(p.detail, /截止/);
    await expectProblem(await astro.session.api('PUT', `/batches/${b.id}/contact`, form()), 409, 'deadline_passed');
    assert.deepEqual(await (await moe.session.api('GET', `/batches/${b.id}/contact`)).json(), filed);
    // the deadline moved back into the future lets filings in again
    await admin.api('PATCH', `/batches/${b.id}`, { contact_deadline: isoIn(1) });
    assert.equal((await moe.session.api('PUT', `/batches/${b.id}/contact`, form({ name: '补报' }))).status, 200);
  });

  test('the deadline is judged to the second by the database clock', async () => {
    const b = await makeBatch(admin, { status: 'open', contact_deadline: isoIn(3 / 86400) });
    assert.equal((await bj.session.api('PUT', `/batches/${b.id}/contact`, form())).status, 200);
    await new Promise((r) => setTimeout(r, 4000));
    await expectProblem(await bj.session.api('PUT', `/batches/${b.id}/contact`, form()), 409, 'deadline_passed');
  });

  test('a draft batch is not there (404; tests/api/drafts.test.js); from evaluating on 409 invalid_state (even before the deadline)', async () => {
    const draft = await makeBatch(admin);
    await expectProblem(await bj.session.api('PUT', `/batches/${draft.id}/contact`, form()), 404, 'not_found');
    for (const status of ['evaluating', 'publicity', 'closed']) {
      const b = await makeBatch(admin, { status }, { db });
      await expectProblem(await bj.session.api('PUT', `/batches/${b.id}/contact`, form()), 409, 'invalid_state');
      await expectProblem(await bj.session.api('GET', `/batches/${b.id}/contact`), 404, 'not_found');
    }
    // past the deadline and evaluating: the state is what it says
    const late = await makeBatch(admin, { status: 'evaluating', contact_deadline: isoIn(-2), recommend_deadline: isoIn(-1) });
    await expectProblem(await bj.session.api('PUT', `/batches/${late.id}/contact`, form()), 409, 'invalid_state');
  });

  test('404 for an unknown batch', async () => {
    for (const id of ['999999', 'abc']) {
      await expectProblem(await bj.session.api('PUT', `/batches/${id}/contact`, form()), 404, 'not_found');
      await expectProblem(await bj.session.api('GET', `/batches/${id}/contact`), 404, 'not_found');
    }
  });

  test('only recommenders: admin, applicant, expert 403; anonymous 401; bad bodies 415/400', async () => {
    const b = await makeBatch(admin, { status: 'open' });
    for (const s of [admin, applicant, expert]) {
      await expectProblem(await s.api('PUT', `/batches/${b.id}/contact`, form()), 403, 'forbidden');
      await expectProblem(await s.api('GET', `/batches/${b.id}/contact`), 403, 'forbidden');
    }
    await expectProblem(await anon('PUT', `/batches/${b.id}/contact`, form()), 401, 'unauthenticated');
    await expectProblem(await anon('GET', `/batches/${b.id}/contact`), 401, 'unauthenticated');
    const raw = (body, type) => fetch(`${k.url}/api/v1/batches/${b.id}/contact`, {
      method: 'PUT', headers: { authorization: `Bearer ${bj.session.token}`, 'content-type': type }, body,
    });
    await expectProblem(await raw(JSON.stringify(form()), 'text/plain'), 415, 'unsupported_media_type');
    await expectProblem(await raw('{"name":"a","name":"b"}', 'application/json'), 400, 'bad_json');
    await expectProblem(await bj.session.api('PUT', `/batches/${b.id}/contact`, form(), { auth: 'cookie-no-csrf' }), 403, 'csrf');
    assert.equal((await bj.session.api('PUT', `/batches/${b.id}/contact`, form(), { auth: 'cookie' })).status, 200);
    const post = await bj.session.api('POST', `/batches/${b.id}/contact`, form());
    await expectProblem(post, 405, 'method_not_allowed');
    assert.match(post.headers.get('allow'), /PUT/);
    assert.equal(await db.psql(`SELECT count(*) FROM contacts WHERE batch_id = ${b.id}`), '1');
  });
});

describe('notifications and audit', () => {
  test('filing notifies every admin (contact.filed), an update too (contact.updated); nobody else', async () => {
    const b = await makeBatch(admin, { status: 'open', title: '通知批次' });
    const before1 = (await notifications(admin)).length;
    const before2 = (await notifications(admin2)).length;
    const recBefore = (await notifications(astro.session)).length;
    await astro.session.api('PUT', `/batches/${b.id}/contact`, form({ name: '韩梅梅' }));
    for (const s of [admin, admin2]) {
      const filed = (await notifications(s, 'contact.filed')).filter((n) => n.data?.batch_id === b.id);
      assert.equal(filed.length, 1);
      assert.match(filed[0].title, /中国天文学会/);
      assert.match(filed[0].title, /已报送/);
      assert.equal(filed[0].body, '韩梅梅');
      assert.deepEqual(filed[0].data, { batch_id: b.id, recommender_id: astro.id });
      assert.equal(filed[0].read_at, null);
    }
    await astro.session.api('PUT', `/batches/${b.id}/contact`, form({ name: '韩梅梅（更新）' }));
    for (const s of [admin, admin2]) {
      const updated = (await notifications(s, 'contact.updated')).filter((n) => n.data?.batch_id === b.id);
      assert.equal(updated.length, 1);
      assert.match(updated[0].title, /中国天文学会/);
      assert.match(updated[0].title, /已更新/);
      assert.equal(updated[0].body, '韩梅梅（更新）');
    }
    assert.equal((await notifications(admin)).length, before1 + 2);
    assert.equal((await notifications(admin2)).length, before2 + 2);
    assert.equal((await notifications(astro.session)).length, recBefore, 'the recommender gets none');
    assert.equal((await notifications(applicant)).length, 0);
  });

  test('refused filings notify nobody and leave no audit row', async () => {
    const b = await makeBatch(admin, { status: 'open', contact_deadline: isoIn(-1), recommend_deadline: isoIn(1) });
    const before = (await notifications(admin)).length;
    await expectProblem(await moe.session.api('PUT', `/batches/${b.id}/contact`, form()), 409, 'deadline_passed');
    await expectProblem(await moe.session.api('PUT', `/batches/${b.id}/contact`, form({ mobile: '1' })), 422, 'validation');
    assert.equal((await notifications(admin)).length, before);
    assert.deepEqual(await auditRows('contact.filed', b.id), []);
  });

  test('contact.filed and contact.updated audit rows carry the contact', async () => {
    const b = await makeBatch(admin, { status: 'open' });
    const first = await (await bj.session.api('PUT', `/batches/${b.id}/contact`, form())).json();
    const second = await (await bj.session.api('PUT', `/batches/${b.id}/contact`, form({ position: '处长' }))).json();
    const filed = await auditRows('contact.filed', b.id);
    assert.equal(filed.length, 1);
    assert.deepEqual(filed[0].data, first);
    assert.equal(filed[0].actor_id, bj.session.user.id);
    assert.equal(filed[0].actor_role, 'recommender');
    const updated = await auditRows('contact.updated', b.id);
    assert.equal(updated.length, 1);
    assert.deepEqual(updated[0].data, second);
  });
});

describe('GET /batches/{id}/contacts', () => {
  let b, extra;
  before(async () => {
    b = await makeBatch(admin, { status: 'open' });
    extra = [];
    for (let i = 0; i < 3; i++) extra.push(await makeRecommender(k.url, admin, { name: `分页学会${i}` }));
    await bj.session.api('PUT', `/batches/${b.id}/contact`, form({ name: '北京联系人' }));
    await moe.session.api('PUT', `/batches/${b.id}/contact`, form({ name: '教育部联系人' }));
    await extra[1].session.api('PUT', `/batches/${b.id}/contact`, form({ name: '分页联系人' }));
  });

  const list = async (query = '') => {
    const res = await admin.api('GET', `/batches/${b.id}/contacts?limit=200${query}`);
    assert.equal(res.status, 200, await res.clone().text());
    const body = await res.json();
    assert.equal(body.next_cursor, null);
    return body.items;
  };

  test('every enabled recommender, by id, with filed and the contact or null', async () => {
    const items = await list();
    const ids = items.map((r) => r.recommender_id);
    assert.deepEqual(ids, [...ids].sort((x, y) => x - y));
    const enabled = await db.psql(`SELECT count(*) FROM recommenders r JOIN users u ON u.id = r.user_id WHERE NOT u.disabled`);
    assert.equal(String(items.length), enabled);
    const row = (id) => items.find((r) => r.recommender_id === id);
    assert.deepEqual(Object.keys(row(bj.id)).sort(), ['contact', 'filed', 'kind', 'recommender_id', 'recommender_name', 'region']);
    assert.equal(row(bj.id).filed, true);
    assert.equal(row(bj.id).region, '北京市');
    assert.equal(row(bj.id).kind, 'provincial_cast');
    assert.equal(row(bj.id).recommender_name, '北京市科学技术协会');
    assert.deepEqual(row(bj.id).contact, await (await bj.session.api('GET', `/batches/${b.id}/contact`)).json());
    assert.equal(row(bj.id).contact.name, '北京联系人');
    assert.equal(row(astro.id).filed, false);
    assert.equal(row(astro.id).contact, null);
    assert.equal(row(astro.id).region, null);
    assert.equal(row(extra[1].id).contact.name, '分页联系人');
  });

  test('filters: filed=true / false, kind; they partition the list', async () => {
    const all = await list();
    const filed = await list('&filed=true');
    const notFiled = await list('&filed=false');
    assert.deepEqual(filed.map((r) => r.recommender_id), [bj.id, moe.id, extra[1].id]);
    assert.ok(filed.every((r) => r.filed && r.contact));
    assert.ok(notFiled.every((r) => !r.filed && r.contact === null));
    assert.equal(filed.length + notFiled.length, all.length);
    assert.deepEqual((await list('&kind=provincial_cast')).map((r) => r.recommender_id), [bj.id]);
    assert.deepEqual((await list('&kind=outline_office&filed=false')).map((r) => r.recommender_id), []);
    assert.deepEqual((await list('&kind=outline_office&filed=true')).map((r) => r.recommender_id), [moe.id]);
  });

  test('a contact of another batch does not count here', async () => {
    const other = await makeBatch(admin, { status: 'open' });
    await astro.session.api('PUT', `/batches/${other.id}/contact`, form());
    assert.equal((await list()).find((r) => r.recommender_id === astro.id).filed, false);
    const there = await (await admin.api('GET', `/batches/${other.id}/contacts?filed=true`)).json();
    assert.deepEqual(there.items.map((r) => r.recommender_id), [astro.id]);
  });

  test('walking every page with limit=2 gives each recommender once', async () => {
    const all = (await list()).map((r) => r.recommender_id);
    const walked = [];
    let cursor = null;
    let pages = 0;
    do {
      const res = await admin.api('GET', `/batches/${b.id}/contacts?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      assert.equal(res.status, 200);
      const page = await res.json();
      assert.ok(page.items.length <= 2);
      walked.push(...page.items.map((r) => r.recommender_id));
      cursor = page.next_cursor;
      pages++;
    } while (cursor);
    assert.deepEqual(walked, all);
    assert.equal(pages, Math.ceil(all.length / 2));
    const filedPages = [];
    cursor = null;
    do {
      const page = await (await admin.api('GET', `/batches/${b.id}/contacts?filed=true&limit=1${cursor ? `&cursor=${cursor}` : ''}`)).json();
      filedPages.push(...page.items.map((r) => r.recommender_id));
      cursor = page.next_cursor;
    } while (cursor);
    assert.deepEqual(filedPages, [bj.id, moe.id, extra[1].id], 'paging with a filter');
  });

  test('a disabled recommender is left out, and back once enabled', async () => {
    await admin.api('POST', `/recommenders/${extra[1].id}/disable`);
    assert.ok(!(await list()).some((r) => r.recommender_id === extra[1].id));
    assert.ok(!(await list('&filed=true')).some((r) => r.recommender_id === extra[1].id));
    await admin.api('POST', `/recommenders/${extra[1].id}/enable`);
    assert.equal((await list()).find((r) => r.recommender_id === extra[1].id).filed, true);
  });

  test('422 for a bad filed, limit or cursor; 404 for an unknown batch', async () => {
    for (const [query, field] of [['filed=yes', 'filed'], ['filed=1', 'filed'], ['limit=0', 'limit'],
      ['limit=201', 'limit'], ['cursor=%25%25', 'cursor'], ['cursor=WyJ4Il0', 'cursor']]) {
      const p = await expectProblem(await admin.api('GET', `/batches/${b.id}/contacts?${query}`), 422, 'validation');
      assert.deepEqual(p.errors.map((e) => e.field), [field], query);
    }
    await expectProblem(await admin.api('GET', '/batches/999999/contacts'), 404, 'not_found');
    await expectProblem(await admin.api('GET', '/batches/abc/contacts'), 404, 'not_found');
  });

  test('only the admin: recommender, applicant, expert 403; anonymous 401', async () => {
    for (const s of [bj.session, applicant, expert]) {
      await expectProblem(await s.api('GET', `/batches/${b.id}/contacts`), 403, 'forbidden');
    }
    await expectProblem(await anon('GET', `/batches/${b.id}/contacts`), 401, 'unauthenticated');
  });
});
