// The expert committee (认定专家) and conflicts of interest: the admin
// creates experts, each a login of role expert with a one-time initial
// password to change at first login; lists, reads, changes, disables and
// enables them; declares conflicts; and lists a batch's conflicts, the
// automatic ones (credit code, organisation, recommender) with the declared
// ones, paged by keyset.  Every change audited, without passwords.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { createDatabase, startKpjdd } from '../lib/kpjdd.js';
import { expectProblem, anonymous } from '../lib/http.js';
import { createAdmin, login, signIn } from '../lib/accounts.js';
import { NEW_PASSWORD, creditCode, makeApplication, makeBatch, makeRecommender } from '../lib/fixtures.js';

let db, k, admin, rec, recB, applicant;
const passwords = [];   // every initial password handed out: none may reach the audit log
before(async () => {
  db = await createDatabase();
  k = await startKpjdd({ db, migrate: true, env: { KPJD_INVITATIONS_LOOKUP_LIMIT: '10000' } });
  createAdmin(db);
  admin = await signIn(k.url, 'admin');
  [rec, recB] = await Promise.all([
    makeRecommender(k.url, admin, { name: '中国天文学会' }),
    makeRecommender(k.url, admin, { name: '湖北省科学技术协会', kind: 'provincial_cast', region: '湖北省' }),
  ]);
  const batch = await makeBatch(admin, { status: 'open' });
  const reg = await makeApplication(k.url, rec.session, batch.id);
  applicant = await signIn(k.url, reg.username, reg.password);
});
after(async () => {
  await k?.stop();
  await db?.drop();
});

const anon = (method, path, body) => anonymous(k.url)(method, path, body);
const fields = (p) => p.errors.map((e) => [e.field, e.code]);
const clearThrottle = () => db.psql('DELETE FROM login_throttle');

async function json(res, status = 200) {
  const text = await res.text();
  assert.equal(res.status, status, `status (body: ${text})`);
  return JSON.parse(text);
}

let n = 0;
const expertBody = (over = {}) => ({
  name: `专家${++n}`, username: `expert${n}`, organization: `中国科学院某研究所${n}`, field: '天文学', ...over,
});
async function create(body = expertBody()) {
  const out = await json(await admin.api('POST', '/experts', body), 201);
  passwords.push(out.initial_password);
  return out;
}
// An expert signed in with its password changed: { expert, username, session }.
async function signedIn(over) {
  const body = expertBody(over);
  const { expert, initial_password: pw } = await create(body);
  const first = await signIn(k.url, body.username, pw);
  assert.equal((await first.api('PUT', '/session/password', { current_password: pw, new_password: NEW_PASSWORD })).status, 200);
  return { expert, username: body.username, session: await signIn(k.url, body.username, NEW_PASSWORD) };
}
// A request with a body sent as it is (not through JSON.stringify).
const rawBody = (method, path, text) => fetch(`${k.url}/api/v1${path}`, {
  method, headers: { authorization: `Bearer ${admin.token}`, 'content-type': 'application/json' }, body: text,
});
async function auditRows(action, id) {
  const { items } = await json(await admin.api('GET', `/audit?action=${action}&entity=expert&entity_id=${id}&limit=200`));
  return items;
}

const KEYS = ['disabled', 'email', 'field', 'id', 'name', 'organization', 'organization_credit_code', 'recommender_id',
  'region', 'username'];

describe('POST /experts', () => {
  test('201: the expert with every field, and a 16-character initial password; a login of role expert', async () => {
    const code = creditCode();
    const typed = `${code.slice(0, 9).toLowerCase()} ${code.slice(9)}`;   // as people type it
    const res = await admin.api('POST', '/experts', {
      name: '李明', username: 'liming', organization: '中国科学技术馆', organization_credit_code: typed,
      recommender_id: rec.id, field: '科技馆展教', region: '北京市', email: 'liming@cstm.example.cn',
    });
    const body = await json(res, 201);
    passwords.push(body.initial_password);
    assert.deepEqual(Object.keys(body).sort(), ['expert', 'initial_password']);
    const e = body.expert;
    assert.deepEqual(Object.keys(e).sort(), KEYS);
    assert.equal(typeof e.id, 'number');
    assert.deepEqual({ ...e, id: 0 }, {
      id: 0, name: '李明', username: 'liming', organization: '中国科学技术馆', organization_credit_code: code,
      recommender_id: rec.id, field: '科技馆展教', region: '北京市', disabled: false, email: 'liming@cstm.example.cn',
    });
    assert.match(body.initial_password, /^[2-9a-km-np-zA-HJ-NP-Z]{16}$/);
    assert.deepEqual(await json(await admin.api('GET', `/experts/${e.id}`)), e);
    const row = await db.psql(`SELECT role || '|' || org_id || '|' || display_name || '|' || must_change_password
                                 || '|' || (password_hash LIKE '$argon2id$%') FROM users WHERE username = 'liming'`);
    assert.equal(row, `expert|${e.id}|李明|true|true`);
    const stored = await db.psql(`SELECT password_hash FROM users WHERE username = 'liming'`);
    assert.ok(!stored.includes(body.initial_password));
  });

  test('the optional fields may be left out: null', async () => {
    const { expert } = await create(expertBody({ name: '王芳', username: 'wangfang' }));
    assert.deepEqual([expert.organization_credit_code, expert.recommender_id, expert.region, expert.disabled, expert.email],
      [null, null, null, false, null]);
  });

  test('each initial password is new', async () => {
    const [a, b] = [await create(), await create()];
    assert.notEqual(a.initial_password, b.initial_password);
  });

  test('the expert must change its password at first login; until then everything else is 403', async () => {
    const body = expertBody();
    const { expert, initial_password: pw } = await create(body);
    const { res, body: session } = await login(k.url, body.username, pw);
    assert.equal(res.status, 201);
    assert.equal(session.user.role, 'expert');
    assert.equal(session.user.must_change_password, true);
    assert.equal(session.user.org_id, expert.id);
    assert.equal(session.user.display_name, expert.name);
    const s = await signIn(k.url, body.username, pw);
    for (const path of ['/batches', '/experts', `/experts/${expert.id}`, '/notifications', '/applications']) {
      await expectProblem(await s.api('GET', path), 403, 'password_change_required');
    }
    assert.equal((await s.api('GET', '/session')).status, 200);
    assert.equal((await s.api('PUT', '/session/password', { current_password: pw, new_password: NEW_PASSWORD })).status, 200);
    const again = await signIn(k.url, body.username, NEW_PASSWORD);
    assert.equal(again.user.must_change_password, false);
    assert.equal((await again.api('GET', '/batches')).status, 200);
    // an expert manages no experts
    await expectProblem(await again.api('GET', '/experts'), 403, 'forbidden');
  });

  test('422: required fields, types, lengths, unknown fields', async () => {
    let p = await expectProblem(await admin.api('POST', '/experts', {}), 422, 'validation');
    assert.deepEqual(fields(p).sort(), [['field', 'required'], ['name', 'required'], ['organization', 'required'],
      ['username', 'required']]);
    const cases = [
      [{ name: '' }, ['name', 'too_short']],
      [{ name: '  ' }, ['name', 'too_short']],
      [{ name: '名'.repeat(51) }, ['name', 'too_long']],
      [{ name: 5 }, ['name', 'type']],
      [{ organization: '' }, ['organization', 'too_short']],
      [{ organization: '所'.repeat(101) }, ['organization', 'too_long']],
      [{ organization: null }, ['organization', 'type']],
      [{ field: '领'.repeat(101) }, ['field', 'too_long']],
      [{ field: ['天文'] }, ['field', 'type']],
      [{ username: 12345 }, ['username', 'type']],
      [{ organization_credit_code: null }, ['organization_credit_code', 'type']],
      [{ organization_credit_code: 91110000 }, ['organization_credit_code', 'type']],
      [{ recommender_id: '1' }, ['recommender_id', 'type']],
      [{ recommender_id: 1.5 }, ['recommender_id', 'type']],
      [{ recommender_id: 1e30 }, ['recommender_id', 'type']],
      [{ recommender_id: 0 }, ['recommender_id', 'range']],
      [{ recommender_id: -3 }, ['recommender_id', 'range']],
      [{ recommender_id: null }, ['recommender_id', 'type']],
      [{ region: 110000 }, ['region', 'type']],
      [{ password: 'chosen by me' }, ['password', 'unknown']],
      [{ disabled: true }, ['disabled', 'unknown']],
      [{ role: 'admin' }, ['role', 'unknown']],
    ];
    for (const [over, want] of cases) {
      p = await expectProblem(await admin.api('POST', '/experts', expertBody(over)), 422, 'validation');
      assert.deepEqual(fields(p), [want], JSON.stringify(over));
    }
    const ok = await create(expertBody({ name: '名'.repeat(50), organization: '所'.repeat(100), field: '领'.repeat(100),
      username: 'z'.repeat(32) }));
    assert.equal(ok.expert.name.length, 50, '50, 100 and 100 characters and a 32-character username are fine');
  });

  test('422: a username that is not one, a credit code that is not one', async () => {
    const good = creditCode();
    const badCheck = good.slice(0, 17) + (good[17] === '0' ? '1' : '0');
    const cases = [
      [{ username: 'ab' }, [['username', 'invalid']]],
      [{ username: '_abc' }, [['username', 'invalid']]],
      [{ username: '专家' }, [['username', 'invalid']]],
      [{ username: 'adm\u0130n' }, [['username', 'invalid']]],
      [{ organization_credit_code: badCheck }, [['organization_credit_code', 'check']]],
      [{ organization_credit_code: `${good.slice(0, 17)}I` }, [['organization_credit_code', 'charset']]],
      [{ organization_credit_code: good.slice(0, 17) }, [['organization_credit_code', 'length']]],
      [{ organization_credit_code: `${good}0` }, [['organization_credit_code', 'length']]],
      [{ organization_credit_code: ' ' }, [['organization_credit_code', 'too_short']]],
      [{ username: '!', organization_credit_code: badCheck }, [['username', 'invalid'], ['organization_credit_code', 'check']]],
    ];
    for (const [over, want] of cases) {
      const p = await expectProblem(await admin.api('POST', '/experts', expertBody(over)), 422, 'validation');
      assert.deepEqual(fields(p), want, JSON.stringify(over));
    }
  });

  test('422: a recommender or a region that is not one; nothing is created', async () => {
    const users = await db.psql('SELECT count(*) FROM users');
    const cases = [
      [{ recommender_id: 999999 }, [['recommender_id', 'not_found']]],
      [{ region: '北京' }, [['region', 'enum']]],
      [{ region: '台湾省' }, [['region', 'enum']]],
      [{ recommender_id: 999999, region: 'Beijing' }, [['recommender_id', 'not_found'], ['region', 'enum']]],
    ];
    for (const [over, want] of cases) {
      const p = await expectProblem(await admin.api('POST', '/experts', expertBody({ username: 'refused', ...over })),
        422, 'validation');
      assert.deepEqual(fields(p), want, JSON.stringify(over));
    }
    assert.equal(await db.psql('SELECT count(*) FROM users'), users, 'no login made');
    const { expert } = await create(expertBody({ username: 'refused', recommender_id: recB.id, region: '湖北省' }));
    assert.deepEqual([expert.recommender_id, expert.region], [recB.id, '湖北省']);
  });

  test('409 conflict: the username is taken (any case, by any role); nothing half-made', async () => {
    await create(expertBody({ username: 'zhangwei' }));
    const experts = await db.psql('SELECT count(*) FROM experts');
    for (const username of ['zhangwei', 'ZhangWei', 'admin', rec.username]) {
      const p = await expectProblem(await admin.api('POST', '/experts', expertBody({ username })), 409, 'conflict');
      assert.deepEqual(fields(p), [['username', 'taken']], username);
    }
    assert.equal(await db.psql('SELECT count(*) FROM experts'), experts);
  });

  test('only the admin: 403 recommender, applicant, expert; 401 anonymous; 415, 400 bad_json, csrf', async () => {
    const e = await signedIn();
    for (const s of [rec.session, applicant, e.session]) {
      await expectProblem(await s.api('POST', '/experts', expertBody()), 403, 'forbidden');
    }
    await expectProblem(await anon('POST', '/experts', expertBody()), 401, 'unauthenticated');
    const post = (text, type) => fetch(`${k.url}/api/v1/experts`, {
      method: 'POST', headers: { authorization: `Bearer ${admin.token}`, 'content-type': type }, body: text,
    });
    await expectProblem(await post(JSON.stringify(expertBody()), 'text/plain'), 415, 'unsupported_media_type');
    await expectProblem(await post('{"name":', 'application/json'), 400, 'bad_json');
    await expectProblem(await post('[]', 'application/json'), 400, 'bad_json');
    await expectProblem(await admin.api('POST', '/experts', expertBody(), { auth: 'cookie-no-csrf' }), 403, 'csrf');
  });

  test('hostile bodies: duplicate keys 400 bad_json, huge numbers 400 or 422, never a 5xx', async () => {
    const b = expertBody();
    await expectProblem(await rawBody('POST', '/experts',
      `{"name":"甲","name":"乙","username":"dup1","organization":"某所","field":"天文"}`), 400, 'bad_json');
    for (const num of ['9223372036854775808', '-9223372036854775809', '1e400', '123456789012345678901234567890']) {
      const res = await rawBody('POST', '/experts', `{"name":"${b.name}","username":"${b.username}","organization":"某所",`
        + `"field":"天文","recommender_id":${num}}`);
      assert.ok([400, 422].includes(res.status), `${num}: ${res.status} ${await res.text()}`);
    }
    const res = await rawBody('POST', '/experts', `{"name":"x","username":"hugeid","organization":"某所","field":"天文",`
      + '"recommender_id":9223372036854775807}');
    assert.deepEqual(fields(await expectProblem(res, 422, 'validation')), [['recommender_id', 'not_found']]);
    for (const text of ['{"name":{"a":1}}', '{"organization_credit_code":["x"]}', '{"region":true}', `{"${'k'.repeat(5000)}":1}`,
      '{"name":"\\u0000"}']) {
      const r = await rawBody('POST', '/experts', text);
      assert.ok([400, 422].includes(r.status), `${text.slice(0, 40)}: ${r.status}`);
    }
  });
});

describe('GET /experts and /experts/{id}', () => {
  let list;     // our own, with known names, organisations, regions
  before(async () => {
    list = [];
    for (const [name, organization, region] of [
      ['列表·赵一', '北京天文馆', '北京市'],
      ['列表·钱二', '上海科技馆', '上海市'],
      ['列表·孙三', '北京天文馆', undefined],
      ['列表·李四', '中国地质大学（武汉）', '湖北省'],
    ]) {
      const body = expertBody({ name, organization });
      if (region) body.region = region;
      list.push((await create(body)).expert);
    }
  });

  const ids = async (query) => {
    const body = await json(await admin.api('GET', `/experts?limit=200&${query}`));
    assert.equal(body.next_cursor, null);
    return body.items.map((e) => e.id);
  };

  test('every expert by id; walking pages of 2 gives each once', async () => {
    const all = await json(await admin.api('GET', '/experts?limit=200'));
    const allIds = all.items.map((e) => e.id);
    assert.deepEqual(allIds, [...allIds].sort((a, b) => a - b));
    assert.equal(String(allIds.length), await db.psql('SELECT count(*) FROM experts'));
    for (const e of list) assert.deepEqual(all.items.find((x) => x.id === e.id), e);
    const walked = [];
    let cursor = null;
    do {
      const page = await json(await admin.api('GET', `/experts?limit=2${cursor ? `&cursor=${cursor}` : ''}`));
      assert.ok(page.items.length <= 2);
      walked.push(...page.items.map((e) => e.id));
      cursor = page.next_cursor;
    } while (cursor);
    assert.deepEqual(walked, allIds);
  });

  test('q searches the name and the organisation; region and disabled filter', async () => {
    const [zhao, qian, sun, li] = list.map((e) => e.id);
    const q = (s) => `q=${encodeURIComponent(s)}`;
    assert.deepEqual(await ids(q('列表·')), [zhao, qian, sun, li]);
    assert.deepEqual(await ids(q('北京天文馆')), [zhao, sun]);
    assert.deepEqual(await ids(q('天文馆')), [zhao, sun]);
    assert.deepEqual(await ids(q('钱二')), [qian]);
    assert.deepEqual(await ids(`${q('列表·')}&region=${encodeURIComponent('北京市')}`), [zhao]);
    assert.deepEqual(await ids(`region=${encodeURIComponent('湖北省')}&${q('列表')}`), [li]);
    assert.deepEqual(await ids(q('%')), [], 'q is a plain substring, not a LIKE pattern');
    assert.deepEqual(await ids(`${q('列表·')}&disabled=false`), [zhao, qian, sun, li]);
    assert.deepEqual(await ids(`${q('列表·')}&disabled=true`), []);
    await json(await admin.api('POST', `/experts/${sun}/disable`));
    assert.deepEqual(await ids(`${q('列表·')}&disabled=true`), [sun]);
    assert.deepEqual(await ids(`${q('列表·')}&disabled=false`), [zhao, qian, li]);
    await json(await admin.api('POST', `/experts/${sun}/enable`));
  });

  test('422 for a bad disabled, limit or cursor', async () => {
    for (const [query, field] of [['disabled=yes', 'disabled'], ['disabled=1', 'disabled'], ['limit=0', 'limit'],
      ['limit=201', 'limit'], ['cursor=!!', 'cursor'], ['cursor=WyJhIl0', 'cursor']]) {
      const p = await expectProblem(await admin.api('GET', `/experts?${query}`), 422, 'validation');
      assert.deepEqual(p.errors.map((e) => e.field), [field], query);
    }
  });

  test('404 for unknown and malformed ids', async () => {
    for (const id of ['999999', '0', 'abc', '1.5', '-1', '99999999999999999999']) {
      await expectProblem(await admin.api('GET', `/experts/${id}`), 404, 'not_found');
    }
  });

  test('recommenders, applicants and experts 403; anonymous 401', async () => {
    const e = await signedIn();
    for (const s of [rec.session, applicant, e.session]) {
      await expectProblem(await s.api('GET', '/experts'), 403, 'forbidden');
      await expectProblem(await s.api('GET', `/experts/${list[0].id}`), 403, 'forbidden');
    }
    await expectProblem(await anon('GET', '/experts'), 401, 'unauthenticated');
    await expectProblem(await anon('GET', `/experts/${list[0].id}`), 401, 'unauthenticated');
  });
});

describe('PATCH /experts/{id}', () => {
  const patch = (id, body) => admin.api('PATCH', `/experts/${id}`, body);

  test('partial: what is sent changes, the rest stays; the login shows the new name', async () => {
    const { expert } = await create(expertBody({ name: '周五', username: 'zhouwu', region: '北京市' }));
    const code = creditCode();
    const changed = await json(await patch(expert.id, { name: '周武', organization_credit_code: code.toLowerCase() }));
    assert.deepEqual(changed, { ...expert, name: '周武', organization_credit_code: code });
    assert.deepEqual(await json(await admin.api('GET', `/experts/${expert.id}`)), changed);
    assert.equal(await db.psql(`SELECT display_name FROM users WHERE username = 'zhouwu'`), '周武');
    const all = await json(await patch(expert.id, {
      organization: '国家天文台', recommender_id: recB.id, field: '天体物理', region: '湖北省',
    }));
    assert.deepEqual(all, { ...changed, organization: '国家天文台', recommender_id: recB.id, field: '天体物理', region: '湖北省' });
    const rows = await auditRows('expert.updated', expert.id);
    assert.deepEqual(rows.map((r) => r.data).reverse(), [
      { name: '周武', organization_credit_code: code },
      { organization: '国家天文台', recommender_id: recB.id, field: '天体物理', region: '湖北省' },
    ]);
    assert.equal(rows[0].actor_id, admin.user.id);
  });

  test('null clears the optional fields; the required ones cannot be null', async () => {
    const { expert } = await create(expertBody({ organization_credit_code: creditCode(), recommender_id: rec.id, region: '上海市' }));
    const cleared = await json(await patch(expert.id, { organization_credit_code: null, recommender_id: null, region: null }));
    assert.deepEqual(cleared, { ...expert, organization_credit_code: null, recommender_id: null, region: null });
    for (const f of ['name', 'organization', 'field']) {
      const p = await expectProblem(await patch(expert.id, { [f]: null }), 422, 'validation');
      assert.deepEqual(fields(p), [[f, 'type']]);
    }
    assert.deepEqual(await json(await admin.api('GET', `/experts/${expert.id}`)), cleared);
  });

  test('{} changes nothing and is not audited', async () => {
    const { expert } = await create();
    assert.deepEqual(await json(await patch(expert.id, {})), expert);
    assert.deepEqual(await auditRows('expert.updated', expert.id), []);
  });

  test('422 naming the field; nothing changes', async () => {
    const { expert } = await create(expertBody({ region: '北京市' }));
    const cases = [
      [{ username: 'newname' }, [['username', 'unknown']]],
      [{ disabled: true }, [['disabled', 'unknown']]],
      [{ name: '' }, [['name', 'too_short']]],
      [{ field: 3 }, [['field', 'type']]],
      [{ organization_credit_code: '123' }, [['organization_credit_code', 'length']]],
      [{ recommender_id: 0 }, [['recommender_id', 'range']]],
      [{ recommender_id: 'x' }, [['recommender_id', 'type']]],
      [{ recommender_id: 999999 }, [['recommender_id', 'not_found']]],
      [{ region: '火星' }, [['region', 'enum']]],
      [{ name: '改了', region: '火星', recommender_id: 999999 }, [['recommender_id', 'not_found'], ['region', 'enum']]],
    ];
    for (const [body, want] of cases) {
      const p = await expectProblem(await patch(expert.id, body), 422, 'validation');
      assert.deepEqual(fields(p), want, JSON.stringify(body));
    }
    assert.deepEqual(await json(await admin.api('GET', `/experts/${expert.id}`)), expert);
    assert.deepEqual(await auditRows('expert.updated', expert.id), []);
    await expectProblem(await rawBody('PATCH', `/experts/${expert.id}`, '{"name":"a","name":"b"}'), 400, 'bad_json');
    const huge = await rawBody('PATCH', `/experts/${expert.id}`, '{"recommender_id":99999999999999999999999}');
    assert.ok([400, 422].includes(huge.status), String(huge.status));
  });

  test('404 for unknown ids; 403 for the other roles', async () => {
    await expectProblem(await patch(999999, { name: '无人' }), 404, 'not_found');
    await expectProblem(await patch(999999, { region: '火星' }), 404, 'not_found');
    await expectProblem(await patch('abc', { name: '无人' }), 404, 'not_found');
    const { expert } = await create();
    for (const s of [rec.session, applicant]) {
      await expectProblem(await s.api('PATCH', `/experts/${expert.id}`, { name: '改' }), 403, 'forbidden');
    }
    await expectProblem(await anon('PATCH', `/experts/${expert.id}`, { name: '改' }), 401, 'unauthenticated');
    assert.deepEqual(await json(await admin.api('GET', `/experts/${expert.id}`)), expert);
  });
});

describe('disable and enable', () => {
  test('disable: the expert\'s sessions end and it cannot log in; enable lets it in again', async () => {
    const e = await signedIn();
    const other = await signIn(k.url, e.username, NEW_PASSWORD);
    const disabled = await json(await admin.api('POST', `/experts/${e.expert.id}/disable`));
    assert.deepEqual(disabled, { ...e.expert, disabled: true });
    for (const s of [e.session, other]) await expectProblem(await s.api('GET', '/session'), 401, 'unauthenticated');
    const live = await db.psql(`SELECT count(*) FROM sessions s JOIN users u ON u.id = s.user_id
                                 WHERE u.username = '${e.username}' AND s.ended_at IS NULL`);
    assert.equal(live, '0', 'ended in the database, not only refused');
    const denied = await login(k.url, e.username, NEW_PASSWORD);
    assert.equal(denied.res.status, 401);
    assert.equal(denied.body.code, 'invalid_credentials');
    assert.equal((await json(await admin.api('GET', `/experts/${e.expert.id}`))).disabled, true);
    assert.equal((await admin.api('POST', `/experts/${e.expert.id}/disable`)).status, 200, 'disabling twice is fine');

    const enabled = await json(await admin.api('POST', `/experts/${e.expert.id}/enable`));
    assert.deepEqual(enabled, e.expert);
    const back = await signIn(k.url, e.username, NEW_PASSWORD);
    assert.equal(back.user.must_change_password, false, 'enable keeps the password');
    assert.equal((await back.api('GET', '/session')).status, 200);
    assert.equal((await admin.api('POST', `/experts/${e.expert.id}/enable`)).status, 200, 'enabling twice is fine');
    const rows = [...await auditRows('expert.disabled', e.expert.id), ...await auditRows('expert.enabled', e.expert.id)];
    assert.deepEqual(rows.map((r) => r.action).sort(), ['expert.disabled', 'expert.disabled', 'expert.enabled', 'expert.enabled']);
    await clearThrottle();
  });

  test('404 for unknown ids; only the admin; GET is 405', async () => {
    const e = await signedIn();
    for (const action of ['disable', 'enable']) {
      await expectProblem(await admin.api('POST', `/experts/999999/${action}`), 404, 'not_found');
      await expectProblem(await admin.api('POST', `/experts/x/${action}`), 404, 'not_found');
      for (const s of [rec.session, applicant, e.session]) {
        await expectProblem(await s.api('POST', `/experts/${e.expert.id}/${action}`), 403, 'forbidden');
      }
      await expectProblem(await anon('POST', `/experts/${e.expert.id}/${action}`), 401, 'unauthenticated');
      const get = await admin.api('GET', `/experts/${e.expert.id}/${action}`);
      await expectProblem(get, 405, 'method_not_allowed');
      assert.equal(get.headers.get('allow'), 'POST');
    }
    assert.equal((await e.session.api('GET', '/session')).status, 200, 'none of them did anything');
  });
});

// ---------------------------------------------------------------------------
// Conflicts of interest

// base64url of a cursor's JSON key, as kpjdd makes them.
const cursorOf = (key) => Buffer.from(JSON.stringify(key)).toString('base64url');

async function conflicts(batchId) {
  const out = [];
  let cursor = null;
  do {
    const page = await json(await admin.api('GET', `/batches/${batchId}/conflicts?limit=200${cursor ? `&cursor=${cursor}` : ''}`));
    out.push(...page.items);
    cursor = page.next_cursor;
  } while (cursor);
  return out;
}
const triples = (items) => items.map((c) => `${c.expert_id} ${c.application_id} ${c.kind}`);
const byKey = (a, b) => a.application_id - b.application_id || a.expert_id - b.expert_id || (a.kind < b.kind ? -1 : a.kind > b.kind ? 1 : 0);

describe('conflicts of interest', () => {
  let batch, other;         // the batch whose conflicts are listed, and another
  let units;                // applications of `batch`: { id, name, credit, supervisor }
  let ex;                   // experts, by the rule they are made to meet
  before(async () => {
    batch = await makeBatch(admin, { status: 'open' });
    other = await makeBatch(admin, { status: 'open' });
    const apply = async (r, b, name, supervisor, credit = creditCode()) => {
      const reg = await makeApplication(k.url, r.session, b.id, { unit: { name, supervising_body: supervisor, credit_code: credit } });
      return { id: reg.application.id, name, credit, supervisor };
    };
    units = {
      credit: await apply(recB, batch, '武汉科技馆', '武汉市科学技术协会'),
      named: await apply(recB, batch, '湖北省地质博物馆', '湖北省自然资源厅'),
      supervised: await apply(recB, batch, '宜昌市青少年科技中心', '宜昌市教育局'),
      bySociety: await apply(rec, batch, '紫金山天文台科普园', '中国科学院南京分院'),
      none: await apply(recB, batch, '襄阳市科技馆', '襄阳市科学技术协会'),
    };
    // the same unit's code in another batch: not listed with `batch`
    units.elsewhere = await apply(recB, other, '另一批的单位', '另一批的主管', units.credit.credit);
    const make = async (over) => (await create(expertBody(over))).expert;
    ex = {
      credit: await make({ organization: '武汉科技馆（本部）', organization_credit_code: units.credit.credit.toLowerCase() }),
      named: await make({ organization: '湖北省地质博物馆' }),
      supervisor: await make({ organization: '宜昌市教育局' }),
      society: await make({ organization: '南京大学', recommender_id: rec.id }),
      // two rules at once: one row of each kind
      twice: await make({ organization: '宜昌市青少年科技中心', recommender_id: rec.id }),
      none: await make({ organization: '无关的大学' }),
    };
  });

  // the conflicts of this describe's experts (others made above have theirs)
  const ours = async (batchId) => {
    const mine = new Set(Object.values(ex).map((e) => e.id));
    return (await conflicts(batchId)).filter((c) => mine.has(c.expert_id));
  };

  test('the three automatic rules, each with its reason, over the batch\'s applications only', async () => {
    const got = await ours(batch.id);
    const want = [
      [ex.credit, units.credit, 'credit_code', units.credit.credit],
      [ex.named, units.named, 'organization', '湖北省地质博物馆'],
      [ex.supervisor, units.supervised, 'organization', '宜昌市教育局'],
      [ex.twice, units.supervised, 'organization', '宜昌市青少年科技中心'],
      [ex.society, units.bySociety, 'recommender', '中国天文学会'],
      [ex.twice, units.bySociety, 'recommender', '中国天文学会'],
    ].map(([e, a, kind, mentions]) => ({ expert_id: e.id, application_id: a.id, kind, mentions }))
      .sort(byKey);
    assert.deepEqual(triples(got), triples(want));
    for (const [i, c] of got.entries()) {
      assert.deepEqual(Object.keys(c).sort(), ['application_id', 'expert_id', 'kind', 'reason']);
      assert.ok(c.reason.includes(want[i].mentions), `${c.reason} names ${want[i].mentions}`);
    }
    assert.match(got.find((c) => c.expert_id === ex.supervisor.id).reason, /主管单位/);
    assert.match(got.find((c) => c.expert_id === ex.named.id).reason, /即申报单位/);
    // and in the other batch, the same credit code conflicts there
    assert.deepEqual(triples(await ours(other.id)), [`${ex.credit.id} ${units.elsewhere.id} credit_code`]);
  });

  test('the rules follow the expert: a change of organisation, code or recommender moves its conflicts', async () => {
    const e = ex.none;
    const mine = async () => triples((await conflicts(batch.id)).filter((c) => c.expert_id === e.id));
    assert.deepEqual(await mine(), []);
    await json(await admin.api('PATCH', `/experts/${e.id}`, { organization: '襄阳市科学技术协会' }));
    assert.deepEqual(await mine(), [`${e.id} ${units.none.id} organization`]);
    await json(await admin.api('PATCH', `/experts/${e.id}`, { organization: '无关的大学', organization_credit_code: units.named.credit }));
    assert.deepEqual(await mine(), [`${e.id} ${units.named.id} credit_code`]);
    await json(await admin.api('PATCH', `/experts/${e.id}`, { organization_credit_code: null, recommender_id: recB.id }));
    assert.deepEqual(await mine(), [units.credit, units.named, units.supervised, units.none].map((a) => `${e.id} ${a.id} recommender`));
    await json(await admin.api('PATCH', `/experts/${e.id}`, { recommender_id: null }));
    assert.deepEqual(await mine(), []);
  });

  test('declared: 201 the conflict, listed with the rest, stored with who and when, audited', async () => {
    const res = await admin.api('POST', `/experts/${ex.none.id}/conflicts`, { application_id: units.none.id, reason: '近亲属在该单位任职' });
    const c = await json(res, 201);
    assert.deepEqual(c, { expert_id: ex.none.id, application_id: units.none.id, kind: 'declared', reason: '近亲属在该单位任职' });
    const listed = (await conflicts(batch.id)).filter((x) => x.kind === 'declared');
    assert.deepEqual(listed, [c]);
    const stored = await db.psql(`SELECT declared_by || '|' || (declared_at > now() - interval '1 minute')
                                    FROM declared_conflicts WHERE expert_id = ${ex.none.id}`);
    assert.equal(stored, `${admin.user.id}|true`);
    const [row] = await auditRows('expert.conflict_declared', ex.none.id);
    assert.deepEqual(row.data, { application_id: units.none.id, reason: '近亲属在该单位任职' });
    assert.equal(row.actor_id, admin.user.id);
    // a pair with an automatic conflict may be declared too: a row of each kind
    await json(await admin.api('POST', `/experts/${ex.credit.id}/conflicts`, { application_id: units.credit.id, reason: '曾任该馆顾问' }), 201);
    assert.deepEqual((await conflicts(batch.id)).filter((x) => x.expert_id === ex.credit.id).map((x) => x.kind),
      ['credit_code', 'declared']);
  });

  test('declared: once a pair (409 conflict); 404 unknown expert; 422 naming the field', async () => {
    const url = `/experts/${ex.named.id}/conflicts`;
    await json(await admin.api('POST', url, { application_id: units.supervised.id, reason: '合作项目' }), 201);
    await expectProblem(await admin.api('POST', url, { application_id: units.supervised.id, reason: '再说一次' }), 409, 'conflict');
    assert.equal(await db.psql(`SELECT reason FROM declared_conflicts WHERE expert_id = ${ex.named.id}`), '合作项目');
    assert.equal((await auditRows('expert.conflict_declared', ex.named.id)).length, 1);
    for (const id of ['999999', 'abc', '0']) {
      await expectProblem(await admin.api('POST', `/experts/${id}/conflicts`, { application_id: units.none.id, reason: '某' }),
        404, 'not_found');
    }
    const cases = [
      [{}, [['application_id', 'required'], ['reason', 'required']]],
      [{ application_id: 999999, reason: '某' }, [['application_id', 'not_found']]],
      [{ application_id: String(units.none.id), reason: '某' }, [['application_id', 'type']]],
      [{ application_id: 0, reason: '某' }, [['application_id', 'range']]],
      [{ application_id: 1e30, reason: '某' }, [['application_id', 'type']]],
      [{ application_id: units.none.id, reason: '' }, [['reason', 'too_short']]],
      [{ application_id: units.none.id, reason: '由'.repeat(1001) }, [['reason', 'too_long']]],
      [{ application_id: units.none.id, reason: null }, [['reason', 'type']]],
      [{ application_id: units.none.id, reason: '某', kind: 'credit_code' }, [['kind', 'unknown']]],
    ];
    for (const [body, want] of cases) {
      const p = await expectProblem(await admin.api('POST', url, body), 422, 'validation');
      assert.deepEqual(fields(p), want, JSON.stringify(body));
    }
    await expectProblem(await rawBody('POST', url, `{"application_id":${units.none.id},"application_id":1,"reason":"x"}`), 400, 'bad_json');
    const huge = await rawBody('POST', url, '{"application_id":92233720368547758070,"reason":"x"}');
    assert.ok([400, 422].includes(huge.status), String(huge.status));
    const max = await rawBody('POST', url, '{"application_id":9223372036854775807,"reason":"x"}');
    assert.deepEqual(fields(await expectProblem(max, 422, 'validation')), [['application_id', 'not_found']]);
    assert.equal((await json(await admin.api('POST', url, { application_id: units.none.id, reason: '由'.repeat(1000) }), 201)).reason.length, 1000);
  });

  test('only the admin declares and lists: 403 for the other roles, 401 anonymous', async () => {
    const e = await signedIn();
    const body = { application_id: units.none.id, reason: '某' };
    for (const s of [rec.session, applicant, e.session]) {
      await expectProblem(await s.api('POST', `/experts/${e.expert.id}/conflicts`, body), 403, 'forbidden');
      await expectProblem(await s.api('GET', `/batches/${batch.id}/conflicts`), 403, 'forbidden');
    }
    await expectProblem(await anon('POST', `/experts/${e.expert.id}/conflicts`, body), 401, 'unauthenticated');
    await expectProblem(await anon('GET', `/batches/${batch.id}/conflicts`), 401, 'unauthenticated');
    assert.equal(await db.psql(`SELECT count(*) FROM declared_conflicts WHERE expert_id = ${e.expert.id}`), '0');
  });

  test('the list: 404 for an unknown batch; pages of any size give the whole list once; 422 for a bad limit or cursor', async () => {
    for (const id of ['999999', 'abc', '0']) await expectProblem(await admin.api('GET', `/batches/${id}/conflicts`), 404, 'not_found');
    const all = await conflicts(batch.id);
    assert.ok(all.length >= 8, `${all.length} conflicts`);
    assert.deepEqual(all, [...all].sort(byKey));
    for (const limit of [1, 2, 3, 7]) {
      const walked = [];
      let cursor = null;
      do {
        const page = await json(await admin.api('GET', `/batches/${batch.id}/conflicts?limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`));
        assert.ok(page.items.length <= limit);
        walked.push(...page.items);
        cursor = page.next_cursor;
      } while (cursor);
      assert.deepEqual(walked, all, `limit ${limit}`);
    }
    // a cursor is the last item's key: the page after it starts with the next
    const third = all[2];
    const after = await json(await admin.api('GET', `/batches/${batch.id}/conflicts?limit=200&cursor=${cursorOf([third.application_id, third.expert_id, third.kind])}`));
    assert.deepEqual(after.items, all.slice(3));
    const last = all.at(-1);
    assert.deepEqual(await json(await admin.api('GET', `/batches/${batch.id}/conflicts?cursor=${cursorOf([last.application_id, last.expert_id, last.kind])}`)),
      { items: [], next_cursor: null });
    for (const [query, field] of [['limit=0', 'limit'], ['limit=201', 'limit'], ['limit=x', 'limit'], ['cursor=!!', 'cursor'],
      [`cursor=${cursorOf([1])}`, 'cursor'], [`cursor=${cursorOf([1, 2, 'bogus'])}`, 'cursor'],
      [`cursor=${cursorOf(['1', 2, 'declared'])}`, 'cursor'], [`cursor=${cursorOf([1, 2.5, 'declared'])}`, 'cursor'],
      [`cursor=${cursorOf([1, 2, 'declared', 4])}`, 'cursor'], [`cursor=${cursorOf({ a: 1 })}`, 'cursor']]) {
      const p = await expectProblem(await admin.api('GET', `/batches/${batch.id}/conflicts?${query}`), 422, 'validation');
      assert.deepEqual(p.errors.map((e) => e.field), [field], query);
    }
    // keys out of any id's range are keys all the same
    const edge = Buffer.from('[-5,9223372036854775807,"credit_code"]').toString('base64url');
    assert.deepEqual((await json(await admin.api('GET', `/batches/${batch.id}/conflicts?limit=200&cursor=${edge}`))).items, all);
    const beyond = Buffer.from('[92233720368547758070,1,"credit_code"]').toString('base64url');
    await expectProblem(await admin.api('GET', `/batches/${batch.id}/conflicts?cursor=${beyond}`), 422, 'validation');
  });
});

// A batch of the programme's size, seeded in SQL: 1,300 candidates and 300
// experts (and three more batches as large, so that the batch is a small
// part of the tables).  The list, walked page by page, is exactly what the
// three rules give when computed here in JavaScript from the rows.
describe('conflicts at scale', () => {
  let batchId;
  before(async () => {
    const tag = 'S';
    await db.psql(`
      INSERT INTO users (username, role, display_name, password_hash)
      SELECT 'srec' || i, 'recommender', 'r', 'x' FROM generate_series(1, 60) i;
      INSERT INTO recommenders (name, kind, user_id)
      SELECT '规模推荐单位' || i, 'national_society', (SELECT id FROM users WHERE username = 'srec' || i) FROM generate_series(1, 60) i;
      INSERT INTO batches (code, title, term_start_year, term_end_year, contact_deadline, recommend_deadline, status)
      SELECT '${tag}' || i, '规模批次' || i, 2021, 2025, now(), now(), 'evaluating' FROM generate_series(1, 4) i;
      INSERT INTO applicant_units (name, credit_code, region_code, address, legal_representative, supervising_body,
                                   contact_name, contact_phone, contact_email)
      SELECT '规模单位' || i, '92' || lpad(i::text, 16, '0'), 420000, '地址', '法人', '规模主管' || (i % 50),
             '联系人', '027-12345678', 'a@example.cn'
        FROM generate_series(1, 5200) i;
      INSERT INTO applications (batch_id, recommender_id, applicant_id, credit_code, status)
      SELECT (SELECT id FROM batches WHERE code = '${tag}' || (1 + (u.rn - 1) / 1300)),
             (SELECT id FROM recommenders WHERE name = '规模推荐单位' || (1 + u.rn % 60)), u.id, u.credit_code, 'initial_passed'
        FROM (SELECT id, credit_code, row_number() OVER (ORDER BY id) AS rn FROM applicant_units WHERE name LIKE '规模单位%') u;
      INSERT INTO users (username, role, display_name, password_hash)
      SELECT 'sexp' || i, 'expert', 'e', 'x' FROM generate_series(1, 300) i;
      INSERT INTO experts (name, organization, organization_credit_code, recommender_id, field, user_id)
      SELECT '规模专家' || i,
             CASE WHEN i <= 150 THEN '规模主管' || (i % 50) WHEN i <= 175 THEN '规模单位' || (i * 7) ELSE '规模大学' || i END,
             CASE WHEN i BETWEEN 200 AND 250 THEN '92' || lpad((i * 5)::text, 16, '0') END,
             CASE WHEN i > 150 THEN (SELECT id FROM recommenders WHERE name = '规模推荐单位' || (1 + i % 60)) END,
             '科普', (SELECT id FROM users WHERE username = 'sexp' || i)
        FROM generate_series(1, 300) i;
      INSERT INTO declared_conflicts (expert_id, application_id, reason, declared_by)
      SELECT e.id, a.id, '声明' || e.id, (SELECT id FROM users WHERE username = 'admin')
        FROM experts e JOIN applications a ON a.id % 97 = e.id % 97
       WHERE e.name LIKE '规模专家%' AND a.unit_name LIKE '规模单位%' AND e.id % 3 = 0;
      ANALYZE;`);
    batchId = Number(await db.psql(`SELECT id FROM batches WHERE code = '${tag}1'`));
  });

  test('about 2% of 1,300 × 300 pairs, walked in pages of 200: exactly the rules\' pairs, each once', async () => {
    const rows = async (sql) => (await db.psql(sql)).split('\n').filter((l) => l.includes('|')).map((l) => l.split('|'));
    const apps = await rows(`SELECT a.id, a.unit_name, a.credit_code, a.recommender_id, u.supervising_body
                               FROM applications a JOIN applicant_units u ON u.id = a.applicant_id WHERE a.batch_id = ${batchId}`);
    const experts = await rows(`SELECT id, organization, coalesce(organization_credit_code, ''), coalesce(recommender_id, 0) FROM experts`);
    const declared = await rows(`SELECT expert_id, application_id FROM declared_conflicts`);
    assert.equal(apps.length, 1300);
    const want = new Set();
    for (const [aid, unit, credit, recommender, supervisor] of apps) {
      for (const [eid, org, code, erec] of experts) {
        if (code && code === credit) want.add(`${eid} ${aid} credit_code`);
        if (org === unit || org === supervisor) want.add(`${eid} ${aid} organization`);
        if (erec !== '0' && erec === recommender) want.add(`${eid} ${aid} recommender`);
      }
    }
    const ids = new Set(apps.map(([aid]) => aid));
    for (const [eid, aid] of declared) if (ids.has(aid)) want.add(`${eid} ${aid} declared`);
    const pairs = 1300 * (await db.psql('SELECT count(*) FROM experts'));
    assert.ok(want.size > 0.015 * pairs && want.size < 0.03 * pairs, `${want.size} of ${pairs}`);
    for (const kind of ['credit_code', 'organization', 'recommender', 'declared']) {
      assert.ok([...want].some((t) => t.endsWith(kind)), `the seed has ${kind} conflicts`);
    }

    const started = process.hrtime.bigint();
    const got = await conflicts(batchId);
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    assert.equal(got.length, want.size);
    assert.deepEqual(new Set(triples(got)), want);
    assert.deepEqual(got, [...got].sort(byKey));
    console.log(`# conflicts at scale: ${got.length} in ${Math.ceil(got.length / 200)} pages, ${ms.toFixed(0)} ms`);
  });

  test('the list statement reads only the batch\'s applications, through an index', async () => {
    const plan = await db.psql(`EXPLAIN SELECT c.application_id, c.expert_id, c.kind, c.reason FROM expert_conflicts c
      WHERE c.batch_id = ${batchId} AND (c.application_id, c.expert_id, c.kind) > (0::bigint, 0::bigint, ''::text)
      ORDER BY c.application_id, c.expert_id, c.kind LIMIT 201`);
    assert.doesNotMatch(plan, /Seq Scan on applications/, plan);
    assert.match(plan, /Index Cond: \(batch_id = /, plan);
    // and one pair, as the assignment asks, by primary keys alone
    const pair = await db.psql(`EXPLAIN SELECT 1 FROM expert_conflicts WHERE expert_id = 1 AND application_id = 1`);
    assert.doesNotMatch(pair, /Seq Scan on (applications|experts|applicant_units)/, pair);
  });
});

describe('audit', () => {
  test('created: the expert as made, by the admin; no initial password anywhere in the audit log', async () => {
    const { expert } = await create(expertBody({ name: '审计专家', username: 'audited' }));
    const [row] = await auditRows('expert.created', expert.id);
    assert.deepEqual(row.data, expert);
    assert.equal(row.actor_id, admin.user.id);
    assert.equal(row.actor_role, 'admin');
    assert.equal(row.entity, 'expert');
    assert.ok(passwords.length >= 10);
    const text = await db.psql(`SELECT string_agg(data::text, ' ') FROM audit_log`);
    for (const pw of passwords) assert.ok(!text.includes(pw), 'an initial password in the audit log');
    assert.doesNotMatch(text, /initial_password|password_hash/);
    const verify = await json(await admin.api('GET', '/audit/verify'));
    assert.equal(verify.ok, true);
  });
});
