// Housekeeping: what kpjdd serve removes on its own, at start and then
// periodically.
//  - An upload cut off (a client gone, a kill -9, the database away) can
//    leave an incomplete attachment row behind; it is swept once it has gone
//    unmarked for attachments.upload_grace seconds.  A live upload marks its
//    row as data comes, so however long it takes it is never swept.
//  - Failed logins leave a login_throttle row per username tried, made-up
//    ones too; a row whose window and lockout are over goes a day later.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';

import { createDatabase, startKpjdd } from '../lib/kpjdd.js';
import { openRaw, sleep } from '../lib/http.js';
import { createAdmin, login, signIn } from '../lib/accounts.js';
import { makeApplication, makeBatch, makeRecommender } from '../lib/fixtures.js';

const pdf = (n) => Buffer.concat([Buffer.from('%PDF-1.7\n'), randomBytes(n - 9)]);

// A database with an admin, an open batch and one application whose
// applicant is signed in.
async function setUp(env) {
  const db = await createDatabase();
  const k = await startKpjdd({ db, migrate: true, env });
  createAdmin(db);
  const admin = await signIn(k.url, 'admin');
  const batch = await makeBatch(admin, { status: 'open' });
  const rec = await makeRecommender(k.url, admin, { name: '清理测试学会' });
  const reg = await makeApplication(k.url, rec.session, batch.id);
  const applicant = await signIn(k.url, reg.username, reg.password);
  return { db, k, app: { id: reg.application.id, session: applicant } };
}

// Starts an upload of `length` bytes on a raw socket and sends `first` of
// them; resolves the socket and the promise of the answer.
async function startUpload(url, app, length, first, name) {
  const { sock, answer, connected } = openRaw(url);
  sock.on('error', () => {});
  await connected;
  sock.write([
    `POST /api/v1/applications/${app.id}/attachments?kind=evidence HTTP/1.1`,
    `Host: ${new URL(url).host}`,
    `Authorization: Bearer ${app.session.token}`,
    'Content-Type: application/pdf',
    `Content-Disposition: attachment; filename="${name}"`,
    `Content-Length: ${length}`,
  ].join('\r\n') + '\r\n\r\n');
  sock.write(first);
  return { sock, answer };
}

// Polls `sql` until it gives `want` or `ms` pass; resolves the last value.
async function until(db, sql, want, ms) {
  const end = Date.now() + ms;
  let got = await db.psql(sql);
  while (got !== want && Date.now() < end) {
    await sleep(100);
    got = await db.psql(sql);
  }
  return got;
}

const INCOMPLETE = 'SELECT count(*) FROM attachments WHERE NOT complete';

test('after kill -9 mid-upload, the partial row is swept when kpjdd starts again (grace 60 s, not a day)', async () => {
  const grace = { KPJD_ATTACHMENTS_UPLOAD_GRACE: '60' };
  let { db, k, app } = await setUp(grace);
  try {
    // 300 KiB of 900: one 256 KiB chunk stored, the rest never comes
    const { sock } = await startUpload(k.url, app, 900 * 1024, pdf(300 * 1024), 'killed.pdf');
    assert.equal(await until(db, 'SELECT count(*) FROM attachment_chunks', '1', 10000), '1', 'a chunk is stored');
    await k.stop({ signal: 'SIGKILL', allowFailure: true });
    sock.destroy();
    assert.equal(await db.psql(INCOMPLETE), '1', 'kill -9 leaves the partial row');
    // two minutes pass (the grace is 60 s; a sweep every 30 s)
    await db.psql("UPDATE attachments SET created_at = created_at - interval '2 minutes' WHERE NOT complete");
    // besides: an incomplete row just marked (another process's live upload), an old complete one
    await db.psql(`INSERT INTO attachments (application_id, kind, filename, content_type, complete, created_at) VALUES
      (${app.id}, 'other', 'young.pdf', 'application/pdf', false, now()),
      (${app.id}, 'other', 'done.pdf', 'application/pdf', true, now() - interval '3 days')`);
    k = await startKpjdd({ db, env: grace });
    // the sweep at start takes it: the next periodic one is 30 s away
    const names = "SELECT string_agg(filename, ',' ORDER BY filename) FROM attachments";
    assert.equal(await until(db, names, 'done.pdf,young.pdf', 10000), 'done.pdf,young.pdf', 'swept at start');
    assert.equal(await db.psql('SELECT count(*) FROM attachment_chunks'), '0', 'chunks go with their attachment');
    assert.match(k.log(), /swept 1 incomplete uploads/);
  } finally {
    await k.stop();
    await db.drop();
  }
});

test('a periodic sweep removes a dead upload without a restart; a live slow upload longer than the grace stays and completes', async () => {
  // grace 6 s: a sweep every 3 s, a live upload marks its row at most every
  // second (as data comes); a connection silent for 2 s is closed (http.timeout)
  const grace = 6000;
  const { db, k, app } = await setUp({ KPJD_ATTACHMENTS_UPLOAD_GRACE: '6', KPJD_HTTP_TIMEOUT: '2' });
  try {
    const pieces = 16;
    const piece = 4096;
    const body = pdf(pieces * piece);
    const slow = await startUpload(k.url, app, body.length, body.subarray(0, piece), 'slow.pdf');
    assert.equal(await until(db, INCOMPLETE, '1', 5000), '1', 'the live upload has its row');
    // an upload of another process that died 5 s ago: its row is never marked again
    await db.psql(`INSERT INTO attachments (application_id, kind, filename, content_type, created_at)
                   VALUES (${app.id}, 'other', 'dead.pdf', 'application/pdf', now() - interval '5 seconds')`);
    const started = Date.now();
    let deadGone = null;
    for (let i = 1; i < pieces; i++) {
      await sleep(700);
      const names = await db.psql("SELECT string_agg(filename, ',' ORDER BY filename) FROM attachments WHERE NOT complete");
      if (deadGone === null && !names.includes('dead.pdf')) deadGone = Date.now() - started;
      assert.ok(names.includes('slow.pdf'), `after ${Date.now() - started} ms the live upload is still there (${names})`);
      slow.sock.write(body.subarray(i * piece, (i + 1) * piece));
    }
    const elapsed = Date.now() - started;
    assert.ok(elapsed > 1.5 * grace, `the upload took ${elapsed} ms, longer than the grace`);
    assert.ok(deadGone !== null, 'the dead upload was swept while kpjdd ran');
    const res = await Promise.race([slow.answer, sleep(10000).then(() => null)]);
    assert.ok(res, 'answered');
    assert.equal(res.status, 201, res.body);
    const at = JSON.parse(res.body);
    assert.equal(at.size, body.length);
    assert.equal(await db.psql(`SELECT complete FROM attachments WHERE id = ${at.id}`), 't');
    assert.equal(await db.psql(INCOMPLETE), '0');
    assert.match(k.log(), /swept 1 incomplete uploads/);
  } finally {
    await k.stop();
    await db.drop();
  }
});

test('a grace shorter than twice http.timeout is refused at start', async () => {
  const db = await createDatabase();
  try {
    await assert.rejects(startKpjdd({ db, migrate: true, env: { KPJD_ATTACHMENTS_UPLOAD_GRACE: '59', KPJD_HTTP_TIMEOUT: '30' } }),
      /attachments\.upload_grace \(59 s\) must be at least twice http\.timeout \(30 s\)/);
  } finally {
    await db.drop();
  }
});

test('login_throttle rows a day past their last failure and lockout expire; recent or locked ones stay', async () => {
  const { db, k } = await setUp({});
  let k2 = null;
  try {
    // failed logins with made-up usernames leave rows
    for (const name of ['nobody-1', 'nobody-2', 'nobody-3']) {
      assert.equal((await login(k.url, name, 'wrong password')).res.status, 401);
    }
    const rows = Number(await db.psql('SELECT count(*) FROM login_throttle'));
    assert.ok(rows >= 3, `${rows} rows`);
    await db.psql(`UPDATE login_throttle SET last_failure_at = now() - interval '25 hours'
                    WHERE key LIKE '%:nobody-1' OR key LIKE '%:nobody-2'`);
    // nobody-2 is still locked out: its row stays until the lockout ends
    await db.psql(`UPDATE login_throttle SET locked_until = now() + interval '1 hour' WHERE key LIKE '%:nobody-2'`);
    await k.stop({ keepDb: true });
    k2 = await startKpjdd({ db });
    assert.equal(await until(db, "SELECT count(*) FROM login_throttle WHERE key LIKE '%:nobody-1'", '0', 10000), '0',
      'a day past its window: expired at start');
    assert.equal(await db.psql("SELECT count(*) FROM login_throttle WHERE key LIKE '%:nobody-2'"), '1', 'locked: kept');
    assert.equal(await db.psql("SELECT count(*) FROM login_throttle WHERE key LIKE '%:nobody-3'"), '1', 'recent: kept');
    assert.match(k2.log(), /expired 1 login throttle rows/);
  } finally {
    await k2?.stop();
    await k.stop();
    await db.drop();
  }
});
