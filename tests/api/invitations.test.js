// Invitation codes (申报邀请码): a recommender makes them for an open batch
// before its recommend deadline, lists and revokes its own; anyone may look
// a code up, rate limited per client address (together with registration)
// in PostgreSQL, so that the limit holds across kpjdd processes.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { createDatabase, startKpjdd } from '../lib/kpjdd.js';
import { expectProblem, sleep } from '../lib/http.js';
import { createAdmin, createUser, signIn } from '../lib/accounts.js';
import { applicantPayload, isoIn, makeBatch as fixtureBatch, makeRecommender as fixtureRecommender } from '../lib/fixtures.js';

// ---------------------------------------------------------------------------
// Codes as the server makes them: 11 characters of the alphabet, then a
// Luhn mod 31 check character.  From the right, every second value is
// doubled; the doubled value is taken mod 31 (classic Luhn's "sum of its
// base-N digits" is no permutation for an odd N: 1 and 16 would both give
// 2), so every single substitution and every swap of distinct neighbours
// changes the check.

const ALPHABET = '23456789ABCDEFGHJKMNPQRSTUVWXYZ';
const CODE_RE = /^[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{12}$/;

function checkChar(code11) {
  let sum = 0;
  let factor = 2;
  for (let i = code11.length - 1; i >= 0; i--) {
    const v = ALPHABET.indexOf(code11[i]);
    assert.ok(v >= 0, `character ${code11[i]} of ${code11}`);
    sum += (factor * v) % 31;
    factor = factor === 2 ? 1 : 2;
  }
  return ALPHABET[(31 - (sum % 31)) % 31];
}
const valid = (code) => code[11] === checkChar(code.slice(0, 11));
const withCheck = (code11) => code11 + checkChar(code11);
const display = (code) => `${code.slice(0, 4)}-${code.slice(4, 8)}-${code.slice(8)}`;
// `code` with position i replaced by the next character of the alphabet (+ step)
const substitute = (code, i, step = 1) =>
  code.slice(0, i) + ALPHABET[(ALPHABET.indexOf(code[i]) + step) % 31] + code.slice(i + 1);
// `code` with positions i and i + 1 swapped
const swap = (code, i) => code.slice(0, i) + code[i + 1] + code[i] + code.slice(i + 2);

// ---------------------------------------------------------------------------
// Setup

const LOOSE = { KPJD_INVITATIONS_LOOKUP_LIMIT: '100000', KPJD_INVITATIONS_LOOKUP_WINDOW: '60' };
let db, k, admin, batch, rec1, rec2;

const makeBatch = ({ open = true } = {}) => fixtureBatch(admin, open ? { status: 'open' } : {});
async function setStatus(b, status) {
  const res = await admin.api('PATCH', `/batches/${b.id}`, { status });
  assert.equal(res.status, 200, await res.clone().text());
  Object.assign(b, await res.json());
}
async function pastDeadlines(b) {
  const res = await admin.api('PATCH', `/batches/${b.id}`, { contact_deadline: isoIn(-2), recommend_deadline: isoIn(-1) });
  assert.equal(res.status, 200, await res.clone().text());
  Object.assign(b, await res.json());
}

// A recommender's session (password changed) with its `recommender` object.
async function makeRecommender(kind) {
  const r = await fixtureRecommender(k.url, admin, { kind });
  return Object.assign(r.session, { recommender: r.recommender });
}

async function makeCodes(rec, b, count) {
  const res = await rec.api('POST', `/batches/${b.id}/invitations`, { count });
  assert.equal(res.status, 201, await res.clone().text());
  return (await res.json()).items.map((i) => i.code);
}

const lookup = (code, url = k.url) => fetch(`${url}/api/v1/invitations/${encodeURIComponent(code)}`);

async function lookupStatus(code) {
  const res = await lookup(code);
  assert.equal(res.status, 200, await res.clone().text());
  return (await res.json()).status;
}

// A registration body whose username is unit<n> and unit name 科普单位<n>.
const registration = (code, n) => applicantPayload(code, { username: `unit${n}`, unit: { name: `科普单位${n}` } });
const register = (body, url = k.url) => fetch(`${url}/api/v1/applicants`, {
  method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

async function listAll(rec, b, query = '') {
  const res = await rec.api('GET', `/batches/${b.id}/invitations?limit=200${query}`);
  assert.equal(res.status, 200, await res.clone().text());
  return (await res.json()).items;
}

async function auditRows(action) {
  const res = await admin.api('GET', `/audit?action=${action}&limit=200`);
  assert.equal(res.status, 200);
  return (await res.json()).items;
}

before(async () => {
  db = await createDatabase();
  k = await startKpjdd({ db, migrate: true, env: LOOSE });
  createAdmin(db);
  admin = await signIn(k.url, 'admin');
  batch = await makeBatch();
  rec1 = await makeRecommender('provincial_cast');
  rec2 = await makeRecommender('outline_office');
});
after(async () => {
  await k?.stop();
  await db?.drop();
});

// ---------------------------------------------------------------------------

describe('POST /batches/{id}/invitations', () => {
  test('201 with count codes: alphabet, Luhn mod 31 check, display form, unused, expiring at the recommend deadline', async () => {
    const res = await rec1.api('POST', `/batches/${batch.id}/invitations`, { count: 25 });
    assert.equal(res.status, 201, await res.clone().text());
    assert.match(res.headers.get('content-type'), /^application\/json/);
    const body = await res.json();
    assert.deepEqual(Object.keys(body), ['items']);
    assert.equal(body.items.length, 25);
    for (const item of body.items) {
      assert.deepEqual(Object.keys(item).sort(), ['code', 'display', 'expires_at', 'status']);
      assert.match(item.code, CODE_RE);
      assert.ok(valid(item.code), `check character of ${item.code}`);
      assert.equal(item.display, display(item.code));
      assert.equal(item.status, 'unused');
      assert.equal(item.expires_at, batch.recommend_deadline);
    }
    assert.equal(new Set(body.items.map((i) => i.code)).size, 25, 'distinct codes');
    const stored = await db.psql(`SELECT count(*) FROM invitations WHERE batch_id = ${batch.id} AND recommender_id = ${rec1.recommender.id} AND code IN (${body.items.map((i) => `'${i.code}'`).join(',')})`);
    assert.equal(stored, '25');
  });

  test('codes look random: every position uses many characters of the alphabet', async () => {
    const codes = [...await makeCodes(rec2, batch, 100), ...await makeCodes(rec2, batch, 100)];
    assert.equal(new Set(codes).size, 200);
    for (let i = 0; i < 11; i++) {
      const seen = new Set(codes.map((c) => c[i]));
      assert.ok(seen.size >= 20, `position ${i}: only ${seen.size} distinct characters`);
    }
    for (const c of codes) assert.ok(valid(c), c);
  });

  test('count must be an integer 1..100: otherwise 422 on field count', async () => {
    for (const body of [{ count: 0 }, { count: 101 }, { count: -1 }, { count: '3' }, { count: 2.5 }, { count: null }, {}]) {
      const p = await expectProblem(await rec1.api('POST', `/batches/${batch.id}/invitations`, body), 422, 'validation');
      assert.deepEqual(p.errors.map((e) => e.field), ['count'], JSON.stringify(body));
    }
    const p = await expectProblem(await rec1.api('POST', `/batches/${batch.id}/invitations`, { count: 1, batch_id: 2 }), 422, 'validation');
    assert.deepEqual(p.errors.map((e) => [e.field, e.code]), [['batch_id', 'unknown']]);
    await expectProblem(await rec1.api('POST', `/batches/${batch.id}/invitations`, undefined, { headers: { 'content-type': 'application/json' } }), 400, 'bad_json');
    const r = await fetch(`${k.url}/api/v1/batches/${batch.id}/invitations`, {
      method: 'POST', headers: { authorization: `Bearer ${rec1.token}`, 'content-type': 'text/plain' }, body: '{"count":1}' });
    await expectProblem(r, 415, 'unsupported_media_type');
    assert.equal(await db.psql(`SELECT count(*) FROM invitations WHERE recommender_id = ${rec1.recommender.id}`), '25', 'nothing made');
  });

  test('100 at once is allowed', async () => {
    const b = await makeBatch();
    assert.equal((await makeCodes(rec1, b, 100)).length, 100);
  });

  test('only recommenders: admin, applicant, expert 403; anonymous 401', async () => {
    await expectProblem(await admin.api('POST', `/batches/${batch.id}/invitations`, { count: 1 }), 403, 'forbidden');
    await createUser(db, { username: 'expert1', role: 'expert' });
    const expert = await signIn(k.url, 'expert1');
    await expectProblem(await expert.api('POST', `/batches/${batch.id}/invitations`, { count: 1 }), 403, 'forbidden');
    const [code] = await makeCodes(rec1, batch, 1);
    const reg = registration(code, 'role1');
    assert.equal((await register(reg)).status, 201);
    const applicant = await signIn(k.url, reg.username, reg.password);
    await expectProblem(await applicant.api('POST', `/batches/${batch.id}/invitations`, { count: 1 }), 403, 'forbidden');
    await expectProblem(await applicant.api('GET', `/batches/${batch.id}/invitations`), 403, 'forbidden');
    await expectProblem(await applicant.api('DELETE', `/invitations/${code}`), 403, 'forbidden');
    await expectProblem(await fetch(`${k.url}/api/v1/batches/${batch.id}/invitations`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"count":1}' }), 401, 'unauthenticated');
    await expectProblem(await fetch(`${k.url}/api/v1/batches/${batch.id}/invitations`), 401, 'unauthenticated');
    await expectProblem(await fetch(`${k.url}/api/v1/invitations/${code}`, { method: 'DELETE' }), 401, 'unauthenticated');
  });

  test('a recommender that must still change its password: 403 password_change_required', async () => {
    const res = await admin.api('POST', '/recommenders', { name: '未改密码的推荐单位', kind: 'national_society', username: 'fresh-rec' });
    assert.equal(res.status, 201);
    const { initial_password } = await res.json();
    const s = await signIn(k.url, 'fresh-rec', initial_password);
    await expectProblem(await s.api('POST', `/batches/${batch.id}/invitations`, { count: 1 }), 403, 'password_change_required');
  });

  test('unknown batch or a non-numeric id: 404', async () => {
    await expectProblem(await rec1.api('POST', '/batches/999999/invitations', { count: 1 }), 404, 'not_found');
    await expectProblem(await rec1.api('POST', '/batches/abc/invitations', { count: 1 }), 404, 'not_found');
    await expectProblem(await rec1.api('GET', '/batches/abc/invitations'), 404, 'not_found');
    await expectProblem(await rec1.api('GET', '/batches/999999/invitations'), 404, 'not_found');
  });

  test('a draft batch is not there (404, tests/api/drafts.test.js); evaluating: 409 invalid_state', async () => {
    const b = await makeBatch({ open: false });
    await expectProblem(await rec1.api('POST', `/batches/${b.id}/invitations`, { count: 1 }), 404, 'not_found');
    await setStatus(b, 'open');
    assert.equal((await makeCodes(rec1, b, 1)).length, 1);
    await setStatus(b, 'evaluating');
    await expectProblem(await rec1.api('POST', `/batches/${b.id}/invitations`, { count: 1 }), 409, 'invalid_state');
    assert.equal(await db.psql(`SELECT count(*) FROM invitations WHERE batch_id = ${b.id}`), '1');
  });

  test('recommend deadline passed: 409 deadline_passed, and the batch\'s codes are expired', async () => {
    const b = await makeBatch();
    const [code, code2] = await makeCodes(rec1, b, 2);
    assert.equal(await lookupStatus(code), 'unused');
    await pastDeadlines(b);
    await expectProblem(await rec1.api('POST', `/batches/${b.id}/invitations`, { count: 1 }), 409, 'deadline_passed');
    assert.equal(await lookupStatus(code), 'expired');
    const items = await listAll(rec1, b);
    assert.deepEqual(items.map((i) => i.status), ['expired', 'expired']);
    assert.deepEqual((await listAll(rec1, b, '&status=expired')).length, 2);
    assert.deepEqual((await listAll(rec1, b, '&status=unused')).length, 0);
    const p = await expectProblem(await rec1.api('DELETE', `/invitations/${code}`), 409, 'invalid_state');
    assert.match(p.detail, /过期/);
    // registration with it is refused, and nothing is created
    const before = await db.psql('SELECT count(*) FROM applicant_units');
    await expectProblem(await register(registration(code2, 'late')), 409, 'invalid_state');
    assert.equal(await db.psql('SELECT count(*) FROM applicant_units'), before);
  });

  test('audited as invitation.created {batch_id, count} by the recommender', async () => {
    const b = await makeBatch();
    await makeCodes(rec2, b, 7);
    const rows = (await auditRows('invitation.created')).filter((r) => r.data.batch_id === b.id);
    assert.equal(rows.length, 1);
    assert.equal(rows[0].actor_id, rec2.user.id);
    assert.equal(rows[0].actor_role, 'recommender');
    assert.equal(rows[0].entity, 'batch');
    assert.equal(String(rows[0].entity_id), String(b.id));
    assert.deepEqual(rows[0].data, { batch_id: b.id, count: 7 });
    // refusals are not audited
    const all = await auditRows('invitation.created');
    assert.ok(all.every((r) => Number.isInteger(r.data.count) && r.data.count >= 1 && r.data.count <= 100));
  });
});

describe('GET /batches/{id}/invitations', () => {
  let b;
  const mine = [];
  before(async () => {
    b = await makeBatch();
    for (const n of [3, 4, 5]) {
      mine.push(...await makeCodes(rec1, b, n));
      await sleep(5); // distinct created_at per call
    }
    await makeCodes(rec2, b, 6);
    await makeCodes(rec1, batch, 2); // another batch
  });

  test('only the caller\'s codes in that batch, newest first, with every field', async () => {
    const items = await listAll(rec1, b);
    assert.equal(items.length, 12);
    assert.deepEqual(new Set(items.map((i) => i.code)), new Set(mine));
    for (const item of items) {
      assert.deepEqual(Object.keys(item).sort(),
        ['applicant_name', 'code', 'created_at', 'display', 'expires_at', 'revoked_at', 'status', 'used_at']);
      assert.equal(item.status, 'unused');
      assert.equal(item.display, display(item.code));
      assert.equal(item.expires_at, b.recommend_deadline);
      assert.match(item.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      assert.equal(item.used_at, null);
      assert.equal(item.applicant_name, null);
      assert.equal(item.revoked_at, null);
    }
    // the last call's five come before the first call's three
    const pos = (c) => items.findIndex((i) => i.code === c);
    assert.ok(mine.slice(7).every((c) => pos(c) < 5), 'newest first');
    assert.ok(mine.slice(0, 3).every((c) => pos(c) >= 9), 'oldest last');
    assert.equal((await listAll(rec2, b)).length, 6);
  });

  test('keyset paging: every code exactly once, in the same order as one page', async () => {
    const whole = (await listAll(rec1, b)).map((i) => i.code);
    const paged = [];
    let cursor = null;
    let pages = 0;
    do {
      const res = await rec1.api('GET', `/batches/${b.id}/invitations?limit=5${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      assert.equal(res.status, 200);
      const body = await res.json();
      assert.ok(body.items.length <= 5);
      paged.push(...body.items.map((i) => i.code));
      cursor = body.next_cursor;
      pages++;
    } while (cursor && pages < 10);
    assert.equal(pages, 3);
    assert.deepEqual(paged, whole);
    // exactly a page's worth: no next cursor
    const res = await rec1.api('GET', `/batches/${b.id}/invitations?limit=12`);
    assert.equal((await res.json()).next_cursor, null);
  });

  test('status filter; bad status, limit or cursor: 422', async () => {
    const [used, revoked] = mine;
    assert.equal((await register(registration(used, 'list1'))).status, 201);
    assert.equal((await rec1.api('DELETE', `/invitations/${revoked}`)).status, 204);
    const u = await listAll(rec1, b, '&status=used');
    assert.deepEqual(u.map((i) => i.code), [used]);
    assert.equal(u[0].applicant_name, '科普单位list1');
    assert.match(u[0].used_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.equal(u[0].revoked_at, null);
    const r = await listAll(rec1, b, '&status=revoked');
    assert.deepEqual(r.map((i) => i.code), [revoked]);
    assert.match(r[0].revoked_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.equal(r[0].used_at, null);
    assert.equal(r[0].applicant_name, null);
    assert.equal((await listAll(rec1, b, '&status=unused')).length, 10);
    assert.equal((await listAll(rec1, b, '&status=expired')).length, 0);

    for (const [q, field] of [['status=USED', 'status'], ['status=', 'status'], ['status=all', 'status'],
      ['limit=0', 'limit'], ['limit=201', 'limit'], ['limit=x', 'limit'],
      ['cursor=garbage', 'cursor'], [`cursor=${Buffer.from('[1,2]').toString('base64url')}`, 'cursor']]) {
      const p = await expectProblem(await rec1.api('GET', `/batches/${b.id}/invitations?${q}`), 422, 'validation');
      assert.ok(p.errors.some((e) => e.field === field), `${q}: ${JSON.stringify(p.errors)}`);
    }
  });

  test('a forged cursor whose time is not a time: 422, not 500', async () => {
    // the cursor is base64url JSON [created_at with microseconds, code]; its
    // first element has the length of a real one (27 characters)
    const forge = (key) => Buffer.from(JSON.stringify(key)).toString('base64url');
    for (const key of [['2026-13-45T99:99:99.000000Z', 'X'], ['aaaaaaaaaaaaaaaaaaaaaaaaaaa', 'X'],
      ['infinity                   ', 'X'], ['2026-11-29T05:14:13.000000Z', 5], ['2026-11-29T05:14:13.000000Z']]) {
      const p = await expectProblem(await rec1.api('GET', `/batches/${b.id}/invitations?cursor=${forge(key)}`), 422, 'validation');
      assert.deepEqual(p.errors.map((e) => e.field), ['cursor'], JSON.stringify(key));
    }
  });

  test('admin and anonymous cannot list', async () => {
    await expectProblem(await admin.api('GET', `/batches/${b.id}/invitations`), 403, 'forbidden');
    await expectProblem(await fetch(`${k.url}/api/v1/batches/${b.id}/invitations`), 401, 'unauthenticated');
  });
});

describe('DELETE /invitations/{code}', () => {
  test('204, then revoked in the list and the lookup; again 409 invalid_state; audited', async () => {
    const [code] = await makeCodes(rec1, batch, 1);
    const res = await rec1.api('DELETE', `/invitations/${code}`);
    assert.equal(res.status, 204);
    assert.equal(await res.text(), '');
    assert.equal(await lookupStatus(code), 'revoked');
    const item = (await listAll(rec1, batch, '&status=revoked')).find((i) => i.code === code);
    assert.ok(item, 'listed as revoked');
    const p = await expectProblem(await rec1.api('DELETE', `/invitations/${code}`), 409, 'invalid_state');
    assert.match(p.detail, /撤销/);
    const rows = (await auditRows('invitation.revoked')).filter((r) => r.entity_id === code);
    assert.equal(rows.length, 1, 'one audit row, not one per attempt');
    assert.equal(rows[0].actor_id, rec1.user.id);
    assert.equal(rows[0].actor_role, 'recommender');
    assert.equal(rows[0].entity, 'invitation');
    assert.deepEqual(rows[0].data, { batch_id: batch.id });
    // a revoked code cannot register
    await expectProblem(await register(registration(code, 'revoked1')), 409, 'invalid_state');
  });

  test('the code is case-insensitive and hyphens are ignored', async () => {
    const [a, b2] = await makeCodes(rec1, batch, 2);
    assert.equal((await rec1.api('DELETE', `/invitations/${a.toLowerCase()}`)).status, 204);
    assert.equal((await rec1.api('DELETE', `/invitations/${display(b2).toLowerCase()}`)).status, 204);
    assert.equal(await lookupStatus(a), 'revoked');
    assert.equal(await lookupStatus(b2), 'revoked');
  });

  test('a used code: 409 invalid_state, and it stays used', async () => {
    const [code] = await makeCodes(rec1, batch, 1);
    assert.equal((await register(registration(code, 'del1'))).status, 201);
    const p = await expectProblem(await rec1.api('DELETE', `/invitations/${code}`), 409, 'invalid_state');
    assert.match(p.detail, /使用/);
    assert.equal(await lookupStatus(code), 'used');
  });

  test('another recommender\'s code, an unknown or malformed code: 404; the admin 403', async () => {
    const [code] = await makeCodes(rec1, batch, 1);
    await expectProblem(await rec2.api('DELETE', `/invitations/${code}`), 404, 'not_found');
    assert.equal(await lookupStatus(code), 'unused', 'untouched');
    await expectProblem(await rec1.api('DELETE', `/invitations/${withCheck('22222222222')}`), 404, 'not_found');
    for (const bad of [substitute(code, 3), code.slice(0, 11), `${code}2`, 'O0O0O0O0O0O0', 'abc']) {
      await expectProblem(await rec1.api('DELETE', `/invitations/${encodeURIComponent(bad)}`), 404, 'not_found');
    }
    await expectProblem(await admin.api('DELETE', `/invitations/${code}`), 403, 'forbidden');
    assert.equal(await lookupStatus(code), 'unused');
  });
});

describe('GET /invitations/{code} (public)', () => {
  test('200 with the batch, the recommender and the status; no login needed', async () => {
    const [code] = await makeCodes(rec1, batch, 1);
    const res = await lookup(code);
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), {
      batch: { id: batch.id, code: batch.code, title: batch.title },
      recommender: { name: rec1.recommender.name, kind: 'provincial_cast' },
      status: 'unused',
    });
  });

  test('lowercase, hyphens and the display form all find it', async () => {
    const [code] = await makeCodes(rec2, batch, 1);
    for (const typed of [code.toLowerCase(), display(code), display(code).toLowerCase(), `${code.slice(0, 6)}-${code.slice(6)}`]) {
      const res = await lookup(typed);
      assert.equal(res.status, 200, typed);
      const body = await res.json();
      assert.equal(body.recommender.name, rec2.recommender.name);
      assert.equal(body.recommender.kind, 'outline_office');
    }
  });

  test('the check character catches every single substitution and every swap of neighbours', () => {
    // pure arithmetic, over many random codes
    for (let n = 0; n < 200; n++) {
      const code = withCheck(Array.from({ length: 11 }, () => ALPHABET[Math.floor(Math.random() * 31)]).join(''));
      for (let i = 0; i < 12; i++) {
        for (let step = 1; step < 31; step++) assert.ok(!valid(substitute(code, i, step)), `${code} → ${substitute(code, i, step)}`);
        if (i < 11 && code[i] !== code[i + 1]) assert.ok(!valid(swap(code, i)), `${code} → ${swap(code, i)}`);
      }
    }
    // what classic Luhn mod 31 would miss: at a doubled position (the
    // eleventh) values 1 and 16, "3" and "J", both add 2
    const code = withCheck('22222222223');
    assert.ok(!valid(`${code.slice(0, 10)}J${code[11]}`));
  });

  test('any single-character change or swap of a real code is refused by the lookup: 404', async () => {
    const [code] = await makeCodes(rec1, batch, 1);
    assert.equal((await lookup(code)).status, 200);
    for (let i = 0; i < 12; i++) {
      for (let step = 1; step < 31; step++) {
        await expectProblem(await lookup(substitute(code, i, step)), 404, 'not_found');
      }
      if (i < 11 && code[i] !== code[i + 1]) await expectProblem(await lookup(swap(code, i)), 404, 'not_found');
    }
    const codes = [code];
    // the check is verified, not just the table: a row holding a typo (put
    // there behind the server's back) is still not found, nor revocable
    const typo = substitute(codes[0], 4);
    await db.psql(`INSERT INTO invitations (code, batch_id, recommender_id) VALUES ('${typo}', ${batch.id}, ${rec1.recommender.id})`);
    await expectProblem(await lookup(typo), 404, 'not_found');
    await expectProblem(await rec1.api('DELETE', `/invitations/${typo}`), 404, 'not_found');
    await expectProblem(await register(registration(typo, 'typo1')), 422, 'validation');
    await db.psql(`DELETE FROM invitations WHERE code = '${typo}'`);
  });

  test('a well-formed unknown code, a wrong length, characters outside the alphabet: 404', async () => {
    const unknown = withCheck('23456789ABC');
    const p = await expectProblem(await lookup(unknown), 404, 'not_found');
    assert.equal(p.status, 404);
    const [code] = await makeCodes(rec1, batch, 1);
    for (const bad of [code.slice(0, 11), `${code}A`, code.replace(/./, '0'), code.replace(/./, 'O'),
      code.replace(/./, '1'), code.replace(/./, 'I'), code.replace(/./, 'L'), '------------', '%E9%82%80']) {
      await expectProblem(await fetch(`${k.url}/api/v1/invitations/${bad}`), 404, 'not_found');
    }
  });

  test('the status follows the code: unused, used, revoked', async () => {
    const [a, b2] = await makeCodes(rec1, batch, 2);
    assert.equal(await lookupStatus(a), 'unused');
    assert.equal((await register(registration(a, 'look1'))).status, 201);
    assert.equal(await lookupStatus(a), 'used');
    assert.equal((await rec1.api('DELETE', `/invitations/${b2}`)).status, 204);
    assert.equal(await lookupStatus(b2), 'revoked');
  });
});

describe('rate limit (lookups and registrations together, per address, across processes)', () => {
  let ka, kb, code;
  const env = { KPJD_INVITATIONS_LOOKUP_LIMIT: '5', KPJD_INVITATIONS_LOOKUP_WINDOW: '2' };
  before(async () => {
    [code] = await makeCodes(rec1, batch, 1);
    ka = await startKpjdd({ db, env });
    kb = await startKpjdd({ db, env });
  });
  after(async () => {
    await ka?.stop();
    await kb?.stop();
  });

  // Starts a fresh window (the previous one is over).
  async function freshWindow() {
    await db.psql('DELETE FROM rate_limits');
  }

  test('the sixth lookup within the window is 429 with Retry-After, in both processes', async () => {
    await freshWindow();
    const statuses = [];
    for (const url of [ka.url, kb.url, ka.url, kb.url, ka.url]) statuses.push((await lookup(code, url)).status);
    assert.deepEqual(statuses, [200, 200, 200, 200, 200]);
    for (const url of [kb.url, ka.url]) {
      const res = await lookup(code, url);
      const p = await expectProblem(res, 429, 'too_many_attempts');
      const retry = Number(res.headers.get('retry-after'));
      assert.ok(Number.isInteger(retry) && retry >= 1 && retry <= 2, `Retry-After ${res.headers.get('retry-after')}`);
      assert.ok(p.detail.length > 0);
    }
    // unknown and malformed codes are limited too (no enumeration)
    await expectProblem(await lookup(withCheck('22222222222'), ka.url), 429, 'too_many_attempts');
    await expectProblem(await lookup('nonsense', kb.url), 429, 'too_many_attempts');
    assert.equal(await db.psql("SELECT count(*) FROM rate_limits WHERE key LIKE '%127.0.0.1%'"), '1', 'one row per address');
  });

  test('after the window it works again', async () => {
    // the window may have been restarted by the last refusals of the previous test
    await sleep(2100);
    assert.equal((await lookup(code, ka.url)).status, 200);
    assert.equal((await lookup(code, kb.url)).status, 200);
  });

  test('registrations count against the same limit, and are refused with 429 when over it', async () => {
    await freshWindow();
    // a malformed registration still counts: the limit comes before anything else
    for (const url of [ka.url, kb.url, ka.url]) {
      await expectProblem(await register({}, url), 422, 'validation');
    }
    assert.equal((await lookup(code, kb.url)).status, 200);
    assert.equal((await lookup(code, ka.url)).status, 200);
    const res = await register(registration(code, 'limited1'), kb.url);
    await expectProblem(res, 429, 'too_many_attempts');
    assert.ok(Number(res.headers.get('retry-after')) >= 1);
    await expectProblem(await lookup(code, ka.url), 429, 'too_many_attempts');
    assert.equal(await db.psql("SELECT count(*) FROM users WHERE username = 'unitlimited1'"), '0', 'nothing registered');
    await sleep(2100);
    assert.equal(await lookupStatus(code), 'unused');
  });

  test('concurrent lookups over two processes never let more than the limit through', async () => {
    await freshWindow();
    const all = await Promise.all(Array.from({ length: 16 }, (_, i) => lookup(code, i % 2 ? ka.url : kb.url)));
    const statuses = all.map((r) => r.status);
    await Promise.all(all.map((r) => r.arrayBuffer()));
    assert.equal(statuses.filter((s) => s === 200).length, 5, `statuses ${statuses}`);
    assert.equal(statuses.filter((s) => s === 429).length, 11, `statuses ${statuses}`);
  });
});
