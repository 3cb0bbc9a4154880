// deploy/prometheus and deploy/grafana hold what kpjdd is watched with:
// the alert rules pass `promtool check rules`, and `promtool test rules`
// proves each alert fires on the series that should fire it (and not on a
// healthy instance beside it); the dashboard is JSON Grafana can import,
// every panel asks something, and every metric the dashboard and the rules
// name is one a live kpjdd exports (its /metrics, scraped here).
// promtool comes from Debian's prometheus package (./dev deps).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { after, before, test } from 'node:test';

import { REPO_ROOT, startKpjdd } from '../lib/kpjdd.js';

const RULES = resolve(REPO_ROOT, 'deploy', 'prometheus', 'kpjd-alerts.yml');
const RULE_TESTS = resolve(REPO_ROOT, 'deploy', 'prometheus', 'kpjd-alerts.test.yml');
const DASHBOARD = resolve(REPO_ROOT, 'deploy', 'grafana', 'kpjd-dashboard.json');
// Series Prometheus makes itself, not kpjdd.
const PROMETHEUS_OWN = new Set(['up']);

let k;
let exported;   // metric names in kpjdd's # TYPE lines, histograms with their series' suffixes
before(async () => {
  k = await startKpjdd();
  await fetch(`${k.url}/readyz`);
  const text = await (await fetch(`${k.url}/metrics`)).text();
  exported = new Set();
  for (const [, name, type] of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    exported.add(name);
    if (type === 'histogram') for (const s of ['_bucket', '_sum', '_count']) exported.add(name + s);
  }
});
after(async () => { await k?.stop(); });

function promtool(...args) {
  const r = spawnSync('promtool', args, { encoding: 'utf8', timeout: 60000 });
  assert.equal(r.error, undefined, 'promtool runs (Debian package prometheus)');
  return r;
}

// The metric names a PromQL expression reads: what is left once strings,
// label matchers, ranges, grouping clauses, functions and keywords are gone.
export function metricNames(expr) {
  const KEYWORDS = new Set(['and', 'or', 'unless', 'bool', 'offset', 'inf', 'nan']);
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  const names = new Set();
  for (const m of bare.matchAll(/[A-Za-z_:][A-Za-z0-9_:]*/g)) {
    const end = m.index + m[0].length;
    if (/^\s*\(/.test(bare.slice(end))) continue;      // a function or an aggregation
    if (/[0-9.]$/.test(bare.slice(0, m.index))) continue;  // 1e3, 5m
    if (!KEYWORDS.has(m[0].toLowerCase())) names.add(m[0]);
  }
  return names;
}

test('metricNames reads PromQL as the checks below need', () => {
  assert.deepEqual([...metricNames('histogram_quantile(0.99, sum by (route, le) (rate(a_bucket{route!="x{y}"}[5m]))) > 2.5')], ['a_bucket']);
  assert.deepEqual([...metricNames('sum(rate(b{s=~"5.."}[$__rate_interval])) / sum without (i) (c) and on(instance) d == bool 1')].sort(), ['b', 'c', 'd']);
});

function assertExported(where, expr) {
  const names = metricNames(expr);
  assert.ok(names.size > 0, `${where}: no metric in ${expr}`);
  for (const n of names) {
    assert.ok(exported.has(n) || PROMETHEUS_OWN.has(n), `${where}: ${n} is not a metric kpjdd exports (${expr})`);
  }
}

test('promtool check rules: the alert rules are valid', () => {
  const r = promtool('check', 'rules', RULES);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /SUCCESS: \d+ rules found/);
});

test('promtool test rules: every alert fires when it should, and only then', () => {
  const r = promtool('test', 'rules', RULE_TESTS);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  // every alert of the rules has a test that expects it to fire
  const rules = readFileSync(RULES, 'utf8');
  const tests = readFileSync(RULE_TESTS, 'utf8');
  const alerts = [...rules.matchAll(/^\s*- alert: (\S+)$/gm)].map((m) => m[1]);
  assert.ok(alerts.length >= 8, alerts.join());
  for (const a of alerts) assert.match(tests, new RegExp(`alertname: ${a}\\n\\s*exp_alerts:\\n\\s*- exp_labels`), `${a} is proved to fire`);
});

// `expr:` of each rule, one line or a `|` block.
function ruleExprs(text) {
  const out = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const m = /^(\s*)expr: (.*)$/.exec(lines[i]);
    if (!m) continue;
    if (m[2] !== '|') { out.push(m[2]); continue; }
    const block = [];
    while (i + 1 < lines.length && (lines[i + 1].startsWith(m[1] + '  ') || lines[i + 1].trim() === '')) block.push(lines[++i]);
    out.push(block.join('\n'));
  }
  return out;
}

test('the alert rules read only metrics kpjdd exports', () => {
  const exprs = ruleExprs(readFileSync(RULES, 'utf8'));
  assert.ok(exprs.length >= 8);
  for (const e of exprs) assertExported('kpjd-alerts.yml', e);
});

test('the dashboard is JSON; every panel asks kpjdd for metrics it exports', () => {
  const dash = JSON.parse(readFileSync(DASHBOARD, 'utf8'));
  assert.equal(dash.uid, 'kpjd-overview');
  const panels = dash.panels.flatMap((p) => [p, ...(p.panels ?? [])]).filter((p) => p.type !== 'row');
  assert.ok(panels.length >= 10);
  const ids = new Set(dash.panels.map((p) => p.id));
  assert.equal(ids.size, dash.panels.length, 'panel ids are unique');
  const all = [];
  for (const p of panels) {
    assert.ok(p.targets?.length > 0, `panel '${p.title}' has queries`);
    for (const t of p.targets) {
      assertExported(`panel '${p.title}'`, t.expr);
      all.push(t.expr);
    }
  }
  // Grafana's label_values(metric, label), not PromQL
  for (const v of dash.templating.list.filter((x) => x.type === 'query')) {
    const m = /^label_values\((\w+), *\w+\)$/.exec(v.definition);
    assert.ok(m, `variable ${v.name}: ${v.definition}`);
    assertExported(`variable ${v.name}`, m[1]);
  }
  // what the issue asks the dashboard to show
  const joined = all.join('\n');
  for (const m of ['kpjd_http_requests_total', 'kpjd_http_request_duration_seconds_bucket', 'kpjd_db_connections_busy',
    'kpjd_db_turn_waiting', 'kpjd_pool_waiting_jobs', 'kpjd_db_statement_retries_total', 'kpjd_ready']) {
    assert.ok(joined.includes(m), `the dashboard shows ${m}`);
  }
  assert.match(joined, /histogram_quantile\(0\.99, sum by \(route, le\)/, 'the slowest routes, by p99');
  assert.match(joined, /status=~"5\.\."/, 'the 5xx rate');
});
