// Lighthouse's performance score of kpjd's first pages: /login, the landing
// page /, and the applicant's application form /applications/{id} signed in
// (the session cookie sent as an extra header on every request).  Serves a
// fresh database with kpjdd (KPJD_BIN, a release build) through the test
// harness (tests/lib/kpjdd.js, so the KPJD_TEST_PG* settings of ./dev test),
// runs Lighthouse on Debian's Chromium (CHROME_PATH) and prints one line a
// page: the score and the metrics it is made of, and Lighthouse's
// benchmarkIndex of the machine (its CPU speed as Lighthouse measured it
// during the run: Lighthouse's throttling assumes about 1000 or more; a busy
// machine scores below that and its TBT, hence its score, suffers).  Run by
// ../lighthouse.sh.
//
//   FORM_FACTOR=mobile (default: Lighthouse's simulated slow 4G phone) or desktop
//   RUNS=3: runs per page; the median score is printed (Lighthouse varies)
//   OUT=dir: the JSON reports are kept there
//   CPU_SLOWDOWN=n: Lighthouse's CPU slowdown multiplier instead of its
//     preset's (4 for mobile).  The mobile preset stands for a low-end phone
//     (benchmarkIndex about 260) on a host of about 1000; on a slower host
//     Lighthouse warns that the score suffers, and its docs say to calibrate:
//     about benchmarkIndex / 260, and never below 1.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as chromeLauncher from 'chrome-launcher';
import lighthouse from 'lighthouse';
import * as constants from 'lighthouse/core/config/constants.js';
import desktopConfig from 'lighthouse/core/config/desktop-config.js';

import { startKpjdd } from '../../lib/kpjdd.js';
import { createAdmin, signIn, login } from '../../lib/accounts.js';
import { makeBatch, makeRecommender, makeApplication } from '../../lib/fixtures.js';

const FORM_FACTOR = process.env.FORM_FACTOR || 'mobile';
const RUNS = Number(process.env.RUNS || 3);
const OUT = process.env.OUT || '/tmp/kpjd-lighthouse';
const CHROME_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

const CHROME_PATH = process.env.CHROME_PATH || '/usr/bin/chromium';
const CPU_SLOWDOWN = process.env.CPU_SLOWDOWN ? Number(process.env.CPU_SLOWDOWN) : null;

const preset = FORM_FACTOR === 'desktop' ? desktopConfig : { extends: 'lighthouse:default' };
const config = CPU_SLOWDOWN === null ? preset : {
  ...preset,
  settings: {
    ...preset.settings,
    throttling: {
      ...(FORM_FACTOR === 'desktop' ? constants.throttling.desktopDense4G : constants.throttling.mobileSlow4G),
      cpuSlowdownMultiplier: CPU_SLOWDOWN,
    },
  },
};

// One Lighthouse run in a browser of its own → its result.  Now and then,
// on a busy machine, Lighthouse loses the trace of the load (NO_NAVSTART):
// such a run is made again, up to three times.
async function audit(url, headers) {
  for (let attempt = 1; ; attempt++) {
    const chrome = await chromeLauncher.launch({ chromePath: CHROME_PATH, chromeFlags: CHROME_FLAGS });
    let result;
    try {
      result = await lighthouse(url, {
        port: chrome.port,
        output: 'json',
        logLevel: 'error',
        onlyCategories: ['performance'],
        extraHeaders: headers,
      }, config);
    } finally {
      await chrome.kill();
    }
    const error = result.lhr.runtimeError;
    if (!error) return result;
    if (error.code !== 'NO_NAVSTART' || attempt === 3) throw new Error(`${url}: ${error.message}`);
  }
}

const server = await startKpjdd({ migrate: true });
let failed = false;
try {
  createAdmin(server.db);
  const admin = await signIn(server.url, 'admin');
  const batch = await makeBatch(admin, { status: 'open' });
  const rec = await makeRecommender(server.url, admin);
  const unit = await makeApplication(server.url, rec.session, batch.id, { unit: { name: '北京科学中心' } });
  const { cookie } = await login(server.url, unit.username, unit.password);

  const pages = [
    { name: 'login', path: '/login' },
    { name: 'landing', path: '/' },
    { name: 'application-form', path: `/applications/${unit.application.id}`, headers: { Cookie: cookie } },
  ];
  mkdirSync(OUT, { recursive: true });
  console.log(`Lighthouse ${FORM_FACTOR}, CPU slowdown ${CPU_SLOWDOWN ?? 'as preset'}, median of ${RUNS} runs, ${CHROME_PATH}`);
  for (const page of pages) {
    const runs = [];
    for (let i = 0; i < RUNS; i++) {
      const result = await audit(server.url + page.path, page.headers);
      const lhr = result.lhr;
      writeFileSync(join(OUT, `${page.name}-${FORM_FACTOR}-${i + 1}.json`), result.report);
      const metric = (id) => lhr.audits[id]?.numericValue;
      runs.push({
        score: Math.round(lhr.categories.performance.score * 100),
        fcp: metric('first-contentful-paint'), lcp: metric('largest-contentful-paint'),
        tbt: metric('total-blocking-time'), cls: metric('cumulative-layout-shift'), si: metric('speed-index'),
        bytes: metric('total-byte-weight'),
        benchmark: lhr.environment.benchmarkIndex,
        finalUrl: lhr.finalDisplayedUrl,
      });
    }
    runs.sort((a, b) => a.score - b.score);
    const m = runs[Math.floor(runs.length / 2)];
    if (new URL(m.finalUrl).pathname !== page.path) throw new Error(`${page.path} ended at ${m.finalUrl}`);
    console.log(`${page.path.padEnd(18)} performance ${String(m.score).padStart(3)}  (runs ${runs.map((r) => r.score).join(' ')})  `
      + `FCP ${Math.round(m.fcp)} ms  LCP ${Math.round(m.lcp)} ms  TBT ${Math.round(m.tbt)} ms  `
      + `CLS ${m.cls.toFixed(3)}  SI ${Math.round(m.si)} ms  ${m.bytes} bytes  `
      + `benchmarkIndex ${runs.map((r) => Math.round(r.benchmark)).join(' ')}`);
  }
  console.log(`reports: ${OUT}`);
} catch (err) {
  failed = true;
  console.error(err);
} finally {
  await server.stop();
}
process.exitCode = failed ? 1 : 0;
