// Expert assignments and scoring (终评): the programme office assigns N
// experts to each candidate (never a conflict, loads even), an expert scores
// against the rubric in drafts and submits (then sealed), or recuses; a
// recused expert's work is replaced.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { createDatabase, startKpjdd } from '../lib/kpjdd.js';
import { expectProblem } from '../lib/http.js';
import { createAdmin, signIn } from '../lib/accounts.js';
import { makeApplication, makeBatch, makeRecommender } from '../lib/fixtures.js';

const SEED = 'aa'.repeat(32);
const RUBRIC = [
  { key: 'conditions', name: '基础条件', weight: 30 },
  { key: 'activities', name: '科普活动', weight: 30 },
  { key: 'management', name: '管理与保障', weight: 40 },
];

let db, k, admin, recA, recB, ev, apps, experts;

async function json(res, status = 200) {
  const text = await res.text();
  assert.equal(res.status, status, `status (body: ${text})`);
  return text ? JSON.parse(text) : null;
}
const fields = (p) => p.errors.map((e) => [e.field, e.code]);
const assign = (body) => admin.api('POST', `/batches/${ev.id}/assignments`, body);

// An expert made by the admin, its first password changed: { id, session }.
async function makeExpert(n, extra = {}) {
  const made = await json(await admin.api('POST', '/experts', {
    name: `专家${n}`, username: `expert${n}`, organization: `某大学${n}`, field: '科学传播', ...extra,
  }), 201);
  const first = await signIn(k.url, `expert${n}`, made.initial_password);
  const changed = await first.api('PUT', '/session/password', { current_password: made.initial_password, new_password: `expert pass ${n}!` });
  assert.equal(changed.status, 200);
  return { id: made.expert.id, session: await signIn(k.url, `expert${n}`, `expert pass ${n}!`) };
}

before(async () => {
  db = await createDatabase();
  k = await startKpjdd({ db, migrate: true, env: { KPJD_INVITATIONS_LOOKUP_LIMIT: '10000' } });
  createAdmin(db);
  admin = await signIn(k.url, 'admin');
  [recA, recB] = await Promise.all([makeRecommender(k.url, admin), makeRecommender(k.url, admin)]);
  ev = await makeBatch(admin, { status: 'open' });
  apps = [];
  for (let i = 0; i < 5; i++) {
    const reg = await makeApplication(k.url, (i < 2 ? recA : recB).session, ev.id);
    apps.push({ id: reg.application.id, rec: i < 2 ? recA : recB });
  }
  await db.psql(`UPDATE applications SET status = 'recommended', recommended_at = now()
                 WHERE id IN (${apps.map((a) => a.id).join(',')})`);
  await json(await admin.api('PATCH', `/batches/${ev.id}`, { status: 'evaluating' }));
  await json(await admin.api('POST', `/batches/${ev.id}/initial-review`,
    { items: apps.map((a) => ({ application_id: a.id, result: 'pass' })) }));
  experts = [];
  for (let i = 0; i < 4; i++) experts.push(await makeExpert(i));
  experts.push(await makeExpert(4, { recommender_id: recA.id }));   // conflicts with recA's two
});
after(async () => {
  await k?.stop();
  await db?.drop();
});

describe('POST /batches/{id}/assignments', () => {
  test('without a rubric: 409; bad bodies 422', async () => {
    await expectProblem(await assign({ per_application: 2 }), 409, 'invalid_state');
    for (const [body, want] of [
      [{}, [['per_application', 'required']]],
      [{ per_application: 0 }, [['per_application', 'range']]],
      [{ per_application: 16 }, [['per_application', 'range']]],
      [{ per_application: 2.5 }, [['per_application', 'type']]],
      [{ per_application: 2, seed: 'zz'.repeat(32) }, [['seed', 'format']]],
      [{ per_application: 2, seed: 'aa' }, [['seed', 'too_short']]],
    ]) {
      const p = await expectProblem(await assign(body), 422, 'validation');
      assert.deepEqual(fields(p), want, JSON.stringify(body));
    }
    await json(await admin.api('PUT', `/batches/${ev.id}/rubric`, { criteria: RUBRIC }));
  });

  test('too few eligible experts: 422 naming every such application, nothing assigned', async () => {
    const p = await expectProblem(await assign({ per_application: 5 }), 422, 'validation');
    assert.deepEqual(fields(p), apps.slice(0, 2).map((a) => [`applications.${a.id}`, 'too_few_experts']));
    assert.equal(await db.psql(`SELECT count(*) FROM assignments`), '0');
  });

  test('201: N distinct experts each, never a conflict, loads within one; the same seed, the same assignment', async () => {
    const made = await json(await assign({ per_application: 3, seed: SEED }), 201);
    assert.equal(made.count, 15);
    assert.equal(made.per_application, 3);
    assert.equal(made.items.length, 15);
    for (const a of apps) {
      const mine = made.items.filter((x) => x.application_id === a.id).map((x) => x.expert_id);
      assert.equal(new Set(mine).size, 3);
      if (a.rec === recA) assert.ok(!mine.includes(experts[4].id), 'the recommender-linked expert never gets its applications');
    }
    const counts = made.loads.map((l) => l.count);
    assert.ok(Math.max(...counts) - Math.min(...counts) <= 1, JSON.stringify(made.loads));
    assert.ok(made.items.every((x) => x.status === 'pending'));
    const again = await json(await assign({ per_application: 3, seed: SEED }), 201);
    assert.deepEqual(again.items.map((x) => [x.application_id, x.expert_id]), made.items.map((x) => [x.application_id, x.expert_id]));
    const { items } = await json(await admin.api('GET', `/audit?action=batch.experts_assigned&entity=batch&entity_id=${ev.id}`));
    assert.equal(items[0].data.seed, SEED);
    const listed = await json(await admin.api('GET', `/batches/${ev.id}/assignments?expert_id=${experts[0].id}`));
    assert.ok(listed.items.every((x) => x.expert_id === experts[0].id));
  });
});

describe('the expert at work', () => {
  let mine, other;
  before(async () => {
    ({ items: mine } = await json(await experts[0].session.api('GET', '/assignments')));
    ({ items: other } = await json(await experts[1].session.api('GET', '/assignments')));
  });

  test('its own assignments with the application names and the rubric; it reads exactly those applications', async () => {
    assert.ok(mine.length >= 3);
    assert.deepEqual(mine[0].rubric, RUBRIC);
    assert.ok(mine[0].unit_name);
    const app = await json(await experts[0].session.api('GET', `/applications/${mine[0].application_id}`));
    assert.equal(app.id, mine[0].application_id);
    const listed = await json(await experts[0].session.api('GET', '/applications?limit=200'));
    assert.deepEqual(listed.items.map((a) => a.id).sort((a, b) => a - b),
      [...new Set(mine.map((x) => x.application_id))].sort((a, b) => a - b));
    const notMine = apps.find((a) => !mine.some((x) => x.application_id === a.id));
    if (notMine) await expectProblem(await experts[0].session.api('GET', `/applications/${notMine.id}`), 404, 'not_found');
  });

  test('drafts: partial is fine; unknown keys and bad scores are named', async () => {
    const x = mine[0];
    const draft = await json(await experts[0].session.api('PUT', `/assignments/${x.id}/score`, { scores: { conditions: 80 } }));
    assert.equal(draft.status, 'draft');
    assert.deepEqual(draft.scores, { conditions: 80 });
    for (const [scores, want] of [
      [{ bogus: 1 }, [['scores.bogus', 'unknown']]],
      [{ conditions: 101 }, [['scores.conditions', 'range']]],
      [{ conditions: -1 }, [['scores.conditions', 'range']]],
      [{ conditions: 80.5 }, [['scores.conditions', 'type']]],
      [{ conditions: '80' }, [['scores.conditions', 'type']]],
    ]) {
      const p = await expectProblem(await experts[0].session.api('PUT', `/assignments/${x.id}/score`, { scores }), 422, 'validation');
      assert.deepEqual(fields(p), want, JSON.stringify(scores));
    }
    // what JSON can carry that is not a score: never a 5xx, never stored
    const raw = (body) => fetch(`${k.url}/api/v1/assignments/${x.id}/score`, {
      method: 'PUT', headers: { authorization: `Bearer ${experts[0].session.token}`, 'content-type': 'application/json' }, body });
    for (const body of ['{"scores":{"conditions":1e400}}', '{"scores":{"conditions":99999999999999999999999}}',
      '{"scores":{"conditions":80,"conditions":90}}', '{"scores":{"conditions":NaN}}', '{"scores":{"conditions":Infinity}}'])
      await expectProblem(await raw(body), 400, 'bad_json');
    assert.deepEqual(fields(await expectProblem(await raw('{"scores":{"conditions":1e20}}'), 422, 'validation')),
      [['scores.conditions', 'type']]);
    for (const [scores, want] of [
      [{ conditions: 9007199254740993 }, [['scores.conditions', 'range']]],
      [{ conditions: null }, [['scores.conditions', 'type']]],
      [{ conditions: [80] }, [['scores.conditions', 'type']]],
    ]) {
      const q = await expectProblem(await experts[0].session.api('PUT', `/assignments/${x.id}/score`, { scores }), 422, 'validation');
      assert.deepEqual(fields(q), want, JSON.stringify(scores));
    }
    assert.equal(await db.psql(`SELECT scores::text FROM assignments WHERE id = ${x.id}`), '{"conditions": 80}');
    const p = await expectProblem(await experts[0].session.api('POST', `/assignments/${x.id}/submit`), 422, 'validation');
    assert.deepEqual(fields(p), [['scores.activities', 'required'], ['scores.management', 'required']]);
  });

  test('submit: the total, then sealed — by the API and by the database', async () => {
    const x = mine[0];
    await json(await experts[0].session.api('PUT', `/assignments/${x.id}/score`,
      { scores: { conditions: 85, activities: 90, management: 77 }, comment: '条件较好' }));
    const answers = await Promise.all([1, 2].map(() => experts[0].session.api('POST', `/assignments/${x.id}/submit`)));
    assert.deepEqual(answers.map((r) => r.status).sort(), [200, 409]);
    const done = await answers.find((r) => r.status === 200).json();
    assert.equal(done.status, 'submitted');
    assert.equal(done.total, 83.3);                          // 0.3×85 + 0.3×90 + 0.4×77
    await expectProblem(await experts[0].session.api('PUT', `/assignments/${x.id}/score`, { scores: { conditions: 1 } }), 409, 'invalid_state');
    await expectProblem(await experts[0].session.api('POST', `/assignments/${x.id}/recuse`, { reason: '晚了' }), 409, 'invalid_state');
    await assert.rejects(db.psql(`UPDATE assignments SET total = 0 WHERE id = ${x.id}`), /sealed/);
    await assert.rejects(db.psql(`DELETE FROM assignments WHERE id = ${x.id}`), /sealed/);
    // the rubric is fixed, and the assignment can no longer be made again
    await expectProblem(await admin.api('PUT', `/batches/${ev.id}/rubric`, { criteria: RUBRIC }), 409, 'invalid_state');
    await expectProblem(await assign({ per_application: 3 }), 409, 'invalid_state');
  });

  test("another expert's assignment is not there (404); other roles 403", async () => {
    await expectProblem(await experts[0].session.api('PUT', `/assignments/${other[0].id}/score`, { scores: {} }), 404, 'not_found');
    await expectProblem(await experts[0].session.api('POST', `/assignments/${other[0].id}/submit`), 404, 'not_found');
    await expectProblem(await recA.session.api('GET', '/assignments'), 403, 'forbidden');
    await expectProblem(await recA.session.api('PUT', `/assignments/${other[0].id}/score`, { scores: {} }), 403, 'forbidden');
    await expectProblem(await admin.api('PUT', `/assignments/${other[0].id}/score`, { scores: {} }), 403, 'forbidden');
    await expectProblem(await experts[0].session.api('POST', `/batches/${ev.id}/assignments`, { per_application: 1 }), 403, 'forbidden');
  });

  test('recuse: a declared conflict; the admin replaces it with an eligible expert', async () => {
    const x = other[0];
    const recused = await json(await experts[1].session.api('POST', `/assignments/${x.id}/recuse`, { reason: '曾在该单位任职' }));
    assert.equal(recused.status, 'recused');
    assert.equal(await db.psql(`SELECT reason FROM declared_conflicts WHERE expert_id = ${experts[1].id} AND application_id = ${x.application_id}`), '曾在该单位任职');
    await expectProblem(await experts[1].session.api('GET', `/applications/${x.application_id}`), 404, 'not_found');
    const fresh = await json(await admin.api('POST', `/assignments/${x.id}/replace`), 201);
    assert.equal(fresh.application_id, x.application_id);
    assert.equal(fresh.status, 'pending');
    assert.notEqual(fresh.expert_id, experts[1].id);
    const onApp = (await json(await admin.api('GET', `/batches/${ev.id}/assignments?application_id=${x.application_id}`))).items;
    assert.equal(onApp.find((y) => y.id === x.id).status, 'replaced');
    assert.equal(onApp.find((y) => y.id === x.id).replaced_by, fresh.id);
    await expectProblem(await admin.api('POST', `/assignments/${x.id}/replace`), 409, 'invalid_state');
    await expectProblem(await admin.api('POST', `/assignments/${mine[0].id}/replace`), 409, 'invalid_state');   // submitted
    await expectProblem(await admin.api('POST', '/assignments/999999999/replace'), 404, 'not_found');
  });
});

describe('a conflict declared while experts are assigned', () => {
  test('never a conflicted pair at work: the assignment either did not choose it or took it off', async () => {
    const b = await makeBatch(admin, { status: 'open' });
    const mine = [];
    for (let i = 0; i < 3; i++) mine.push((await makeApplication(k.url, recB.session, b.id)).application.id);
    await db.psql(`UPDATE applications SET status = 'recommended', recommended_at = now() WHERE id IN (${mine.join(',')})`);
    await json(await admin.api('PATCH', `/batches/${b.id}`, { status: 'evaluating' }));
    await json(await admin.api('POST', `/batches/${b.id}/initial-review`, { items: mine.map((id) => ({ application_id: id, result: 'pass' })) }));
    await json(await admin.api('PUT', `/batches/${b.id}/rubric`, { criteria: RUBRIC }));
    for (let round = 0; round < 3; round++) {
      const [made, declared] = await Promise.all([
        admin.api('POST', `/batches/${b.id}/assignments`, { per_application: 2 }),
        admin.api('POST', `/experts/${experts[round].id}/conflicts`, { application_id: mine[round], reason: `第${round}轮声明` }),
      ]);
      assert.equal(made.status, 201, await made.text());
      assert.equal(declared.status, 201, await declared.text());
      const working = await db.psql(`SELECT count(*) FROM assignments x JOIN declared_conflicts d
                                      ON d.expert_id = x.expert_id AND d.application_id = x.application_id
                                      WHERE x.status IN ('pending', 'draft')`);
      assert.equal(working, '0', `round ${round}`);
    }
    // the one taken off is no longer the expert's to read
    const off = await db.psql(`SELECT application_id FROM assignments WHERE expert_id = ${experts[0].id} AND status = 'recused' AND batch_id = ${b.id}`);
    if (off) await expectProblem(await experts[0].session.api('GET', `/applications/${off.split('\n')[0]}`), 404, 'not_found');
  });
});

