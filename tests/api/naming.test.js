// Naming (认定命名): POST /batches/{id}/naming once the notice's window is
// over (database clock) and every objection has its finding; certificate
// numbers consecutive per term start year, in the notice's row order,
// across batches and under a race; every certificate signed and checked
// from outside; the key rotated with old certificates still verifying; no
// key → 503; audit rows and notifications; every role; bad input.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { createDatabase, startKpjdd } from '../lib/kpjdd.js';
import { anonymous, expectProblem } from '../lib/http.js';
import { createAdmin, createUser, signIn } from '../lib/accounts.js';
import { makeRecommender } from '../lib/fixtures.js';
import { applicantSession, checkCertificate, endWindow, keygen, publicityBatch } from '../lib/naming.js';

const dir = mkdtempSync(join(tmpdir(), 'kpjd-naming-'));
let db, k, admin, rec, keyA, today;

async function json(res, status = 200) {
  const text = await res.text();
  assert.equal(res.status, status, `status (body: ${text})`);
  return text ? JSON.parse(text) : null;
}
const fields = (p) => p.errors.map((e) => [e.field, e.code]);
const name = (batchId, body = { named_on: today }, who = admin) => who.api('POST', `/batches/${batchId}/naming`, body);
const publicGet = (path) => anonymous(k.url)('GET', path);

before(async () => {
  keyA = keygen(dir, 'a.key');
  db = await createDatabase();
  k = await startKpjdd({ db, migrate: true, env: { KPJD_CRYPTO_SIGNING_KEY: keyA.path, KPJD_INVITATIONS_LOOKUP_LIMIT: '10000' } });
  createAdmin(db);
  admin = await signIn(k.url, 'admin');
  rec = await makeRecommender(k.url, admin);
  today = await db.psql(`SELECT to_char((now() AT TIME ZONE 'Asia/Shanghai')::date, 'YYYY-MM-DD')`);
});
after(async () => {
  await k?.stop();
  await db?.drop();
  rmSync(dir, { recursive: true, force: true });
});

describe('preconditions', () => {
  let p;
  before(async () => { p = await publicityBatch(k, admin, rec, { count: 2, term: 2041, endsInS: 3600 }); });

  test('no signing key configured: 503 unavailable saying so, nothing named', async () => {
    const keyless = await startKpjdd({ db, env: { KPJD_CRYPTO_SIGNING_KEY: '' } });
    try {
      const again = await signIn(keyless.url, 'admin');
      const problem = await expectProblem(await again.api('POST', `/batches/${p.batch.id}/naming`, { named_on: today }), 503, 'unavailable');
      assert.match(problem.detail, /crypto\.signing_key/);
    } finally {
      await keyless.stop();
    }
    assert.equal(await db.psql(`SELECT count(*) FROM bases WHERE batch_id = ${p.batch.id}`), '0');
  });

  test('before the notice\'s ends_at (database clock): 409 invalid_state', async () => {
    const problem = await expectProblem(await name(p.batch.id), 409, 'invalid_state');
    assert.match(problem.detail, /公示期至/);
    // half a minute before the end, still open; (endWindow: a second after it, over)
    await db.psql(`UPDATE notices SET ends_at = now() + interval '30 seconds' WHERE id = ${p.notice}`);
    await expectProblem(await name(p.batch.id), 409, 'invalid_state');
  });

  test('an objection without a finding: 409 invalid_state; once it has one, named', async () => {
    // filed while the window is open, undecided when it ends
    await db.psql(`UPDATE notices SET ends_at = now() + interval '1 hour' WHERE id = ${p.notice}`);
    await json(await anonymous(k.url)('POST', `/public/notices/${p.notice}/objections`, {
      application_id: p.apps[0].id, name: '王五', phone: '13800138000', content: '这家单位的场馆早已停止对外开放。',
    }), 201);
    await endWindow(db, p.notice);
    const problem = await expectProblem(await name(p.batch.id), 409, 'invalid_state');
    assert.match(problem.detail, /1 件异议/);
    // upheld at the objection desk: the application leaves the list
    const [objection] = (await json(await admin.api('GET', `/batches/${p.batch.id}/objections`))).items;
    await json(await admin.api('POST', `/objections/${objection.id}/finding`, { result: 'upheld', reply: '经核实，异议成立。' }));
    const done = await json(await name(p.batch.id));
    assert.equal(done.named, 1);
    assert.deepEqual(done.bases.map((b) => b.application_id), [p.apps[1].id]);
    assert.equal(await db.psql(`SELECT status FROM applications WHERE id = ${p.apps[0].id}`), 'withdrawn_after_objection');
  });

  test('every row withdrawn after an objection: the naming names none and closes the batch', async () => {
    const w = await publicityBatch(k, admin, rec, { count: 1, term: 2049 });
    await db.psql(`UPDATE notices SET ends_at = now() + interval '1 hour' WHERE id = ${w.notice}`);
    await json(await anonymous(k.url)('POST', `/public/notices/${w.notice}/objections`, {
      application_id: w.apps[0].id, name: '赵六', phone: '010-68571234', content: '该单位申报的场馆并不存在，请核实。',
    }), 201);
    await endWindow(db, w.notice);
    const [o] = (await json(await admin.api('GET', `/batches/${w.batch.id}/objections`))).items;
    await json(await admin.api('POST', `/objections/${o.id}/finding`, { result: 'upheld', reply: '经核实，异议成立。' }));
    const done = await json(await name(w.batch.id));
    assert.equal(done.named, 0);
    assert.deepEqual(done.bases, []);
    assert.equal(await db.psql(`SELECT status FROM batches WHERE id = ${w.batch.id}`), 'closed');
    assert.equal(await db.psql(`SELECT count(*) FROM bases WHERE batch_id = ${w.batch.id}`), '0');
  });

  test('a batch not in publicity: 409 invalid_state (closed, evaluating); unknown batch 404', async () => {
    let problem = await expectProblem(await name(p.batch.id), 409, 'invalid_state');
    assert.match(problem.detail, /已认定命名/);
    const other = await publicityBatch(k, admin, rec, { count: 1, term: 2042 });
    await db.psql(`UPDATE batches SET status = 'evaluating' WHERE id = ${other.batch.id}`);
    problem = await expectProblem(await name(other.batch.id), 409, 'invalid_state');
    assert.match(problem.detail, /不在公示阶段/);
    await expectProblem(await name(999999999), 404, 'not_found');
    await expectProblem(await name('abc'), 404, 'not_found');
  });

  test('a proposed application the notice does not list is never named: 409', async () => {
    const q = await publicityBatch(k, admin, rec, { count: 1, term: 2043 });
    const stray = await publicityBatch(k, admin, rec, { count: 1, term: 2043 });
    await db.psql(`UPDATE applications SET batch_id = ${q.batch.id} WHERE id = ${stray.apps[0].id}`);
    const problem = await expectProblem(await name(q.batch.id), 409, 'invalid_state');
    assert.match(problem.detail, /不在公示名单/);
  });
});

describe('bad input, every role and anonymous', () => {
  let p, applicant, expert;
  before(async () => {
    p = await publicityBatch(k, admin, rec, { count: 1, term: 2044 });
    applicant = await applicantSession(k, p.apps[0]);
    await createUser(db, { username: 'expert1', role: 'expert' });
    expert = await signIn(k.url, 'expert1');
  });

  test('422 names the field: missing, not a date, a date to come, unknown fields, too long', async () => {
    const cases = [
      [{}, [['named_on', 'required']]],
      [{ named_on: '2021-02-30' }, [['named_on', 'format']]],
      [{ named_on: '20211220' }, [['named_on', 'format']]],
      [{ named_on: 20211220 }, [['named_on', 'type']]],
      [{ named_on: '2099-01-01' }, [['named_on', 'range']]],
      [{ named_on: today, extra: 1 }, [['extra', 'unknown']]],
      [{ named_on: today, decision_no: 'x'.repeat(101) }, [['decision_no', 'too_long']]],
      [{ named_on: today, decision_no: 7 }, [['decision_no', 'type']]],
    ];
    for (const [body, want] of cases) {
      const problem = await expectProblem(await name(p.batch.id, body), 422, 'validation');
      assert.deepEqual(fields(problem), want, JSON.stringify(body));
    }
    const raw = await fetch(`${k.url}/api/v1/batches/${p.batch.id}/naming`, {
      method: 'POST', headers: { authorization: `Bearer ${admin.token}`, 'content-type': 'application/json' }, body: '{"named_on":',
    });
    await expectProblem(raw, 400, 'bad_json');
    const text = await fetch(`${k.url}/api/v1/batches/${p.batch.id}/naming`, {
      method: 'POST', headers: { authorization: `Bearer ${admin.token}`, 'content-type': 'text/plain' }, body: '{}',
    });
    await expectProblem(text, 415, 'unsupported_media_type');
    assert.equal(await db.psql(`SELECT status FROM batches WHERE id = ${p.batch.id}`), 'publicity');
  });

  test('recommender, applicant and expert 403; anonymous 401; cookie without CSRF 403', async () => {
    await expectProblem(await name(p.batch.id, undefined, rec.session), 403, 'forbidden');
    await expectProblem(await name(p.batch.id, undefined, applicant), 403, 'forbidden');
    await expectProblem(await name(p.batch.id, undefined, expert), 403, 'forbidden');
    await expectProblem(await anonymous(k.url)('POST', `/batches/${p.batch.id}/naming`, { named_on: today }), 401, 'unauthenticated');
    await expectProblem(await admin.api('POST', `/batches/${p.batch.id}/naming`, { named_on: today }, { auth: 'cookie-no-csrf' }), 403, 'csrf');
    assert.equal(await db.psql(`SELECT status FROM batches WHERE id = ${p.batch.id}`), 'publicity');
  });
});

describe('a naming', () => {
  let p, done;
  before(async () => {
    p = await publicityBatch(k, admin, rec, { count: 4, term: 2031 });
    done = await json(await name(p.batch.id, { named_on: today, decision_no: '科协发青字〔2031〕1号' }));
  });

  test('every proposed application named, numbered from 000001 in the notice\'s row order; the batch closed', async () => {
    assert.equal(done.named, 4);
    assert.deepEqual(done.bases.map((b) => [b.application_id, b.certificate_no]),
      p.apps.map((a, i) => [a.id, `KPJD-2031-00000${i + 1}`]));
    const b = done.bases[0], a = p.apps[0];
    assert.deepEqual(Object.keys(b).sort(), ['application_id', 'batch_id', 'category', 'certificate_no', 'credit_code',
      'decision_no', 'id', 'name', 'named_on', 'region', 'status', 'status_reason', 'term_assessment', 'term_end_year', 'term_start_year', 'unit_name']);
    assert.equal(b.name, a.baseName);
    assert.equal(b.unit_name, a.unitName);
    assert.equal(b.region, a.region);
    assert.equal(b.category, a.category);
    assert.equal(b.status, 'valid');
    assert.equal(b.status_reason, null);
    assert.equal(b.term_assessment, null);
    assert.equal(b.named_on, today);
    assert.equal(b.decision_no, '科协发青字〔2031〕1号');
    assert.deepEqual([b.term_start_year, b.term_end_year, b.batch_id], [2031, 2035, p.batch.id]);
    assert.match(b.credit_code, /^[0-9A-Z]{18}$/);
    assert.equal(await db.psql(`SELECT string_agg(DISTINCT status, ',') FROM applications WHERE batch_id = ${p.batch.id}`), 'named');
    assert.equal(await db.psql(`SELECT status FROM batches WHERE id = ${p.batch.id}`), 'closed');
    await expectProblem(await name(p.batch.id), 409, 'invalid_state');
  });

  test('each certificate: the canonical payload of its facts, signed, checked with the public key', async () => {
    const keys = await json(await publicGet('/public/keys'));
    for (const [i, b] of done.bases.entries()) {
      const cert = await json(await publicGet(`/public/certificates/${b.certificate_no}`));
      const a = p.apps[i];
      const LABELS = { venue: '科技场馆类', agriculture: '“三农”类', education_research: '教育科研与重大工程类', enterprise: '企业类' };
      const facts = { base: a.baseName, category: LABELS[a.category], certificate_no: b.certificate_no, issuer: '中国科学技术协会',
        named_on: today, region: a.region, term: '2031-2035', unit: a.unitName };
      assert.deepEqual(cert.payload, facts);
      // keys sorted, no white space, non-ASCII as it is: what JSON.stringify of the sorted object writes
      assert.equal(cert.payload_canonical, JSON.stringify(facts));
      assert.equal(cert.status, 'valid');
      assert.equal(cert.status_reason, null);
      assert.equal(cert.signature_valid, true);
      assert.ok(checkCertificate(cert, keys), b.certificate_no);
      assert.ok(!checkCertificate({ ...cert, payload_canonical: cert.payload_canonical.replace('2031-2035', '2031-2036') }, keys));
    }
  });

  test('audited: one row per named application and one for the batch; the chain holds', async () => {
    const rows = (await json(await admin.api('GET', `/audit?action=application.named&limit=200`))).items
      .filter((r) => p.apps.some((a) => String(a.id) === r.entity_id));
    assert.equal(rows.length, 4);
    const first = rows.find((r) => r.entity_id === String(p.apps[0].id));
    assert.deepEqual(first.data, { from: 'proposed', to: 'named', base_id: done.bases[0].id, certificate_no: 'KPJD-2031-000001' });
    const batch = (await json(await admin.api('GET', `/audit?entity=batch&entity_id=${p.batch.id}&action=batch.named`))).items;
    assert.equal(batch.length, 1);
    assert.deepEqual(batch[0].data, { from: 'publicity', to: 'closed', named: 4, named_on: today, decision_no: '科协发青字〔2031〕1号' });
    const verdict = await json(await admin.api('GET', '/audit/verify'));
    assert.equal(verdict.ok, true, verdict.problem);
  });

  test('told: each unit of its base, the recommender once of how many', async () => {
    const unit = await applicantSession(k, p.apps[2]);
    const mine = (await json(await unit.api('GET', '/notifications?limit=200'))).items.filter((n) => n.kind === 'application.named');
    assert.equal(mine.length, 1);
    assert.equal(mine[0].data.certificate_no, 'KPJD-2031-000003');
    assert.match(mine[0].title, /认定命名/);
    const told = (await json(await rec.session.api('GET', '/notifications?limit=200'))).items
      .filter((n) => n.kind === 'batch.named' && n.data.batch_id === p.batch.id);
    assert.equal(told.length, 1);
    assert.equal(told[0].data.named, 4);
  });
});

describe('numbering', () => {
  test('a second batch of the same term continues the count; another term starts its own', async () => {
    const first = await publicityBatch(k, admin, rec, { count: 2, term: 2033 });
    const second = await publicityBatch(k, admin, rec, { count: 3, term: 2033 });
    const other = await publicityBatch(k, admin, rec, { count: 1, term: 2034 });
    const a = await json(await name(first.batch.id));
    const b = await json(await name(second.batch.id));
    const c = await json(await name(other.batch.id));
    assert.deepEqual(a.bases.map((x) => x.certificate_no), ['KPJD-2033-000001', 'KPJD-2033-000002']);
    assert.deepEqual(b.bases.map((x) => x.certificate_no), ['KPJD-2033-000003', 'KPJD-2033-000004', 'KPJD-2033-000005']);
    assert.deepEqual(c.bases.map((x) => x.certificate_no), ['KPJD-2034-000001']);
    assert.equal(await db.psql('SELECT last_no FROM certificate_counters WHERE term_start_year = 2033'), '5');
  });

  test('a race: two batches of one term named at once take distinct, consecutive numbers', async () => {
    const x = await publicityBatch(k, admin, rec, { count: 4, term: 2035 });
    const y = await publicityBatch(k, admin, rec, { count: 5, term: 2035 });
    const [rx, ry] = await Promise.all([name(x.batch.id), name(y.batch.id)]);
    const bx = await json(rx), by = await json(ry);
    const numbers = [...bx.bases, ...by.bases].map((b) => Number(b.certificate_no.slice(-6))).sort((m, n) => m - n);
    assert.deepEqual(numbers, [1, 2, 3, 4, 5, 6, 7, 8, 9]);
    // each batch's numbers are a run of its own, in its notice order
    for (const r of [bx, by]) {
      const own = r.bases.map((b) => Number(b.certificate_no.slice(-6)));
      assert.deepEqual(own, own.map((_, i) => own[0] + i));
    }
  });

  test('the term\'s numbers used up: 409 invalid_state, nothing named, the counter unchanged', async () => {
    const p = await publicityBatch(k, admin, rec, { count: 2, term: 2036 });
    await db.psql('INSERT INTO certificate_counters (term_start_year, last_no) VALUES (2036, 999998)');
    const problem = await expectProblem(await name(p.batch.id), 409, 'invalid_state');
    assert.match(problem.detail, /证书编号/);
    assert.equal(await db.psql('SELECT last_no FROM certificate_counters WHERE term_start_year = 2036'), '999998');
    assert.equal(await db.psql(`SELECT status FROM batches WHERE id = ${p.batch.id}`), 'publicity');
  });
});

describe('key rotation', () => {
  test('a new key signs; certificates of the retired one still verify; /public/keys lists both', async () => {
    const p1 = await publicityBatch(k, admin, rec, { count: 1, term: 2037 });
    const n1 = (await json(await name(p1.batch.id))).bases[0].certificate_no;
    const keyB = keygen(dir, 'b.key');
    const k2 = await startKpjdd({ db, env: { KPJD_CRYPTO_SIGNING_KEY: keyB.path, KPJD_CRYPTO_RETIRED_KEYS: keyA.pub } });
    try {
      const admin2 = await signIn(k2.url, 'admin');
      const p2 = await publicityBatch(k, admin, rec, { count: 1, term: 2037 });
      const n2 = (await json(await admin2.api('POST', `/batches/${p2.batch.id}/naming`, { named_on: today }))).bases[0].certificate_no;
      assert.equal(n2, 'KPJD-2037-000002');
      const get = (path) => anonymous(k2.url)('GET', path);
      const keys = await json(await get('/public/keys'));
      assert.equal(keys.keys.length, 2);
      for (const key of keys.keys) {
        assert.equal(key.alg, 'Ed25519');
        assert.match(key.public_key, /^[A-Za-z0-9_-]{43}$/);
        assert.match(key.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      }
      const c1 = await json(await get(`/public/certificates/${n1}`));
      const c2 = await json(await get(`/public/certificates/${n2}`));
      assert.notEqual(c1.key_id, c2.key_id);
      for (const c of [c1, c2]) {
        assert.equal(c.signature_valid, true);
        assert.ok(checkCertificate(c, keys));
      }
    } finally {
      await k2.stop();
    }
  });
});
