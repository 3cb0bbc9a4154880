// Quotas (推荐名额): the admin sets a batch's table by JSON or by a CSV
// upload that is applied only when every line is good; `used` counts the
// recommender's recommended applications and a quota may not go below it;
// the table is frozen once evaluation starts; a recommender sees its own row.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { createDatabase, startKpjdd } from '../lib/kpjdd.js';
import { expectProblem, anonymous } from '../lib/http.js';
import { createAdmin, createUser, signIn } from '../lib/accounts.js';
import { makeApplication, makeBatch, makeRecommender } from '../lib/fixtures.js';

let db, k, admin, applicant, expert;
let prov, society, office, comma;   // makeRecommender results
before(async () => {
  db = await createDatabase();
  k = await startKpjdd({ db, migrate: true });
  createAdmin(db);
  admin = await signIn(k.url, 'admin');
  prov = await makeRecommender(k.url, admin, { name: '北京市科学技术协会', kind: 'provincial_cast', region: '北京市' });
  society = await makeRecommender(k.url, admin, { name: '中国科学技术史学会', kind: 'national_society' });
  office = await makeRecommender(k.url, admin, { name: '农业农村部', kind: 'outline_office' });
  comma = await makeRecommender(k.url, admin, { name: '中国"科普"研究所,北京', kind: 'national_society' });
  await createUser(db, { username: 'appl', role: 'applicant' });
  await createUser(db, { username: 'expert', role: 'expert' });
  applicant = await signIn(k.url, 'appl');
  expert = await signIn(k.url, 'expert');
});
after(async () => {
  await k?.stop();
  await db?.drop();
});

const anon = (method, path, body) => anonymous(k.url)(method, path, body);

function importCsv(batchId, body, { type = 'text/csv', token = admin.token } = {}) {
  const headers = { authorization: `Bearer ${token}` };
  if (type) headers['content-type'] = type;
  return fetch(`${k.url}/api/v1/batches/${batchId}/quotas/import`, { method: 'POST', headers, body });
}

async function table(batchId, session = admin, query = '') {
  const res = await session.api('GET', `/batches/${batchId}/quotas${query}`);
  assert.equal(res.status, 200, await res.clone().text());
  const body = await res.json();
  assert.deepEqual(Object.keys(body), ['items']);
  return body.items;
}
const quotasOf = (items) => Object.fromEntries(items.map((r) => [r.recommender_id, r.quota]));

async function put(batchId, quotas, session = admin) {
  return session.api('PUT', `/batches/${batchId}/quotas`, { quotas });
}

async function auditRows(batchId) {
  const res = await admin.api('GET', `/audit?action=quota.set&entity=batch&entity_id=${batchId}&limit=200`);
  assert.equal(res.status, 200);
  return (await res.json()).items;
}

const fieldCodes = (p) => p.errors.map((e) => [e.field, e.code]);

describe('PUT /batches/{id}/quotas', () => {
  test('200 with the whole table, ordered by kind then id; rows not named keep theirs', async () => {
    const b = await makeBatch(admin, { status: 'open' });
    assert.deepEqual(await table(b.id), [], 'a new batch has no quotas');
    let res = await put(b.id, [{ recommender_id: prov.id, quota: 5 }, { recommender_id: society.id, quota: 3 }]);
    assert.equal(res.status, 200);
    let body = await res.json();
    assert.deepEqual(body, { items: [
      { recommender_id: society.id, recommender_name: '中国科学技术史学会', kind: 'national_society', quota: 3, used: 0, contact_submitted: false, pending: 0 },
      { recommender_id: prov.id, recommender_name: '北京市科学技术协会', kind: 'provincial_cast', quota: 5, used: 0, contact_submitted: false, pending: 0 },
    ] });
    assert.deepEqual(await table(b.id), body.items, 'GET gives what PUT answered');

    res = await put(b.id, [{ recommender_id: office.id, quota: 2 }]);
    assert.equal(res.status, 200);
    body = await res.json();
    assert.deepEqual(body.items.map((r) => [r.recommender_id, r.kind, r.quota]), [
      [society.id, 'national_society', 3], [office.id, 'outline_office', 2], [prov.id, 'provincial_cast', 5],
    ]);

    res = await put(b.id, [{ recommender_id: prov.id, quota: 0 }, { recommender_id: society.id, quota: 10000 }]);
    assert.deepEqual(quotasOf((await res.json()).items), { [society.id]: 10000, [office.id]: 2, [prov.id]: 0 });

    res = await put(b.id, []);
    assert.equal(res.status, 200, 'an empty list changes nothing');
    assert.deepEqual(quotasOf((await res.json()).items), { [society.id]: 10000, [office.id]: 2, [prov.id]: 0 });
  });

  test('each batch has its own table', async () => {
    const a = await makeBatch(admin);
    const b = await makeBatch(admin);
    assert.equal((await put(a.id, [{ recommender_id: prov.id, quota: 4 }])).status, 200, 'a draft batch takes quotas');
    assert.equal((await put(b.id, [{ recommender_id: prov.id, quota: 9 }])).status, 200);
    assert.deepEqual(quotasOf(await table(a.id)), { [prov.id]: 4 });
    assert.deepEqual(quotasOf(await table(b.id)), { [prov.id]: 9 });
  });

  test('422 for the body\'s shape, naming quotas.N fields', async () => {
    const b = await makeBatch(admin);
    const cases = [
      [{}, [['quotas', 'required']]],
      [{ quotas: {} }, [['quotas', 'type']]],
      [{ quotas: null }, [['quotas', 'type']]],
      [{ quotas: [], batch_id: 1 }, [['batch_id', 'unknown']]],
      [{ quotas: [5] }, [['quotas.0', 'type']]],
      [{ quotas: [{ recommender_id: prov.id, quota: 1 }, { recommender_id: society.id }] }, [['quotas.1.quota', 'required']]],
      [{ quotas: [{ quota: 1 }] }, [['quotas.0.recommender_id', 'required']]],
      [{ quotas: [{ recommender_id: prov.id, quota: -1 }] }, [['quotas.0.quota', 'range']]],
      [{ quotas: [{ recommender_id: prov.id, quota: 10001 }] }, [['quotas.0.quota', 'range']]],
      [{ quotas: [{ recommender_id: prov.id, quota: '5' }] }, [['quotas.0.quota', 'type']]],
      [{ quotas: [{ recommender_id: prov.id, quota: 1.5 }] }, [['quotas.0.quota', 'type']]],
      [{ quotas: [{ recommender_id: 0, quota: 1 }] }, [['quotas.0.recommender_id', 'range']]],
      [{ quotas: [{ recommender_id: String(prov.id), quota: 1 }] }, [['quotas.0.recommender_id', 'type']]],
      [{ quotas: [{ recommender_id: prov.id, quota: 1, name: 'x' }] }, [['quotas.0.name', 'unknown']]],
      [{ quotas: [{ recommender_id: prov.id, quota: 1 }, { recommender_id: -3, quota: 'x' }, 'y'] },
        [['quotas.1.recommender_id', 'range'], ['quotas.1.quota', 'type'], ['quotas.2', 'type']]],
    ];
    for (const [body, want] of cases) {
      const p = await expectProblem(await admin.api('PUT', `/batches/${b.id}/quotas`, body), 422, 'validation');
      assert.deepEqual(fieldCodes(p), want, JSON.stringify(body));
    }
    assert.deepEqual(await table(b.id), [], 'nothing applied');
  });

  test('422 unknown_recommender and duplicate, every one named; nothing applied', async () => {
    const b = await makeBatch(admin);
    await put(b.id, [{ recommender_id: office.id, quota: 1 }]);
    const p = await expectProblem(await put(b.id, [
      { recommender_id: prov.id, quota: 5 },
      { recommender_id: 999999, quota: 1 },
      { recommender_id: prov.id, quota: 6 },
      { recommender_id: office.id, quota: 7 },
      { recommender_id: 888888, quota: 1 },
    ]), 422, 'validation');
    assert.deepEqual(fieldCodes(p), [
      ['quotas.1.recommender_id', 'unknown_recommender'],
      ['quotas.2.recommender_id', 'duplicate'],
      ['quotas.4.recommender_id', 'unknown_recommender'],
    ]);
    assert.match(p.errors[0].message, /999999/);
    assert.deepEqual(quotasOf(await table(b.id)), { [office.id]: 1 });
    assert.equal((await auditRows(b.id)).length, 1, 'no audit row for a refused table');
  });

  test('422 too_long for more than 2000 rows', async () => {
    const b = await makeBatch(admin);
    const rows = Array.from({ length: 2001 }, () => ({ recommender_id: prov.id, quota: 1 }));
    const p = await expectProblem(await put(b.id, rows), 422, 'validation');
    assert.deepEqual(fieldCodes(p), [['quotas', 'too_long']]);
  });

  test('a bad item list: the first 100 errors listed, errors_total counts all', async () => {
    const b = await makeBatch(admin);
    const p = await expectProblem(await put(b.id, Array.from({ length: 150 }, () => ({}))), 422, 'validation');
    assert.equal(p.errors_total, 300, 'recommender_id and quota of each item');
    assert.equal(p.errors.length, 100);
    assert.deepEqual(fieldCodes(p).slice(0, 2), [['quotas.0.recommender_id', 'required'], ['quotas.0.quota', 'required']]);
    assert.deepEqual(p.errors[99].field, 'quotas.49.quota');
    const few = await expectProblem(await put(b.id, [{ recommender_id: prov.id }]), 422, 'validation');
    assert.equal(few.errors_total, 1, 'a short list is counted as well');
  });

  test('404 for an unknown batch; 415 and 400 for bad bodies', async () => {
    await expectProblem(await put(999999, [{ recommender_id: prov.id, quota: 1 }]), 404, 'not_found');
    await expectProblem(await put('abc', [{ recommender_id: prov.id, quota: 1 }]), 404, 'not_found');
    const b = await makeBatch(admin);
    const raw = (body, type) => fetch(`${k.url}/api/v1/batches/${b.id}/quotas`, {
      method: 'PUT', headers: { authorization: `Bearer ${admin.token}`, 'content-type': type }, body,
    });
    await expectProblem(await raw('{"quotas":[]}', 'text/csv'), 415, 'unsupported_media_type');
    await expectProblem(await raw('{"quotas":[', 'application/json'), 400, 'bad_json');
    await expectProblem(await raw('[]', 'application/json'), 400, 'bad_json');
  });

  test('quota.set audit rows carry the changes only: from (null when new) and to', async () => {
    const b = await makeBatch(admin);
    await put(b.id, [{ recommender_id: prov.id, quota: 5 }, { recommender_id: society.id, quota: 3 }]);
    await put(b.id, [{ recommender_id: prov.id, quota: 5 }, { recommender_id: society.id, quota: 4 }]);
    await put(b.id, [{ recommender_id: prov.id, quota: 5 }]);
    const rows = await auditRows(b.id);
    assert.equal(rows.length, 2, 'a PUT that changes nothing leaves no row');
    assert.deepEqual(rows[1].data, { changes: [
      { recommender_id: prov.id, from: null, to: 5 },
      { recommender_id: society.id, from: null, to: 3 },
    ] });
    assert.deepEqual(rows[0].data, { changes: [{ recommender_id: society.id, from: 3, to: 4 }] });
    assert.equal(rows[0].entity, 'batch');
    assert.equal(rows[0].actor_role, 'admin');
  });
});

describe('used and the batch state', () => {
  test('used counts recommended applications of this recommender in this batch; a quota below it is 409', async () => {
    const b = await makeBatch(admin, { status: 'open' });
    const other = await makeBatch(admin, { status: 'open' });
    await put(b.id, [{ recommender_id: prov.id, quota: 3 }, { recommender_id: society.id, quota: 3 }]);
    await put(other.id, [{ recommender_id: prov.id, quota: 3 }]);
    const recommend = async (batchId, rec) => {
      const { application } = await makeApplication(k.url, rec.session, batchId);
      await db.psql(`UPDATE applications SET status = 'recommended', recommended_at = now() WHERE id = ${application.id}`);
      return application;
    };
    await recommend(b.id, prov);
    await recommend(b.id, prov);
    await recommend(other.id, prov);
    await makeApplication(k.url, prov.session, b.id);   // a draft does not count
    let rows = await table(b.id);
    assert.deepEqual(rows.map((r) => [r.recommender_id, r.used]), [[society.id, 0], [prov.id, 2]]);
    assert.equal((await table(other.id)).find((r) => r.recommender_id === prov.id).used, 1);

    const p = await expectProblem(await put(b.id, [{ recommender_id: society.id, quota: 0 }, { recommender_id: prov.id, quota: 1 }]),
      409, 'invalid_state');
    assert.match(p.detail, /北京市科学技术协会/);
    assert.match(p.detail, /2/);
    rows = await table(b.id);
    assert.deepEqual(quotasOf(rows), { [society.id]: 3, [prov.id]: 3 }, 'nothing applied, the good row neither');

    const csv = await expectProblem(await importCsv(b.id, `${society.id},0\n${prov.id},1\n`), 422, 'validation');
    assert.deepEqual(fieldCodes(csv), [['lines.2', 'below_used']], 'in a file, a quota below its use is a bad line');
    assert.match(csv.errors[0].message, /北京市科学技术协会 已推荐 2 项/);
    const ok = await put(b.id, [{ recommender_id: prov.id, quota: 2 }]);
    assert.equal(ok.status, 200, 'a quota equal to used is fine');
    assert.deepEqual(quotasOf((await ok.json()).items), { [society.id]: 3, [prov.id]: 2 });
  });

  test('a place is used while recommended_at is set, whatever the status says', async () => {
    const b = await makeBatch(admin, { status: 'open' });
    await put(b.id, [{ recommender_id: office.id, quota: 1 }]);
    const { application } = await makeApplication(k.url, office.session, b.id);
    await db.psql(`UPDATE applications SET status = 'recommended', recommended_at = now() WHERE id = ${application.id}`);
    assert.equal((await table(b.id))[0].used, 1);
    await db.psql(`UPDATE applications SET status = 'submitted', recommended_at = NULL WHERE id = ${application.id}`);
    assert.equal((await table(b.id))[0].used, 0, 'a withdrawn recommendation frees the place');
    assert.equal((await put(b.id, [{ recommender_id: office.id, quota: 0 }])).status, 200);
  });

  test('from evaluating on the table is frozen: PUT and import 409 invalid_state; GET still answers', async () => {
    for (const status of ['evaluating', 'publicity', 'closed']) {
      const b = await makeBatch(admin);
      await put(b.id, [{ recommender_id: prov.id, quota: 2 }]);
      for (const s of ['open', 'evaluating', 'publicity', 'closed']) {
        if (s === 'publicity' || s === 'closed')   // a notice and a naming move it there
          await db.psql(`UPDATE batches SET status = '${s}' WHERE id = ${b.id}`);
        else
          assert.equal((await admin.api('PATCH', `/batches/${b.id}`, { status: s })).status, 200);
        if (s === status) break;
      }
      await expectProblem(await put(b.id, [{ recommender_id: prov.id, quota: 3 }]), 409, 'invalid_state');
      await expectProblem(await importCsv(b.id, `${prov.id},3\n`), 409, 'invalid_state');
      assert.deepEqual(quotasOf(await table(b.id)), { [prov.id]: 2 }, status);
    }
  });
});

describe('GET /batches/{id}/quotas', () => {
  let b;
  before(async () => {
    b = await makeBatch(admin, { status: 'open' });
    await put(b.id, [{ recommender_id: prov.id, quota: 5 }, { recommender_id: society.id, quota: 3 },
      { recommender_id: office.id, quota: 1 }]);
  });

  test('the admin filters by kind', async () => {
    assert.deepEqual((await table(b.id, admin, '?kind=provincial_cast')).map((r) => r.recommender_id), [prov.id]);
    assert.deepEqual((await table(b.id, admin, '?kind=national_society')).map((r) => r.recommender_id), [society.id]);
    assert.deepEqual((await table(b.id, admin, '?kind=outline_office')).map((r) => r.recommender_id), [office.id]);
    assert.equal((await table(b.id, admin)).length, 3);
  });

  test('a recommender sees only its own row, or none when it has no quota', async () => {
    const own = await table(b.id, prov.session);
    assert.deepEqual(own, [{ recommender_id: prov.id, recommender_name: '北京市科学技术协会', kind: 'provincial_cast',
      quota: 5, used: 0, contact_submitted: false, pending: 0 }]);
    assert.deepEqual(await table(b.id, prov.session, '?kind=national_society'), []);
    assert.deepEqual(await table(b.id, comma.session), []);
  });

  test('contact_submitted turns true once the recommender files its contact for this batch', async () => {
    const res = await society.session.api('PUT', `/batches/${b.id}/contact`, {
      name: '王五', department: '科普部', position: '主任', office_phone: '010-12345678',
      mobile: '13800138000', email: 'wangwu@example.cn', address: '北京市海淀区',
    });
    assert.equal(res.status, 200, await res.clone().text());
    const rows = await table(b.id);
    assert.deepEqual(rows.map((r) => [r.recommender_id, r.contact_submitted]),
      [[society.id, true], [office.id, false], [prov.id, false]]);
    assert.equal((await table(b.id, society.session))[0].contact_submitted, true);
  });

  test('404 for an unknown batch, for the admin and a recommender alike', async () => {
    for (const s of [admin, prov.session]) {
      await expectProblem(await s.api('GET', '/batches/999999/quotas'), 404, 'not_found');
      await expectProblem(await s.api('GET', '/batches/x/quotas'), 404, 'not_found');
    }
  });

  test('roles: applicants and experts 403 everywhere; recommenders 403 on writes; anonymous 401', async () => {
    for (const s of [applicant, expert]) {
      await expectProblem(await s.api('GET', `/batches/${b.id}/quotas`), 403, 'forbidden');
    }
    for (const s of [applicant, expert, prov.session]) {
      await expectProblem(await put(b.id, [{ recommender_id: prov.id, quota: 99 }], s), 403, 'forbidden');
      await expectProblem(await importCsv(b.id, `${prov.id},99\n`, { token: s.token }), 403, 'forbidden');
    }
    await expectProblem(await anon('GET', `/batches/${b.id}/quotas`), 401, 'unauthenticated');
    await expectProblem(await anon('PUT', `/batches/${b.id}/quotas`, { quotas: [] }), 401, 'unauthenticated');
    await expectProblem(await importCsv(b.id, `${prov.id},99\n`, { token: 'nope' }), 401, 'unauthenticated');
    assert.equal(quotasOf(await table(b.id))[prov.id], 5);
    const del = await admin.api('DELETE', `/batches/${b.id}/quotas`);
    await expectProblem(del, 405, 'method_not_allowed');
    assert.match(del.headers.get('allow'), /PUT/);
  });
});

describe('POST /batches/{id}/quotas/import', () => {
  test('UTF-8 with BOM, a header line, CRLF, quoted fields, names and ids', async () => {
    const b = await makeBatch(admin);
    const csv = '\uFEFF推荐单位,名额\r\n'
      + '北京市科学技术协会,12\r\n'
      + '"中国""科普""研究所,北京",7\r\n'
      + `${society.id},"3"\r\n`
      + `"农业农村部",0`;
    const res = await importCsv(b.id, csv, { type: 'text/csv; charset=utf-8' });
    assert.equal(res.status, 200, await res.clone().text());
    const { items } = await res.json();
    assert.deepEqual(quotasOf(items), { [prov.id]: 12, [comma.id]: 7, [society.id]: 3, [office.id]: 0 });
    assert.equal(items.find((r) => r.recommender_id === comma.id).recommender_name, '中国"科普"研究所,北京');
    assert.deepEqual(await table(b.id), items);
    const [row] = await auditRows(b.id);
    assert.equal(row.data.changes.length, 4);
    assert.deepEqual(row.data.changes.find((c) => c.recommender_id === prov.id), { recommender_id: prov.id, from: null, to: 12 });
  });

  test('LF without a header and without BOM; blank lines are skipped; rows not named keep theirs', async () => {
    const b = await makeBatch(admin);
    await put(b.id, [{ recommender_id: office.id, quota: 4 }]);
    const res = await importCsv(b.id, Buffer.from('北京市科学技术协会,1\n\n中国科学技术史学会,2\n\n'));
    assert.equal(res.status, 200, await res.clone().text());
    assert.deepEqual(quotasOf((await res.json()).items), { [prov.id]: 1, [society.id]: 2, [office.id]: 4 });
    const again = await importCsv(b.id, `${prov.id},8\n`);
    assert.equal(again.status, 200, 'a first line with a good quota is data, not a header');
    assert.equal(quotasOf(await table(b.id))[prov.id], 8);
  });

  test('every bad line is named at once with its line number; nothing is applied', async () => {
    const b = await makeBatch(admin);
    await put(b.id, [{ recommender_id: prov.id, quota: 1 }]);
    const lines = [
      '推荐单位,名额',                 // 1 header
      '中国科学技术史学会,5',           // 2 good
      '农业农村部',                     // 3 one column
      '农业农村部,1,备注',              // 4 three columns
      '农业农村部,-1',                  // 5
      '农业农村部,10001',               // 6
      '农业农村部,1.5',                 // 7
      '农业农村部,',                    // 8 empty quota
      '',                               // 9 blank: no record
      '不存在的学会,3',                 // 10 unknown
      `${society.id},4`,                // 11 the same recommender as line 2, by id
      ',3',                             // 12 no recommender
      '999999,2',                       // 13 unknown id
      '北京市科学技术协会,2',           // 14 good
      '北京市科学技术协会, 2',          // 15 a space before the number
    ];
    const res = await importCsv(b.id, lines.join('\r\n') + '\r\n');
    const p = await expectProblem(res, 422, 'validation');
    assert.deepEqual(fieldCodes(p), [
      ['lines.3', 'columns'], ['lines.4', 'columns'], ['lines.5', 'quota'], ['lines.6', 'quota'],
      ['lines.7', 'quota'], ['lines.8', 'quota'], ['lines.10', 'unknown_recommender'], ['lines.11', 'duplicate'],
      ['lines.12', 'recommender'], ['lines.13', 'unknown_recommender'], ['lines.15', 'quota'],
    ], 'the lines read well are looked up in the same round, and every error comes in line order');
    assert.match(p.errors[6].message, /不存在的学会/);
    assert.deepEqual(quotasOf(await table(b.id)), { [prov.id]: 1 });

    // with the shapes right, the lookups are reported, each of them
    const res2 = await importCsv(b.id, [
      '推荐单位,名额', '中国科学技术史学会,5', '不存在的学会,3', `${society.id},4`, '999999,2',
      '北京市科学技术协会,2', '农业农村部,1', '农业农村部,2',
    ].join('\n'));
    const p2 = await expectProblem(res2, 422, 'validation');
    assert.deepEqual(fieldCodes(p2), [
      ['lines.3', 'unknown_recommender'], ['lines.4', 'duplicate'], ['lines.5', 'unknown_recommender'],
      ['lines.8', 'duplicate'],
    ]);
    assert.match(p2.errors[0].message, /不存在的学会/);
    assert.deepEqual(quotasOf(await table(b.id)), { [prov.id]: 1 }, 'the table is unchanged');
    assert.equal((await auditRows(b.id)).length, 1);
  });

  test('several bad lines of every kind in one round, unknown recommenders and quotas below use among them; nothing stored', async () => {
    const b = await makeBatch(admin, { status: 'open' });
    await put(b.id, [{ recommender_id: prov.id, quota: 3 }, { recommender_id: office.id, quota: 2 }]);
    const { application } = await makeApplication(k.url, prov.session, b.id);
    await db.psql(`UPDATE applications SET status = 'recommended', recommended_at = now() WHERE id = ${application.id}`);
    const p = await expectProblem(await importCsv(b.id, [
      '\uFEFF推荐单位,名额',
      '北京市科学技术协会,0',            // 2 below the one place it used
      '中国科学技术史学会,x',            // 3
      '中国科普研究所,4',                // 4 unknown
      '农业农村部,5',                    // 5 good
      `${office.id},6`,                  // 6 the same as line 5
      '"中国科学技术史学会",3,多余',     // 7
      '中国科学技术史学会,9',            // 8 good
      '888888,1',                        // 9 unknown
    ].join('\r\n')), 422, 'validation');
    assert.equal(p.detail, '名额表有误，未做任何修改');
    assert.deepEqual(fieldCodes(p), [['lines.2', 'below_used'], ['lines.3', 'quota'], ['lines.4', 'unknown_recommender'],
      ['lines.6', 'duplicate'], ['lines.7', 'columns'], ['lines.9', 'unknown_recommender']]);
    assert.match(p.errors[2].message, /中国科普研究所/);
    assert.match(p.errors[5].message, /888888/);
    assert.deepEqual(quotasOf(await table(b.id)), { [prov.id]: 3, [office.id]: 2 }, 'nothing stored, the good lines neither');
  });

  test('100,000 bad lines: the first 100 are listed, errors_total counts all, the answer stays small', async () => {
    const b = await makeBatch(admin);
    // odd lines one column, even lines a quota that is no number: one error each
    const lines = Array.from({ length: 100000 }, (_, i) => (i % 2 === 0 ? 'x' : 'a,b'));
    const res = await importCsv(b.id, lines.join('\n') + '\n');
    const text = await res.clone().text();
    const p = await expectProblem(res, 422, 'validation');
    assert.equal(p.errors.length, 100);
    assert.equal(p.errors_total, 100000);
    assert.deepEqual(fieldCodes(p).slice(0, 3), [['lines.1', 'columns'], ['lines.2', 'quota'], ['lines.3', 'columns']]);
    assert.deepEqual(p.errors[99].field, 'lines.100');
    assert.ok(Buffer.byteLength(text) < 20000, `${Buffer.byteLength(text)} bytes`);
    assert.deepEqual(await table(b.id), []);

    // 2,500 lines naming one recommender: each one past 2000 is an error, and
    // so is each repetition among the first 2000, capped the same way
    const many = Array.from({ length: 2500 }, () => '北京市科学技术协会,1').join('\n');
    const p2 = await expectProblem(await importCsv(b.id, many), 422, 'validation');
    assert.equal(p2.errors.length, 100);
    assert.equal(p2.errors_total, 1999 + 500);
    assert.deepEqual(p2.errors[0], { field: 'lines.2', code: 'duplicate', message: p2.errors[0].message });
    assert.deepEqual(p2.errors[99].field, 'lines.101');
    const p3 = await expectProblem(await importCsv(b.id, [...Array.from({ length: 150 }, () => 'x'), '不存在的学会,1'].join('\n')),
      422, 'validation');
    assert.equal(p3.errors_total, 151, 'an unknown recommender after 150 bad lines is counted too');
    assert.deepEqual(await table(b.id), []);
  });

  test('a quoted field spanning lines keeps the line numbers of the file', async () => {
    const b = await makeBatch(admin);
    const csv = '北京市科学技术协会,1\n"中国科学技术史\n学会",2\n农业农村部,x\n';
    const p = await expectProblem(await importCsv(b.id, csv), 422, 'validation');
    assert.deepEqual(fieldCodes(p), [['lines.2', 'unknown_recommender'], ['lines.4', 'quota']]);
    const p2 = await expectProblem(await importCsv(b.id, csv.replace(',x', ',3')), 422, 'validation');
    assert.deepEqual(fieldCodes(p2), [['lines.2', 'unknown_recommender']]);
    assert.deepEqual(await table(b.id), []);
  });

  test('422 file: empty, only a header, only a BOM or blank lines, broken quotes, not UTF-8', async () => {
    const b = await makeBatch(admin);
    for (const body of ['', '\uFEFF', '推荐单位,名额\r\n', '\n\n\r\n']) {
      const p = await expectProblem(await importCsv(b.id, body), 422, 'validation');
      assert.deepEqual(fieldCodes(p), [['file', 'empty']], JSON.stringify(body));
    }
    let p = await expectProblem(await importCsv(b.id, '"北京市科学技术协会,1\n'), 422, 'validation');
    assert.deepEqual(fieldCodes(p), [['file', 'csv']]);
    p = await expectProblem(await importCsv(b.id, Buffer.from([0xb1, 0xb1, 0xbe, 0xa9, 0x2c, 0x31, 0x0a])), 422, 'validation');
    assert.deepEqual(fieldCodes(p), [['file', 'csv']], 'GBK is refused');
    assert.match(p.errors[0].message, /UTF-8/);
    assert.deepEqual(await table(b.id), []);
  });

  test('415 for another Content-Type or none; 404 for an unknown batch', async () => {
    const b = await makeBatch(admin);
    for (const type of ['application/json', 'text/plain', 'application/vnd.ms-excel', null]) {
      await expectProblem(await importCsv(b.id, `${prov.id},1\n`, { type }), 415, 'unsupported_media_type');
    }
    assert.deepEqual(await table(b.id), []);
    await expectProblem(await importCsv(999999, `${prov.id},1\n`), 404, 'not_found');
    await expectProblem(await importCsv('abc', `${prov.id},1\n`), 404, 'not_found');
  });
});
