// On-site checks (实地核查) of the applications the sample drew: the record
// of the visit, pass or fail, correctable; the programme office's evidence
// files (kind onsite_evidence), listed with the application's attachments.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { createDatabase, startKpjdd } from '../lib/kpjdd.js';
import { expectProblem } from '../lib/http.js';
import { createAdmin, createUser, signIn } from '../lib/accounts.js';
import { makeApplication, makeBatch, makeRecommender } from '../lib/fixtures.js';

const RFC3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;
const PDF = Buffer.from('%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n');
const VISIT = { inspectors: ['张检查', '李核实'], visited_on: '2026-10-08', findings: '展厅开放正常，台账齐全', result: 'pass' };

let db, k, admin, expert, rec, ev, apps, selected, unselected;

async function json(res, status = 200) {
  const text = await res.text();
  assert.equal(res.status, status, `status (body: ${text})`);
  return text ? JSON.parse(text) : null;
}
const check = (who, id, body) => who.api('PUT', `/applications/${id}/onsite-check`, body);
const statusOf = (id) => db.psql(`SELECT status FROM applications WHERE id = ${id}`);
const fields = (p) => p.errors.map((e) => [e.field, e.code]);

function upload(token, id, kind, body = PDF, type = 'application/pdf') {
  return fetch(`${k.url}/api/v1/applications/${id}/attachments?kind=${kind}`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': type,
      'content-disposition': `attachment; filename*=UTF-8''${encodeURIComponent('核查记录.pdf')}`,
    },
    body,
  });
}

before(async () => {
  db = await createDatabase();
  k = await startKpjdd({ db, migrate: true, env: { KPJD_INVITATIONS_LOOKUP_LIMIT: '10000' } });
  createAdmin(db);
  await createUser(db, { username: 'expert', role: 'expert' });
  [admin, expert] = await Promise.all([signIn(k.url, 'admin'), signIn(k.url, 'expert')]);
  rec = await makeRecommender(k.url, admin);
  ev = await makeBatch(admin, { status: 'open' });
  apps = [];
  for (let i = 0; i < 6; i++) {
    const reg = await makeApplication(k.url, rec.session, ev.id);
    apps.push({ id: reg.application.id, session: await signIn(k.url, reg.username, reg.password) });
  }
  await db.psql(`UPDATE applications SET status = 'recommended', recommended_at = now()
                 WHERE id IN (${apps.map((a) => a.id).join(',')})`);
  await json(await admin.api('PATCH', `/batches/${ev.id}`, { status: 'evaluating' }));
  await json(await admin.api('POST', `/batches/${ev.id}/initial-review`,
    { items: apps.map((a) => ({ application_id: a.id, result: 'pass' })) }));
  const sample = await json(await admin.api('POST', `/batches/${ev.id}/onsite-sample`, { rate: 0.5 }), 201);
  assert.equal(sample.selected.length, 3);
  selected = apps.filter((a) => sample.selected.includes(a.id));
  unselected = apps.filter((a) => !sample.selected.includes(a.id));
});
after(async () => {
  await k?.stop();
  await db?.drop();
});

describe('PUT /applications/{id}/onsite-check', () => {
  test('pass: 200, still initial_passed, the record on the application; audited and told', async () => {
    const a = selected[0];
    const res = await check(admin, a.id, VISIT);
    const app = await json(res);
    assert.equal(res.headers.get('etag'), `"${app.version}"`);
    assert.equal(app.status, 'initial_passed');
    assert.deepEqual(Object.keys(app.onsite_check).sort(), ['at', 'by', 'findings', 'inspectors', 'result', 'visited_on']);
    assert.deepEqual(app.onsite_check.inspectors, VISIT.inspectors);
    assert.equal(app.onsite_check.visited_on, '2026-10-08');
    assert.equal(app.onsite_check.findings, VISIT.findings);
    assert.equal(app.onsite_check.by, '系统管理员');
    assert.match(app.onsite_check.at, RFC3339);
    const { items } = await json(await admin.api('GET', `/audit?action=application.onsite_checked&entity=application&entity_id=${a.id}`));
    assert.deepEqual(items[0].data, { from: 'initial_passed', to: 'initial_passed', ...VISIT });
    const notes = (await json(await a.session.api('GET', '/notifications?limit=200'))).items
      .filter((n) => n.kind === 'application.onsite_checked');
    assert.equal(notes.length, 1);
    assert.match(notes[0].title, /^实地核查通过：/);
    const mine = await json(await a.session.api('GET', `/applications/${a.id}`));
    assert.deepEqual(mine.onsite_check, app.onsite_check);
    const list = await json(await admin.api('GET', `/applications?batch_id=${ev.id}&limit=200`));
    assert.deepEqual(list.items.find((x) => x.id === a.id).onsite_check, app.onsite_check);
    assert.equal(list.items.find((x) => x.id === unselected[0].id).onsite_check, null);
  });

  test('fail needs findings and sets it aside (onsite_failed); a corrected pass restores it', async () => {
    const a = selected[1];
    const p = await expectProblem(await check(admin, a.id, { ...VISIT, result: 'fail', findings: ' ' }), 422, 'validation');
    assert.deepEqual(fields(p), [['findings', 'required']]);
    assert.equal((await json(await check(admin, a.id, { ...VISIT, result: 'fail', findings: '现场无科普展厅' }))).status, 'onsite_failed');
    assert.equal((await json(await check(admin, a.id, { ...VISIT, findings: '复核：展厅已整改开放' }))).status, 'initial_passed');
    assert.equal((await json(await check(admin, a.id, { ...VISIT, result: 'fail', findings: '终查不符' }))).status, 'onsite_failed');
  });

  test('only the drawn: another application of the batch 409; unknown 404; other roles 403', async () => {
    const p = await expectProblem(await check(admin, unselected[0].id, VISIT), 409, 'invalid_state');
    assert.match(p.detail, /样本/);
    assert.equal(await statusOf(unselected[0].id), 'initial_passed');
    for (const id of ['999999999', 'x'])
      await expectProblem(await check(admin, id, VISIT), 404, 'not_found');
    for (const who of [rec.session, selected[2].session, expert])
      await expectProblem(await check(who, selected[2].id, VISIT), 403, 'forbidden');
  });

  test('bad bodies: 422 naming the field, nothing recorded', async () => {
    const a = selected[2];
    for (const [body, want] of [
      [{}, [['inspectors', 'required'], ['visited_on', 'required'], ['findings', 'required'], ['result', 'required']]],
      [{ ...VISIT, inspectors: [] }, [['inspectors', 'too_short']]],
      [{ ...VISIT, inspectors: Array(11).fill('王') }, [['inspectors', 'too_long']]],
      [{ ...VISIT, inspectors: ['王', ''] }, [['inspectors.1', 'too_short']]],
      [{ ...VISIT, inspectors: ['王', 5] }, [['inspectors.1', 'type']]],
      [{ ...VISIT, inspectors: ['名'.repeat(51)] }, [['inspectors.0', 'too_long']]],
      [{ ...VISIT, inspectors: '王' }, [['inspectors', 'type']]],
      [{ ...VISIT, visited_on: '2026-02-30' }, [['visited_on', 'format']]],
      [{ ...VISIT, visited_on: '2026/10/08' }, [['visited_on', 'format']]],
      [{ ...VISIT, visited_on: '2099-01-01' }, [['visited_on', 'range']]],
      [{ ...VISIT, result: 'ok' }, [['result', 'enum']]],
      [{ ...VISIT, findings: '查'.repeat(5001) }, [['findings', 'too_long']]],
      [{ ...VISIT, extra: true }, [['extra', 'unknown']]],
    ]) {
      const p = await expectProblem(await check(admin, a.id, body), 422, 'validation');
      assert.deepEqual(fields(p), want, JSON.stringify(body).slice(0, 80));
    }
    assert.equal((await json(await a.session.api('GET', `/applications/${a.id}`))).onsite_check, null);
  });
});

describe('evidence: POST /applications/{id}/attachments?kind=onsite_evidence', () => {
  test('the admin uploads it for a drawn application; it is listed with the attachments', async () => {
    const a = selected[0];
    const at = await json(await upload(admin.token, a.id, 'onsite_evidence'), 201);
    assert.equal(at.kind, 'onsite_evidence');
    const mp4 = Buffer.concat([Buffer.from([0, 0, 0, 0x18]), Buffer.from('ftypmp42'), Buffer.alloc(16)]);
    assert.equal((await json(await upload(admin.token, a.id, 'onsite_evidence', mp4, 'video/mp4'), 201)).kind, 'onsite_evidence');
    const app = await json(await a.session.api('GET', `/applications/${a.id}`));
    assert.deepEqual(app.attachments.map((x) => x.kind), ['onsite_evidence', 'onsite_evidence']);
    const file = await a.session.api('GET', `/attachments/${at.id}`);
    assert.equal(file.status, 200);
    assert.deepEqual(Buffer.from(await file.arrayBuffer()), PDF);
  });

  test('the applicant may not upload it, the admin nothing else; not for an application the sample did not draw', async () => {
    const a = selected[0];
    await expectProblem(await upload(a.session.token, a.id, 'onsite_evidence'), 403, 'forbidden');
    await expectProblem(await upload(admin.token, a.id, 'evidence'), 403, 'forbidden');
    await expectProblem(await upload(rec.session.token, a.id, 'onsite_evidence'), 403, 'forbidden');
    await expectProblem(await upload(admin.token, unselected[0].id, 'onsite_evidence'), 409, 'invalid_state');
    await expectProblem(await upload(admin.token, 999999999, 'onsite_evidence'), 404, 'not_found');
  });
});
