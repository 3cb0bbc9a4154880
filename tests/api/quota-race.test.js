// The quota holds under concurrency: a recommender with 3 places and 12
// submitted applications fires 12 recommendations at once, half of them at
// each of two kpjdd processes serving the same database.  Exactly 3 win;
// the others are told quota_exhausted (not 500, not 503).  Then one
// recommendation is withdrawn and the race runs again: exactly one more wins.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { createDatabase, startKpjdd } from '../lib/kpjdd.js';
import { createAdmin, signIn } from '../lib/accounts.js';
import { makeBatch, makeRecommender, registerApplicant } from '../lib/fixtures.js';

const N = 12;
const QUOTA = 3;
let db, k1, k2, admin, rec, batch;
let apps;   // [{ id, url }] — url: the daemon this one's requests go to

const FORM = {
  staff_fulltime: 5, staff_parttime: 10, volunteers: 50, open_days_per_year: 250, annual_visitors: 80000,
  venue_area_m2: 3000, annual_funding_wan: 120.5, activities_last3y: 60,
  profile: '单位简介', work_summary: '科普工作简介', conditions: '保障条件', plan: '三年发展规划',
};
const PDF = Buffer.from('%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n');

async function json(res, status = 200) {
  const text = await res.text();
  assert.equal(res.status, status, `status (body: ${text})`);
  return text ? JSON.parse(text) : null;
}

before(async () => {
  db = await createDatabase();
  const env = { KPJD_INVITATIONS_LOOKUP_LIMIT: '10000' };
  k1 = await startKpjdd({ db, migrate: true, env });
  k2 = await startKpjdd({ db, env });
  createAdmin(db);
  admin = await signIn(k1.url, 'admin');
  rec = await makeRecommender(k1.url, admin, { name: '上海市科学技术协会', kind: 'provincial_cast', region: '上海市' });
  batch = await makeBatch(admin, { status: 'open' });
  await json(await admin.api('PUT', `/batches/${batch.id}/quotas`, { quotas: [{ recommender_id: rec.id, quota: QUOTA }] }));
  const { items: codes } = await json(await rec.session.api('POST', `/batches/${batch.id}/invitations`, { count: N }), 201);
  assert.equal(codes.length, N);

  // register, fill in, upload the signed form and submit: twelve at once, spread over both daemons
  apps = await Promise.all(codes.map(async ({ code }, i) => {
    const url = i % 2 ? k2.url : k1.url;
    const reg = await registerApplicant(url, code, { unit: { region: '上海市' } });
    const s = await signIn(url, reg.username, reg.password);
    const id = reg.application.id;
    await json(await s.api('PATCH', `/applications/${id}`, { base_name: `${reg.applicant.name}科普基地`, category: 'venue', form: FORM }));
    await json(await fetch(`${url}/api/v1/applications/${id}/attachments?kind=application_form`, {
      method: 'POST',
      headers: { authorization: `Bearer ${s.token}`, 'content-type': 'application/pdf',
        'content-disposition': `attachment; filename*=UTF-8''${encodeURIComponent('申报表.pdf')}` },
      body: PDF,
    }), 201);
    assert.equal((await json(await s.api('POST', `/applications/${id}/submit`))).status, 'submitted');
    return { id, url };
  }));
});
after(async () => {
  await k2?.stop();
  await k1?.stop();
  await db?.drop();
});

// All at once, alternating daemons; resolves [{ id, status, code }].
async function race(targets) {
  return Promise.all(targets.map(async ({ id }, i) => {
    const url = i % 2 ? k2.url : k1.url;
    const res = await fetch(`${url}/api/v1/applications/${id}/recommend`, {
      method: 'POST',
      headers: { authorization: `Bearer ${rec.session.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ opinion: '同意推荐' }),
    });
    const body = await res.json();
    return { id, status: res.status, code: body.code, appStatus: body.status };
  }));
}

async function state() {
  const rows = (await db.psql(`SELECT id, status, recommended_at IS NOT NULL FROM applications
                                WHERE batch_id = ${batch.id} ORDER BY id`)).split('\n').map((l) => l.split('|'));
  const { items } = await json(await admin.api('GET', `/batches/${batch.id}/quotas`));
  return {
    recommended: rows.filter((r) => r[1] === 'recommended').map((r) => Number(r[0])),
    withPlace: rows.filter((r) => r[2] === 't').length,
    submitted: rows.filter((r) => r[1] === 'submitted').map((r) => Number(r[0])),
    used: items[0].used,
  };
}

// Serialization failures retried by both daemons: a sign that the requests really overlapped.
async function retries() {
  let sum = 0;
  for (const url of [k1.url, k2.url]) {
    const text = await (await fetch(`${url}/metrics`)).text();
    sum += Number(/^kpjd_db_tx_retries_total (\d+)$/m.exec(text)?.[1] ?? NaN);
  }
  return sum;
}

function tally(results) {
  const other = results.filter((r) => !(r.status === 200 || (r.status === 409 && r.code === 'quota_exhausted')));
  assert.deepEqual(other, [], 'every answer is 200 or 409 quota_exhausted');
  return {
    won: results.filter((r) => r.status === 200).map((r) => r.id).sort((a, b) => a - b),
    lost: results.filter((r) => r.status === 409).length,
  };
}

test(`${N} recommendations at once over two daemons, ${QUOTA} places: exactly ${QUOTA} win`, async (t) => {
  assert.equal((await state()).submitted.length, N);
  const retried = await retries();
  const results = await race(apps);
  t.diagnostic(`transactions retried during the race: ${(await retries()) - retried}`);
  const { won, lost } = tally(results);
  assert.equal(won.length, QUOTA, `winners: ${JSON.stringify(results)}`);
  assert.equal(lost, N - QUOTA);
  for (const r of results.filter((x) => x.status === 200)) assert.equal(r.appStatus, 'recommended');

  const s = await state();
  assert.deepEqual(s.recommended, won, 'the winners, and only they, are recommended');
  assert.equal(s.withPlace, QUOTA);
  assert.equal(s.submitted.length, N - QUOTA, 'the others are still waiting');
  assert.equal(s.used, QUOTA);
  const audit = await json(await admin.api('GET', '/audit?action=application.recommended&limit=200'));
  assert.equal(audit.items.length, QUOTA);
});

test('one withdrawn, the race again: exactly one more wins', async (t) => {
  const before = await state();
  const back = before.recommended[0];
  const res = await fetch(`${k2.url}/api/v1/applications/${back}/withdraw-recommendation`, {
    method: 'POST', headers: { authorization: `Bearer ${rec.session.token}` },
  });
  assert.equal((await json(res)).status, 'submitted');
  assert.equal((await state()).used, QUOTA - 1);

  const waiting = (await state()).submitted;
  assert.equal(waiting.length, N - QUOTA + 1);
  const retried = await retries();
  const results = await race(waiting.map((id) => ({ id })));
  t.diagnostic(`transactions retried during the race: ${(await retries()) - retried}`);
  const { won, lost } = tally(results);
  assert.equal(won.length, 1, `winners: ${JSON.stringify(results)}`);
  assert.equal(lost, waiting.length - 1);

  const s = await state();
  assert.equal(s.recommended.length, QUOTA);
  assert.equal(s.withPlace, QUOTA);
  assert.equal(s.used, QUOTA);
  assert.ok(s.recommended.includes(won[0]));
});
