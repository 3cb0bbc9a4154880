// A real SMTP server for the tests: Debian's python3-aiosmtpd with the
// recording handler of smtpsink.py, started and stopped here.  Node
// built-ins only.
//
//   const smtp = await startSmtp();        // listening on 127.0.0.1:smtp.port
//   ... kpjdd with KPJD_MAIL_URL=smtp.url ...
//   const [m] = await smtp.waitFor((m) => m.to.includes('a@example.cn'));
//   m.subject, m.text, m.headers['message-id'], m.raw
//   await smtp.stop();                      // the port is free again
//   await smtp.start();                     // the same port, the same mailbox
//
// Recipients named reject-...@ are refused with 550 and tempfail-...@ with
// 451 (see smtpsink.py).  Every message read is decoded: RFC 2047 words in
// the headers, base64 or quoted-printable bodies, UTF-8.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
// Debian's interpreter: the one python3-aiosmtpd is installed for (a pyenv
// or venv python3 earlier in PATH would not have it).
const PYTHON = process.env.KPJD_TEST_PYTHON || '/usr/bin/python3';

const live = new Set();
process.on('exit', () => { for (const p of live) { try { p.kill('SIGKILL'); } catch { /* gone */ } } });

function freePort() {
  return new Promise((resolveP, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolveP(port)); });
  });
}

function sleep(ms) { return new Promise((r) => setTimeout(r, ms)); }

function canConnect(port) {
  return new Promise((resolveP) => {
    const c = createConnection({ host: '127.0.0.1', port });
    c.once('connect', () => { c.destroy(); resolveP(true); });
    c.once('error', () => resolveP(false));
  });
}

// RFC 2047 encoded words (=?UTF-8?B?...?= and ?Q?), adjacent ones joined.
export function decodeWords(value) {
  return value
    .replace(/\?=\s+=\?/g, '?==?')
    .replace(/=\?([^?]+)\?([BbQq])\?([^?]*)\?=/g, (_, charset, enc, text) => {
      const bytes = enc.toUpperCase() === 'B'
        ? Buffer.from(text, 'base64')
        : Buffer.from(text.replace(/_/g, ' ').replace(/=([0-9A-Fa-f]{2})/g,
          (__, h) => String.fromCharCode(parseInt(h, 16))), 'latin1');
      return new TextDecoder(charset).decode(bytes);
    });
}

function decodeBody(body, encoding) {
  switch ((encoding || '').toLowerCase()) {
    case 'base64': return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
    case 'quoted-printable':
      return Buffer.from(body.replace(/=\r?\n/g, '').replace(/=([0-9A-Fa-f]{2})/g,
        (_, h) => String.fromCharCode(parseInt(h, 16))), 'latin1').toString('utf8');
    default: return body;
  }
}

// One received message: the envelope, the headers (lower-case names; folded
// lines unfolded; encoded words decoded in `headers`, raw in `rawHeaders`),
// the subject and the decoded text of a single-part body.
export function parseMessage({ mail_from: from, rcpt_tos: to, data }) {
  const split = data.search(/\r?\n\r?\n/);
  const head = split < 0 ? data : data.slice(0, split);
  const body = split < 0 ? '' : data.slice(split).replace(/^\r?\n\r?\n/, '');
  const rawHeaders = {};
  for (const line of head.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const i = line.indexOf(':');
    if (i > 0) rawHeaders[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  const headers = Object.fromEntries(Object.entries(rawHeaders).map(([k, v]) => [k, decodeWords(v)]));
  return {
    from, to, raw: data, rawHeaders, headers,
    subject: headers.subject ?? '',
    text: decodeBody(body, rawHeaders['content-transfer-encoding']),
  };
}

export async function startSmtp({ port } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'kpjd-smtp-'));
  const file = join(dir, 'received.jsonl');
  const smtp = {
    port: port ?? await freePort(),
    get url() { return `smtp://127.0.0.1:${this.port}`; },
    proc: null,
    log: '',

    async start() {
      if (this.proc) return;
      const proc = spawn(PYTHON, ['-m', 'aiosmtpd', '-n', '-l', `127.0.0.1:${this.port}`,
        '-c', 'smtpsink.Recorder', file], {
        env: { ...process.env, PYTHONPATH: HERE, PYTHONDONTWRITEBYTECODE: '1' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      live.add(proc);
      proc.stdout.on('data', (d) => { this.log += d; });
      proc.stderr.on('data', (d) => { this.log += d; });
      proc.on('exit', () => live.delete(proc));
      this.proc = proc;
      for (let i = 0; i < 200; i++) {
        if (proc.exitCode !== null) throw new Error(`aiosmtpd exited (${proc.exitCode}): ${this.log}`);
        if (await canConnect(this.port)) return;
        await sleep(50);
      }
      throw new Error(`aiosmtpd did not listen on ${this.port}: ${this.log}`);
    },

    async stop() {
      const proc = this.proc;
      if (!proc) return;
      this.proc = null;
      if (proc.exitCode === null) {
        const gone = new Promise((r) => proc.once('exit', r));
        proc.kill('SIGTERM');
        const t = setTimeout(() => proc.kill('SIGKILL'), 3000);
        await gone;
        clearTimeout(t);
      }
    },

    // Every message received so far, oldest first.
    messages() {
      if (!existsSync(file)) return [];
      return readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => parseMessage(JSON.parse(l)));
    },

    // The messages matching `pred`, once there are at least `count` of them.
    async waitFor(pred = () => true, { count = 1, timeoutMs = 20000 } = {}) {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const found = this.messages().filter(pred);
        if (found.length >= count) return found;
        if (Date.now() > until) {
          throw new Error(`waited ${timeoutMs} ms for ${count} message(s); ${found.length} matched of `
            + `${this.messages().length} received`);
        }
        await sleep(100);
      }
    },

    async close() { await this.stop(); rmSync(dir, { recursive: true, force: true }); },
  };
  await smtp.start();
  return smtp;
}
