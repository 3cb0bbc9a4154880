// The audit trail: append-only, hash-chained, filtered and paged for the
// admin, and /audit/verify finding a row tampered with in the database.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { createDatabase, startKpjdd } from '../lib/kpjdd.js';
import { expectProblem } from '../lib/http.js';
import { createAdmin, login, signIn } from '../lib/accounts.js';

let db, k, admin;
before(async () => {
  db = await createDatabase();
  k = await startKpjdd({ db, migrate: true });
  createAdmin(db);
  admin = await signIn(k.url, 'admin');
  for (let i = 0; i < 5; i++) await signIn(k.url, 'admin');
  await login(k.url, 'nobody', 'x');
});
after(async () => {
  await k?.stop();
  await db?.drop();
});

test('rows: newest first, with who, what, when, request id and address', async () => {
  const res = await admin.api('GET', '/audit', undefined, { headers: { 'x-request-id': 'audit-read-1' } });
  assert.equal(res.status, 200);
  const { items, next_cursor } = await res.json();
  assert.equal(next_cursor, null);
  assert.equal(items.length, 8);   // create-admin, 6 logins, 1 failure
  const ids = items.map((r) => r.id);
  assert.deepEqual(ids, [...ids].sort((a, b) => b - a));
  assert.deepEqual(Object.keys(items[0]).sort(),
    ['action', 'action_label', 'actor_id', 'actor_name', 'actor_org', 'actor_role', 'at', 'data', 'entity',
      'entity_id', 'entity_label', 'id', 'ip', 'request_id']);
  assert.match(items[0].at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
  const first = items.at(-1);
  assert.equal(first.action, 'user.created');
  assert.equal(first.actor_role, 'system');
  assert.deepEqual(first.data, { email: null, role: 'admin', username: 'admin', via: 'create-admin' });
});

test('filters and keyset paging', async () => {
  let res = await admin.api('GET', '/audit?action=session.login_failed');
  const failed = (await res.json()).items;
  assert.equal(failed.length, 1);
  assert.deepEqual(failed[0].data, { reason: 'unknown_user', username: 'nobody' });
  res = await admin.api('GET', '/audit?entity=user&entity_id=1');
  assert.equal((await res.json()).items.length, 1);
  res = await admin.api('GET', '/audit?actor_id=1');
  assert.equal((await res.json()).items.length, 6);
  const seen = [];
  let cursor = null;
  do {
    res = await admin.api('GET', `/audit?limit=3${cursor ? `&cursor=${cursor}` : ''}`);
    const body = await res.json();
    seen.push(...body.items.map((r) => r.id));
    cursor = body.next_cursor;
  } while (cursor);
  assert.equal(seen.length, 8);
  assert.equal(new Set(seen).size, 8);
  // Numbers past a bigint are refused here, not by PostgreSQL (a 500 before).
  for (const q of ['limit=0', 'limit=500', 'cursor=zzz', 'actor_id=abc', 'actor_id=-1',
    'actor_id=99999999999999999999', 'actor_id=9223372036854775808', 'actor_id=1e3', 'actor_id=+1',
    'limit=99999999999999999999']) {
    const p = await expectProblem(await admin.api('GET', `/audit?${q}`), 422, 'validation');
    assert.equal(p.errors[0].field, q.split('=')[0]);
  }
});

test('the table refuses UPDATE, DELETE and TRUNCATE, whoever asks', async () => {
  for (const sql of ['UPDATE audit_log SET action = \'x\'', 'DELETE FROM audit_log', 'TRUNCATE audit_log']) {
    await assert.rejects(db.psql(sql), /audit_log is append-only/, sql);
  }
});

test('/audit/verify: intact, then the tampered row is found, then a removed tail', async () => {
  let v = await (await admin.api('GET', '/audit/verify')).json();
  assert.deepEqual(v, { ok: true, count: 8, first_bad_id: null, checkpoints_ok: true, checkpoints: 0, problem: null });

  // A superuser with the trigger disabled changes row 3's data.
  await db.psql(`ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_change;
                 UPDATE audit_log SET data = '{"edited":true}' WHERE id = 3;
                 ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_change`);
  v = await (await admin.api('GET', '/audit/verify')).json();
  assert.equal(v.ok, false);
  assert.equal(v.first_bad_id, 3);
  assert.ok(v.count >= 8);
  assert.match(v.problem, /第 3 行/);

  // Removing the newest rows leaves an intact chain that no longer reaches the head.
  const fresh = await createDatabase();
  try {
    const k2 = await startKpjdd({ db: fresh, migrate: true });
    createAdmin(fresh);
    const a2 = await signIn(k2.url, 'admin');
    await signIn(k2.url, 'admin');
    assert.equal((await (await a2.api('GET', '/audit/verify')).json()).count, 3);
    await fresh.psql(`ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_change;
                      DELETE FROM audit_log WHERE id = 3;
                      ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_change`);
    v = await (await a2.api('GET', '/audit/verify')).json();
    assert.deepEqual({ ...v, problem: undefined },
      { ok: false, count: 2, first_bad_id: 2, checkpoints_ok: true, checkpoints: 0, problem: undefined });
    assert.match(v.problem, /audit_head/);
    await k2.stop();
  } finally {
    await fresh.drop();
  }
});

test('concurrent appends keep one unbroken chain', async () => {
  const fresh = await createDatabase();
  try {
    const k2 = await startKpjdd({ db: fresh, migrate: true });
    const k3 = await startKpjdd({ db: fresh });
    createAdmin(fresh);
    await Promise.all(Array.from({ length: 24 }, (_, i) => login(i % 2 ? k2.url : k3.url, 'admin')));
    const a = await signIn(k2.url, 'admin');
    const v = await (await a.api('GET', '/audit/verify')).json();
    assert.deepEqual(v, { ok: true, count: 26, first_bad_id: null, checkpoints_ok: true, checkpoints: 0, problem: null });
    await k2.stop();
    await k3.stop();
  } finally {
    await fresh.drop();
  }
});
