// GET /api/v1/limits: public; says the attachment sizes kpjd.conf sets
// (attachments.max_file, max_total) and the password lengths, so the forms
// can show them next to their fields.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { startKpjdd } from '../lib/kpjdd.js';
import { createAdmin, signIn } from '../lib/accounts.js';
import { expectProblem } from '../lib/http.js';

let k, tuned;
before(async () => {
  k = await startKpjdd({ migrate: true });
  tuned = await startKpjdd({ env: { KPJD_ATTACHMENTS_MAX_FILE: '3M', KPJD_ATTACHMENTS_MAX_TOTAL: '7G' } });
});
after(async () => { await k?.stop(); await tuned?.stop(); });

test('without a session: the defaults of kpjd.conf (200M, 500M) and 12–128 characters', async () => {
  const res = await fetch(`${k.url}/api/v1/limits`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type'), /^application\/json/);
  assert.deepEqual(await res.json(), {
    attachments: { max_file: 200 * 1024 * 1024, max_total: 500 * 1024 * 1024 },
    password: { min_length: 12, max_length: 128 },
  });
});

test('the configured values, not fixed ones', async () => {
  const body = await (await fetch(`${tuned.url}/api/v1/limits`)).json();
  assert.deepEqual(body.attachments, { max_file: 3 * 1024 * 1024, max_total: 7 * 1024 * 1024 * 1024 });
});

test('the same with a session; GET only', async () => {
  createAdmin(k.db);
  const admin = await signIn(k.url, 'admin');
  const res = await admin.api('GET', '/limits');
  assert.equal(res.status, 200);
  assert.equal((await res.json()).attachments.max_file, 200 * 1024 * 1024);
  await expectProblem(await fetch(`${k.url}/api/v1/limits`, { method: 'POST' }), 405, 'method_not_allowed');
});
