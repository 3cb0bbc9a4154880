// The README's offline check of a certificate ("Checking a certificate
// offline"), run exactly as written: its shell block is read from README.md
// and run by bash with KPJD and NO set, in an empty directory, with curl, jq
// and openssl.  It must say "Signature Verified Successfully" for a real
// certificate, and fail when the payload it fetches was tampered with (a
// proxy in front of kpjd changes one character of payload_canonical).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import { REPO_ROOT, createDatabase, startKpjdd } from '../lib/kpjdd.js';
import { createAdmin, signIn } from '../lib/accounts.js';
import { makeRecommender } from '../lib/fixtures.js';
import { keygen, publicityBatch } from '../lib/naming.js';

const dir = mkdtempSync(join(tmpdir(), 'kpjd-openssl-'));
let db, k, no, proxy, proxyUrl;

// The first ```sh block after the heading.
function recipe() {
  const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
  const at = readme.indexOf('#### Checking a certificate offline');
  assert.ok(at >= 0, 'README has the section');
  const m = /```sh\n([\s\S]*?)```/.exec(readme.slice(at));
  assert.ok(m, 'the section has a shell block');
  return m[1];
}

// Asynchronously: the proxy answering the recipe's curl lives in this process.
function run(url, number) {
  const cwd = mkdtempSync(join(dir, 'run-'));
  return new Promise((resolve, reject) => {
    execFile('bash', ['-c', recipe()], { cwd, encoding: 'utf8', timeout: 30000, env: { ...process.env, KPJD: url, NO: number } },
      (err, stdout, stderr) => {
        if (err && typeof err.code !== 'number') reject(err);
        else resolve({ status: err ? err.code : 0, out: `${stdout}${stderr}`, cwd });
      });
  });
}

before(async () => {
  const key = keygen(dir, 'signing.key');
  db = await createDatabase();
  k = await startKpjdd({ db, migrate: true, env: { KPJD_CRYPTO_SIGNING_KEY: key.path, KPJD_INVITATIONS_LOOKUP_LIMIT: '10000' } });
  createAdmin(db);
  const admin = await signIn(k.url, 'admin');
  const rec = await makeRecommender(k.url, admin);
  const p = await publicityBatch(k, admin, rec, { count: 2, term: 2031 });
  const today = await db.psql(`SELECT to_char((now() AT TIME ZONE 'Asia/Shanghai')::date, 'YYYY-MM-DD')`);
  const res = await admin.api('POST', `/batches/${p.batch.id}/naming`, { named_on: today });
  assert.equal(res.status, 200);
  no = (await res.json()).bases[1].certificate_no;
  // A man in the middle: the certificate's payload_canonical with its term changed.
  proxy = http.createServer(async (req, res) => {
    const upstream = await fetch(k.url + req.url);
    let body = await upstream.text();
    if (req.url.startsWith('/api/v1/public/certificates/')) {
      const cert = JSON.parse(body);
      cert.payload_canonical = cert.payload_canonical.replace('"term":"2031-2035"', '"term":"2031-2036"');
      body = JSON.stringify(cert);
    }
    res.writeHead(upstream.status, { 'content-type': 'application/json' });
    res.end(body);
  });
  await new Promise((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  proxyUrl = `http://127.0.0.1:${proxy.address().port}`;
});
after(async () => {
  proxy?.close();
  await k?.stop();
  await db?.drop();
  rmSync(dir, { recursive: true, force: true });
});

test('the README recipe verifies a real certificate with openssl', async () => {
  const r = await run(k.url, no);
  assert.equal(r.status, 0, r.out);
  assert.match(r.out, /key id matches/);
  assert.match(r.out, /Signature Verified Successfully/);
  // it checked the bytes that were signed: the payload as kpjd stores it
  const payload = readFileSync(join(r.cwd, 'payload'), 'utf8');
  assert.match(payload, new RegExp(`^\\{"base":.*"certificate_no":"${no}",.*"term":"2031-2035","unit":".*"\\}$`));
});

test('a tampered payload fails, and so does an unknown number', async () => {
  const r = await run(proxyUrl, no);
  assert.equal(r.status, 1, r.out);
  assert.match(r.out, /Signature Verification Failure/);
  assert.doesNotMatch(r.out, /Verified Successfully/);
  assert.match(readFileSync(join(r.cwd, 'payload'), 'utf8'), /"term":"2031-2036"/);
  const unknown = await run(k.url, 'KPJD-2031-999999');
  assert.notEqual(unknown.status, 0);
  assert.doesNotMatch(unknown.out, /Verified Successfully/);
});
