// Sessions: login, the cookie, bearer tokens, CSRF, logout, password
// changes, the must_change_password gate, idle and absolute expiry, and the
// audit rows each of these leaves.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { createDatabase, startKpjdd } from '../lib/kpjdd.js';
import { expectProblem, sleep } from '../lib/http.js';
import { ADMIN_PASSWORD, changePassword, client, createAdmin, createUser, login, signIn } from '../lib/accounts.js';

let db, k, admin;
before(async () => {
  db = await createDatabase();
  k = await startKpjdd({ db, migrate: true });
  createAdmin(db);
  admin = await signIn(k.url, 'admin');
});
after(async () => {
  await k?.stop();
  await db?.drop();
});

async function auditRows(action) {
  const res = await admin.api('GET', `/audit?action=${action}&limit=200`);
  assert.equal(res.status, 200);
  return (await res.json()).items;
}

describe('login', () => {
  test('201 with the user, a token, a CSRF token and the expiry; usernames ignore case', async () => {
    const { res, body } = await login(k.url, 'ADMIN');
    assert.equal(res.status, 201);
    assert.deepEqual(Object.keys(body).sort(), ['csrf_token', 'expires_at', 'token', 'user']);
    assert.deepEqual(body.user, { id: 1, username: 'admin', role: 'admin', org_id: null,
      display_name: '系统管理员', must_change_password: false, email: null, mail_opt_out: false });
    assert.match(body.token, /^[A-Za-z0-9_-]{43}$/);
    assert.match(body.csrf_token, /^[A-Za-z0-9_-]{43}$/);
    assert.match(body.expires_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const hours = (Date.parse(body.expires_at) - Date.now()) / 3600e3;
    assert.ok(hours > 11.9 && hours <= 12, `12 h absolute lifetime (${hours})`);
  });

  test('usernames compare in ASCII only: a Unicode look-alike of a name (İ, the Kelvin sign) is no account', async () => {
    createAdmin(db, 'kelvin-admin');
    assert.equal((await login(k.url, 'KELVIN-ADMIN')).res.status, 201);
    // what PostgreSQL's lower() folds onto "kelvin-admin", and other near misses
    for (const name of ['\u212Aelvin-admin', 'kelv\u0130n-admin', 'KELV\u0130N-ADM\u0130N', 'ｋｅｌｖｉｎ-admin', 'kelvin-admin ']) {
      const { res, body } = await login(k.url, name);
      assert.equal(res.status, 401, `${JSON.stringify(name)}: ${JSON.stringify(body)}`);
      assert.equal(body.code, 'invalid_credentials');
    }
    await db.psql('DELETE FROM login_throttle');
  });

  test('a long username of three-byte characters is a failed login, not an error', async () => {
    const { res, body } = await login(k.url, '用'.repeat(128), 'whatever');
    assert.equal(res.status, 401, JSON.stringify(body));
    await db.psql('DELETE FROM login_throttle');
  });

  test('a new token at every login; only its hash is stored', async () => {
    const a = await login(k.url, 'admin');
    const b = await login(k.url, 'admin');
    assert.notEqual(a.body.token, b.body.token);
    assert.notEqual(a.body.csrf_token, b.body.csrf_token);
    const stored = await db.psql('SELECT token_hash FROM sessions');
    assert.ok(!stored.includes(a.body.token) && !stored.includes(b.body.token));
    assert.match(stored.split('\n')[0], /^[0-9a-f]{64}$/);
  });

  test('the cookie is HttpOnly, SameSite=Strict, Path=/, not Secure unless configured', async () => {
    const { setCookie } = await login(k.url, 'admin');
    assert.match(setCookie, /^kpjd_session=[A-Za-z0-9_-]{43}; /);
    assert.match(setCookie, /; HttpOnly/);
    assert.match(setCookie, /; SameSite=Strict/);
    assert.match(setCookie, /; Path=\//);
    assert.doesNotMatch(setCookie, /Secure/);
  });

  test('unknown user and wrong password: the same 401 body, about the same time', async () => {
    const times = { unknown: [], wrong: [] };
    const bodies = new Set();
    for (let i = 0; i < 3; i++) {
      for (const [kind, user] of [['unknown', `nobody${i}`], ['wrong', 'admin']]) {
        const t0 = performance.now();
        const { res, body } = await login(k.url, user, 'not the password', { 'x-forwarded-for': 'x' });
        times[kind].push(performance.now() - t0);
        assert.equal(res.status, 401);
        bodies.add(JSON.stringify(body));
      }
    }
    assert.equal(bodies.size, 1, `identical bodies: ${[...bodies]}`);
    assert.equal(JSON.parse([...bodies][0]).code, 'invalid_credentials');
    const median = (a) => a.sort((x, y) => x - y)[1];
    const ratio = median(times.unknown) / median(times.wrong);
    assert.ok(ratio > 0.5 && ratio < 2, `unknown user takes as long as a wrong password (ratio ${ratio.toFixed(2)})`);
    // the account's failures must not lock the admin out for the rest of the file
    await db.psql('DELETE FROM login_throttle');
  });

  test('a body without the fields is 422 naming them; a non-JSON body 400/415', async () => {
    const res = await fetch(`${k.url}/api/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"username": 5}' });
    const p = await expectProblem(res, 422, 'validation');
    assert.deepEqual(p.errors.map((e) => [e.field, e.code]), [['username', 'type'], ['password', 'required']]);
    await expectProblem(await fetch(`${k.url}/api/v1/session`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{}' }), 415, 'unsupported_media_type');
    await expectProblem(await fetch(`${k.url}/api/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: 'username=admin' }), 400, 'bad_json');
  });

  test('logins and failures are audited, never with the password', async () => {
    const ok = await auditRows('session.login');
    assert.ok(ok.length >= 1);
    assert.equal(ok[0].actor_id, 1);
    assert.equal(ok[0].actor_role, 'admin');
    assert.equal(ok[0].entity, 'session');
    assert.match(ok[0].request_id, /^[0-9a-f]{32}$/);
    assert.equal(ok[0].ip, '127.0.0.1');
    const failed = await auditRows('session.login_failed');
    const reasons = new Set(failed.map((r) => r.data.reason));
    assert.ok(reasons.has('unknown_user') && reasons.has('wrong_password'));
    assert.equal(failed[0].actor_id, null);
    assert.equal(failed[0].actor_role, 'anonymous');
    const all = await db.psql('SELECT data::text FROM audit_log');
    assert.doesNotMatch(all, /not the password|correct horse/);
  });
});

describe('GET /session and bearer tokens', () => {
  test('the session as login gave it, without the token', async () => {
    const s = await signIn(k.url, 'admin');
    const res = await s.api('GET', '/session');
    assert.equal(res.status, 200);
    const body = await res.json();
    assert.deepEqual(Object.keys(body).sort(), ['csrf_token', 'expires_at', 'user']);
    assert.equal(body.csrf_token, s.csrf);
    assert.equal(body.user.username, 'admin');
  });

  test('no session, a malformed or an unknown token: 401 unauthenticated', async () => {
    await expectProblem(await fetch(`${k.url}/api/v1/session`), 401, 'unauthenticated');
    for (const h of ['Bearer nonsense', 'Bearer ' + 'A'.repeat(43), 'Basic YWRtaW46eA==', 'Bearer']) {
      await expectProblem(await fetch(`${k.url}/api/v1/session`, { headers: { authorization: h } }), 401, 'unauthenticated');
    }
    await expectProblem(await fetch(`${k.url}/api/v1/session`, { headers: { cookie: 'kpjd_session=' + 'B'.repeat(43) } }), 401, 'unauthenticated');
  });

  test('a bearer request needs no CSRF token', async () => {
    const s = await signIn(k.url, 'admin');
    assert.equal((await s.api('DELETE', '/session', undefined, { auth: 'bearer' })).status, 204);
  });
});

describe('CSRF', () => {
  test('a cookie request that changes something needs the session\'s X-CSRF-Token', async () => {
    const s = await signIn(k.url, 'admin');
    await expectProblem(await s.api('DELETE', '/session', undefined, { auth: 'cookie-no-csrf' }), 403, 'csrf');
    await expectProblem(await s.api('DELETE', '/session', undefined, { auth: 'cookie-no-csrf', headers: { 'x-csrf-token': 'A'.repeat(43) } }), 403, 'csrf');
    assert.equal((await s.api('GET', '/session', undefined, { auth: 'cookie-no-csrf' })).status, 200, 'reads need none');
    assert.equal((await s.api('DELETE', '/session', undefined, { auth: 'cookie' })).status, 204);
  });

  test('cross-site and foreign-origin requests are refused, even with the token', async () => {
    const s = await signIn(k.url, 'admin');
    await expectProblem(await s.api('DELETE', '/session', undefined, { auth: 'cookie', headers: { 'sec-fetch-site': 'cross-site' } }), 403, 'csrf');
    await expectProblem(await s.api('DELETE', '/session', undefined, { auth: 'cookie', headers: { origin: 'https://evil.example' } }), 403, 'csrf');
    await expectProblem(await s.api('DELETE', '/session', undefined, { auth: 'cookie', headers: { origin: 'null' } }), 403, 'csrf');
    // a login from a foreign page too
    const { res } = await login(k.url, 'admin', ADMIN_PASSWORD, { origin: 'https://evil.example' });
    assert.equal(res.status, 403);
    const host = new URL(k.url).host;
    assert.equal((await s.api('DELETE', '/session', undefined, { auth: 'cookie', headers: { origin: `http://${host}`, 'sec-fetch-site': 'same-origin' } })).status, 204);
  });
});

describe('logout', () => {
  test('kills the token server-side, clears the cookie, and is audited', async () => {
    const s = await signIn(k.url, 'admin');
    const res = await s.api('DELETE', '/session');
    assert.equal(res.status, 204);
    assert.match(res.headers.get('set-cookie'), /^kpjd_session=; .*Max-Age=0/);
    await expectProblem(await s.api('GET', '/session'), 401, 'unauthenticated');
    await expectProblem(await s.api('GET', '/session', undefined, { auth: 'cookie' }), 401, 'unauthenticated');
    const rows = await auditRows('session.logout');
    assert.ok(rows.some((r) => r.actor_id === 1 && r.entity === 'session'));
  });
});

describe('password change', () => {
  test('200 with a new session for the caller; the old token and every other session end; audited', async () => {
    createAdmin(db, 'changer');
    const a = await signIn(k.url, 'changer');
    const b = await signIn(k.url, 'changer');
    const res = await a.api('PUT', '/session/password', { current_password: ADMIN_PASSWORD, new_password: '新的密码 is long enough' });
    assert.equal(res.status, 200);
    const body = await res.json();
    assert.deepEqual(Object.keys(body).sort(), ['csrf_token', 'expires_at', 'token', 'user']);
    assert.deepEqual(body.user, { ...a.user, must_change_password: false });
    assert.match(body.token, /^[A-Za-z0-9_-]{43}$/);
    assert.notEqual(body.token, a.token);
    assert.notEqual(body.csrf_token, a.csrf);
    const hours = (Date.parse(body.expires_at) - Date.now()) / 3600e3;
    assert.ok(hours > 11.9 && hours <= 12, `a full lifetime (${hours})`);
    const setCookie = res.headers.get('set-cookie');
    assert.equal(setCookie.split(';')[0], `kpjd_session=${body.token}`);
    assert.match(setCookie, /; HttpOnly; SameSite=Strict; Path=\//);

    await expectProblem(await a.api('GET', '/session'), 401, 'unauthenticated');
    await expectProblem(await a.api('GET', '/session', undefined, { auth: 'cookie' }), 401, 'unauthenticated');
    await expectProblem(await b.api('GET', '/session'), 401, 'unauthenticated');
    const fresh = client(k.url, body, setCookie);
    const me = await fresh.api('GET', '/session', undefined, { auth: 'cookie' });
    assert.equal(me.status, 200);
    assert.equal((await me.json()).csrf_token, body.csrf_token);
    assert.equal((await fresh.api('GET', '/session')).status, 200, 'by bearer token too');

    assert.equal((await login(k.url, 'changer')).res.status, 401, 'the old password is gone');
    assert.equal((await login(k.url, 'changer', '新的密码 is long enough')).res.status, 201);
    const rows = await auditRows('user.password_changed');
    const row = rows.find((r) => r.entity_id === String(a.user.id));
    assert.ok(row);
    assert.equal(row.actor_id, a.user.id);
    assert.equal(row.data.sessions_ended, 2, 'the caller\'s old session and the other one');
    const live = await db.psql(`SELECT id FROM sessions WHERE user_id = ${a.user.id} AND ended_at IS NULL ORDER BY id LIMIT 1`);
    assert.equal(String(row.data.session_id), live, 'the new session');
    assert.doesNotMatch(JSON.stringify(rows), /新的密码/);
  });

  test('the new session\'s cookie and CSRF token make the next change', async () => {
    createAdmin(db, 'browser');
    const s = await signIn(k.url, 'browser');
    const first = await changePassword(k.url, s, ADMIN_PASSWORD, 'first new password', { auth: 'cookie' });
    assert.equal(first.res.status, 200, JSON.stringify(first.body));
    await expectProblem(await first.session.api('DELETE', '/session', undefined, { auth: 'cookie-no-csrf', headers: { 'x-csrf-token': s.csrf } }),
      403, 'csrf');
    const second = await changePassword(k.url, first.session, 'first new password', 'second new password', { auth: 'cookie' });
    assert.equal(second.res.status, 200, JSON.stringify(second.body));
    assert.equal((await second.session.api('DELETE', '/session', undefined, { auth: 'cookie' })).status, 204);
  });

  test('two changes at once from two sessions: exactly one wins, the other changes nothing', async () => {
    createAdmin(db, 'racer');
    for (let round = 0; round < 3; round++) {
      const current = round === 0 ? ADMIN_PASSWORD : `winner of round ${round - 1}`;
      const [a, b] = await Promise.all([signIn(k.url, 'racer', current), signIn(k.url, 'racer', current)]);
      const answers = await Promise.all([a, b].map((s, i) =>
        changePassword(k.url, s, current, i === 0 ? `winner of round ${round}` : `other of round ${round}`)));
      // the loser is 409, or 401 when its session had already ended at the gate
      const statuses = answers.map((x) => x.res.status).sort();
      assert.ok(statuses[0] === 200 && [401, 409].includes(statuses[1]), JSON.stringify(answers.map((x) => x.body)));
      const won = answers.findIndex((x) => x.res.status === 200);
      if (won === 1) {   // keep the passwords of the loop in step
        const back = await changePassword(k.url, answers[1].session, `other of round ${round}`, `winner of round ${round}`);
        assert.equal(back.res.status, 200);
      }
      assert.equal((await login(k.url, 'racer', `winner of round ${round}`)).res.status, 201);
    }
  });

  test('field errors: too short, too long, unchanged, wrong current password', async () => {
    createAdmin(db, 'strict');
    const s = await signIn(k.url, 'strict');
    const cases = [
      [{ current_password: ADMIN_PASSWORD, new_password: '短密码' }, 'new_password', 'invalid'],
      [{ current_password: ADMIN_PASSWORD, new_password: 'x'.repeat(129) }, 'new_password', 'invalid'],
      [{ current_password: ADMIN_PASSWORD, new_password: ADMIN_PASSWORD }, 'new_password', 'unchanged'],
      [{ current_password: 'wrong wrong wrong', new_password: 'a fine new password' }, 'current_password', 'incorrect'],
      [{ new_password: 'a fine new password' }, 'current_password', 'required'],
    ];
    for (const [body, field, code] of cases) {
      const p = await expectProblem(await s.api('PUT', '/session/password', body), 422, 'validation');
      assert.deepEqual(p.errors.map((e) => [e.field, e.code]), [[field, code]], JSON.stringify(body));
    }
    // 12 and 128 characters (Chinese counts per character) are fine
    const TWELVE = '科普教育基地申报密码一二';
    const LONGEST = '科普教育基地申报密码一二三四五'.repeat(9).slice(0, 128);
    assert.equal([...TWELVE].length, 12);
    assert.equal([...LONGEST].length, 128);
    const twelve = await changePassword(k.url, s, ADMIN_PASSWORD, TWELVE);
    assert.equal(twelve.res.status, 200);
    assert.equal((await changePassword(k.url, twelve.session, TWELVE, LONGEST)).res.status, 200);
  });

  test('a weak new password (libpwquality) is refused with the reason in Chinese, and nothing changes', async () => {
    createAdmin(db, 'weakling');
    const s = await signIn(k.url, 'weakling');
    const cases = [
      ['123456789012', '密码过于简单或有规律（如 123456789012、abcdefghijkl），容易被猜到'],
      ['incomprehensible', '密码以常见英文单词为基础，容易被猜到'],
      ['racecar racecar', '密码不能是回文（正读和反读相同）'],
      ['Weakling-2026 blue', '密码不能包含用户名（包括倒写或改变大小写）'],   // the username, any case
      ['gnilkaew blue sky', '密码不能包含用户名（包括倒写或改变大小写）'],    // reversed
    ];
    for (const [fresh, message] of cases) {
      const p = await expectProblem(await s.api('PUT', '/session/password', { current_password: ADMIN_PASSWORD, new_password: fresh }), 422, 'validation');
      assert.deepEqual(p.errors, [{ field: 'new_password', code: 'invalid', message }], fresh);
    }
    assert.equal((await s.api('GET', '/session')).status, 200, 'the session stays');
    assert.equal((await login(k.url, 'weakling', ADMIN_PASSWORD)).res.status, 201, 'the password stays');
  });

  test('a wrong current password is audited (never the password) and counts as a failed login', async () => {
    createAdmin(db, 'fumbler');
    const s = await signIn(k.url, 'fumbler');
    const p = await expectProblem(await s.api('PUT', '/session/password', { current_password: 'not my password at all', new_password: 'a fine new password' }), 422, 'validation');
    assert.deepEqual(p.errors.map((e) => [e.field, e.code]), [['current_password', 'incorrect']]);
    const rows = (await auditRows('user.password_change_failed')).filter((r) => r.entity_id === String(s.user.id));
    assert.equal(rows.length, 1);
    assert.equal(rows[0].actor_id, s.user.id);
    assert.equal(rows[0].entity, 'user');
    assert.deepEqual(rows[0].data, { reason: 'wrong_password' });
    assert.equal(await db.psql("SELECT failures FROM login_throttle WHERE key = 'user:fumbler'"), '1');
    assert.doesNotMatch(await db.psql('SELECT data::text FROM audit_log'), /not my password|a fine new password/);
    assert.equal((await s.api('GET', '/session')).status, 200, 'the session stays');
    await db.psql('DELETE FROM login_throttle');
  });
});

describe('must_change_password', () => {
  test('only the session endpoints answer until the password is changed', async () => {
    const id = await createUser(db, { username: 'newbie', role: 'recommender', mustChange: true });
    const s = await signIn(k.url, 'newbie');
    assert.equal(s.user.must_change_password, true);
    await expectProblem(await s.api('GET', '/notifications'), 403, 'password_change_required');
    assert.equal((await s.api('GET', '/session')).status, 200);
    const changed = await changePassword(k.url, s, ADMIN_PASSWORD, 'my own password now');
    assert.equal(changed.res.status, 200);
    assert.equal(changed.body.user.must_change_password, false);
    assert.equal((await changed.session.api('GET', '/notifications')).status, 200);
    assert.equal((await (await changed.session.api('GET', '/session')).json()).user.must_change_password, false);
    await expectProblem(await s.api('GET', '/notifications'), 401, 'unauthenticated');
    assert.equal(await db.psql(`SELECT must_change_password FROM users WHERE id = ${id}`), 'f');
  });
});

describe('roles', () => {
  test('default deny: a route that does not name the caller\'s role is 403 forbidden', async () => {
    await createUser(db, { username: 'society', role: 'recommender' });
    await createUser(db, { username: 'unit', role: 'applicant' });
    await createUser(db, { username: 'prof', role: 'expert' });
    for (const name of ['society', 'unit', 'prof']) {
      const s = await signIn(k.url, name);
      await expectProblem(await s.api('GET', '/audit'), 403, 'forbidden');
      await expectProblem(await s.api('GET', '/audit/verify'), 403, 'forbidden');
      assert.equal((await s.api('GET', '/notifications')).status, 200);
    }
    await expectProblem(await fetch(`${k.url}/api/v1/audit`), 401, 'unauthenticated');
  });

  test('a disabled account cannot log in and its sessions stop working', async () => {
    await createUser(db, { username: 'leaver', role: 'expert' });
    const s = await signIn(k.url, 'leaver');
    await db.psql("UPDATE users SET disabled = true WHERE username = 'leaver'");
    await expectProblem(await s.api('GET', '/session'), 401, 'unauthenticated');
    assert.equal((await login(k.url, 'leaver')).res.status, 401);
  });
});

describe('expiry', () => {
  test('idle timeout: a session unused for auth.session_idle seconds is dead; use keeps it alive', async () => {
    const short = await startKpjdd({ db, env: { KPJD_AUTH_SESSION_IDLE: '2' } });
    try {
      const busy = await signIn(short.url, 'admin');
      const idle = await signIn(short.url, 'admin');
      for (let i = 0; i < 4; i++) {
        await sleep(800);
        assert.equal((await busy.api('GET', '/session')).status, 200, `busy session alive after ${(i + 1) * 0.8}s`);
      }
      await expectProblem(await idle.api('GET', '/session'), 401, 'unauthenticated');
    } finally {
      await short.stop();
    }
  });

  test('absolute lifetime: auth.session_lifetime ends a session however busy', async () => {
    const short = await startKpjdd({ db, env: { KPJD_AUTH_SESSION_LIFETIME: '2' } });
    try {
      const s = await signIn(short.url, 'admin');
      assert.match(s.cookie, /^kpjd_session=/);
      for (let i = 0; i < 2; i++) {
        await sleep(700);
        assert.equal((await s.api('GET', '/session')).status, 200);
      }
      await sleep(1000);
      await expectProblem(await s.api('GET', '/session'), 401, 'unauthenticated');
    } finally {
      await short.stop();
    }
  });

  test('Secure is added when auth.cookie_secure is on', async () => {
    const secure = await startKpjdd({ db, env: { KPJD_AUTH_COOKIE_SECURE: 'true' } });
    try {
      const { setCookie } = await login(secure.url, 'admin');
      assert.match(setCookie, /; Secure/);
    } finally {
      await secure.stop();
    }
  });
});
