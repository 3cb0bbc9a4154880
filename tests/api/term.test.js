// End-of-term assessment (终期考核) and its effect on the next batch
// (API.md "Term management"): the assessment's timing by the database
// clock, roles and validation, correction until it has had its effect;
// registration barred for an unqualified unit through the real invitation
// flow (the code stays usable); carry-over of the excellent as proposed,
// once, outside quotas, on to the notice and naming; the qualified fast
// track on the move to evaluating, never sampled, never initially reviewed.
// Bases are made by naming batches (tests/lib/naming.js); the old term is
// 2016–2020, over by the clock.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { createDatabase, startKpjdd } from '../lib/kpjdd.js';
import { anonymous, expectProblem } from '../lib/http.js';
import { createAdmin, createUser, signIn } from '../lib/accounts.js';
import { applicantPayload, makeApplication, makeBatch, makeInvitation, makeRecommender, registerApplicant } from '../lib/fixtures.js';
import { applicantSession, endWindow, keygen, publicityBatch } from '../lib/naming.js';
import { dbTime, publishNotice } from '../lib/publicity.js';

const dir = mkdtempSync(join(tmpdir(), 'kpjd-term-'));
let db, k, admin, rec, rec2, expert, today, year;
let old, oldApps;       // the 2016–2020 batch's named bases: [unqualified, excellent, qualified, none, excellent revoked], their applications
let current, future;    // a base whose term ends this year, and one whose term starts next year
let next;               // the batch of the term starting this year: after 2020

async function json(res, status = 200) {
  const text = await res.text();
  assert.equal(res.status, status, `status (body: ${text})`);
  return text ? JSON.parse(text) : null;
}
const fields = (p) => p.errors.map((e) => [e.field, e.code]);
const assess = (who, id, body) => who.api('PUT', `/bases/${id}/term-assessment`, body);
const register = (body) => anonymous(k.url)('POST', '/applicants', body);

async function named(term, count) {
  const p = await publicityBatch(k, admin, rec, { count, term });
  const done = await json(await admin.api('POST', `/batches/${p.batch.id}/naming`, { named_on: today }));
  return { ...p, bases: done.bases };
}

async function audits(entity, id) {
  const out = await db.psql(`SELECT action FROM audit_log WHERE entity = '${entity}' AND entity_id = '${id}' ORDER BY id`);
  return out.split('\n').filter(Boolean);
}

const appRow = async (id) => JSON.parse(await db.psql(
  `SELECT json_build_object('status', status, 'fast_track', fast_track, 'recommended_at', recommended_at) FROM applications WHERE id = ${id}`));

// A unit registered in `batch` through an invitation of `who`, then
// recommended in SQL (the steps between are not what this file tests).
async function recommended(who, batch, unit) {
  const reg = await makeApplication(k.url, who.session, batch.id, { unit });
  await db.psql(`UPDATE applications SET status = 'recommended', recommended_at = now(), category = 'venue',
                 base_name = '${reg.applicant.name}基地' WHERE id = ${reg.application.id}`);
  return reg;
}

before(async () => {
  const key = keygen(dir, 'signing.key');
  db = await createDatabase();
  k = await startKpjdd({ db, migrate: true, env: { KPJD_CRYPTO_SIGNING_KEY: key.path, KPJD_INVITATIONS_LOOKUP_LIMIT: '10000' } });
  createAdmin(db);
  admin = await signIn(k.url, 'admin');
  rec = await makeRecommender(k.url, admin);
  rec2 = await makeRecommender(k.url, admin);
  await createUser(db, { username: 'expert1', role: 'expert' });
  expert = await signIn(k.url, 'expert1');
  today = await db.psql(`SELECT to_char((now() AT TIME ZONE 'Asia/Shanghai')::date, 'YYYY-MM-DD')`);
  year = Number(await db.psql(`SELECT extract(year FROM now() AT TIME ZONE 'Asia/Shanghai')::int`));
  const o = await named(2016, 5);
  [old, oldApps] = [o.bases, o.apps];
  assert.deepEqual(old.map((b) => b.application_id), oldApps.map((a) => a.id));   // both in notice order
  current = (await named(year - 4, 1)).bases[0];
  future = (await named(year + 1, 1)).bases[0];
});
after(async () => {
  await k?.stop();
  await db?.drop();
  rmSync(dir, { recursive: true, force: true });
});

describe('the assessment', () => {
  test('only in the term\'s last year or later, by the database clock in China', async () => {
    const early = await expectProblem(await assess(admin, future.id, { result: 'excellent', comments: '很好' }), 409, 'invalid_state');
    assert.match(early.detail, new RegExp(`${year + 5} 年`));
    assert.equal((await json(await admin.api('GET', `/bases/${future.id}`))).term_assessment, null);
    const inIt = await json(await assess(admin, current.id, { result: 'excellent', comments: '届期内表现突出' }));
    assert.equal(inIt.id, current.id);
    assert.equal(inIt.term_assessment.result, 'excellent');
    assert.equal(inIt.term_assessment.comments, '届期内表现突出');
    assert.equal(inIt.term_assessment.assessed_by, admin.user.id);
    assert.match(inIt.term_assessment.assessed_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.equal(inIt.status, 'valid');
    const results = ['unqualified', 'excellent', 'qualified', null, 'excellent'];
    for (let i = 0; i < old.length; i++) {
      if (results[i] === null) continue;
      const b = await json(await assess(admin, old[i].id, { result: results[i], comments: `考核意见${i}` }));
      assert.equal(b.term_assessment.result, results[i]);
      assert.equal(b.status, 'expired');
    }
    // the last is revoked after its term (allowed): no more assessing it, and its excellent carries nothing (below)
    await json(await admin.api('POST', `/bases/${old[4].id}/revoke`, { reason: '严重违规' }));
    const revoked = await expectProblem(await assess(admin, old[4].id, { result: 'qualified', comments: '合格' }), 409, 'invalid_state');
    assert.match(revoked.detail, /撤销/);
    assert.deepEqual(await audits('base', old[0].id), ['base.term_assessed']);
  });

  test('the register shows it; the unit sees its own; the public never', async () => {
    const list = await json(await admin.api('GET', `/bases?batch_id=${old[0].batch_id}`));
    assert.deepEqual(list.items.map((b) => b.term_assessment?.result ?? null),
      ['unqualified', 'excellent', 'qualified', null, 'excellent']);
    assert.equal((await json(await admin.api('GET', `/bases/${old[1].id}`))).term_assessment.result, 'excellent');
    const pub = await json(await anonymous(k.url)('GET', `/public/bases?q=${encodeURIComponent(current.name)}`));
    assert.equal(pub.items.length, 1);
    assert.equal('term_assessment' in pub.items[0], false);
  });

  test('expired shows everywhere: the register, verification, not in the directory', async () => {
    const b = await json(await admin.api('GET', `/bases/${old[3].id}`));
    assert.equal(b.status, 'expired');
    const cert = await json(await anonymous(k.url)('GET', `/public/certificates/${old[3].certificate_no}`));
    assert.equal(cert.status, 'expired');
    const dirOld = await json(await anonymous(k.url)('GET', '/public/bases?term_start_year=2016'));
    assert.deepEqual(dirOld.items, []);
    assert.deepEqual((await json(await admin.api('GET', '/bases?status=expired'))).items.map((x) => x.id),
      old.slice(0, 4).map((x) => x.id));
  });

  test('roles, validation, unknown bases', async () => {
    const body = { result: 'qualified', comments: '合格' };
    await expectProblem(await assess(rec.session, old[3].id, body), 403, 'forbidden');
    await expectProblem(await assess(expert, old[3].id, body), 403, 'forbidden');
    await expectProblem(await anonymous(k.url)('PUT', `/bases/${old[3].id}/term-assessment`, body), 401, 'unauthenticated');
    await expectProblem(await assess(admin, 999999, body), 404, 'not_found');
    await expectProblem(await assess(admin, 'x', body), 404, 'not_found');
    let p = await expectProblem(await assess(admin, old[3].id, { result: 'good', comments: '好' }), 422, 'validation');
    assert.deepEqual(fields(p), [['result', 'enum']]);
    p = await expectProblem(await assess(admin, old[3].id, { result: 'excellent' }), 422, 'validation');
    assert.deepEqual(fields(p).map((f) => f[0]), ['comments']);
    p = await expectProblem(await assess(admin, old[3].id, { result: 'excellent', comments: '长'.repeat(2001) }), 422, 'validation');
    assert.deepEqual(fields(p).map((f) => f[0]), ['comments']);
    p = await expectProblem(await assess(admin, old[3].id, { result: 7, comments: '好' }), 422, 'validation');
    assert.deepEqual(fields(p).map((f) => f[0]), ['result']);
    const res = await fetch(`${k.url}/api/v1/bases/${old[3].id}/term-assessment`, {
      method: 'PUT', headers: { authorization: `Bearer ${admin.token}`, 'content-type': 'application/json' }, body: '{"result":',
    });
    await expectProblem(res, 400, 'bad_json');
    // nothing of it was stored
    assert.equal((await json(await admin.api('GET', `/bases/${old[3].id}`))).term_assessment, null);
  });

  test('a correction before it has had an effect is allowed, and audited with the previous result', async () => {
    const b = await json(await assess(admin, current.id, { result: 'qualified', comments: '更正：合格' }));
    assert.equal(b.term_assessment.result, 'qualified');
    assert.deepEqual(await audits('base', current.id), ['base.term_assessed', 'base.term_assessed']);
    const prev = await db.psql(`SELECT data->>'previous' FROM audit_log WHERE entity = 'base' AND entity_id = '${current.id}' ORDER BY id DESC LIMIT 1`);
    assert.equal(prev, 'excellent');
    await json(await assess(admin, current.id, { result: 'excellent', comments: '届期内表现突出' }));
  });

  test('the unit and its recommender are told', async () => {
    const unit = await applicantSession(k, oldApps[0]);
    const mine = await json(await unit.api('GET', '/notifications'));
    assert.ok(mine.items.some((n) => n.kind === 'base.term_assessed' && n.title.includes('不合格')), JSON.stringify(mine.items));
    const theirs = await json(await rec.session.api('GET', '/notifications?limit=200'));
    assert.ok(theirs.items.filter((n) => n.kind === 'base.term_assessed').length >= 4);
  });
});

describe('the next batch', () => {
  let ordinary, qualifiedApp, noneApp, sameTermApp, sameTerm, carried;

  test('setup: the batch of this year\'s term, open, with quota 0 for the old bases\' recommender', async () => {
    next = await makeBatch(admin, { status: 'open', term_start_year: year, term_end_year: year + 4 });
    await json(await admin.api('PUT', `/batches/${next.id}/quotas`,
      { quotas: [{ recommender_id: rec.id, quota: 0 }, { recommender_id: rec2.id, quota: 5 }] }));
    sameTerm = await makeBatch(admin, { status: 'open', term_start_year: 2020, term_end_year: 2024 });
  });

  test('an unqualified unit is barred at registration; nothing is made, the code stays usable', async () => {
    const code = await makeInvitation(rec.session, next.id);
    const units = Number(await db.psql('SELECT count(*) FROM applicant_units'));
    const body = applicantPayload(code, { unit: { credit_code: old[0].credit_code, name: old[0].unit_name } });
    const p = await expectProblem(await register(body), 409, 'barred');
    assert.ok(p.detail.includes(old[0].name), p.detail);
    assert.ok(p.detail.includes(old[0].certificate_no), p.detail);
    assert.ok(p.detail.includes('2016') && p.detail.includes('2020'), p.detail);
    assert.ok(p.detail.includes('终期考核不合格'), p.detail);
    assert.equal(Number(await db.psql('SELECT count(*) FROM applicant_units')), units);
    assert.equal(await db.psql(`SELECT count(*) FROM users WHERE username = '${body.username}'`), '0');
    assert.equal(await db.psql(`SELECT coalesce(used_at::text, 'unused') FROM invitations WHERE code = '${code}'`), 'unused');
    // the same code (and even the same username) serves another unit
    const other = await registerApplicant(k.url, code, { username: body.username });
    assert.equal(other.application.batch_id, next.id);
    assert.equal(other.application.recommender_id, rec.id);
  });

  test('the bar is lowercase-proof and holds for every recommender\'s code', async () => {
    const code = await makeInvitation(rec2.session, next.id);
    const body = applicantPayload(code, { unit: { credit_code: old[0].credit_code.toLowerCase() } });
    await expectProblem(await register(body), 409, 'barred');
  });

  test('a batch whose term does not start after the base\'s is not touched; a base without assessment applies again', async () => {
    sameTermApp = await recommended(rec2, sameTerm, { credit_code: old[0].credit_code });
    noneApp = await recommended(rec2, next, { credit_code: old[3].credit_code });
    assert.equal(noneApp.application.batch_id, next.id);
  });

  test('the qualified go straight to final evaluation when the batch enters evaluating; no one else does', async () => {
    qualifiedApp = await recommended(rec2, next, { credit_code: old[2].credit_code });
    ordinary = await recommended(rec2, next, {});
    const qualifiedSame = await recommended(rec2, sameTerm, { credit_code: old[2].credit_code });
    await json(await admin.api('PATCH', `/batches/${next.id}`, { status: 'evaluating' }));
    await json(await admin.api('PATCH', `/batches/${sameTerm.id}`, { status: 'evaluating' }));
    const q = await json(await admin.api('GET', `/applications/${qualifiedApp.application.id}`));
    assert.equal(q.status, 'initial_passed');
    assert.equal(q.fast_track, 'qualified');
    assert.equal(q.initial_review, null);
    for (const a of [ordinary, noneApp, qualifiedSame, sameTermApp]) {
      const x = await json(await admin.api('GET', `/applications/${a.application.id}`));
      assert.equal(x.status, 'recommended', `application ${x.id}`);
      assert.equal(x.fast_track, null);
    }
    assert.deepEqual(await audits('application', qualifiedApp.application.id), ['application.fast_tracked']);
    // the list summaries carry it
    const page = await json(await admin.api('GET', `/applications?batch_id=${next.id}&status=initial_passed`));
    assert.deepEqual(page.items.map((x) => [x.id, x.fast_track]), [[qualifiedApp.application.id, 'qualified']]);
    // the unit is told
    const unit = await signIn(k.url, qualifiedApp.username, qualifiedApp.password);
    const told = await json(await unit.api('GET', '/notifications'));
    assert.ok(told.items.some((n) => n.kind === 'application.fast_tracked'));
  });

  test('a fast-tracked application takes no initial review', async () => {
    const p = await expectProblem(await admin.api('POST', `/applications/${qualifiedApp.application.id}/initial-review`,
      { result: 'fail', comments: '不符合' }), 409, 'invalid_state');
    assert.match(p.detail, /终期考核/);
    await json(await admin.api('POST', `/batches/${next.id}/initial-review`, {
      items: [{ application_id: ordinary.application.id, result: 'pass' }, { application_id: noneApp.application.id, result: 'pass' }],
    }));
  });

  test('never sampled: a sample at rate 1 holds every other candidate and not it', async () => {
    const s = await json(await admin.api('POST', `/batches/${next.id}/onsite-sample`, { rate: 1 }), 201);
    assert.equal(s.candidates, 2);
    assert.deepEqual(s.selected, [noneApp.application.id, ordinary.application.id].sort((a, b) => a - b));
  });

  test('carry-over: refused outside evaluating, for others than the admin, for an unknown batch', async () => {
    await expectProblem(await admin.api('POST', `/batches/${sameTerm.id + 1000}/carry-over`), 404, 'not_found');
    const draft = await makeBatch(admin, { term_start_year: year, term_end_year: year + 4 });
    await expectProblem(await admin.api('POST', `/batches/${draft.id}/carry-over`), 409, 'invalid_state');
    await expectProblem(await rec.session.api('POST', `/batches/${next.id}/carry-over`), 403, 'forbidden');
    await expectProblem(await expert.api('POST', `/batches/${next.id}/carry-over`), 403, 'forbidden');
    await expectProblem(await anonymous(k.url)('POST', `/batches/${next.id}/carry-over`), 401, 'unauthenticated');
  });

  test('carry-over: the excellent of ended terms only, proposed, bound to the original recommender, outside quotas; once', async () => {
    const before = await json(await admin.api('GET', `/batches/${next.id}/quotas`));
    const first = await json(await admin.api('POST', `/batches/${next.id}/carry-over`));
    assert.equal(first.count, 1);
    assert.equal(first.items.length, 1);
    carried = first.items[0];
    // old[1] only: not the revoked old[4], not `current` (its term ends this year, not before), not the others
    assert.equal(carried.status, 'proposed');
    assert.equal(carried.fast_track, 'excellent');
    assert.equal(carried.batch_id, next.id);
    assert.equal(carried.recommender_id, rec.id);
    assert.equal(carried.base_name, old[1].name);
    assert.equal(carried.category, old[1].category);
    assert.equal(carried.unit_name, old[1].unit_name);
    assert.equal(carried.recommended_at, null);
    const credit = await db.psql(`SELECT credit_code FROM applications WHERE id = ${carried.id}`);
    assert.equal(credit, old[1].credit_code);
    const form = await db.psql(`SELECT (a.form = o.form)::text FROM applications a, applications o
                                 WHERE a.id = ${carried.id} AND o.id = ${old[1].application_id}`);
    assert.equal(form, 'true');
    // outside every quota: rec (quota 0) has it, its use unchanged
    const after = await json(await admin.api('GET', `/batches/${next.id}/quotas`));
    const row = (q) => q.items.find((r) => r.recommender_id === rec.id);
    assert.deepEqual(row(after), row(before));
    assert.equal(row(after).quota, 0);
    assert.equal(row(after).used, 0);
    // audited, and told
    assert.deepEqual(await audits('application', carried.id), ['application.carried_over']);
    assert.deepEqual(await audits('batch', next.id).then((a) => a.filter((x) => x === 'batch.carried_over')), ['batch.carried_over']);
    const theirs = await json(await rec.session.api('GET', '/notifications?limit=200'));
    assert.ok(theirs.items.some((n) => n.kind === 'application.carried_over'));
    // the recommender sees it in its list, marked
    const mine = await json(await rec.session.api('GET', `/applications?batch_id=${next.id}&status=proposed`));
    assert.deepEqual(mine.items.map((x) => [x.id, x.fast_track]), [[carried.id, 'excellent']]);
    // a second call creates nothing
    const again = await json(await admin.api('POST', `/batches/${next.id}/carry-over`));
    assert.deepEqual(again, { count: 0, items: [] });
    assert.equal(await db.psql(`SELECT count(*) FROM applications WHERE batch_id = ${next.id} AND fast_track = 'excellent'`), '1');
  });

  test('an assessment that has had its effect stays; a bar that left nothing may still be corrected', async () => {
    for (const b of [old[1], old[2]]) {
      const p = await expectProblem(await assess(admin, b.id, { result: 'unqualified', comments: '更正' }), 409, 'invalid_state');
      assert.ok(p.detail.includes(next.code), p.detail);
    }
    const b = await json(await assess(admin, old[0].id, { result: 'unqualified', comments: '维持不合格' }));
    assert.equal(b.term_assessment.comments, '维持不合格');
  });

  test('the proposed list leaves the carried-over proposed; the notice lists it; naming names it', async () => {
    // the candidates' scoring, shortcut in SQL: one expert's submitted total each
    const adminId = await db.psql(`SELECT id FROM users WHERE username = 'admin'`);
    const expertId = await db.psql(`INSERT INTO experts (name, organization, field, user_id)
                                    SELECT '专家', '某研究所', '物理', id FROM users WHERE username = 'expert1' RETURNING id`);
    await db.psql(`INSERT INTO assignment_rounds (batch_id, seed, per_application, made_by)
                   VALUES (${next.id}, repeat('0', 64), 1, ${adminId.split('\n')[0]})`);
    const candidates = [qualifiedApp, ordinary, noneApp].map((a) => a.application.id);
    await db.psql(`INSERT INTO assignments (batch_id, application_id, expert_id, status, total, submitted_at)
                   SELECT ${next.id}, id, ${expertId.split('\n')[0]}, 'submitted', 8000, now()
                     FROM unnest(ARRAY[${candidates.join(',')}]::bigint[]) id`);
    const ranking = await json(await admin.api('GET', `/batches/${next.id}/ranking`));
    assert.deepEqual(ranking.items.map((x) => x.application_id).sort(), [...candidates].sort());
    const fixed = await json(await admin.api('POST', `/batches/${next.id}/proposed-list`,
      { application_ids: [qualifiedApp.application.id, ordinary.application.id] }));
    assert.deepEqual(fixed, { proposed: 2, final_rejected: 1 });
    assert.equal((await appRow(carried.id)).status, 'proposed');
    const notice = await publishNotice(admin, next.id, { starts_at: await dbTime(db, -7 * 86400), ends_at: await dbTime(db, 3600) });
    const row = notice.rows.find((r) => r.application_id === carried.id);
    assert.ok(row, JSON.stringify(notice.rows));
    assert.equal(row.base_name, old[1].name);
    assert.equal(row.recommender_name, rec.recommender.name);
    assert.equal(notice.rows.length, 3);
    // too late now: the batch is in publicity
    await expectProblem(await admin.api('POST', `/batches/${next.id}/carry-over`), 409, 'invalid_state');
    await endWindow(db, notice.id);
    const done = await json(await admin.api('POST', `/batches/${next.id}/naming`, { named_on: today }));
    assert.equal(done.named, 3);
    const base = done.bases.find((b) => b.application_id === carried.id);
    assert.equal(base.name, old[1].name);
    assert.equal(base.term_start_year, year);
    assert.equal(base.credit_code, old[1].credit_code);
  });
});
