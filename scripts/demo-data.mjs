#!/usr/bin/env node
// Demo data for `./dev run`, made through the API of the running kpjdd the
// way people would make it: an admin (kpjdd create-admin), an open batch
// 2021-2025年度第一批 with future deadlines, recommenders of each kind with
// quotas, a contact form and a few unused invitation codes.  Prints the
// demo logins.  Run again, it adds nothing and prints them again from
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
const password = () => randomBytes(12).toString('base64url').replace(/[-_lIO0o1]/g, 'k').slice(0, 16);
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
const bjToken = await signIn(bj.username, bj.password);
const bjPassword = password();
await call('PUT', '/session/password', { current_password: bj.password, new_password: bjPassword }, bjToken);
bj.password = bjPassword;
await call('PUT', `/batches/${batch.id}/contact`, {
  name: '王晓明', department: '科普部', position: '副部长', office_phone: '010-68571234',
  mobile: '13800138000', email: 'kepu@bast.example.cn', address: '北京市海淀区复兴路 3 号',
}, bjToken);
const codes = (await call('POST', `/batches/${batch.id}/invitations`, { count: 3 }, bjToken)).items;

for (const r of recommenders)
  lines.push(`  推荐单位 ${r.name.padEnd(10, '\u3000')} ${r.username} / ${r.password}${r === bj ? '' : '  (首次登录需修改密码)'}`);
lines.push(`  北京市科协的申报邀请码: ${codes.map((c) => c.display).join('  ')}  (注册: ${url}/register)`);
mkdirSync(dirname(loginsFile), { recursive: true });
writeFileSync(loginsFile, lines.join('\n') + '\n', { mode: 0o600 });
print();
