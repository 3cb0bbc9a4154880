// Who is signed in. The session itself is the HttpOnly cookie; this module
// keeps what the UI needs to know about it in memory: the user and the CSRF
// token (handed to api.js). After a reload, GET /session tells both again.
//
// A hint in localStorage ("someone signed in here and has not signed out")
// spares public pages the probe for the visitor who never signed in; the
// pages that need a session always probe.
import { api, ApiError, setCsrfToken, setCsrfRefresher } from './api.js';

const HINT_KEY = 'kpjd.signedIn';

let user = null;      // { id, username, role, org_id, display_name, must_change_password, email, mail_opt_out }
let csrf = null;      // the session's CSRF token, also given to api.js
let loading = null;   // promise of the probe in flight or done
const listeners = new Set();

function setHint(on) {
  try {
    if (on) localStorage.setItem(HINT_KEY, '1');
    else localStorage.removeItem(HINT_KEY);
  } catch { /* storage disabled: the hint is only an optimisation */ }
}

function hasHint() {
  try { return localStorage.getItem(HINT_KEY) === '1'; } catch { return true; }
}

function set(nextUser, csrfToken = csrf) {
  user = nextUser ?? null;
  csrf = user ? csrfToken ?? null : null;
  setCsrfToken(csrf);
  setHint(Boolean(user));
  for (const fn of listeners) fn(user);
}

// The signed-in user, or null; only meaningful once load() has settled.
export function currentUser() {
  return user;
}

export function isLoaded() {
  return loading !== null;
}

// fn(user) after every change (login, logout, password changed, session lost).
export function onChange(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

// GET /session once; → the user as it is now, or null. A failure other
// than 401 (server or network down) rejects, and the next call tries again.
export function load() {
  loading ??= api('GET', '/session', undefined, { authRedirect: false })
    .then((answer) => set(answer?.user, answer?.csrf_token))
    .catch((err) => {
      if (err instanceof ApiError && err.status === 401) {
        set(null);
        return;
      }
      loading = null;
      throw err;
    });
  return loading.then(() => user);
}

// load() when a session may exist; null at once when none was ever made here.
export function loadIfHinted() {
  if (loading || hasHint()) return load();
  return Promise.resolve(null);
}

// POST /session → the user. Throws the ApiError (401 invalid_credentials,
// 429 too_many_attempts with retryAfter, ...).
export async function login(username, password) {
  const answer = await api('POST', '/session', { username, password });
  set(answer.user, answer.csrf_token);
  return user;
}

// DELETE /session. The session counts as ended when the server says it is
// already gone (401); other failures throw and leave the user signed in.
export async function logout() {
  try {
    await api('DELETE', '/session', undefined, { authRedirect: false });
  } catch (err) {
    if (!(err instanceof ApiError && err.status === 401)) throw err;
  }
  forget();
}

// The server said the session is gone: forget it here too.
export function forget() {
  set(null);
  loading = Promise.resolve();
}

// PUT /session/password. Throws the ApiError (422 with errors[] by field,
// 429 too_many_attempts with retryAfter). The server ends the session the
// change came in and answers a new one: its cookie has replaced the old
// one, and its user and CSRF token are taken here, so that the next unsafe
// request carries the new token.
export async function changePassword(currentPassword, newPassword) {
  const answer = await api('PUT', '/session/password', { current_password: currentPassword, new_password: newPassword });
  set(answer.user, answer.csrf_token);
}

// PUT /session/mail { email?, mail_opt_out? } → the user as it now is.
// Throws the ApiError (422 naming `email`).
export async function setMail(settings) {
  const answer = await api('PUT', '/session/mail', settings);
  set(answer.user, answer.csrf_token);
  return user;
}

// The signed-in unit renamed itself (PATCH /applicants/{id}; the server
// renames its account too): the header says the new name at once.
export function renamed(displayName) {
  if (user && displayName && user.display_name !== displayName) set({ ...user, display_name: displayName });
}

// The server answered 403 password_change_required: the user must change
// the password before anything else.
export function requirePasswordChange() {
  if (user && !user.must_change_password) set({ ...user, must_change_password: true });
}

// A 403 csrf: the cookie may belong to a newer session (signed in again in
// another tab). Ask the server which, and take its token. → the token or null.
// Only the same user's new session is worth a retry: the page was made for
// that user, and must not act as someone else.
setCsrfRefresher(async () => {
  const before = user;
  const answer = await api('GET', '/session', undefined, { authRedirect: false });
  if (!answer?.user) return null;
  set(answer.user, answer.csrf_token);
  return before && answer.user.id === before.id ? csrf : null;
});
