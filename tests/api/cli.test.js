// kpjdd's command line and configuration: subcommands, -c FILE, and the
// KPJD_<SECTION>_<KEY> overrides; every bad setting is one line and exit 2.
// `kpjdd sample` against python3's draws and a reference written here.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
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
        [['create-admin', 'weakling'], '123456789012\n', 1, /password refused: 密码过于简单或有规律.*12 to 128 characters/],
        [['create-admin', 'chief-admin'], 'Chief-Admin 2026\n', 1, /password refused: 密码不能包含用户名/],
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
      const zh = '科普教育基地申报密码一二三四五'.repeat(9).slice(0, 128);
      assert.equal(runKpjdd(['create-admin', 'zh-admin'], { env, input: `${zh}\n` }).status, 0);
    } finally {
      await db.drop();
    }
  });
});

describe('sample (kpjd-sample-v1)', () => {
  const SEED = '000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f';
  const REGIONS = ['北京市', '上海市', '广东省', '新疆维吾尔自治区'];
  const CATEGORIES = ['venue', 'agriculture', 'education_research'];
  // ids 1..20 as tests/unit/test_sample.c has them
  const TSV = Array.from({ length: 20 }, (_, k) => {
    const id = k + 1;
    return `${id}\t${id === 20 ? '西藏自治区' : REGIONS[(7 * id) % 4]}\t${CATEGORIES[(5 * id) % 3]}\n`;
  }).join('');

  function sample(args, input) {
    return runKpjdd(['sample', ...args], { input });
  }
  function ids(r) {
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr, '');
    return r.stdout === '' ? [] : r.stdout.trimEnd().split('\n').map(Number);
  }
  // One line on stderr, in Chinese and in English, and the exit status.
  function fails(args, input, status, zh, en) {
    const r = sample(args, input);
    assert.equal(r.status, status, `${args.join(' ')}: ${r.stderr}`);
    assert.equal(r.stdout, '');
    const lines = r.stderr.trimEnd().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0], /^kpjdd: sample: /);
    assert.match(lines[0], zh);
    assert.match(lines[0], en);
  }

  // kpjd-sample-v1 once more, from API.md, with node's HMAC and exact integers:
  // rate = num / den.
  function reference(seed, num, den, rows, col) {
    const groups = new Map();
    for (const r of rows) {
      const k = col === null ? '' : r[col];
      if (!groups.has(k)) groups.set(k, []);
      groups.get(k).push(r[0]);
    }
    const key = (id) => createHmac('sha256', Buffer.from(seed, 'hex')).update(String(id)).digest('hex');
    const out = [];
    for (const g of groups.values()) {
      const keyed = g.map((id) => [key(id), id]).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] - b[1]));
      const take = Number((BigInt(num) * BigInt(g.length) + BigInt(den) - 1n) / BigInt(den));
      out.push(...keyed.slice(0, take).map((x) => x[1]));
    }
    return out.sort((a, b) => a - b);
  }

  test('draws what python3 draws', () => {
    // python3 (hmac, hashlib, fractions), per group:
    //   sorted(ids, key=lambda i: (hmac.new(seed, str(i).encode(), hashlib.sha256).hexdigest(), i))
    //   [:math.ceil(Fraction(rate) * len(ids))], the union sorted
    const want = {
      '0.3': { none: [3, 4, 8, 11, 18, 19], region: [3, 4, 8, 10, 11, 13, 17, 18, 20], category: [3, 4, 7, 8, 11, 17, 18, 19] },
      '0.25': { none: [3, 4, 8, 11, 18], region: [3, 8, 10, 11, 13, 17, 18, 20], category: [3, 4, 8, 11, 18, 19] },
      '0.05': { none: [8], region: [3, 8, 17, 18, 20], category: [4, 8, 18] },
    };
    for (const [rate, by] of Object.entries(want)) {
      for (const [stratify, expected] of Object.entries(by)) {
        assert.deepEqual(ids(sample(['--seed', SEED, '--rate', rate, '--stratify-by', stratify], TSV)), expected,
          `${rate} ${stratify}`);
      }
    }
    assert.deepEqual(ids(sample(['--seed', SEED, '--rate', '0.3'], TSV)), want['0.3'].none, 'none by default');
    assert.deepEqual(ids(sample(['--rate', '0.30', '--seed', SEED.toUpperCase()], TSV)), want['0.3'].none,
      'upper-case seed, another spelling of the rate');
    const all = Array.from({ length: 20 }, (_, k) => k + 1);
    for (const by of ['none', 'region', 'category']) {
      assert.deepEqual(ids(sample(['--seed', SEED, '--rate', '1', '--stratify-by', by], TSV)), all);
    }
  });

  test('agrees with the reference on many sizes, rates and strata', () => {
    let x = 12345;                                         // a fixed pseudo-random sequence
    const next = (n) => { x = (x * 1103515245 + 12345) % 2147483648; return x % n; };
    const seeds = [SEED, 'ff'.repeat(32), createHmac('sha256', 'kpjd').update('seed').digest('hex')];
    for (const size of [1, 2, 3, 7, 10, 25, 50, 75, 100, 1000]) {   // 25, 50, 75, 100: where a double rounds up
      const rows = [];
      const used = new Set();
      while (rows.length < size) {
        const id = 1 + next(1000000) * (next(2) ? 1 : 1000);
        if (used.has(id)) continue;
        used.add(id);
        rows.push([id, REGIONS[next(4)], CATEGORIES[next(3)]]);
      }
      const input = rows.map((r) => r.join('\t')).join('\r\n');   // CRLF, no final line end
      for (const pct of [1, 7, 14, 28, 30, 55, 68, 100]) {
        const rate = pct === 100 ? '1' : `0.${String(pct).padStart(2, '0')}`;
        const seed = seeds[next(seeds.length)];
        for (const [by, col] of [['none', null], ['region', 1], ['category', 2]]) {
          assert.deepEqual(ids(sample(['--seed', seed, '--rate', rate, '--stratify-by', by], input)),
            reference(seed, pct, 100, rows, col), `size ${size}, rate ${rate}, ${by}`);
        }
      }
    }
    // a rate of nine decimal places, and one in exponent form
    const rows = Array.from({ length: 500 }, (_, k) => [k * 3 + 1, REGIONS[k % 4], CATEGORIES[k % 3]]);
    const input = rows.map((r) => r.join('\t') + '\n').join('');
    assert.deepEqual(ids(sample(['--seed', SEED, '--rate', '0.123456789', '--stratify-by', 'region'], input)),
      reference(SEED, 123456789, 1000000000, rows, 1));
    assert.deepEqual(ids(sample(['--seed', SEED, '--rate', '7E-2', '--stratify-by', 'category'], input)),
      reference(SEED, 7, 100, rows, 2));
  });

  test('no candidates, no sample; the most candidates it takes', () => {
    assert.deepEqual(ids(sample(['--seed', SEED, '--rate', '0.5'], '')), []);
    const lines = Array.from({ length: 100000 }, (_, k) => `${k + 1}\n`).join('');
    assert.equal(ids(sample(['--seed', SEED, '--rate', '0.3'], lines)).length, 30000);
    fails(['--seed', SEED, '--rate', '0.3'], lines + '100001\n', 1, /候选多于 100000 个（第 100001 行）/,
      /more than 100000 candidates \(line 100001\)/);
  });

  test('a bad command line: exit 2', () => {
    const s = ['--seed', SEED];
    fails(['--rate', '0.3'], '', 2, /需要 --seed 和 --rate/, /--seed and --rate are required/);
    fails(['--seed', SEED.slice(1), '--rate', '0.3'], '', 2, /64 个十六进制字符/, /--seed must be 64 hex characters/);
    fails(['--seed', SEED.slice(1) + 'g', '--rate', '0.3'], '', 2, /十六进制/, /hex/);
    for (const rate of ['0', '-0.1', '1.01', 'abc', '0.0000000001', '0.30000000000000004', '.3', '']) {
      fails([...s, '--rate', rate], '', 2, /--rate 应为 \(0, 1\] 中的十进制数，至多 9 位小数/, /--rate must be a decimal/);
    }
    fails([...s, '--rate', '0.3', '--stratify-by', 'province'], '', 2, /none、region 或 category/, /must be none, region or category/);
    fails([...s, '--rate', '0.3', '--bogus'], '', 2, /不认识的参数：'--bogus'/, /unexpected argument: '--bogus'/);
    fails([...s, '--rate'], '', 2, /缺少取值：'--rate'/, /no value for: '--rate'/);
    const help = sample(['--help'], '');
    assert.equal(help.status, 0);
    assert.match(help.stdout, /^usage: kpjdd sample --seed HEX --rate R/);
    assert.match(runKpjdd(['--help']).stdout, /sample --seed HEX --rate R/);
  });

  test('bad input: exit 1, naming the line', () => {
    const s = ['--seed', SEED, '--rate', '0.5'];
    const badId = [/第 2 行：编号应为不带符号和前导零的正整数/, /line 2: the id must be a positive integer/];
    for (const id of ['0', '-1', '01', '+1', '1.0', 'x', ' 1', '9223372036854775808', '１']) {
      fails(s, `1\n${id}\n`, 1, ...badId);
    }
    const max = sample(['--seed', SEED, '--rate', '1'], '9223372036854775807\n');   // 2^63 - 1, past a double's integers
    assert.equal(max.status, 0, max.stderr);
    assert.equal(max.stdout, '9223372036854775807\n');
    fails(s, '5\n6\n5\n', 1, /第 3 行：编号 5 重复/, /line 3: id 5 appears twice/);
    fails(s, '5\t北京市\n6\t上海市\n5\t上海市\n', 1, /第 3 行：编号 5 重复/, /id 5 appears twice/);
    fails(s, '1\n\n2\n', 1, /第 2 行是空行/, /line 2: empty line/);
    fails(s, '1\n2\0\n', 1, /第 2 行含 NUL 字节/, /line 2: contains a NUL byte/);
    fails(s, '1\ta\tb\tc\n', 1, /第 1 行多于 3 列/, /line 1: more than 3 columns/);
    fails(s, `1\n${'9'.repeat(1025)}\n`, 1, /第 2 行超过 1024 字节/, /line 2: longer than 1024 bytes/);
    // 1024 bytes and a CRLF are a line; the stratum in it is too long, though
    fails([...s, '--stratify-by', 'region'], `1\t${'x'.repeat(1022)}\r\n`, 1, /第 1 行：地区不是 UTF-8 或超过 256 字节/,
      /line 1: the region is not UTF-8 or longer than 256 bytes/);
    assert.deepEqual(ids(sample([...s, '--stratify-by', 'region'], `1\t${'x'.repeat(256)}\n`)), [1]);
    fails([...s, '--stratify-by', 'region'], '1\t北京市\n2\n', 1, /第 2 行缺少地区（第 2 列）/, /line 2: no region \(column 2\)/);
    fails([...s, '--stratify-by', 'category'], '1\t北京市\tvenue\n2\t北京市\t\n', 1, /第 2 行缺少类别（第 3 列）/,
      /line 2: no category \(column 3\)/);
    // not UTF-8: a cut character in the column that counts; none reads only ids
    const cut = Buffer.concat([Buffer.from('1\t'), Buffer.from([0xe4, 0xb8]), Buffer.from('\tvenue\n')]);
    fails([...s, '--stratify-by', 'region'], cut, 1, /第 1 行：地区不是 UTF-8/, /the region is not UTF-8/);
    assert.deepEqual(ids(sample([...s, '--stratify-by', 'category'], cut)), [1]);
    assert.deepEqual(ids(sample(s, cut)), [1]);
  });
});
