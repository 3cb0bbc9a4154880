// Signed audit checkpoints: `kpjdd keygen`, checkpoints on demand (admin) and
// at an interval, public for anyone to copy and check with nothing but the
// public key, and /audit/verify catching — after a checkpoint — what the
// unkeyed chain alone cannot: a rewritten and re-hashed history, and a tail
// cut off with audit_head moved back.  The tampering is done as the
// superuser: what the owner role or someone with the database's disk could do.
import assert from 'node:assert/strict';
import { createHash, createPublicKey, verify as verifySignature } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { createDatabase, runKpjdd, startKpjdd } from '../lib/kpjdd.js';
import { anonymous, expectProblem, sleep } from '../lib/http.js';
import { createAdmin, createUser, signIn } from '../lib/accounts.js';

const dir = mkdtempSync(join(tmpdir(), 'kpjd-checkpoints-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function keygen(name) {
  const out = join(dir, name);
  const r = runKpjdd(['keygen', '--out', out]);
  assert.equal(r.status, 0, r.stderr);
  return { path: out, pub: `${out}.pub`, stdout: r.stdout };
}

// The key id of API.md: the first 16 hex characters of SHA-256 of the raw
// 32-byte public key, computed from FILE.pub without kpjd.
function keyIdOf(pubPath) {
  const raw = Buffer.from(createPublicKey(readFileSync(pubPath)).export({ format: 'jwk' }).x, 'base64url');
  assert.equal(raw.length, 32);
  return createHash('sha256').update(raw).digest('hex').slice(0, 16);
}

// What an outsider does with a copied checkpoint: rebuild the canonical
// JSON (keys sorted, no white space) and check the Ed25519 signature.
function checkOutside(cp, pubPath) {
  const payload = JSON.stringify({ at: cp.at, count: cp.count, head_hash: cp.head_hash, last_audit_id: cp.last_audit_id });
  return verifySignature(null, Buffer.from(payload), createPublicKey(readFileSync(pubPath)),
    Buffer.from(cp.signature, 'base64url'));
}

const verifyChain = async (admin) => (await admin.api('GET', '/audit/verify')).json();

describe('kpjdd keygen', () => {
  test('writes a private key (0600) and FILE.pub, prints the key id, never overwrites', () => {
    const k = keygen('first.key');
    assert.equal(statSync(k.path).mode & 0o777, 0o600);
    assert.match(readFileSync(k.path, 'utf8'), /^-----BEGIN PRIVATE KEY-----\n[A-Za-z0-9+/=]+\n-----END PRIVATE KEY-----\n$/);
    const id = keyIdOf(k.pub);
    assert.match(k.stdout, new RegExp(`key_id ${id}`));
    const before = readFileSync(k.path, 'utf8');
    const again = runKpjdd(['keygen', '--out', k.path]);
    assert.equal(again.status, 1);
    assert.match(again.stderr, /File exists.*never overwritten/);
    assert.equal(readFileSync(k.path, 'utf8'), before);
    const missing = runKpjdd(['keygen']);
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /keygen needs --out FILE/);
  });

  test('serve refuses a signing key file that is not one', () => {
    const r = runKpjdd(['serve'], { env: { KPJD_CRYPTO_SIGNING_KEY: join(dir, 'first.key.pub'), KPJD_HTTP_LISTEN: '127.0.0.1:0' } });
    assert.equal(r.status, 2);
    assert.match(r.stderr, /crypto: .*not an Ed25519 private key/);
  });
});

describe('without crypto.signing_key', () => {
  let k, admin;
  before(async () => {
    k = await startKpjdd();
    createAdmin(k.db);
    admin = await signIn(k.url, 'admin');
  });
  after(async () => { await k?.stop(); });

  test('making a checkpoint answers 503 saying why; the rest works', async () => {
    const p = await expectProblem(await admin.api('POST', '/audit/checkpoints'), 503, 'unavailable');
    assert.match(p.detail, /crypto\.signing_key/);
    assert.match(k.log(), /crypto\.signing_key is not set/);
    const list = await anonymous(k.url)('GET', '/public/audit/checkpoints');
    assert.equal(list.status, 200);
    assert.deepEqual(await list.json(), { items: [], next_cursor: null });
    assert.equal((await verifyChain(admin)).ok, true);
  });
});

describe('with a signing key', () => {
  let db, k, admin, key;
  before(async () => {
    key = keygen('serving.key');
    db = await createDatabase();
    k = await startKpjdd({ db, migrate: true, env: { KPJD_CRYPTO_SIGNING_KEY: key.path, KPJD_AUDIT_CHECKPOINT_INTERVAL: '0' } });
    createAdmin(db);
    await createUser(db, { username: 'rec', role: 'recommender' });
    admin = await signIn(k.url, 'admin');
  });
  after(async () => {
    await k?.stop();
    await db?.drop();
  });

  test('the admin makes one: signed, audited, covering its own audit row, public', async () => {
    const res = await admin.api('POST', '/audit/checkpoints');
    assert.equal(res.status, 201);
    const cp = await res.json();
    assert.deepEqual(Object.keys(cp).sort(), ['at', 'count', 'head_hash', 'id', 'key_id', 'last_audit_id', 'signature']);
    assert.match(cp.at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.match(cp.head_hash, /^[0-9a-f]{64}$/);
    assert.match(cp.signature, /^[A-Za-z0-9_-]{86}$/);
    assert.equal(cp.key_id, keyIdOf(key.pub));
    assert.ok(checkOutside(cp, key.pub), 'the signature checks with the public key alone');

    const audit = (await (await admin.api('GET', '/audit?action=audit.checkpoint_created')).json()).items;
    assert.equal(audit.length, 1);
    assert.equal(audit[0].entity, 'audit_checkpoint');
    assert.equal(audit[0].entity_id, String(cp.id));
    assert.equal(cp.last_audit_id, audit[0].id);
    assert.equal(cp.count, Number(await db.psql('SELECT count(*) FROM audit_log')));
    assert.equal(cp.head_hash, await db.psql(`SELECT hash FROM audit_log WHERE id = ${cp.last_audit_id}`));

    const pub = await anonymous(k.url)('GET', '/public/audit/checkpoints');
    assert.equal(pub.status, 200);
    assert.deepEqual(await pub.json(), { items: [cp], next_cursor: null });

    const v = await verifyChain(admin);
    assert.deepEqual(v, { ok: true, count: cp.count, first_bad_id: null, checkpoints_ok: true, checkpoints: 1, problem: null });
  });

  test('only the admin makes them; the list pages newest first', async () => {
    const rec = await signIn(k.url, 'rec');
    await expectProblem(await rec.api('POST', '/audit/checkpoints'), 403, 'forbidden');
    await expectProblem(await anonymous(k.url)('POST', '/audit/checkpoints'), 401, 'unauthenticated');
    for (let i = 0; i < 2; i++) assert.equal((await admin.api('POST', '/audit/checkpoints')).status, 201);
    const get = anonymous(k.url);
    const first = await (await get('GET', '/public/audit/checkpoints?limit=2')).json();
    assert.equal(first.items.length, 2);
    assert.ok(first.items[0].id > first.items[1].id);
    const rest = await (await get('GET', `/public/audit/checkpoints?limit=2&cursor=${first.next_cursor}`)).json();
    assert.equal(rest.items.length, 1);
    assert.equal(rest.next_cursor, null);
    await expectProblem(await get('GET', '/public/audit/checkpoints?limit=0'), 422, 'validation');
    await expectProblem(await get('GET', '/public/audit/checkpoints?cursor=99999999999999999999'), 422, 'validation');
  });
});

// The chain hash of lib/auth/audit.h, for the superuser who rewrites history.
function rowHash(row, prev) {
  const h = createHash('sha256');
  for (const f of [row.id, row.at, row.actor_id, row.actor_role, row.action, row.entity, row.entity_id,
    row.data, row.request_id, row.ip, prev]) {
    if (f === null) h.update('-,');
    else h.update(`${Buffer.byteLength(f)}:`).update(f).update(',');
  }
  return h.digest('hex');
}

// As the superuser: every hash recomputed from the first row on and the
// head moved to the new last row, so that the chain alone verifies.
async function rechain(db) {
  const rows = JSON.parse(await db.psql(`SELECT coalesce(json_agg(r ORDER BY r.id), '[]') FROM (
      SELECT id::text, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS at, actor_id::text,
             actor_role, action, entity, entity_id, data::text AS data, request_id, ip
        FROM audit_log) r`));
  let prev = '';
  const updates = rows.map((row) => {
    const hash = rowHash(row, prev);
    const sql = `UPDATE audit_log SET prev_hash = '${prev}', hash = '${hash}' WHERE id = ${row.id};`;
    prev = hash;
    return sql;
  });
  await db.psql(`BEGIN; ALTER TABLE audit_log DISABLE TRIGGER USER; ${updates.join(' ')}
                 ALTER TABLE audit_log ENABLE TRIGGER USER;
                 UPDATE audit_head SET last_hash = '${prev}', last_id = coalesce((SELECT max(id) FROM audit_log), 0),
                        count = (SELECT count(*) FROM audit_log); COMMIT`);
}

const asSuperuser = (db, sql) => db.psql(`BEGIN; ALTER TABLE audit_log DISABLE TRIGGER USER; ${sql};
                                          ALTER TABLE audit_log ENABLE TRIGGER USER; COMMIT`);

describe('tampering as the superuser, found after a checkpoint', () => {
  let key;
  before(() => { key = keygen('tamper.key'); });

  // A fresh database with an admin, a few logins, a checkpoint, and rows after it.
  async function scene() {
    const db = await createDatabase();
    const k = await startKpjdd({ db, migrate: true, env: { KPJD_CRYPTO_SIGNING_KEY: key.path, KPJD_AUDIT_CHECKPOINT_INTERVAL: '0' } });
    createAdmin(db);
    const admin = await signIn(k.url, 'admin');
    for (let i = 0; i < 3; i++) await signIn(k.url, 'admin');
    const cp = await (await admin.api('POST', '/audit/checkpoints')).json();
    await signIn(k.url, 'admin');
    const stop = async () => { await k.stop(); await db.drop(); };
    return { db, k, admin, cp, stop };
  }

  test('a rewritten row: the chain breaks there', async () => {
    const { db, admin, stop } = await scene();
    try {
      await asSuperuser(db, `UPDATE audit_log SET data = '{"edited":true}' WHERE id = 2`);
      const v = await verifyChain(admin);
      assert.equal(v.ok, false);
      assert.equal(v.first_bad_id, 2);
    } finally { await stop(); }
  });

  test('a rewritten row with the whole chain and head recomputed: the checkpoint finds it', async () => {
    const { db, admin, cp, stop } = await scene();
    try {
      await asSuperuser(db, `UPDATE audit_log SET data = '{"edited":true}' WHERE id = 2`);
      await rechain(db);
      const v = await verifyChain(admin);
      assert.equal(v.first_bad_id, null, 'the chain alone is consistent again');
      assert.equal(v.ok, false);
      assert.equal(v.checkpoints_ok, false);
      assert.match(v.problem, new RegExp(`第 ${cp.last_audit_id} 行的哈希与检查点 ${cp.id} 不符`));
    } finally { await stop(); }
  });

  test('the newest rows deleted and audit_head moved back: the checkpoint finds it', async () => {
    const { db, admin, cp, stop } = await scene();
    try {
      const keep = cp.last_audit_id - 2;
      await asSuperuser(db, `DELETE FROM audit_log WHERE id > ${keep};
        UPDATE audit_head SET last_hash = (SELECT hash FROM audit_log WHERE id = ${keep}), last_id = ${keep},
               count = (SELECT count(*) FROM audit_log)`);
      const v = await verifyChain(admin);
      assert.equal(v.first_bad_id, null, 'the chain alone is consistent again');
      assert.equal(v.ok, false);
      assert.equal(v.checkpoints_ok, false);
      assert.match(v.problem, new RegExp(`检查点 ${cp.id} 记录到第 ${cp.last_audit_id} 行，日志却止于第 ${keep} 行`));
    } finally { await stop(); }
  });

  test('a forged checkpoint, and one under a key no longer listed', async () => {
    const { db, k, cp, stop } = await scene();
    try {
      await db.psql(`BEGIN; ALTER TABLE audit_checkpoints DISABLE TRIGGER USER;
                     UPDATE audit_checkpoints SET count = count - 1 WHERE id = ${cp.id};
                     ALTER TABLE audit_checkpoints ENABLE TRIGGER USER; COMMIT`);
      const admin = await signIn(k.url, 'admin');
      let v = await verifyChain(admin);
      assert.equal(v.checkpoints_ok, false);
      assert.match(v.problem, new RegExp(`检查点 ${cp.id} 的签名不符`));
      await k.stop({ keepDb: true });

      // A new signing key: the old checkpoint is unknown until its key is retired.
      const next = keygen('next.key');
      const env = { KPJD_CRYPTO_SIGNING_KEY: next.path, KPJD_AUDIT_CHECKPOINT_INTERVAL: '0' };
      const fresh = await createDatabase();
      const k2 = await startKpjdd({ db: fresh, migrate: true, env: { ...env, KPJD_CRYPTO_SIGNING_KEY: key.path } });
      createAdmin(fresh);
      const a2 = await signIn(k2.url, 'admin');
      assert.equal((await a2.api('POST', '/audit/checkpoints')).status, 201);
      await k2.stop();
      const k3 = await startKpjdd({ db: fresh, env });
      v = await verifyChain(await signIn(k3.url, 'admin'));
      assert.equal(v.checkpoints_ok, false);
      assert.match(v.problem, new RegExp(`的密钥 ${keyIdOf(key.pub)} 未知`));
      await k3.stop();
      const k4 = await startKpjdd({ db: fresh, env: { ...env, KPJD_CRYPTO_RETIRED_KEYS: key.pub } });
      v = await verifyChain(await signIn(k4.url, 'admin'));
      assert.equal(v.ok, true, v.problem);
      assert.equal(v.checkpoints, 1);
      await k4.stop();
      await fresh.drop();
    } finally { await stop(); }
  });
});

describe('audit.checkpoint_interval', () => {
  test('checkpoints come by themselves while rows are added, none when nothing is new', async () => {
    const key = keygen('interval.key');
    const k = await startKpjdd({ env: { KPJD_CRYPTO_SIGNING_KEY: key.path, KPJD_AUDIT_CHECKPOINT_INTERVAL: '1' } });
    try {
      createAdmin(k.db);
      const get = anonymous(k.url);
      let items = [];
      for (let i = 0; i < 100 && !items.some((c) => c.last_audit_id >= 1); i++) {
        await sleep(100);
        items = (await (await get('GET', '/public/audit/checkpoints')).json()).items;
      }
      const newest = items[0];
      assert.equal(newest.last_audit_id, 1, 'the admin\'s creation is covered');
      assert.ok(checkOutside(newest, key.pub));
      await sleep(2500);   // two more intervals, no new rows: no new checkpoint
      items = (await (await get('GET', '/public/audit/checkpoints')).json()).items;
      assert.equal(items[0].id, newest.id);
      assert.match(k.log(), /audit checkpoint \d+ signed/);
    } finally {
      await k.stop();
    }
  });
});
