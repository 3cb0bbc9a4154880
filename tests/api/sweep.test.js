// An upload cut off while the database was unreachable can leave an
// incomplete attachment row behind; kpjdd sweeps those at start once they
// are a day old (never younger ones: an upload may be under way).
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { createDatabase, startKpjdd } from '../lib/kpjdd.js';
import { createAdmin, signIn } from '../lib/accounts.js';
import { makeApplication, makeBatch, makeRecommender } from '../lib/fixtures.js';

test('incomplete attachments older than a day are swept at start; younger ones and complete ones stay', async () => {
  const db = await createDatabase();
  let k = await startKpjdd({ db, migrate: true });
  try {
    createAdmin(db);
    const admin = await signIn(k.url, 'admin');
    const batch = await makeBatch(admin, { status: 'open' });
    const rec = await makeRecommender(k.url, admin, { name: '清理测试学会', username: 'sweeprec' });
    const { application } = await makeApplication(k.url, rec.session, batch.id);
    await db.psql(`INSERT INTO attachments (application_id, kind, filename, content_type, complete, created_at) VALUES
      (${application.id}, 'other', 'old.pdf', 'application/pdf', false, now() - interval '2 days'),
      (${application.id}, 'other', 'young.pdf', 'application/pdf', false, now() - interval '1 hour'),
      (${application.id}, 'other', 'done.pdf', 'application/pdf', true, now() - interval '3 days')`);
    await db.psql(`INSERT INTO attachment_chunks SELECT id, 0, '\\x25504446' FROM attachments WHERE filename = 'old.pdf'`);
    await k.stop();
    k = await startKpjdd({ db });
    assert.equal(await db.psql('SELECT string_agg(filename, \',\' ORDER BY filename) FROM attachments'), 'done.pdf,young.pdf');
    assert.equal(await db.psql('SELECT count(*) FROM attachment_chunks'), '0', 'chunks go with their attachment');
    assert.match(k.log(), /swept 1 incomplete uploads/);
  } finally {
    await k.stop();
    await db.drop();
  }
});
