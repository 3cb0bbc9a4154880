// Mail: notifications that matter go out as email through the outbox
// (lib/domain/notify.c → email_outbox → server/mailer.c → SMTP), checked
// against a real SMTP server (tests/lib/smtp.js, python3-aiosmtpd): who
// receives what, nothing for a change that rolled back, each message once
// with two kpjdd processes, retries while the server is down, permanent
// failures, opting out, expiry and body_after.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { createAdmin, signIn } from '../lib/accounts.js';
import { makeApplication, makeBatch, makeRecommender } from '../lib/fixtures.js';
import { sleep } from '../lib/http.js';
import { createDatabase, startKpjdd } from '../lib/kpjdd.js';
import { startSmtp } from '../lib/smtp.js';

const PUBLIC = 'https://kpjd.example.cn';
const FROM_NAME = '全国科普教育基地管理平台';
const MAIL_ENV = {
  KPJD_MAIL_FROM: `${FROM_NAME} <noreply@kpjd.example.cn>`,
  KPJD_MAIL_POLL: '1',
  KPJD_MAIL_RATE: '6000',
  KPJD_MAIL_RETRY_BASE: '1',
  KPJD_MAIL_RETRY_MAX: '2',
  KPJD_MAIL_TIMEOUT: '5',
  KPJD_WEB_PUBLIC_URL: PUBLIC,
  KPJD_INVITATIONS_LOOKUP_LIMIT: '10000',
};
const MESSAGE_ID = /^<\d+\.[0-9a-f]{16}@kpjd\.example\.cn>$/;
const RFC5322_DATE = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d\d:\d\d:\d\d \+0000$/;
const FORM = Object.freeze({
  staff_fulltime: 12, staff_parttime: 30, volunteers: 0, open_days_per_year: 300, annual_visitors: 1200000,
  venue_area_m2: 12000.5, annual_funding_wan: 350.75, activities_last3y: 120,
  profile: '北京自然博物馆是新中国依靠自己的力量筹建的第一座大型自然历史博物馆。',
  work_summary: '常年开展“自然探索”系列科普活动。', conditions: '展厅面积一万二千平方米。', plan: '三年内建成数字化展厅。',
  honors: [],
});
const PDF = Buffer.from('%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n');

let smtp, db, k, admin, rec, batch;

before(async () => {
  smtp = await startSmtp();
  db = await createDatabase();
  k = await startKpjdd({ db, migrate: true, env: { ...MAIL_ENV, KPJD_MAIL_URL: smtp.url } });
  createAdmin(db);
  admin = await signIn(k.url, 'admin');
  rec = await makeRecommender(k.url, admin, { name: '北京市科学技术协会', kind: 'provincial_cast', region: '北京市' });
  batch = await makeBatch(admin, { status: 'open' });
  const q = await admin.api('PUT', `/batches/${batch.id}/quotas`, { quotas: [{ recommender_id: rec.id, quota: 10 }] });
  assert.equal(q.status, 200, await q.text());
  await setEmail(rec.username, 'rec@example.cn');
});
after(async () => {
  await k?.stop();
  await db?.drop();
  await smtp?.close();
});

// ---------------------------------------------------------------------------
// helpers

async function setEmail(username, email, optOut = false) {
  await db.psql(`UPDATE users SET email = '${email}', mail_opt_out = ${optOut} WHERE username = '${username}'`);
}

async function json(res, status = 200) {
  const text = await res.text();
  assert.equal(res.status, status, `status (body: ${text})`);
  return text ? JSON.parse(text) : null;
}

// A registered unit with an address, its application submitted for real
// (the recommender is notified).
async function submittedApplicant(email, { optOut = false, name } = {}) {
  const reg = await makeApplication(k.url, rec.session, batch.id, name ? { unit: { name } } : {});
  await setEmail(reg.username, email, optOut);
  const session = await signIn(k.url, reg.username, reg.password);
  const id = reg.application.id;
  await json(await session.api('PATCH', `/applications/${id}`, { base_name: `${reg.applicant.name}科普基地`, category: 'venue', form: FORM }));
  await json(await fetch(`${k.url}/api/v1/applications/${id}/attachments?kind=application_form`, {
    method: 'POST',
    headers: { authorization: `Bearer ${session.token}`, 'content-type': 'application/pdf', 'content-disposition': 'attachment; filename="form.pdf"' },
    body: PDF,
  }), 201);
  await json(await session.api('POST', `/applications/${id}/submit`));
  return { id, username: reg.username, unitName: reg.applicant.name, session };
}

const act = (id, action, body) => rec.session.api('POST', `/applications/${id}/${action}`, body);
const to = (addr) => (m) => m.to.includes(addr);

async function outbox(where) {
  const text = await db.psql(`SELECT coalesce(json_agg(o ORDER BY id), '[]') FROM email_outbox o WHERE ${where}`);
  return JSON.parse(text);
}

// Waits until the outbox rows `where` satisfy `pred`.
async function waitOutbox(where, pred, timeoutMs = 20000) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const rows = await outbox(where);
    if (pred(rows)) return rows;
    if (Date.now() > until) assert.fail(`outbox rows (${where}) never matched: ${JSON.stringify(rows)}`);
    await sleep(200);
  }
}

let seq = 0;
// Queues a message directly, as kp_outbox_put does (the reset mail's path).
async function queue({ addr, subject = '测试邮件', body = '正文', bodyAfter = null, expires = null, status = 'pending', claimedAgo = null }) {
  const n = ++seq;
  return db.psql(`WITH i AS (INSERT INTO email_outbox (kind, essential, to_addr, subject, body, body_after, expires_at, message_id, status, claimed_at)
    VALUES ('test.direct', true, '${addr}', '${subject}', '${body}', ${bodyAfter === null ? 'NULL' : `'${bodyAfter}'`},
            ${expires === null ? 'NULL' : `now() + interval '${expires} seconds'`}, 'direct${n}.${Date.now()}@kpjd.example.cn',
            '${status}', ${claimedAgo === null ? 'NULL' : `now() - interval '${claimedAgo} seconds'`}) RETURNING id)
    SELECT id FROM i`);
}

// ---------------------------------------------------------------------------

describe('notifications by mail', () => {
  test('submit, return, decline, recommend: the recommender and the unit receive them, in Chinese, with a link, well-formed', async () => {
    const a = await submittedApplicant('unit-a@example.cn', { name: '北京自然博物馆' });
    const [sub] = await smtp.waitFor((m) => to('rec@example.cn')(m) && m.subject.includes('北京自然博物馆'));
    assert.deepEqual(sub.to, ['rec@example.cn']);
    assert.equal(sub.from, 'noreply@kpjd.example.cn');
    assert.equal(sub.subject, '收到申报：北京自然博物馆');
    assert.ok(sub.text.includes('请在推荐截止前审核'), sub.text);
    assert.ok(sub.text.includes(`${PUBLIC}/review/${a.id}`), sub.text);
    assert.ok(sub.text.includes('“账户”页面'), 'a non-essential mail says how to stop it');

    await json(await act(a.id, 'return', { reason: '请补充近三年活动照片' }));
    const [ret] = await smtp.waitFor(to('unit-a@example.cn'));
    assert.deepEqual(ret.to, ['unit-a@example.cn']);
    assert.equal(ret.subject, '申报被退回修改');
    assert.ok(ret.text.includes('请补充近三年活动照片'), ret.text);
    assert.ok(ret.text.includes(`${PUBLIC}/applications/${a.id}\r\n`), ret.text);
    assert.ok(ret.text.includes('自动发送'), ret.text);
    // headers
    assert.match(ret.headers['message-id'], MESSAGE_ID);
    assert.match(ret.headers.date, RFC5322_DATE);
    assert.ok(Math.abs(Date.parse(ret.headers.date) - Date.now()) < 120000, ret.headers.date);
    assert.equal(ret.headers.from, `${FROM_NAME} <noreply@kpjd.example.cn>`);
    assert.equal(ret.headers.to, 'unit-a@example.cn');
    assert.equal(ret.headers['mime-version'], '1.0');
    assert.equal(ret.headers['content-type'], 'text/plain; charset=UTF-8');
    assert.equal(ret.headers['content-transfer-encoding'], 'base64');
    assert.equal(ret.headers['auto-submitted'], 'auto-generated');
    assert.match(ret.rawHeaders.subject, /^=\?UTF-8\?B\?[A-Za-z0-9+/=]+\?=$/);
    for (const line of ret.raw.split('\r\n')) assert.ok(line.length <= 76, `line too long: ${line}`);
    assert.ok(!/[^\r]\n/.test(ret.raw), 'CRLF line ends only');
    const [row] = await outbox(`to_addr = 'unit-a@example.cn'`);
    assert.equal(`<${row.message_id}>`, ret.headers['message-id']);
    assert.equal(row.status, 'sent');
    assert.equal(row.kind, 'application.returned');
    assert.equal(row.essential, true);
    assert.equal(row.attempts, 1);

    const b = await submittedApplicant('unit-b@example.cn');
    await json(await act(b.id, 'decline', { reason: '不符合申报条件' }));
    const [dec] = await smtp.waitFor(to('unit-b@example.cn'));
    assert.equal(dec.subject, '申报未获推荐');
    assert.ok(dec.text.includes('不符合申报条件'));

    const c = await submittedApplicant('unit-c@example.cn');
    await json(await act(c.id, 'recommend', { opinion: '同意推荐，材料齐全' }));
    const [recd] = await smtp.waitFor(to('unit-c@example.cn'));
    assert.equal(recd.subject, '申报已获推荐');
    assert.ok(recd.text.includes('同意推荐，材料齐全'));
    assert.ok(recd.text.includes(`${PUBLIC}/applications/${c.id}`));
    const ids = smtp.messages().map((m) => m.headers['message-id']);
    assert.equal(new Set(ids).size, ids.length, 'no message twice');
  });

  test('a change that rolled back queues nothing and sends nothing', async () => {
    const a = await submittedApplicant('unit-rollback@example.cn');
    // fails at COMMIT, after the handler notified: the whole change goes
    await db.psql(`CREATE FUNCTION test_refuse() RETURNS trigger LANGUAGE plpgsql AS
                     $$BEGIN RAISE EXCEPTION 'refused by the test'; END$$;
                   CREATE CONSTRAINT TRIGGER test_refuse AFTER UPDATE ON applications
                     DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (NEW.id = ${a.id})
                     EXECUTE FUNCTION test_refuse()`);
    try {
      const res = await act(a.id, 'return', { reason: '这次退回会回滚' });
      assert.ok(res.status >= 500, `the change failed (${res.status})`);
      await res.text();
    } finally {
      await db.psql('DROP TRIGGER test_refuse ON applications; DROP FUNCTION test_refuse()');
    }
    assert.equal(await db.psql(`SELECT status FROM applications WHERE id = ${a.id}`), 'submitted');
    assert.deepEqual(await outbox(`to_addr = 'unit-rollback@example.cn'`), []);
    assert.equal(await db.psql(`SELECT count(*) FROM notifications n JOIN users u ON u.id = n.user_id
                                 WHERE u.username = '${a.username}'`), '0');
    await sleep(2500);                                   // two polls
    assert.equal(smtp.messages().filter(to('unit-rollback@example.cn')).length, 0);
  });

  test('opted out: no mail that is not essential, but the essential ones', async () => {
    await setEmail(rec.username, 'rec@example.cn', true);
    try {
      const a = await submittedApplicant('unit-optout@example.cn', { optOut: true, name: '退订测试科技馆' });
      await json(await act(a.id, 'return', { reason: '退订者也要知道被退回' }));
      const [ret] = await smtp.waitFor(to('unit-optout@example.cn'));
      assert.equal(ret.subject, '申报被退回修改');
      assert.ok(ret.text.includes('重要通知'), 'an essential mail says why it comes anyway');
      // the recommender's "收到申报" is optional: not queued for it
      assert.deepEqual(await outbox(`kind = 'application.submitted' AND subject LIKE '%退订测试科技馆%'`), []);
      assert.equal(smtp.messages().filter((m) => m.subject.includes('退订测试科技馆')).length, 0);
    } finally {
      await setEmail(rec.username, 'rec@example.cn', false);
    }
  });
});

describe('the sender', () => {
  test('a 550 answer is a permanent failure, recorded with the answer, not retried', async () => {
    const id = await queue({ addr: 'reject-nobody@example.cn' });
    const [row] = await waitOutbox(`id = ${id}`, ([r]) => r.status === 'failed');
    assert.match(row.last_error, /^550 5\.1\.1 .*no such mailbox/);
    assert.equal(row.attempts, 1);
    await sleep(2500);
    assert.equal((await outbox(`id = ${id}`))[0].attempts, 1, 'not tried again');
  });

  test('a 451 answer is temporary: recorded, the message waits for its next attempt', async () => {
    const id = await queue({ addr: 'tempfail-busy@example.cn' });
    const [first] = await waitOutbox(`id = ${id}`, ([r]) => r.attempts >= 1 && r.status === 'pending');
    assert.match(first.last_error, /^451 /);
    assert.ok(Date.parse(first.next_attempt_at) > Date.parse(first.claimed_at ?? first.created_at));
  });

  test('expired: failed "expired", never sent, body replaced by body_after; body_after applies once sent', async () => {
    const gone = await queue({ addr: 'late@example.cn', body: '链接 https://x/reset/abc', bodyAfter: '链接已删除', expires: -1 });
    const [row] = await waitOutbox(`id = ${gone}`, ([r]) => r.status === 'failed');
    assert.equal(row.last_error, 'expired');
    assert.equal(row.body, '链接已删除');
    assert.equal(row.attempts, 0);
    const sent = await queue({ addr: 'intime@example.cn', body: '链接 https://x/reset/def', bodyAfter: '链接已删除', expires: 1800 });
    const [m] = await smtp.waitFor(to('intime@example.cn'));
    assert.ok(m.text.includes('https://x/reset/def'), 'the mail carries the body');
    const [after] = await waitOutbox(`id = ${sent}`, ([r]) => r.status === 'sent');
    assert.equal(after.body, '链接已删除', 'the stored body no longer holds the link');
    assert.equal(smtp.messages().filter(to('late@example.cn')).length, 0);
  });

  test('a message left "sending" by a sender that died fails once as "interrupted, outcome unknown"', async () => {
    const id = await queue({ addr: 'orphan@example.cn', status: 'sending', claimedAgo: 3600 });
    const [row] = await waitOutbox(`id = ${id}`, ([r]) => r.status === 'failed');
    assert.equal(row.last_error, 'interrupted, outcome unknown');
    assert.equal(smtp.messages().filter(to('orphan@example.cn')).length, 0);
  });

  test('the SMTP server down: attempts and the error recorded, retried later, delivered once it is back', async () => {
    await smtp.stop();
    let id;
    try {
      id = await queue({ addr: 'patient@example.cn', subject: '服务器恢复后送达' });
      const [row] = await waitOutbox(`id = ${id}`, ([r]) => r.attempts >= 1 && r.status === 'pending');
      assert.ok(row.last_error && row.last_error.length > 0, 'the error is recorded');
      assert.ok(Date.parse(row.next_attempt_at) > Date.parse(row.created_at));
    } finally {
      await smtp.start();
    }
    const [m] = await smtp.waitFor(to('patient@example.cn'));
    assert.equal(m.subject, '服务器恢复后送达');
    const [row] = await waitOutbox(`id = ${id}`, ([r]) => r.status === 'sent');
    assert.ok(row.attempts >= 2, `attempts: ${row.attempts}`);
    assert.equal(row.last_error, null);
  });

  test('two kpjdd processes: 100 queued messages, each delivered exactly once', async () => {
    const k2 = await startKpjdd({ db, env: { ...MAIL_ENV, KPJD_MAIL_URL: smtp.url } });
    try {
      await db.psql(`INSERT INTO email_outbox (kind, essential, to_addr, subject, body, message_id)
        SELECT 'test.bulk', false, 'bulk' || g || '@example.cn', '批量 ' || g, '第 ' || g || ' 封',
               'bulk' || g || '.${Date.now()}@kpjd.example.cn' FROM generate_series(1, 100) g`);
      const got = await smtp.waitFor((m) => m.to[0].startsWith('bulk'), { count: 100, timeoutMs: 60000 });
      await sleep(2500);                                 // time for a duplicate to show
      const all = smtp.messages().filter((m) => m.to[0].startsWith('bulk'));
      const ids = all.map((m) => m.headers['message-id']);
      assert.equal(new Set(ids).size, 100);
      assert.equal(ids.length, 100, 'no message twice');
      assert.ok(got.length >= 100);
      assert.equal(await db.psql(`SELECT count(*) FROM email_outbox WHERE kind = 'test.bulk' AND status = 'sent'`), '100');
    } finally {
      await k2.stop();
    }
  });
});
