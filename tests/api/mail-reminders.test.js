// Deadline reminders (lib/domain/remind.c), made by kpjdd's housekeeping
// every reminders.every seconds (1 here): three days and one day before an
// open batch's contact, unit submission and recommend deadlines, to those
// who still have something to do, each once.  Deadlines are set with SQL
// relative to the database clock; the test waits for the task's runs.
// Mail goes to a real SMTP server (tests/lib/smtp.js): a reminder reaches
// each reminded account that has an address and has not opted out, once.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { createDatabase, startKpjdd } from '../lib/kpjdd.js';
import { sleep } from '../lib/http.js';
import { createAdmin, signIn } from '../lib/accounts.js';
import { makeApplication, makeBatch, makeRecommender } from '../lib/fixtures.js';
import { startSmtp } from '../lib/smtp.js';

let smtp, db, k, admin;
// recommenders: r1 (quota in A, no contact), r2 (quota in A, contact filed),
// r3 (no quota anywhere), r4 (B: one submitted), r5 (C: nothing submitted
// awaits within the window), r6 (E, a batch no longer open)
let r1, r2, r3, r4, r5, r6;
let A, B, C, E;
// units: bDraft (draft in B: no submit deadline, so the recommend one),
// bSubmitted (submitted in B), cDraft (draft in C, whose submit deadline
// is near), cSubmitted, cReturned (returned in C: the recommend deadline, far),
// eDraft (draft in E)
const units = {};

const CONTACT = { name: '欧阳·娜娜', department: '科普部', position: '副主任', office_phone: '010-68571234',
  mobile: '13912345678', email: 'ouyang@example.cn', address: '北京市海淀区复兴路3号' };

async function quotas(batch, list) {
  const res = await admin.api('PUT', `/batches/${batch.id}/quotas`, { quotas: list.map((r) => ({ recommender_id: r.id, quota: 5 })) });
  assert.equal(res.status, 200, await res.text());
}

async function unit(rec, batch, status) {
  const reg = await makeApplication(k.url, rec.session, batch.id);
  if (status !== 'draft') await db.psql(`UPDATE applications SET status = '${status}' WHERE id = ${reg.application.id}`);
  return { userId: Number(await db.psql(`SELECT id FROM users WHERE username = '${reg.username}'`)), ...reg };
}

const userId = (rec) => rec.session.user.id;

// Every reminder made so far: "user once_key", sorted.
async function reminders() {
  const out = await db.psql("SELECT user_id || ' ' || once_key FROM notifications WHERE kind = 'deadline.reminder'");
  return out === '' ? [] : out.split('\n').sort();
}

// Waits until `want` (sorted "user once_key" lines) is what has been made,
// then three more runs of the task, and asserts it is still exactly that.
async function expectReminders(want) {
  want = [...want].sort();
  const until = Date.now() + 20000;
  let got = await reminders();
  while (JSON.stringify(got) !== JSON.stringify(want) && Date.now() < until) {
    await sleep(200);
    got = await reminders();
  }
  assert.deepEqual(got, want);
  await sleep(3500);
  assert.deepEqual(await reminders(), want, 'no more, no duplicates, after further runs');
}

before(async () => {
  smtp = await startSmtp();
  db = await createDatabase();
  k = await startKpjdd({ db, migrate: true, env: {
    KPJD_REMINDERS_EVERY: '1', KPJD_INVITATIONS_LOOKUP_LIMIT: '10000',
    KPJD_MAIL_URL: smtp.url, KPJD_MAIL_FROM: '科普基地平台 <noreply@kpjd.example.cn>', KPJD_MAIL_POLL: '1',
    KPJD_MAIL_RATE: '6000', KPJD_WEB_PUBLIC_URL: 'https://kpjd.example.cn' } });
  createAdmin(db);
  admin = await signIn(k.url, 'admin');
  [r1, r2, r3, r4, r5, r6] = await Promise.all([1, 2, 3, 4, 5, 6].map((i) => makeRecommender(k.url, admin, { name: `推荐单位甲${i}` })));
  [A, B, C, E] = await Promise.all([1, 2, 3, 4].map(() => makeBatch(admin, { status: 'open' })));
  await quotas(A, [r1, r2]);
  await quotas(B, [r4]);
  await quotas(C, [r5]);
  await quotas(E, [r6]);
  const filed = await r2.session.api('PUT', `/batches/${A.id}/contact`, CONTACT);
  assert.equal(filed.status, 200, await filed.text());
  units.bDraft = await unit(r4, B, 'draft');
  units.bSubmitted = await unit(r4, B, 'submitted');
  units.cDraft = await unit(r5, C, 'draft');
  units.cSubmitted = await unit(r5, C, 'submitted');
  units.cReturned = await unit(r5, C, 'returned');
  units.eDraft = await unit(r6, E, 'draft');
  // r1 reads its mail; r4 wants essential mail only
  for (const [r, settings] of [[r1, { email: 'r1@kepu.example.cn' }], [r4, { email: 'r4@kepu.example.cn', mail_opt_out: true }]]) {
    const res = await r.session.api('PUT', '/session/mail', { ...settings, current_password: r.password });
    assert.equal(res.status, 200, await res.text());
  }
});
after(async () => {
  await k?.stop();
  await db?.drop();
  await smtp?.close();
});

const contactEmail = (u) => u.applicant.contact_email;

describe('deadline reminders', () => {
  test('none while every deadline is more than three days away', async () => {
    await sleep(2500);               // two runs at least, with everything in place
    assert.deepEqual(await reminders(), []);
  });

  test('within the windows: exactly those with something to do, once each; a deadline first seen within a day gets only the 1-day one', async () => {
    // one statement, so no run sees half of it; the contact deadlines of B, C
    // and E are past (nobody is reminded of those)
    await db.psql(`
      UPDATE batches SET contact_deadline = CASE id
               WHEN ${A.id} THEN now() + interval '2 days' ELSE now() - interval '1 day' END,
             submit_deadline = CASE id WHEN ${C.id} THEN now() + interval '60 hours' END,
             recommend_deadline = CASE id
               WHEN ${A.id} THEN now() + interval '30 days'
               WHEN ${B.id} THEN now() + interval '12 hours'
               WHEN ${C.id} THEN now() + interval '10 days'
               WHEN ${E.id} THEN now() + interval '2 hours' END,
             status = CASE id WHEN ${E.id} THEN 'evaluating' ELSE status END
       WHERE id IN (${A.id}, ${B.id}, ${C.id}, ${E.id})`);
    await expectReminders([
      `${userId(r1)} remind:contact:${A.id}:3d`,          // quota, no contact form (r2 filed; r3 has no quota)
      `${userId(r4)} remind:recommend:${B.id}:1d`,        // a submission waits, 12 hours left: no 3-day one
      `${units.bDraft.userId} remind:resubmit:${B.id}:1d`,  // a draft; B has no submit deadline: the recommend one
      `${units.cDraft.userId} remind:submit:${C.id}:3d`,  // a draft, C's submit deadline in 60 hours
    ]);
  });

  test('what they say: the batch, the deadline in Beijing time, what is waiting', async () => {
    const beijing = async (col, id) => db.psql(`SELECT to_char(${col} AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD HH24:MI') FROM batches WHERE id = ${id}`);
    const mine = async (session) => (await (await session.api('GET', '/notifications?limit=200')).json())
      .items.filter((n) => n.kind === 'deadline.reminder');
    let [n] = await mine(r1.session);
    assert.equal(n.title, `联系人报送即将截止：${A.title}`);
    assert.ok(n.body.includes(`${await beijing('contact_deadline', A.id)}（北京时间）`), n.body);
    assert.equal(n.data.batch_id, A.id);
    assert.equal(n.data.deadline, 'contact');
    assert.match(n.data.due_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    [n] = await mine(r4.session);
    assert.equal(n.title, `推荐即将截止：${B.title}`);
    assert.ok(n.body.startsWith('还有 1 项申报待审核'), n.body);
    assert.ok(n.body.includes(await beijing('recommend_deadline', B.id)), n.body);
    const cUnit = await signIn(k.url, units.cDraft.username, units.cDraft.password);
    [n] = await mine(cUnit);
    assert.equal(n.title, `申报提交即将截止：${C.title}`);
    assert.ok(n.body.includes(await beijing('submit_deadline', C.id)), n.body);
    assert.equal(n.data.deadline, 'submit');
    assert.equal((await mine(r2.session)).length, 0);
    assert.equal((await mine(r5.session)).length, 0);
  });

  test('by mail: to each reminded account with an address, once; not to one that opted out', async () => {
    const reminders = (m) => /即将截止/.test(m.subject);
    const want = ['r1@kepu.example.cn', contactEmail(units.bDraft), contactEmail(units.cDraft)].sort();
    const got = await smtp.waitFor(reminders, { count: want.length });
    await sleep(2500);                        // further runs and polls send nothing more
    const all = smtp.messages().filter(reminders);
    assert.deepEqual(all.flatMap((m) => m.to).sort(), want);
    const r1Mail = got.find((m) => m.to.includes('r1@kepu.example.cn'));
    assert.equal(r1Mail.subject, `联系人报送即将截止：${A.title}`);
    assert.ok(r1Mail.text.includes('（北京时间）'), r1Mail.text);
    assert.equal(await db.psql(`SELECT count(*) FROM email_outbox WHERE kind = 'deadline.reminder' AND to_addr = 'r4@kepu.example.cn'`), '0');
  });

  test('the 1-day reminder follows the 3-day one when the deadline comes within a day; filing the contact form stops the next', async () => {
    const before = await reminders();         // read first: the next run may come at once
    await db.psql(`UPDATE batches SET contact_deadline = now() + interval '20 hours' WHERE id = ${A.id}`);
    await expectReminders([...before, `${userId(r1)} remind:contact:${A.id}:1d`]);
    const toR1 = await smtp.waitFor((m) => m.to.includes('r1@kepu.example.cn'), { count: 2 });
    assert.equal(toR1.length, 2, 'the 3-day and the 1-day reminder, each once');
    // C's submit deadline within a day, but the unit has submitted meanwhile: nothing
    await db.psql(`UPDATE applications SET status = 'submitted' WHERE id = ${units.cDraft.application.id};
                   UPDATE batches SET submit_deadline = now() + interval '5 hours' WHERE id = ${C.id}`);
    await expectReminders(before.concat(`${userId(r1)} remind:contact:${A.id}:1d`));
  });

  test('a disabled account is not reminded', async () => {
    const r7 = await makeRecommender(k.url, admin, { name: '推荐单位乙' });
    await quotas(A, [r1, r2, r7]);
    assert.equal((await admin.api('POST', `/recommenders/${r7.id}/disable`)).status, 200);
    const now = await reminders();
    await sleep(2500);
    assert.deepEqual(await reminders(), now);
  });
});
