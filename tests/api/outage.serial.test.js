// PostgreSQL goes away and comes back: the same kpjdd answers 503
// `unavailable` with Retry-After meanwhile, and serves again by itself.
// Runs alone (RUN_SERIAL): it stops the test cluster that every test shares.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';

import { devDb, startKpjdd } from '../lib/kpjdd.js';
import { expectProblem, sleep } from '../lib/http.js';

let k;
after(async () => {
  devDb('start');                    // whatever happened, leave the cluster running
  await k?.stop();
});

async function until(fn, ms) {
  const end = Date.now() + ms;
  for (;;) {
    if (await fn()) return true;
    if (Date.now() > end) return false;
    await sleep(200);
  }
}

test('readiness and DB-backed requests follow PostgreSQL down and up, without a restart', async () => {
  k = await startKpjdd();
  const pid = k.proc.pid;
  assert.equal((await fetch(k.url + '/readyz')).status, 200);
  assert.equal((await fetch(k.url + '/api/v1/regions')).status, 200);

  devDb('stop');

  const ready = await fetch(k.url + '/readyz');
  assert.equal(ready.headers.get('retry-after'), '5');
  await expectProblem(ready, 503, 'unavailable');
  const list = await fetch(k.url + '/api/v1/regions');
  assert.equal(list.headers.get('retry-after'), '5');
  await expectProblem(list, 503, 'unavailable');
  // a second request within the reconnect back-off fails fast, the same way
  await expectProblem(await fetch(k.url + '/api/v1/regions'), 503, 'unavailable');
  assert.equal((await fetch(k.url + '/healthz')).status, 200, 'the process itself still serves');
  const metrics = await (await fetch(k.url + '/metrics')).text();
  assert.match(metrics, /^kpjd_db_connect_failures_total [1-9]/m);

  devDb('start');

  assert.ok(await until(async () => (await fetch(k.url + '/readyz')).status === 200, 20000),
    '/readyz is 200 again within 20 s');
  const res = await fetch(k.url + '/api/v1/regions');
  assert.equal(res.status, 200);
  assert.equal((await res.json()).items.length, 32);
  assert.equal(k.proc.pid, pid);
  assert.equal(k.proc.exitCode, null, 'the same kpjdd process');
  assert.match(k.log(), /database: connected again/);
});
