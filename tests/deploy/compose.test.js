// The deployment files, proved without a Docker engine (none runs here):
// docker-compose.yml through `docker-compose config` (Debian's package) and
// rules on what it resolves to; the two container entry points run natively;
// the PostgreSQL init script run against the test cluster, then kpjdd
// migrating as the owner role and serving as the application role it made;
// and the Dockerfile's own build command.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync, realpathSync, statSync, rmSync, existsSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { randomBytes } from 'node:crypto';
import { REPO_ROOT, config, psql, startKpjdd, runKpjdd } from '../lib/kpjdd.js';

const DOCKER = join(REPO_ROOT, 'deploy', 'docker');
const GOOD_OWNER = 'Zq8v3R-owner-7HkT2pLw9xNc';
const GOOD_APP = 'Lm4yB6-appl-Qw2eR9tY5uJs';

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 600000, ...opts });
  if (r.error) throw r.error;
  return r;
}

function tmp() {
  const dir = mkdtempSync(join(tmpdir(), 'kpjd-deploy-'));
  chmodSync(dir, 0o755);
  return dir;
}

function composeConfig(env = {}) {
  const r = run('docker-compose', ['-f', join(REPO_ROOT, 'docker-compose.yml'), 'config'],
    { cwd: REPO_ROOT, env: { ...process.env, ...env } });
  assert.equal(r.status, 0, `docker-compose config failed:\n${r.stderr}`);
  // python3-yaml comes with docker-compose: YAML in, JSON out
  const j = run('/usr/bin/python3', ['-c', 'import sys, json, yaml; json.dump(yaml.safe_load(sys.stdin), sys.stdout)'],
    { input: r.stdout });
  assert.equal(j.status, 0, j.stderr);
  return JSON.parse(j.stdout);
}

function conninfoUser(conninfo) {
  return /(?:^|\s)user=(\S+)/.exec(conninfo)?.[1];
}

test('docker-compose.yml: pinned PostgreSQL, three roles, secrets from files, a /readyz healthcheck', () => {
  const c = composeConfig({ KPJD_TRUSTED_PROXIES: '10.0.0.0/8' });
  const { db, migrate, kpjdd } = c.services;
  assert.ok(db && migrate && kpjdd, 'services db, migrate and kpjdd');

  assert.match(db.image, /^postgres:15\.\d+(-[a-z]+)?$/, 'PostgreSQL pinned to a 15.x minor version');
  assert.equal(db.environment.POSTGRES_PASSWORD, undefined, 'no superuser password in the file');
  assert.equal(db.environment.POSTGRES_PASSWORD_FILE, '/run/secrets/pg_superuser_password');
  assert.ok(db.volumes.some((v) => String(v.target ?? v).includes('/docker-entrypoint-initdb.d/')),
    'the role init script is mounted');

  const superuser = db.environment.POSTGRES_USER;
  for (const [name, svc] of [['migrate', migrate], ['kpjdd', kpjdd]]) {
    const e = svc.environment;
    assert.doesNotMatch(JSON.stringify(e), /password=/i, `${name}: no password in a conninfo`);
    assert.notEqual(conninfoUser(e.KPJD_DB_CONNINFO), superuser, `${name} does not connect as the superuser`);
    assert.match(e.KPJD_DB_PASSWORD_FILE, /^\/run\/secrets\//, `${name}: its password from a secret`);
    assert.equal(e.KPJD_DB_APP_ROLE, db.environment.KPJD_APP_ROLE, `${name}: db.app_role names the app role`);
  }
  assert.equal(conninfoUser(migrate.environment.KPJD_DB_MIGRATE_CONNINFO), db.environment.KPJD_OWNER_ROLE,
    'migrations run as the owner role');
  assert.equal(conninfoUser(kpjdd.environment.KPJD_DB_CONNINFO), db.environment.KPJD_APP_ROLE,
    'kpjdd serves as the application role');
  assert.notEqual(db.environment.KPJD_APP_ROLE, db.environment.KPJD_OWNER_ROLE);
  assert.equal(kpjdd.environment.KPJD_DB_AUTO_MIGRATE, 'false', 'the serving role does not migrate');
  assert.equal(kpjdd.environment.KPJD_HTTP_TRUSTED_PROXIES, '10.0.0.0/8', 'trusted proxies from .env');
  assert.ok(!(kpjdd.secrets ?? []).some((s) => (s.source ?? s) === 'kpjd_owner_password'),
    'kpjdd never sees the owner password');
  assert.equal(kpjdd.depends_on.migrate.condition, 'service_completed_successfully');
  assert.match(kpjdd.healthcheck.test.join(' '), /\/readyz/);
  for (const s of Object.values(c.secrets)) assert.ok(s.file, 'secrets are files');
});

test('the entry point refuses a missing, empty or placeholder password and writes a private pgpass', () => {
  const dir = tmp();
  try {
    const entry = join(DOCKER, 'entrypoint.sh');
    const me = run('id', ['-un']).stdout.trim();
    const env = { ...process.env, KPJD_LIB: DOCKER, KPJD_RUNTIME_DIR: join(dir, 'run'), KPJD_RUN_AS: me,
      PATH: `${dirname(config.bin)}:${process.env.PATH}`, KPJD_CONF: '/dev/null' };
    for (const bad of ['', 'change-me', 'CHANGEME-please-1234', 'placeholder-0123456789', 'short']) {
      writeFileSync(join(dir, 'pw'), bad + '\n');
      const r = run('bash', [entry, 'version'], { env: { ...env, KPJD_DB_PASSWORD_FILE: join(dir, 'pw') } });
      assert.notEqual(r.status, 0, `'${bad}' refused`);
      assert.match(r.stderr, /secret db_password/);
      assert.doesNotMatch(r.stdout, /kpjdd \d/, 'kpjdd did not run');
    }
    let r = run('bash', [entry, 'version'], { env: { ...env, KPJD_DB_PASSWORD_FILE: join(dir, 'absent') } });
    assert.notEqual(r.status, 0, 'a missing secret file is refused');

    writeFileSync(join(dir, 'pw'), 'a:b\\c-' + GOOD_APP + '\n');
    r = run('bash', [entry, 'version'], { env: { ...env, KPJD_DB_PASSWORD_FILE: join(dir, 'pw') } });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^kpjdd \d/, 'then it runs kpjdd');
    const pgpass = join(dir, 'run', 'pgpass');
    assert.equal(statSync(pgpass).mode & 0o777, 0o600);
    assert.equal(readFileSync(pgpass, 'utf8'), `*:*:*:*:a\\:b\\\\c-${GOOD_APP}\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the PostgreSQL init script makes an owner and an app role; kpjdd migrates as one and serves as the other', async () => {
  const dir = tmp();
  const tag = randomBytes(4).toString('hex');
  const owner = `kpjd_t_owner_${tag}`, app = `kpjd_t_app_${tag}`, dbname = `kpjd_t_compose_${tag}`;
  const env = { ...process.env, KPJD_LIB: DOCKER, KPJD_SECRETS_DIR: dir, POSTGRES_USER: config.pgSuper,
    PGHOST: config.pgHost, PGPORT: String(config.pgPort), KPJD_OWNER_ROLE: owner, KPJD_APP_ROLE: app,
    KPJD_DB: dbname };
  let daemon;
  try {
    writeFileSync(join(dir, 'kpjd_owner_password'), 'change-me\n');
    writeFileSync(join(dir, 'kpjd_app_password'), GOOD_APP);
    let r = run('bash', [join(DOCKER, 'initdb-roles.sh')], { env });
    assert.notEqual(r.status, 0, 'a placeholder owner password stops the init');
    assert.equal(await psql('postgres', `SELECT count(*) FROM pg_roles WHERE rolname IN ('${owner}', '${app}')`), '0');

    writeFileSync(join(dir, 'kpjd_owner_password'), GOOD_OWNER);
    r = run('bash', [join(DOCKER, 'initdb-roles.sh')], { env });
    assert.equal(r.status, 0, r.stderr);
    const roles = await psql('postgres', `SELECT rolname, rolsuper, rolcreatedb, rolcreaterole, rolbypassrls
      FROM pg_roles WHERE rolname IN ('${owner}', '${app}') ORDER BY rolname`);
    assert.equal(roles, `${app}|f|f|f|f\n${owner}|f|f|f|f`);
    assert.equal(await psql('postgres', `SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = '${dbname}'`), owner);

    const conn = (user) => `host=${config.pgHost} port=${config.pgPort} dbname=${dbname} user=${user}`;
    const m = runKpjdd(['migrate'], { env: { KPJD_DB_CONNINFO: conn(owner), KPJD_DB_MIGRATE_CONNINFO: conn(owner),
      KPJD_DB_APP_ROLE: app } });
    assert.equal(m.status, 0, m.stderr);
    // serves as the app role, as compose's kpjdd service does: no migration step
    const db = { name: dbname, conninfo: conn(owner), appConninfo: conn(app),
      env: { KPJD_DB_CONNINFO: conn(app), KPJD_DB_APP_ROLE: app, KPJD_DB_AUTO_MIGRATE: 'false' },
      psql: (sql) => psql(dbname, sql), drop: async () => {} };
    daemon = await startKpjdd({ db });
    const ready = await fetch(`${daemon.url}/readyz`);
    assert.equal(ready.status, 200);
    assert.equal(await psql(dbname, `SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'public' AND pg_get_userbyid(c.relowner) = '${app}'`), '0', 'the app role owns nothing');
    assert.equal(await psql(dbname, `SELECT has_table_privilege('${app}', 'audit_log', 'UPDATE')
      OR has_table_privilege('${app}', 'audit_log', 'DELETE')`), 'f');
    assert.equal(await psql(dbname, `SELECT has_table_privilege('${app}', 'audit_log', 'INSERT')`), 't');
  } finally {
    await daemon?.stop();
    await psql('postgres', `DROP DATABASE IF EXISTS "${dbname}" WITH (FORCE)`);
    await psql('postgres', `DROP ROLE IF EXISTS "${app}"; DROP ROLE IF EXISTS "${owner}"`);
    rmSync(dir, { recursive: true, force: true });
  }
});

test("the Dockerfile's build command compiles Release warning-free (-Werror)", () => {
  const text = readFileSync(join(REPO_ROOT, 'Dockerfile'), 'utf8').replace(/\\\n/g, ' ');
  const line = text.split('\n').find((l) => /^RUN cmake -S /.test(l));
  assert.ok(line, 'the Dockerfile builds with cmake');
  assert.match(line, /-DCMAKE_BUILD_TYPE=Release/);
  const out = tmp();
  try {
    const cmd = line.replace(/^RUN /, '').replaceAll('/build', join(out, 'build'))
      .replace('-S .', `-S '${REPO_ROOT}'`);
    const r = run('bash', ['-c', cmd], { cwd: REPO_ROOT });
    assert.equal(r.status, 0, `${cmd}\n${r.stdout.slice(-2000)}\n${r.stderr.slice(-4000)}`);
    assert.ok(existsSync(join(out, 'build', 'kpjdd')));
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

// The packages each stage of the Dockerfile installs (its apt-get lines).
function dockerStages() {
  const text = readFileSync(join(REPO_ROOT, 'Dockerfile'), 'utf8').replace(/\\\n/g, ' ');
  return text.split(/^FROM /m).slice(1).map((stage) => {
    const m = /apt-get install -y --no-install-recommends ([^&]+)&&/.exec(stage);
    assert.ok(m, `a stage without apt-get install:\n${stage.slice(0, 200)}`);
    return new Set(m[1].trim().split(/\s+/));
  });
}

// The Debian package that owns `path` (a library or a .pc file), usr-merge aware.
function owner(path) {
  for (const p of [path, path.replace(/^\/usr\/lib\//, '/lib/')]) {
    const r = run('dpkg-query', ['-S', p]);
    if (r.status === 0) return r.stdout.split(':')[0].trim();
  }
  assert.fail(`no package owns ${path}`);
}

const depends = (pkg) => run('dpkg-query', ['-W', '-f=${Depends}', pkg]).stdout
  .split(',').flatMap((alt) => alt.split('|')).map((d) => d.trim().split(/[\s:]/)[0]).filter(Boolean);

test("the Dockerfile's stages: the build stage has every -dev package CMake asks for, the runtime every library kpjdd links and the CJK fonts", () => {
  const [build, runtime] = dockerStages();
  // build: the package holding each pkg-config module of CMakeLists.txt
  const cmake = readFileSync(join(REPO_ROOT, 'CMakeLists.txt'), 'utf8');
  const modules = [...cmake.matchAll(/pkg_check_modules\(\w+\s+REQUIRED IMPORTED_TARGET ([^)]+)\)/g)]
    .flatMap((m) => m[1].trim().split(/\s+/));
  assert.ok(modules.includes('pangocairo') && modules.includes('libqrencode') && modules.includes('pwquality'), modules.join(' '));
  for (const mod of modules) {
    const dir = run('pkg-config', ['--variable=pcfiledir', mod]).stdout.trim();
    const pkg = owner(`${dir}/${mod}.pc`);
    assert.ok(build.has(pkg), `the build stage installs ${pkg} (for ${mod}.pc)`);
  }
  // runtime: the package of each library the binary needs (NEEDED), installed
  // by name or as a dependency of one that is; the sanitizer runtimes of the
  // test build and libc (the base image's) aside
  const needed = run('objdump', ['-p', config.bin]).stdout.match(/NEEDED\s+\S+/g).map((l) => l.split(/\s+/)[1]);
  const ldd = run('ldd', [config.bin]).stdout;
  const reachable = new Set([...runtime, ...[...runtime].flatMap(depends)]);
  for (const lib of needed) {
    if (/^lib(a|ub)san\.so/.test(lib) || lib === 'libc.so.6') continue;
    const path = new RegExp(`^\\s*${lib.replace(/[.+]/g, '\\$&')} => (\\S+)`, 'm').exec(ldd)?.[1];
    assert.ok(path, `ldd resolves ${lib}`);
    const pkg = owner(realpathSync(path));
    assert.ok(reachable.has(pkg), `the runtime stage installs ${pkg} (for ${lib}), or a package that depends on it`);
  }
  for (const pkg of ['libcairo2', 'libpangocairo-1.0-0', 'libqrencode4', 'zlib1g', 'fonts-noto-cjk', 'fontconfig', 'libpwquality1', 'libcurl4',
                     'cracklib-runtime'])
    assert.ok(runtime.has(pkg), `the runtime stage installs ${pkg}`);
});
