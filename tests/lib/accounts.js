// Accounts for the API and browser tests: an admin made the way an operator
// makes one (kpjdd create-admin), other roles copied from it in SQL until
// their own endpoints exist, and logins by bearer token or by cookie.
import assert from 'node:assert/strict';

import { runKpjdd } from './kpjdd.js';

export const ADMIN_PASSWORD = 'correct horse battery';

// kpjdd create-admin USERNAME with the password on standard input.
export function createAdmin(db, username = 'admin', password = ADMIN_PASSWORD) {
  const r = runKpjdd(['create-admin', username], { env: { KPJD_DB_CONNINFO: db.conninfo }, input: `${password}\n` });
  assert.equal(r.status, 0, r.stderr);
  return r;
}

// A user of another role with the admin's password hash (the password is
// the admin's).  Resolves the new user's id.
export async function createUser(db, { username, role, displayName = username, mustChange = false, from = 'admin' }) {
  const out = await db.psql(
    `INSERT INTO users (username, role, display_name, password_hash, must_change_password)
     SELECT '${username}', '${role}', '${displayName}', password_hash, ${mustChange} FROM users
      WHERE username = '${from}' RETURNING id`);
  return Number(out.split('\n')[0]);   // psql adds the command tag after the row
}

export async function login(url, username, password = ADMIN_PASSWORD, headers = {}) {
  const res = await fetch(`${url}/api/v1/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ username, password }),
  });
  const body = await res.json();
  const setCookie = res.headers.get('set-cookie');
  return { res, body, setCookie, cookie: setCookie ? setCookie.split(';')[0] : null };
}

// Logs in and returns a small client: api(method, path, body, {auth, headers}).
// auth: 'bearer' (default), 'cookie' (with the CSRF token), 'cookie-no-csrf'.
export async function signIn(url, username, password = ADMIN_PASSWORD) {
  const { res, body, cookie } = await login(url, username, password);
  assert.equal(res.status, 201, JSON.stringify(body));
  return client(url, body, cookie);
}

// The client of a session as POST /session (or PUT /session/password)
// answered it: its body and its Set-Cookie ("kpjd_session=..." or the whole
// header).
export function client(url, body, cookie) {
  const session = { token: body.token, csrf: body.csrf_token, cookie: cookie?.split(';')[0], user: body.user };
  session.api = (method, path, payload, { auth = 'bearer', headers = {} } = {}) => {
    const h = { ...headers };
    if (payload !== undefined) h['content-type'] = 'application/json';
    if (auth === 'bearer') h.authorization = `Bearer ${session.token}`;
    else {
      h.cookie = session.cookie;
      if (auth === 'cookie') h['x-csrf-token'] = session.csrf;
    }
    return fetch(`${url}/api/v1${path}`, {
      method, headers: h, body: payload === undefined ? undefined : JSON.stringify(payload),
    });
  };
  return session;
}

// PUT /session/password as `session` → { res, body, session }: the new
// session's client on 200, else null.
export async function changePassword(url, session, current, next, options) {
  const res = await session.api('PUT', '/session/password', { current_password: current, new_password: next }, options);
  const body = await res.json();
  return { res, body, session: res.status === 200 ? client(url, body, res.headers.get('set-cookie')) : null };
}
