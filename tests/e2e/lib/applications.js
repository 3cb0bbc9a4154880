// Helpers for the browser tests of applications: small real files to
// upload, and an application filled, given its signed form and submitted
// through the API (for the ones the browser only reviews).
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// A minimal PDF the server's magic check accepts ("%PDF-" first).
export const PDF_BYTES = Buffer.from(
  '%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n' +
  '2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n', 'latin1');

const tempDirs = [];

// Writes `bytes` as `name` in a fresh temporary directory. → the path.
export async function tempFile(name, bytes) {
  const dir = await mkdtemp(join(tmpdir(), 'kpjd-upload-'));
  tempDirs.push(dir);
  const path = join(dir, name);
  await writeFile(path, bytes);
  return path;
}

// Removes what tempFile() wrote.
export async function removeTempFiles() {
  await Promise.all(tempDirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
}

// Every field submit asks for, filled.
export const COMPLETE_FORM = {
  staff_fulltime: 12, staff_parttime: 30, volunteers: 200, open_days_per_year: 300,
  annual_visitors: 500000, venue_area_m2: 8000.5, annual_funding_wan: 350.25, activities_last3y: 120,
  profile: '本单位是面向公众开放的科普场馆。',
  work_summary: '近三年开展天文科普活动一百余场。',
  conditions: '场地、设施、人员、经费和制度齐备。',
  plan: '今后三年建设天文科普资源库。',
};

// PATCH base_name, category and the whole form of `appId` with `session`
// (a bearer session of the applicant). → the application.
export async function fillViaApi(session, appId, { baseName = '某科普教育基地', category = 'venue', form = {} } = {}) {
  const res = await session.api('PATCH', `/applications/${appId}`,
    { base_name: baseName, category, form: { ...COMPLETE_FORM, ...form } });
  const text = await res.text();
  assert.equal(res.status, 200, `fillViaApi: ${text}`);
  return JSON.parse(text);
}

// Uploads `bytes` as an attachment of `kind`. → the attachment.
export async function uploadViaApi(url, session, appId, { kind = 'application_form', name = '申报表.pdf', bytes = PDF_BYTES, type = 'application/pdf' } = {}) {
  const res = await fetch(`${url}/api/v1/applications/${appId}/attachments?kind=${kind}`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${session.token}`,
      'content-type': type,
      'content-disposition': `attachment; filename*=UTF-8''${encodeURIComponent(name)}`,
    },
    body: bytes,
  });
  const text = await res.text();
  assert.equal(res.status, 201, `uploadViaApi: ${text}`);
  return JSON.parse(text);
}

// POST …/submit. → the application.
export async function submitViaApi(session, appId) {
  const res = await session.api('POST', `/applications/${appId}/submit`);
  const text = await res.text();
  assert.equal(res.status, 200, `submitViaApi: ${text}`);
  return JSON.parse(text);
}
