// kpjdd under systemd (deploy/systemd/kpjdd.service): the readiness
// protocol as a Type=notify service sees it — READY=1 only once the port
// answers /readyz (after the migrations at start), STOPPING=1 at SIGTERM,
// STATUS= lines on the way; a path socket and an abstract one — and the
// unit itself, checked by systemd-analyze verify and its offline security
// review (no systemd needs to run).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, describe, test } from 'node:test';

import { REPO_ROOT, config, startKpjdd } from '../lib/kpjdd.js';
import { startNotifySink } from '../lib/notify.js';

const UNIT = resolve(REPO_ROOT, 'deploy', 'systemd', 'kpjdd.service');
const sinks = [];
after(async () => { for (const s of sinks) await s.stop(); });

// The log line's own time, in ms since the epoch.
function loggedAt(log, needle) {
  const line = log.split('\n').find((l) => l.includes(needle));
  assert.ok(line, `no log line with '${needle}'`);
  return Date.parse(line.slice(0, 24));
}

describe('sd_notify', () => {
  test('READY=1 once /readyz answers, after the migrations; STOPPING=1 at SIGTERM', async () => {
    const sink = await startNotifySink();
    sinks.push(sink);
    const k = await startKpjdd({ env: { NOTIFY_SOCKET: sink.address } });
    try {
      const ready = await sink.waitFor((m) => m.fields.READY === '1');
      // The port answered before READY was sent: kpjdd listens, then notifies.
      const res = await fetch(`${k.url}/readyz`);
      const body = await res.json();
      assert.equal(res.status, 200, JSON.stringify(body));
      assert.ok(body.schema_version > 0);
      assert.ok(ready.t >= loggedAt(k.log(), 'listening on http://'), 'READY after the port was bound');
      assert.match(ready.fields.STATUS, /^serving on 127\.0\.0\.1:0$/);
      const first = sink.messages[0];
      assert.equal(first.fields.STATUS, 'migrating the database schema', 'the first word is about the schema');
      assert.equal(first.fields.READY, undefined);
      assert.equal(sink.messages.filter((m) => m.fields.READY).length, 1, 'READY once');
    } finally {
      await k.stop();
    }
    const stopping = await sink.waitFor((m) => m.fields.STOPPING === '1');
    assert.match(stopping.fields.STATUS, /^stopping: in-flight requests get 10s$/);
    assert.deepEqual(sink.messages.map((m) => Object.keys(m.fields).sort().join(',')),
      ['STATUS', 'READY,STATUS', 'STATUS,STOPPING']);
  });

  test("an abstract socket ('@name'), and no auto-migration: READY still once listening", async () => {
    const sink = await startNotifySink({ abstract: true });
    sinks.push(sink);
    const k = await startKpjdd({ migrate: true, env: { NOTIFY_SOCKET: sink.address, KPJD_DB_AUTO_MIGRATE: 'false' } });
    try {
      await sink.waitFor((m) => m.fields.READY === '1');
      assert.equal(sink.messages[0].fields.STATUS, 'checking the database schema');
      assert.equal((await fetch(`${k.url}/readyz`)).status, 200);
    } finally {
      await k.stop();
    }
    await sink.waitFor((m) => m.fields.STOPPING === '1');
  });

  test('a NOTIFY_SOCKET nobody listens on: a warning, and kpjdd serves anyway', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kpjd-notify-'));
    try {
      const k = await startKpjdd({ env: { NOTIFY_SOCKET: join(dir, 'nobody') } });
      try {
        assert.equal((await fetch(`${k.url}/healthz`)).status, 200);
      } finally {
        await k.stop();
      }
      assert.match(k.log(), /systemd: cannot write to NOTIFY_SOCKET/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

// "Key=value" lines of the unit, by key (a key set twice keeps each value).
function unitKeys(text) {
  const keys = {};
  for (const line of text.split('\n')) {
    const m = /^([A-Za-z]+)=(.*)$/.exec(line);
    if (m) (keys[m[1]] ??= []).push(m[2]);
  }
  return keys;
}

describe('deploy/systemd/kpjdd.service', () => {
  const text = readFileSync(UNIT, 'utf8');
  const keys = unitKeys(text);

  test('notify, restart on failure, a dedicated user, hardening, nothing writable', () => {
    const one = (k) => { assert.equal(keys[k]?.length, 1, `${k} once`); return keys[k][0]; };
    assert.equal(one('Type'), 'notify');
    assert.equal(one('Restart'), 'on-failure');
    assert.equal(one('User'), 'kpjd');
    assert.equal(one('ProtectSystem'), 'strict');
    assert.equal(one('NoNewPrivileges'), 'yes');
    assert.equal(one('ProtectHome'), 'yes');
    assert.equal(one('PrivateTmp'), 'yes');
    assert.equal(one('CapabilityBoundingSet'), '');
    assert.equal(one('RestrictAddressFamilies'), 'AF_UNIX AF_INET AF_INET6');
    assert.ok(keys.SystemCallFilter.includes('@system-service'));
    assert.equal(keys.ReadWritePaths, undefined, 'kpjdd keeps everything in PostgreSQL');
    assert.match(one('ExecStart'), /^\/usr\/local\/bin\/kpjdd -c \/etc\/kpjd\/kpjd\.conf serve$/);
    // SIGTERM lets requests finish for http.shutdown_grace: systemd must wait longer.
    const grace = Number(/^shutdown_grace = (\d+)$/m.exec(readFileSync(resolve(REPO_ROOT, 'conf', 'kpjd.conf'), 'utf8'))?.[1] ?? 10);
    assert.ok(Number(one('TimeoutStopSec')) > grace, `TimeoutStopSec > http.shutdown_grace (${grace})`);
    assert.ok(Number(one('LimitNOFILE')) >= 4096);
  });

  test('systemd-analyze verify and security (offline)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kpjd-unit-'));
    try {
      // verify wants ExecStart's binary to exist: the one under test.
      writeFileSync(join(dir, 'kpjdd.service'), text.replace('/usr/local/bin/kpjdd', config.bin));
      const verify = spawnSync('systemd-analyze', ['verify', 'kpjdd.service'], { cwd: dir, encoding: 'utf8', timeout: 60000 });
      assert.equal(verify.error, undefined, 'systemd-analyze runs (Debian package systemd)');
      assert.equal(verify.status, 0, verify.stderr);
      assert.doesNotMatch(verify.stderr, /kpjdd\.service/, 'no complaint about the unit');
      // exposure 0.0 (locked down) .. 10.0 (unprotected); 2.0 at most
      const sec = spawnSync('systemd-analyze', ['security', '--offline=yes', '--threshold=20', 'kpjdd.service'],
        { cwd: dir, encoding: 'utf8', timeout: 60000 });
      assert.equal(sec.status, 0, `${sec.stdout}\n${sec.stderr}`);
      assert.match(sec.stdout, /Overall exposure level for kpjdd\.service: [01]\.\d OK/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
