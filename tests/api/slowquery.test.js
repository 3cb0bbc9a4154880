// A statement that outruns db.statement_timeout (here: it waits for a lock
// another session holds) is the server being busy, not a bug: 503
// `unavailable` with Retry-After, never a 500; and kpjdd answers normally
// once the lock is gone.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { createDatabase, startKpjdd } from '../lib/kpjdd.js';
import { expectProblem } from '../lib/http.js';
import { createAdmin, signIn } from '../lib/accounts.js';
import { makeBatch } from '../lib/fixtures.js';

let db, k, admin;

before(async () => {
  db = await createDatabase();
  k = await startKpjdd({ db, migrate: true, env: { KPJD_DB_STATEMENT_TIMEOUT: '500' } });
  createAdmin(db);
  admin = await signIn(k.url, 'admin');
  await makeBatch(admin, { status: 'open' });
});

after(async () => {
  await k?.stop();
  await db?.drop();
});

test('a statement past db.statement_timeout answers 503 unavailable, then service resumes', async () => {
  const holder = db.psql('BEGIN; LOCK TABLE batches IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(3); COMMIT;');
  let held = '';
  for (let i = 0; i < 50 && held !== '1'; i++) {
    held = await db.psql("SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation WHERE c.relname = 'batches' AND l.mode = 'AccessExclusiveLock' AND l.granted");
    if (held !== '1') await new Promise((r) => setTimeout(r, 50));
  }
  assert.equal(held, '1', 'the lock is held');
  const started = Date.now();
  const res = await admin.api('GET', '/batches');
  await expectProblem(res, 503, 'unavailable');
  assert.ok(res.headers.get('retry-after'), 'Retry-After says when to come back');
  assert.ok(Date.now() - started < 2500, 'answered at the time limit, not when the lock went');
  await holder;
  assert.equal((await admin.api('GET', '/batches')).status, 200);
  assert.match(k.log(), /outran its time limit/);
});
