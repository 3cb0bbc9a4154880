// The rubric (评分标准) of a batch: set and read by the admin; weighted
// criteria whose weights sum to 100, every bad field named.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { createDatabase, startKpjdd } from '../lib/kpjdd.js';
import { expectProblem } from '../lib/http.js';
import { createAdmin, createUser, signIn } from '../lib/accounts.js';
import { makeBatch, makeRecommender } from '../lib/fixtures.js';

const RFC3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;
const CRITERIA = [
  { key: 'conditions', name: '基础条件', weight: 30 },
  { key: 'activities', name: '科普活动', weight: 40 },
  { key: 'management', name: '管理与保障', weight: 30 },
];

let db, k, admin, expert, rec, batch;

async function json(res, status = 200) {
  const text = await res.text();
  assert.equal(res.status, status, `status (body: ${text})`);
  return text ? JSON.parse(text) : null;
}
const put = (who, id, body) => who.api('PUT', `/batches/${id}/rubric`, body);
const fields = (p) => p.errors.map((e) => [e.field, e.code]);

before(async () => {
  db = await createDatabase();
  k = await startKpjdd({ db, migrate: true });
  createAdmin(db);
  await createUser(db, { username: 'expert', role: 'expert' });
  [admin, expert] = await Promise.all([signIn(k.url, 'admin'), signIn(k.url, 'expert')]);
  rec = await makeRecommender(k.url, admin);
  batch = await makeBatch(admin, { status: 'open' });
});
after(async () => {
  await k?.stop();
  await db?.drop();
});

test('GET before any: 404; PUT sets it (200, as set), GET reads it, audited', async () => {
  await expectProblem(await admin.api('GET', `/batches/${batch.id}/rubric`), 404, 'not_found');
  const set = await json(await put(admin, batch.id, { criteria: CRITERIA }));
  assert.deepEqual(Object.keys(set).sort(), ['criteria', 'updated_at']);
  assert.deepEqual(set.criteria, CRITERIA);
  assert.match(set.updated_at, RFC3339);
  assert.deepEqual(await json(await admin.api('GET', `/batches/${batch.id}/rubric`)), set);
  const { items } = await json(await admin.api('GET', `/audit?action=batch.rubric_set&entity=batch&entity_id=${batch.id}`));
  assert.deepEqual(items[0].data, { criteria: CRITERIA });
});

test('PUT again replaces it, in the order sent', async () => {
  const next = [{ key: 'a_1', name: '甲', weight: 99 }, { key: 'b_2', name: '乙', weight: 1 }];
  assert.deepEqual((await json(await put(admin, batch.id, { criteria: next }))).criteria, next);
  assert.deepEqual((await json(await admin.api('GET', `/batches/${batch.id}/rubric`))).criteria, next);
  await json(await put(admin, batch.id, { criteria: CRITERIA }));
});

test('bad rubrics: 422 naming each field; the rubric stays as it was', async () => {
  const w = (...weights) => weights.map((weight, i) => ({ key: `k${i}`, name: `标准${i}`, weight }));
  for (const [body, want] of [
    [{}, [['criteria', 'required']]],
    [{ criteria: [] }, [['criteria', 'too_short']]],
    [{ criteria: {} }, [['criteria', 'type']]],
    [{ criteria: w(...Array(21).fill(5)) }, [['criteria', 'too_long']]],
    [{ criteria: w(50, 49) }, [['criteria', 'sum']]],
    [{ criteria: w(50, 51) }, [['criteria', 'sum']]],
    [{ criteria: w(100, 0) }, [['criteria.1.weight', 'range']]],
    [{ criteria: w(50, 50.5) }, [['criteria.1.weight', 'type']]],
    [{ criteria: [{ key: 'A', name: '甲', weight: 50 }, { key: 'a', name: '乙', weight: 50 }] }, [['criteria.0.key', 'format']]],
    [{ criteria: [{ key: 'a', name: '甲', weight: 50 }, { key: 'a', name: '乙', weight: 50 }] }, [['criteria.1.key', 'duplicate']]],
    [{ criteria: [{ key: '评分', name: '甲', weight: 100 }] }, [['criteria.0.key', 'format']]],
    [{ criteria: [{ key: 'a', name: '', weight: 100 }] }, [['criteria.0.name', 'too_short']]],
    [{ criteria: [{ key: 'a', name: '甲', weight: 100, extra: 1 }] }, [['criteria.0.extra', 'unknown']]],
    [{ criteria: [7] }, [['criteria.0', 'type']]],
    [{ criteria: CRITERIA, locked: true }, [['locked', 'unknown']]],
  ]) {
    const p = await expectProblem(await put(admin, batch.id, body), 422, 'validation');
    assert.deepEqual(fields(p), want, JSON.stringify(body).slice(0, 100));
  }
  assert.deepEqual((await json(await admin.api('GET', `/batches/${batch.id}/rubric`))).criteria, CRITERIA);
});

test('who: other roles 403, an unknown batch 404', async () => {
  for (const who of [rec.session, expert]) {
    await expectProblem(await put(who, batch.id, { criteria: CRITERIA }), 403, 'forbidden');
    await expectProblem(await who.api('GET', `/batches/${batch.id}/rubric`), 403, 'forbidden');
  }
  await expectProblem(await put(admin, 999999999, { criteria: CRITERIA }), 404, 'not_found');
  await expectProblem(await put(admin, 'x', { criteria: CRITERIA }), 404, 'not_found');
  await expectProblem(await admin.api('GET', '/batches/999999999/rubric'), 404, 'not_found');
});
