// Certificates as PDF: GET /bases/{id}/certificate.pdf (the admin, the
// base's own applicant; anyone else 404, no session 401) and
// GET /batches/{id}/certificates.pdf (the admin: one page per base, in
// certificate-number order, across the handler's blocks of 100).  The
// answers are read back with poppler (pdfinfo, pdftotext, pdftoppm) and
// zbarimg, as a person or a print shop would.  Most bases are written here
// in SQL, with certificate numbers given against the order of their ids, so
// that the order of the pages is the numbers' and not the rows'; one batch
// is named through POST /batches/{id}/naming, as in production.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { config, createDatabase, startKpjdd } from '../lib/kpjdd.js';
import { expectProblem } from '../lib/http.js';
import { createAdmin, createUser, signIn } from '../lib/accounts.js';
import { makeApplication, makeBatch, makeRecommender } from '../lib/fixtures.js';
import { endWindow, keygen, publicityBatch } from '../lib/naming.js';

const PUBLIC_URL = 'https://kpjd.example.cn/';     // the trailing slash is dropped
const KEY_ID = '0123456789abcdef';
let db, k, admin, rec, dir;
let small;      // { batch, bases: [{ id, no, name, unit, username, password }] }
let big;        // a batch of 200 bases: two full blocks

function tool(cmd, args) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 120000 });
  assert.equal(r.status, 0, `${cmd} ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

// The answer's body in a file; its path.
let files = 0;
async function save(res) {
  const path = join(dir, `answer-${++files}.pdf`);
  writeFileSync(path, Buffer.from(await res.arrayBuffer()));
  return path;
}

// 2021-11-10 → 二〇二一年十一月十日, as certificates write dates.
const DIGITS = '〇一二三四五六七八九';
const spoken = (n) => (n < 10 ? DIGITS[n] : `${n >= 20 ? DIGITS[Math.floor(n / 10)] : ''}十${n % 10 ? DIGITS[n % 10] : ''}`);
const chineseDate = (iso) => {
  const [y, m, d] = iso.split('-');
  return `${[...y].map((c) => DIGITS[c]).join('')}年${spoken(Number(m))}月${spoken(Number(d))}日`;
};

const pages = (path) => Number(/^Pages:\s+(\d+)$/m.exec(tool('pdfinfo', [path]))[1]);
const text = (path, page) => tool('pdftotext', ['-enc', 'UTF-8',
  ...(page ? ['-f', String(page), '-l', String(page)] : []), path, '-']);

// Bases for the applications of `batch` (ids), numbered KPJD-2021-<from>...
// in the reverse order of the ids; they are inserted in id order.
async function insertBases(batchId, from) {
  await db.psqlAs(config.dbUser, `
    INSERT INTO bases (certificate_no, batch_id, application_id, applicant_id, name, unit_name,
                       credit_code, region_code, category, recommender_id, term_start_year,
                       term_end_year, named_on, payload_canonical, signature, key_id)
    SELECT 'KPJD-2021-' || lpad((${from} - 1 + row_number() OVER (ORDER BY a.id DESC))::text, 6, '0'),
           a.batch_id, a.id, a.applicant_id, u.name || '科普教育基地', u.name, a.credit_code,
           u.region_code, 'venue', a.recommender_id, 2021, 2025, '2021-11-10', '{}', 'x', '${KEY_ID}'
      FROM applications a JOIN applicant_units u ON u.id = a.applicant_id
     WHERE a.batch_id = ${batchId}
     ORDER BY a.id`);
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kpjd-certificates-'));
  db = await createDatabase();
  k = await startKpjdd({ db, migrate: true, env: { KPJD_WEB_PUBLIC_URL: PUBLIC_URL } });
  createAdmin(db);
  admin = await signIn(k.url, 'admin');
  rec = await makeRecommender(k.url, admin);
  await db.psqlAs(config.dbUser, `INSERT INTO signing_keys (key_id, public_key)
                             VALUES ('${KEY_ID}', decode(repeat('ab', 32), 'hex'))`);

  const batch = await makeBatch(admin, { status: 'open' });
  const regs = [];
  for (let i = 0; i < 3; i++) regs.push(await makeApplication(k.url, rec.session, batch.id));
  await insertBases(batch.id, 1);
  const rows = await db.psql(`SELECT b.id, b.certificate_no, b.name, b.unit_name, b.application_id
                                FROM bases b WHERE b.batch_id = ${batch.id} ORDER BY b.certificate_no`);
  const bases = rows.split('\n').map((line) => {
    const [id, no, name, unit, app] = line.split('|');
    const reg = regs.find((r) => String(r.application.id) === app);
    return { id: Number(id), no, name, unit, username: reg.username, password: reg.password };
  });
  small = { batch, bases };

  // 200 more in a batch of their own, straight in SQL: two full blocks
  const b2 = await makeBatch(admin, { status: 'open' });
  await db.psqlAs(config.dbUser, `
    WITH units AS (
      INSERT INTO applicant_units (name, credit_code, region_code, address, legal_representative,
                                   supervising_body, contact_name, contact_phone, contact_email)
      SELECT '第' || i || '号科技馆', '91110108' || lpad(i::text, 9, '0') || '0', 110000, '北京市海淀区',
             '张三', '北京市科协', '李四', '010-68571234', 'c' || i || '@example.cn'
        FROM generate_series(1, 200) i
      RETURNING id, credit_code)
    INSERT INTO applications (batch_id, recommender_id, applicant_id, credit_code, status)
    SELECT ${b2.id}, ${rec.id}, id, credit_code, 'named' FROM units`);
  await insertBases(b2.id, 4);
  big = { batch: b2 };
});

after(async () => {
  await k?.stop();
  await db?.drop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('GET /bases/{id}/certificate.pdf', () => {
  test('the admin gets the certificate: A4 landscape, the facts as text, the QR code of its verify page', async () => {
    const base = small.bases[1];
    const res = await admin.api('GET', `/bases/${base.id}/certificate.pdf`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/pdf');
    assert.equal(res.headers.get('content-disposition'), `inline; filename="${base.no}.pdf"`);
    assert.equal(res.headers.get('transfer-encoding'), 'chunked', 'streamed, not sized first');
    assert.equal(res.headers.get('cache-control'), 'no-store');
    const path = await save(res);
    const info = tool('pdfinfo', [path]);
    assert.match(info, /^Pages:\s+1$/m);
    assert.match(info, /^Page size:\s+841\.89 x 595\.276 pts \(A4\)$/m);
    const t = text(path);
    for (const fact of ['全国科普教育基地', base.name, base.unit, base.no, '2021—2025年',
      '中国科学技术协会', '二〇二一年十一月十日']) {
      assert.ok(t.includes(fact), `${fact} in:\n${t}`);
    }
    tool('pdftoppm', ['-png', '-r', '150', path, join(dir, 'qr')]);
    const qr = tool('zbarimg', ['-q', '--raw', join(dir, 'qr-1.png')]);
    assert.equal(qr, `https://kpjd.example.cn/verify/${base.no}\n`);
  });

  test('the base\'s own applicant gets it; another applicant, a stranger id: 404; no session: 401', async () => {
    const [mine, theirs] = small.bases;
    const applicant = await signIn(k.url, mine.username, mine.password);
    const res = await applicant.api('GET', `/bases/${mine.id}/certificate.pdf`);
    assert.equal(res.status, 200);
    assert.ok(text(await save(res)).includes(mine.no));
    await expectProblem(await applicant.api('GET', `/bases/${theirs.id}/certificate.pdf`), 404, 'not_found');
    await expectProblem(await admin.api('GET', '/bases/999999/certificate.pdf'), 404, 'not_found');
    await expectProblem(await admin.api('GET', '/bases/x/certificate.pdf'), 404, 'not_found');
    await expectProblem(await fetch(`${k.url}/api/v1/bases/${mine.id}/certificate.pdf`), 401, 'unauthenticated');
  });

  test('other roles are refused by the route', async () => {
    await expectProblem(await rec.session.api('GET', `/bases/${small.bases[0].id}/certificate.pdf`), 403, 'forbidden');
    await createUser(db, { username: 'expert1', role: 'expert' });
    const expert = await signIn(k.url, 'expert1');
    await expectProblem(await expert.api('GET', `/bases/${small.bases[0].id}/certificate.pdf`), 403, 'forbidden');
  });
});

describe('GET /batches/{id}/certificates.pdf', () => {
  test('one page per base, in certificate-number order', async () => {
    const res = await admin.api('GET', `/batches/${small.batch.id}/certificates.pdf`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/pdf');
    assert.equal(res.headers.get('content-disposition'),
      `attachment; filename="batch-${small.batch.id}-certificates.pdf"`);
    const path = await save(res);
    assert.equal(pages(path), 3);
    for (let i = 0; i < 3; i++) {
      const t = text(path, i + 1);
      assert.ok(t.includes(small.bases[i].no) && t.includes(small.bases[i].name), `page ${i + 1}:\n${t}`);
    }
  });

  test('200 bases: two full blocks of the keyset, every page once, in order', async () => {
    const res = await admin.api('GET', `/batches/${big.batch.id}/certificates.pdf`);
    assert.equal(res.status, 200);
    const path = await save(res);
    assert.equal(pages(path), 200);
    const all = text(path);
    const numbers = all.match(/KPJD-2021-\d{6}/g);
    const expected = Array.from({ length: 200 }, (_, i) => `KPJD-2021-${String(i + 4).padStart(6, '0')}`);
    assert.deepEqual(numbers, expected);
    // the numbers run against the ids: the first page is the last id's base
    assert.ok(text(path, 1).includes('第200号科技馆'));
    assert.ok(text(path, 200).includes('第1号科技馆'));
  });

  test('a batch without bases: 409; no such batch: 404; not the admin: 403; no session: 401', async () => {
    const empty = await makeBatch(admin);
    await expectProblem(await admin.api('GET', `/batches/${empty.id}/certificates.pdf`), 409, 'invalid_state');
    await expectProblem(await admin.api('GET', '/batches/999999/certificates.pdf'), 404, 'not_found');
    const mine = small.bases[0];
    const applicant = await signIn(k.url, mine.username, mine.password);
    await expectProblem(await applicant.api('GET', `/batches/${small.batch.id}/certificates.pdf`), 403, 'forbidden');
    await expectProblem(await fetch(`${k.url}/api/v1/batches/${small.batch.id}/certificates.pdf`), 401, 'unauthenticated');
  });
});

describe('several at once, and a reader that leaves', () => {
  test('certificates and print files rendered side by side are each whole', async () => {
    const answers = await Promise.all([
      ...small.bases.map((b) => admin.api('GET', `/bases/${b.id}/certificate.pdf`)),
      admin.api('GET', `/batches/${small.batch.id}/certificates.pdf`),
      admin.api('GET', `/batches/${big.batch.id}/certificates.pdf`),
    ]);
    const paths = [];
    for (const res of answers) {
      assert.equal(res.status, 200);
      paths.push(await save(res));
    }
    assert.deepEqual(paths.map(pages), [1, 1, 1, 3, 200]);
    small.bases.forEach((b, i) => assert.ok(text(paths[i]).includes(b.no)));
  });

  test('a client that hangs up halfway leaves kpjdd serving (and nothing leaked: stop() checks)', async () => {
    const ctl = new AbortController();
    const res = await fetch(`${k.url}/api/v1/batches/${big.batch.id}/certificates.pdf`,
      { headers: { authorization: `Bearer ${admin.token}` }, signal: ctl.signal });
    assert.equal(res.status, 200);
    const reader = res.body.getReader();
    const first = await reader.read();
    assert.ok(Buffer.from(first.value).subarray(0, 5).toString() === '%PDF-');
    ctl.abort();
    await reader.read().catch(() => {});
    const again = await admin.api('GET', `/bases/${small.bases[0].id}/certificate.pdf`);
    assert.equal(again.status, 200);
    assert.equal(pages(await save(again)), 1);
  });
});

test('a batch named through POST /batches/{id}/naming prints in the notice\'s order, the names as named', async () => {
  const key = keygen(dir, 'signing.key');
  const k3 = await startKpjdd({ db, env: { KPJD_CRYPTO_SIGNING_KEY: key.path, KPJD_WEB_PUBLIC_URL: PUBLIC_URL } });
  try {
    const a = await signIn(k3.url, 'admin');
    const { batch, notice, apps } = await publicityBatch(k3, a, rec, { count: 3, term: 2031 });
    await endWindow(db, notice);
    const today = await db.psql(`SELECT to_char((now() AT TIME ZONE 'Asia/Shanghai')::date, 'YYYY-MM-DD')`);
    const named = await a.api('POST', `/batches/${batch.id}/naming`, { named_on: today });
    const body = await named.json();
    assert.equal(named.status, 200, JSON.stringify(body));
    const res = await a.api('GET', `/batches/${batch.id}/certificates.pdf`);
    assert.equal(res.status, 200);
    const path = await save(res);
    assert.equal(pages(path), 3);
    for (let i = 0; i < 3; i++) {
      const t = text(path, i + 1).replace(/\s+/g, '');
      const no = `KPJD-2031-${String(i + 1).padStart(6, '0')}`;     // the notice's order
      for (const fact of [no, apps[i].baseName, apps[i].unitName, '2031—2035年'])
        assert.ok(t.includes(fact), `page ${i + 1}: ${fact} in ${t}`);
      assert.ok(t.includes(chineseDate(today)), `page ${i + 1}: ${chineseDate(today)} in ${t}`);
    }
  } finally {
    await k3.stop();
  }
});

test('without the Noto CJK fonts kpjdd answers 500 and says which font is missing', async () => {
  const conf = join(dir, 'no-fonts.conf');
  writeFileSync(conf, `<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig><dir>${dir}/none</dir><cachedir>${dir}/cache</cachedir></fontconfig>\n`);
  const k2 = await startKpjdd({ db, env: { FONTCONFIG_FILE: conf, KPJD_WEB_PUBLIC_URL: PUBLIC_URL } });
  try {
    const a = await signIn(k2.url, 'admin');
    await expectProblem(await a.api('GET', `/bases/${small.bases[0].id}/certificate.pdf`), 500, 'internal');
    assert.match(k2.log(), /font 'Noto Serif CJK SC' not found \(Debian package fonts-noto-cjk\)/);
  } finally {
    await k2.stop();
  }
});
