// Applicant registration (POST /applicants, public): an invitation code, an
// account and the unit's details give the account, the unit and a draft
// application bound to the code's batch and recommender, and use the code
// up, all in one transaction: whatever the concurrency, one code registers
// exactly one unit.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { createDatabase, startKpjdd } from '../lib/kpjdd.js';
import { expectProblem, sleep } from '../lib/http.js';
import { createAdmin, login, signIn } from '../lib/accounts.js';
import { applicantPayload, creditCheckChar, creditCode, isoIn, makeBatch, makeInvitation, makeRecommender } from '../lib/fixtures.js';

// Many workers and pool threads (each with its own database connection), so
// that racing requests really are in the database together (registration,
// which hashes a password, runs on the pool).
const WORKERS = 10;
const LOOSE = { KPJD_INVITATIONS_LOOKUP_LIMIT: '100000', KPJD_INVITATIONS_LOOKUP_WINDOW: '60',
  KPJD_HTTP_WORKERS: String(WORKERS), KPJD_HTTP_POOL_THREADS: String(WORKERS) };
const RFC3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;

let db, k, admin, batch, rec, recB;

const register = (body, url = k.url) => fetch(`${url}/api/v1/applicants`, {
  method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

async function lookupStatus(code) {
  const res = await fetch(`${k.url}/api/v1/invitations/${code}`);
  assert.equal(res.status, 200, await res.clone().text());
  return (await res.json()).status;
}

const code = () => makeInvitation(rec.session, batch.id);

// Rows that a registration creates, to check that a refusal leaves none.
async function counts() {
  return db.psql(`SELECT (SELECT count(*) FROM applicant_units) || ' ' || (SELECT count(*) FROM users)
    || ' ' || (SELECT count(*) FROM applications) || ' ' || (SELECT count(*) FROM invitations WHERE used_at IS NOT NULL)
    || ' ' || (SELECT count(*) FROM audit_log WHERE action = 'applicant.registered')`);
}

async function auditRows(action) {
  const res = await admin.api('GET', `/audit?action=${action}&limit=200`);
  assert.equal(res.status, 200);
  return (await res.json()).items;
}

// A credit code with the right length and alphabet but a wrong check character.
function wrongCheck(cc) {
  const A = '0123456789ABCDEFGHJKLMNPQRTUWXY';
  return cc.slice(0, 17) + A[(A.indexOf(cc[17]) + 1) % 31];
}

before(async () => {
  db = await createDatabase();
  k = await startKpjdd({ db, migrate: true, env: LOOSE });
  createAdmin(db);
  admin = await signIn(k.url, 'admin');
  batch = await makeBatch(admin, { status: 'open' });
  rec = await makeRecommender(k.url, admin, { kind: 'provincial_cast', region: '北京市' });
  recB = await makeRecommender(k.url, admin, { kind: 'national_society' });
});
after(async () => {
  await k?.stop();
  await db?.drop();
});

test('the credit-code generator agrees with real codes (GB 32100-2015)', () => {
  for (const real of ['91350100M000100Y43', '91110000802100433B', '91440300708461136T']) {
    assert.equal(creditCheckChar(real.slice(0, 17)), real[17], real);
  }
  for (let n = 0; n < 50; n++) assert.match(creditCode(), /^[0-9A-HJ-NPQRTUWXY]{18}$/);
});

describe('a registration', () => {
  let body, res, reply, invitation;
  before(async () => {
    invitation = await code();
    body = applicantPayload(invitation, {
      username: 'Kjg-Beijing',
      unit: { name: '北京自然博物馆', credit_code: ' 91110000802100433b ', region: '北京市' },
    });
    res = await register(body);
    reply = await res.clone().json();
  });

  test('201 with the applicant and its draft application in the code\'s batch, bound to the code\'s recommender', async () => {
    assert.equal(res.status, 201, JSON.stringify(reply));
    assert.match(res.headers.get('content-type'), /^application\/json/);
    assert.deepEqual(Object.keys(reply).sort(), ['applicant', 'application']);
    const { applicant, application } = reply;
    assert.deepEqual(Object.keys(applicant).sort(), ['address', 'contact_email', 'contact_name', 'contact_phone',
      'created_at', 'credit_code', 'id', 'legal_representative', 'name', 'region', 'supervising_body', 'user_id', 'username']);
    assert.ok(Number.isInteger(applicant.id) && Number.isInteger(applicant.user_id));
    assert.equal(applicant.username, 'Kjg-Beijing');
    assert.equal(applicant.name, '北京自然博物馆');
    assert.equal(applicant.credit_code, '91110000802100433B', 'spaces dropped, upper case');
    assert.equal(applicant.region, '北京市');
    for (const f of ['address', 'legal_representative', 'supervising_body', 'contact_name', 'contact_phone', 'contact_email']) {
      assert.equal(applicant[f], body.unit[f], f);
    }
    assert.match(applicant.created_at, RFC3339);

    assert.deepEqual(Object.keys(application).sort(), ['applicant_id', 'attachments', 'base_name', 'batch_code', 'batch_id', 'batch_title',
      'category', 'created_at', 'decline_reason', 'fast_track', 'form', 'id', 'initial_review', 'onsite_check', 'recommend_opinion', 'recommended_at',
      'recommender_id', 'recommender_name', 'region', 'return_reason', 'status', 'submitted_at', 'unit_name',
      'updated_at', 'version', 'withdraw_reason']);
    assert.ok(Number.isInteger(application.id));
    assert.equal(application.batch_id, batch.id);
    assert.equal(application.recommender_id, rec.id);
    assert.equal(application.recommender_name, rec.recommender.name);
    assert.equal(application.applicant_id, applicant.id);
    assert.equal(application.unit_name, '北京自然博物馆');
    assert.equal(application.region, '北京市');
    assert.equal(application.base_name, null);
    assert.equal(application.category, null);
    assert.deepEqual(application.form, {});
    assert.equal(application.status, 'draft');
    assert.equal(application.version, 1);
    for (const f of ['submitted_at', 'recommended_at', 'recommend_opinion', 'return_reason', 'decline_reason', 'initial_review', 'onsite_check', 'fast_track', 'withdraw_reason']) {
      assert.equal(application[f], null, f);
    }
    assert.deepEqual(application.attachments, []);
    assert.match(application.created_at, RFC3339);
    assert.match(application.updated_at, RFC3339);
    assert.equal(await db.psql(`SELECT credit_code FROM applications WHERE id = ${application.id}`), '91110000802100433B');
  });

  test('the code is used: the lookup says so, the recommender\'s list names the unit', async () => {
    assert.equal(await lookupStatus(invitation), 'used');
    const list = await rec.session.api('GET', `/batches/${batch.id}/invitations?status=used`);
    const item = (await list.json()).items.find((i) => i.code === invitation);
    assert.ok(item, 'listed as used');
    assert.equal(item.applicant_name, '北京自然博物馆');
    assert.match(item.used_at, RFC3339);
    assert.equal(await db.psql(`SELECT used_by FROM invitations WHERE code = '${invitation}'`), String(reply.applicant.id));
  });

  test('the new account logs in (any case of the username) as an applicant of its unit', async () => {
    const { res: r, body: s } = await login(k.url, 'kjg-beijing', body.password);
    assert.equal(r.status, 201, JSON.stringify(s));
    assert.deepEqual(s.user, { id: reply.applicant.user_id, username: 'Kjg-Beijing', role: 'applicant',
      org_id: reply.applicant.id, display_name: '北京自然博物馆', must_change_password: false,
      email: body.unit.contact_email, mail_opt_out: false });
    assert.equal((await login(k.url, 'Kjg-Beijing', 'not the password')).res.status, 401);
  });

  test('audited as applicant.registered by the new user, with the ids, code and credit code, never the password', async () => {
    const rows = (await auditRows('applicant.registered')).filter((r) => r.data.invitation === invitation);
    assert.equal(rows.length, 1);
    const [row] = rows;
    assert.equal(row.actor_id, reply.applicant.user_id);
    assert.equal(row.actor_role, 'applicant');
    assert.equal(row.entity, 'applicant');
    assert.equal(String(row.entity_id), String(reply.applicant.id));
    assert.deepEqual(row.data, {
      unit_id: reply.applicant.id, application_id: reply.application.id, batch_id: batch.id,
      recommender_id: rec.id, invitation, credit_code: '91110000802100433B',
    });
    assert.match(row.request_id, /^[0-9a-f]{32}$/);
    assert.equal(row.ip, '127.0.0.1');
    assert.doesNotMatch(await db.psql('SELECT data::text FROM audit_log'), new RegExp(body.password));
    assert.doesNotMatch(await db.psql(`SELECT password_hash FROM users WHERE id = ${reply.applicant.user_id}`), new RegExp(body.password));
  });

  test('the code cannot be used again: 409 invalid_state, nothing created', async () => {
    const was = await counts();
    const p = await expectProblem(await register(applicantPayload(invitation)), 409, 'invalid_state');
    assert.match(p.detail, /已被使用/);
    // typed in lower case with hyphens it is the same code
    const typed = `${invitation.slice(0, 4)}-${invitation.slice(4, 8)}-${invitation.slice(8)}`.toLowerCase();
    await expectProblem(await register(applicantPayload(typed)), 409, 'invalid_state');
    assert.equal(await counts(), was);
  });
});

describe('the invitation code', () => {
  test('lower case and hyphens are accepted', async () => {
    const c = await code();
    const typed = `${c.slice(0, 4)}-${c.slice(4, 8)}-${c.slice(8)}`.toLowerCase();
    const res = await register(applicantPayload(typed));
    assert.equal(res.status, 201, await res.text());
    assert.equal(await lookupStatus(c), 'used');
  });

  test('malformed or a wrong check character: 422 on invitation_code, code check', async () => {
    const c = await code();
    const A = '23456789ABCDEFGHJKMNPQRSTUVWXYZ';
    const typo = c.slice(0, 5) + A[(A.indexOf(c[5]) + 1) % 31] + c.slice(6);
    for (const bad of [typo, c.slice(0, 11), `${c}A`, c.replace(/./, 'O'), 'hello', '------------']) {
      const p = await expectProblem(await register(applicantPayload(bad)), 422, 'validation');
      assert.deepEqual(p.errors.map((e) => [e.field, e.code]), [['invitation_code', 'check']], bad);
    }
    const p = await expectProblem(await register(applicantPayload('')), 422, 'validation');
    assert.deepEqual(p.errors.map((e) => e.field), ['invitation_code']);
    assert.equal(await lookupStatus(c), 'unused');
  });

  test('well-formed but unknown: 404 not_found', async () => {
    // eleven 2s (value 0) have the check character 2
    const unknown = '222222222222';
    const was = await counts();
    await expectProblem(await register(applicantPayload(unknown)), 404, 'not_found');
    assert.equal(await counts(), was);
  });

  test('revoked: 409 invalid_state', async () => {
    const c = await code();
    assert.equal((await rec.session.api('DELETE', `/invitations/${c}`)).status, 204);
    const was = await counts();
    const p = await expectProblem(await register(applicantPayload(c)), 409, 'invalid_state');
    assert.match(p.detail, /撤销/);
    assert.equal(await counts(), was);
  });

  test('expired (the recommend deadline has passed): 409 invalid_state', async () => {
    const b = await makeBatch(admin, { status: 'open' });
    const c = await makeInvitation(rec.session, b.id);
    const res = await admin.api('PATCH', `/batches/${b.id}`, { contact_deadline: isoIn(-2), recommend_deadline: isoIn(-1) });
    assert.equal(res.status, 200, await res.text());
    assert.equal(await lookupStatus(c), 'expired');
    const was = await counts();
    const p = await expectProblem(await register(applicantPayload(c)), 409, 'invalid_state');
    assert.match(p.detail, /过期/);
    assert.equal(await counts(), was);
  });

  test('its batch no longer open (evaluating, deadline still ahead): 409 invalid_state', async () => {
    const b = await makeBatch(admin, { status: 'open' });
    const c = await makeInvitation(rec.session, b.id);
    const res = await admin.api('PATCH', `/batches/${b.id}`, { status: 'evaluating' });
    assert.equal(res.status, 200, await res.text());
    const was = await counts();
    await expectProblem(await register(applicantPayload(c)), 409, 'invalid_state');
    assert.equal(await counts(), was);
  });
});

describe('conflicts', () => {
  test('a username taken, whatever its case: 409 conflict on username; the code stays unused', async () => {
    const c = await code();
    const was = await counts();
    for (const username of ['ADMIN', rec.username.toUpperCase(), 'kjg-BEIJING']) {
      const p = await expectProblem(await register(applicantPayload(c, { username })), 409, 'conflict');
      assert.deepEqual(p.errors.map((e) => [e.field, e.code]), [['username', 'taken']], username);
    }
    assert.equal(await counts(), was, 'nothing left behind: no unit, user, application, used code or audit row');
    assert.equal(await lookupStatus(c), 'unused');
    assert.equal((await register(applicantPayload(c))).status, 201, 'the code still works');
  });

  test('the same credit code again in the batch (another code, another recommender, any case): 409 conflict on unit.credit_code', async () => {
    const cc = creditCode();
    const first = await register(applicantPayload(await code(), { unit: { credit_code: cc } }));
    assert.equal(first.status, 201, await first.text());
    const was = await counts();
    for (const [c, typed] of [[await code(), cc], [await makeInvitation(recB.session, batch.id), cc.toLowerCase()],
      [await code(), `${cc.slice(0, 9)} ${cc.slice(9)}`]]) {
      const p = await expectProblem(await register(applicantPayload(c, { unit: { credit_code: typed } })), 409, 'conflict');
      assert.deepEqual(p.errors.map((e) => [e.field, e.code]), [['unit.credit_code', 'taken']]);
      assert.equal(await lookupStatus(c), 'unused', 'the code is not used up');
    }
    assert.equal(await counts(), was);
  });

  test('the same credit code in another batch is a new application', async () => {
    const cc = creditCode();
    assert.equal((await register(applicantPayload(await code(), { unit: { credit_code: cc } }))).status, 201);
    const b = await makeBatch(admin, { status: 'open' });
    const res = await register(applicantPayload(await makeInvitation(recB.session, b.id), { unit: { credit_code: cc } }));
    assert.equal(res.status, 201, await res.clone().text());
    const { application } = await res.json();
    assert.equal(application.batch_id, b.id);
    assert.equal(application.recommender_id, recB.id);
    assert.equal(await db.psql(`SELECT count(*) FROM applications WHERE credit_code = '${cc}'`), '2');
  });
});

describe('validation (422, nothing created)', () => {
  let c, was;
  before(async () => {
    c = await code();
    was = await counts();
  });
  after(async () => {
    assert.equal(await counts(), was);
    assert.equal(await lookupStatus(c), 'unused');
  });

  async function fields(body) {
    const p = await expectProblem(await register(body), 422, 'validation');
    return p.errors.map((e) => [e.field, e.code]);
  }

  test('credit code: a wrong check character, a wrong length, a character outside the alphabet', async () => {
    const cc = creditCode();
    assert.deepEqual(await fields(applicantPayload(c, { unit: { credit_code: wrongCheck(cc) } })), [['unit.credit_code', 'check']]);
    for (const bad of [cc.slice(0, 17), `${cc}0`, '9111', 'x'.repeat(40)]) {
      assert.deepEqual(await fields(applicantPayload(c, { unit: { credit_code: bad } })), [['unit.credit_code', 'length']], bad);
    }
    for (const bad of [`${cc.slice(0, 10)}I${cc.slice(11)}`, `${cc.slice(0, 10)}O${cc.slice(11)}`,
      `${cc.slice(0, 10)}Z${cc.slice(11)}`, `${cc.slice(0, 10)}-${cc.slice(11)}`]) {
      const got = await fields(applicantPayload(c, { unit: { credit_code: bad } }));
      assert.equal(got.length, 1);
      assert.equal(got[0][0], 'unit.credit_code');
      assert.ok(['charset', 'check'].includes(got[0][1]), `${bad}: ${got}`);
    }
    assert.deepEqual(await fields(applicantPayload(c, { unit: { credit_code: '' } })), [['unit.credit_code', 'too_short']]);
  });

  test('region: not one of the 32 province-level names', async () => {
    for (const region of ['北京', 'Beijing', '台湾省x', '火星']) {
      assert.deepEqual(await fields(applicantPayload(c, { unit: { region } })), [['unit.region', 'enum']], region);
    }
  });

  test('contact phone and email', async () => {
    for (const phone of ['123', 'call me maybe', '010-6857123x', '1'.repeat(21)]) {
      const got = await fields(applicantPayload(c, { unit: { contact_phone: phone } }));
      assert.deepEqual(got.map((e) => e[0]), ['unit.contact_phone'], phone);
    }
    for (const email of ['nobody', '@example.cn', 'a@b', 'a@@b.cn', 'a b@c.cn', 'a@b.', '张@例子.cn']) {
      const got = await fields(applicantPayload(c, { unit: { contact_email: email } }));
      assert.deepEqual(got.map((e) => e[0]), ['unit.contact_email'], email);
    }
  });

  test('password too short or too long; username malformed', async () => {
    assert.deepEqual(await fields(applicantPayload(c, { password: 'short pass' })), [['password', 'invalid']]);
    assert.deepEqual(await fields(applicantPayload(c, { password: 'x'.repeat(129) })), [['password', 'invalid']]);
    for (const username of ['ab', '-lead', 'has space', 'x'.repeat(33), '张三单位', 'adm\u0130n', '\u212Aelvin']) {
      assert.deepEqual(await fields(applicantPayload(c, { username })), [['username', 'invalid']], username);
    }
  });

  test('a weak password (libpwquality): 422 naming the field, the reason in Chinese', async () => {
    const cases = [
      [{ password: '123456789012' }, '密码过于简单或有规律（如 123456789012、abcdefghijkl），容易被猜到'],
      [{ password: 'abcdefghijkl' }, '密码过于简单或有规律（如 123456789012、abcdefghijkl），容易被猜到'],
      [{ password: 'Misunderstanding!' }, '密码以常见英文单词为基础，容易被猜到'],
      [{ password: 'aaaaaaaaaaaa' }, '密码不能是回文（正读和反读相同）'],
      [{ username: 'kexieguan', password: 'KeXieGuan 2026 pass' }, '密码不能包含用户名（包括倒写或改变大小写）'],
    ];
    for (const [over, message] of cases) {
      const p = await expectProblem(await register(applicantPayload(c, over)), 422, 'validation');
      assert.deepEqual(p.errors, [{ field: 'password', code: 'invalid', message }], JSON.stringify(over));
    }
  });

  test('unknown fields, at the top and in the unit', async () => {
    assert.deepEqual(await fields({ ...applicantPayload(c), role: 'admin' }), [['role', 'unknown']]);
    const body = applicantPayload(c);
    body.unit.org_id = 1;
    assert.deepEqual(await fields(body), [['unit.org_id', 'unknown']]);
  });

  test('missing or mistyped fields', async () => {
    const { unit, ...noUnit } = applicantPayload(c);
    assert.deepEqual(await fields(noUnit), [['unit', 'required']]);
    assert.deepEqual(await fields({ ...noUnit, unit: '北京自然博物馆' }), [['unit', 'type']]);
    assert.deepEqual(await fields({ ...noUnit, unit: null }).then((f) => f.map((e) => e[0])), ['unit']);
    const { address, ...partial } = unit;
    assert.deepEqual(await fields({ ...noUnit, unit: partial }), [['unit.address', 'required']]);
    assert.deepEqual(await fields(applicantPayload(c, { unit: { name: '' } })), [['unit.name', 'too_short']]);
    assert.deepEqual(await fields(applicantPayload(c, { unit: { name: '馆'.repeat(101) } })), [['unit.name', 'too_long']]);
    assert.deepEqual(await fields(applicantPayload(c, { unit: { contact_phone: 10 } })), [['unit.contact_phone', 'type']]);
    const all = await fields({});
    assert.deepEqual(all.map((e) => e[0]).sort(), ['invitation_code', 'password', 'unit', 'username']);
  });

  test('not JSON, not an object, the wrong content type', async () => {
    const post = (body, type = 'application/json') => fetch(`${k.url}/api/v1/applicants`, {
      method: 'POST', headers: { 'content-type': type }, body });
    await expectProblem(await post('{"invitation_code":'), 400, 'bad_json');
    await expectProblem(await post('[]'), 400, 'bad_json');
    await expectProblem(await post('{"username":"a","username":"b"}'), 400, 'bad_json');
    await expectProblem(await post(JSON.stringify(applicantPayload(c)), 'application/x-www-form-urlencoded'), 415, 'unsupported_media_type');
  });
});

test('blank (whitespace-only) unit name, address, contact name: 422 too_short, like empty ones', async () => {
  // A unit called "   " would show as an empty 申报单位 in every list and in
  // the public notice.
  for (const [field, value] of [['name', '   '], ['address', ' '], ['contact_name', '\t'], ['legal_representative', '\u3000']]) {
    const p = await expectProblem(await register(applicantPayload(await code(), { unit: { [field]: value } })), 422, 'validation');
    assert.deepEqual(p.errors.map((e) => [e.field, e.code]), [[`unit.${field}`, 'too_short']], JSON.stringify(value));
  }
});

test('any of the 32 province-level regions, e.g. 新疆生产建设兵团', async () => {
  for (const region of ['新疆生产建设兵团', '广西壮族自治区', '上海市']) {
    const res = await register(applicantPayload(await code(), { unit: { region } }));
    assert.equal(res.status, 201, await res.clone().text());
    const { applicant, application } = await res.json();
    assert.equal(applicant.region, region);
    assert.equal(application.region, region);
  }
});

test('a 100-character unit name and a 128-character password work', async () => {
  // 128 characters, and varied: one character 128 times is refused as weak
  const password = '科普教育基地申报密码一二三四五'.repeat(9).slice(0, 128);
  assert.equal([...password].length, 128);
  const body = applicantPayload(await code(), { password, unit: { name: '馆'.repeat(100) } });
  const res = await register(body);
  assert.equal(res.status, 201, await res.text());
  assert.equal((await login(k.url, body.username, body.password)).res.status, 201);
});

// ---------------------------------------------------------------------------
// Concurrency

async function race(bodies, urls) {
  const answers = await Promise.all(bodies.map((b, i) => register(b, urls[i % urls.length])
    .then(async (r) => ({ status: r.status, body: await r.json() }))));
  const tally = {};
  for (const a of answers) {
    const key = `${a.status} ${a.body.code ?? ''}`.trim();
    tally[key] = (tally[key] ?? 0) + 1;
  }
  return { answers, tally };
}

// Holds the code's row locked (as a FOR UPDATE would) while registrations
// pile up behind it: until `target` database sessions wait for a lock, or the
// number waiting has not changed for three seconds (every busy kpjdd worker is
// blocked; under load a pair of password hashes can take over a second), or
// `maxMs` has passed.  Resolves how many were waiting when it let
// go.  Registrations hash their password before their transaction, so without
// a gate they reach the database a few milliseconds apart; behind it they all
// meet the row at once.
async function gate(code, target, maxMs = 15000) {
  const out = await db.psql(`DO $$
    DECLARE
      until timestamptz := clock_timestamp() + interval '${maxMs} milliseconds';
      n int := 0; last int := -1; since timestamptz;
    BEGIN
      PERFORM 1 FROM invitations WHERE code = '${code}' FOR UPDATE;
      LOOP
        PERFORM pg_stat_clear_snapshot();
        SELECT count(*) INTO n FROM pg_stat_activity
         WHERE datname = current_database() AND wait_event_type = 'Lock';
        IF n <> last THEN last := n; since := clock_timestamp(); END IF;
        EXIT WHEN n >= ${target} OR clock_timestamp() > until
               OR (n >= 2 AND clock_timestamp() > since + interval '3 seconds');
        PERFORM pg_sleep(0.02);
      END LOOP;
      PERFORM set_config('kpjd_test.waiting', n::text, false);
    END $$; SELECT current_setting('kpjd_test.waiting')`);
  return Number(out.split('\n').pop());
}

async function raceOneCode(urls, n = 20) {
  const c = await code();
  const bodies = Array.from({ length: n }, () => applicantPayload(c));
  const held = gate(c, n);
  await sleep(100); // the gate has the lock
  const { answers, tally } = await race(bodies, urls);
  const waiting = await held;
  assert.ok(waiting >= 3, `only ${waiting} registrations met at the row: no real race`);
  assert.deepEqual(tally, { 201: 1, '409 invalid_state': n - 1 }, JSON.stringify(tally));
  const winner = answers.find((a) => a.status === 201).body;
  const i = answers.findIndex((a) => a.status === 201);
  // exactly one of everything in the database, and it is the winner's
  const usernames = bodies.map((b) => `'${b.username}'`).join(',');
  const credits = bodies.map((b) => `'${b.unit.credit_code}'`).join(',');
  assert.equal(await db.psql(`SELECT count(*) FROM users WHERE username IN (${usernames})`), '1');
  assert.equal(await db.psql(`SELECT count(*) FROM applicant_units WHERE credit_code IN (${credits})`), '1');
  assert.equal(await db.psql(`SELECT count(*) FROM applications WHERE credit_code IN (${credits})`), '1');
  assert.equal(await db.psql(`SELECT count(*) FROM audit_log WHERE action = 'applicant.registered' AND data->>'invitation' = '${c}'`), '1');
  assert.equal(await db.psql(`SELECT used_by FROM invitations WHERE code = '${c}'`), String(winner.applicant.id));
  assert.equal(winner.applicant.username, bodies[i].username);
  assert.equal(await lookupStatus(c), 'used');
  // the losers can log in nowhere
  assert.equal((await login(k.url, bodies[(i + 1) % n].username, bodies[0].password)).res.status, 401);
}

describe('races', () => {
  let k2;
  before(async () => {
    k2 = await startKpjdd({ db, env: LOOSE });
  });
  after(async () => {
    await k2?.stop();
  });

  test('20 registrations with one code at once: exactly one 201, every other 409 invalid_state', async () => {
    await raceOneCode([k.url]);
  });

  test('the same race split across two kpjdd processes on one database', async () => {
    await raceOneCode([k.url, k2.url]);
    await raceOneCode([k2.url, k.url]);
  });

  test('one username, ten codes at once: one 201, the others 409 conflict on username', async () => {
    const bodies = [];
    for (let i = 0; i < 10; i++) bodies.push(applicantPayload(await code(), { username: 'race-username' }));
    const { answers, tally } = await race(bodies, [k.url, k2.url]);
    assert.deepEqual(tally, { 201: 1, '409 conflict': 9 }, JSON.stringify(tally));
    for (const a of answers.filter((x) => x.status === 409)) {
      assert.deepEqual(a.body.errors.map((e) => [e.field, e.code]), [['username', 'taken']]);
    }
    assert.equal(await db.psql("SELECT count(*) FROM users WHERE lower(username) = 'race-username'"), '1');
    const unused = await db.psql(`SELECT count(*) FROM invitations WHERE used_at IS NULL AND code IN (${bodies.map((b) => `'${b.invitation_code}'`).join(',')})`);
    assert.equal(unused, '9', 'the losers\' codes stay unused');
  });

  test('one credit code, ten codes of two recommenders at once: one application in the batch, the others 409 conflict on unit.credit_code', async () => {
    const cc = creditCode();
    const bodies = [];
    for (let i = 0; i < 10; i++) {
      const c = await makeInvitation((i % 2 ? rec : recB).session, batch.id);
      bodies.push(applicantPayload(c, { unit: { credit_code: i % 3 ? cc : cc.toLowerCase() } }));
    }
    const { answers, tally } = await race(bodies, [k.url, k2.url]);
    assert.deepEqual(tally, { 201: 1, '409 conflict': 9 }, JSON.stringify(tally));
    for (const a of answers.filter((x) => x.status === 409)) {
      assert.deepEqual(a.body.errors.map((e) => [e.field, e.code]), [['unit.credit_code', 'taken']]);
    }
    assert.equal(await db.psql(`SELECT count(*) FROM applications WHERE batch_id = ${batch.id} AND credit_code = '${cc}'`), '1');
    assert.equal(await db.psql(`SELECT count(*) FROM applicant_units WHERE credit_code = '${cc}'`), '1');
  });

  test('revoke and register one code at once: exactly one of them wins, and the code says which', async () => {
    for (let round = 0; round < 8; round++) {
      const c = await code();
      const body = applicantPayload(c);
      const [del, reg] = await Promise.all([
        rec.session.api('DELETE', `/invitations/${c}`),
        register(body, round % 2 ? k.url : k2.url),
      ]);
      const delBody = await del.text();
      const regBody = await reg.json();
      if (del.status === 204) {
        assert.equal(reg.status, 409, JSON.stringify(regBody));
        assert.equal(regBody.code, 'invalid_state');
        assert.equal(await lookupStatus(c), 'revoked');
        assert.equal(await db.psql(`SELECT count(*) FROM users WHERE username = '${body.username}'`), '0');
      } else {
        assert.equal(reg.status, 201, JSON.stringify(regBody));
        assert.equal(del.status, 409, delBody);
        assert.equal(JSON.parse(delBody).code, 'invalid_state');
        assert.equal(await lookupStatus(c), 'used');
      }
      assert.equal(await db.psql(`SELECT count(*) FROM invitations WHERE code = '${c}' AND used_at IS NOT NULL AND revoked_at IS NOT NULL`), '0');
    }
  });

  test('the audit chain is intact after all of it', async () => {
    const res = await admin.api('GET', '/audit/verify');
    assert.equal(res.status, 200);
    const v = await res.json();
    assert.equal(v.ok, true, JSON.stringify(v));
    assert.equal(v.first_bad_id, null);
  });
});

test('a disabled recommender\'s codes register nobody, and come back with it', async () => {
  const { createDatabase: mkdb, startKpjdd: start } = await import('../lib/kpjdd.js');
  const fx = await import('../lib/fixtures.js');
  const { createAdmin: ca, signIn: si } = await import('../lib/accounts.js');
  const db2 = await mkdb();
  const k2 = await start({ db: db2, migrate: true });
  try {
    ca(db2);
    const admin2 = await si(k2.url, 'admin');
    const batch = await fx.makeBatch(admin2, { status: 'open' });
    const rec = await fx.makeRecommender(k2.url, admin2, { name: '停用测试学会', kind: 'national_society', username: 'offsoc' });
    const code = (await (await rec.session.api('POST', `/batches/${batch.id}/invitations`, { count: 1 })).json()).items[0].code;
    assert.equal((await admin2.api('POST', `/recommenders/${rec.id}/disable`)).status, 200);
    const refused = await fetch(`${k2.url}/api/v1/applicants`, { method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify(fx.applicantPayload(code, { username: 'offunit1' })) });
    assert.equal(refused.status, 409);
    assert.equal((await refused.json()).code, 'invalid_state');
    assert.equal((await admin2.api('POST', `/recommenders/${rec.id}/enable`)).status, 200);
    const ok = await fetch(`${k2.url}/api/v1/applicants`, { method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify(fx.applicantPayload(code, { username: 'offunit1' })) });
    assert.equal(ok.status, 201);
  } finally {
    await k2.stop();
    await db2.drop();
  }
});
