// Test harness shared by the API tests (tests/api) and the browser tests
// (tests/e2e): a private database per test file and a real kpjdd serving it.
// Node built-ins only.
//
// Environment (set by ctest through `./dev test`; defaults for a manual run):
//   KPJD_BIN           kpjdd binary                 (<repo>/build-test/kpjdd)
//   KPJD_WEB_ROOT      the UI's files                (<repo>/web)
//   KPJD_TEST_PGHOST   unix socket dir of the test PostgreSQL
//   KPJD_TEST_PGPORT   its port                      (5432)
//   KPJD_TEST_PGSUPER  superuser role                (postgres)
//   KPJD_TEST_DBUSER   owner role: owns the test databases, runs migrations (kpjd)
//   KPJD_TEST_APPUSER  application role kpjdd serves as (db.app_role)   (kpjd_app)
//   KPJD_DEV           the ./dev script (`db stop` / `db start`)
//   KPJD_TEST_KEEP_DB  set to 1 to keep test databases for a post-mortem
import { spawn, spawnSync, execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

const env = process.env;
export const config = Object.freeze({
  bin: env.KPJD_BIN || resolve(REPO_ROOT, 'build-test', 'kpjdd'),
  webRoot: env.KPJD_WEB_ROOT || resolve(REPO_ROOT, 'web'),
  pgHost: env.KPJD_TEST_PGHOST || env.PGHOST || '/var/run/postgresql',
  pgPort: env.KPJD_TEST_PGPORT || '5432',
  pgSuper: env.KPJD_TEST_PGSUPER || 'postgres',
  dbUser: env.KPJD_TEST_DBUSER || 'kpjd',
  appUser: env.KPJD_TEST_APPUSER || 'kpjd_app',
  dev: env.KPJD_DEV || resolve(REPO_ROOT, 'dev'),
});

const START_TIMEOUT_MS = 20000;
const LISTENING = /listening on (http:\/\/[^\s/"']+)/;
// What AddressSanitizer, LeakSanitizer and UBSan print when they find something.
const SANITIZER = [
  /ERROR: AddressSanitizer/,
  /ERROR: LeakSanitizer/,
  /: runtime error: /,
  /^SUMMARY: /m,
];

// ---------------------------------------------------------------------------
// Databases

const liveDatabases = new Set(); // names created and not yet dropped

function quoteIdent(name) {
  return '"' + String(name).replace(/"/g, '""') + '"';
}

// Runs SQL as the superuser in database `dbname`; resolves trimmed stdout.
export function psql(dbname, sql) {
  return psqlAs(config.pgSuper, dbname, sql);
}

// The same as `user` (the owner, the application role, ...).
export function psqlAs(user, dbname, sql) {
  const args = ['-X', '-v', 'ON_ERROR_STOP=1', '-At', '-h', config.pgHost, '-p', String(config.pgPort),
    '-U', user, '-d', dbname, '-c', sql];
  return new Promise((resolveP, reject) => {
    execFile('psql', args, { encoding: 'utf8', maxBuffer: 64 << 20, env: { ...process.env, PGCONNECT_TIMEOUT: '10' } },
      (err, stdout, stderr) => {
        if (err) {
          const e = new Error(`psql -U ${user} -d ${dbname} failed: ${(stderr || err.message).trim()}`);
          e.stderr = stderr;
          e.sql = sql;
          reject(e);
        } else {
          resolveP(stdout.trim());
        }
      });
  });
}

// A fresh, empty database owned by the owner role.
// → { name, conninfo, appConninfo, env, psql(sql), psqlAs(user, sql), drop() };
// drop() is idempotent.  `conninfo` is the owner's (kpjdd migrate,
// create-admin and other tools); `appConninfo` the application role's, which
// startKpjdd serves with; `env` the three db settings of the two-role setup
// (KPJD_DB_CONNINFO as the application role, KPJD_DB_MIGRATE_CONNINFO as the
// owner, KPJD_DB_APP_ROLE).
export async function createDatabase() {
  const name = `kpjd_t_${process.pid}_${randomBytes(4).toString('hex')}`;
  await psql('postgres', `CREATE DATABASE ${quoteIdent(name)} OWNER ${quoteIdent(config.dbUser)}`);
  liveDatabases.add(name);
  let dropped = null;
  const conninfoAs = (user) => `host=${config.pgHost} port=${config.pgPort} dbname=${name} user=${user}`;
  return {
    name,
    conninfo: conninfoAs(config.dbUser),
    appConninfo: conninfoAs(config.appUser),
    env: {
      KPJD_DB_CONNINFO: conninfoAs(config.appUser),
      KPJD_DB_MIGRATE_CONNINFO: conninfoAs(config.dbUser),
      KPJD_DB_APP_ROLE: config.appUser,
    },
    psql: (sql) => psql(name, sql),
    psqlAs: (user, sql) => psqlAs(user, name, sql),
    drop() {
      dropped ??= psql('postgres', `DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`)
        .then(() => { liveDatabases.delete(name); });
      return dropped;
    },
  };
}

// ---------------------------------------------------------------------------
// The daemon

const liveProcs = new Set(); // kpjdd children still running

// kpjdd serves as the application role; its migration step (and `migrate`
// below) runs as the owner, which then grants the application role.
function daemonEnv(db, extra) {
  return {
    ...process.env,
    ...db.env,
    KPJD_HTTP_LISTEN: '127.0.0.1:0',
    KPJD_WEB_ROOT: config.webRoot,
    ...extra,
  };
}

function sanitizerReport(text) {
  return SANITIZER.some((re) => re.test(text));
}

// Starts `kpjdd serve ...args` on a free loopback port and waits until it
// says it is listening.
//   env       extra environment (overrides the defaults above)
//   db        from createDatabase(); a new one is created when omitted
//   args      extra arguments after `serve`
//   migrate   run `kpjdd migrate` on the database first (default false)
//   keepDb    keep the database at stop(); default: kept when the caller
//             passed `db` (so it can start another daemon on it), dropped
//             when startKpjdd created it
//   startTimeoutMs  (20000)
// → { url, port, proc, db, log(), stdout(), stop(opts) }
export async function startKpjdd({ env: extra = {}, db, args = [], migrate = false,
  keepDb, startTimeoutMs = START_TIMEOUT_MS } = {}) {
  const ownDb = !db;
  db ??= await createDatabase();
  const keepDbDefault = keepDb ?? !ownDb;
  const childEnv = daemonEnv(db, extra);

  try {
    if (migrate) {
      const r = spawnSync(config.bin, ['migrate'], { env: childEnv, encoding: 'utf8', timeout: 60000 });
      if (r.error || r.status !== 0 || sanitizerReport(r.stderr ?? '')) {
        throw new Error(`kpjdd migrate failed (status ${r.status}${r.error ? ', ' + r.error.message : ''}):\n${r.stdout ?? ''}${r.stderr ?? ''}`);
      }
    }
    return await spawnDaemon({ db, args, childEnv, startTimeoutMs, keepDbDefault });
  } catch (err) {
    if (ownDb && env.KPJD_TEST_KEEP_DB !== '1') await db.drop().catch(() => {});
    throw err;
  }
}

function spawnDaemon({ db, args, childEnv, startTimeoutMs, keepDbDefault }) {
  const proc = spawn(config.bin, ['serve', ...args], { env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  liveProcs.add(proc);
  let stderr = '';
  let stdout = '';
  proc.stderr.setEncoding('utf8');
  proc.stdout.setEncoding('utf8');
  proc.stdout.on('data', (chunk) => { stdout += chunk; });
  if (env.KPJD_TEST_VERBOSE === '1') proc.stderr.pipe(process.stderr, { end: false });

  // Resolves once stdio is drained and the process is gone.
  const closed = new Promise((resolveP) => {
    proc.on('close', (code, signal) => { liveProcs.delete(proc); resolveP({ code, signal }); });
  });

  return new Promise((resolveP, reject) => {
    let settled = false;
    const fail = (why, { spawned = true } = {}) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      const err = () => new Error(`kpjdd serve ${why}\n--- stderr ---\n${stderr}`);
      if (!spawned) { liveProcs.delete(proc); reject(err()); return; }
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
      closed.then(() => reject(err()));
    };
    const timer = setTimeout(() => fail(`did not report listening within ${startTimeoutMs} ms`), startTimeoutMs);

    proc.on('error', (err) => fail(`could not be started (${config.bin}): ${err.message}`,
      { spawned: proc.pid !== undefined }));
    closed.then(({ code, signal }) => fail(`exited before listening (code ${code}, signal ${signal})`));
    proc.stderr.on('data', (chunk) => {
      stderr += chunk;
      if (settled) return;
      const m = LISTENING.exec(stderr);
      if (!m) return;
      settled = true;
      clearTimeout(timer);
      const url = m[1];
      resolveP(daemonHandle({ url, proc, db, closed, keepDbDefault,
        log: () => stderr, out: () => stdout }));
    });
  });
}

function daemonHandle({ url, proc, db, closed, keepDbDefault, log, out }) {
  let stopping = null;
  return {
    url,
    port: Number(new URL(url).port),
    proc,
    db,
    log,
    stdout: out,
    // Sends `signal`, waits for the exit (SIGKILL after timeoutMs, then
    // rejects). Rejects on a sanitizer report in stderr, and on an exit
    // code other than 0 unless allowFailure. Drops the db unless keepDb.
    // → { code, signal, stderr }
    stop({ signal = 'SIGTERM', timeoutMs = 15000, allowFailure = false, keepDb = keepDbDefault } = {}) {
      stopping ??= (async () => {
        let timedOut = false;
        if (proc.exitCode === null && proc.signalCode === null) {
          proc.kill(signal);
        }
        const timer = setTimeout(() => { timedOut = true; proc.kill('SIGKILL'); }, timeoutMs);
        const { code, signal: exitSignal } = await closed;
        clearTimeout(timer);
        const stderr = log();
        if (!keepDb && env.KPJD_TEST_KEEP_DB !== '1') await db.drop();
        const result = { code, signal: exitSignal, stderr };
        const tail = `\n--- stderr ---\n${stderr}`;
        if (timedOut) {
          throw Object.assign(new Error(`kpjdd did not exit within ${timeoutMs} ms of ${signal}; killed${tail}`), result);
        }
        if (sanitizerReport(stderr)) {
          throw Object.assign(new Error(`kpjdd stderr holds a sanitizer report${tail}`), result);
        }
        if (code !== 0 && !allowFailure) {
          throw Object.assign(new Error(`kpjdd exited with code ${code}, signal ${exitSignal}${tail}`), result);
        }
        return result;
      })();
      return stopping;
    },
  };
}

// Runs kpjdd to completion (migrate, version, --help, create-admin ...).
// → { status, signal, stdout, stderr, error }
export function runKpjdd(args, { env: extra = {}, input, timeoutMs = 60000 } = {}) {
  const r = spawnSync(config.bin, args, {
    env: { ...process.env, ...extra },
    input,
    encoding: 'utf8',
    timeout: timeoutMs,
  });
  return { status: r.status, signal: r.signal, stdout: r.stdout ?? '', stderr: r.stderr ?? '', error: r.error };
}

// Runs `$KPJD_DEV db stop|start` (to test what kpjdd does without its database).
export function devDb(action) {
  const r = spawnSync(config.dev, ['db', action], { encoding: 'utf8', timeout: 120000 });
  if (r.error || r.status !== 0) {
    throw new Error(`${config.dev} db ${action} failed (status ${r.status}): ${r.error?.message ?? ''}\n${r.stdout}${r.stderr}`);
  }
  return r;
}

// ---------------------------------------------------------------------------
// Never leave a daemon (or a test database) behind, however the test ends.

function cleanup() {
  for (const proc of liveProcs) {
    try { proc.kill('SIGKILL'); } catch { /* already gone */ }
  }
  liveProcs.clear();
  if (env.KPJD_TEST_KEEP_DB === '1') return;
  for (const name of liveDatabases) {
    spawnSync('psql', ['-X', '-q', '-h', config.pgHost, '-p', String(config.pgPort), '-U', config.pgSuper,
      '-d', 'postgres', '-c', `DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`],
    { stdio: 'ignore', timeout: 10000, env: { ...process.env, PGCONNECT_TIMEOUT: '5' } });
  }
  liveDatabases.clear();
}

process.on('exit', cleanup);
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.once(sig, () => {
    cleanup();
    process.kill(process.pid, sig); // default action now that the listener is gone
  });
}
