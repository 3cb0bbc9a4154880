// Notifications: each user sees and marks only their own; someone else's
// is 404, the admin's included.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { createDatabase, startKpjdd } from '../lib/kpjdd.js';
import { expectProblem } from '../lib/http.js';
import { createAdmin, createUser, signIn } from '../lib/accounts.js';

let db, k, admin, rec, recId;
before(async () => {
  db = await createDatabase();
  k = await startKpjdd({ db, migrate: true });
  createAdmin(db);
  recId = await createUser(db, { username: 'rec', role: 'recommender' });
  admin = await signIn(k.url, 'admin');
  rec = await signIn(k.url, 'rec');
  await db.psql(`INSERT INTO notifications (user_id, kind, title, body, data)
                 SELECT ${recId}, 'application.submitted', '新的申报：' || i, '某科技馆提交了申报表', json_build_object('application_id', i)
                   FROM generate_series(1, 5) i`);
  await db.psql(`INSERT INTO notifications (user_id, kind, title) VALUES (1, 'contact.filed', '联系人已报送')`);
});
after(async () => {
  await k?.stop();
  await db?.drop();
});

test('each user lists only their own, newest first, with Chinese text intact', async () => {
  const { items, next_cursor } = await (await rec.api('GET', '/notifications')).json();
  assert.equal(items.length, 5);
  assert.equal(next_cursor, null);
  assert.equal(items[0].title, '新的申报：5');
  assert.equal(items[0].body, '某科技馆提交了申报表');
  assert.deepEqual(items[0].data, { application_id: 5 });
  assert.equal(items[0].read_at, null);
  assert.match(items[0].created_at, /Z$/);
  const mine = (await (await admin.api('GET', '/notifications')).json()).items;
  assert.deepEqual(mine.map((n) => n.kind), ['contact.filed'], 'the admin sees only the admin\'s');
});

test('mark read: own 204 (twice is fine), someone else\'s 404, nonsense 404', async () => {
  const { items } = await (await rec.api('GET', '/notifications')).json();
  assert.equal((await rec.api('POST', `/notifications/${items[0].id}/read`)).status, 204);
  assert.equal((await rec.api('POST', `/notifications/${items[0].id}/read`)).status, 204);
  await expectProblem(await admin.api('POST', `/notifications/${items[1].id}/read`), 404, 'not_found');
  await expectProblem(await rec.api('POST', '/notifications/999999/read'), 404, 'not_found');
  await expectProblem(await rec.api('POST', '/notifications/abc/read'), 404, 'not_found');
  const unread = (await (await rec.api('GET', '/notifications?unread=true')).json()).items;
  assert.equal(unread.length, 4);
  assert.ok(!unread.some((n) => n.id === items[0].id));
  const all = (await (await rec.api('GET', '/notifications')).json()).items;
  assert.match(all.find((n) => n.id === items[0].id).read_at, /Z$/);
});

test('paging and bad parameters', async () => {
  const page1 = await (await rec.api('GET', '/notifications?limit=2')).json();
  assert.equal(page1.items.length, 2);
  const page2 = await (await rec.api('GET', `/notifications?limit=2&cursor=${page1.next_cursor}`)).json();
  assert.equal(page2.items.length, 2);
  assert.ok(page2.items[0].id < page1.items[1].id);
  for (const q of ['unread=maybe', 'limit=0', 'cursor=%25%25']) {
    await expectProblem(await rec.api('GET', `/notifications?${q}`), 422, 'validation');
  }
  await expectProblem(await fetch(`${k.url}/api/v1/notifications`), 401, 'unauthenticated');
});
