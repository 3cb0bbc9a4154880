// Shared setup for the public notice (公示), objections and naming tests: a
// batch whose proposed list is fixed, and its notice.  Like fixtures.js,
// every helper asserts that its requests succeeded.
//
//   proposedBatch(url, db, admin, { count, term_start_year, regions, units, recommender })
//        → { batch, recommender, apps: [{ id, unit_name, base_name, region, category, username, password }] }
//   publishNotice(admin, batchId, overrides)  → the notice (201)
//   dbTime(db, seconds)                       → RFC 3339 UTC, `seconds` from the database's now()
//
// The applicants are registered through the API (an invitation each), so a
// test file making more than a handful should start kpjdd with
// KPJD_INVITATIONS_LOOKUP_LIMIT raised, as ranking.test.js does.  The steps
// between registration and the proposed list (submission, recommendation,
// initial review, scoring) are skipped in SQL as the superuser, the way
// ranking.test.js and assignments.test.js shortcut them: the applications
// become `proposed` with a base name and category, then the batch moves to
// `evaluating` through the API (which leaves proposed applications alone).
import assert from 'node:assert/strict';

import { makeApplication, makeBatch, makeRecommender } from './fixtures.js';

let seq = Math.floor(Math.random() * 1e6);

// Default regions: deliberately not in GB/T 2260 order (广东 440000,
// 北京 110000, 上海 310000), so a notice that keeps insertion order fails.
export const REGIONS = ['广东省', '北京市', '上海市'];
const CATEGORIES = ['venue', 'education_research', 'agriculture', 'enterprise', 'natural_resources', 'other'];

// A batch of the term starting `term_start_year` (5 years) with `count`
// proposed applications.  Application i is in regions[i % regions.length];
// `units` (optional) gives the i-th unit's name (default 某科普单位<n>).
// `recommender` reuses one made by makeRecommender.
export async function proposedBatch(url, db, admin,
  { count = 3, term_start_year = 2021, regions = REGIONS, units = [], recommender } = {}) {
  const rec = recommender ?? await makeRecommender(url, admin);
  const batch = await makeBatch(admin, { status: 'open', term_start_year, term_end_year: term_start_year + 4 });
  const apps = [];
  for (let i = 0; i < count; i++) {
    const n = ++seq;
    const region = regions[i % regions.length];
    const unitName = units[i] ?? `某科普单位${n}`;
    const reg = await makeApplication(url, rec.session, batch.id, { unit: { name: unitName, region } });
    const baseName = `${unitName}科普教育基地`;
    const category = CATEGORIES[i % CATEGORIES.length];
    apps.push({
      id: reg.application.id, unit_name: unitName, base_name: baseName, region, category,
      username: reg.username, password: reg.password,
    });
  }
  if (apps.length > 0) {
    const values = apps.map((a) => `(${a.id}, '${a.base_name.replace(/'/g, "''")}', '${a.category}')`).join(', ');
    await db.psql(`UPDATE applications a SET status = 'proposed', base_name = v.base_name, category = v.category
                     FROM (VALUES ${values}) AS v(id, base_name, category) WHERE a.id = v.id`);
  }
  const res = await admin.api('PATCH', `/batches/${batch.id}`, { status: 'evaluating' });
  const text = await res.text();
  assert.equal(res.status, 200, `proposedBatch: to evaluating: ${text}`);
  return { batch: JSON.parse(text), recommender: rec, apps };
}

// RFC 3339 UTC (whole seconds) `seconds` from the database clock's now():
// windows are judged by that clock, not the test's.
export async function dbTime(db, seconds = 0) {
  return db.psql(`SELECT to_char((now() + make_interval(secs => ${Number(seconds)})) AT TIME ZONE 'UTC',
                                 'YYYY-MM-DD"T"HH24:MI:SS"Z"')`);
}

// POST /batches/{id}/publicity; the window defaults to one that started an
// hour ago (by the test's clock) and lasts ten days.  Asserts 201.
export async function publishNotice(admin, batchId, overrides = {}) {
  const hour = 3600e3;
  const iso = (ms) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const body = {
    title: `第${batchId}批全国科普教育基地拟认定名单公示`,
    body: '现将拟认定名单予以公示。如有异议，请在公示期内实名提出。',
    starts_at: iso(Date.now() - hour),
    ends_at: iso(Date.now() + 240 * hour),
    ...overrides,
  };
  const res = await admin.api('POST', `/batches/${batchId}/publicity`, body);
  const text = await res.text();
  assert.equal(res.status, 201, `publishNotice: ${text}`);
  return JSON.parse(text);
}
