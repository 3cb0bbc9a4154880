// openapi.json describes exactly the routes kpjdd serves.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import { REPO_ROOT, runKpjdd, startKpjdd } from '../lib/kpjdd.js';

let k;
before(async () => { k = await startKpjdd(); });
after(async () => { await k?.stop(); });

const METHODS = ['get', 'put', 'post', 'delete', 'patch'];

test('GET /api/v1/openapi.json serves the OpenAPI 3.1 document of the repository', async () => {
  const res = await fetch(k.url + '/api/v1/openapi.json');
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type'), /^application\/json/);
  const served = await res.json();
  assert.match(served.openapi, /^3\.1\./);
  assert.deepEqual(served, JSON.parse(readFileSync(join(REPO_ROOT, 'openapi.json'), 'utf8')));
});

test('every route in the route table is in openapi.json, and nothing else is', async () => {
  const r = runKpjdd(['routes']);
  assert.equal(r.status, 0);
  const table = r.stdout.trim().split('\n').sort();
  const doc = await (await fetch(k.url + '/api/v1/openapi.json')).json();
  const documented = [];
  for (const [path, item] of Object.entries(doc.paths))
    for (const m of METHODS) if (item[m]) documented.push(`${m.toUpperCase()} ${path}`);
  assert.deepEqual(documented.sort(), table);
});

test('every $ref resolves', async () => {
  const doc = await (await fetch(k.url + '/api/v1/openapi.json')).json();
  const refs = [];
  (function walk(v) {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object')
      for (const [key, val] of Object.entries(v)) key === '$ref' ? refs.push(val) : walk(val);
  })(doc);
  assert.ok(refs.length > 0);
  for (const ref of refs) {
    const target = ref.replace(/^#\//, '').split('/').reduce((o, part) => o?.[part], doc);
    assert.ok(target, `${ref} resolves`);
  }
});
