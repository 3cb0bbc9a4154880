// The mail outbox as the admin sees it (GET /mail/outbox): newest first,
// filtered by status, kind and address, paged by cursor, never a body; and
// POST /mail/outbox/{id}/resend: a failed message pending again at once,
// audited; anything else 409.  Only the admin.  Messages are put in the
// table with SQL, as lib/domain/outbox.c writes them.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { createDatabase, startKpjdd } from '../lib/kpjdd.js';
import { anonymous, expectProblem } from '../lib/http.js';
import { createAdmin, signIn } from '../lib/accounts.js';
import { makeApplication, makeBatch, makeRecommender } from '../lib/fixtures.js';

let db, k, admin, rec, unit, expert;
const ids = {};
before(async () => {
  db = await createDatabase();
  k = await startKpjdd({ db, migrate: true, env: { KPJD_INVITATIONS_LOOKUP_LIMIT: '10000' } });
  createAdmin(db);
  admin = await signIn(k.url, 'admin');
  rec = await makeRecommender(k.url, admin);
  const batch = await makeBatch(admin, { status: 'open' });
  const reg = await makeApplication(k.url, rec.session, batch.id);
  unit = await signIn(k.url, reg.username, reg.password);
  const res = await admin.api('POST', '/experts', { name: '专家', username: 'expert-o', organization: '某大学', field: '物理' });
  const { initial_password: pw } = await res.json();
  const first = await signIn(k.url, 'expert-o', pw);
  await first.api('PUT', '/session/password', { current_password: pw, new_password: 'expert password 2021' });
  expert = await signIn(k.url, 'expert-o', 'expert password 2021');

  // 7 messages, oldest first
  const put = async (name, { status = 'pending', kind = 'deadline.reminder', to = 'a@example.cn', expires = false,
    error = null, attempts = 0, userId = rec.session.user.id } = {}) => {
    ids[name] = Number(await db.psql(`
      INSERT INTO email_outbox (user_id, kind, essential, to_addr, subject, body, expires_at, message_id, status,
                                attempts, last_error, sent_at, next_attempt_at)
      VALUES (${userId ?? 'NULL'}, '${kind}', ${kind === 'password.reset'}, '${to}', '主题：${name}', '正文 SECRET-${name}',
              ${expires ? "now() + interval '30 minutes'" : 'NULL'}, '${name}.${Date.now()}@kpjd.test', '${status}',
              ${attempts}, ${error ? `'${error}'` : 'NULL'}, ${status === 'sent' ? 'now()' : 'NULL'},
              now() + interval '1 hour')
      RETURNING id`).then((o) => o.split('\n')[0]));
  };
  await put('sent1', { status: 'sent', attempts: 1 });
  await put('failed1', { status: 'failed', attempts: 5, error: '550 5.1.1 mailbox unavailable', to: 'Reject-Me@Example.cn' });
  await put('pending1', { kind: 'application.returned' });
  await put('resetFailed', { status: 'failed', kind: 'password.reset', expires: true, attempts: 5, error: '451 try later' });
  await put('sending1', { status: 'sending', attempts: 1 });
  await put('failed2', { status: 'failed', attempts: 1, error: '550 no such user', userId: null });
  await put('sent2', { status: 'sent', kind: 'application.returned', to: 'b@example.cn', attempts: 2 });
});
after(async () => {
  await k?.stop();
  await db?.drop();
});

const list = async (query = '') => {
  const res = await admin.api('GET', `/mail/outbox${query}`);
  const text = await res.text();
  assert.equal(res.status, 200, text);
  return JSON.parse(text);
};
const names = (page) => page.items.map((i) => Object.keys(ids).find((n) => ids[n] === i.id));

describe('GET /mail/outbox', () => {
  test('newest first, each item without its body', async () => {
    const page = await list();
    assert.deepEqual(names(page), ['sent2', 'failed2', 'sending1', 'resetFailed', 'pending1', 'failed1', 'sent1']);
    assert.equal(page.next_cursor, null);
    const f = page.items.find((i) => i.id === ids.failed1);
    assert.deepEqual(Object.keys(f).sort(), ['attempts', 'created_at', 'id', 'kind', 'last_error', 'next_attempt_at',
      'sent_at', 'status', 'subject', 'to', 'user_id']);
    assert.equal(f.to, 'Reject-Me@Example.cn');
    assert.equal(f.subject, '主题：failed1');
    assert.equal(f.status, 'failed');
    assert.equal(f.attempts, 5);
    assert.equal(f.last_error, '550 5.1.1 mailbox unavailable');
    assert.equal(f.user_id, rec.session.user.id);
    assert.equal(f.sent_at, null);
    assert.match(f.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.equal(page.items.find((i) => i.id === ids.failed2).user_id, null);
    assert.match(page.items.find((i) => i.id === ids.sent2).sent_at, /Z$/);
    assert.ok(!JSON.stringify(page).includes('SECRET'), 'no body');
  });

  test('filters: status, kind, address (any case), together', async () => {
    assert.deepEqual(names(await list('?status=failed')), ['failed2', 'resetFailed', 'failed1']);
    assert.deepEqual(names(await list('?status=sending')), ['sending1']);
    assert.deepEqual(names(await list('?kind=application.returned')), ['sent2', 'pending1']);
    assert.deepEqual(names(await list('?to=reject-me%40example.cn')), ['failed1']);
    assert.deepEqual(names(await list('?status=sent&kind=deadline.reminder')), ['sent1']);
    assert.deepEqual(names(await list('?status=failed&kind=password.reset&to=a%40example.cn')), ['resetFailed']);
    assert.deepEqual(names(await list('?to=nobody%40example.cn')), []);
  });

  test('pages by cursor, newest first, filters kept', async () => {
    const seen = [];
    let cursor = null, pages = 0;
    do {
      const page = await list(`?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      assert.ok(page.items.length <= 2);
      seen.push(...names(page));
      cursor = page.next_cursor;
      pages++;
    } while (cursor && pages < 10);
    assert.deepEqual(seen, ['sent2', 'failed2', 'sending1', 'resetFailed', 'pending1', 'failed1', 'sent1']);
    assert.equal(pages, 4);
    const first = await list('?status=failed&limit=1');
    const second = await list(`?status=failed&limit=1&cursor=${encodeURIComponent(first.next_cursor)}`);
    assert.deepEqual(names(second), ['resetFailed']);
  });

  test('a bad filter is 422 naming it', async () => {
    for (const [q, field] of [['status=lost', 'status'], ['kind=Deadline%20Reminder', 'kind'], ['kind=', 'kind'],
      ['to=not-an-address', 'to'], ['limit=0', 'limit'], ['limit=201', 'limit'], ['cursor=%25%25', 'cursor']]) {
      const p = await expectProblem(await admin.api('GET', `/mail/outbox?${q}`), 422, 'validation');
      assert.deepEqual(p.errors.map((e) => e.field), [field], q);
    }
  });

  test('the admin only: other roles 403, anonymous 401', async () => {
    for (const s of [rec.session, unit, expert]) {
      await expectProblem(await s.api('GET', '/mail/outbox'), 403, 'forbidden');
      await expectProblem(await s.api('POST', `/mail/outbox/${ids.failed1}/resend`), 403, 'forbidden');
    }
    await expectProblem(await anonymous(k.url)('GET', '/mail/outbox'), 401, 'unauthenticated');
    await expectProblem(await anonymous(k.url)('POST', `/mail/outbox/${ids.failed1}/resend`), 401, 'unauthenticated');
    assert.equal(await db.psql(`SELECT status FROM email_outbox WHERE id = ${ids.failed1}`), 'failed');
  });
});

describe('POST /mail/outbox/{id}/resend', () => {
  test('a failed message: pending at once, attempts from 0, the last error kept; audited', async () => {
    const res = await admin.api('POST', `/mail/outbox/${ids.failed1}/resend`);
    const text = await res.text();
    assert.equal(res.status, 200, text);
    const item = JSON.parse(text);
    assert.equal(item.id, ids.failed1);
    assert.equal(item.status, 'pending');
    assert.equal(item.attempts, 0);
    assert.equal(item.last_error, '550 5.1.1 mailbox unavailable');
    assert.ok(!('body' in item));
    assert.equal(await db.psql(`SELECT status || ' ' || attempts || ' ' || (next_attempt_at <= now()) FROM email_outbox WHERE id = ${ids.failed1}`),
      'pending 0 true');
    const audit = await (await admin.api('GET', `/audit?action=email.resent&entity=email&entity_id=${ids.failed1}`)).json();
    assert.equal(audit.items.length, 1);
    assert.deepEqual(audit.items[0].data, { to: 'Reject-Me@Example.cn', kind: 'deadline.reminder', attempts: 5,
      last_error: '550 5.1.1 mailbox unavailable' });
    assert.equal(audit.items[0].actor_id, admin.user.id);
  });

  test('anything not failed is 409 invalid_state, and so is a reset link; unknown 404; nothing changes or is audited', async () => {
    for (const name of ['failed1', 'pending1', 'sending1', 'sent1']) {
      const p = await expectProblem(await admin.api('POST', `/mail/outbox/${ids[name]}/resend`), 409, 'invalid_state');
      assert.equal(p.detail, '只有发送失败的邮件可以重新发送', name);
    }
    const p = await expectProblem(await admin.api('POST', `/mail/outbox/${ids.resetFailed}/resend`), 409, 'invalid_state');
    assert.match(p.detail, /重新申请/);
    assert.equal(await db.psql(`SELECT status || ' ' || attempts FROM email_outbox WHERE id = ${ids.resetFailed}`), 'failed 5');
    await expectProblem(await admin.api('POST', '/mail/outbox/999999/resend'), 404, 'not_found');
    await expectProblem(await admin.api('POST', '/mail/outbox/abc/resend'), 404, 'not_found');
    assert.equal(await db.psql("SELECT count(*) FROM audit_log WHERE action = 'email.resent'"), '1');
  });

  test('one without a user: resent as well', async () => {
    const item = await (await admin.api('POST', `/mail/outbox/${ids.failed2}/resend`)).json();
    assert.deepEqual([item.status, item.user_id, item.attempts], ['pending', null, 0]);
  });
});
