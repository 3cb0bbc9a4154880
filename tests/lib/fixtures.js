// Shared setup for the API tests: batches, recommenders with a working
// session, invitation codes, registered applicants, and valid unified social
// credit codes.  Every helper asserts that its request succeeded, so a test
// that uses one fails at the setup step that broke, not later.
//
//   makeBatch(admin, overrides)                   → batch (201), walked to overrides.status
//   makeRecommender(url, admin, {name, kind, region, username})
//                                                 → { id, recommender, username, password, session }
//   makeInvitation(recSession, batchId)           → an unused code
//   applicantPayload(code, overrides)             → a valid POST /applicants body
//   registerApplicant(url, code, overrides)       → { applicant, application, username, password }
//   makeApplication(url, recSession, batchId, overrides) → registerApplicant with a fresh code
//   creditCode(n?)                                → a valid 18-character credit code
//   creditCheckChar(first17)                      → its check character
//   NEW_PASSWORD                                  → what makeRecommender sets at first login
import assert from 'node:assert/strict';

import { signIn } from './accounts.js';

// Per-process counters keep names unique inside one test file (one database
// per file), with a random start so that values differ between runs.
let seq = Math.floor(Math.random() * 1e6);
const next = () => ++seq;

// ---------------------------------------------------------------------------
// Unified social credit codes (GB 32100-2015)

const CREDIT_ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const CREDIT_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

export function creditCheckChar(first17) {
  let sum = 0;
  for (let i = 0; i < 17; i++) {
    const v = CREDIT_ALPHABET.indexOf(first17[i]);
    if (v < 0) throw new Error(`not a credit code character: ${first17[i]}`);
    sum += v * CREDIT_WEIGHTS[i];
  }
  return CREDIT_ALPHABET[(31 - (sum % 31)) % 31];
}

// A valid code, different for every n (default: the next of this process):
// "91" (enterprise) + region 110108 + nine characters from n + check.
export function creditCode(n = next()) {
  let body = '';
  let x = n;
  for (let i = 0; i < 9; i++) {
    body = CREDIT_ALPHABET[x % 31] + body;
    x = Math.floor(x / 31);
  }
  const first17 = `91110108${body}`;
  return first17 + creditCheckChar(first17);
}

// ---------------------------------------------------------------------------
// Batches

const STATUSES = ['draft', 'open', 'evaluating', 'publicity', 'closed'];
const DAY = 24 * 3600e3;

// RFC 3339 UTC without fractions, `days` from now (negative: in the past).
export function isoIn(days) {
  return new Date(Date.now() + days * DAY).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

// Creates a batch (deadlines 30 and 60 days ahead unless overridden) and,
// when overrides.status is given, PATCHes it forward one step at a time up
// to that status.  Publicity and closed are reached by acts of their own (a
// notice, a naming: tests/lib/publicity.js, naming.js); a bare batch is put
// there with SQL as the owner, so those two need `db`.  Resolves the batch
// as the last answer gave it.
export async function makeBatch(admin, overrides = {}, { db } = {}) {
  const { status, ...fields } = overrides;
  const n = next();
  const body = {
    code: `T${n}`,
    title: `2021-2025年度第${n}批`,
    term_start_year: 2021,
    term_end_year: 2025,
    contact_deadline: isoIn(30),
    recommend_deadline: isoIn(60),
    ...fields,
  };
  const res = await admin.api('POST', '/batches', body);
  const text = await res.text();
  assert.equal(res.status, 201, `makeBatch: ${text}`);
  let batch = JSON.parse(text);
  if (status) {
    const target = STATUSES.indexOf(status);
    assert.ok(target >= 0, `makeBatch: unknown status ${status}`);
    for (let i = 1; i <= target; i++) {
      if (STATUSES[i] === 'publicity' || STATUSES[i] === 'closed') {
        assert.ok(db, `makeBatch: ${status} needs { db }`);
        await db.psql(`UPDATE batches SET status = '${STATUSES[i]}' WHERE id = ${batch.id}`);
        batch.status = STATUSES[i];
        continue;
      }
      const r = await admin.api('PATCH', `/batches/${batch.id}`, { status: STATUSES[i] });
      const t = await r.text();
      assert.equal(r.status, 200, `makeBatch: to ${STATUSES[i]}: ${t}`);
      batch = JSON.parse(t);
    }
  }
  return batch;
}

// ---------------------------------------------------------------------------
// Recommenders

export const NEW_PASSWORD = 'recommender pass 2021';

// Creates a recommender (default kind national_society), logs it in with
// its initial password, changes that to NEW_PASSWORD and signs in again, so
// that `session` works on every endpoint.
//   → { id, recommender, username, password, session }
export async function makeRecommender(url, admin, { name, kind = 'national_society', region, username } = {}) {
  const n = next();
  const body = {
    name: name ?? `推荐单位${n}`,
    kind,
    username: username ?? `rec${n}`,
  };
  if (region !== undefined) body.region = region;
  else if (kind === 'provincial_cast') body.region = '北京市';
  const res = await admin.api('POST', '/recommenders', body);
  const text = await res.text();
  assert.equal(res.status, 201, `makeRecommender: ${text}`);
  const { recommender, initial_password: initial } = JSON.parse(text);
  const first = await signIn(url, body.username, initial);
  const change = await first.api('PUT', '/session/password', { current_password: initial, new_password: NEW_PASSWORD });
  assert.equal(change.status, 200, `makeRecommender: password change: ${await change.text()}`);
  const session = await signIn(url, body.username, NEW_PASSWORD);
  return { id: recommender.id, recommender, username: body.username, password: NEW_PASSWORD, session };
}

// ---------------------------------------------------------------------------
// Invitations and applicants

// One fresh invitation code of `recSession`'s for an open batch.
export async function makeInvitation(recSession, batchId) {
  const res = await recSession.api('POST', `/batches/${batchId}/invitations`, { count: 1 });
  const text = await res.text();
  assert.equal(res.status, 201, `makeInvitation: ${text}`);
  return JSON.parse(text).items[0].code;
}

// A valid registration body: unique username and credit code.  overrides'
// top-level keys replace the defaults, except `unit`, whose keys merge.
export function applicantPayload(code, overrides = {}) {
  const n = next();
  const { unit, ...top } = overrides;
  return {
    invitation_code: code,
    username: `unit${n}`,
    password: 'applicant password 1',
    ...top,
    unit: {
      name: `北京某科技馆${n}`,
      credit_code: creditCode(n),
      region: '北京市',
      address: '北京市海淀区复兴路3号',
      legal_representative: '张三',
      supervising_body: '北京市科学技术协会',
      contact_name: '李四',
      contact_phone: '010-68571234',
      contact_email: `contact${n}@example.cn`,
      ...unit,
    },
  };
}

// POST /applicants with applicantPayload(code, overrides); asserts 201.
//   → { applicant, application, username, password }
export async function registerApplicant(url, code, overrides = {}) {
  const body = applicantPayload(code, overrides);
  const res = await fetch(`${url}/api/v1/applicants`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body),
  });
  const text = await res.text();
  assert.equal(res.status, 201, `registerApplicant: ${text}`);
  return { ...JSON.parse(text), username: body.username, password: body.password };
}

// An application bound to `recSession`'s recommender in an open batch.
export async function makeApplication(url, recSession, batchId, overrides = {}) {
  return registerApplicant(url, await makeInvitation(recSession, batchId), overrides);
}
