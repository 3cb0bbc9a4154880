// The applicant's page lists what is missing before asking to confirm
// (web/completeness.js); the server's submit answers 422 with its own list
// (lib/domain/appform.c, kp_appform_missing). The two must agree: for
// applications at many stages of filling, the list the page computes from
// GET /applications/{id} is exactly the 422's errors (fields, codes,
// messages, order), and an application the page finds complete is one the
// server submits.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { createDatabase, startKpjdd } from '../lib/kpjdd.js';
import { expectProblem } from '../lib/http.js';
import { createAdmin, signIn } from '../lib/accounts.js';
import { makeApplication, makeBatch, makeRecommender } from '../lib/fixtures.js';
import { missingFields, missingNames } from '../../web/completeness.js';

const PDF = Buffer.from('%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n');
const FULL = {
  staff_fulltime: 12, staff_parttime: 30, volunteers: 200, open_days_per_year: 300,
  annual_visitors: 500000, venue_area_m2: 8000.5, annual_funding_wan: 350.25, activities_last3y: 120,
  profile: '面向公众开放的科普场馆。', work_summary: '近三年开展科普活动一百余场。',
  conditions: '场地、设施、人员、经费和制度齐备。', plan: '今后三年建设科普资源库。',
  honors: [],
};

let db, k, rec, batch;
before(async () => {
  db = await createDatabase();
  k = await startKpjdd({ db, migrate: true });
  createAdmin(db);
  const admin = await signIn(k.url, 'admin');
  rec = await makeRecommender(k.url, admin);
  batch = await makeBatch(admin, { status: 'open' });
});
after(async () => { await k?.stop(); await db?.drop(); });

async function application(body, { attach = false } = {}) {
  const reg = await makeApplication(k.url, rec.session, batch.id);
  const session = await signIn(k.url, reg.username, reg.password);
  const id = reg.application.id;
  if (body) {
    const res = await session.api('PATCH', `/applications/${id}`, body);
    assert.equal(res.status, 200, await res.text());
  }
  if (attach) {
    const res = await fetch(`${k.url}/api/v1/applications/${id}/attachments?kind=application_form`, {
      method: 'POST',
      headers: { authorization: `Bearer ${session.token}`, 'content-type': 'application/pdf',
        'content-disposition': "attachment; filename*=UTF-8''form.pdf" },
      body: PDF,
    });
    assert.equal(res.status, 201, await res.text());
  }
  return { id, session };
}

const without = (...keys) => Object.fromEntries(Object.entries(FULL).filter(([key]) => !keys.includes(key)));

const CASES = [
  ['a fresh draft', null, false],
  ['only a base name', { base_name: '某科普教育基地' }, false],
  ['names, no form', { base_name: '某科普教育基地', category: 'venue' }, true],
  ['the figures, no narratives', { category: 'enterprise', form: without('profile', 'work_summary', 'conditions', 'plan') }, false],
  ['one narrative short, with its signed form', { base_name: '某基地', category: 'other', form: without('plan') }, true],
  ['one narrative an empty string', { base_name: '某基地', category: 'other', form: { ...FULL, conditions: '' } }, true],
  ['zeros are answers', { base_name: '某基地', category: 'venue', form: { ...FULL, volunteers: 0, annual_funding_wan: 0 } }, false],
  ['no honors is an answer', { base_name: '某基地', category: 'venue', form: without('honors') }, false],
];

for (const [name, body, attach] of CASES) {
  test(`the page's list is the server's 422: ${name}`, async () => {
    const { id, session } = await application(body, { attach });
    const app = await (await session.api('GET', `/applications/${id}`)).json();
    const page = missingFields(app);
    assert.ok(page.length > 0);
    const p = await expectProblem(await session.api('POST', `/applications/${id}/submit`), 422, 'validation');
    assert.deepEqual(page, p.errors);
    // the workbench's short names: one per error, none unnamed
    const names = missingNames(app);
    assert.equal(names.length, p.errors.length);
    for (const n of names) assert.doesNotMatch(n, /^(form\.|attachments\.|base_name|category)/);
  });
}

test('complete for the page, submitted by the server', async () => {
  const { id, session } = await application({ base_name: '某基地', category: 'venue', form: { ...FULL, volunteers: 0 } }, { attach: true });
  const app = await (await session.api('GET', `/applications/${id}`)).json();
  assert.deepEqual(missingFields(app), []);
  const res = await session.api('POST', `/applications/${id}/submit`);
  assert.equal(res.status, 200, await res.text());
});
