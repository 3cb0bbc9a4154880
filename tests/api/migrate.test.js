// Migrations: applied once, in order, recorded with their SHA-256; a changed
// or unknown migration is refused; two processes migrating at once don't race.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { spawn } from 'node:child_process';

import { config, createDatabase, runKpjdd, startKpjdd } from '../lib/kpjdd.js';
import { expectProblem } from '../lib/http.js';

const dbs = [];
after(async () => { for (const db of dbs) await db.drop(); });

async function freshDb() {
  const db = await createDatabase();
  dbs.push(db);
  return db;
}

const envFor = (db) => db.env;   // the two roles: serve as the app role, migrate as the owner

function migrateAsync(db) {
  return new Promise((resolve) => {
    const p = spawn(config.bin, ['migrate'], { env: { ...process.env, ...envFor(db) } });
    let out = '', err = '';
    p.stdout.on('data', (d) => { out += d; });
    p.stderr.on('data', (d) => { err += d; });
    p.on('close', (status) => resolve({ status, stdout: out, stderr: err }));
  });
}

describe('kpjdd migrate', () => {
  test('applies every migration once, recording its checksum', async () => {
    const db = await freshDb();
    const first = runKpjdd(['migrate'], { env: envFor(db) });
    assert.equal(first.status, 0, first.stderr);
    assert.match(first.stdout, /migrate: [1-9]\d* applied, schema at version \d+/);
    const again = runKpjdd(['migrate'], { env: envFor(db) });
    assert.equal(again.status, 0, again.stderr);
    assert.match(again.stdout, /migrate: 0 applied/);
    const rows = (await db.psql('SELECT version, name, sha256 FROM schema_migrations ORDER BY version')).split('\n');
    assert.match(rows[0], /^1\|0001_regions\.sql\|[0-9a-f]{64}$/);
  });

  test('the first migration creates the 32 province-level regions', async () => {
    const db = await freshDb();
    assert.equal(runKpjdd(['migrate'], { env: envFor(db) }).status, 0);
    assert.equal(await db.psql('SELECT count(*) FROM regions'), '32');
    assert.equal(await db.psql("SELECT name FROM regions WHERE code = 660000"), '新疆生产建设兵团');
    assert.equal(await db.psql("SELECT name FROM regions WHERE code = 110000"), '北京市');
  });

  test('migrations run as the database owner, not a superuser', async () => {
    const db = await freshDb();
    assert.equal(await db.psql(`SELECT rolsuper FROM pg_roles WHERE rolname = '${config.dbUser}'`), 'f');
    assert.equal(runKpjdd(['migrate'], { env: envFor(db) }).status, 0);
  });

  test('two processes migrating at once: both succeed, each migration applied once', async () => {
    const db = await freshDb();
    const results = await Promise.all([migrateAsync(db), migrateAsync(db), migrateAsync(db)]);
    for (const r of results) assert.equal(r.status, 0, r.stderr);
    const applied = results.map((r) => Number(r.stdout.match(/(\d+) applied/)[1]));
    const version = Number(runKpjdd(['version']).stdout.match(/schema version (\d+)/)[1]);
    assert.equal(applied.reduce((a, b) => a + b, 0), version, `applied: ${applied}`);
    assert.equal(await db.psql('SELECT count(*) FROM schema_migrations'), String(version));
  });

  test('an applied migration whose text changed is refused, by migrate and by serve', async () => {
    const db = await freshDb();
    assert.equal(runKpjdd(['migrate'], { env: envFor(db) }).status, 0);
    await db.psql("UPDATE schema_migrations SET sha256 = repeat('0', 64) WHERE version = 1");
    const r = runKpjdd(['migrate'], { env: envFor(db) });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /migration 0001_regions\.sql was changed after it was applied/);
    const s = runKpjdd(['serve'], { env: { ...envFor(db), KPJD_HTTP_LISTEN: '127.0.0.1:0' } });
    assert.equal(s.status, 1);
    assert.match(s.stderr, /refusing to serve: migration 0001_regions\.sql was changed/);
  });

  test('a database with a migration newer than this build is refused', async () => {
    const db = await freshDb();
    assert.equal(runKpjdd(['migrate'], { env: envFor(db) }).status, 0);
    await db.psql("INSERT INTO schema_migrations (version, name, sha256) VALUES (9999, '9999_future.sql', 'x')");
    const r = runKpjdd(['migrate'], { env: envFor(db) });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /migration 9999 \(9999_future\.sql\), newer than this kpjdd knows/);
    for (const auto of ['true', 'false']) {
      const s = runKpjdd(['serve'], { env: { ...envFor(db), KPJD_HTTP_LISTEN: '127.0.0.1:0', KPJD_DB_AUTO_MIGRATE: auto } });
      assert.equal(s.status, 1, `auto_migrate=${auto}: ${s.stderr}`);
      assert.match(s.stderr, /refusing to serve: .*newer than this kpjdd knows/);
    }
  });

  test('an unreachable database: migrate says so and exits 1', () => {
    const r = runKpjdd(['migrate'], { env: { KPJD_DB_CONNINFO: 'host=/nonexistent dbname=x' } });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /cannot connect to the database/);
  });
});

describe('db.auto_migrate', () => {
  test('off: serve starts on an empty database, /readyz is 503 until kpjdd migrate ran', async () => {
    const db = await freshDb();
    const k = await startKpjdd({ db, env: { KPJD_DB_AUTO_MIGRATE: 'false' } });
    const p = await expectProblem(await fetch(k.url + '/readyz'), 503, 'unavailable');
    assert.match(p.detail, /数据库结构/);
    assert.equal(runKpjdd(['migrate'], { env: envFor(db) }).status, 0);
    const res = await fetch(k.url + '/readyz');
    assert.equal(res.status, 200);
    assert.equal((await res.json()).status, 'ok');
    await k.stop();
  });

  test('on (the default): serve migrates an empty database at start', async () => {
    const db = await freshDb();
    const k = await startKpjdd({ db });
    assert.equal((await fetch(k.url + '/readyz')).status, 200);
    assert.equal(await db.psql('SELECT count(*) FROM regions'), '32');
    await k.stop();
  });
});
