// GET /applications.csv streams (README "Applications and attachments"): a
// 100,000-row export raises kpjdd's resident memory (VmRSS in
// /proc/<pid>/status, sampled every 5 ms while the body arrives) by less than
// EXPORT_GROWTH_MB over what it was before, and every row arrives, numbered
// in order.  The export that built the whole result and the whole CSV in
// memory first grew it by tens of MB.  ASan's quarantine of freed memory is
// kept small here, so that the RSS follows what is live.  (Not VmHWM: under
// ASan the start-up peak is higher than either export's.)
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';

import { createAdmin, signIn } from '../lib/accounts.js';
import { makeBatch, makeRecommender } from '../lib/fixtures.js';
import { createDatabase, startKpjdd } from '../lib/kpjdd.js';

const ROWS = 100000;
const EXPORT_GROWTH_MB = 16;

let k, admin;
before(async () => {
  const db = await createDatabase();
  const asan = [process.env.ASAN_OPTIONS, 'quarantine_size_mb=1', 'thread_local_quarantine_size_kb=64']
    .filter(Boolean).join(':');
  k = await startKpjdd({ db, migrate: true, env: { ASAN_OPTIONS: asan } });
  createAdmin(db, 'admin');
  admin = await signIn(k.url, 'admin');
  const batch = await makeBatch(admin, { status: 'open' });
  const rec = await makeRecommender(k.url, admin, { name: '导出推荐单位' });
  await db.psql(`INSERT INTO applicant_units (id, name, credit_code, region_code, address, legal_representative,
      supervising_body, contact_name, contact_phone, contact_email)
    SELECT 1000000 + i, '导出单位' || i, '91' || lpad(i::text, 16, '0'), 420000, '地址', '法人', '主管', '联系人',
           '13800000000', 'x@example.cn'
      FROM generate_series(1, ${ROWS}) i;
    INSERT INTO applications (batch_id, recommender_id, applicant_id, credit_code, base_name, category, status)
    SELECT ${batch.id}, ${rec.id}, 1000000 + i, '91' || lpad(i::text, 16, '0'), '导出基地' || i, 'venue', 'submitted'
      FROM generate_series(1, ${ROWS}) i;`);
});
after(async () => { await k?.stop(); });

const rssKb = () => Number(/^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${k.proc.pid}/status`, 'utf8'))[1]);

test(`a ${ROWS}-row export streams: peak memory grows by less than ${EXPORT_GROWTH_MB} MB`, async (t) => {
  const small = await admin.api('GET', '/applications.csv?batch_id=999999');     // the route and its statements warm
  assert.equal(small.status, 200);
  await small.arrayBuffer();
  const before = rssKb();
  let peak = before;
  const sampler = setInterval(() => { peak = Math.max(peak, rssKb()); }, 5);
  const res = await admin.api('GET', '/applications.csv');
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('transfer-encoding'), 'chunked');
  let lines = 0, tail = '', last = '';
  const decoder = new TextDecoder();
  for await (const chunk of res.body) {
    const text = tail + decoder.decode(chunk, { stream: true });
    const parts = text.split('\r\n');
    tail = parts.pop();
    lines += parts.length;
    if (parts.length) last = parts[parts.length - 1];
  }
  clearInterval(sampler);
  peak = Math.max(peak, rssKb());
  assert.equal(tail, '');
  assert.equal(lines, ROWS + 1, 'the header and every row');
  // the seven first columns, then 批次, the credit code, contact and phone, and no times or opinion yet
  assert.match(last, new RegExp(`^"${ROWS}","湖北省","导出单位\\d+","导出基地\\d+","导出推荐单位","科技场馆类","已提交",`
    + '"[^"]+","\\d{17}[0-9A-Z]","联系人","\\d{11}","","",""$'));
  const grownMb = (peak - before) / 1024;
  t.diagnostic(`RSS ${(before / 1024).toFixed(1)} MB before, peak ${(peak / 1024).toFixed(1)} MB`);
  assert.ok(grownMb < EXPORT_GROWTH_MB, `RSS grew by ${grownMb.toFixed(1)} MB`);
});
