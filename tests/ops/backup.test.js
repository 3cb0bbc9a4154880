// The restore drill: the backup configuration this repository ships
// (deploy/pgbackrest/: pgbackrest.conf with only its paths and port
// replaced, postgresql.conf's archiving lines verbatim) run end to end on a
// PostgreSQL 15 cluster of the test's own, with the commands the README
// gives (Deployment, "Backups and restore").
//
//   group 0: data through the API (applications with attachments, one of
//            several chunks), an audit checkpoint
//   pgbackrest backup --type=full
//   group 1: more of it, and a deletion             (must survive)
//   T: the recovery target
//   group 2: more of it, a deletion, a checkpoint   (must not)
//   the original cluster stopped (the disaster); pgbackrest restore
//   --type=time --target=T --target-action=promote into a fresh data
//   directory; PostgreSQL, then `kpjdd backup-check` and kpjdd on it:
//   what existed at T is there (counts, ids), nothing of group 2 is, the
//   audit chain and checkpoints verify, and every attachment's bytes,
//   downloaded through kpjdd, hash to the SHA-256 stored with it.
//
// PostgreSQL and pgbackrest refuse to run as root: as root they run as the
// `postgres` system user (as ./dev runs its cluster), in a directory under
// /tmp that the user owns, since a clone under /root is out of its reach.
// Everything started is stopped and the directory removed, however it ends.
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import { REPO_ROOT, config, runKpjdd, startKpjdd } from '../lib/kpjdd.js';
import { createAdmin, signIn } from '../lib/accounts.js';
import { makeApplication, makeBatch, makeRecommender } from '../lib/fixtures.js';

const PGBIN = '/usr/lib/postgresql/15/bin';
const PORT = 5432;            // the socket directories are the test's own: no clash
const STANZA = 'kpjd';
const asRoot = process.getuid() === 0;
const pgUser = asRoot ? 'postgres' : userInfo().username;

const sha256 = (buf) => createHash('sha256').update(buf).digest('hex');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------
// The test's directory and its processes

let T;                        // the temporary directory, owned by pgUser
let pgUid, pgGid;
const running = new Set();    // data directories of clusters started
let k;                        // the kpjdd of the moment

function ids(name) {
  const r = spawnSync('id', [name], { encoding: 'utf8' });
  assert.equal(r.status, 0, `no user ${name} (./dev db start creates it when run as root)`);
  return [Number(/uid=(\d+)/.exec(r.stdout)[1]), Number(/gid=(\d+)/.exec(r.stdout)[1])];
}

// Runs a command as the PostgreSQL OS user, from a directory it can enter,
// with pgbackrest pointed at the test's configuration.
function pgArgv(cmd, args) {
  const envv = [`PGBACKREST_CONFIG=${join(T, 'pgbackrest.conf')}`];
  return asRoot ? ['runuser', ['-u', pgUser, '--', 'env', ...envv, cmd, ...args]]
    : ['env', [...envv, cmd, ...args]];
}

function asPg(cmd, args, { timeout = 120000 } = {}) {
  const [file, argv] = pgArgv(cmd, args);
  return new Promise((resolve, reject) => {
    execFile(file, argv, { cwd: '/', encoding: 'utf8', timeout, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${cmd} ${args.join(' ')} failed (${err.code ?? err.signal}):\n${stdout}${stderr}`));
      else resolve(stdout);
    });
  });
}

const pgbackrest = (...args) => asPg('pgbackrest', [`--stanza=${STANZA}`, ...args]);

// Files the PostgreSQL user must own (inside its data directory, its own dirs).
function writeOwned(path, text) {
  writeFileSync(path, text);
  if (asRoot) chownSync(path, pgUid, pgGid);
}

function mkdirOwned(path) {
  mkdirSync(path, { mode: 0o700 });
  if (asRoot) chownSync(path, pgUid, pgGid);
}

// Stops whatever is still running and removes the directory; synchronous,
// so that it also runs from an exit or signal handler.
function cleanup() {
  if (k) { try { k.proc.kill('SIGKILL'); } catch { /* gone */ } }
  for (const data of running) {
    const [file, argv] = pgArgv(`${PGBIN}/pg_ctl`, ['stop', '-m', 'immediate', '-w', '-D', data]);
    spawnSync(file, argv, { cwd: '/', stdio: 'ignore', timeout: 30000 });
  }
  running.clear();
  if (T && process.env.KPJD_TEST_KEEP_DB !== '1') rmSync(T, { recursive: true, force: true });
  T = undefined;
}
process.on('exit', cleanup);
// once: kpjdd.js's handler (registered first) raises the signal again, to die of it
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.once(sig, cleanup);

// ---------------------------------------------------------------------------
// A cluster

function clusterConf(socketDir) {
  // fsync off: a throwaway cluster (as ./dev's).  Socket 0700: trust is used.
  return [`listen_addresses = ''`, `port = ${PORT}`, `unix_socket_directories = '${socketDir}'`,
    'unix_socket_permissions = 0700', 'fsync = off', 'max_connections = 40', ''].join('\n');
}

async function initCluster(data, socketDir) {
  const locales = spawnSync('locale', ['-a'], { encoding: 'utf8' }).stdout ?? '';
  const locale = /^c\.utf-?8$/im.test(locales) ? '--locale=C.UTF-8' : '--no-locale';
  await asPg(`${PGBIN}/initdb`, ['-D', data, '--auth=trust', '-U', 'postgres', '--encoding=UTF8', locale]);
  writeOwned(join(data, 'kpjd-test.conf'), clusterConf(socketDir));
  // The archiving lines as shipped, verbatim.
  writeOwned(join(data, 'kpjd-archive.conf'), readFileSync(join(REPO_ROOT, 'deploy/pgbackrest/postgresql.conf'), 'utf8'));
  writeOwned(join(data, 'postgresql.conf'), readFileSync(join(data, 'postgresql.conf'), 'utf8') +
    "\ninclude = 'kpjd-test.conf'\ninclude = 'kpjd-archive.conf'\n");
}

async function startCluster(data, log) {
  running.add(data);
  await asPg(`${PGBIN}/pg_ctl`, ['start', '-w', '-t', '120', '-D', data, '-l', log]);
}

async function stopCluster(data) {
  await asPg(`${PGBIN}/pg_ctl`, ['stop', '-m', 'fast', '-w', '-t', '120', '-D', data]);
  running.delete(data);
}

function sql(socketDir, query, db = 'kpjd') {
  return new Promise((resolve, reject) => {
    execFile('psql', ['-X', '-v', 'ON_ERROR_STOP=1', '-At', '-h', socketDir, '-p', String(PORT), '-U', 'postgres',
      '-d', db, '-c', query], { encoding: 'utf8' }, (err, stdout, stderr) => {
      if (err) reject(new Error(`psql: ${stderr || err.message}\n${query}`));
      else resolve(stdout.trim());
    });
  });
}

// What kpjdd's test helpers take as a database: kpjd on that cluster.
function database(socketDir) {
  const as = (user) => `host=${socketDir} port=${PORT} dbname=kpjd user=${user}`;
  return {
    name: 'kpjd',
    conninfo: as(config.dbUser),
    env: { KPJD_DB_CONNINFO: as(config.appUser), KPJD_DB_MIGRATE_CONNINFO: as(config.dbUser), KPJD_DB_APP_ROLE: config.appUser },
    psql: (q) => sql(socketDir, q),
    drop: async () => {},
  };
}

// deploy/pgbackrest/pgbackrest.conf with the paths and the port replaced:
// each key replaced must be in the shipped file, every other line is kept.
function testedConfig(shipped, replace, add) {
  const seen = new Set();
  const lines = shipped.split('\n').map((line) => {
    const m = /^([a-z0-9-]+)=/.exec(line);
    if (!m || !(m[1] in replace)) return line;
    seen.add(m[1]);
    return `${m[1]}=${replace[m[1]]}`;
  });
  for (const key of Object.keys(replace)) assert.ok(seen.has(key), `deploy/pgbackrest/pgbackrest.conf sets ${key}`);
  const global = lines.indexOf('[global]');
  assert.ok(global >= 0 && lines.includes(`[${STANZA}]`), 'the file has [global] and the stanza');
  lines.splice(global + 1, 0, ...Object.entries(add).map(([key, v]) => `${key}=${v}`));
  return lines.join('\n');
}

// ---------------------------------------------------------------------------
// Data through the API

const pdf = (n) => Buffer.concat([Buffer.from('%PDF-1.7\n'), randomBytes(n - 9)]);
const disposition = (name) => `attachment; filename*=UTF-8''${encodeURIComponent(name)}`;

let admin, rec, batch;
const uploaded = new Map();   // attachment id → SHA-256 of the bytes sent

async function newApplication() {
  const reg = await makeApplication(k.url, rec.session, batch.id);
  return { id: reg.application.id, session: await signIn(k.url, reg.username, reg.password) };
}

async function upload(app, bytes, name) {
  const res = await fetch(`${k.url}/api/v1/applications/${app.id}/attachments?kind=evidence`, {
    method: 'POST',
    headers: { authorization: `Bearer ${app.session.token}`, 'content-type': 'application/pdf', 'content-disposition': disposition(name) },
    body: bytes,
  });
  const body = await res.json();
  assert.equal(res.status, 201, JSON.stringify(body));
  assert.equal(body.sha256, sha256(bytes));
  uploaded.set(body.id, body.sha256);
  return body.id;
}

async function remove(app, id) {
  const res = await app.session.api('DELETE', `/attachments/${id}`);
  assert.equal(res.status, 204, await res.text());
}

async function checkpoint() {
  const res = await admin.api('POST', '/audit/checkpoints');
  assert.equal(res.status, 201, await res.text());
}

const COUNTS = `SELECT json_build_object(
  'users', (SELECT count(*) FROM users), 'applications', (SELECT count(*) FROM applications),
  'attachments', (SELECT count(*) FROM attachments WHERE complete), 'chunks', (SELECT count(*) FROM attachment_chunks),
  'audit', (SELECT count(*) FROM audit_log), 'checkpoints', (SELECT count(*) FROM audit_checkpoints))`;

// ---------------------------------------------------------------------------

let key, sock1, sock2, data1, data2;
const env = () => ({ KPJD_CRYPTO_SIGNING_KEY: key, KPJD_AUDIT_CHECKPOINT_INTERVAL: '0' });

before(async () => {
  [pgUid, pgGid] = ids(pgUser);
  T = mkdtempSync('/tmp/kpjd-backup-');
  chmodSync(T, 0o700);
  if (asRoot) chownSync(T, pgUid, pgGid);
  [sock1, sock2, data1, data2] = ['s1', 's2', 'data', 'restored'].map((d) => join(T, d));
  for (const d of [sock1, sock2, join(T, 'repo'), join(T, 'log'), join(T, 'lock')]) mkdirOwned(d);
  key = join(T, 'signing.key');
  assert.equal(runKpjdd(['keygen', '--out', key]).status, 0);
  writeOwned(join(T, 'pgbackrest.conf'), testedConfig(
    readFileSync(join(REPO_ROOT, 'deploy/pgbackrest/pgbackrest.conf'), 'utf8'),
    { 'repo1-path': join(T, 'repo'), 'log-path': join(T, 'log'),
      'pg1-path': data1, 'pg1-socket-path': sock1, 'pg1-port': PORT },
    { 'lock-path': join(T, 'lock') }));   // not /tmp/pgbackrest: other runs may be at work
});

after(async () => {
  try {
    if (k) await k.stop({ allowFailure: true });
    k = undefined;
    for (const data of [...running]) await stopCluster(data);
  } finally {
    cleanup();
  }
});

test('backup, changes, point-in-time restore into a fresh cluster: what existed at T, intact', { timeout: 600000 }, async () => {
  // A cluster archiving its WAL to pgBackRest; kpjd's roles and database.
  await initCluster(data1, sock1);
  await startCluster(data1, join(T, 'pg-data.log'));
  for (const q of [`CREATE ROLE ${config.dbUser} LOGIN`, `CREATE ROLE ${config.appUser} LOGIN`,
    `CREATE DATABASE kpjd OWNER ${config.dbUser}`]) await sql(sock1, q, 'postgres');
  await pgbackrest('stanza-create');
  await pgbackrest('check');
  const db = database(sock1);
  k = await startKpjdd({ db, migrate: true, env: env() });

  // group 0: before the backup
  createAdmin(db);
  admin = await signIn(k.url, 'admin');
  rec = await makeRecommender(k.url, admin, { name: '北京市科学技术协会', kind: 'provincial_cast', region: '北京市' });
  batch = await makeBatch(admin, { status: 'open' });
  const a0 = await newApplication();
  const kept0 = await upload(a0, pdf(600 * 1024), '申报表.pdf');          // three chunks
  const gone1 = await upload(a0, pdf(3000), '证明一.pdf');               // deleted in group 1
  const back2 = await upload(a0, pdf(4000), '证明二.pdf');               // deleted in group 2: back
  await checkpoint();

  await pgbackrest('--type=full', 'backup');

  // group 1: after the backup, before T (from the WAL archive)
  const a1 = await newApplication();
  const kept1 = await upload(a1, pdf(300 * 1024), '活动照片.pdf');
  await remove(a0, gone1);
  uploaded.delete(gone1);
  await checkpoint();

  await sleep(200);   // commit times are compared with T: keep them apart
  const at = JSON.parse(await sql(sock1, `SELECT json_build_object('t', clock_timestamp()::text, 'counts', (${COUNTS}))`));
  await sleep(200);

  // group 2: after T
  const a2 = await newApplication();
  const late = await upload(a2, pdf(5000), '迟到的.pdf');
  const late0 = await upload(a0, pdf(5000), '也迟到.pdf');
  await remove(a0, back2);
  await checkpoint();
  await pgbackrest('check');          // a WAL switch, and waits until it is archived

  // The disaster: the cluster is gone.
  await k.stop();
  k = undefined;
  await stopCluster(data1);

  mkdirOwned(data2);
  await pgbackrest(`--pg1-path=${data2}`, '--type=time', `--target=${at.t}`, '--target-action=promote', 'restore');
  writeOwned(join(data2, 'kpjd-test.conf'), clusterConf(sock2));   // its own socket
  await startCluster(data2, join(T, 'pg-restored.log'));
  for (let i = 0; await sql(sock2, 'SELECT pg_is_in_recovery()') !== 'f'; i++) {
    assert.ok(i < 600, 'the restored cluster promotes within a minute');
    await sleep(100);
  }

  // What existed at T, nothing after.
  assert.deepEqual(JSON.parse(await sql(sock2, COUNTS)), at.counts);
  const rows = (await sql(sock2, 'SELECT id || \' \' || sha256 FROM attachments WHERE complete ORDER BY id'))
    .split('\n').map((l) => l.split(' '));
  assert.deepEqual(rows.map(([id]) => Number(id)), [kept0, back2, kept1].sort((x, y) => x - y));
  for (const [id, hash] of rows) assert.equal(hash, uploaded.get(Number(id)), `attachment ${id}'s stored SHA-256`);

  // The operator's check, on the restored database.
  const restored = database(sock2);
  const check = runKpjdd(['backup-check'], { env: { ...restored.env, ...env() } });
  assert.equal(check.status, 0, check.stdout + check.stderr);
  assert.match(check.stdout, new RegExp(`audit trail: ${at.counts.audit} rows, ${at.counts.checkpoints} checkpoints: the chain and every checkpoint hold`));
  assert.match(check.stdout, /attachments: 3 checked \(\d+ bytes\), 0 not matching/);
  assert.match(check.stdout, /^backup-check: ok$/m);

  // kpjdd serves it: the chain verifies, the files are those uploaded.
  k = await startKpjdd({ db: restored, env: env() });
  admin = await signIn(k.url, 'admin');
  const verify = await (await admin.api('GET', '/audit/verify')).json();
  assert.equal(verify.ok, true, JSON.stringify(verify));
  assert.equal(verify.checkpoints, at.counts.checkpoints);
  assert.equal(verify.count, at.counts.audit + 1, 'the rows at T and this login');
  for (const [id, hash] of rows) {
    const res = await admin.api('GET', `/attachments/${id}`);
    assert.equal(res.status, 200);
    assert.equal(sha256(Buffer.from(await res.arrayBuffer())), hash, `attachment ${id}'s bytes`);
  }
  for (const id of [late, late0, gone1]) assert.equal((await admin.api('GET', `/attachments/${id}`)).status, 404);
  assert.equal((await admin.api('GET', `/applications/${a2.id}`)).status, 404);
  assert.equal((await admin.api('GET', `/applications/${a1.id}`)).status, 200);
  await k.stop();
  k = undefined;

  // backup-check fails on a damaged file and a rewritten audit row, naming them.
  await sql(sock2, `UPDATE attachment_chunks SET data = set_byte(data, 99, (get_byte(data, 99) + 1) % 256)
                     WHERE attachment_id = ${kept0} AND seq = 1`);
  await sql(sock2, `SET session_replication_role = replica;
                    UPDATE audit_log SET action = 'user.renamed' WHERE id = (SELECT min(id) FROM audit_log)`);
  const bad = runKpjdd(['backup-check'], { env: { ...restored.env, ...env() } });
  assert.equal(bad.status, 1, bad.stdout + bad.stderr);
  assert.match(bad.stdout, new RegExp(`attachment ${kept0}: bytes hash to [0-9a-f]{64}, recorded sha256 ${uploaded.get(kept0)}`));
  assert.doesNotMatch(bad.stdout, /audit trail: .*the chain and every checkpoint hold/);
  assert.match(bad.stdout, /attachments: 3 checked \(\d+ bytes\), 1 not matching/);
  assert.match(bad.stdout, /^backup-check: FAILED$/m);
});
