// Named bases: the admin's register and an applicant's own, filters and
// paging; suspend, reinstate, revoke (final) with the change seen at once by
// /public/certificates and the public directory; plaques; `expired` by the
// database clock; the public directory and certificates without a login and
// without the credit code; every role and anonymous; bad input.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { createDatabase, startKpjdd } from '../lib/kpjdd.js';
import { anonymous, expectProblem } from '../lib/http.js';
import { createAdmin, createUser, signIn } from '../lib/accounts.js';
import { makeRecommender } from '../lib/fixtures.js';
import { applicantSession, checkCertificate, keygen, publicityBatch } from '../lib/naming.js';

const dir = mkdtempSync(join(tmpdir(), 'kpjd-bases-'));
let db, k, admin, rec, expert, today;
let current, old;         // a named batch of term 2031–2035, and one of 2016–2020 (expired)
let bases, unit0, unit1;  // current's bases; the sessions of its first two units

async function json(res, status = 200) {
  const text = await res.text();
  assert.equal(res.status, status, `status (body: ${text})`);
  return text ? JSON.parse(text) : null;
}
const fields = (p) => p.errors.map((e) => [e.field, e.code]);
const pub = (path) => anonymous(k.url)('GET', path);
const ids = (page) => page.items.map((b) => b.id);

async function named(term, count) {
  const p = await publicityBatch(k, admin, rec, { count, term });
  const done = await json(await admin.api('POST', `/batches/${p.batch.id}/naming`, { named_on: today }));
  return { ...p, bases: done.bases };
}

before(async () => {
  const key = keygen(dir, 'signing.key');
  db = await createDatabase();
  k = await startKpjdd({ db, migrate: true, env: { KPJD_CRYPTO_SIGNING_KEY: key.path, KPJD_INVITATIONS_LOOKUP_LIMIT: '10000' } });
  createAdmin(db);
  admin = await signIn(k.url, 'admin');
  rec = await makeRecommender(k.url, admin);
  await createUser(db, { username: 'expert1', role: 'expert' });
  expert = await signIn(k.url, 'expert1');
  today = await db.psql(`SELECT to_char((now() AT TIME ZONE 'Asia/Shanghai')::date, 'YYYY-MM-DD')`);
  current = await named(2031, 4);
  old = await named(2016, 2);
  bases = current.bases;
  unit0 = await applicantSession(k, current.apps[0]);
  unit1 = await applicantSession(k, current.apps[1]);
});
after(async () => {
  await k?.stop();
  await db?.drop();
  rmSync(dir, { recursive: true, force: true });
});

describe('the register', () => {
  test('the admin sees all, by id, with filters; an applicant its own only', async () => {
    const all = await json(await admin.api('GET', '/bases'));
    assert.deepEqual(ids(all), [...bases, ...old.bases].map((b) => b.id));
    assert.equal(all.next_cursor, null);
    assert.deepEqual(ids(await json(await admin.api('GET', `/bases?batch_id=${old.batch.id}`))), old.bases.map((b) => b.id));
    const inRegion = await json(await admin.api('GET', `/bases?region=${encodeURIComponent('新疆生产建设兵团')}&batch_id=${current.batch.id}`));
    assert.deepEqual(inRegion.items.map((b) => b.region), bases.filter((b) => b.region === '新疆生产建设兵团').map((b) => b.region));
    assert.ok(inRegion.items.length > 0);
    const venue = await json(await admin.api('GET', `/bases?category=venue&batch_id=${current.batch.id}`));
    assert.deepEqual(ids(venue), bases.filter((b) => b.category === 'venue').map((b) => b.id));
    const q = await json(await admin.api('GET', `/bases?q=${encodeURIComponent(bases[2].name)}`));
    assert.deepEqual(ids(q), [bases[2].id]);
    const byUnit = await json(await admin.api('GET', `/bases?q=${encodeURIComponent(bases[1].unit_name)}`));
    assert.deepEqual(ids(byUnit), [bases[1].id]);
    const byNo = await json(await admin.api('GET', `/bases?q=${bases[3].certificate_no.toLowerCase()}`));
    assert.deepEqual(ids(byNo), [bases[3].id]);
    assert.deepEqual(ids(await json(await admin.api('GET', `/bases?q=${bases[3].certificate_no.slice(0, 9)}`))), [],
      'a number matches whole, not in part');
    assert.deepEqual((await json(await admin.api('GET', '/bases?region=火星'))).items, []);
    // paging
    const p1 = await json(await admin.api('GET', '/bases?limit=4'));
    assert.equal(p1.items.length, 4);
    const p2 = await json(await admin.api('GET', `/bases?limit=4&cursor=${encodeURIComponent(p1.next_cursor)}`));
    assert.deepEqual([...ids(p1), ...ids(p2)], ids(all));
    assert.equal(p2.next_cursor, null);
    // the applicant: its own base, in list and alone; another's is not there
    const mine = await json(await unit0.api('GET', '/bases'));
    assert.deepEqual(ids(mine), [bases[0].id]);
    assert.equal(mine.items[0].credit_code, bases[0].credit_code);
    assert.deepEqual(ids(await json(await unit0.api('GET', `/bases?batch_id=${current.batch.id}`))), [bases[0].id]);
    const one = await json(await unit0.api('GET', `/bases/${bases[0].id}`));
    assert.equal(one.certificate_no, bases[0].certificate_no);
    assert.deepEqual(one.plaques, []);
    await expectProblem(await unit0.api('GET', `/bases/${bases[1].id}`), 404, 'not_found');
  });

  test('bad filters 422 naming the parameter; unknown base 404', async () => {
    const cases = [
      ['batch_id=abc', 'batch_id'], ['batch_id=0', 'batch_id'], ['category=museum', 'category'],
      ['status=closed', 'status'], [`q=${'字'.repeat(101)}`, 'q'], ['limit=0', 'limit'], ['cursor=zzz', 'cursor'],
    ];
    for (const [query, field] of cases) {
      const problem = await expectProblem(await admin.api('GET', `/bases?${encodeURI(query)}`), 422, 'validation');
      assert.deepEqual(fields(problem).map((f) => f[0]), [field], query);
    }
    await expectProblem(await admin.api('GET', '/bases/999999999'), 404, 'not_found');
    await expectProblem(await admin.api('GET', '/bases/x'), 404, 'not_found');
  });

  test('recommender and expert 403; anonymous 401; writes are the admin\'s', async () => {
    for (const who of [rec.session, expert]) {
      await expectProblem(await who.api('GET', '/bases'), 403, 'forbidden');
      await expectProblem(await who.api('GET', `/bases/${bases[0].id}`), 403, 'forbidden');
    }
    const anon = anonymous(k.url);
    await expectProblem(await anon('GET', '/bases'), 401, 'unauthenticated');
    await expectProblem(await anon('GET', `/bases/${bases[0].id}`), 401, 'unauthenticated');
    for (const action of ['suspend', 'reinstate', 'revoke']) {
      for (const who of [rec.session, expert, unit0])
        await expectProblem(await who.api('POST', `/bases/${bases[0].id}/${action}`, { reason: '试试' }), 403, 'forbidden');
      await expectProblem(await anon('POST', `/bases/${bases[0].id}/${action}`, { reason: '试试' }), 401, 'unauthenticated');
    }
    await expectProblem(await unit0.api('POST', `/bases/${bases[0].id}/plaque`, { issued_on: today, recipient: '张三' }), 403, 'forbidden');
    await expectProblem(await anon('POST', `/bases/${bases[0].id}/plaque`, { issued_on: today, recipient: '张三' }), 401, 'unauthenticated');
    assert.equal((await json(await admin.api('GET', `/bases/${bases[0].id}`))).status, 'valid');
  });
});

describe('status', () => {
  const cert = async (b) => json(await pub(`/public/certificates/${b.certificate_no}`));
  const inDirectory = async (b) => ids(await json(await pub(`/public/bases?term_start_year=2031&limit=200`))).includes(b.id);

  test('suspend → reinstate → revoke, each seen at once by the certificate and the directory; revoked is final', async () => {
    const b = bases[1];
    assert.equal(await inDirectory(b), true);
    let base = await json(await admin.api('POST', `/bases/${b.id}/suspend`, { reason: '年度报告逾期未交' }));
    assert.deepEqual([base.status, base.status_reason], ['suspended', '年度报告逾期未交']);
    let c = await cert(b);
    assert.deepEqual([c.status, c.status_reason, c.signature_valid], ['suspended', '年度报告逾期未交', true]);
    assert.equal(await inDirectory(b), false);
    assert.deepEqual(ids(await json(await admin.api('GET', '/bases?status=suspended'))), [b.id]);
    await expectProblem(await admin.api('POST', `/bases/${b.id}/suspend`, { reason: '再次' }), 409, 'invalid_state');

    base = await json(await admin.api('POST', `/bases/${b.id}/reinstate`, { reason: '已补交' }));
    assert.deepEqual([base.status, base.status_reason], ['valid', null]);
    c = await cert(b);
    assert.deepEqual([c.status, c.status_reason], ['valid', null]);
    assert.equal(await inDirectory(b), true);
    const problem = await expectProblem(await admin.api('POST', `/bases/${b.id}/reinstate`, { reason: '再次' }), 409, 'invalid_state');
    assert.match(problem.detail, /有效/);

    base = await json(await admin.api('POST', `/bases/${b.id}/revoke`, { reason: '弄虚作假' }));
    assert.deepEqual([base.status, base.status_reason], ['revoked', '弄虚作假']);
    c = await cert(b);
    assert.deepEqual([c.status, c.status_reason, c.signature_valid], ['revoked', '弄虚作假', true]);
    assert.equal(await inDirectory(b), false);
    for (const action of ['suspend', 'reinstate', 'revoke']) {
      const p = await expectProblem(await admin.api('POST', `/bases/${b.id}/${action}`, { reason: '再试' }), 409, 'invalid_state');
      assert.match(p.detail, /撤销不可恢复/);
    }
    assert.equal((await cert(b)).status, 'revoked');
    // the database refuses it too
    await assert.rejects(db.psql(`UPDATE bases SET status = 'valid' WHERE id = ${b.id}`), /revoked is final/);
  });

  test('each change audited with from, to and reason, and told to the unit and its recommender', async () => {
    const b = bases[1];
    const rows = (await json(await admin.api('GET', `/audit?entity=base&entity_id=${b.id}`))).items;
    assert.deepEqual(rows.map((r) => [r.action, r.data.from, r.data.to, r.data.reason]), [
      ['base.revoked', 'valid', 'revoked', '弄虚作假'],
      ['base.reinstated', 'suspended', 'valid', '已补交'],
      ['base.suspended', 'valid', 'suspended', '年度报告逾期未交'],
    ]);
    const told = (await json(await unit1.api('GET', '/notifications?limit=200'))).items.map((n) => n.kind);
    assert.ok(told.includes('base.suspended') && told.includes('base.reinstated') && told.includes('base.revoked'), told.join());
    const recTold = (await json(await rec.session.api('GET', '/notifications?limit=200'))).items
      .filter((n) => n.kind === 'base.revoked' && n.data.base_id === b.id);
    assert.equal(recTold.length, 1);
  });

  test('reason required, 1–2000 characters; unknown base 404', async () => {
    const b = bases[2];
    for (const [body, want] of [[{}, ['reason', 'required']], [{ reason: '' }, ['reason', 'too_short']],
      [{ reason: '   ' }, ['reason', 'too_short']], [{ reason: '理'.repeat(2001) }, ['reason', 'too_long']],
      [{ reason: 3 }, ['reason', 'type']], [{ reason: '可以', why: 1 }, ['why', 'unknown']]]) {
      const problem = await expectProblem(await admin.api('POST', `/bases/${b.id}/suspend`, body), 422, 'validation');
      assert.deepEqual(fields(problem), [want], JSON.stringify(body));
    }
    await expectProblem(await admin.api('POST', '/bases/999999999/suspend', { reason: '无' }), 404, 'not_found');
    assert.equal((await json(await admin.api('GET', `/bases/${b.id}`))).status, 'valid');
  });

  test('expired by the database clock: a 2016–2020 base shows expired everywhere, only revocation is left', async () => {
    const [e0, e1] = old.bases;
    assert.equal(e0.status, 'expired');
    assert.deepEqual(ids(await json(await admin.api('GET', '/bases?status=expired'))), old.bases.map((b) => b.id));
    assert.ok(!ids(await json(await admin.api('GET', '/bases?status=valid'))).includes(e0.id));
    assert.equal((await cert(e0)).status, 'expired');
    assert.deepEqual((await json(await pub('/public/bases?term_start_year=2016'))).items, []);
    const p = await expectProblem(await admin.api('POST', `/bases/${e0.id}/suspend`, { reason: '过期' }), 409, 'invalid_state');
    assert.match(p.detail, /届期已满/);
    // revoked stays revoked, even after the term
    const revoked = await json(await admin.api('POST', `/bases/${e1.id}/revoke`, { reason: '撤销' }));
    assert.equal(revoked.status, 'revoked');
    assert.equal((await cert(e1)).status, 'revoked');
    // the clock decides: with the term's end moved to this year the base is valid again
    await db.psql(`ALTER TABLE bases DISABLE TRIGGER bases_certificate_sealed;
                   UPDATE bases SET term_end_year = extract(year FROM now() AT TIME ZONE 'Asia/Shanghai')::int WHERE id = ${e0.id};
                   ALTER TABLE bases ENABLE TRIGGER bases_certificate_sealed`);
    assert.equal((await cert(e0)).status, 'valid');
    await db.psql(`ALTER TABLE bases DISABLE TRIGGER bases_certificate_sealed;
                   UPDATE bases SET term_end_year = 2020 WHERE id = ${e0.id};
                   ALTER TABLE bases ENABLE TRIGGER bases_certificate_sealed`);
  });
});

describe('plaques', () => {
  test('recorded (201), listed with the base, audited', async () => {
    const b = bases[3];
    const plaque = await json(await admin.api('POST', `/bases/${b.id}/plaque`, { issued_on: today, recipient: '李四（馆长）' }), 201);
    assert.equal(plaque.base_id, b.id);
    assert.equal(plaque.issued_on, today);
    assert.equal(plaque.recipient, '李四（馆长）');
    assert.match(plaque.created_at, /Z$/);
    const second = await json(await admin.api('POST', `/bases/${b.id}/plaque`, { issued_on: '2021-12-30', recipient: '王五' }), 201);
    const base = await json(await admin.api('GET', `/bases/${b.id}`));
    assert.deepEqual(base.plaques.map((x) => [x.id, x.recipient]), [[plaque.id, '李四（馆长）'], [second.id, '王五']]);
    const rows = (await json(await admin.api('GET', `/audit?entity=base&entity_id=${b.id}&action=base.plaque_recorded`))).items;
    assert.equal(rows.length, 2);
  });

  test('bad input 422; a revoked base 409; unknown 404', async () => {
    const b = bases[3];
    for (const [body, want] of [[{ recipient: '王五' }, ['issued_on', 'required']],
      [{ issued_on: '2031-13-01', recipient: '王五' }, ['issued_on', 'format']],
      [{ issued_on: '2099-01-01', recipient: '王五' }, ['issued_on', 'range']],
      [{ issued_on: today, recipient: '' }, ['recipient', 'too_short']],
      [{ issued_on: today, recipient: '名'.repeat(101) }, ['recipient', 'too_long']]]) {
      const problem = await expectProblem(await admin.api('POST', `/bases/${b.id}/plaque`, body), 422, 'validation');
      assert.deepEqual(fields(problem), [want], JSON.stringify(body));
    }
    await expectProblem(await admin.api('POST', `/bases/${bases[1].id}/plaque`, { issued_on: today, recipient: '王五' }), 409, 'invalid_state');
    await expectProblem(await admin.api('POST', '/bases/999999999/plaque', { issued_on: today, recipient: '王五' }), 404, 'not_found');
  });
});

describe('public', () => {
  test('the directory: valid bases only, no credit code, filters; bad filters 422', async () => {
    const all = await json(await pub('/public/bases?limit=200'));
    const valid = bases.filter((b) => b.id !== bases[1].id).map((b) => b.id);
    assert.deepEqual(ids(all), valid);
    for (const item of all.items) {
      assert.equal('credit_code' in item, false);
      assert.equal(item.status, 'valid');
    }
    assert.equal(JSON.stringify(all).includes(bases[0].credit_code), false);
    const venue = await json(await pub('/public/bases?category=venue'));
    assert.deepEqual(ids(venue), bases.filter((b) => b.category === 'venue' && valid.includes(b.id)).map((b) => b.id));
    const region = await json(await pub(`/public/bases?region=${encodeURIComponent(bases[0].region)}`));
    assert.ok(region.items.every((b) => b.region === bases[0].region) && region.items.length > 0);
    const q = await json(await pub(`/public/bases?q=${encodeURIComponent(bases[0].name)}`));
    assert.deepEqual(ids(q), [bases[0].id]);
    assert.deepEqual((await json(await pub('/public/bases?term_start_year=2036'))).items, []);
    for (const [query, field] of [['term_start_year=21', 'term_start_year'], ['term_start_year=1999', 'term_start_year'],
      ['category=x', 'category'], ['limit=201', 'limit']]) {
      const problem = await expectProblem(await pub(`/public/bases?${query}`), 422, 'validation');
      assert.deepEqual(fields(problem).map((f) => f[0]), [field], query);
    }
  });

  test('a certificate: the payload as signed, its key; unknown and malformed numbers 404; a signed-in caller sees the same', async () => {
    const b = bases[0];
    const c = await json(await pub(`/public/certificates/${b.certificate_no}`));
    assert.deepEqual(Object.keys(c).sort(), ['key_id', 'payload', 'payload_canonical', 'signature', 'signature_valid', 'status', 'status_reason']);
    assert.deepEqual(JSON.parse(c.payload_canonical), c.payload);
    assert.equal(c.payload.certificate_no, b.certificate_no);
    assert.match(c.signature, /^[A-Za-z0-9_-]{86}$/);
    const keys = await json(await pub('/public/keys'));
    assert.equal(keys.keys.length, 1);
    assert.equal(keys.keys[0].key_id, c.key_id);
    assert.ok(checkCertificate(c, keys));
    assert.equal(JSON.stringify(c).includes(b.credit_code), false);
    assert.deepEqual(await json(await admin.api('GET', `/public/certificates/${b.certificate_no}`)), c);
    for (const no of ['KPJD-2031-999999', 'KPJD-2031-00001', 'kpjd-2031-000001', 'KPJD-2031-000001x', '1'])
      await expectProblem(await pub(`/public/certificates/${encodeURIComponent(no)}`), 404, 'not_found');
  });

  test('a signature stored wrong is reported as not valid (the server checks, not only the client)', async () => {
    const b = bases[2];
    await db.psql(`ALTER TABLE bases DISABLE TRIGGER bases_certificate_sealed;
                   UPDATE bases SET payload_canonical = replace(payload_canonical, '2031-2035', '2031-2039') WHERE id = ${b.id};
                   ALTER TABLE bases ENABLE TRIGGER bases_certificate_sealed`);
    const c = await json(await pub(`/public/certificates/${b.certificate_no}`));
    assert.equal(c.payload.term, '2031-2039');
    assert.equal(c.signature_valid, false);
    assert.equal(checkCertificate(c, await json(await pub('/public/keys'))), false);
  });
});
