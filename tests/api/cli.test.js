// kpjdd's command line and configuration: subcommands, -c FILE, and the
// KPJD_<SECTION>_<KEY> overrides; every bad setting is one line and exit 2.
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';

import { REPO_ROOT, runKpjdd, startKpjdd } from '../lib/kpjdd.js';

const dir = mkdtempSync(join(tmpdir(), 'kpjd-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function conf(name, text) {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

// The one-line error and exit status 2, with nothing started.
function refused(args, env, pattern) {
  const r = runKpjdd(args, { env });
  assert.equal(r.status, 2, `exit status (stderr: ${r.stderr})`);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, `one line: ${r.stderr}`);
  assert.match(lines[0], pattern);
}

describe('subcommands', () => {
  test('--help lists the commands', () => {
    const r = runKpjdd(['--help']);
    assert.equal(r.status, 0);
    for (const c of ['serve', 'migrate', 'version', 'routes', '-c FILE']) assert.ok(r.stdout.includes(c), c);
  });

  test('version', () => {
    const r = runKpjdd(['version']);
    assert.equal(r.status, 0);
    assert.match(r.stdout, /^kpjdd \d+\.\d+\.\d+ \(schema version \d+\)\n$/);
  });

  test('an unknown command or option is refused with exit 2', () => {
    const r = runKpjdd(['frobnicate']);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /unknown command 'frobnicate'/);
    assert.equal(runKpjdd(['--bogus']).status, 2);
  });
});

describe('configuration', () => {
  test('the shipped conf/kpjd.conf is valid and complete', async () => {
    const k = await startKpjdd({ args: ['-c', join(REPO_ROOT, 'conf', 'kpjd.conf')] });
    assert.equal((await fetch(k.url + '/healthz')).status, 200);
    await k.stop();
  });

  test('an unreadable file is named', () => {
    refused(['-c', join(dir, 'missing.conf'), 'migrate'], {}, /^kpjdd: cannot read .*missing\.conf: No such file or directory$/);
    const locked = conf('locked.conf', '[http]\n');
    chmodSync(locked, 0o000);
    // root reads anything; the check only means something for other users
    if (process.getuid() !== 0) refused(['-c', locked, 'migrate'], {}, /cannot read .*locked\.conf/);
  });

  test('an unknown key names file, line and key', () => {
    refused(['-c', conf('a.conf', '# comment\n[http]\nlisten = 127.0.0.1:1\nlistn = x\n'), 'migrate'], {},
      /^kpjdd: .*a\.conf:4: unknown key 'http\.listn'$/);
  });

  test('an unknown section is named', () => {
    refused(['-c', conf('b.conf', '[htp]\n'), 'migrate'], {}, /b\.conf:1: unknown section 'htp'/);
  });

  test('a bad value says what was expected', () => {
    refused(['-c', conf('c.conf', '[http]\nworkers = many\n'), 'migrate'], {},
      /c\.conf:2: http\.workers: expected an integer from 0 to 1024, got 'many'/);
    refused(['-c', conf('d.conf', '[db]\nauto_migrate = perhaps\n'), 'migrate'], {},
      /d\.conf:2: db\.auto_migrate: expected true or false/);
    refused(['-c', conf('e.conf', '[http]\nlisten = localhost:80\n'), 'migrate'], {},
      /e\.conf:2: http\.listen: expected an address/);
    refused(['-c', conf('f.conf', '[http]\nmax_body = 1T\n'), 'migrate'], {}, /http\.max_body/);
  });

  test('environment overrides are checked the same way', () => {
    refused(['migrate'], { KPJD_HTTP_WORKERS: 'lots' }, /^kpjdd: KPJD_HTTP_WORKERS: expected an integer/);
    refused(['migrate'], { KPJD_HTTP_LISTN: '127.0.0.1:1' }, /^kpjdd: KPJD_HTTP_LISTN: unknown configuration key$/);
    refused(['migrate'], { KPJD_LOG_LEVEL: 'loud' }, /KPJD_LOG_LEVEL: expected debug, info, warn or error/);
  });

  test('an environment override wins over the file', async () => {
    const file = conf('g.conf', '[http]\nlisten = 127.0.0.1:1\n[web]\nroot = /nonexistent\n');
    // startKpjdd sets KPJD_HTTP_LISTEN (port 0) and KPJD_WEB_ROOT: the daemon must use them.
    const k = await startKpjdd({ args: ['-c', file] });
    assert.notEqual(new URL(k.url).port, '1');
    assert.equal((await fetch(k.url + '/')).status, 200);
    await k.stop();
  });

  test('a web root that does not exist stops serve with exit 2', () => {
    refused(['serve'], { KPJD_WEB_ROOT: join(dir, 'nope'), KPJD_DB_CONNINFO: 'host=/nonexistent' }, /web\.root: cannot open/);
  });
});

describe('create-admin', () => {
  test('creates an admin from a password on standard input; refuses what it cannot take', async () => {
    const { createDatabase } = await import('../lib/kpjdd.js');
    const db = await createDatabase();
    try {
      const env = db.env;
      let r = runKpjdd(['create-admin', 'root-admin'], { env, input: 'a long enough password\n' });
      assert.equal(r.status, 1, 'before migrate');
      assert.match(r.stderr, /schema is not current.*run 'kpjdd migrate' first/);
      assert.equal(runKpjdd(['migrate'], { env }).status, 0);

      r = runKpjdd(['create-admin', 'root-admin'], { env, input: 'a long enough password\n' });
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, /^created admin 'root-admin' \(user id 1\)$/m);
      assert.equal(await db.psql("SELECT role || ' ' || must_change_password FROM users"), 'admin false');
      assert.match(await db.psql('SELECT password_hash FROM users'), /^\$argon2id\$v=19\$m=65536,t=2,p=1\$/);
      assert.equal(await db.psql("SELECT action FROM audit_log"), 'user.created');

      const refusals = [
        [['create-admin', 'ROOT-ADMIN'], 'another long password\n', 1, /the username 'ROOT-ADMIN' is taken/],
        [['create-admin', 'x'], 'a long enough password\n', 1, /invalid username 'x'/],
        [['create-admin', 'bad name'], 'a long enough password\n', 1, /invalid username/],
        [['create-admin', 'adm\u0130n'], 'a long enough password\n', 1, /invalid username/],
        [['create-admin', '\u212Aelvin'], 'a long enough password\n', 1, /invalid username/],
        [['create-admin', 'shorty'], 'too short\n', 1, /password refused: .*12 to 128 characters/],
        [['create-admin', 'longy'], `${'x'.repeat(129)}\n`, 1, /password refused/],
        [['create-admin', 'silent'], '', 1, /give the password/],
        [['create-admin'], '', 2, /create-admin needs a USERNAME/],
      ];
      for (const [args, input, status, pattern] of refusals) {
        const res = runKpjdd(args, { env, input });
        assert.equal(res.status, status, `${args.join(' ')}: ${res.stderr}`);
        assert.match(res.stderr, pattern);
      }
      assert.equal(await db.psql('SELECT count(*) FROM users'), '1');
      // 128 characters of Chinese are 128, not 384
      assert.equal(runKpjdd(['create-admin', 'zh-admin'], { env, input: `${'密'.repeat(128)}\n` }).status, 0);
    } finally {
      await db.drop();
    }
  });
});
