// /metrics tells an operator where requests wait: database connections
// busy, audited writes waiting for their turn, transactions retried by the
// statement that hit the serialization failure, and readiness.  Each is
// provoked here from outside with a second PostgreSQL session: the audit
// turn (advisory lock 4242018) held while a login waits for it, and a
// batch's row updated under a PATCH that then has to run again.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { createAdmin, login, signIn } from '../lib/accounts.js';
import { makeBatch } from '../lib/fixtures.js';
import { sleep } from '../lib/http.js';
import { startKpjdd } from '../lib/kpjdd.js';

let k, admin;
before(async () => {
  k = await startKpjdd({ migrate: true, env: { KPJD_HTTP_WORKERS: '2', KPJD_HTTP_POOL_THREADS: '2' } });
  createAdmin(k.db);
  admin = await signIn(k.url, 'admin');
});
after(async () => { await k?.stop(); });

async function scrape() {
  return (await fetch(`${k.url}/metrics`)).text();
}

function value(text, series) {
  const esc = series.replace(/[{}"()[\]\\.+*?^$|]/g, '\\$&');
  const m = new RegExp(`^${esc} (\\S+)$`, 'm').exec(text);
  return m ? Number(m[1]) : undefined;
}

// Polls /metrics until `pred(text)`; resolves the text.
async function until(pred, what, ms = 10000) {
  const end = Date.now() + ms;
  for (;;) {
    const text = await scrape();
    if (pred(text)) return text;
    if (Date.now() > end) throw new Error(`${what} not seen within ${ms} ms:\n${text}`);
    await sleep(50);
  }
}

// Until the other session (running `needle`) is seen active in the test database.
async function sessionRunning(needle) {
  for (let i = 0; i < 200; i++) {
    const n = Number(await k.db.psql(
      `SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND state = 'active'
          AND pid <> pg_backend_pid() AND query LIKE '%${needle}%'`));
    if (n > 0) return;
    await sleep(50);
  }
  throw new Error(`the session running ${needle} never started`);
}

test('the pool: max is one connection per thread; nothing busy or waiting at rest', async () => {
  // at rest: housekeeping's own transactions come and go
  const text = await until((t) => value(t, 'kpjd_db_connections_busy') === 0, 'no connection busy');
  assert.equal(value(text, 'kpjd_db_connections_max'), 2 + 2 + 1, 'workers + pool threads + housekeeping');
  assert.equal(value(text, 'kpjd_db_connections_busy'), 0);
  assert.equal(value(text, 'kpjd_db_turn_waiting'), 0);
  assert.match(text, /^# TYPE kpjd_db_statement_retries_total counter$/m);
  assert.ok(value(text, 'process_start_time_seconds') > Date.now() / 1000 - 600);
});

test('a login waiting for the audit turn shows as busy and waiting, and neither once it is through', async () => {
  // The other session holds the turn for 2 s, then its session ends and the lock with it.
  const holder = k.db.psql('SELECT pg_advisory_lock(4242018), pg_sleep(2) /* turn-holder */');
  await sessionRunning('turn-holder');
  const pending = login(k.url, 'admin');
  const seen = await until((t) => value(t, 'kpjd_db_turn_waiting') === 1, 'a transaction waiting for the turn');
  assert.ok(value(seen, 'kpjd_db_connections_busy') >= 1);
  assert.equal((await pending).res.status, 201, 'the login went through once the turn was free');
  await holder;
  const rest = await until((t) => value(t, 'kpjd_db_turn_waiting') === 0 && value(t, 'kpjd_db_connections_busy') === 0,
    'the gauges back at 0');
  assert.equal(value(rest, 'kpjd_db_turn_waiting'), 0);
});

test('a serialization failure is counted under the statement that hit it', async () => {
  const batch = await makeBatch(admin);
  const before = await scrape();
  const total = value(before, 'kpjd_db_tx_retries_total');
  const locked = value(before, 'kpjd_db_statement_retries_total{statement="batches_lock"}') ?? 0;
  // The other session updates the batch's row and keeps it locked 2 s; the
  // PATCH's SERIALIZABLE transaction, begun meanwhile, waits for the row,
  // then finds it changed after its snapshot: 40001, and runs again.
  const other = k.db.psql(`BEGIN; UPDATE batches SET title = title WHERE id = ${batch.id};
                           SELECT pg_sleep(2) /* row-holder */; COMMIT;`);
  await sessionRunning('row-holder');
  const res = await admin.api('PATCH', `/batches/${batch.id}`, { title: '改过的批次' });
  assert.equal(res.status, 200, await res.text());
  await other;
  const after = await scrape();
  assert.ok(value(after, 'kpjd_db_tx_retries_total') >= total + 1, 'a retry counted');
  assert.equal(value(after, 'kpjd_db_statement_retries_total{statement="batches_lock"}'), locked + 1,
    `counted under batches_lock:\n${after.split('\n').filter((l) => l.includes('statement=')).join('\n')}`);
});

test('readiness: kpjd_ready says what /readyz last answered, and changes are counted', async () => {
  assert.equal((await fetch(`${k.url}/readyz`)).status, 200);
  let text = await scrape();
  assert.equal(value(text, 'kpjd_ready'), 1);
  const changes = value(text, 'kpjd_ready_changes_total');
  // The schema behind this build (a migration undone in the bookkeeping): 503.
  const top = await k.db.psql('SELECT max(version) FROM schema_migrations');
  const row = await k.db.psql(`SELECT name, sha256, applied_at FROM schema_migrations WHERE version = ${top}`);
  await k.db.psql(`DELETE FROM schema_migrations WHERE version = ${top}`);
  try {
    assert.equal((await fetch(`${k.url}/readyz`)).status, 503);
    text = await scrape();
    assert.equal(value(text, 'kpjd_ready'), 0);
    assert.equal(value(text, 'kpjd_ready_changes_total'), changes + 1);
  } finally {
    const [name, sha, at] = row.split('|');
    await k.db.psql(`INSERT INTO schema_migrations (version, name, sha256, applied_at)
                     VALUES (${top}, '${name}', '${sha}', '${at}')`);
  }
  assert.equal((await fetch(`${k.url}/readyz`)).status, 200);
  assert.equal(value(await scrape(), 'kpjd_ready_changes_total'), changes + 2);
});
