// The public notice (公示) of a batch's proposed list: created by the admin,
// public once its window starts by the database clock, rows fixed in GB/T
// 2260 order, extended only.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { createDatabase, startKpjdd } from '../lib/kpjdd.js';
import { createAdmin, signIn } from '../lib/accounts.js';
import { proposedBatch } from '../lib/publicity.js';

let db, k, admin;

before(async () => {
  db = await createDatabase();
  k = await startKpjdd({ db, migrate: true, env: { KPJD_INVITATIONS_LOOKUP_LIMIT: '10000' } });
  createAdmin(db);
  admin = await signIn(k.url, 'admin');
});
after(async () => {
  await k?.stop();
  await db?.drop();
});

test('the fixture: a batch in evaluation with proposed applications in three regions', async () => {
  const { batch, apps } = await proposedBatch(k.url, db, admin, { count: 4, term_start_year: 2026 });
  assert.equal(batch.status, 'evaluating');
  assert.equal(batch.term_start_year, 2026);
  assert.deepEqual(apps.map((a) => a.region), ['广东省', '北京市', '上海市', '广东省']);
  const rows = await db.psql(`SELECT string_agg(status || ':' || region_name || ':' || base_name, ',' ORDER BY id)
                                FROM applications WHERE batch_id = ${batch.id}`);
  assert.equal(rows, apps.map((a) => `proposed:${a.region}:${a.base_name}`).join(','));
});
