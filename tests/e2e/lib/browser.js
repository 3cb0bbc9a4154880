// Headless Debian Chromium driven by playwright-core (no browser download).
//
//   const b = await launch();
//   const page = await b.newPage({ width: 1280, height: 800 });
//   ...
//   assert.deepEqual(b.errors(page), []);   // console errors, page errors, CSP
//   await screenshot(page, 'front');
//   await b.close();
//
// Playwright refuses a --user-data-dir argument to launch(), so this uses
// launchPersistentContext on a fresh temporary profile, removed on close.
import { mkdtemp, mkdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium } from 'playwright-core';
import { REPO_ROOT } from '../../lib/kpjdd.js';

export const CHROMIUM = process.env.KPJD_CHROMIUM || '/usr/bin/chromium';

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export function screenshotDir() {
  return process.env.KPJD_SCREENSHOT_DIR || resolve(REPO_ROOT, 'var', 'screenshots');
}

// Saves a PNG of the page as <screenshotDir>/<name>.png; returns its path.
export async function screenshot(page, name, { fullPage = true } = {}) {
  const dir = screenshotDir();
  await mkdir(dir, { recursive: true });
  const path = join(dir, `${name}.png`);
  await page.screenshot({ path, fullPage });
  return path;
}

// → { context, browser: context, newPage({width,height}), errors(page), close() }
export async function launch({ locale = 'zh-CN', timezoneId = 'Asia/Shanghai' } = {}) {
  const profile = await mkdtemp(join(tmpdir(), 'kpjd-chromium-'));
  let context;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      locale,
      timezoneId,
      viewport: { width: 1280, height: 800 },
      timeout: 60000,
    });
  } catch (err) {
    await rm(profile, { recursive: true, force: true });
    throw new Error(`cannot start ${CHROMIUM}: ${err.message}`);
  }

  const errorsByPage = new WeakMap();
  const watch = (page) => {
    if (errorsByPage.has(page)) return errorsByPage.get(page);
    const errors = [];
    errorsByPage.set(page, errors);
    page.on('console', (msg) => {
      if (msg.type() !== 'error') return;
      const loc = msg.location();
      errors.push(`console: ${msg.text()}${loc?.url ? ` (${loc.url}:${loc.lineNumber})` : ''}`);
    });
    page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`));
    page.on('crash', () => errors.push('crash: the page crashed'));
    return errors;
  };
  context.on('page', watch);
  // The persistent context opens with one blank tab; close it so every
  // page a test uses comes from newPage().
  for (const page of context.pages()) await page.close().catch(() => {});

  let closing = null;
  return {
    context,
    browser: context,
    async newPage({ width = 1280, height = 800 } = {}) {
      const page = await context.newPage();
      watch(page);
      await page.setViewportSize({ width, height });
      return page;
    },
    // Console errors (CSP violations, failed loads), uncaught exceptions
    // and crashes seen on the page so far.
    errors(page) {
      return [...(errorsByPage.get(page) ?? [])];
    },
    close() {
      closing ??= (async () => {
        try {
          await context.close();
        } finally {
          await rm(profile, { recursive: true, force: true });
        }
      })();
      return closing;
    },
  };
}
