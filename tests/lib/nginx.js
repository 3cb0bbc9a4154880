// nginx (Debian's /usr/sbin/nginx) in front of kpjdd replicas, for the
// tests in tests/ops: it runs deploy/nginx/kpjd.conf itself, the shipped
// file, with only its upstream servers and its listen port replaced, inside
// a private main configuration whose every path (pid, logs, temp files) is
// in a temp directory.  No system nginx is used or needed.
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { REPO_ROOT } from './kpjdd.js';

export const NGINX = process.env.KPJD_NGINX || '/usr/sbin/nginx';
export const TEMPLATE = join(REPO_ROOT, 'deploy', 'nginx', 'kpjd.conf');

// A port free on 127.0.0.1 now, below Linux's ephemeral range (32768 up),
// where nothing that binds port 0 — another test's kpjdd, a client's
// connection — can take it while a replica restarts on it.
export async function freePort() {
  for (let i = 0; i < 100; i++) {
    const port = 20000 + Math.floor(Math.random() * 12000);
    const ok = await new Promise((resolve) => {
      const srv = net.createServer();
      srv.once('error', () => resolve(false));
      srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
    });
    if (ok) return port;
  }
  throw new Error('no free port in 20000-31999');
}

// The shipped file with its upstream servers at `upstreams` (ports on
// 127.0.0.1) and listening on 127.0.0.1:`port`.  Throws if the file no
// longer has the shape this relies on.
export function siteConfig(upstreams, port) {
  const text = readFileSync(TEMPLATE, 'utf8');
  const server = /^(\s*)server \S+:\d+( [^;\n]*)?;\n/gm;
  const lines = [...text.matchAll(server)];
  if (lines.length === 0 || !/^\s*listen \d+;$/m.test(text))
    throw new Error(`${TEMPLATE}: no upstream server lines or no 'listen PORT;'`);
  const first = lines[0];
  const ours = upstreams.map((p) => `${first[1]}server 127.0.0.1:${p}${first[2] ?? ''};\n`).join('');
  let i = 0;
  return text
    .replace(server, () => (i++ === 0 ? ours : ''))
    .replace(/^(\s*)listen \d+;$/m, `$1listen 127.0.0.1:${port};`);
}

function connects(port) {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => { s.destroy(); resolve(true); });
    s.once('error', () => resolve(false));
  });
}

const live = new Set();    // nginx masters still running

// Starts nginx on a free loopback port in front of `upstreams`.
//   bind   the address nginx connects to kpjdd from (proxy_bind), so that a
//          test can tell nginx from its clients on one machine
// → { url, port, dir, log(), accessLog(), stop() }
export async function startNginx({ upstreams, bind } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'kpjd-nginx-'));
  const port = await freePort();
  writeFileSync(join(dir, 'kpjd.conf'), siteConfig(upstreams, port));
  // As root the master reads the files and opens the logs; its worker
  // drops to nobody and needs only to enter the directory.
  const root = process.getuid?.() === 0;
  if (root) chmodSync(dir, 0o755);
  writeFileSync(join(dir, 'nginx.conf'), `
${root ? 'user nobody nogroup;' : ''}
worker_processes 1;
error_log ${dir}/error.log info;
events { worker_connections 512; }
http {
    log_format kpjd '$remote_addr "$request" $status $upstream_addr $upstream_status';
    access_log ${dir}/access.log kpjd;
    client_body_temp_path ${dir}/body;
    proxy_temp_path ${dir}/proxy;
    fastcgi_temp_path ${dir}/fastcgi;
    uwsgi_temp_path ${dir}/uwsgi;
    scgi_temp_path ${dir}/scgi;
    ${bind ? `proxy_bind ${bind};` : ''}
    include ${dir}/kpjd.conf;
}
`);
  const proc = spawn(NGINX, ['-p', `${dir}/`, '-e', `${dir}/error.log`, '-c', `${dir}/nginx.conf`,
    '-g', `daemon off; pid ${dir}/nginx.pid;`], { stdio: ['ignore', 'ignore', 'pipe'] });
  live.add(proc);
  let stderr = '';
  proc.stderr.setEncoding('utf8');
  proc.stderr.on('data', (c) => { stderr += c; });
  const closed = new Promise((resolve) => proc.on('close', (code, signal) => { live.delete(proc); resolve({ code, signal }); }));
  const log = () => { try { return readFileSync(join(dir, 'error.log'), 'utf8'); } catch { return ''; } };
  const remove = () => rmSync(dir, { recursive: true, force: true });

  const deadline = Date.now() + 10000;
  for (;;) {
    if (proc.exitCode !== null || proc.signalCode !== null) {
      await closed;
      const why = `nginx exited before listening\n${stderr}\n${log()}`;
      remove();
      throw new Error(why);
    }
    if (await connects(port)) break;
    if (Date.now() > deadline) {
      proc.kill('SIGTERM');
      await closed;
      const why = `nginx did not listen within 10 s\n${stderr}\n${log()}`;
      remove();
      throw new Error(why);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  let stopping = null;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    dir,
    log,
    accessLog: () => { try { return readFileSync(join(dir, 'access.log'), 'utf8'); } catch { return ''; } },
    // SIGTERM: the master stops its worker and exits; SIGKILL after 10 s.
    stop() {
      stopping ??= (async () => {
        proc.kill('SIGTERM');
        const timer = setTimeout(() => proc.kill('SIGKILL'), 10000);
        const r = await closed;
        clearTimeout(timer);
        remove();
        return r;
      })();
      return stopping;
    },
  };
}

// However the test ends: SIGTERM, not SIGKILL, so that the master takes its
// worker with it (a worker does not die with a killed master).
function cleanup() {
  for (const proc of live) {
    try { proc.kill('SIGTERM'); } catch { /* gone */ }
  }
}
process.on('exit', cleanup);
// kpjdd.js's once-listener raises the signal again after ours has run.
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.once(sig, cleanup);
