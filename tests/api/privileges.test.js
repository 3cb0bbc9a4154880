// Least privilege: kpjdd serves as an application role that is no superuser,
// owns nothing, and can only append to the audit trail — every way to alter
// or remove audit rows, the head or the checkpoints fails for it.  The owner
// computes its grants after every migration run, so a table a later
// migration adds is covered, and a role that could do more is refused.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { config, createDatabase, runKpjdd, startKpjdd } from '../lib/kpjdd.js';
import { createAdmin, signIn } from '../lib/accounts.js';

let db, k, admin;
before(async () => {
  db = await createDatabase();
  k = await startKpjdd({ db, migrate: true });
  createAdmin(db);
  admin = await signIn(k.url, 'admin');
  await signIn(k.url, 'admin');
});
after(async () => {
  await k?.stop();
  await db?.drop();
});

const asApp = (sql) => db.psqlAs(config.appUser, sql);

describe('the application role', () => {
  test('kpjdd serves as it: no superuser, no CREATEROLE, owner of nothing', async () => {
    assert.equal(await db.psql(`SELECT string_agg(DISTINCT usename, ',') FROM pg_stat_activity
      WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'`),
    config.appUser);
    assert.equal(await db.psql(`SELECT rolsuper || ' ' || rolcreaterole || ' ' || rolcreatedb
      FROM pg_roles WHERE rolname = '${config.appUser}'`), 'false false false');
    const owned = await db.psql(`SELECT
        (SELECT count(*) FROM pg_class WHERE relowner = r.oid) + (SELECT count(*) FROM pg_proc WHERE proowner = r.oid)
      + (SELECT count(*) FROM pg_namespace WHERE nspowner = r.oid) + (SELECT count(*) FROM pg_type WHERE typowner = r.oid)
      FROM pg_roles r WHERE rolname = '${config.appUser}'`);
    assert.equal(owned, '0');
    assert.equal(await db.psql(`SELECT pg_has_role('${config.appUser}', '${config.dbUser}', 'MEMBER')`), 'f');
  });

  test('every way to alter or remove audit rows, the head or the checkpoints fails', async () => {
    const before = await db.psql('SELECT string_agg(id || hash, \',\' ORDER BY id) FROM audit_log');
    const head = await db.psql('SELECT last_hash || last_id || count FROM audit_head');
    const attempts = [
      "UPDATE audit_log SET action = 'x'",
      'DELETE FROM audit_log',
      'TRUNCATE audit_log',
      'ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_change',
      'ALTER TABLE audit_log DISABLE TRIGGER USER',
      'DROP TRIGGER audit_log_no_change ON audit_log',
      'DROP TABLE audit_log',
      'ALTER TABLE audit_log RENAME TO old_log',
      'ALTER TABLE audit_log OWNER TO CURRENT_USER',
      'DROP FUNCTION audit_log_append_only() CASCADE',
      "CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN RETURN NEW; END'",
      "CREATE OR REPLACE FUNCTION audit_log_advance_head() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN RETURN NEW; END'",
      "UPDATE audit_head SET last_hash = ''",
      'DELETE FROM audit_head',
      "INSERT INTO audit_head (one, last_hash) VALUES (true, '') ON CONFLICT (one) DO UPDATE SET last_hash = ''",
      'TRUNCATE audit_head',
      'UPDATE audit_checkpoints SET count = 0',
      'DELETE FROM audit_checkpoints',
      'TRUNCATE audit_checkpoints',
      "SELECT setval('audit_log_id_seq', 1)",
      'CREATE TABLE audit_log_copy (id bigint)',
      'CREATE FUNCTION public.x() RETURNS int LANGUAGE sql AS \'SELECT 1\'',
      'CREATE SCHEMA shadow',
      "UPDATE schema_migrations SET sha256 = ''",
      // a row that does not extend the head (to move the head with it)
      `INSERT INTO audit_log (id, at, actor_role, action, entity, data, prev_hash, hash)
       VALUES (nextval('audit_log_id_seq'), now(), 'system', 'forged', 'x', '{}', '', 'forged')`,
    ];
    for (const sql of attempts) {
      await assert.rejects(asApp(sql), /permission denied|must be owner|append-only|does not extend the head/, sql);
    }
    assert.equal(await db.psql('SELECT string_agg(id || hash, \',\' ORDER BY id) FROM audit_log'), before);
    assert.equal(await db.psql('SELECT last_hash || last_id || count FROM audit_head'), head);
    const v = await (await admin.api('GET', '/audit/verify')).json();
    assert.equal(v.ok, true, v.problem);
  });

  test('what kpjdd needs it may do: read and append audit rows, write the other tables', async () => {
    assert.match(await asApp('SELECT count(*) FROM audit_log'), /^\d+$/);
    assert.equal(await asApp("UPDATE users SET display_name = display_name WHERE username = 'admin'"), 'UPDATE 1');
    assert.equal(await asApp('SELECT count(*) FROM regions'), '32');
    await assert.rejects(asApp("UPDATE regions SET name = 'x'"), /permission denied/);
  });
});

describe('grants', () => {
  test('a table a later migration adds is granted at the next migration run', async () => {
    const fresh = await createDatabase();
    try {
      assert.equal(runKpjdd(['migrate'], { env: fresh.env }).status, 0);
      await fresh.psqlAs(config.dbUser, 'CREATE TABLE later_feature (id bigserial PRIMARY KEY, v text)');
      await assert.rejects(fresh.psqlAs(config.appUser, 'SELECT * FROM later_feature'), /permission denied/);
      const r = runKpjdd(['migrate'], { env: fresh.env });
      assert.equal(r.status, 0, r.stderr);
      assert.equal(await fresh.psqlAs(config.appUser, "INSERT INTO later_feature (v) VALUES ('x') RETURNING id"), '1\nINSERT 0 1');
      assert.equal(await fresh.psqlAs(config.appUser, 'DELETE FROM later_feature'), 'DELETE 1');
      // and a privilege given by hand beyond the list is taken back
      await fresh.psqlAs(config.dbUser, `GRANT UPDATE ON audit_log TO ${config.appUser}`);
      assert.equal(runKpjdd(['migrate'], { env: fresh.env }).status, 0);
      await assert.rejects(fresh.psqlAs(config.appUser, "UPDATE audit_log SET action = 'x'"), /permission denied/);
    } finally {
      await fresh.drop();
    }
  });

  test('a serving role that could do more is refused', async () => {
    const fresh = await createDatabase();
    try {
      const cases = [
        [config.pgSuper, /is a superuser/],
        [config.dbUser, /is the role that migrates/],
        ['no_such_role_kpjd', /does not exist/],
      ];
      for (const [role, why] of cases) {
        const r = runKpjdd(['migrate'], { env: { ...fresh.env, KPJD_DB_APP_ROLE: role } });
        assert.equal(r.status, 1, role);
        assert.match(r.stderr, why);
      }
      const s = runKpjdd(['serve'], { env: { ...fresh.env, KPJD_DB_APP_ROLE: config.pgSuper, KPJD_HTTP_LISTEN: '127.0.0.1:0' } });
      assert.equal(s.status, 1);
      assert.match(s.stderr, /refusing to serve: db\.app_role .* is a superuser/);
    } finally {
      await fresh.drop();
    }
  });

  test('one role owning and serving (db.app_role empty) works, with a warning', async () => {
    const solo = await startKpjdd({ db: await soloDb() });
    try {
      assert.equal((await fetch(`${solo.url}/readyz`)).status, 200);
      assert.match(solo.log(), /db\.app_role is not set: .*only as safe as that role/);
    } finally {
      await solo.stop({ keepDb: false });
    }
  });
});

test('serving with db.app_role set but db.conninfo logging in as another role: a warning', async () => {
  const fresh = await createDatabase();
  const k2 = await startKpjdd({ db: { ...fresh, env: { ...fresh.env, KPJD_DB_CONNINFO: fresh.conninfo } } });
  try {
    assert.match(k2.log(), new RegExp(`db.conninfo logs in as '${config.dbUser}', not as db.app_role '${config.appUser}'`));
    assert.doesNotMatch(k.log(), /db.conninfo logs in as/);
  } finally {
    await k2.stop();
    await fresh.drop();
  }
});

// A database whose daemon connects as the owner only (the quick local setup).
async function soloDb() {
  const d = await createDatabase();
  return { ...d, env: { KPJD_DB_CONNINFO: d.conninfo, KPJD_DB_MIGRATE_CONNINFO: '', KPJD_DB_APP_ROLE: '' } };
}
