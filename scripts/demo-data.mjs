#!/usr/bin/env node
// Demo data for `./dev run`, made through the API of the running kpjdd the
// way people would make it: an admin (kpjdd create-admin), an open batch
// 2021-2025年度第一批 with future deadlines, recommenders of each kind with
// quotas, a contact form, a few unused invitation codes, and applications of
// registered units in every status: draft, submitted, returned, recommended,
// not recommended, and (in a supplementary round already in evaluation)
// expired.  Prints the demo logins.  Run again, it adds nothing and prints them again from
// var/demo-logins.txt.
//
// Environment: KPJD_URL (http://127.0.0.1:8080), KPJD_BIN (build/kpjdd),
// KPJD_DB_CONNINFO and the other KPJD_* settings kpjdd create-admin needs.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const url = process.env.KPJD_URL || 'http://127.0.0.1:8080';
const bin = process.env.KPJD_BIN || join(root, 'build', 'kpjdd');
const loginsFile = join(root, 'var', 'demo-logins.txt');

const DAY = 86400e3;
const ALPHABET = '23456789abcdefghjkmnpqrstuvwxyzABCDEFGHJKMNPQRSTUVWXYZ';   // no look-alikes
const password = () => Array.from(randomBytes(16), (b) => ALPHABET[b % ALPHABET.length]).join('');
const rfc3339 = (ms) => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');

async function call(method, path, body, token) {
  const res = await fetch(`${url}/api/v1${path}`, {
    method,
    headers: { ...(body ? { 'content-type': 'application/json' } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

const signIn = async (username, pw) => (await call('POST', '/session', { username, password: pw })).token;

function print() {
  console.log(`demo logins (${url}/login):`);
  console.log(readFileSync(loginsFile, 'utf8').trimEnd());
  console.log('  (a password changed since then is the one you chose)');
}

if (existsSync(loginsFile)) {
  print();
  process.exit(0);
}

const adminPassword = password();
const made = spawnSync(bin, ['-c', join(root, 'conf', 'kpjd.conf'), 'create-admin', 'admin'],
  { input: `${adminPassword}\n`, encoding: 'utf8' });
if (made.status !== 0) {
  console.log('demo data: skipped (admin exists already; its password is not known here)');
  process.exit(0);
}
const lines = [`  管理员               admin / ${adminPassword}`];
const admin = await signIn('admin', adminPassword);

const now = Date.now();
const batch = await call('POST', '/batches', {
  code: '2021-2025-1', title: '2021-2025年度第一批', term_start_year: 2021, term_end_year: 2025,
  contact_deadline: rfc3339(now + 20 * DAY), recommend_deadline: rfc3339(now + 45 * DAY),
}, admin);
await call('PATCH', `/batches/${batch.id}`, { status: 'open' }, admin);

const recommenders = [
  { name: '北京市科学技术协会', kind: 'provincial_cast', region: '北京市', username: 'bjkx', quota: 10 },
  { name: '广东省科学技术协会', kind: 'provincial_cast', region: '广东省', username: 'gdkx', quota: 8 },
  { name: '中国动物学会', kind: 'national_society', username: 'dongwu', quota: 3 },
  { name: '农业农村部科技教育司', kind: 'outline_office', username: 'nyncb', quota: 5 },
];
for (const r of recommenders) {
  const made = await call('POST', '/recommenders', { name: r.name, kind: r.kind, region: r.region, username: r.username }, admin);
  r.id = made.recommender.id;
  r.password = made.initial_password;
}
await call('PUT', `/batches/${batch.id}/quotas`,
  { quotas: recommenders.map((r) => ({ recommender_id: r.id, quota: r.quota })) }, admin);

// 北京市科协 has logged in (its own password now), filed its contact form and
// made invitation codes; the others still hold their initial passwords.
const bj = recommenders[0];
const bjPassword = password();
// the change ends the session it was made in and answers a new one
const bjToken = (await call('PUT', '/session/password', { current_password: bj.password, new_password: bjPassword },
  await signIn(bj.username, bj.password))).token;
bj.password = bjPassword;
await call('PUT', `/batches/${batch.id}/contact`, {
  name: '王晓明', department: '科普部', position: '副部长', office_phone: '010-68571234',
  mobile: '13800138000', email: 'kepu@bast.example.cn', address: '北京市海淀区复兴路 3 号',
}, bjToken);
const codes = (await call('POST', `/batches/${batch.id}/invitations`, { count: 3 }, bjToken)).items;

// ---- applications, through the same steps as in the browser ----

const credit = (n) => {          // GB 32100-2015: 17 characters and a check character
  const A = '0123456789ABCDEFGHJKLMNPQRTUWXY', w = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
  const body = `91110108${String(n).padStart(8, '0')}X`.slice(0, 17);
  const sum = [...body].reduce((t, c, i) => t + A.indexOf(c) * w[i], 0);
  return body + A[(31 - (sum % 31)) % 31];
};
const pdf = Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n' +
  '2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n');

async function upload(token, appId, name) {
  const res = await fetch(`${url}/api/v1/applications/${appId}/attachments?kind=application_form`, {
    method: 'POST', body: pdf,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/pdf',
               'content-disposition': `attachment; filename*=UTF-8''${encodeURIComponent(name)}` },
  });
  if (!res.ok) throw new Error(`upload: ${res.status} ${await res.text()}`);
}

const units = [
  { name: '北京天文馆', base: '北京天文馆科普教育基地', category: 'venue', address: '北京市西城区西直门外大街138号',
    to: 'recommended', text: '该馆常年面向公众开放，天象厅与天文科普活动影响广泛，同意推荐。' },
  { name: '中国科学院植物研究所', base: '国家植物园（北园）科普教育基地', category: 'natural_resources',
    address: '北京市海淀区香山南辛村20号', to: 'submitted' },
  { name: '北京市农林科学院', base: '北京农业科技示范园', category: 'agriculture', address: '北京市海淀区曙光花园中路9号',
    to: 'returned', text: '请补充近三年科普活动的照片等证明材料，并核对年接待人次。' },
  { name: '北京汽车博物馆', base: '北京汽车博物馆', category: 'venue', address: '北京市丰台区南四环西路126号',
    to: 'not_recommended', text: '本年度推荐名额有限，建议完善科普展教内容后下一批次再申报。' },
  { name: '北京某科技有限公司', base: '人工智能科普体验中心', category: 'enterprise', address: '北京市海淀区西二旗',
    to: 'draft' },
];
const form = (u) => ({
  staff_fulltime: 12, staff_parttime: 30, volunteers: 260, open_days_per_year: 310, annual_visitors: 850000,
  venue_area_m2: 15000, annual_funding_wan: 620.5, activities_last3y: 180,
  profile: `${u.name}是面向公众开放的科普场所，长期开展青少年科学教育与公众科普活动。`,
  work_summary: '近三年累计举办科普讲座、展览和研学活动一百八十余场，线上科普内容阅读量逾千万次。',
  conditions: '拥有专职科普队伍和稳定的科普经费，科普场地设施完善，建立了科普工作管理制度。',
  plan: '三年内更新常设展览，扩大科普志愿者队伍，与周边中小学共建科学教育实践基地。',
  honors: [{ title: '北京市科普基地', issuer: '北京市科学技术委员会', date: '2019-05-20' }],
});
const unitCodes = (await call('POST', `/batches/${batch.id}/invitations`, { count: units.length }, bjToken)).items;
const applicantLines = [];
for (const [i, u] of units.entries()) {
  const username = `unit${i + 1}`, pw = password();
  const made = await call('POST', '/applicants', {
    invitation_code: unitCodes[i].code, username, password: pw,
    unit: { name: u.name, credit_code: credit(1000 + i), region: '北京市', address: u.address,
            legal_representative: '张明', supervising_body: '北京市科学技术协会',
            contact_name: '李华', contact_phone: '010-6851' + String(1000 + i), contact_email: `kepu${i + 1}@example.cn` },
  });
  const token = await signIn(username, pw);
  const id = made.application.id;
  applicantLines.push(`  申报单位 ${u.name.padEnd(10, '\u3000')} ${username} / ${pw}`);
  await call('PATCH', `/applications/${id}`, { base_name: u.base, category: u.category,
    form: u.to === 'draft' ? { profile: form(u).profile } : form(u) }, token);
  if (u.to === 'draft')
    continue;
  await upload(token, id, `${u.name}申报表（盖章）.pdf`);
  await call('POST', `/applications/${id}/submit`, null, token);
  if (u.to === 'recommended')
    await call('POST', `/applications/${id}/recommend`, { opinion: u.text }, bjToken);
  else if (u.to === 'returned')
    await call('POST', `/applications/${id}/return`, { reason: u.text }, bjToken);
  else if (u.to === 'not_recommended')
    await call('POST', `/applications/${id}/decline`, { reason: u.text }, bjToken);
}

// A supplementary round already in evaluation: what was not submitted expired.
const late = await call('POST', '/batches', {
  code: '2021-2025-1S', title: '2021-2025年度第一批补充认定', term_start_year: 2021, term_end_year: 2025,
  contact_deadline: rfc3339(now + 5 * DAY), recommend_deadline: rfc3339(now + 10 * DAY),
}, admin);
await call('PATCH', `/batches/${late.id}`, { status: 'open' }, admin);
const lateCode = (await call('POST', `/batches/${late.id}/invitations`, { count: 1 }, bjToken)).items[0];
const latePw = password();
await call('POST', '/applicants', {
  invitation_code: lateCode.code, username: 'unit6', password: latePw,
  unit: { name: '北京自然博物馆', credit_code: credit(2000), region: '北京市', address: '北京市东城区天桥南大街126号',
          legal_representative: '王强', supervising_body: '北京市科学技术协会', contact_name: '赵敏',
          contact_phone: '010-67024431', contact_email: 'kepu6@example.cn' },
});
applicantLines.push(`  申报单位 ${'北京自然博物馆'.padEnd(10, '\u3000')} unit6 / ${latePw}  (补充认定批次，已逾期)`);
await call('PATCH', `/batches/${late.id}`, { status: 'evaluating' }, admin);

for (const r of recommenders)
  lines.push(`  推荐单位 ${r.name.padEnd(10, '\u3000')} ${r.username} / ${r.password}${r === bj ? '' : '  (首次登录需修改密码)'}`);
lines.push(...applicantLines);
lines.push(`  北京市科协的申报邀请码: ${codes.map((c) => c.display).join('  ')}  (注册: ${url}/register)`);
mkdirSync(dirname(loginsFile), { recursive: true });
writeFileSync(loginsFile, lines.join('\n') + '\n', { mode: 0o600 });
print();
