// Every action the server writes to the audit trail has a Chinese label
// (lib/domain/auditlabel.c, served by GET /audit/labels).  The actions are
// found in server/ and lib/ as string literals "<object>.<verb>" whose
// <object> is one that a direct audit call names (kp_req_audit,
// kp_audit_append, kp_audit_append_many with a literal action); actions
// passed through variables (tables, ternaries) share those prefixes.
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import { REPO_ROOT, createDatabase, startKpjdd } from '../lib/kpjdd.js';
import { createAdmin, signIn } from '../lib/accounts.js';

function sources(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.c') ? [join(dir, e.name)] : []);
}
const text = ['server', 'lib'].flatMap((d) => sources(join(REPO_ROOT, d))).map((f) => readFileSync(f, 'utf8')).join('\n');

const direct = [...text.matchAll(/kp_(?:req_audit|audit_append(?:_many)?)\([^;]*?"([a-z_]+)\.([a-z_]+)"/g)];
const prefixes = new Set(direct.map((m) => m[1]));
const actions = new Set([...text.matchAll(/"([a-z_]+)\.([a-z_]+)"/g)]
  .filter((m) => prefixes.has(m[1]) && !['c', 'h'].includes(m[2])).map((m) => `${m[1]}.${m[2]}`));
const entities = new Set([...text.matchAll(/kp_(?:req_audit|audit_append(?:_many)?)\([^;]*?"[a-z_]+\.[a-z_]+"[^;"]*?"([a-z_]+)"/g)]
  .map((m) => m[1]));

let db, k, labels;
before(async () => {
  db = await createDatabase();
  k = await startKpjdd({ db, migrate: true });
  createAdmin(db);
  const admin = await signIn(k.url, 'admin');
  labels = await (await admin.api('GET', '/audit/labels')).json();
});
after(async () => {
  await k?.stop();
  await db?.drop();
});

test('the grep finds the actions (so that the next test means something)', () => {
  assert.ok(direct.length >= 45, `${direct.length} direct calls`);
  for (const a of ['session.login', 'application.recommended', 'base.suspended', 'expert.disabled', 'application.named'])
    assert.ok(actions.has(a), a);
  for (const e of ['session', 'application', 'audit_checkpoint', 'annual_reports']) assert.ok(entities.has(e), e);
});

test('every action and every object written has a label', () => {
  const have = new Set(labels.actions.map((a) => a.code));
  assert.deepEqual([...actions].filter((a) => !have.has(a)), []);
  const kinds = new Set(labels.entities.map((e) => e.code));
  assert.deepEqual([...entities].filter((e) => !kinds.has(e)), []);
});
