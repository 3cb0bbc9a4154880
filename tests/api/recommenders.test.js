// Recommenders (推荐单位): created by the admin with a one-time initial
// password that must be changed at first login; listed and read by the admin
// (a recommender reads only itself); password reset, disable and enable end
// or restore the account's access; every action audited without passwords.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { createDatabase, startKpjdd } from '../lib/kpjdd.js';
import { expectProblem, anonymous } from '../lib/http.js';
import { createAdmin, createUser, login, signIn } from '../lib/accounts.js';
import { NEW_PASSWORD, makeRecommender } from '../lib/fixtures.js';

let db, k, admin, applicant, expert;
const passwords = [];   // every initial password handed out: none may reach the audit log
before(async () => {
  db = await createDatabase();
  k = await startKpjdd({ db, migrate: true });
  createAdmin(db);
  admin = await signIn(k.url, 'admin');
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

let n = 0;
async function create(body) {
  const res = await admin.api('POST', '/recommenders', body);
  const text = await res.text();
  assert.equal(res.status, 201, text);
  const out = JSON.parse(text);
  passwords.push(out.initial_password);
  return out;
}
const society = (over = {}) => ({ name: `中国科普作家协会${++n}`, kind: 'national_society', username: `society${n}`, ...over });

async function auditRows(action, entityId) {
  const res = await admin.api('GET', `/audit?action=${action}&limit=200${entityId ? `&entity=recommender&entity_id=${entityId}` : ''}`);
  assert.equal(res.status, 200);
  return (await res.json()).items;
}

const fieldCodes = (p) => p.errors.map((e) => [e.field, e.code]);
const clearThrottle = () => db.psql('DELETE FROM login_throttle');

describe('POST /recommenders', () => {
  test('201: the recommender and a 16-character initial password; provincial_cast with its region', async () => {
    const res = await admin.api('POST', '/recommenders',
      { name: '新疆生产建设兵团科学技术协会', kind: 'provincial_cast', region: '新疆生产建设兵团', username: 'bingtuan.kx' });
    assert.equal(res.status, 201);
    const body = await res.json();
    passwords.push(body.initial_password);
    assert.deepEqual(Object.keys(body).sort(), ['initial_password', 'recommender']);
    const r = body.recommender;
    assert.deepEqual(Object.keys(r).sort(), ['created_at', 'disabled', 'email', 'id', 'kind', 'name', 'region', 'username']);
    assert.equal(typeof r.id, 'number');
    assert.equal(r.name, '新疆生产建设兵团科学技术协会');
    assert.equal(r.kind, 'provincial_cast');
    assert.equal(r.region, '新疆生产建设兵团');
    assert.equal(r.username, 'bingtuan.kx');
    assert.equal(r.email, null);
    assert.equal(r.disabled, false);
    assert.match(r.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.match(body.initial_password, /^[2-9a-km-np-zA-HJ-NP-Z]{16}$/);
    assert.match(body.initial_password, /[2-9]/);
    const got = await admin.api('GET', `/recommenders/${r.id}`);
    assert.deepEqual(await got.json(), r);
    // only a hash is stored
    const stored = await db.psql(`SELECT password_hash FROM users WHERE username = 'bingtuan.kx'`);
    assert.ok(stored.length > 0 && !stored.includes(body.initial_password));
  });

  test('outline_office and national_society have no region (null)', async () => {
    for (const kind of ['outline_office', 'national_society']) {
      const { recommender } = await create({ name: `${kind}单位`, kind, username: `${kind}1` });
      assert.equal(recommender.kind, kind);
      assert.equal(recommender.region, null);
    }
  });

  test('each initial password is new', async () => {
    const a = await create(society());
    const b = await create(society());
    assert.notEqual(a.initial_password, b.initial_password);
  });

  test('the account must change its password at first login; until then everything else is 403', async () => {
    const { recommender, initial_password: pw } = await create(society({ username: 'firstlogin' }));
    const { res, body } = await login(k.url, 'firstlogin', pw);
    assert.equal(res.status, 201);
    assert.equal(body.user.role, 'recommender');
    assert.equal(body.user.must_change_password, true);
    assert.equal(body.user.org_id, recommender.id);
    assert.equal(body.user.display_name, recommender.name);
    const s = await signIn(k.url, 'firstlogin', pw);
    for (const path of ['/batches', '/recommenders', `/recommenders/${recommender.id}`, '/notifications']) {
      await expectProblem(await s.api('GET', path), 403, 'password_change_required');
    }
    assert.equal((await s.api('GET', '/session')).status, 200);
    const change = await s.api('PUT', '/session/password', { current_password: pw, new_password: NEW_PASSWORD });
    assert.equal(change.status, 200);
    const again = await signIn(k.url, 'firstlogin', NEW_PASSWORD);
    assert.equal(again.user.must_change_password, false);
    const me = await again.api('GET', `/recommenders/${recommender.id}`);
    assert.equal(me.status, 200);
  });

  test('422: kind enum, region required / unexpected, username invalid', async () => {
    const cases = [
      [society({ kind: 'ministry' }), [['kind', 'enum']]],
      [society({ kind: 'provincial_cast' }), [['region', 'required']]],
      [society({ kind: 'outline_office', region: '北京市' }), [['region', 'unexpected']]],
      [society({ region: '北京市' }), [['region', 'unexpected']]],
      [society({ username: 'ab' }), [['username', 'invalid']]],
      [society({ username: '_abc' }), [['username', 'invalid']]],
      [society({ username: 'a b c' }), [['username', 'invalid']]],
      [society({ username: 'x'.repeat(33) }), [['username', 'invalid']]],
      [society({ username: '用户名' }), [['username', 'invalid']]],
      // outside ASCII, even where SQL lower() would fold it onto an ASCII name
      [society({ username: 'adm\u0130n' }), [['username', 'invalid']]],
      [society({ username: '\u212Aelvin' }), [['username', 'invalid']]],
      [society({ kind: 'ministry', username: '!' }), [['kind', 'enum'], ['username', 'invalid']]],
    ];
    for (const [body, want] of cases) {
      const p = await expectProblem(await admin.api('POST', '/recommenders', body), 422, 'validation');
      assert.deepEqual(fieldCodes(p), want, JSON.stringify(body));
    }
  });

  test('422: required fields, types, lengths, unknown fields', async () => {
    let p = await expectProblem(await admin.api('POST', '/recommenders', {}), 422, 'validation');
    assert.deepEqual(fieldCodes(p).sort(), [['kind', 'required'], ['name', 'required'], ['username', 'required']]);
    const cases = [
      [society({ name: '' }), ['name', 'too_short']],
      [society({ name: '会'.repeat(101) }), ['name', 'too_long']],
      [society({ name: 5 }), ['name', 'type']],
      [society({ kind: null }), ['kind', 'type']],
      [society({ username: 12345 }), ['username', 'type']],
      [society({ kind: 'provincial_cast', region: 110000 }), ['region', 'type']],
      [society({ password: 'chosen by me' }), ['password', 'unknown']],
      [society({ disabled: true }), ['disabled', 'unknown']],
    ];
    for (const [body, want] of cases) {
      p = await expectProblem(await admin.api('POST', '/recommenders', body), 422, 'validation');
      assert.deepEqual(fieldCodes(p), [want], JSON.stringify(body));
    }
    const okLong = await admin.api('POST', '/recommenders', society({ name: '会'.repeat(100), username: 'y'.repeat(32) }));
    assert.equal(okLong.status, 201, '100 characters and a 32-character username are fine');
    passwords.push((await okLong.json()).initial_password);
  });

  test('422 region enum for a name that is not one of the 32; nothing is created', async () => {
    for (const region of ['北京', '台湾省', 'Beijing', '110000']) {
      const p = await expectProblem(await admin.api('POST', '/recommenders',
        { name: '某省科协', kind: 'provincial_cast', region, username: 'someprov' }), 422, 'validation');
      assert.deepEqual(fieldCodes(p), [['region', 'enum']], region);
    }
    assert.equal(await db.psql(`SELECT count(*) FROM users WHERE username = 'someprov'`), '0');
    const { recommender } = await create({ name: '某省科协', kind: 'provincial_cast', region: '广西壮族自治区', username: 'someprov' });
    assert.equal(recommender.region, '广西壮族自治区');
  });

  test('409 conflict: username taken (any case, the admin\'s too) or name taken; nothing half-made', async () => {
    await create(society({ name: '中国化学会', username: 'ccs' }));
    const users = await db.psql('SELECT count(*) FROM users');
    for (const username of ['ccs', 'CCS', 'admin', 'appl']) {
      const p = await expectProblem(await admin.api('POST', '/recommenders', society({ username })), 409, 'conflict');
      assert.deepEqual(fieldCodes(p), [['username', 'taken']], username);
    }
    let p = await expectProblem(await admin.api('POST', '/recommenders', society({ name: '中国化学会', username: 'ccs2' })),
      409, 'conflict');
    assert.deepEqual(fieldCodes(p), [['name', 'taken']]);
    p = await expectProblem(await admin.api('POST', '/recommenders',
      { name: '中国化学会', kind: 'outline_office', username: 'ccs3' }), 409, 'conflict');
    assert.deepEqual(fieldCodes(p), [['name', 'taken']], 'the name is unique across kinds');
    assert.equal(await db.psql('SELECT count(*) FROM users'), users, 'no orphan login from a refused name');
    const { recommender } = await create(society({ username: 'ccs2' }));
    assert.equal(recommender.username, 'ccs2', 'the username of a refused create stays free');
  });

  test('only the admin creates: 403 recommender, applicant, expert; 401 anonymous; 415/400 bodies', async () => {
    const rec = await makeRecommender(k.url, admin);
    for (const s of [rec.session, applicant, expert]) {
      await expectProblem(await s.api('POST', '/recommenders', society()), 403, 'forbidden');
    }
    await expectProblem(await anon('POST', '/recommenders', society()), 401, 'unauthenticated');
    const post = (body, type) => fetch(`${k.url}/api/v1/recommenders`, {
      method: 'POST', headers: { authorization: `Bearer ${admin.token}`, 'content-type': type }, body,
    });
    await expectProblem(await post(JSON.stringify(society()), 'text/csv'), 415, 'unsupported_media_type');
    await expectProblem(await post('{"name":', 'application/json'), 400, 'bad_json');
    await expectProblem(await admin.api('POST', '/recommenders', society(), { auth: 'cookie-no-csrf' }), 403, 'csrf');
  });
});

describe('GET /recommenders and /recommenders/{id}', () => {
  let list;   // a set of our own with known names, kinds and regions
  before(async () => {
    list = [];
    for (const [name, kind, region] of [
      ['列表·北京市科学技术协会', 'provincial_cast', '北京市'],
      ['列表·上海市科学技术协会', 'provincial_cast', '上海市'],
      ['列表·中国天文学会', 'national_society', undefined],
      ['列表·中国地质学会', 'national_society', undefined],
      ['列表·教育部', 'outline_office', undefined],
    ]) {
      const body = { name, kind, username: `list${list.length}` };
      if (region) body.region = region;
      list.push((await create(body)).recommender);
    }
  });

  const ids = async (s, query) => {
    const res = await s.api('GET', `/recommenders?limit=200&${query}`);
    assert.equal(res.status, 200, await res.clone().text());
    const body = await res.json();
    assert.equal(body.next_cursor, null);
    return body.items.map((r) => r.id);
  };

  test('the admin lists every recommender by id; walking pages of 2 gives each once', async () => {
    const all = await (await admin.api('GET', '/recommenders?limit=200')).json();
    const allIds = all.items.map((r) => r.id);
    assert.deepEqual(allIds, [...allIds].sort((a, b) => a - b));
    assert.equal(String(allIds.length), await db.psql('SELECT count(*) FROM recommenders'));
    for (const r of list) assert.deepEqual(all.items.find((x) => x.id === r.id), r);
    const walked = [];
    let cursor = null;
    do {
      const page = await (await admin.api('GET', `/recommenders?limit=2${cursor ? `&cursor=${cursor}` : ''}`)).json();
      assert.ok(page.items.length <= 2);
      walked.push(...page.items.map((r) => r.id));
      cursor = page.next_cursor;
    } while (cursor);
    assert.deepEqual(walked, allIds);
  });

  test('filters: kind, region, q (Chinese substring), combined', async () => {
    const [bj, sh, astro, geo, moe] = list.map((r) => r.id);
    assert.deepEqual(await ids(admin, `q=${encodeURIComponent('列表·')}&kind=provincial_cast`), [bj, sh]);
    assert.deepEqual(await ids(admin, `q=${encodeURIComponent('列表·')}&kind=national_society`), [astro, geo]);
    assert.deepEqual(await ids(admin, `q=${encodeURIComponent('列表·')}&kind=outline_office`), [moe]);
    assert.deepEqual(await ids(admin, `region=${encodeURIComponent('上海市')}`), [sh]);
    assert.deepEqual(await ids(admin, `q=${encodeURIComponent('学会')}&kind=national_society`)
      .then((x) => x.filter((id) => [astro, geo].includes(id))), [astro, geo]);
    assert.deepEqual(await ids(admin, `q=${encodeURIComponent('天文')}`), [astro]);
    assert.deepEqual(await ids(admin, `q=${encodeURIComponent('天文')}&kind=outline_office`), []);
    assert.deepEqual(await ids(admin, `region=${encodeURIComponent('西藏自治区')}`), []);
    assert.deepEqual(await ids(admin, 'q=%25'), [], 'q is a plain substring, not a LIKE pattern');
    const all = (await (await admin.api('GET', '/recommenders?kind=provincial_cast&limit=200')).json()).items;
    assert.ok(all.every((r) => r.kind === 'provincial_cast' && r.region));
  });

  test('422 for a bad kind, limit or cursor', async () => {
    for (const [query, field] of [['kind=ministry', 'kind'], ['limit=0', 'limit'], ['limit=201', 'limit'],
      ['limit=x', 'limit'], ['cursor=!!', 'cursor'], ['cursor=WyJhIl0', 'cursor']]) {
      const p = await expectProblem(await admin.api('GET', `/recommenders?${query}`), 422, 'validation');
      assert.deepEqual(p.errors.map((e) => e.field), [field], query);
    }
  });

  test('a recommender lists and reads only itself; other ids are 404', async () => {
    const me = await makeRecommender(k.url, admin, { name: '只看自己的学会' });
    assert.deepEqual(await ids(me.session, ''), [me.id]);
    assert.deepEqual(await ids(me.session, 'kind=national_society'), [me.id]);
    assert.deepEqual(await ids(me.session, 'kind=outline_office'), []);
    assert.deepEqual(await ids(me.session, `q=${encodeURIComponent('列表·')}`), []);
    const own = await me.session.api('GET', `/recommenders/${me.id}`);
    assert.equal(own.status, 200);
    assert.deepEqual(await own.json(), me.recommender);
    for (const r of list) await expectProblem(await me.session.api('GET', `/recommenders/${r.id}`), 404, 'not_found');
  });

  test('404 for unknown and malformed ids', async () => {
    for (const id of ['999999', '0', 'abc', '1.5']) {
      await expectProblem(await admin.api('GET', `/recommenders/${id}`), 404, 'not_found');
    }
  });

  test('applicants and experts 403, anonymous 401', async () => {
    for (const s of [applicant, expert]) {
      await expectProblem(await s.api('GET', '/recommenders'), 403, 'forbidden');
      await expectProblem(await s.api('GET', `/recommenders/${list[0].id}`), 403, 'forbidden');
    }
    await expectProblem(await anon('GET', '/recommenders'), 401, 'unauthenticated');
    await expectProblem(await anon('GET', `/recommenders/${list[0].id}`), 401, 'unauthenticated');
  });
});

describe('password reset, disable, enable', () => {
  test('password reset: a new initial password; the old one fails, sessions end, must change again', async () => {
    const rec = await makeRecommender(k.url, admin);
    const other = await signIn(k.url, rec.username, rec.password);
    const res = await admin.api('POST', `/recommenders/${rec.id}/password-reset`);
    assert.equal(res.status, 200);
    const body = await res.json();
    passwords.push(body.initial_password);
    assert.deepEqual(Object.keys(body).sort(), ['initial_password', 'recommender']);
    assert.deepEqual(body.recommender, rec.recommender);
    assert.match(body.initial_password, /^[2-9a-km-np-zA-HJ-NP-Z]{16}$/);
    for (const s of [rec.session, other]) {
      await expectProblem(await s.api('GET', '/session'), 401, 'unauthenticated');
    }
    const old = await login(k.url, rec.username, rec.password);
    assert.equal(old.res.status, 401);
    assert.equal(old.body.code, 'invalid_credentials');
    const fresh = await login(k.url, rec.username, body.initial_password);
    assert.equal(fresh.res.status, 201);
    assert.equal(fresh.body.user.must_change_password, true);
    const s = await signIn(k.url, rec.username, body.initial_password);
    await expectProblem(await s.api('GET', `/recommenders/${rec.id}`), 403, 'password_change_required');
    await clearThrottle();
  });

  test('disable: the account\'s sessions end and it cannot log in; enable lets it in again', async () => {
    const rec = await makeRecommender(k.url, admin, { name: '停用测试学会' });
    const res = await admin.api('POST', `/recommenders/${rec.id}/disable`);
    assert.equal(res.status, 200);
    const body = await res.json();
    assert.deepEqual(body, { ...rec.recommender, disabled: true });
    await expectProblem(await rec.session.api('GET', '/session'), 401, 'unauthenticated');
    const denied = await login(k.url, rec.username, rec.password);
    assert.equal(denied.res.status, 401);
    assert.equal(denied.body.code, 'invalid_credentials');
    assert.equal((await (await admin.api('GET', `/recommenders/${rec.id}`)).json()).disabled, true);
    const listed = (await (await admin.api('GET', `/recommenders?q=${encodeURIComponent('停用测试')}`)).json()).items;
    assert.deepEqual(listed.map((r) => [r.id, r.disabled]), [[rec.id, true]]);

    const again = await admin.api('POST', `/recommenders/${rec.id}/disable`);
    assert.equal(again.status, 200, 'disabling twice is fine');

    const en = await admin.api('POST', `/recommenders/${rec.id}/enable`);
    assert.equal(en.status, 200);
    assert.deepEqual(await en.json(), rec.recommender);
    const back = await signIn(k.url, rec.username, rec.password);
    assert.equal(back.user.must_change_password, false, 'enable keeps the password');
    assert.equal((await back.api('GET', `/recommenders/${rec.id}`)).status, 200);
    assert.equal((await admin.api('POST', `/recommenders/${rec.id}/enable`)).status, 200, 'enabling twice is fine');
    await clearThrottle();
  });

  test('404 for unknown ids; only the admin: 403 for the other roles, 401 anonymous', async () => {
    const rec = await makeRecommender(k.url, admin);
    for (const action of ['password-reset', 'disable', 'enable']) {
      await expectProblem(await admin.api('POST', `/recommenders/999999/${action}`), 404, 'not_found');
      await expectProblem(await admin.api('POST', `/recommenders/x/${action}`), 404, 'not_found');
      for (const s of [rec.session, applicant, expert]) {
        await expectProblem(await s.api('POST', `/recommenders/${rec.id}/${action}`), 403, 'forbidden');
      }
      await expectProblem(await anon('POST', `/recommenders/${rec.id}/${action}`), 401, 'unauthenticated');
      const get = await admin.api('GET', `/recommenders/${rec.id}/${action}`);
      await expectProblem(get, 405, 'method_not_allowed');
      assert.equal(get.headers.get('allow'), 'POST');
    }
    // none of them did anything
    assert.equal((await rec.session.api('GET', `/recommenders/${rec.id}`)).status, 200);
    assert.equal((await (await admin.api('GET', `/recommenders/${rec.id}`)).json()).disabled, false);
  });

  test('405 for other methods on the collection and an item', async () => {
    const del = await admin.api('DELETE', '/recommenders/1');
    await expectProblem(del, 405, 'method_not_allowed');
    assert.match(del.headers.get('allow'), /GET/);
    await expectProblem(await admin.api('PUT', '/recommenders', {}), 405, 'method_not_allowed');
  });
});

describe('audit', () => {
  test('created, password_reset, disabled and enabled rows, by the admin, on the recommender', async () => {
    const { recommender, initial_password: pw } = await create(society({ name: '审计学会', username: 'audited' }));
    const reset = await (await admin.api('POST', `/recommenders/${recommender.id}/password-reset`)).json();
    passwords.push(reset.initial_password);
    await admin.api('POST', `/recommenders/${recommender.id}/disable`);
    await admin.api('POST', `/recommenders/${recommender.id}/enable`);
    const created = await auditRows('recommender.created', recommender.id);
    assert.equal(created.length, 1);
    assert.deepEqual(created[0].data, recommender);
    assert.equal(created[0].actor_id, admin.user.id);
    assert.equal(created[0].actor_role, 'admin');
    for (const action of ['recommender.password_reset', 'recommender.disabled', 'recommender.enabled']) {
      const rows = await auditRows(action, recommender.id);
      assert.equal(rows.length, 1, action);
      assert.equal(rows[0].entity, 'recommender');
      assert.equal(String(rows[0].entity_id), String(recommender.id));
    }
    assert.ok(pw.length === 16);
  });

  test('no initial password appears anywhere in the audit log or the notifications', async () => {
    assert.ok(passwords.length >= 10);
    const text = await db.psql(`SELECT string_agg(data::text, ' ') FROM audit_log`);
    const notes = await db.psql(`SELECT coalesce(string_agg(title || coalesce(body, '') || coalesce(data::text, ''), ' '), '') FROM notifications`);
    for (const pw of passwords) {
      assert.ok(!text.includes(pw), 'an initial password in the audit log');
      assert.ok(!notes.includes(pw), 'an initial password in a notification');
    }
    assert.doesNotMatch(text, /initial_password|password_hash/);
    assert.doesNotMatch(text, new RegExp(NEW_PASSWORD));
  });
});
