// A service manager's notification socket for the tests: what systemd
// gives a Type=notify service as $NOTIFY_SOCKET, received by notifysink.py
// (Node has no AF_UNIX datagram sockets) under Debian's /usr/bin/python3.
// Node built-ins only.
//
//   const sink = await startNotifySink();            // a path socket
//   const sink = await startNotifySink({ abstract: true });   // '@name'
//   ... kpjdd with NOTIFY_SOCKET=sink.address ...
//   const m = await sink.waitFor((m) => m.fields.READY === '1');
//   sink.messages     // [{ state, fields: { KEY: value }, t }], in order
//   await sink.stop();
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
const PYTHON = process.env.KPJD_TEST_PYTHON || '/usr/bin/python3';

const live = new Set();
process.on('exit', () => { for (const p of live) { try { p.kill('SIGKILL'); } catch { /* gone */ } } });

// "READY=1\nSTATUS=serving" → { READY: '1', STATUS: 'serving' }
function fields(state) {
  const out = {};
  for (const line of state.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) out[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return out;
}

export async function startNotifySink({ abstract = false, timeoutMs = 10000 } = {}) {
  const dir = abstract ? null : mkdtempSync(join(tmpdir(), 'kpjd-notify-'));
  const address = abstract ? `@kpjd-test-${process.pid}-${randomBytes(4).toString('hex')}` : join(dir, 'notify');
  // stdin stays a pipe: when this process ends, the sink sees EOF and exits.
  const proc = spawn(PYTHON, [join(HERE, 'notifysink.py'), address], { stdio: ['pipe', 'pipe', 'pipe'] });
  live.add(proc);
  const messages = [];
  const waiters = new Set();
  let out = '', err = '';
  const closed = new Promise((r) => proc.on('close', () => { live.delete(proc); r(); }));
  proc.stderr.setEncoding('utf8');
  proc.stderr.on('data', (c) => { err += c; });
  const bound = new Promise((resolveP, reject) => {
    const timer = setTimeout(() => reject(new Error(`notifysink did not bind within ${timeoutMs} ms: ${err}`)), timeoutMs);
    closed.then(() => { clearTimeout(timer); reject(new Error(`notifysink exited: ${err}`)); });
    proc.stdout.setEncoding('utf8');
    proc.stdout.on('data', (chunk) => {
      out += chunk;
      let nl;
      while ((nl = out.indexOf('\n')) >= 0) {
        const m = JSON.parse(out.slice(0, nl));
        out = out.slice(nl + 1);
        if (m.bound) { clearTimeout(timer); resolveP(); continue; }
        messages.push({ state: m.state, fields: fields(m.state), t: m.t * 1000, at: Date.now() });
        for (const w of waiters) w();
      }
    });
  });
  await bound;
  return {
    address,
    messages,
    // Resolves the first message (in order) that `pred` accepts.
    waitFor(pred, ms = timeoutMs) {
      return new Promise((resolveP, reject) => {
        const check = () => {
          const m = messages.find(pred);
          if (!m) return;
          waiters.delete(check);
          clearTimeout(timer);
          resolveP(m);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no such notification within ${ms} ms; got ${JSON.stringify(messages.map((x) => x.state))}`));
        }, ms);
        waiters.add(check);
        check();
      });
    },
    async stop() {
      proc.stdin.end();
      const timer = setTimeout(() => proc.kill('SIGKILL'), 5000);
      await closed;
      clearTimeout(timer);
      if (dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}
