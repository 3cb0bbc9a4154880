// The read path: what a read costs the database, counted by kpjdd's own
// kpjd_db_round_trips_total (every statement, BEGIN, COMMIT and prepare it
// sends and waits for), and the session's idle clock that reads wind.
// GET /applications/{id} checks the session and reads the row and its
// attachments in one statement; every other GET checks the session in one
// statement, without a transaction around it.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { createDatabase, startKpjdd } from '../lib/kpjdd.js';
import { expectProblem, sleep } from '../lib/http.js';
import { createAdmin, signIn } from '../lib/accounts.js';
import { makeApplication, makeBatch, makeRecommender } from '../lib/fixtures.js';

let db, k, admin, rec, batch, app, applicant;

before(async () => {
  db = await createDatabase();
  k = await startKpjdd({ db, migrate: true, env: { KPJD_HTTP_WORKERS: '1' } });
  createAdmin(db);
  admin = await signIn(k.url, 'admin');
  rec = await makeRecommender(k.url, admin, { name: '湖北省科学技术协会', kind: 'provincial_cast', region: '湖北省' });
  batch = await makeBatch(admin, { status: 'open' });
  const made = await makeApplication(k.url, rec.session, batch.id);
  app = made.application;
  applicant = await signIn(k.url, made.username, made.password);
});
after(async () => {
  await k?.stop();
  await db?.drop();
});

async function roundTrips(server = k) {
  const text = await (await fetch(server.url + '/metrics')).text();
  const m = text.match(/^kpjd_db_round_trips_total (\d+)$/m);
  assert.ok(m, 'kpjd_db_round_trips_total is exported');
  return Number(m[1]);
}

// Round trips of n sequential requests, after one to prepare statements.
// The housekeeping thread shares the counter: a few of its statements may
// fall into the window, never n of them.
const N = 20;
async function costOf(request) {
  assert.equal((await request()).status, (await request()).status);
  const before = await roundTrips();
  for (let i = 0; i < N; i++)
    await (await request()).arrayBuffer();
  return (await roundTrips()) - before;
}

describe('round trips per read', () => {
  test('GET /applications/{id}: one round trip each (session, row, attachments together)', async () => {
    const cost = await costOf(() => admin.api('GET', `/applications/${app.id}`));
    assert.ok(cost >= N && cost <= N + 3, `${N} GETs cost ${cost} round trips`);
  });

  test('a row out of scope (404), a missing row, a bad id: one round trip each too', async () => {
    const other = await makeApplication(k.url, rec.session, batch.id);
    const paths = [`/applications/${other.application.id}`, '/applications/999999999', '/applications/x'];
    for (const path of paths) {
      await expectProblem(await applicant.api('GET', path), 404, 'not_found');
      const cost = await costOf(() => applicant.api('GET', path));
      assert.ok(cost >= N && cost <= N + 3, `${path}: ${N} GETs cost ${cost} round trips`);
    }
  });

  test('any other GET: the session check is one statement, no BEGIN and COMMIT around it', async () => {
    // GET /session reads nothing beyond the session.
    const cost = await costOf(() => admin.api('GET', '/session'));
    assert.ok(cost >= N && cost <= N + 3, `${N} GET /session cost ${cost} round trips`);
  });

  test('no token: no round trip at all', async () => {
    const cost = await costOf(() => fetch(`${k.url}/api/v1/applications/${app.id}`));
    assert.ok(cost <= 3, `${N} anonymous GETs cost ${cost} round trips`);
  });
});

describe('the answer', () => {
  test('GET answers the application as PATCH does: same fields, form and attachments', async () => {
    const patched = await applicant.api('PATCH', `/applications/${app.id}`,
      { base_name: '测试 "基地"\\\n', form: { profile: '简介\t"引号"', staff_fulltime: 3, honors: [] } });
    assert.equal(patched.status, 200, await patched.clone().text());
    const viaPatch = await patched.json();
    const res = await applicant.api('GET', `/applications/${app.id}`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('etag'), `"${viaPatch.version}"`);
    assert.match(res.headers.get('content-type'), /^application\/json; charset=utf-8$/);
    const got = await res.json();
    assert.deepEqual(got, viaPatch);
    assert.deepEqual(Object.keys(got), Object.keys(viaPatch), 'the same fields in the same order');
    assert.deepEqual(got.attachments, []);
  });
});

describe('the idle clock', () => {
  const lastSeen = async (session) => db.psql(
    `SELECT extract(epoch FROM last_seen_at) FROM sessions WHERE csrf_token = '${session.csrf}'`);

  test('reads wind it at most every few seconds, not on every request', async () => {
    const s = await signIn(k.url, 'admin');          // default idle: wound every 15 s at most
    const first = await lastSeen(s);
    for (let i = 0; i < 5; i++) {
      assert.equal((await s.api('GET', `/applications/${app.id}`)).status, 200);
      assert.equal((await s.api('GET', '/session')).status, 200);
    }
    assert.equal(await lastSeen(s), first, 'fresh: not written again');
    await db.psql(`UPDATE sessions SET last_seen_at = now() - interval '20 s' WHERE csrf_token = '${s.csrf}'`);
    const stale = await lastSeen(s);
    assert.equal((await s.api('GET', `/applications/${app.id}`)).status, 200);
    const wound = await lastSeen(s);
    assert.ok(Number(wound) > Number(stale) + 19, `stale: wound by the read (${stale} → ${wound})`);
  });

  test('GET /applications/{id} keeps a busy session alive; an idle one dies (401)', async () => {
    // Idle 6 s, wound every 1.5 s; reads 2 s apart keep the busy one alive with 4 s to spare
    // for a loaded machine, and 8 s without a read end the idle one.
    const short = await startKpjdd({ db, env: { KPJD_AUTH_SESSION_IDLE: '6' } });
    try {
      const busy = await signIn(short.url, 'admin');
      const idle = await signIn(short.url, 'admin');
      for (let i = 0; i < 4; i++) {
        await sleep(2000);
        assert.equal((await busy.api('GET', `/applications/${app.id}`)).status, 200,
          `busy session alive after ${(i + 1) * 2}s`);
      }
      await expectProblem(await idle.api('GET', `/applications/${app.id}`), 401, 'unauthenticated');
      await expectProblem(await idle.api('GET', '/session'), 401, 'unauthenticated');
    } finally {
      await short.stop();
    }
  });
});
