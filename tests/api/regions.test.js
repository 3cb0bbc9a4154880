// GET /api/v1/regions: public, filtered by name, keyset-paged.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { startKpjdd } from '../lib/kpjdd.js';
import { expectProblem } from '../lib/http.js';

let k;
before(async () => { k = await startKpjdd(); });
after(async () => { await k?.stop(); });

const get = async (query = '') => fetch(`${k.url}/api/v1/regions${query}`);

test('all 32 regions in code order by default', async () => {
  const res = await get();
  assert.equal(res.status, 200);
  const body = await res.json();
  assert.equal(body.items.length, 32);
  assert.equal(body.next_cursor, null);
  assert.deepEqual(body.items[0], { code: '110000', name: '北京市' });
  assert.deepEqual(body.items[31], { code: '660000', name: '新疆生产建设兵团' });
  const codes = body.items.map((r) => r.code);
  assert.deepEqual(codes, [...codes].sort());
});

test('keyset paging walks every region once', async () => {
  const seen = [];
  let cursor = null, pages = 0;
  do {
    const res = await get(`?limit=5${cursor ? `&cursor=${cursor}` : ''}`);
    assert.equal(res.status, 200);
    const body = await res.json();
    assert.ok(body.items.length <= 5);
    seen.push(...body.items.map((r) => r.code));
    cursor = body.next_cursor;
    pages++;
  } while (cursor);
  assert.equal(pages, 7);
  assert.equal(new Set(seen).size, 32);
});

test('q filters by part of the name (Chinese)', async () => {
  const body = await (await get(`?q=${encodeURIComponent('新疆')}`)).json();
  assert.deepEqual(body.items.map((r) => r.name), ['新疆维吾尔自治区', '新疆生产建设兵团']);
  const none = await (await get(`?q=${encodeURIComponent('%')}`)).json();
  assert.equal(none.items.length, 0, 'q is text, not a LIKE pattern');
});

test('limit outside 1–200 or a bad cursor is 422 naming the field', async () => {
  for (const limit of ['0', '201', '-1', 'ten', '']) {
    const p = await expectProblem(await get(`?limit=${limit}`), 422, 'validation');
    assert.equal(p.errors[0].field, 'limit');
  }
  for (const cursor of ['garbage!', 'W10', 'WyJ4Il0', 'x'.repeat(600)]) {
    const p = await expectProblem(await get(`?cursor=${cursor}`), 422, 'validation');
    assert.equal(p.errors[0].field, 'cursor', cursor);
  }
});
