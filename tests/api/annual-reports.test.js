// Annual reports (年度科普工作报告) and their evaluation (年度科普绩效评估):
// filing by the base's own unit or the admin, the year bounds (the term, the
// current year in China by the database clock), one per base and year,
// corrections until evaluated (If-Match), the evaluation told to the unit,
// files of kind annual_report, the admin's list (filters, paging) and CSV,
// reminders counted exactly; every role and anonymous; bad and hostile input.
//
// Bases come from tests/lib/naming.js, in terms placed around the current
// year (cy) as the database sees it:
//   A: cy-2 … cy+2, five bases: A0 files, A1 files another year, A2 is
//      suspended, A3 files nothing, A4 is revoked;
//   B: cy-6 … cy-2, over (expired): B0 files for cy-2, B1 nothing;
//   C: cy+1 … cy+5, not begun.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { assertExportName } from '../lib/exports.js';
import { createDatabase, startKpjdd } from '../lib/kpjdd.js';
import { anonymous, expectProblem } from '../lib/http.js';
import { createAdmin, createUser, signIn } from '../lib/accounts.js';
import { makeRecommender } from '../lib/fixtures.js';
import { applicantSession, keygen, publicityBatch } from '../lib/naming.js';

const dir = mkdtempSync(join(tmpdir(), 'kpjd-annual-'));
let db, k, admin, rec, expert, today, cy;
let A, B, C;               // { bases, units (sessions) }
const PDF = Buffer.from('%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n');
const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(64)]);

async function json(res, status = 200) {
  const text = await res.text();
  assert.equal(res.status, status, `status (body: ${text})`);
  return text ? JSON.parse(text) : null;
}
const fields = (p) => p.errors.map((e) => e.field);
const ids = (page) => page.items.map((x) => x.id);

function figures(year, overrides = {}) {
  return {
    year, open_days: 300, visitors: 120000, activities: 48, staff_fulltime: 12, staff_parttime: 5,
    volunteers: 80, funding_wan: 35.5, highlights: '开展“科技周”系列活动，接待青少年 3 万人次。', ...overrides,
  };
}
const file = (who, base, body) => who.api('POST', `/bases/${base.id}/annual-reports`, body);
const reportsOf = async (who, base) => (await json(await who.api('GET', `/bases/${base.id}/annual-reports`))).items;
const audits = (action, id) =>
  db.psql(`SELECT count(*) FROM audit_log WHERE action = '${action}' AND entity_id = '${id}'`).then(Number);

function upload(session, reportId, { kind = 'annual_report', body = PDF, type = 'application/pdf' } = {}) {
  return fetch(`${k.url}/api/v1/annual-reports/${reportId}/attachments?kind=${kind}`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${session.token}`,
      'content-type': type,
      'content-disposition': `attachment; filename*=UTF-8''${encodeURIComponent('年度报告.pdf')}`,
    },
    body,
  });
}

async function named(term, count) {
  const p = await publicityBatch(k, admin, rec, { count, term });
  const done = await json(await admin.api('POST', `/batches/${p.batch.id}/naming`, { named_on: today }));
  const units = [];
  for (const app of p.apps) units.push(await applicantSession(k, app));
  return { bases: done.bases, units, apps: p.apps };
}

before(async () => {
  const key = keygen(dir, 'signing.key');
  db = await createDatabase();
  k = await startKpjdd({ db, migrate: true, env: { KPJD_CRYPTO_SIGNING_KEY: key.path, KPJD_INVITATIONS_LOOKUP_LIMIT: '10000' } });
  createAdmin(db);
  admin = await signIn(k.url, 'admin');
  rec = await makeRecommender(k.url, admin);
  await createUser(db, { username: 'expert1', role: 'expert' });
  expert = await signIn(k.url, 'expert1');
  today = await db.psql(`SELECT to_char((now() AT TIME ZONE 'Asia/Shanghai')::date, 'YYYY-MM-DD')`);
  cy = Number(await db.psql(`SELECT extract(year FROM now() AT TIME ZONE 'Asia/Shanghai')::int`));
  A = await named(cy - 2, 5);
  B = await named(cy - 6, 2);
  C = await named(cy + 1, 1);
  assert.deepEqual([A.bases[0].status, B.bases[0].status, C.bases[0].status], ['valid', 'expired', 'valid']);
});
after(async () => {
  await k?.stop();
  await db?.drop();
  rmSync(dir, { recursive: true, force: true });
});

describe('filing: POST /bases/{id}/annual-reports', () => {
  test('the base\'s own unit files the current year: 201 the report, audited', async () => {
    const res = await file(A.units[0], A.bases[0], figures(cy));
    const r = await json(res, 201);
    assert.equal(res.headers.get('etag'), `"${r.version}"`);
    assert.equal(r.base_id, A.bases[0].id);
    assert.equal(r.certificate_no, A.bases[0].certificate_no);
    assert.equal(r.region, A.bases[0].region);
    assert.deepEqual([r.year, r.open_days, r.visitors, r.activities, r.staff_fulltime, r.staff_parttime, r.volunteers, r.funding_wan],
      [cy, 300, 120000, 48, 12, 5, 80, 35.5]);
    assert.equal(r.highlights, figures(cy).highlights);
    assert.equal(r.filed_by, A.units[0].user.id);
    assert.equal(r.evaluation, null);
    assert.deepEqual(r.attachments, []);
    assert.equal(await audits('annual_report.filed', r.id), 1);
    assert.deepEqual((await reportsOf(A.units[0], A.bases[0])).map((x) => x.id), [r.id]);
  });

  test('the admin files for a base; a past year of the term is taken, also after the term', async () => {
    const r = await json(await file(admin, A.bases[1], figures(cy - 1, { funding_wan: 0.3 })), 201);
    assert.equal(r.filed_by, admin.user.id);
    assert.equal(r.funding_wan, 0.3);            // the decimal as written
    const old = await json(await file(B.units[0], B.bases[0], figures(cy - 2)), 201);
    assert.equal(old.year, cy - 2);
  });

  test('year bounds: before the term, after the term, after the current year → 422 year', async () => {
    for (const [base, unit, year] of [
      [A.bases[0], A.units[0], cy - 3],          // before the term's start
      [A.bases[0], A.units[0], cy + 1],          // inside the term, but not yet begun
      [B.bases[0], B.units[0], cy - 1],          // after the term's end
      [C.bases[0], C.units[0], cy],              // a term not begun
      [A.bases[0], A.units[0], 1999],            // out of any range
    ]) {
      const p = await expectProblem(await file(unit, base, figures(year)), 422, 'validation');
      assert.deepEqual(fields(p), ['year'], String(year));
    }
  });

  test('one per base and year: a second → 409 conflict', async () => {
    await expectProblem(await file(A.units[0], A.bases[0], figures(cy)), 409, 'conflict');
    await expectProblem(await file(admin, A.bases[0], figures(cy)), 409, 'conflict');
    assert.equal(Number(await db.psql(`SELECT count(*) FROM annual_reports WHERE base_id = ${A.bases[0].id}`)), 1);
  });

  test('two filings of one year at once: one 201, one 409', async () => {
    const both = await Promise.all([file(B.units[1], B.bases[1], figures(cy - 3)), file(admin, B.bases[1], figures(cy - 3))]);
    assert.deepEqual(both.map((r) => r.status).sort(), [201, 409]);
    await Promise.all(both.map((r) => r.text()));
    assert.equal(Number(await db.psql(`SELECT count(*) FROM annual_reports WHERE base_id = ${B.bases[1].id}`)), 1);
  });

  test('bad figures → 422 naming the field; 3000 characters of highlights fit', async () => {
    const cases = [
      [{ open_days: 367 }, 'open_days'], [{ open_days: -1 }, 'open_days'], [{ visitors: -1 }, 'visitors'],
      [{ visitors: 1.5 }, 'visitors'], [{ activities: '3' }, 'activities'], [{ staff_fulltime: null }, 'staff_fulltime'],
      [{ staff_parttime: -2 }, 'staff_parttime'], [{ volunteers: true }, 'volunteers'],
      [{ funding_wan: -0.01 }, 'funding_wan'], [{ funding_wan: '12' }, 'funding_wan'], [{ funding_wan: 1e12 }, 'funding_wan'],
      [{ highlights: '字'.repeat(3001) }, 'highlights'], [{ highlights: 7 }, 'highlights'],
      [{ year: '2024' }, 'year'], [{ extra: 1 }, 'extra'],
    ];
    for (const [change, field] of cases) {
      const p = await expectProblem(await file(A.units[3], A.bases[3], figures(cy, change)), 422, 'validation');
      assert.deepEqual(fields(p), [field], JSON.stringify(change));
    }
    const body = figures(cy);
    delete body.visitors;
    assert.deepEqual(fields(await expectProblem(await file(A.units[3], A.bases[3], body), 422, 'validation')), ['visitors']);
    // the upper bound holds, and nothing was filed by the refusals
    assert.deepEqual(await reportsOf(admin, A.bases[3]), []);
    const big = await json(await file(admin, C.bases[0], figures(cy, { highlights: '字'.repeat(3000) })), 422);
    assert.deepEqual(fields(big), ['year']);
  });

  test('roles: another unit 404, recommender and expert 403, anonymous 401', async () => {
    await expectProblem(await file(A.units[1], A.bases[0], figures(cy - 1)), 404, 'not_found');
    await expectProblem(await A.units[1].api('GET', `/bases/${A.bases[0].id}/annual-reports`), 404, 'not_found');
    for (const who of [rec.session, expert]) {
      await expectProblem(await file(who, A.bases[0], figures(cy - 1)), 403, 'forbidden');
      await expectProblem(await who.api('GET', `/bases/${A.bases[0].id}/annual-reports`), 403, 'forbidden');
    }
    const anon = anonymous(k.url);
    await expectProblem(await anon('POST', `/bases/${A.bases[0].id}/annual-reports`, figures(cy - 1)), 401, 'unauthenticated');
    await expectProblem(await anon('GET', `/bases/${A.bases[0].id}/annual-reports`), 401, 'unauthenticated');
    await expectProblem(await file(admin, { id: 999999999 }, figures(cy)), 404, 'not_found');
    await expectProblem(await admin.api('GET', '/bases/abc/annual-reports'), 404, 'not_found');
  });

  test('a revoked base takes no report: 409 invalid_state', async () => {
    await json(await admin.api('POST', `/bases/${A.bases[4].id}/revoke`, { reason: '弄虚作假' }));
    await expectProblem(await file(A.units[4], A.bases[4], figures(cy)), 409, 'invalid_state');
    await expectProblem(await file(admin, A.bases[4], figures(cy)), 409, 'invalid_state');
  });
});

describe('correcting: PUT /annual-reports/{id}', () => {
  test('until evaluated, with If-Match; stale 412, malformed 422; another year\'s rules as filing', async () => {
    const [r] = await reportsOf(A.units[0], A.bases[0]);
    const put = (who, body, headers = {}) => who.api('PUT', `/annual-reports/${r.id}`, body, { headers });
    const res = await put(A.units[0], figures(cy, { visitors: 130000, funding_wan: 40 }), { 'if-match': `"${r.version}"` });
    const fixed = await json(res);
    assert.deepEqual([fixed.visitors, fixed.funding_wan, fixed.version], [130000, 40, r.version + 1]);
    assert.equal(res.headers.get('etag'), `"${fixed.version}"`);
    assert.equal(await audits('annual_report.corrected', r.id), 1);
    await expectProblem(await put(A.units[0], figures(cy), { 'if-match': `"${r.version}"` }), 412, 'version_mismatch');
    assert.deepEqual(fields(await expectProblem(await put(A.units[0], figures(cy), { 'if-match': 'W/1' }), 422, 'validation')), ['If-Match']);
    assert.deepEqual(fields(await expectProblem(await put(A.units[0], figures(cy + 1)), 422, 'validation')), ['year']);
    assert.deepEqual(fields(await expectProblem(await put(A.units[0], figures(cy, { open_days: 400 })), 422, 'validation')), ['open_days']);
    // moving to a year the base has reported on already
    const other = await json(await file(A.units[0], A.bases[0], figures(cy - 2)), 201);
    await expectProblem(await put(A.units[0], figures(cy - 2)), 409, 'conflict');
    const moved = await json(await A.units[0].api('PUT', `/annual-reports/${other.id}`, figures(cy - 1)));
    assert.equal(moved.year, cy - 1);
    // the admin corrects too; others may not
    await json(await put(admin, figures(cy, { activities: 50 })));
    await expectProblem(await put(A.units[1], figures(cy)), 404, 'not_found');
    for (const who of [rec.session, expert]) await expectProblem(await put(who, figures(cy)), 403, 'forbidden');
    await expectProblem(await anonymous(k.url)('PUT', `/annual-reports/${r.id}`, figures(cy)), 401, 'unauthenticated');
    await expectProblem(await admin.api('PUT', '/annual-reports/999999999', figures(cy)), 404, 'not_found');
  });
});

describe('files: POST /annual-reports/{id}/attachments?kind=annual_report', () => {
  test('the unit and the admin attach PDF or images; listed in the report; seen by them only', async () => {
    const [r] = await reportsOf(A.units[0], A.bases[0]);
    const at = await json(await upload(A.units[0], r.id), 201);
    assert.deepEqual([at.kind, at.filename, at.size, at.report_version], ['annual_report', '年度报告.pdf', PDF.length, r.version + 1]);
    await json(await upload(admin, r.id), 201);
    const again = (await reportsOf(A.units[0], A.bases[0])).find((x) => x.id === r.id);
    assert.deepEqual(again.attachments.map((x) => x.kind), ['annual_report', 'annual_report']);
    assert.equal(again.attachments[0].id, at.id);
    for (const who of [A.units[0], admin]) {
      const got = await who.api('GET', `/attachments/${at.id}`);
      assert.equal(got.status, 200);
      assert.deepEqual(Buffer.from(await got.arrayBuffer()), PDF);
    }
    for (const who of [A.units[1], rec.session, expert])
      await expectProblem(await who.api('GET', `/attachments/${at.id}`), 404, 'not_found');
    assert.equal(await audits('attachment.uploaded', at.id), 1);
  });

  test('a file is taken away again while the report is open: 204, audited, the report\'s version moves', async () => {
    const [r] = await reportsOf(A.units[0], A.bases[0]);
    const at = await json(await upload(A.units[0], r.id, { type: 'image/png', body: PNG }), 201);
    assert.equal(at.content_type, 'image/png');
    const res = await A.units[0].api('DELETE', `/attachments/${at.id}`);
    assert.equal(res.status, 204);
    const after = (await reportsOf(A.units[0], A.bases[0])).find((x) => x.id === r.id);
    assert.ok(!after.attachments.some((x) => x.id === at.id));
    assert.equal(after.version, at.report_version + 1);
    assert.equal(await audits('attachment.deleted', at.id), 1);
    await expectProblem(await A.units[1].api('DELETE', `/attachments/${after.attachments[0].id}`), 404, 'not_found');
  });

  test('wrong kind 422, video 415, another unit 404, recommender 403; no report kind on an application', async () => {
    const [r] = await reportsOf(A.units[0], A.bases[0]);
    assert.deepEqual(fields(await expectProblem(await upload(A.units[0], r.id, { kind: 'evidence' }), 422, 'validation')), ['kind']);
    await expectProblem(await upload(A.units[0], r.id, { type: 'video/mp4' }), 415, 'unsupported_media_type');
    await expectProblem(await upload(A.units[0], r.id, { type: 'image/png' }), 415, 'unsupported_media_type'); // a PDF is no PNG
    await expectProblem(await upload(A.units[1], r.id), 404, 'not_found');
    await expectProblem(await upload(rec.session, r.id), 403, 'forbidden');
    const app = A.apps[0];
    const res = await fetch(`${k.url}/api/v1/applications/${app.id}/attachments?kind=annual_report`, {
      method: 'POST',
      headers: { authorization: `Bearer ${A.units[0].token}`, 'content-type': 'application/pdf',
        'content-disposition': "attachment; filename*=UTF-8''a.pdf" },
      body: PDF,
    });
    assert.deepEqual(fields(await expectProblem(res, 422, 'validation')), ['kind']);
  });
});

describe('evaluation: PUT /annual-reports/{id}/evaluation', () => {
  test('bad input → 422 naming the field; others 403/401; unknown 404', async () => {
    const [r] = await reportsOf(admin, A.bases[0]);
    const evaluate = (body) => admin.api('PUT', `/annual-reports/${r.id}/evaluation`, body);
    const cases = [
      [{ score: 101, grade: 'good' }, ['score']], [{ score: -1, grade: 'good' }, ['score']],
      [{ score: 90.125, grade: 'good' }, ['score']], [{ score: '90', grade: 'good' }, ['score']],
      [{ score: 90, grade: 'pass' }, ['grade']], [{ score: 90 }, ['grade']], [{ grade: 'good' }, ['score']],
      [{ score: 90, grade: 'good', comments: '字'.repeat(2001) }, ['comments']],
      [{ score: 90, grade: 'good', extra: true }, ['extra']],
    ];
    for (const [body, want] of cases)
      assert.deepEqual(fields(await expectProblem(await evaluate(body), 422, 'validation')), want, JSON.stringify(body));
    for (const who of [A.units[0], rec.session, expert])
      await expectProblem(await who.api('PUT', `/annual-reports/${r.id}/evaluation`, { score: 90, grade: 'good' }), 403, 'forbidden');
    await expectProblem(await anonymous(k.url)('PUT', `/annual-reports/${r.id}/evaluation`, { score: 90, grade: 'good' }), 401, 'unauthenticated');
    await expectProblem(await admin.api('PUT', '/annual-reports/999999999/evaluation', { score: 90, grade: 'good' }), 404, 'not_found');
    assert.equal((await reportsOf(admin, A.bases[0]))[0].evaluation, null);
  });

  test('the admin evaluates: 200 the report, told to the unit (not the recommender), audited; the report is closed', async () => {
    const [r] = await reportsOf(admin, A.bases[0]);
    const recBefore = (await json(await rec.session.api('GET', '/notifications?limit=200'))).items.length;
    const done = await json(await admin.api('PUT', `/annual-reports/${r.id}/evaluation`, { score: 87.5, grade: 'good', comments: '工作扎实' }));
    assert.deepEqual([done.evaluation.score, done.evaluation.grade, done.evaluation.comments, done.evaluation.evaluated_by],
      [87.5, 'good', '工作扎实', admin.user.id]);
    assert.match(done.evaluation.evaluated_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const told = (await json(await A.units[0].api('GET', '/notifications?limit=200'))).items
      .filter((n) => n.kind === 'annual_report.evaluated');
    assert.equal(told.length, 1);
    assert.match(told[0].title, /良好/);
    assert.equal((await json(await A.units[1].api('GET', '/notifications?limit=200'))).items
      .filter((n) => n.kind === 'annual_report.evaluated').length, 0);
    assert.equal((await json(await rec.session.api('GET', '/notifications?limit=200'))).items.length, recBefore);
    assert.equal(await audits('annual_report.evaluated', r.id), 1);
    // closed to the unit and the admin alike, files included
    await expectProblem(await A.units[0].api('PUT', `/annual-reports/${r.id}`, figures(cy)), 409, 'invalid_state');
    await expectProblem(await admin.api('PUT', `/annual-reports/${r.id}`, figures(cy)), 409, 'invalid_state');
    await expectProblem(await upload(A.units[0], r.id), 409, 'invalid_state');
    const at = done.attachments[0];
    await expectProblem(await A.units[0].api('DELETE', `/attachments/${at.id}`), 409, 'invalid_state');
    assert.equal((await A.units[0].api('GET', `/attachments/${at.id}`)).status, 200);   // still read
    // the admin may correct the evaluation itself
    const again = await json(await admin.api('PUT', `/annual-reports/${r.id}/evaluation`, { score: 91, grade: 'excellent' }));
    assert.deepEqual([again.evaluation.score, again.evaluation.grade, again.evaluation.comments], [91, 'excellent', '']);
  });
});

describe('the admin\'s list and CSV', () => {
  test('GET /annual-reports: filters, paging by keyset, summaries; others 403', async () => {
    await json(await file(A.units[1], A.bases[1], figures(cy, { highlights: '=HYPERLINK("http://x")' })), 201);
    const all = await json(await admin.api('GET', '/annual-reports'));
    const inDb = (await db.psql('SELECT id FROM annual_reports ORDER BY id')).split('\n').map(Number);
    assert.deepEqual(ids(all), inDb);
    assert.equal(all.next_cursor, null);
    assert.equal(all.items[0].highlights, undefined);        // a summary
    assert.equal(all.items[0].attachments, undefined);
    const year = await json(await admin.api('GET', `/annual-reports?year=${cy}`));
    assert.deepEqual(year.items.map((x) => x.year), year.items.map(() => cy));
    assert.deepEqual(ids(year), (await db.psql(`SELECT id FROM annual_reports WHERE year = ${cy} ORDER BY id`)).split('\n').map(Number));
    const done = await json(await admin.api('GET', '/annual-reports?evaluated=true'));
    assert.equal(done.items.length, 1);
    assert.equal(done.items[0].evaluation.grade, 'excellent');
    const open = await json(await admin.api('GET', '/annual-reports?evaluated=false'));
    assert.equal(open.items.length + 1, all.items.length);
    assert.ok(open.items.every((x) => x.evaluation === null));
    const region = A.bases[1].region;
    const byRegion = await json(await admin.api('GET', `/annual-reports?region=${encodeURIComponent(region)}&year=${cy}`));
    assert.ok(byRegion.items.length > 0);
    assert.ok(byRegion.items.every((x) => x.region === region && x.year === cy));
    const cat = A.bases[0].category;
    const byCat = await json(await admin.api('GET', `/annual-reports?category=${cat}`));
    assert.deepEqual(ids(byCat), all.items.filter((x) => x.category === cat).map((x) => x.id));
    assert.deepEqual((await json(await admin.api('GET', '/annual-reports?region=%E7%81%AB%E6%98%9F'))).items, []);
    // paging one by one walks the whole list
    const walked = [];
    let cursor = null;
    do {
      const page = await json(await admin.api('GET', `/annual-reports?limit=1${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`));
      assert.ok(page.items.length <= 1);
      walked.push(...ids(page));
      cursor = page.next_cursor;
    } while (cursor);
    assert.deepEqual(walked, ids(all));
    for (const [query, field] of [['year=abc', 'year'], ['year=1999', 'year'], ['category=museum', 'category'],
      ['evaluated=yes', 'evaluated'], ['limit=0', 'limit'], ['limit=201', 'limit'], ['cursor=zzz', 'cursor']]) {
      const p = await expectProblem(await admin.api('GET', `/annual-reports?${query}`), 422, 'validation');
      assert.deepEqual(fields(p), [field], query);
    }
    for (const who of [A.units[0], rec.session, expert]) {
      await expectProblem(await who.api('GET', '/annual-reports'), 403, 'forbidden');
      await expectProblem(await who.api('GET', '/annual-reports.csv'), 403, 'forbidden');
    }
    await expectProblem(await anonymous(k.url)('GET', '/annual-reports'), 401, 'unauthenticated');
    await expectProblem(await anonymous(k.url)('GET', '/annual-reports.csv'), 401, 'unauthenticated');
  });

  test('GET /annual-reports.csv: BOM, Chinese headers, one row per report, formulas made plain', async () => {
    const res = await admin.api('GET', `/annual-reports.csv?year=${cy}`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type'), /^text\/csv; charset=utf-8/);
    assertExportName(res, `年度报告-${cy}`);
    const bytes = Buffer.from(await res.arrayBuffer());
    assert.deepEqual([...bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf]);
    const lines = bytes.subarray(3).toString('utf8').split('\r\n');
    assert.equal(lines.pop(), '');
    assert.equal(lines[0], '"年度","所在地区","证书编号","基地名称","依托单位","类别","开放天数","接待人次","科普活动次数",'
      + '"专职人员","兼职人员","志愿者","科普经费（万元）","工作亮点","评估分数","评估等级","评估意见","评估时间"');
    const year = await json(await admin.api('GET', `/annual-reports?year=${cy}`));
    assert.equal(lines.length - 1, year.items.length);
    const first = year.items[0];
    assert.ok(lines[1].startsWith(`"${cy}","${first.region}","${first.certificate_no}",`), lines[1]);
    const hostile = lines.find((l) => l.includes('HYPERLINK'));
    assert.ok(hostile.includes('"\'=HYPERLINK(""http://x"")"'), hostile);
    // the whole export: a row per report in id order, the evaluated one with its grade in Chinese
    const whole = (await (await admin.api('GET', '/annual-reports.csv')).text()).split('\r\n').slice(1, -1);
    const all = await json(await admin.api('GET', '/annual-reports'));
    assert.equal(whole.length, all.items.length);
    const at = all.items.findIndex((x) => x.evaluation !== null);
    assert.ok(whole[at].endsWith(`"91","优秀","",` + `"${all.items[at].evaluation.evaluated_at}"`), whole[at]);
    assertExportName(await admin.api('GET', '/annual-reports.csv'), '年度报告-全部年度');
    const none = await admin.api('GET', '/annual-reports.csv?year=2001');
    assert.equal((await none.text()).split('\r\n').length, 2);   // the header and the empty end
    await expectProblem(await admin.api('GET', '/annual-reports.csv?evaluated=maybe'), 422, 'validation');
  });
});

describe('reminders: POST /annual-reports/reminders', () => {
  const reminded = (year) => db.psql(`SELECT coalesce(string_agg((data->>'base_id'), ',' ORDER BY (data->>'base_id')::bigint), '')
                                        FROM notifications WHERE kind = 'annual_report.reminder' AND data->>'year' = '${year}'`);

  test('every valid base whose term holds the year and which has not reported, counted exactly', async () => {
    await json(await admin.api('POST', `/bases/${A.bases[2].id}/suspend`, { reason: '整改中' }));
    // the current year: A0 and A1 reported; A2 suspended; A4 revoked; B over; C not begun → A3
    const now = await json(await admin.api('POST', '/annual-reports/reminders', { year: cy }));
    assert.deepEqual(now, { notified: 1 });
    assert.equal(await reminded(cy), String(A.bases[3].id));
    const told = (await json(await A.units[3].api('GET', '/notifications?limit=200'))).items
      .filter((n) => n.kind === 'annual_report.reminder');
    assert.equal(told.length, 1);
    assert.deepEqual(told[0].data, { base_id: A.bases[3].id, year: cy });
    // cy-2: A's first year and B's last: A0, A1, A3 have no report for it (A0's moved to cy-1);
    // B0 reported, B1 did not but B is expired
    const first = await json(await admin.api('POST', '/annual-reports/reminders', { year: cy - 2 }));
    assert.deepEqual(first, { notified: 3 });
    assert.equal(await reminded(cy - 2), [A.bases[0].id, A.bases[1].id, A.bases[3].id].join(','));
    // cy-1: A0 and A1 reported → A3 alone; a year of no term → 0
    assert.deepEqual(await json(await admin.api('POST', '/annual-reports/reminders', { year: cy - 1 })), { notified: 1 });
    assert.deepEqual(await json(await admin.api('POST', '/annual-reports/reminders', { year: cy - 10 })), { notified: 0 });
    assert.equal(Number(await db.psql(`SELECT count(*) FROM audit_log WHERE action = 'annual_report.reminded'`)), 4);
    // reinstated, A2 is due again
    await json(await admin.api('POST', `/bases/${A.bases[2].id}/reinstate`, { reason: '整改完成' }));
    assert.deepEqual(await json(await admin.api('POST', '/annual-reports/reminders', { year: cy })), { notified: 2 });
    // a unit whose accounts are all disabled hears nothing, and is not counted
    const unit = await db.psql(`SELECT applicant_id FROM bases WHERE id = ${A.bases[3].id}`);
    await db.psql(`UPDATE users SET disabled = true WHERE role = 'applicant' AND org_id = ${unit}`);
    assert.deepEqual(await json(await admin.api('POST', '/annual-reports/reminders', { year: cy })), { notified: 1 });
    await db.psql(`UPDATE users SET disabled = false WHERE role = 'applicant' AND org_id = ${unit}`);
  });

  test('a year to come 422; bad input 422; others 403, anonymous 401', async () => {
    const before = await db.psql(`SELECT count(*) FROM notifications`);
    assert.deepEqual(fields(await expectProblem(await admin.api('POST', '/annual-reports/reminders', { year: cy + 1 }), 422, 'validation')), ['year']);
    for (const body of [{}, { year: '2024' }, { year: 1999 }, { year: 2024.5 }, { year: cy, extra: 1 }])
      await expectProblem(await admin.api('POST', '/annual-reports/reminders', body), 422, 'validation');
    assert.equal(await db.psql(`SELECT count(*) FROM notifications`), before);
    for (const who of [A.units[0], rec.session, expert])
      await expectProblem(await who.api('POST', '/annual-reports/reminders', { year: cy }), 403, 'forbidden');
    await expectProblem(await anonymous(k.url)('POST', '/annual-reports/reminders', { year: cy }), 401, 'unauthenticated');
  });
});

describe('hostile input', () => {
  test('bodies that are not the figures, odd ids and filters: never a 5xx', async () => {
    const base = A.bases[3];
    const send = (path, method, body, type = 'application/json') => fetch(`${k.url}/api/v1${path}`, {
      method, headers: { authorization: `Bearer ${admin.token}`, 'content-type': type }, body,
    });
    await expectProblem(await send(`/bases/${base.id}/annual-reports`, 'POST', '{"year":'), 400, 'bad_json');
    await expectProblem(await send(`/bases/${base.id}/annual-reports`, 'POST', '[1,2]'), 400, 'bad_json');
    await expectProblem(await send(`/bases/${base.id}/annual-reports`, 'POST', '{"year":1,"year":2}'), 400, 'bad_json');
    await expectProblem(await send(`/bases/${base.id}/annual-reports`, 'POST', 'year=2024', 'text/plain'), 415, 'unsupported_media_type');
    for (const body of [
      JSON.stringify(figures(cy, { highlights: 'a\u0000b' })),
      JSON.stringify(figures(cy, { visitors: 9007199254740993 })),
      '{"year":1e400}',
      JSON.stringify(figures(cy, { funding_wan: 1e-320 })),
      JSON.stringify(figures(cy, { highlights: "'); DROP TABLE annual_reports; --" })),
    ]) {
      const res = await send(`/bases/${base.id}/annual-reports`, 'POST', body);
      assert.ok(res.status < 500, `${res.status} for ${body.slice(0, 60)}: ${await res.text()}`);
    }
    for (const path of ['/annual-reports/0', '/annual-reports/-1', '/annual-reports/99999999999999999999', '/annual-reports/1%27'])
      await expectProblem(await admin.api('PUT', path, figures(cy)), 404, 'not_found');
    for (const q of ["region=%27%3B--", 'year=%00', `category=${'x'.repeat(500)}`, 'evaluated=%E2%80%AE']) {
      const res = await admin.api('GET', `/annual-reports?${q}`);
      assert.ok(res.status === 200 || res.status === 422, `${q}: ${res.status}`);
      const csv = await admin.api('GET', `/annual-reports.csv?${q}`);
      assert.ok(csv.status === 200 || csv.status === 422, `csv ${q}: ${csv.status}`);
      await csv.arrayBuffer();
    }
    assert.equal(Number(await db.psql('SELECT count(*) FROM annual_reports WHERE base_id = ' + base.id)) <= 1, true);
  });
});
