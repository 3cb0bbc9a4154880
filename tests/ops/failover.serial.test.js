// PostgreSQL high availability, the deployment in deploy/patroni/ run for
// real on loopback: one etcd member, two Patroni nodes (PostgreSQL 15,
// synchronous replication), kpjdd with a two-host conninfo and
// target_session_attrs=read-write.  Under a write load the primary's
// postmaster is killed with SIGKILL; the same kpjdd answers 503 with
// Retry-After while Patroni promotes the standby, serves writes again by
// itself, and every write it acknowledged is on the new primary, its audit
// chain whole.  Prints the time from the kill to the first write served.
//
// Runs alone (RUN_SERIAL): its timings should not depend on the other
// tests' load.  Everything it starts lives in one private directory under
// the system's temporary directory (a clone under a 0700 /root cannot be
// entered by the postgres user), and is stopped and removed at the end.
// KPJD_TEST_VERBOSE=1 prints etcd's and the two Patronis' logs (PostgreSQL's
// included) at the end.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chmodSync, chownSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync,
  rmSync, writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';

import { REPO_ROOT, runKpjdd, startKpjdd } from '../lib/kpjdd.js';
import { signIn } from '../lib/accounts.js';
import { isoIn } from '../lib/fixtures.js';
import { sleep } from '../lib/http.js';

const DEPLOY = join(REPO_ROOT, 'deploy', 'patroni');
const WRITERS = 2;                 // concurrent writers, each sequential
const PAUSE_MS = 25;               // between one writer's requests
const REQUEST_BOUND_MS = 15000;    // no answer may take longer (two hosts × connect_timeout 3 s, and more)
const RECOVER_BOUND_MS = 90000;    // the switch must be over by then
const AFTER_RECOVERY = 20;         // writes served after the switch before the load stops

// PostgreSQL refuses to run as root: as root (CI) the cluster runs as the
// `postgres` system user (./dev makes it), otherwise as the caller.
const asRoot = process.getuid() === 0;
const pgUid = asRoot ? Number(spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).stdout) : process.getuid();
const pgGid = asRoot ? Number(spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).stdout) : process.getgid();

const base = mkdtempSync(join(tmpdir(), 'kpjd-ha-'));
chmodSync(base, 0o755);
if (asRoot) chownSync(base, pgUid, pgGid);

const procs = [];                  // { name, proc, out() }, stopped in reverse order
let k;

function freePort() {
  return new Promise((resolveP, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolveP(port)); });
  });
}

// A directory or file of ours in `base`, owned by the PostgreSQL OS user.
function own(path) {
  if (asRoot) chownSync(path, pgUid, pgGid);
  return path;
}

function dirFor(...parts) {
  const p = join(base, ...parts);
  mkdirSync(p, { recursive: true, mode: 0o700 });
  return own(p);
}

// Starts `cmd` as the PostgreSQL OS user; its output is kept (the last
// 200 kB) for the report of a failure.
function startAsPg(name, cmd, args, env) {
  const proc = spawn(cmd, args, {
    cwd: base, ...(asRoot ? { uid: pgUid, gid: pgGid } : {}), stdio: ['ignore', 'pipe', 'pipe'],
    env: { PATH: process.env.PATH, HOME: base, LANG: 'C.UTF-8', ...env },
  });
  let out = '';
  const keep = (chunk) => { out = (out + chunk).slice(-200000); };
  proc.stdout.setEncoding('utf8').on('data', keep);
  proc.stderr.setEncoding('utf8').on('data', keep);
  proc.on('error', (err) => keep(`\n${cmd}: ${err.message}\n`));   // not installed: see ./dev's PACKAGES
  const exited = new Promise((r) => { proc.on('close', r); proc.on('error', r); });
  const p = { name, proc, exited, out: () => out };
  procs.push(p);
  return p;
}

async function until(what, fn, ms, every = 250) {
  const end = Date.now() + ms;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch { /* not yet */ }
    if (Date.now() > end) {
      throw new Error(`${what}: not within ${ms / 1000} s\n` +
        procs.map((p) => `--- ${p.name} ---\n${p.out().slice(-6000)}`).join('\n'));
    }
    await sleep(every);
  }
}

const status = async (url) => (await fetch(url, { signal: AbortSignal.timeout(3000) })).status;

// deploy/patroni/etcd.env with this test's name, addresses and directory in
// place of the seven settings that differ per member (the file must have them).
function etcdEnv(client, peer) {
  const mine = {
    ETCD_NAME: 'etcd1',
    ETCD_DATA_DIR: join(dirFor('etcd'), 'data'),
    ETCD_LISTEN_PEER_URLS: `http://127.0.0.1:${peer}`,
    ETCD_LISTEN_CLIENT_URLS: `http://127.0.0.1:${client}`,
    ETCD_INITIAL_ADVERTISE_PEER_URLS: `http://127.0.0.1:${peer}`,
    ETCD_ADVERTISE_CLIENT_URLS: `http://127.0.0.1:${client}`,
    ETCD_INITIAL_CLUSTER: `etcd1=http://127.0.0.1:${peer}`,
  };
  const env = {};
  for (const line of readFileSync(join(DEPLOY, 'etcd.env'), 'utf8').split('\n')) {
    const m = /^(ETCD_[A-Z0-9_]+)=(.*)$/.exec(line);
    if (m) env[m[1]] = m[2];
  }
  for (const key of Object.keys(mine)) assert.ok(key in env, `deploy/patroni/etcd.env sets ${key}`);
  return { ...env, ...mine };
}

// A node's configuration directory: deploy/patroni/kpjd.yml as it is, and
// this node's node.yml (JSON is YAML) with loopback addresses and private
// paths.  No Unix socket: Patroni, kpjdd and psql all come over TCP.
function nodeConfig(name, { pg, api, etcd }) {
  const conf = dirFor(name, 'conf');
  copyFileSync(join(DEPLOY, 'kpjd.yml'), join(conf, 'kpjd.yml'));
  own(join(conf, 'kpjd.yml'));
  const node = {
    name,
    etcd3: { hosts: `127.0.0.1:${etcd}` },
    restapi: { listen: `127.0.0.1:${api}`, connect_address: `127.0.0.1:${api}` },
    bootstrap: { post_bootstrap: join(base, 'post-bootstrap.sh') },
    postgresql: {
      listen: `127.0.0.1:${pg}`,
      connect_address: `127.0.0.1:${pg}`,
      data_dir: join(dirFor(name), 'data'),
      pgpass: join(dirFor(name), 'pgpass'),
      parameters: { unix_socket_directories: '' },
    },
  };
  writeFileSync(join(conf, 'node.yml'), JSON.stringify(node, null, 2));
  own(join(conf, 'node.yml'));
  return conf;
}

const secret = () => randomBytes(18).toString('base64url');
const secrets = {
  PATRONI_SUPERUSER_PASSWORD: secret(),
  PATRONI_REPLICATION_PASSWORD: secret(),
  PATRONI_RESTAPI_USERNAME: 'patroni',
  PATRONI_RESTAPI_PASSWORD: secret(),
  KPJD_OWNER_PASSWORD: secret(),
  KPJD_APP_PASSWORD: secret(),
};

// What the owner sees on one node (psql over TCP, its password in the
// environment).
function psqlOwner(port, sql) {
  const r = spawnSync('psql', ['-X', '-At', '-v', 'ON_ERROR_STOP=1', '-h', '127.0.0.1', '-p', String(port),
    '-U', 'kpjd', '-d', 'kpjd', '-c', sql],
  { encoding: 'utf8', timeout: 30000, env: { ...process.env, PGPASSWORD: secrets.KPJD_OWNER_PASSWORD, PGCONNECT_TIMEOUT: '5' } });
  assert.equal(r.status, 0, `psql on port ${port}: ${r.stderr}`);
  return r.stdout.trim();
}

// Processes still in one of our directories: backends of a killed
// postmaster that Patroni did not reap, and the like.
function strays() {
  const pids = [];
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      if (readlinkSync(`/proc/${pid}/cwd`).startsWith(base + '/')) pids.push(Number(pid));
    } catch { /* gone, or not ours to read */ }
  }
  return pids;
}

after(async () => {
  await k?.stop({ allowFailure: true }).catch(() => {});
  for (const p of [...procs].reverse()) {      // Patroni stops its PostgreSQL on SIGTERM
    if (p.proc.exitCode !== null || p.proc.signalCode !== null) continue;
    p.proc.kill('SIGTERM');
    const done = await Promise.race([p.exited.then(() => true), sleep(30000).then(() => false)]);
    if (!done) { p.proc.kill('SIGKILL'); await p.exited; }
  }
  if (process.env.KPJD_TEST_VERBOSE === '1') {
    for (const p of procs) process.stderr.write(`--- ${p.name} ---\n${p.out()}\n`);
  }
  for (const pid of strays()) {
    try { process.kill(pid, 'SIGKILL'); } catch { /* already gone */ }
  }
  rmSync(base, { recursive: true, force: true });
});

test('the primary dies under writes: 503 with Retry-After, then writes again on the new primary, nothing acknowledged lost', { timeout: 420000 }, async (t) => {
  const [etcdClient, etcdPeer, pg1, pg2, api1, api2] = await Promise.all(Array.from({ length: 6 }, freePort));
  copyFileSync(join(DEPLOY, 'post-bootstrap.sh'), join(base, 'post-bootstrap.sh'));
  chmodSync(own(join(base, 'post-bootstrap.sh')), 0o755);

  // etcd, then node 1 alone (it bootstraps and leads), then node 2 (a
  // pg_basebackup of node 1, then its synchronous standby).
  const started = Date.now();
  const phase = (what) => t.diagnostic(`${what} after ${((Date.now() - started) / 1000).toFixed(1)} s`);
  startAsPg('etcd', 'etcd', [], etcdEnv(etcdClient, etcdPeer));
  await until('etcd healthy', async () => (await (await fetch(`http://127.0.0.1:${etcdClient}/health`)).json()).health === 'true', 30000);
  phase('etcd up');
  const nodes = {
    pg1: { pg: pg1, api: api1 },
    pg2: { pg: pg2, api: api2 },
  };
  for (const [name, n] of Object.entries(nodes)) {
    n.conf = nodeConfig(name, { ...n, etcd: etcdClient });
    n.data = join(base, name, 'data');
  }
  startAsPg('patroni pg1', 'patroni', [nodes.pg1.conf], secrets);
  await until('pg1 leads', async () => (await status(`http://127.0.0.1:${api1}/primary`)) === 200, 90000);
  phase('pg1 leads');
  startAsPg('patroni pg2', 'patroni', [nodes.pg2.conf], secrets);
  await until('pg2 is the synchronous standby', async () => (await status(`http://127.0.0.1:${api2}/sync`)) === 200, 120000);
  phase('pg2 is the synchronous standby');

  // kpjdd as README's "High availability" sets it up: both hosts, and only
  // the one that takes writes.
  const conninfo = (user, password) => `host=127.0.0.1,127.0.0.1 port=${pg1},${pg2} dbname=kpjd ` +
    `user=${user} password=${password} target_session_attrs=read-write`;
  const db = {
    conninfo: conninfo('kpjd', secrets.KPJD_OWNER_PASSWORD),
    env: {
      KPJD_DB_CONNINFO: conninfo('kpjd_app', secrets.KPJD_APP_PASSWORD),
      KPJD_DB_MIGRATE_CONNINFO: conninfo('kpjd', secrets.KPJD_OWNER_PASSWORD),
      KPJD_DB_APP_ROLE: 'kpjd_app',
    },
    drop: async () => {},
  };
  k = await startKpjdd({ db, migrate: true, env: { KPJD_DB_AUTO_MIGRATE: 'false' } });
  const pid = k.proc.pid;
  const made = runKpjdd(['create-admin', 'admin'], { env: { KPJD_DB_CONNINFO: db.conninfo }, input: 'correct horse battery\n' });
  assert.equal(made.status, 0, made.stderr);
  const admin = await signIn(k.url, 'admin', 'correct horse battery');

  // The load: each writer creates batches (an audited write) one after
  // another; every answer is recorded.
  const answers = [];          // { code, status, retryAfter, problem, at, ms }
  let killedAt = 0;
  let recoveredAt = 0;
  let stop = false;
  let seq = 0;
  const servedAfterKill = () => answers.filter((a) => a.status === 201 && a.sent > killedAt).length;
  async function writer() {
    while (!stop) {
      const n = ++seq;
      const code = `F${n}`;
      const sent = Date.now();
      let a;
      try {
        const res = await admin.api('POST', '/batches', {
          code, title: `失效切换${n}`, term_start_year: 2021, term_end_year: 2025,
          contact_deadline: isoIn(30), recommend_deadline: isoIn(60),
        });
        const text = await res.text();
        a = { code, status: res.status, retryAfter: res.headers.get('retry-after'), problem: res.status === 201 ? null : text };
      } catch (err) {
        a = { code, status: 0, problem: String(err) };   // no answer: a hang or a dropped connection
      }
      a.sent = sent;
      a.at = Date.now();
      a.ms = a.at - sent;
      answers.push(a);
      if (killedAt && !recoveredAt && a.status === 201 && sent > killedAt) recoveredAt = a.at;
      if (recoveredAt && servedAfterKill() >= AFTER_RECOVERY) stop = true;
      if (killedAt && Date.now() - killedAt > RECOVER_BOUND_MS) stop = true;
      await sleep(PAUSE_MS);
    }
  }
  const load = Array.from({ length: WRITERS }, writer);

  await until('writes served before the kill', () => answers.filter((a) => a.status === 201).length >= 30, 60000, 50);
  const postmaster = Number(readFileSync(join(nodes.pg1.data, 'postmaster.pid'), 'utf8').split('\n')[0]);
  assert.ok(postmaster > 0, 'pg1 postmaster.pid names a process');
  killedAt = Date.now();
  process.kill(postmaster, 'SIGKILL');
  await Promise.all(load);

  const byStatus = {};
  for (const a of answers) byStatus[a.status] = (byStatus[a.status] ?? 0) + 1;
  const during = answers.filter((a) => a.sent <= (recoveredAt || Infinity) && a.at >= killedAt && a.status !== 201);
  const recoverS = recoveredAt ? `${((recoveredAt - killedAt) / 1000).toFixed(1)} s` : 'never';
  t.diagnostic(`answers by status: ${JSON.stringify(byStatus)}; ${during.length} refused during the switch`);
  t.diagnostic(`recovered ${recoverS} after the SIGKILL (first write served); slowest answer ${Math.max(...answers.map((a) => a.ms))} ms`);
  console.log(`failover: kill to first write served: ${recoverS}`);

  assert.ok(recoveredAt > 0, `kpjdd served a write within ${RECOVER_BOUND_MS / 1000} s of the kill`);
  for (const a of answers) {
    assert.ok(a.status === 201 || a.status === 503, `only 201 or 503: ${a.code} got ${a.status} ${a.problem}`);
    if (a.status === 503) {
      assert.ok(Number(a.retryAfter) > 0, `503 with Retry-After: ${a.code}`);
      assert.equal(JSON.parse(a.problem).code, 'unavailable', a.problem);
    }
    assert.ok(a.ms < REQUEST_BOUND_MS, `${a.code} answered within ${REQUEST_BOUND_MS} ms (took ${a.ms})`);
  }
  assert.ok(during.length > 0, 'some write met the switch and was refused with 503');
  assert.equal(k.proc.pid, pid);
  assert.equal(k.proc.exitCode, null, 'the same kpjdd process, never restarted');

  // Patroni promoted pg2; every acknowledged write is there, each with its
  // audit row, and the chain verifies.
  await until('pg2 is the primary', async () => (await status(`http://127.0.0.1:${api2}/primary`)) === 200, 30000);
  const acked = answers.filter((a) => a.status === 201).map((a) => a.code);
  const present = new Set(psqlOwner(pg2, "SELECT code FROM batches WHERE code LIKE 'F%'").split('\n').filter(Boolean));
  const lost = acked.filter((c) => !present.has(c));
  assert.deepEqual(lost, [], `acknowledged writes missing on the new primary (${acked.length} acknowledged)`);
  const unacked = [...present].filter((c) => !acked.includes(c));
  t.diagnostic(`${acked.length} acknowledged writes all on pg2; ${unacked.length} more whose answer was 503 committed anyway`);
  const audited = psqlOwner(pg2, `SELECT count(*) FROM audit_log a JOIN batches b ON a.entity = 'batch'
                                   AND a.entity_id = b.id::text AND a.action = 'batch.created' WHERE b.code LIKE 'F%'`);
  assert.equal(Number(audited), present.size, 'each batch has its audit row');
  const verify = await admin.api('GET', '/audit/verify');
  assert.equal(verify.status, 200);
  const v = await verify.json();
  assert.equal(v.ok, true, JSON.stringify(v));
  assert.ok(v.count >= present.size);
  assert.match(k.log(), /database: connected again/);
  await k.stop();                 // exit 0, no sanitizer report
});
