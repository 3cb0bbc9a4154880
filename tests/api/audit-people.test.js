// The audit log for people (issue 13 item 6): who acted by name and
// organisation, Chinese names of actions and objects, filters by object
// type and by a time range (RFC 3339, or dates in Beijing time), and the
// CSV export — the admin's alone.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { createDatabase, startKpjdd } from '../lib/kpjdd.js';
import { anonymous, expectProblem } from '../lib/http.js';
import { createAdmin, signIn } from '../lib/accounts.js';
import { NEW_PASSWORD, makeApplication, makeBatch, makeRecommender } from '../lib/fixtures.js';

let db, k, admin, rec, unit, expert;
before(async () => {
  db = await createDatabase();
  k = await startKpjdd({ db, migrate: true });
  createAdmin(db);
  admin = await signIn(k.url, 'admin');
  const batch = await makeBatch(admin, { status: 'open' });
  rec = await makeRecommender(k.url, admin, { name: '中国天文学会' });
  const reg = await makeApplication(k.url, rec.session, batch.id, { unit: { name: '北京天文馆某分馆' } });
  unit = await signIn(k.url, reg.username, reg.password);
  const made = await json(await admin.api('POST', '/experts',
    { name: '王专家', username: 'expert1', organization: '中国科学院国家天文台', field: '天文学' }), 201);
  const first = await signIn(k.url, 'expert1', made.initial_password);
  await first.api('PUT', '/session/password', { current_password: made.initial_password, new_password: NEW_PASSWORD });
  expert = await signIn(k.url, 'expert1', NEW_PASSWORD);
  await anonymous(k.url)('POST', '/session', { username: 'nobody', password: 'wrong password' });
});
after(async () => {
  await k?.stop();
  await db?.drop();
});

async function json(res, status = 200) {
  const text = await res.text();
  assert.equal(res.status, status, `status (body: ${text})`);
  return JSON.parse(text);
}
const list = async (q) => (await json(await admin.api('GET', `/audit?limit=200&${q}`))).items;
const fields = (p) => p.errors.map((e) => [e.field, e.code]);

// Beijing's calendar date of an instant, and the day `days` after it.
function beijingDate(iso, days = 0) {
  return new Date(Date.parse(iso) + 8 * 3600e3 + days * 86400e3).toISOString().slice(0, 10);
}

test('every row names its actor and organisation, and its action and object in Chinese', async () => {
  const logins = await list('action=session.login');
  const by = (id) => logins.find((r) => r.actor_id === id);
  const me = async (s) => (await json(await s.api('GET', '/session'))).user.id;
  assert.deepEqual(
    [await me(admin), await me(rec.session), await me(unit), await me(expert)].map((id) => {
      const r = by(id);
      return [r.actor_name, r.actor_org, r.action_label, r.entity_label];
    }),
    [['系统管理员', '平台管理员', '登录', '会话'],
      [rec.recommender.name, '中国天文学会', '登录', '会话'],
      [by(logins.find((r) => r.actor_role === 'applicant').actor_id).actor_name, '北京天文馆某分馆', '登录', '会话'],
      ['王专家', '中国科学院国家天文台', '登录', '会话']]);
  const failed = (await list('action=session.login_failed'))[0];
  assert.equal(failed.actor_id, null);
  assert.equal(failed.actor_name, null);
  assert.equal(failed.actor_org, null);
  assert.equal(failed.action_label, '登录失败');
  const created = (await list('action=recommender.created'))[0];
  assert.equal(created.action_label, '创建推荐单位');
  assert.equal(created.entity_label, '推荐单位');
});

test('/audit/labels gives the tables the pickers show', async () => {
  const labels = await json(await admin.api('GET', '/audit/labels'));
  const actions = new Map(labels.actions.map((a) => [a.code, a.label]));
  assert.equal(actions.get('application.recommended'), '推荐');
  assert.equal(actions.get('session.login_failed'), '登录失败');
  assert.equal(new Set(labels.actions.map((a) => a.label)).size, labels.actions.length, 'labels are distinct');
  assert.equal(new Map(labels.entities.map((e) => [e.code, e.label])).get('application'), '申报');
});

test('filters: object type alone, object number with its type, actor', async () => {
  const sessions = await list('entity=session');
  assert.ok(sessions.length >= 4);
  assert.ok(sessions.every((r) => r.entity === 'session'));
  const recRows = await list(`entity=recommender&entity_id=${rec.id}`);
  assert.deepEqual(recRows.map((r) => r.action), ['recommender.created']);
  const uid = (await json(await rec.session.api('GET', '/session'))).user.id;
  const mine = await list(`actor_id=${uid}`);
  assert.ok(mine.length >= 3 && mine.every((r) => r.actor_id === uid && r.actor_org === '中国天文学会'));
  // an object number alone (API.md lists it on its own): that number's rows of every type
  const byNumber = await list(`entity_id=${rec.id}`);
  assert.ok(byNumber.some((r) => r.entity === 'recommender' && r.action === 'recommender.created'));
  assert.ok(byNumber.every((r) => r.entity_id === String(rec.id)));
});

test('a time range: instants from inclusive and to exclusive, dates are Beijing days', async () => {
  const all = await list('');
  const row = all[Math.floor(all.length / 2)];
  const at = encodeURIComponent(row.at);
  assert.ok((await list(`from=${at}`)).some((r) => r.id === row.id), 'from includes its instant');
  assert.ok(!(await list(`to=${at}`)).some((r) => r.id === row.id), 'to excludes its instant');
  assert.ok((await list(`from=${at}&to=${encodeURIComponent(new Date(Date.parse(row.at) + 1).toISOString())}`))
    .some((r) => r.id === row.id));
  // The same instant written at +08:00.
  const local = new Date(Date.parse(row.at) + 8 * 3600e3).toISOString().replace('Z', '+08:00');
  assert.deepEqual((await list(`from=${encodeURIComponent(local)}`)).map((r) => r.id),
    (await list(`from=${at}`)).map((r) => r.id));

  const day = beijingDate(row.at);
  assert.ok((await list(`from=${day}&to=${day}`)).some((r) => r.id === row.id), 'the whole Beijing day');
  assert.deepEqual(await list(`to=${beijingDate(row.at, -1)}`), []);
  assert.deepEqual(await list(`from=${beijingDate(row.at, 1)}`), []);
  assert.deepEqual(await list('from=1999-12-31&to=1999-12-31'), []);
  assert.equal((await list('from=2000-01-01')).length, all.length);
  // The Beijing day starts at 16:00Z the day before.
  assert.deepEqual((await list(`from=${day}`)).map((r) => r.id),
    (await list(`from=${beijingDate(row.at, -1)}T16:00:00Z`)).map((r) => r.id));

  // With other filters and paging.
  const logins = await list(`action=session.login&from=${day}&to=${day}`);
  const seen = [];
  let cursor = null;
  do {
    const body = await json(await admin.api('GET',
      `/audit?action=session.login&from=${day}&to=${day}&limit=2${cursor ? `&cursor=${cursor}` : ''}`));
    seen.push(...body.items.map((r) => r.id));
    cursor = body.next_cursor;
  } while (cursor);
  assert.deepEqual(seen, logins.map((r) => r.id));
  assert.ok(seen.length >= 4);
});

test('bad bounds: 422 naming each bad one', async () => {
  const bad = ['2026-13-01', '2026-02-30', 'yesterday', '2026-12-07T25:00:00Z', '2026-12-07T08:00:00',
    '2026-12-07T08:00:00+15:00', '2026-12-07 08:00:00Z', '1899-12-31', '１２', `2026-12-07T08:00:00.${'1'.repeat(40)}Z`];
  for (const v of bad) {
    for (const f of ['from', 'to']) {
      const p = await expectProblem(await admin.api('GET', `/audit?${f}=${encodeURIComponent(v)}`), 422, 'validation');
      assert.deepEqual(fields(p), [[f, 'format']], `${f}=${v}`);
      const c = await expectProblem(await admin.api('GET', `/audit.csv?${f}=${encodeURIComponent(v)}`), 422, 'validation');
      assert.deepEqual(fields(c), [[f, 'format']], `csv ${f}=${v}`);
    }
  }
  let p = await expectProblem(await admin.api('GET', '/audit?from=x&to=y'), 422, 'validation');
  assert.deepEqual(fields(p), [['from', 'format'], ['to', 'format']]);
  p = await expectProblem(await admin.api('GET', '/audit?from=2026-12-08&to=2026-12-07'), 422, 'validation');
  assert.deepEqual(fields(p), [['to', 'order']]);
  p = await expectProblem(await admin.api('GET', '/audit?from=2026-12-07T08:00:00Z&to=2026-12-07T16:00:00%2B08:00'), 422, 'validation');
  assert.deepEqual(fields(p), [['to', 'order']]);
  await json(await admin.api('GET', '/audit?from=2026-12-07T08:00:00Z&to=2026-12-07T16:00:00.000001%2B08:00'));
  // The calendar's ends: PostgreSQL takes them (no 5xx).
  assert.deepEqual(await list('from=9999-12-31&to=9999-12-31'), []);
  assert.deepEqual(await list('from=9999-12-31T23:59:59.999999-14:00'), []);
  assert.equal((await list('from=1900-01-01T00:00:00%2B14:00&to=9999-12-31')).length, (await list('')).length);
  const edge = await admin.api('GET', '/audit.csv?from=9999-12-31&to=9999-12-31');
  assert.equal(edge.status, 200);
  assert.equal((await edge.text()).split('\r\n').length, 2);   // the header and the end
});

// fetch's text() has dropped the BOM already.
function parseCsv(text) {
  assert.notEqual(text[0], '\ufeff');
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
  assert.equal(cell + row.join(''), '', 'the CSV ends with CRLF');
  return rows;
}

test('audit.csv: the same rows as the list, with names, Chinese labels and Beijing time', async () => {
  const res = await admin.api('GET', '/audit.csv?action=session.login');
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'text/csv; charset=utf-8');
  const today = beijingDate(new Date().toISOString());
  assert.equal(res.headers.get('content-disposition'),
    `attachment; filename*=UTF-8''${encodeURIComponent('审计日志')}-${today.replaceAll('-', '')}.csv`);
  const bytes = Buffer.from(await res.arrayBuffer());
  assert.deepEqual([...bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf]);
  const [head, ...rows] = parseCsv(bytes.subarray(3).toString('utf8'));
  assert.deepEqual(head, ['编号', '时间（北京时间）', '操作', '操作代码', '操作人', '所属单位', '角色', '账号编号',
    '对象类型', '对象编号', '详情', '请求号', 'IP']);
  const items = await list('action=session.login');
  assert.deepEqual(rows.map((r) => Number(r[0])), items.map((r) => r.id));
  const it = items.find((r) => r.actor_org === '中国天文学会');
  const r = rows.find((x) => Number(x[0]) === it.id);
  const bj = new Date(Date.parse(it.at) + 8 * 3600e3).toISOString().slice(0, 19).replace('T', ' ');
  assert.deepEqual(r, [String(it.id), bj, '登录', 'session.login', it.actor_name, '中国天文学会', '推荐单位',
    String(it.actor_id), '会话', it.entity_id ?? '', JSON.stringify(it.data), it.request_id ?? '', it.ip ?? '']);

  // Every row, with data holding quotes and commas, and the failed login's empty actor.
  const whole = parseCsv(await (await admin.api('GET', '/audit.csv')).text());
  assert.deepEqual(whole.slice(1).map((x) => Number(x[0])), (await list('')).map((x) => x.id));
  assert.ok(whole.some((x) => x[2] === '登录失败' && x[4] === '' && x[5] === '' && x[6] === '未登录用户'));
});

test('only the admin: every other role refused, no one anonymous', async () => {
  for (const path of ['/audit', '/audit.csv', '/audit/labels', '/audit.csv?from=bad']) {
    for (const s of [rec.session, unit, expert]) await expectProblem(await s.api('GET', path), 403, 'forbidden');
    await expectProblem(await anonymous(k.url)('GET', path), 401, 'unauthenticated');
  }
});

// Last: the rows it adds (outside the chain, as a superuser with the chain's
// trigger off) would confuse the tests above.
test('audit.csv streams block after block (2,000 rows each), in order, no row twice', async () => {
  await db.psql(`ALTER TABLE audit_log DISABLE TRIGGER audit_log_advance_head;
    INSERT INTO audit_log (id, at, actor_id, actor_role, action, entity, entity_id, data, prev_hash, hash)
    SELECT 1000000 + i, now(), NULL, 'system', 'session.logout', 'session', i::text, '{"n": "a, b"}', '', ''
      FROM generate_series(1, 4500) i;
    ALTER TABLE audit_log ENABLE TRIGGER audit_log_advance_head`);
  const text = await (await admin.api('GET', '/audit.csv?entity=session&action=session.logout')).text();
  const rows = parseCsv(text).slice(1);
  assert.deepEqual(rows.map((r) => Number(r[0])), Array.from({ length: 4500 }, (_, i) => 1004500 - i));
  assert.deepEqual(rows[0].slice(2, 4), ['退出登录', 'session.logout']);
  assert.equal(rows[0][10], '{"n": "a, b"}');
});
