// Printable documents (API.md, "Unit profiles and printable documents"):
// GET /applications/{id}/form.pdf (申报表, watermarked 草稿 until submitted),
// GET /applications/{id}/receipt.pdf (回执, once submitted) to whoever may
// read the application, and GET /batches/{id}/recommendation-sheet.pdf|.csv
// (推荐汇总表: a recommender its own, the admin with ?recommender_id=).  The
// PDFs are read back with poppler (pdfinfo, pdftotext -raw: the watermark,
// drawn last, comes last on each page) and zbarimg, as a person would.
// Beijing times are computed here with Intl (Asia/Shanghai), apart from the
// server's arithmetic.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { config, createDatabase, startKpjdd } from '../lib/kpjdd.js';
import { anonymous, expectProblem } from '../lib/http.js';
import { createAdmin, signIn } from '../lib/accounts.js';
import { makeApplication, makeBatch, makeRecommender } from '../lib/fixtures.js';

const PUBLIC_URL = 'https://kpjd.example.cn';
let db, k, admin, recA, recB, batch, dir;
let mine, other, theirs;     // applications: { id, session, reg }

function tool(cmd, args) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 120000 });
  assert.equal(r.status, 0, `${cmd} ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

let files = 0;
async function save(res) {
  const path = join(dir, `answer-${++files}.pdf`);
  writeFileSync(path, Buffer.from(await res.arrayBuffer()));
  return path;
}
const squeeze = (s) => s.replace(/\s+/g, '');
const pages = (path) => Number(/^Pages:\s+(\d+)$/m.exec(tool('pdfinfo', [path]))[1]);
// one page's text, raw (content order), without white space
const pageText = (path, page) => squeeze(tool('pdftotext', ['-raw', '-enc', 'UTF-8', '-f', String(page), '-l', String(page), path, '-']));
const allText = (path) => squeeze(tool('pdftotext', ['-raw', '-enc', 'UTF-8', path, '-']));
function qrOf(path) {
  const prefix = join(dir, `qr-${files}`);
  tool('pdftoppm', ['-png', '-r', '150', '-f', '1', '-l', '1', path, prefix]);
  return tool('zbarimg', ['-q', '--raw', `${prefix}-1.png`]).trim();
}

// "2026年12月7日 18:05（北京时间）", computed with the platform's time zone data
function beijing(iso) {
  const parts = Object.fromEntries(new Intl.DateTimeFormat('en-US', {
    timeZone: 'Asia/Shanghai', year: 'numeric', month: 'numeric', day: 'numeric',
    hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
  }).formatToParts(new Date(iso)).map((p) => [p.type, p.value]));
  return `${parts.year}年${parts.month}月${parts.day}日 ${parts.hour}:${parts.minute}（北京时间）`;
}
const beijingDate = (d = new Date()) => new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' })
  .format(d).replaceAll('-', '');

const number = (a) => `${batch.code}-${String(a.id).padStart(6, '0')}`;

async function json(res, status = 200) {
  const text = await res.text();
  assert.equal(res.status, status, `status (body: ${text})`);
  return text ? JSON.parse(text) : null;
}

const FORM = Object.freeze({
  staff_fulltime: 12, staff_parttime: 30, volunteers: 7, open_days_per_year: 300,
  annual_visitors: 1200000, venue_area_m2: 12000.5, annual_funding_wan: 350.75, activities_last3y: 120,
  profile: '常年对公众开放的自然历史博物馆。', work_summary: '近三年开展科普活动一百二十场。',
  conditions: '展厅一万二千平方米。', plan: '三年内建成数字化展厅。',
  honors: [{ title: '北京市科普基地', issuer: '北京市科学技术委员会', date: '2019-05-20' }],
});
const LABELS = ['专职科普人员数', '兼职科普人员数', '科普志愿者人数', '年开放天数', '年接待人次',
  '科普场地面积（平方米）', '年科普经费（万元）', '近三年科普活动次数', '单位简介', '科普工作简介',
  '保障条件', '三年发展规划', '已命名情况'];
const PDF = Buffer.from('%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n');

async function applicant(rec, name) {
  const reg = await makeApplication(k.url, rec.session, batch.id, { unit: { name } });
  const session = await signIn(k.url, reg.username, reg.password);
  return { id: reg.application.id, session, reg };
}

async function fill(a, form = FORM) {
  await json(await a.session.api('PATCH', `/applications/${a.id}`, { base_name: `${a.reg.applicant.name}科普基地`, category: 'venue', form }));
}

async function upload(a, name = '申报表（盖章）.pdf') {
  return json(await fetch(`${k.url}/api/v1/applications/${a.id}/attachments?kind=application_form`, {
    method: 'POST',
    headers: { authorization: `Bearer ${a.session.token}`, 'content-type': 'application/pdf',
      'content-disposition': `attachment; filename*=UTF-8''${encodeURIComponent(name)}` },
    body: PDF,
  }), 201);
}

const get = (session, path) => session.api('GET', path);

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kpjd-documents-'));
  db = await createDatabase();
  k = await startKpjdd({ db, migrate: true, env: { KPJD_WEB_PUBLIC_URL: PUBLIC_URL, KPJD_INVITATIONS_LOOKUP_LIMIT: '10000' } });
  createAdmin(db);
  admin = await signIn(k.url, 'admin');
  recA = await makeRecommender(k.url, admin, { name: '中国自然科学博物馆学会' });
  recB = await makeRecommender(k.url, admin);
  batch = await makeBatch(admin, { status: 'open' });
  await json(await admin.api('PUT', `/batches/${batch.id}/quotas`, { quotas: [{ recommender_id: recA.id, quota: 2 }] }));
  mine = await applicant(recA, '北京自然博物馆');
  other = await applicant(recA, '上海科技馆');
  theirs = await applicant(recB, '广东科学中心');
  await fill(mine);
});

after(async () => {
  await k?.stop();
  await db?.drop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('GET /applications/{id}/form.pdf', () => {
  test('a draft: every field, its labels, the number, batch, recommender, QR, signature, 第 n 页 / 共 m 页, 草稿 on every page', async () => {
    const res = await get(mine.session, `/applications/${mine.id}/form.pdf`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/pdf');
    assert.equal(res.headers.get('content-disposition'),
      `inline; filename*=UTF-8''${encodeURIComponent(`申报表-${number(mine)}.pdf`)}`);
    assert.equal(res.headers.get('transfer-encoding'), 'chunked', 'streamed, not sized first');
    const path = await save(res);
    const n = pages(path);
    const t = allText(path);
    for (const fact of ['全国科普教育基地申报表', number(mine), batch.code, batch.title, '北京自然博物馆',
      '北京自然博物馆科普基地', '科技场馆类', '北京市', mine.reg.applicant.credit_code, '张三',
      '北京市科学技术协会', '李四', '010-68571234', '北京市海淀区复兴路3号', '中国自然科学博物馆学会',
      '尚未提交', '1200000', '12000.5', '350.75', FORM.profile, FORM.work_summary, FORM.conditions, FORM.plan,
      '北京市科普基地', '北京市科学技术委员会', '2019-05-20', '单位负责人签字', '单位盖章', ...LABELS]) {
      assert.ok(t.includes(squeeze(fact)), `${fact} in:\n${t}`);
    }
    assert.match(t, /生成时间：\d{4}年\d{1,2}月\d{1,2}日\d\d:\d\d（北京时间）/);
    for (let p = 1; p <= n; p++) {
      const page = pageText(path, p);
      assert.ok(page.endsWith('草稿'), `page ${p} watermarked: ${page.slice(-40)}`);
      assert.ok(page.includes(`第${p}页/共${n}页`), `page ${p} numbered`);
    }
    assert.equal(qrOf(path), `${PUBLIC_URL}/applications/${mine.id}`);
  });

  test('the longest form there may be (every text at its maximum, 50 honors) goes on over pages, nothing lost', async () => {
    const long = (max, tag) => {
      let s = '';
      for (let i = 1; s.length < max; i++) s += `${tag}${i}】科普教育。`;
      return s.slice(0, max);
    };
    const honors = Array.from({ length: 50 }, (_, i) => ({ title: `〔荣誉${i + 1}〕${'称号'.repeat(95)}`, issuer: '科'.repeat(200), date: '2020-01-01' }));
    const form = { ...FORM, profile: long(2000, '【甲'), work_summary: long(5000, '【乙'), conditions: long(3000, '【丙'), plan: long(3000, '【丁'), honors };
    const big = await applicant(recA, '超长申报单位'.repeat(10));
    await fill(big, form);
    const path = await save(await get(big.session, `/applications/${big.id}/form.pdf`));
    const n = pages(path);
    assert.ok(n >= 8, `${n} pages`);
    let all = '';
    for (let p = 1; p <= n; p++) {
      const page = pageText(path, p);
      assert.ok(page.endsWith('草稿'), `page ${p} watermarked`);
      const foot = `第${p}页/共${n}页`;
      assert.ok(page.includes(foot), `page ${p} numbered`);
      all += page.slice(page.indexOf(foot) + foot.length, -'草稿'.length);    // the content between the page's chrome and its watermark
    }
    for (const [key, tag] of [['profile', '【甲'], ['work_summary', '【乙'], ['conditions', '【丙'], ['plan', '【丁']]) {
      const markers = form[key].match(new RegExp(`${tag}\\d+】`, 'g'));
      for (const m of markers) assert.equal(all.split(m).length - 1, 1, `${m} once`);
    }
    for (let i = 1; i <= 50; i++) assert.equal(all.split(`〔荣誉${i}〕`).length - 1, 1, `honor ${i} once`);
    assert.ok(all.includes('单位负责人签字'));
  });

  test('its recommender, the admin and an assigned expert read it, each with a QR code of its own page', async () => {
    for (const [session, path] of [[recA.session, `/review/${mine.id}`], [admin, `/admin/applications/${mine.id}`]]) {
      const res = await get(session, `/applications/${mine.id}/form.pdf`);
      assert.equal(res.status, 200);
      assert.equal(qrOf(await save(res)), PUBLIC_URL + path);
    }
    const expert = await makeExpert(db, 'docs1');
    await db.psqlAs(config.dbUser, `
      INSERT INTO assignment_rounds (batch_id, seed, per_application, made_by)
        VALUES (${batch.id}, repeat('a', 64), 1, (SELECT id FROM users WHERE username = 'admin'));
      INSERT INTO assignments (batch_id, application_id, expert_id) VALUES (${batch.id}, ${mine.id}, ${expert.id})`);
    const res = await get(expert.session, `/applications/${mine.id}/form.pdf`);
    assert.equal(res.status, 200);
    assert.equal(qrOf(await save(res)), `${PUBLIC_URL}/assignments`);
    await expectProblem(await get(expert.session, `/applications/${other.id}/form.pdf`), 404, 'not_found');
  });

  test('anyone else: 404 as for no application; no session: 401; ids out of range: 404', async () => {
    await expectProblem(await get(other.session, `/applications/${mine.id}/form.pdf`), 404, 'not_found');
    await expectProblem(await get(theirs.session, `/applications/${mine.id}/form.pdf`), 404, 'not_found');
    await expectProblem(await get(recB.session, `/applications/${mine.id}/form.pdf`), 404, 'not_found');
    await expectProblem(await anonymous(k.url)('GET', `/applications/${mine.id}/form.pdf`), 401, 'unauthenticated');
    for (const id of ['0', '-1', '99999999999999999999', '9223372036854775807', '1e3', 'abc', '%00']) {
      await expectProblem(await get(admin, `/applications/${id}/form.pdf`), 404, 'not_found');
      await expectProblem(await get(admin, `/applications/${id}/receipt.pdf`), 404, 'not_found');
    }
  });
});

describe('GET /applications/{id}/receipt.pdf, and the form once submitted', () => {
  let submitted, attachment;
  test('before it is submitted: 409 invalid_state (to its readers; 404 to others)', async () => {
    await expectProblem(await get(mine.session, `/applications/${mine.id}/receipt.pdf`), 409, 'invalid_state');
    await expectProblem(await get(recA.session, `/applications/${mine.id}/receipt.pdf`), 409, 'invalid_state');
    await expectProblem(await get(other.session, `/applications/${mine.id}/receipt.pdf`), 404, 'not_found');
  });

  test('submitted: the receipt says what, when (Beijing time), which version; no watermark', async () => {
    attachment = await upload(mine);
    submitted = await json(await mine.session.api('POST', `/applications/${mine.id}/submit`));
    assert.equal(attachment.sha256, createHash('sha256').update(PDF).digest('hex'));
    for (const session of [mine.session, recA.session, admin]) {
      const res = await get(session, `/applications/${mine.id}/receipt.pdf`);
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('content-disposition'),
        `inline; filename*=UTF-8''${encodeURIComponent(`回执-${number(mine)}.pdf`)}`);
      const path = await save(res);
      const t = allText(path);
      for (const fact of ['全国科普教育基地申报回执', number(mine), '北京自然博物馆', '北京自然博物馆科普基地',
        batch.code, batch.title, '中国自然科学博物馆学会', beijing(submitted.submitted_at), `第${submitted.version}版`,
        '申报表（盖章）.pdf', attachment.sha256, '申报表扫描件', '第1页/共1页']) {
        assert.ok(t.includes(squeeze(fact)), `${fact} in:\n${t}`);
      }
      assert.ok(!t.includes('草稿'), 'no watermark');
    }
    const path = await save(await get(mine.session, `/applications/${mine.id}/receipt.pdf`));
    assert.equal(qrOf(path), `${PUBLIC_URL}/applications/${mine.id}`);
    const form = await save(await get(mine.session, `/applications/${mine.id}/form.pdf`));
    const t = allText(form);
    assert.ok(!t.includes('草稿'), 'a submitted form has no watermark');
    assert.ok(t.includes(squeeze(beijing(submitted.submitted_at))), 'its submission time in Beijing time');
  });

  test('returned: a draft again (watermark, no receipt); resubmitted: a receipt of the new version', async () => {
    await json(await recA.session.api('POST', `/applications/${mine.id}/return`, { reason: '请补充材料' }));
    await expectProblem(await get(mine.session, `/applications/${mine.id}/receipt.pdf`), 409, 'invalid_state');
    const path = await save(await get(mine.session, `/applications/${mine.id}/form.pdf`));
    assert.ok(pageText(path, 1).endsWith('草稿'));
    assert.ok(allText(path).includes('请补充材料'), 'the return reason');
    const again = await json(await mine.session.api('POST', `/applications/${mine.id}/submit`));
    const receipt = allText(await save(await get(mine.session, `/applications/${mine.id}/receipt.pdf`)));
    assert.ok(receipt.includes(`第${again.version}版`));
  });
});

describe('GET /batches/{id}/recommendation-sheet.pdf and .csv', () => {
  let recommended;
  before(async () => {
    recommended = await json(await recA.session.api('POST', `/applications/${mine.id}/recommend`, { opinion: '=HYPERLINK("x") 该馆科普工作扎实，同意推荐。' }));
  });

  test('the recommender\'s own: its applications with opinions, quota used/total, Beijing times, space for its seal', async () => {
    const res = await get(recA.session, `/batches/${batch.id}/recommendation-sheet.pdf`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/pdf');
    assert.equal(res.headers.get('content-disposition'),
      `inline; filename*=UTF-8''${encodeURIComponent(`推荐汇总表-${batch.code}-${beijingDate()}.pdf`)}`);
    const path = await save(res);
    const t = allText(path);
    for (const fact of ['全国科普教育基地推荐汇总表', '中国自然科学博物馆学会', batch.code, batch.title,
      '已推荐1个/名额2个', number(mine), '北京自然博物馆', '北京自然博物馆科普基地', '科技场馆类', '北京市',
      beijing(recommended.recommended_at), '该馆科普工作扎实，同意推荐。', '推荐单位盖章', '负责人签字', '第1页/共1页']) {
      assert.ok(t.includes(squeeze(fact)), `${fact} in:\n${t}`);
    }
    assert.ok(!t.includes('上海科技馆'), 'not recommended: not on the sheet');
    assert.ok(!t.includes('广东科学中心'), 'another recommender\'s: not on the sheet');
  });

  test('CSV: BOM, the same rows, formulas neutralised, a file name with the batch code and the date', async () => {
    const res = await get(recA.session, `/batches/${batch.id}/recommendation-sheet.csv`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'text/csv; charset=utf-8');
    assert.equal(res.headers.get('content-disposition'),
      `attachment; filename*=UTF-8''${encodeURIComponent(`推荐汇总表-${batch.code}-${beijingDate()}.csv`)}`);
    const bytes = Buffer.from(await res.arrayBuffer());
    assert.deepEqual([...bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf]);
    const lines = bytes.subarray(3).toString('utf8').split('\r\n');
    assert.equal(lines[0], '"序号","申报编号","申报单位","基地名称","类别","所在地区","推荐时间","推荐意见"');
    assert.equal(lines[1], `"1","${number(mine)}","北京自然博物馆","北京自然博物馆科普基地","科技场馆类","北京市",`
      + `"${beijing(recommended.recommended_at)}","'=HYPERLINK(""x"") 该馆科普工作扎实，同意推荐。"`);
    assert.equal(lines[2], '');
    assert.equal(lines.length, 3);
  });

  test('the admin names the recommender: missing → 422 recommender_id, not a number → 422, unknown → 404', async () => {
    const ok = await get(admin, `/batches/${batch.id}/recommendation-sheet.csv?recommender_id=${recA.id}`);
    assert.equal(ok.status, 200);
    assert.ok((await ok.text()).includes(number(mine)));
    const pdf = await get(admin, `/batches/${batch.id}/recommendation-sheet.pdf?recommender_id=${recA.id}`);
    assert.equal(pdf.status, 200);
    assert.ok(allText(await save(pdf)).includes(number(mine)));
    for (const ext of ['pdf', 'csv']) {
      let p = await expectProblem(await get(admin, `/batches/${batch.id}/recommendation-sheet.${ext}`), 422, 'validation');
      assert.deepEqual(p.errors.map((e) => [e.field, e.code]), [['recommender_id', 'required']]);
      for (const bad of ['abc', '0', '-1', '', '1e3', '99999999999999999999']) {
        p = await expectProblem(await get(admin, `/batches/${batch.id}/recommendation-sheet.${ext}?recommender_id=${encodeURIComponent(bad)}`), 422, 'validation');
        assert.deepEqual(p.errors.map((e) => e.field), ['recommender_id']);
      }
      await expectProblem(await get(admin, `/batches/${batch.id}/recommendation-sheet.${ext}?recommender_id=999999`), 404, 'not_found');
      await expectProblem(await get(admin, `/batches/999999/recommendation-sheet.${ext}?recommender_id=${recA.id}`), 404, 'not_found');
    }
  });

  test('another recommender gets its own (empty) sheet, never the other\'s; applicants and experts 403; no session 401; hidden batches 404', async () => {
    const empty = allText(await save(await get(recB.session, `/batches/${batch.id}/recommendation-sheet.pdf`)));
    assert.ok(empty.includes('尚未推荐申报') && empty.includes('已推荐0个/名额0个'), empty);
    assert.ok(!empty.includes(number(mine)));
    const csv = await (await get(recB.session, `/batches/${batch.id}/recommendation-sheet.csv`)).text();
    assert.equal(csv.split('\r\n').length, 2, 'the header only');
    for (const ext of ['pdf', 'csv']) {
      await expectProblem(await get(recB.session, `/batches/${batch.id}/recommendation-sheet.${ext}?recommender_id=${recA.id}`), 404, 'not_found');
      await expectProblem(await get(mine.session, `/batches/${batch.id}/recommendation-sheet.${ext}`), 403, 'forbidden');
      await expectProblem(await anonymous(k.url)('GET', `/batches/${batch.id}/recommendation-sheet.${ext}`), 401, 'unauthenticated');
      for (const id of ['0', '99999999999999999999', 'abc', '999999'])
        await expectProblem(await get(recA.session, `/batches/${id}/recommendation-sheet.${ext}`), 404, 'not_found');
    }
    const draft = await makeBatch(admin);
    await expectProblem(await get(recA.session, `/batches/${draft.id}/recommendation-sheet.pdf`), 404, 'not_found');
    assert.equal((await get(admin, `/batches/${draft.id}/recommendation-sheet.csv?recommender_id=${recA.id}`)).status, 200,
      'the admin sees its own draft batches');
    const expert = await makeExpert(db, 'docs2');
    await expectProblem(await get(expert.session, `/batches/${batch.id}/recommendation-sheet.pdf`), 403, 'forbidden');
  });
});

// An expert made by the admin, its first password changed: { id, session }.
async function makeExpert(_db, n) {
  const made = await json(await admin.api('POST', '/experts', {
    name: `专家${n}`, username: `expert${n}`, organization: `某大学${n}`, field: '科学传播',
  }), 201);
  const first = await signIn(k.url, `expert${n}`, made.initial_password);
  await json(await first.api('PUT', '/session/password', { current_password: made.initial_password, new_password: `expert pass ${n}!` }));
  return { id: made.expert.id, session: await signIn(k.url, `expert${n}`, `expert pass ${n}!`) };
}
