// Attachments of an application: the raw file as the body, its type
// checked against its first bytes, its name from Content-Disposition made
// safe; streamed into PostgreSQL and back out; per-file and per-application
// size limits decided before the body when the length is declared; an
// upload that fails or is cut off leaves nothing behind.  Two daemons serve
// one database: `k` with the default limits, `small` with 1M per file and
// 2M per application.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import { after, before, describe, test } from 'node:test';

import { createDatabase, startKpjdd } from '../lib/kpjdd.js';
import { expectProblem, openRaw, sleep } from '../lib/http.js';
import { createAdmin, createUser, signIn } from '../lib/accounts.js';
import { makeApplication, makeBatch, makeRecommender } from '../lib/fixtures.js';

const MiB = 1024 * 1024;
let db, k, small, admin, expert, recA, recB, batch;
let ap1, ap2, ap3, ap4, ap5;   // ap2 bound to recB, the others to recA

before(async () => {
  db = await createDatabase();
  const env = { KPJD_INVITATIONS_LOOKUP_LIMIT: '10000' };
  k = await startKpjdd({ db, migrate: true, env });
  small = await startKpjdd({ db, env: { ...env, KPJD_ATTACHMENTS_MAX_FILE: '1M', KPJD_ATTACHMENTS_MAX_TOTAL: '2M' } });
  createAdmin(db);
  admin = await signIn(k.url, 'admin');
  await createUser(db, { username: 'expert', role: 'expert' });
  [expert, recA, recB] = await Promise.all([
    signIn(k.url, 'expert'),
    makeRecommender(k.url, admin, { name: '北京市科学技术协会', kind: 'provincial_cast', region: '北京市' }),
    makeRecommender(k.url, admin, { name: '中国植物学会', kind: 'national_society' }),
  ]);
  batch = await makeBatch(admin, { status: 'open' });
  [ap1, ap2, ap3, ap4, ap5] = await Promise.all([
    newApplicant(recA), newApplicant(recB), newApplicant(recA), newApplicant(recA), newApplicant(recA),
  ]);
});
after(async () => {
  await small?.stop();
  await k?.stop();
  await db?.drop();
});

// ---------------------------------------------------------------------------
// helpers

async function newApplicant(rec) {
  const reg = await makeApplication(k.url, rec.session, batch.id);
  const session = await signIn(k.url, reg.username, reg.password);
  return { id: reg.application.id, session, unitName: reg.applicant.name };
}

async function json(res, status = 200) {
  const text = await res.text();
  assert.equal(res.status, status, `status (body: ${text})`);
  return text ? JSON.parse(text) : null;
}

const sha256 = (buf) => createHash('sha256').update(buf).digest('hex');
const disposition = (name) => `attachment; filename*=UTF-8''${encodeURIComponent(name)}`;

// Files that start the way their type says.
const pdf = (n = 200) => Buffer.concat([Buffer.from('%PDF-1.7\n'), randomBytes(Math.max(0, n - 9))]);
const png = () => Buffer.concat([Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex'), randomBytes(64)]);
const jpeg = () => Buffer.concat([Buffer.from('ffd8ffe000104a46494600', 'hex'), randomBytes(64)]);
const mp4 = () => Buffer.concat([Buffer.from('000000186674797069736f6d0000020069736f6d', 'hex'), randomBytes(64)]);

// POST the file with fetch.  opts: kind, type, name, headers (replace the
// defaults; a null value drops the header), base (the daemon), session.
function upload(a, body, { kind = 'application_form', type = 'application/pdf', name = '申报表.pdf',
  headers = {}, base = k.url, session = a.session, query } = {}) {
  const h = {
    authorization: `Bearer ${session.token}`,
    'content-type': type,
    'content-disposition': disposition(name),
    ...headers,
  };
  for (const key of Object.keys(h)) if (h[key] === null) delete h[key];
  const q = query ?? `?kind=${kind}`;
  return fetch(`${base}/api/v1/applications/${a.id}/attachments${q}`, { method: 'POST', headers: h, body });
}

// The same with a chunked body (no Content-Length), written in 64 KiB pieces.
function uploadChunked(a, body, { kind = 'evidence', type = 'application/pdf', name = 'chunked.pdf', base = small.url } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request(`${base}/api/v1/applications/${a.id}/attachments?kind=${kind}`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${a.session.token}`,
        'content-type': type,
        'content-disposition': disposition(name),
      },
    }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    for (let i = 0; i < body.length; i += 64 * 1024) req.write(body.subarray(i, i + 64 * 1024));
    req.end();
    assert.equal(req.getHeader('content-length'), undefined);
  });
}

const download = (session, id) => session.api('GET', `/attachments/${id}`);
const remove = (session, id) => session.api('DELETE', `/attachments/${id}`);
const getApp = async (a, session = a.session) => json(await session.api('GET', `/applications/${a.id}`));

async function leftovers() {
  return db.psql(`SELECT (SELECT count(*) FROM attachments WHERE NOT complete) || ' ' ||
                         (SELECT count(*) FROM attachment_chunks c JOIN attachments a ON a.id = c.attachment_id
                           WHERE NOT a.complete)`);
}

// Cleaning up after an upload runs when the daemon has finished with the
// request, a moment after the answer: wait for it (and fail if it never comes).
async function nothingLeftBehind(what) {
  let now;
  for (let i = 0; i < 100; i++) {
    now = await leftovers();
    if (now === '0 0') return;
    await sleep(100);
  }
  assert.fail(`${what}: incomplete attachments and their chunks left behind: ${now}`);
}

async function auditRows(action, id) {
  const res = await admin.api('GET', `/audit?action=${action}&entity=attachment&entity_id=${id}`);
  return (await json(res)).items;
}

const ATTACHMENT_KEYS = ['content_type', 'created_at', 'filename', 'id', 'kind', 'sha256', 'size'];

// ---------------------------------------------------------------------------

describe('upload', () => {
  test('201 with the attachment: size and SHA-256 of the bytes, the Chinese name intact; listed on the application; audited', async () => {
    const before = await getApp(ap1);
    const file = pdf(5000);
    const res = await upload(ap1, file, { name: '2021年申报表（盖章）.pdf' });
    const at = await json(res, 201);
    assert.match(res.headers.get('content-type'), /^application\/json/);
    assert.deepEqual(Object.keys(at).sort(), [...ATTACHMENT_KEYS, 'application_version'].sort());
    assert.ok(Number.isInteger(at.id));
    assert.equal(at.kind, 'application_form');
    assert.equal(at.filename, '2021年申报表（盖章）.pdf');
    assert.equal(at.content_type, 'application/pdf');
    assert.equal(at.size, 5000);
    assert.equal(at.sha256, sha256(file));
    assert.match(at.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);

    const app = await getApp(ap1);
    const { application_version: version, ...listed } = at;
    assert.deepEqual(app.attachments, [listed]);
    assert.equal(app.version, before.version + 1, 'an upload bumps the version');
    assert.equal(version, app.version, 'and says so');
    const [row] = await auditRows('attachment.uploaded', at.id);
    assert.equal(row.actor_id, ap1.session.user.id);
    assert.equal(row.data.filename, '2021年申报表（盖章）.pdf');
    assert.equal(row.data.sha256, at.sha256);
    assert.equal(row.data.kind, 'application_form');
    assert.equal(String(row.data.application_id), String(ap1.id));
  });

  test('each kind takes its types: evidence a picture or a PDF, video an MP4, other any of them', async () => {
    for (const [kind, type, body, name] of [
      ['evidence', 'image/png', png(), '活动照片.png'],
      ['evidence', 'image/jpeg', jpeg(), '现场.jpg'],
      ['evidence', 'application/pdf', pdf(), '证明.pdf'],
      ['video', 'video/mp4', mp4(), '基地宣传片.mp4'],
      ['other', 'image/jpeg', jpeg(), '其他.jpg'],
      ['other', 'video/mp4', mp4(), '其他.mp4'],
    ]) {
      const at = await json(await upload(ap1, body, { kind, type, name }), 201);
      assert.deepEqual([at.kind, at.content_type, at.filename, at.size, at.sha256], [kind, type, name, body.length, sha256(body)]);
    }
    const at = await json(await upload(ap1, pdf(), { kind: 'other', type: 'Application/PDF; name="x.pdf"' }), 201);
    assert.equal(at.content_type, 'application/pdf', 'the type is stored bare and in lower case');
  });

  test('the file name is made safe: no directories, no control characters (C0, DEL, C1), no bidi controls, no leading dots; long names cut keeping the extension', async () => {
    const name = async (headers) => (await json(await upload(ap1, pdf(), { kind: 'other', headers: { 'content-disposition': headers } }), 201)).filename;
    assert.equal(await name(disposition('../../etc/x.pdf')), 'x.pdf');
    assert.equal(await name(`attachment; filename*=UTF-8''..%5C..%5Cwindows%5C%E7%94%B3%E6%8A%A5.pdf`), '申报.pdf');
    assert.equal(await name('attachment; filename="plain name.pdf"'), 'plain name.pdf');
    assert.equal(await name('attachment; filename="C:\\\\Users\\\\kp\\\\y.pdf"'), 'y.pdf');
    assert.equal(await name('attachment; filename=bare.pdf'), 'bare.pdf');
    assert.equal(await name(`attachment; filename="fallback.pdf"; filename*=UTF-8''${encodeURIComponent('首选.pdf')}`), '首选.pdf');
    assert.equal(await name(disposition('a\nb\r\tc\u0001\u007f.pdf')), 'abc.pdf');
    assert.equal(await name(disposition('a\u0085b\u009bc.pdf')), 'abc.pdf', 'C1 controls');
    for (const bidi of ['\u200e', '\u200f', '\u061c', '\u202a', '\u202b', '\u202c', '\u202d', '\u202e',
      '\u2066', '\u2067', '\u2068', '\u2069']) {
      assert.equal(await name(disposition(`invoice${bidi}fdp.exe`)), 'invoicefdp.exe', `U+${bidi.codePointAt(0).toString(16)}`);
    }
    assert.equal(await name(disposition('..hidden.pdf')), 'hidden.pdf');
    assert.equal(await name(disposition('say "hi".pdf')), 'say hi.pdf');
    const long = await name(disposition(`${'科'.repeat(300)}.pdf`));
    assert.ok(Buffer.byteLength(long) <= 255, `at most 255 bytes (${Buffer.byteLength(long)})`);
    assert.ok(long.endsWith('.pdf'));
    assert.match(long, /^科+\.pdf$/, 'cut between characters');
  });

  test('422 naming kind and filename when missing or bad; nothing stored', async () => {
    const count = await db.psql('SELECT count(*) FROM attachments');
    const fieldsOf = async (res) => (await expectProblem(res, 422, 'validation')).errors.map((e) => [e.field, e.code]);
    assert.deepEqual(await fieldsOf(await upload(ap1, pdf(), { query: '' })), [['kind', 'enum']]);
    assert.deepEqual(await fieldsOf(await upload(ap1, pdf(), { kind: 'photo' })), [['kind', 'enum']]);
    assert.deepEqual(await fieldsOf(await upload(ap1, pdf(), { headers: { 'content-disposition': null } })), [['filename', 'required']]);
    for (const bad of ['attachment', 'attachment; filename=""', `attachment; filename*=UTF-8''..%2F..`,
      `attachment; filename*=UTF-8''%E2%80%AE%01`]) {
      assert.deepEqual(await fieldsOf(await upload(ap1, pdf(), { headers: { 'content-disposition': bad } })), [['filename', 'required']], bad);
    }
    // Not UTF-8 (a surrogate, above U+10FFFF, overlong, stray bytes), a NUL, a broken escape, another charset.
    for (const bad of [`attachment; filename*=UTF-8''a%ED%A0%80b.pdf`, `attachment; filename*=UTF-8''%F4%90%80%80.pdf`,
      `attachment; filename*=UTF-8''a%C0%AFb.pdf`, `attachment; filename*=UTF-8''a%E0%80%AFb.pdf`,
      `attachment; filename*=UTF-8''%FF%FE.pdf`, `attachment; filename*=UTF-8''a%00.pdf`, `attachment; filename*=UTF-8''a%2`,
      `attachment; filename*=ISO-8859-1''x.pdf`]) {
      assert.deepEqual(await fieldsOf(await upload(ap1, pdf(), { headers: { 'content-disposition': bad } })), [['filename', 'encoding']], bad);
    }
    assert.deepEqual((await fieldsOf(await upload(ap1, pdf(), { query: '?kind=', headers: { 'content-disposition': null } }))).sort(),
      [['filename', 'required'], ['kind', 'enum']]);
    assert.equal(await db.psql('SELECT count(*) FROM attachments'), count);
  });

  test('415: the signed form not a PDF, the video not an MP4, evidence a video, content not what its type says, other types', async () => {
    const count = await db.psql('SELECT count(*) FROM attachments');
    const refused = async (body, opts) => expectProblem(await upload(ap1, body, opts), 415, 'unsupported_media_type');
    await refused(png(), { kind: 'application_form', type: 'image/png', name: 'form.png' });
    await refused(jpeg(), { kind: 'application_form', type: 'image/jpeg', name: 'form.jpg' });
    await refused(pdf(), { kind: 'video', type: 'application/pdf', name: 'video.pdf' });
    await refused(mp4(), { kind: 'evidence', type: 'video/mp4', name: 'evidence.mp4' });
    await refused(png(), { kind: 'application_form', type: 'application/pdf', name: 'fake.pdf' });
    await refused(Buffer.from('just some text, not a picture at all'), { kind: 'evidence', type: 'image/jpeg', name: 'x.jpg' });
    await refused(pdf(), { kind: 'evidence', type: 'image/png', name: 'x.png' });
    await refused(png(), { kind: 'video', type: 'video/mp4', name: 'x.mp4' });
    await refused(Buffer.from('%PDF'), { name: 'short.pdf' });
    await refused(Buffer.alloc(0), { name: 'empty.pdf' });
    await refused(Buffer.from('hello'), { type: 'text/plain', name: 'x.txt', kind: 'other' });
    await refused(pdf(), { type: 'application/octet-stream', kind: 'other' });
    await refused(pdf(), { headers: { 'content-type': null } });
    await nothingLeftBehind('refused types');
    assert.equal(await db.psql('SELECT count(*) FROM attachments'), count);
  });

  test('401 anonymous; 403 for recommenders, the admin and experts; 404 someone else\'s or no such application', async () => {
    const count = await db.psql('SELECT count(*) FROM attachments');
    await expectProblem(await fetch(`${k.url}/api/v1/applications/${ap1.id}/attachments?kind=evidence`, {
      method: 'POST', headers: { 'content-type': 'application/pdf', 'content-disposition': disposition('a.pdf') }, body: pdf(),
    }), 401, 'unauthenticated');
    for (const session of [recA.session, admin, expert]) {
      await expectProblem(await upload(ap1, pdf(), { session }), 403, 'forbidden');
    }
    await expectProblem(await upload(ap1, pdf(), { session: ap2.session }), 404, 'not_found');
    await expectProblem(await upload({ id: 999999 }, pdf(), { session: ap1.session }), 404, 'not_found');
    assert.equal(await db.psql('SELECT count(*) FROM attachments'), count);
  });

  test('an upload moves the version on: a PATCH with the version from before is 412', async () => {
    const { version } = await getApp(ap1);
    await json(await upload(ap1, pdf(), { kind: 'evidence', name: '补充.pdf' }), 201);
    await expectProblem(await ap1.session.api('PATCH', `/applications/${ap1.id}`, { base_name: '新名' },
      { headers: { 'if-match': `"${version}"` } }), 412, 'version_mismatch');
    const now = await getApp(ap1);
    assert.equal(now.version, version + 1);
    await json(await ap1.session.api('PATCH', `/applications/${ap1.id}`, { base_name: '新名' },
      { headers: { 'if-match': `"${now.version}"` } }));
  });

  test('submitted: 409 for uploads and deletes; returned: editable again', async () => {
    await json(await ap4.session.api('PATCH', `/applications/${ap4.id}`, {
      base_name: '某基地', category: 'other',
      form: { staff_fulltime: 1, staff_parttime: 1, volunteers: 1, open_days_per_year: 200, annual_visitors: 1,
        venue_area_m2: 1, annual_funding_wan: 1, activities_last3y: 1, profile: '简介', work_summary: '工作',
        conditions: '条件', plan: '规划' },
    }));
    const form = await json(await upload(ap4, pdf()), 201);
    assert.equal((await json(await ap4.session.api('POST', `/applications/${ap4.id}/submit`))).status, 'submitted');
    const count = await db.psql('SELECT count(*) FROM attachments');
    await expectProblem(await upload(ap4, pdf(), { kind: 'evidence' }), 409, 'invalid_state');
    await expectProblem(await remove(ap4.session, form.id), 409, 'invalid_state');
    assert.equal((await download(ap4.session, form.id)).status, 200, 'still there');
    assert.equal(await db.psql('SELECT count(*) FROM attachments'), count);
    await nothingLeftBehind('uploads into a submitted application');

    await json(await recA.session.api('POST', `/applications/${ap4.id}/return`, { reason: '请补充证明材料' }));
    await json(await upload(ap4, pdf(), { kind: 'evidence', name: '证明材料.pdf' }), 201);
    assert.deepEqual((await getApp(ap4)).attachments.map((a) => a.filename), ['申报表.pdf', '证明材料.pdf']);
  });
});

describe('download', () => {
  let file, at;
  before(async () => {
    file = pdf(20000);
    at = await json(await upload(ap1, file, { kind: 'evidence', name: '科普 活动;记录"1".pdf' }), 201);
  });

  test('the applicant, its recommender and the admin get the bytes as an attachment', async () => {
    for (const who of [ap1.session, recA.session, admin]) {
      const res = await download(who, at.id);
      const body = Buffer.from(await res.arrayBuffer());
      assert.equal(res.status, 200, who.user.username);
      assert.ok(body.equals(file), 'byte for byte');
      assert.equal(res.headers.get('content-type'), 'application/pdf');
      assert.equal(res.headers.get('content-length'), String(file.length));
      assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
      assert.equal(res.headers.get('etag'), `"${sha256(file)}"`);
      const cd = res.headers.get('content-disposition');
      assert.match(cd, /^attachment; filename\*=UTF-8''[A-Za-z0-9%!#$&+.^_`|~-]+$/, cd);
      assert.equal(decodeURIComponent(cd.split("''")[1]), '科普 活动;记录1.pdf');
    }
  });

  test('another applicant, another recommender, an expert: 404; anonymous 401; no such attachment 404', async () => {
    for (const who of [ap2.session, ap3.session, recB.session, expert]) {
      await expectProblem(await download(who, at.id), 404, 'not_found');
    }
    await expectProblem(await fetch(`${k.url}/api/v1/attachments/${at.id}`), 401, 'unauthenticated');
    await expectProblem(await download(admin, 999999), 404, 'not_found');
    await expectProblem(await download(admin, 'x'), 404, 'not_found');
  });

  test('3 MB in, the same 3 MB out, served by the other daemon too', async () => {
    const big = pdf(3 * MiB + 12345);
    const res = await upload(ap1, big, { kind: 'other', name: '大文件.pdf' });
    const up = await json(res, 201);
    assert.equal(up.size, big.length);
    assert.equal(up.sha256, sha256(big));
    assert.ok(Number(await db.psql(`SELECT count(*) FROM attachment_chunks WHERE attachment_id = ${up.id}`)) > 1,
      'stored in pieces');
    for (const base of [k.url, small.url]) {
      const r = await fetch(`${base}/api/v1/attachments/${up.id}`, { headers: { authorization: `Bearer ${ap1.session.token}` } });
      const got = Buffer.from(await r.arrayBuffer());
      assert.equal(r.status, 200);
      assert.equal(got.length, big.length);
      assert.ok(got.equals(big), 'byte for byte');
      assert.equal(sha256(got), up.sha256);
      assert.equal(r.headers.get('etag'), `"${up.sha256}"`);
      assert.equal(r.headers.get('content-disposition'), `attachment; filename*=UTF-8''${encodeURIComponent('大文件.pdf')}`);
      assert.equal(r.headers.get('x-content-type-options'), 'nosniff');
    }
  });
});

describe('DELETE /attachments/{id}', () => {
  test('someone else: 404 for another applicant, 403 for other roles; the owner: 204, gone everywhere, audited', async () => {
    const at = await json(await upload(ap1, pdf(), { kind: 'evidence', name: '待删除.pdf' }), 201);
    await expectProblem(await remove(ap2.session, at.id), 404, 'not_found');
    for (const who of [recA.session, admin, expert]) await expectProblem(await remove(who, at.id), 403, 'forbidden');
    await expectProblem(await fetch(`${k.url}/api/v1/attachments/${at.id}`, { method: 'DELETE' }), 401, 'unauthenticated');
    const { version } = await getApp(ap1);

    const res = await remove(ap1.session, at.id);
    assert.equal(res.status, 204);
    assert.equal(await res.text(), '');
    const app = await getApp(ap1);
    assert.ok(!app.attachments.some((a) => a.id === at.id));
    assert.equal(app.version, version + 1);
    await expectProblem(await download(ap1.session, at.id), 404, 'not_found');
    await expectProblem(await remove(ap1.session, at.id), 404, 'not_found');
    assert.equal(await db.psql(`SELECT count(*) FROM attachments WHERE id = ${at.id}`), '0');
    assert.equal(await db.psql(`SELECT count(*) FROM attachment_chunks WHERE attachment_id = ${at.id}`), '0');
    const [row] = await auditRows('attachment.deleted', at.id);
    assert.equal(row.actor_id, ap1.session.user.id);
    assert.equal(row.data.filename, '待删除.pdf');
  });
});

describe('size limits (1M a file, 2M an application)', () => {
  const rawHead = (a, length, { kind = 'evidence', name = 'raw.pdf' } = {}) => [
    `POST /api/v1/applications/${a.id}/attachments?kind=${kind} HTTP/1.1`,
    `Host: ${new URL(small.url).host}`,
    `Authorization: Bearer ${a.session.token}`,
    'Content-Type: application/pdf',
    `Content-Disposition: attachment; filename="${name}"`,
    `Content-Length: ${length}`,
  ].join('\r\n');

  test('a declared 1.5 MB file is 413 before its body is sent', async () => {
    const { sock, answer, connected } = openRaw(small.url);
    await connected;
    sock.write(`${rawHead(ap3, 1.5 * MiB)}\r\n\r\n`);
    sock.write(pdf(1000));                   // the start of it, and no more
    const res = await Promise.race([answer, sleep(5000).then(() => null)]);
    sock.destroy();
    assert.ok(res, 'answered without waiting for the body');
    assert.equal(res.status, 413);
    const p = JSON.parse(res.body);
    assert.equal(p.code, 'too_large');
    await nothingLeftBehind('a declared length over the limit');
  });

  test('a chunked 1.5 MB file (no Content-Length) is 413 too, and leaves nothing behind', async () => {
    const count = await db.psql('SELECT count(*) FROM attachments');
    const res = await uploadChunked(ap3, pdf(1.5 * MiB));
    assert.equal(res.status, 413, res.body);
    assert.equal(JSON.parse(res.body).code, 'too_large');
    await nothingLeftBehind('a chunked body over the limit');
    assert.equal(await db.psql('SELECT count(*) FROM attachments'), count);
    assert.equal(await db.psql(`SELECT count(*) FROM attachment_chunks c JOIN attachments a ON a.id = c.attachment_id
                                 WHERE a.application_id = ${ap3.id}`), '0');
  });

  test('exactly 1 MiB is allowed, by fetch and chunked', async () => {
    for (const at of [await json(await upload(ap3, pdf(MiB), { kind: 'evidence', base: small.url }), 201),
      JSON.parse((await uploadChunked(ap3, pdf(MiB))).body)]) {
      assert.equal(at.size, MiB);
      assert.equal((await remove(ap3.session, at.id)).status, 204);
    }
  });

  test('a connection cut mid-upload leaves no attachment and no chunks', async () => {
    const { sock, connected } = openRaw(small.url);
    sock.on('error', () => {});
    await connected;
    sock.write(`${rawHead(ap3, 900 * 1024, { name: 'cut.pdf' })}\r\n\r\n`);
    sock.write(pdf(700 * 1024));
    // wait until the daemon has stored a piece of it, so that there is something to clean up
    let stored = '';
    for (let i = 0; i < 100 && !(Number(stored.split(' ')[1]) > 0); i++) {
      await sleep(50);
      stored = await leftovers();
    }
    assert.ok(Number(stored.split(' ')[1]) > 0, `chunks of the unfinished upload are in the database (${stored})`);
    const partial = await db.psql('SELECT id FROM attachments WHERE NOT complete');
    await expectProblem(await download(ap3.session, partial), 404, 'not_found');
    assert.ok(!(await getApp(ap3)).attachments.some((a) => String(a.id) === partial), 'not listed while incomplete');
    sock.destroy();
    await nothingLeftBehind('a connection cut mid-upload');
    assert.equal(await db.psql(`SELECT count(*) FROM attachments WHERE application_id = ${ap3.id}`), '0');
  });

  test('two 0.9 MB files fit; a third is 413 (declared or chunked); what still fits is taken', async () => {
    const part = Math.floor(0.9 * MiB);
    for (let i = 0; i < 2; i++) {
      await json(await upload(ap3, pdf(part), { kind: 'evidence', name: `第${i + 1}份.pdf`, base: small.url }), 201);
    }
    const { sock, answer, connected } = openRaw(small.url);
    await connected;
    sock.write(`${rawHead(ap3, part)}\r\n\r\n`);
    const res = await Promise.race([answer, sleep(5000).then(() => null)]);
    sock.destroy();
    assert.ok(res, 'answered before the body');
    assert.equal(res.status, 413);
    assert.equal(JSON.parse(res.body).code, 'too_large');

    const chunked = await uploadChunked(ap3, pdf(part));
    assert.equal(chunked.status, 413, chunked.body);
    await nothingLeftBehind('uploads over the total');

    const left = 2 * MiB - 2 * part;
    await json(await upload(ap3, pdf(left), { kind: 'evidence', base: small.url, name: '刚好.pdf' }), 201);
    const over = await uploadChunked(ap3, pdf(10));
    assert.equal(over.status, 413, 'not ten bytes more');
    await nothingLeftBehind('one byte over the total');
    const app = await getApp(ap3);
    assert.deepEqual(app.attachments.map((a) => a.filename), ['第1份.pdf', '第2份.pdf', '刚好.pdf']);
    assert.equal(app.attachments.reduce((s, a) => s + a.size, 0), 2 * MiB);

    // deleting one makes room again
    assert.equal((await remove(ap3.session, app.attachments[0].id)).status, 204);
    await json(await upload(ap3, pdf(part), { kind: 'evidence', base: small.url, name: '第3份.pdf' }), 201);
  });

  test('uploads that overlap cannot pass the total together', async () => {
    // Three 0.9 MB files into an empty application, all three announced
    // before any body arrives: each one alone fits, two fit together, three
    // do not.  The total must hold at completion, not only at the start.
    const part = Math.floor(0.9 * MiB);
    const conns = [0, 1, 2].map(() => openRaw(small.url));
    await Promise.all(conns.map((c) => c.connected));
    conns.forEach((c, i) => c.sock.write(`${rawHead(ap5, part, { name: `并发${i}.pdf` })}\r\nConnection: close\r\n\r\n`));
    await sleep(300);
    for (const c of conns) c.sock.write(pdf(part));
    const answers = await Promise.all(conns.map((c) => c.answer));
    const stored = Number(await db.psql(`SELECT coalesce(sum(size), 0) FROM attachments WHERE application_id = ${ap5.id} AND complete`));
    assert.ok(stored <= 2 * MiB, `at most 2 MiB stored for the application, not ${stored} (answers ${answers.map((a) => a.status)})`);
    assert.deepEqual(answers.map((a) => a.status).sort(), [201, 201, 413]);
    await nothingLeftBehind('overlapping uploads');
  });
});
