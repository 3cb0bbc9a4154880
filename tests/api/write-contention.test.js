// Audited writes under concurrency answer 200, never 503.  Every audited
// transaction extends the one hash chain of the audit log; they take turns
// (lib/store/db.c, KP_TX_AUDITED) instead of colliding on its head and running out
// of retries.  Two daemons serve the same database, several workers each:
// 48 applicants PATCH their own drafts at once, three rounds, while a
// recommender's recommendations of other applications run among them.
// Then: the turn is never left held — not by a write refused inside its
// transaction, nor by connections killed while writes are in flight.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { createDatabase, startKpjdd } from '../lib/kpjdd.js';
import { createAdmin, signIn } from '../lib/accounts.js';
import { makeBatch, makeRecommender, registerApplicant } from '../lib/fixtures.js';

const WRITERS = 48;             // applicants, each PATCHing its own draft
const ROUNDS = 3;
const RECOMMENDS = 6;           // recommendations per round, among the PATCHes
const SUBMITTED = ROUNDS * RECOMMENDS;

const FORM = {
  staff_fulltime: 5, staff_parttime: 10, volunteers: 50, open_days_per_year: 250, annual_visitors: 80000,
  venue_area_m2: 3000, annual_funding_wan: 120.5, activities_last3y: 60,
  profile: '单位简介', work_summary: '科普工作简介', conditions: '保障条件', plan: '三年发展规划',
};
const PDF = Buffer.from('%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n');

let db, k1, k2, admin, rec;
let drafts;      // [{ id, url, session }]: applicants' own drafts
let submitted;   // [{ id, url }]: applications waiting for the recommender

async function json(res, status = 200) {
  const text = await res.text();
  assert.equal(res.status, status, `status (body: ${text})`);
  return text ? JSON.parse(text) : null;
}

const auditRows = async () => Number(await db.psql('SELECT count(*) FROM audit_log'));
const turnHolders = async () => Number(await db.psql(
  `SELECT count(*) FROM pg_locks l JOIN pg_database d ON d.oid = l.database
    WHERE l.locktype = 'advisory' AND l.classid = 0 AND l.objid = 4242018 AND d.datname = current_database()`));

before(async () => {
  db = await createDatabase();
  // Several workers per daemon, so that many transactions really overlap;
  // no per-address cap: all the clients here are 127.0.0.1.
  const env = { KPJD_INVITATIONS_LOOKUP_LIMIT: '10000', KPJD_HTTP_WORKERS: '6', KPJD_HTTP_MAX_PER_IP: '0',
    KPJD_DB_TX_RETRIES: process.env.KPJD_TEST_TX_RETRIES ?? '2' };
  k1 = await startKpjdd({ db, migrate: true, env });
  k2 = await startKpjdd({ db, env });
  createAdmin(db);
  admin = await signIn(k1.url, 'admin');
  rec = await makeRecommender(k1.url, admin, { name: '上海市科学技术协会', kind: 'provincial_cast', region: '上海市' });
  const batch = await makeBatch(admin, { status: 'open' });
  await json(await admin.api('PUT', `/batches/${batch.id}/quotas`,
    { quotas: [{ recommender_id: rec.id, quota: SUBMITTED }] }));
  const { items: codes } = await json(await rec.session.api('POST', `/batches/${batch.id}/invitations`,
    { count: WRITERS + SUBMITTED }), 201);

  // One at a time: the setup is not under test (at db.tx_retries 2, the
  // code before the turns answered 503 here too).
  const applicants = [];
  for (const [i, { code }] of codes.entries()) {
    const url = i % 2 ? k2.url : k1.url;
    const reg = await registerApplicant(url, code, { unit: { region: '上海市' } });
    const session = await signIn(url, reg.username, reg.password);
    applicants.push({ id: reg.application.id, url, session, name: reg.applicant.name });
  }
  drafts = applicants.slice(0, WRITERS);
  submitted = [];
  for (const { id, url, session, name } of applicants.slice(WRITERS)) {
    await json(await session.api('PATCH', `/applications/${id}`, { base_name: `${name}科普基地`, category: 'venue', form: FORM }));
    await json(await fetch(`${url}/api/v1/applications/${id}/attachments?kind=application_form`, {
      method: 'POST',
      headers: { authorization: `Bearer ${session.token}`, 'content-type': 'application/pdf',
        'content-disposition': `attachment; filename*=UTF-8''${encodeURIComponent('申报表.pdf')}` },
      body: PDF,
    }), 201);
    assert.equal((await json(await session.api('POST', `/applications/${id}/submit`))).status, 'submitted');
    submitted.push({ id, url });
  }
});
after(async () => {
  await k2?.stop();
  await k1?.stop();
  await db?.drop();
});

// One PATCH of a draft's form, through the daemon its applicant signed in at.
async function patch({ id, url, session }, volunteers) {
  const res = await fetch(`${url}/api/v1/applications/${id}`, {
    method: 'PATCH',
    headers: { authorization: `Bearer ${session.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ form: { volunteers } }),
  });
  return { what: `PATCH ${id}`, status: res.status, body: await res.text() };
}

// The recommender's recommendation, alternating daemons.
async function recommend({ id }, i) {
  const url = i % 2 ? k2.url : k1.url;
  const res = await fetch(`${url}/api/v1/applications/${id}/recommend`, {
    method: 'POST',
    headers: { authorization: `Bearer ${rec.session.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ opinion: '同意推荐' }),
  });
  return { what: `recommend ${id}`, status: res.status, body: await res.text() };
}

async function metric(name) {
  let sum = 0;
  for (const url of [k1.url, k2.url]) {
    const text = await (await fetch(`${url}/metrics`)).text();
    sum += Number(new RegExp(`^${name} (\\d+)$`, 'm').exec(text)?.[1] ?? NaN);
  }
  return sum;
}

test(`${WRITERS} applicants PATCH at once, ${ROUNDS} rounds, with ${RECOMMENDS} recommendations each: all 200`, async (t) => {
  const rowsBefore = await auditRows();
  const retriesBefore = await metric('kpjd_db_tx_retries_total');
  const answers = [];
  for (let round = 0; round < ROUNDS; round++) {
    const recs = submitted.slice(round * RECOMMENDS, (round + 1) * RECOMMENDS);
    answers.push(...await Promise.all([
      ...drafts.map((d, i) => patch(d, 100 + round * WRITERS + i)),
      ...recs.map((s, i) => recommend(s, i)),
    ]));
  }
  const statuses = {};
  for (const a of answers) statuses[a.status] = (statuses[a.status] ?? 0) + 1;
  t.diagnostic(`answers: ${JSON.stringify(statuses)}; transactions retried: ${
    (await metric('kpjd_db_tx_retries_total')) - retriesBefore}`);
  assert.deepEqual(answers.filter((a) => a.status !== 200), [], 'every answer is 200');
  assert.deepEqual(statuses, { 200: ROUNDS * (WRITERS + RECOMMENDS) });

  // each write appended exactly one row, and the chain holds
  assert.equal(await auditRows() - rowsBefore, ROUNDS * (WRITERS + RECOMMENDS));
  assert.equal(Number(await db.psql(`SELECT count(*) FROM applications WHERE status = 'recommended'`)), SUBMITTED);
  const verdict = await json(await admin.api('GET', '/audit/verify'));
  assert.equal(verdict.ok, true, verdict.problem);
  assert.equal(verdict.count, await auditRows());
  for (const [i, d] of drafts.entries()) {
    const got = await json(await d.session.api('GET', `/applications/${d.id}`));
    assert.equal(got.form.volunteers, 100 + (ROUNDS - 1) * WRITERS + i);
  }
  assert.equal(await turnHolders(), 0, 'no turn held once the writes are done');
});

// Several writes at once from both daemons, each under a time limit: a turn
// left held would keep them waiting (up to db.statement_timeout, then 503).
async function writesGoThrough(label, volunteers) {
  const started = Date.now();
  const answers = await Promise.all(drafts.slice(0, 24).map((d, i) => patch(d, volunteers + i)));
  assert.deepEqual(answers.filter((a) => a.status !== 200), [], `${label}: every answer is 200`);
  assert.ok(Date.now() - started < 5000, `${label}: took ${Date.now() - started} ms`);
}

test('a write refused inside its transaction (412) leaves no turn held', async () => {
  const d = drafts[0];
  for (let i = 0; i < 8; i++) {
    const res = await fetch(`${d.url}/api/v1/applications/${d.id}`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${d.session.token}`, 'content-type': 'application/json', 'if-match': '"1"' },
      body: JSON.stringify({ form: { volunteers: 1 } }),
    });
    assert.equal(res.status, 412, await res.text());
  }
  assert.equal(await turnHolders(), 0);
  await writesGoThrough('after the refusals', 5000);
});

test('connections killed while writes are in flight: later writes go through, no turn held', async () => {
  const inFlight = Promise.all(drafts.map((d, i) => patch(d, 7000 + i)));
  await new Promise((r) => setTimeout(r, 20));
  const killed = Number(await db.psql(`SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
                                        WHERE datname = current_database() AND application_name = 'kpjdd'`));
  assert.ok(killed > 0, 'kpjdd had connections to kill');
  const answers = await inFlight;
  // a write whose connection died at COMMIT may be answered 503 (its fate unknown); none hangs
  assert.deepEqual(answers.filter((a) => a.status !== 200 && a.status !== 503), []);
  await writesGoThrough('after the kill', 9000);
  assert.equal(await turnHolders(), 0);
  const verdict = await json(await admin.api('GET', '/audit/verify'));
  assert.equal(verdict.ok, true, verdict.problem);
});
