#!/usr/bin/env node
// Demo data for `./dev run`, made through the API of the running kpjdd the
// way people would make it: an admin (kpjdd create-admin), an open batch
// 2021-2025年度第一批 with future deadlines, recommenders of each kind with
// quotas, a contact form, a few unused invitation codes, and applications of
// registered units in every status: draft, submitted (one after a
// recommendation withdrawn with its reason), returned, recommended,
// not recommended, and (in a supplementary round already in evaluation)
// expired; and a batch 2016-2020年度第二批 in evaluation: two dozen recommended
// applications, their initial reviews, the on-site sample with two visits,
// eight experts with conflicts, a rubric, the assignment and some scores.
// Prints the demo logins.  Run again, it adds nothing and prints them again from
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
// 16 random characters, no two neighbours one apart in either case
// ("vW", "78"): cracklib, which kpjdd asks (libpwquality), calls a password
// with more than four such steps systematic and refuses it, 1 in 800 draws
// without this rule (none in 50,000 with it).
const password = () => {
  const low = (c) => c.toLowerCase().charCodeAt(0);
  let s = '';
  while (s.length < 16) {
    for (const b of randomBytes(32)) {
      const c = ALPHABET[b % ALPHABET.length];
      if (s.length === 16 || (s && Math.abs(low(c) - low(s[s.length - 1])) <= 1)) continue;
      s += c;
    }
  }
  return s;
};
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
    address: '北京市海淀区香山南辛村20号', to: 'submitted',
    withdrawn: { opinion: '植物科普资源丰富，同意推荐。', reason: '需核实园区改建期间的开放天数，核实后重新审核。' } },
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
  if (u.withdrawn) {   // recommended, then withdrawn with a reason: back to 待审, its history shows both
    await call('POST', `/applications/${id}/recommend`, { opinion: u.withdrawn.opinion }, bjToken);
    await call('POST', `/applications/${id}/withdraw-recommendation`, { reason: u.withdrawn.reason }, bjToken);
  }
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

// ---- a second batch in evaluation: 初评, 实地抽检, experts, rubric, scores ----
// 北京市科协 and 广东省科协 recommended two dozen units; the office has
// reviewed them (three failed), drawn the on-site sample and visited two,
// set the rubric and assigned three experts to each candidate; some experts
// have scored, some have not begun.  Seeds are fixed, so every run draws the same.

const gd = recommenders[1];
const gdPassword = password();
const gdToken = (await call('PUT', '/session/password', { current_password: gd.password, new_password: gdPassword },
  await signIn(gd.username, gd.password))).token;
gd.password = gdPassword;

const evalBatch = await call('POST', '/batches', {
  code: '2016-2020-2', title: '2016-2020年度第二批', term_start_year: 2016, term_end_year: 2020,
  contact_deadline: rfc3339(now + 1 * DAY), recommend_deadline: rfc3339(now + 2 * DAY),
}, admin);
await call('PATCH', `/batches/${evalBatch.id}`, { status: 'open' }, admin);
await call('PUT', `/batches/${evalBatch.id}/quotas`,
  { quotas: [{ recommender_id: bj.id, quota: 15 }, { recommender_id: gd.id, quota: 10 }] }, admin);

const evalUnits = [
  ...[
    ['中国古动物馆', '中国古动物馆', 'venue'], ['北京麋鹿生态实验中心', '北京南海子麋鹿苑', 'natural_resources'],
    ['北京科学中心', '北京科学中心', 'venue'], ['中国农业博物馆', '中国农业博物馆', 'agriculture'],
    ['北京航空航天大学', '北京航空航天博物馆', 'education_research'], ['北京市气象局', '北京气象科普馆', 'other'],
    ['北京城市排水集团有限责任公司', '北京排水科普馆', 'enterprise'], ['国家动物博物馆', '国家动物博物馆', 'venue'],
    ['中国铁道博物馆', '中国铁道博物馆', 'venue'], ['北京野生动物园', '北京野生动物园', 'natural_resources'],
    ['中国电影博物馆', '中国电影博物馆', 'other'], ['北京市农业技术推广站', '北京现代农业科技示范基地', 'agriculture'],
    ['清华大学', '清华大学科学博物馆', 'education_research'], ['北京市地震局', '北京地震科普馆', 'other'],
  ].map(([name, base, category]) => ({ name, base, category, region: '北京市', by: bj, token: bjToken })),
  ...[
    ['广东科学中心', '广东科学中心', 'venue'], ['广东省博物馆', '广东省博物馆', 'venue'],
    ['中国科学院华南植物园', '华南国家植物园', 'natural_resources'], ['广州动物园', '广州动物园', 'natural_resources'],
    ['深圳市气象局', '深圳气象科普馆', 'other'], ['广东省农业科学院', '广东农业科技示范园', 'agriculture'],
    ['深圳某智能科技有限公司', '智能机器人科普体验馆', 'enterprise'], ['中山大学', '中山大学生物博物馆', 'education_research'],
    ['广东海洋大学', '广东海洋大学水产博物馆', 'education_research'], ['佛山市科学技术馆', '佛山市科学技术馆', 'venue'],
  ].map(([name, base, category]) => ({ name, base, category, region: '广东省', by: gd, token: gdToken })),
];
const supervising = { '北京市': '北京市科学技术协会', '广东省': '广东省科学技术协会' };

// Registration shares a per-address limit with code lookups (30 a minute by
// default): two dozen fit; should they not, wait as told and go on.
async function register(body) {
  for (;;) {
    const res = await fetch(`${url}/api/v1/applicants`,
      { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const text = await res.text();
    if (res.status === 429) {
      await new Promise((done) => setTimeout(done, 1000 * Number(res.headers.get('retry-after') || 5)));
      continue;
    }
    if (!res.ok) throw new Error(`POST /applicants: ${res.status} ${text}`);
    return JSON.parse(text);
  }
}

for (const [by, count] of [[bj, 14], [gd, 10]]) {
  const items = (await call('POST', `/batches/${evalBatch.id}/invitations`, { count }, by === bj ? bjToken : gdToken)).items;
  for (const u of evalUnits.filter((u) => u.by === by))
    u.code = items.pop().code;
}
// Registered one by one, so that the ids (and so the seeded draws) come out
// the same on every machine; the rest, mostly password hashing, side by side.
const filed = [];
for (const [i, u] of evalUnits.entries()) {
  const username = `unit${101 + i}`, pw = password();
  const made = await register({
    invitation_code: u.code, username, password: pw,
    unit: { name: u.name, credit_code: credit(3000 + i), region: u.region, address: `${u.region}科普路${i + 1}号`,
            legal_representative: '陈刚', supervising_body: supervising[u.region],
            contact_name: '周雯', contact_phone: '020-8888' + String(1000 + i), contact_email: `unit${101 + i}@example.cn` },
  });
  u.id = made.application.id;
  filed.push((async () => {
    const token = await signIn(username, pw);
    await call('PATCH', `/applications/${u.id}`, { base_name: u.base, category: u.category, form: form(u) }, token);
    await upload(token, u.id, `${u.name}申报表（盖章）.pdf`);
    await call('POST', `/applications/${u.id}/submit`, null, token);
    await call('POST', `/applications/${u.id}/recommend`,
      { opinion: `${u.name}科普工作扎实，社会影响良好，同意推荐。` }, u.token);
  })());
}
await Promise.all(filed);
await call('PATCH', `/batches/${evalBatch.id}`, { status: 'evaluating' }, admin);

// 初评: all pass but three.
const failed = new Map([
  [evalUnits[6].id, '申报表未加盖单位公章，科普场地面积与证明材料不符。'],
  [evalUnits[11].id, '近三年科普活动记录不完整，年接待人次缺少佐证。'],
  [evalUnits[20].id, '科普场所不具备常年对公众开放的条件。'],
]);
await call('POST', `/batches/${evalBatch.id}/initial-review`, {
  items: evalUnits.map((u) => failed.has(u.id)
    ? { application_id: u.id, result: 'fail', comments: failed.get(u.id) }
    : { application_id: u.id, result: 'pass' }),
}, admin);

// 实地抽检: a fifth of those passed, two of them visited (one failed).
const sample = await call('POST', `/batches/${evalBatch.id}/onsite-sample`,
  { rate: 0.2, seed: '6b706a642d64656d6f2d32303136323032302d322d6f6e736974652d73616d70', stratify_by: 'none' }, admin);
const china = (ms) => new Date(ms + 8 * 3600e3).toISOString().slice(0, 10);   // a date in Asia/Shanghai
await call('PUT', `/applications/${sample.selected[0]}/onsite-check`, {
  inspectors: ['张卫东', '李晓燕'], visited_on: china(now - 6 * DAY), result: 'pass',
  findings: '展教设施运行正常，科普活动记录与申报材料一致。',
}, admin);
await call('PUT', `/applications/${sample.selected[1]}/onsite-check`, {
  inspectors: ['张卫东', '王磊'], visited_on: china(now - 3 * DAY), result: 'fail',
  findings: '现场展厅已停用改造，申报的常设展览无法核实。',
}, admin);

// 认定专家: the first works for 北京市科协 (the Beijing units' supervising
// body) and the second was put forward by 广东省科协, so both conflict
// automatically; one conflict is declared.  Each has changed its password.
const experts = [
  ['陈立新', '北京市科学技术协会', '科普场馆', '北京市'], ['刘芳', '中山大学', '生物学', '广东省', gd.id],
  ['周建国', '中国科学技术馆', '科学教育', '北京市'], ['孙丽', '中国农业大学', '农业科技推广', '北京市'],
  ['吴海', '中国科学院自然科学史研究所', '科学史', '北京市'], ['郑敏', '华东师范大学', '科学传播', '上海市'],
  ['黄志强', '上海科技馆', '展览设计', '上海市'], ['林雪', '浙江大学', '环境科学', '浙江省'],
];
const firstLogins = [];
for (const [i, [name, organization, field, region, recommender_id]] of experts.entries()) {
  const username = `expert${i + 1}`;
  const made = await call('POST', '/experts', { name, username, organization, field, region, recommender_id }, admin);
  const e = experts[i] = { id: made.expert.id, name, username, password: password() };
  firstLogins.push((async () => {
    e.token = (await call('PUT', '/session/password', { current_password: made.initial_password, new_password: e.password },
      await signIn(username, made.initial_password))).token;
  })());
}
await Promise.all(firstLogins);
await call('POST', `/experts/${experts[2].id}/conflicts`,
  { application_id: evalUnits[2].id, reason: '近三年曾为该单位常设展览提供策划咨询。' }, admin);

const rubric = [
  { key: 'conditions', name: '基础条件', weight: 25 }, { key: 'activities', name: '科普活动', weight: 35 },
  { key: 'team', name: '队伍与经费', weight: 20 }, { key: 'impact', name: '社会效益', weight: 20 },
];
await call('PUT', `/batches/${evalBatch.id}/rubric`, { criteria: rubric }, admin);
const assigned = await call('POST', `/batches/${evalBatch.id}/assignments`,
  { per_application: 3, seed: '6b706a642d64656d6f2d32303136323032302d322d61737369676e6d656e7473' }, admin);

// Scores: experts 1-3 have submitted all theirs, expert 4 half (and left a
// draft), expert 5 one draft; the rest have not begun.
const score = (a, k) => 60 + ((a.application_id * 7 + a.expert_id * 13 + k * 5) % 36);
for (const [i, e] of experts.entries()) {
  const mine = assigned.items.filter((a) => a.expert_id === e.id);
  const submit = i < 3 ? mine.length : i === 3 ? Math.floor(mine.length / 2) : 0;
  const drafts = i === 3 || i === 4 ? 1 : 0;
  for (const [j, a] of mine.slice(0, submit + drafts).entries()) {
    const scores = Object.fromEntries(rubric.map((c, k) => [c.key, score(a, k)]));
    await call('PUT', `/assignments/${a.id}/score`, { scores, comment: '材料齐全，特色鲜明。' }, e.token);
    if (j < submit)
      await call('POST', `/assignments/${a.id}/submit`, null, e.token);
  }
}

// ---- 2026-2030: a batch named, with bases and certificates, and one in its public notice ----
// Both go the whole way through the API: submitted, recommended, passed at
// 初评, scored by three experts each, the proposed list fixed and published.
// The first batch's notice ran last month and the batch was named; the
// second's notice is open now, with one objection answered and one waiting.

async function toProposedList(code, title, list, seed) {
  const b = await call('POST', '/batches', {
    code, title, term_start_year: seed.term?.[0] ?? 2026, term_end_year: seed.term?.[1] ?? 2030,
    contact_deadline: rfc3339(now + 1 * DAY), recommend_deadline: rfc3339(now + 2 * DAY),
  }, admin);
  await call('PATCH', `/batches/${b.id}`, { status: 'open' }, admin);
  await call('PUT', `/batches/${b.id}/quotas`,
    { quotas: [{ recommender_id: bj.id, quota: 10 }, { recommender_id: gd.id, quota: 10 }] }, admin);
  const made = list.map(([name, base, category, region], i) =>
    ({ name, base, category, region, by: region === '北京市' ? bj : gd, token: region === '北京市' ? bjToken : gdToken, n: i }));
  for (const by of [bj, gd]) {
    const mine = made.filter((u) => u.by === by);
    if (mine.length === 0) continue;
    const items = (await call('POST', `/batches/${b.id}/invitations`, { count: mine.length }, mine[0].token)).items;
    for (const u of mine) u.code = items.pop().code;
  }
  const filing = [];
  for (const u of made) {
    const username = `unit${seed.users + u.n}`, pw = password();
    const got = await register({
      invitation_code: u.code, username, password: pw,
      unit: { name: u.name, credit_code: credit(seed.credit + u.n), region: u.region, address: `${u.region}科普大道${u.n + 8}号`,
              legal_representative: '黄伟', supervising_body: supervising[u.region],
              contact_name: '郭静', contact_phone: '021-6666' + String(2000 + u.n), contact_email: `${username}@example.cn` },
    });
    u.id = got.application.id;
    u.username = username;
    u.password = pw;
    filing.push((async () => {
      const token = await signIn(username, pw);
      await call('PATCH', `/applications/${u.id}`, { base_name: u.base, category: u.category, form: form(u) }, token);
      await upload(token, u.id, `${u.name}申报表（盖章）.pdf`);
      await call('POST', `/applications/${u.id}/submit`, null, token);
      await call('POST', `/applications/${u.id}/recommend`, { opinion: `${u.name}科普特色鲜明，同意推荐。` }, u.token);
    })());
  }
  await Promise.all(filing);
  await call('PATCH', `/batches/${b.id}`, { status: 'evaluating' }, admin);
  await call('POST', `/batches/${b.id}/initial-review`,
    { items: made.map((u) => ({ application_id: u.id, result: 'pass' })) }, admin);
  await call('PUT', `/batches/${b.id}/rubric`, { criteria: rubric }, admin);
  const round = await call('POST', `/batches/${b.id}/assignments`, { per_application: 3, seed: seed.assign }, admin);
  for (const a of round.items) {
    const e = experts.find((x) => x.id === a.expert_id);
    const scores = Object.fromEntries(rubric.map((c, k) => [c.key, score(a, k) + 4]));
    await call('PUT', `/assignments/${a.id}/score`, { scores, comment: '条件完备，科普成效显著。' }, e.token);
    await call('POST', `/assignments/${a.id}/submit`, null, e.token);
  }
  await call('POST', `/batches/${b.id}/proposed-list`, { application_ids: made.map((u) => u.id) }, admin);
  return { batch: b, units: made };
}

const named = await toProposedList('2026-2030-1', '2026-2030年度第一批', [
  ['中国科学技术馆', '中国科学技术馆', 'venue', '北京市'], ['北京动物园', '北京动物园', 'natural_resources', '北京市'],
  ['中国地质博物馆', '中国地质博物馆', 'venue', '北京市'], ['北京市植物园', '国家植物园（南园）', 'natural_resources', '北京市'],
  ['中国人民解放军军事医学科学院', '军事医学科普馆', 'education_research', '北京市'],
  ['广州市气象台', '广州气象科普馆', 'other', '广东省'], ['深圳市农业科技促进中心', '深圳现代农业科普园', 'agriculture', '广东省'],
  ['广东某新能源有限公司', '新能源汽车科普体验馆', 'enterprise', '广东省'],
], { credit: 4000, users: 201, assign: '6b706a642d64656d6f2d32303236323033302d312d61737369676e6d656e7473' });
await call('POST', `/batches/${named.batch.id}/publicity`, {
  title: '2026-2030年度第一批全国科普教育基地拟认定名单公示',
  body: '根据《全国科普教育基地认定和管理办法》，经推荐、初评、实地抽检和专家终评，现将拟认定名单予以公示。' +
        '公示期内，任何单位和个人均可以实名方式提出异议。',
  starts_at: rfc3339(now - 30 * DAY), ends_at: rfc3339(now - 23 * DAY),
}, admin);
await call('POST', `/batches/${named.batch.id}/naming`, { named_on: china(now - 20 * DAY), decision_no: '科协函普字〔2026〕18号' }, admin);

const noticed = await toProposedList('2026-2030-2', '2026-2030年度第二批', [
  ['北京大学', '北京大学地质博物馆', 'education_research', '北京市'], ['北京市园林科学研究院', '北京园林科普园', 'natural_resources', '北京市'],
  ['北京某航天科技有限公司', '商业航天科普展示中心', 'enterprise', '北京市'],
  ['广东省科学院', '广东省科学院科普中心', 'education_research', '广东省'], ['珠海市博物馆', '珠海市博物馆', 'venue', '广东省'],
], { credit: 5000, users: 301, assign: '6b706a642d64656d6f2d32303236323033302d322d61737369676e6d656e7473' });
const notice = await call('POST', `/batches/${noticed.batch.id}/publicity`, {
  title: '2026-2030年度第二批全国科普教育基地拟认定名单公示',
  body: '现将拟认定名单予以公示，公示期为五个工作日。对公示名单有异议的，请在公示期内实名提出，并提供必要的证明材料。',
  starts_at: rfc3339(now - 1 * DAY), ends_at: rfc3339(now + 6 * DAY),
}, admin);
const objection = (application_id, content) => call('POST', `/public/notices/${notice.id}/objections`,
  { application_id, name: '张建国', phone: '13912345678', organization: '某科普爱好者协会', content });
const answered = await objection(noticed.units[2].id, '该单位展示中心目前仅对合作客户开放，未常年面向公众开放，与申报材料不符。');
await objection(noticed.units[4].id, '该馆近两年因改造闭馆较长时间，年接待人次可能与申报数字不符，请核实。');
const desk = await call('GET', `/batches/${noticed.batch.id}/objections`, null, admin);
const first = desk.items.find((o) => o.receipt === answered.receipt);
await call('POST', `/objections/${first.id}/finding`, {
  result: 'dismissed', reply: '经核查，该展示中心自2024年起每周二至周日免费向公众开放，有预约记录和接待台账为证，异议不成立。',
}, admin);

// ---- 2016-2020: a term over and assessed, and what that does to the next batches ----
// Four bases of the 2016-2020 term, named then, have filed annual reports
// (some evaluated); at the end of the term one was assessed excellent, one
// qualified, one unqualified, and one not at all.  The excellent one is
// carried over into the supplementary round in evaluation; the qualified
// one has applied again to 2021-2025年度第一批 and will go straight to final
// evaluation when that batch moves on; the unqualified one is barred there.

const past = await toProposedList('2016-2020-1', '2016-2020年度第一批', [
  ['北京自然科学馆', '北京自然科学馆', 'venue', '北京市'], ['北京市水文总站', '北京水文科普馆', 'other', '北京市'],
  ['北京某环保科技有限公司', '垃圾分类科普体验馆', 'enterprise', '北京市'],
  ['广州市农业科学研究院', '岭南农业科普园', 'agriculture', '广东省'],
], { credit: 6000, users: 401, term: [2016, 2020],
     assign: '6b706a642d64656d6f2d32303136323032302d312d61737369676e6d656e7473' });
await call('POST', `/batches/${past.batch.id}/publicity`, {
  title: '2016-2020年度第一批全国科普教育基地拟认定名单公示', body: '现将拟认定名单予以公示。',
  starts_at: '2016-11-01T00:00:00Z', ends_at: '2016-11-08T00:00:00Z',
}, admin);
const pastBases = (await call('POST', `/batches/${past.batch.id}/naming`,
  { named_on: '2016-12-20', decision_no: '科协函普字〔2016〕56号' }, admin)).bases;
const baseOf = (u) => pastBases.find((b) => b.application_id === u.id);
for (const [i, u] of past.units.entries()) {
  const token = await signIn(u.username, u.password);
  for (const year of [2016, 2017, 2018, 2019, 2020].slice(0, 5 - i)) {
    const report = await call('POST', `/bases/${baseOf(u).id}/annual-reports`, {
      year, open_days: 300 - i * 20, visitors: 120000 + year * 7 - i * 30000, activities: 60 - i * 10,
      staff_fulltime: 10, staff_parttime: 20, volunteers: 150, funding_wan: 180.5 - i * 30,
      highlights: `${year}年开展“科技活动周”“全国科普日”等主题活动，新增互动展项十余件。`,
    }, token);
    if (year <= 2018)
      await call('PUT', `/annual-reports/${report.id}/evaluation`, {
        score: 92 - i * 12, grade: ['excellent', 'good', 'unqualified', 'qualified'][i],
        comments: i === 2 ? '开放时间不足，科普活动明显减少。' : '科普工作扎实，社会效益良好。',
      }, admin);
  }
}
const assessed = [['excellent', '五年科普工作成效突出，年度评估均为优秀。'], ['qualified', '完成届期目标，部分年份活动偏少。'],
  ['unqualified', '届期内两年未按规定开放，科普功能明显弱化。']];
for (const [i, [result, comments]] of assessed.entries())
  await call('PUT', `/bases/${baseOf(past.units[i]).id}/term-assessment`, { result, comments }, admin);
await call('POST', `/batches/${late.id}/carry-over`, null, admin);

// The qualified unit applies again, and 北京市科协 recommends it.
const again = past.units[1];
const againCode = (await call('POST', `/batches/${batch.id}/invitations`, { count: 1 }, bjToken)).items[0];
const againPw = password();
const againApp = (await register({
  invitation_code: againCode.code, username: 'unit411', password: againPw,
  unit: { name: again.name, credit_code: credit(6000 + again.n), region: '北京市', address: '北京市海淀区车公庄西路20号',
          legal_representative: '黄伟', supervising_body: supervising['北京市'], contact_name: '郭静',
          contact_phone: '010-68781234', contact_email: 'unit411@example.cn' },
})).application;
const againToken = await signIn('unit411', againPw);
await call('PATCH', `/applications/${againApp.id}`, { base_name: again.base, category: again.category, form: form(again) }, againToken);
await upload(againToken, againApp.id, `${again.name}申报表（盖章）.pdf`);
await call('POST', `/applications/${againApp.id}/submit`, null, againToken);
await call('POST', `/applications/${againApp.id}/recommend`, { opinion: '届期考核合格，继续申报，同意推荐。' }, bjToken);

for (const r of recommenders)
  lines.push(`  推荐单位 ${r.name.padEnd(10, '\u3000')} ${r.username} / ${r.password}${r === bj || r === gd ? '' : '  (首次登录需修改密码)'}`);
lines.push(...applicantLines);
lines.push(`  已命名基地 ${named.units[0].name.padEnd(9, '\u3000')} ${named.units[0].username} / ${named.units[0].password}  (2026-2030年度第一批，可下载证书)`);
lines.push(`  届期已满基地 ${past.units[0].name.padEnd(8, '\u3000')} ${past.units[0].username} / ${past.units[0].password}  (2016-2020 终期考核优秀，已结转入 2021-2025年度第一批补充认定)`);
lines.push(`  届期已满基地 ${again.name.padEnd(8, '\u3000')} unit411 / ${againPw}  (终期考核合格，重新申报 2021-2025年度第一批，进入评审时直通终评)`);
lines.push(`  终期考核不合格: ${past.units[2].name}，统一社会信用代码 ${credit(6000 + past.units[2].n)}（用它注册 2021-2025年度第一批会被拒绝）`);
lines.push(`  公示: ${url}/notices/${notice.id}   基地名录: ${url}/bases   证书查验: ${url}/verify/KPJD-2026-000001`);
lines.push(`  认定专家 ${experts[3].name.padEnd(10, '\u3000')} ${experts[3].username} / ${experts[3].password}  (评审中的 2016-2020年度第二批，已评一半)`);
lines.push(`  北京市科协的申报邀请码: ${codes.map((c) => c.display).join('  ')}  (注册: ${url}/register)`);
mkdirSync(dirname(loginsFile), { recursive: true });
writeFileSync(loginsFile, lines.join('\n') + '\n', { mode: 0o600 });
print();
