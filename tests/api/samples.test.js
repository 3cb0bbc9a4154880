// The on-site spot-check sample (实地抽检): drawn once per batch with
// kpjd-sample-v1, from the batch's initial_passed applications, once every
// recommended one has its initial review; recomputed here from the seed and
// the candidates with node's crypto, as anyone holding them can.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, describe, test } from 'node:test';

import { createDatabase, startKpjdd } from '../lib/kpjdd.js';
import { expectProblem } from '../lib/http.js';
import { createAdmin, createUser, signIn } from '../lib/accounts.js';
import { makeApplication, makeBatch, makeRecommender } from '../lib/fixtures.js';

const SEED = '00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff';

let db, k, admin, admin2, expert, rec, other;

async function json(res, status = 200) {
  const text = await res.text();
  assert.equal(res.status, status, `status (body: ${text})`);
  return text ? JSON.parse(text) : null;
}

// kpjd-sample-v1 as API.md defines it, written again from the text.
function kpjdSample(seedHex, rate, candidates) {
  const [int, frac = ''] = String(rate).split('.');
  const den = 10n ** BigInt(frac.length);
  const num = BigInt(int) * den + BigInt(frac || 0);
  const groups = new Map();
  for (const c of candidates) groups.set(c.stratum, [...(groups.get(c.stratum) ?? []), c.id]);
  const key = Buffer.from(seedHex, 'hex');
  const selected = [];
  for (const ids of groups.values()) {
    const order = ids.map((id) => [createHmac('sha256', key).update(String(id)).digest('hex'), id])
      .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] - b[1]));
    const take = Number((num * BigInt(ids.length) + den - 1n) / den);
    selected.push(...order.slice(0, take).map((x) => x[1]));
  }
  return selected.sort((a, b) => a - b);
}

// A batch in evaluation with `n` recommended applications, spread over two
// recommenders, regions and categories.
async function evaluatingBatch(n) {
  const b = await makeBatch(admin, { status: 'open' });
  const apps = [];
  for (let i = 0; i < n; i++) {
    const reg = await makeApplication(k.url, (i % 3 ? rec : other).session, b.id,
      { unit: { region: i % 2 ? '湖北省' : '北京市' } });
    apps.push({ id: reg.application.id, username: reg.username, password: reg.password });
  }
  await db.psql(`UPDATE applications SET status = 'recommended', recommended_at = now(),
                 category = (ARRAY['venue', 'agriculture', 'other'])[1 + id % 3]
                 WHERE id IN (${apps.map((a) => a.id).join(',')})`);
  await json(await admin.api('PATCH', `/batches/${b.id}`, { status: 'evaluating' }));
  return { batch: b, apps };
}

async function reviewAll(batch, apps, failing = []) {
  const items = apps.map((a) => (failing.includes(a.id)
    ? { application_id: a.id, result: 'fail', comments: '不符合条件' } : { application_id: a.id, result: 'pass' }));
  await json(await admin.api('POST', `/batches/${batch.id}/initial-review`, { items }));
}

async function candidates(batchId) {
  const rows = (await db.psql(`SELECT id || '|' || region_name || '|' || coalesce(category, '') FROM applications
                               WHERE batch_id = ${batchId} AND status = 'initial_passed' ORDER BY id`)).split('\n').filter(Boolean);
  return rows.map((r) => { const [id, region, category] = r.split('|'); return { id: Number(id), region, category }; });
}

const draw = (who, batchId, body) => who.api('POST', `/batches/${batchId}/onsite-sample`, body);
const fields = (p) => p.errors.map((e) => [e.field, e.code]);

before(async () => {
  db = await createDatabase();
  k = await startKpjdd({ db, migrate: true, env: { KPJD_INVITATIONS_LOOKUP_LIMIT: '10000' } });
  createAdmin(db);
  createAdmin(db, 'admin2');
  await createUser(db, { username: 'expert', role: 'expert' });
  [admin, admin2, expert] = await Promise.all([signIn(k.url, 'admin'), signIn(k.url, 'admin2'), signIn(k.url, 'expert')]);
  [rec, other] = await Promise.all([makeRecommender(k.url, admin), makeRecommender(k.url, admin)]);
});
after(async () => {
  await k?.stop();
  await db?.drop();
});

describe('POST /batches/{id}/onsite-sample', () => {
  let ev, apps;
  before(async () => { ({ batch: ev, apps } = await evaluatingBatch(12)); });

  test('not while a recommended application waits for its initial review: 409; GET is 404 before', async () => {
    await reviewAll(ev, apps.slice(1));
    const p = await expectProblem(await draw(admin, ev.id, { rate: 0.3 }), 409, 'invalid_state');
    assert.match(p.detail, /1 份/);
    await expectProblem(await admin.api('GET', `/batches/${ev.id}/onsite-sample`), 404, 'not_found');
    await reviewAll(ev, apps.slice(0, 1), [apps[0].id]);
  });

  test('bad bodies: 422 naming the field', async () => {
    for (const [body, want] of [
      [{}, [['rate', 'required']]],
      [{ rate: 0 }, [['rate', 'range']]],
      [{ rate: -0.1 }, [['rate', 'range']]],
      [{ rate: 1.5 }, [['rate', 'range']]],
      [{ rate: 0.0000000001 }, [['rate', 'range']]],
      [{ rate: '0.3' }, [['rate', 'type']]],
      [{ rate: 0.3, seed: SEED.slice(1) }, [['seed', 'too_short']]],
      [{ rate: 0.3, seed: 'g'.repeat(64) }, [['seed', 'format']]],
      [{ rate: 0.3, stratify_by: 'city' }, [['stratify_by', 'enum']]],
      [{ rate: 0.3, algorithm: 'mine' }, [['algorithm', 'unknown']]],
    ]) {
      const p = await expectProblem(await draw(admin, ev.id, body), 422, 'validation');
      assert.deepEqual(fields(p), want, JSON.stringify(body));
    }
  });

  test('who: other roles 403, unknown batch 404, a batch not in evaluation 409', async () => {
    for (const who of [rec.session, expert])
      await expectProblem(await draw(who, ev.id, { rate: 0.3 }), 403, 'forbidden');
    await expectProblem(await draw(admin, 999999999, { rate: 0.3 }), 404, 'not_found');
    const open = await makeBatch(admin, { status: 'open' });
    await expectProblem(await draw(admin, open.id, { rate: 0.3 }), 409, 'invalid_state');
  });

  test('two admins at once: one draws (201), the other finds it drawn (409); anyone can recompute it', async () => {
    const answers = await Promise.all([
      draw(admin, ev.id, { rate: 0.3, seed: SEED }),
      draw(admin2, ev.id, { rate: 0.5, seed: SEED.replace(/0/g, '1') }),
    ]);
    assert.deepEqual(answers.map((r) => r.status).sort(), [201, 409]);
    const won = await answers.find((r) => r.status === 201).json();
    const cands = await candidates(ev.id);
    assert.equal(cands.length, 11);                            // 12 recommended, one failed
    assert.deepEqual(Object.keys(won).sort(), ['algorithm', 'candidates', 'created_at', 'rate', 'seed', 'selected', 'stratify_by']);
    assert.equal(won.algorithm, 'kpjd-sample-v1');
    assert.equal(won.stratify_by, 'none');
    assert.equal(won.candidates, 11);
    const want = kpjdSample(won.seed, won.rate, cands.map((c) => ({ id: c.id, stratum: '' })));
    assert.deepEqual(won.selected, want);
    assert.equal(won.selected.length, Math.ceil(won.rate * 11));
    assert.deepEqual(await json(await admin.api('GET', `/batches/${ev.id}/onsite-sample`)), won);
    // recorded, audited, told
    const { items } = await json(await admin.api('GET', `/audit?action=batch.onsite_sample_drawn&entity=batch&entity_id=${ev.id}`));
    assert.equal(items.length, 1);
    assert.deepEqual(items[0].data.selected, won.selected);
    const drawn = apps.find((a) => a.id === won.selected[0]);
    const s = await signIn(k.url, drawn.username, drawn.password);
    const notes = (await json(await s.api('GET', '/notifications?limit=200'))).items.filter((n) => n.kind === 'application.onsite_sampled');
    assert.equal(notes.length, 1);
    assert.equal(notes[0].data.application_id, drawn.id);
  });

  test('once drawn: a second draw 409, initial reviews can no longer change, the row cannot be rewritten', async () => {
    const p = await expectProblem(await draw(admin, ev.id, { rate: 1 }), 409, 'invalid_state');
    assert.match(p.detail, /只抽一次/);
    const q = await expectProblem(await admin.api('POST', `/applications/${apps[0].id}/initial-review`, { result: 'pass' }), 409, 'invalid_state');
    assert.match(q.detail, /实地抽检/);
    await assert.rejects(db.psql(`UPDATE onsite_samples SET seed = '${'0'.repeat(64)}' WHERE batch_id = ${ev.id}`), /append-only/);
    await assert.rejects(db.psql(`DELETE FROM onsite_samples WHERE batch_id = ${ev.id}`), /append-only/);
  });
});

describe('strata and rates, recomputed', () => {
  test('by region and by category, rates 0.25 and 1, a seed from the server when none is sent', async () => {
    for (const [stratify, rate, seed] of [['region', 0.25, SEED], ['category', 1, undefined], ['category', 0.5, SEED]]) {
      const { batch, apps } = await evaluatingBatch(9);
      await reviewAll(batch, apps);
      const body = { rate, stratify_by: stratify, ...(seed ? { seed } : {}) };
      const won = await json(await draw(admin, batch.id, body), 201);
      assert.match(won.seed, /^[0-9a-f]{64}$/);
      if (seed) assert.equal(won.seed, seed);
      assert.equal(won.rate, rate);
      const cands = await candidates(batch.id);
      assert.deepEqual(won.selected, kpjdSample(won.seed, won.rate, cands.map((c) => ({ id: c.id, stratum: c[stratify] }))),
        `${stratify} ${rate}`);
      if (rate === 1) assert.deepEqual(won.selected, cands.map((c) => c.id));
    }
  });
});
