/**
 * Pictures of the dashboard and of a report for the documentation: `node --import tsx bench/screenshots.ts`
 * writes docs/images/dashboard.png (a paper run on the synthetic market, seen live in headless
 * Chromium) and docs/images/report.png (the HTML report of a synthetic backtest against its baseline).
 * Needs Chromium at /usr/bin/chromium (or CHROMIUM=path) and playwright-core.
 */
import 'reflect-metadata';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { silentLogger } from '../application/ports/logger.ts';
import { backtestCommand } from '../composition/backtest-command.ts';
import { paperConfig } from '../composition/config.ts';
import { startDashboard } from '../composition/dashboard.ts';
import { runPaper } from '../composition/paper.ts';
import { reportCommand } from '../composition/report-command.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const images = join(root, 'docs/images');
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

async function dashboardShot(browser: Browser, file: string): Promise<void> {
  const config = paperConfig({ source: 'synthetic', seed: '7', duration: '6h', speed: '50', db: 'pglite:memory', 'log-level': 'silent' }, {});
  let stop: (() => void) | null = null;
  let listening!: (url: string) => void;
  const url = new Promise<string>((resolve) => (listening = resolve));
  // The run goes on in the background; the page is shot once it has traded a while, then the run stops.
  const run = runPaper(config, {
    logger: silentLogger,
    env: {},
    onStop: (s) => (stop = s),
    onKill: () => () => undefined,
    onRunning: async (parts) => {
      const dashboard = await startDashboard(parts, { host: '127.0.0.1', port: 0, token: null, logger: silentLogger });
      listening(dashboard.url);
      return () => dashboard.close();
    },
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
    await page.goto(await url);
    // Enough of the run for every panel to hold something: fills, a curve, the signals.
    await page.waitForFunction(() => Number(document.getElementById('fill-count')?.textContent) >= 12, undefined, { timeout: 120_000 });
    await page.waitForTimeout(3000);
    await page.screenshot({ path: file, fullPage: true });
    await page.close();
  } finally {
    (stop as (() => void) | null)?.();
    await run;
  }
}

async function reportShot(browser: Browser, file: string): Promise<void> {
  const tmp = mkdtempSync(join(tmpdir(), 'ladder-shots-'));
  try {
    const db = `pglite:${join(tmp, 'db')}`;
    const json = join(tmp, 'backtest.json');
    await backtestCommand(['--source', 'synthetic', '--seed', '5', '--duration', '30m', '--against-baseline', '--db', db, '--report', json, '--quiet', '--log-level', 'silent'], () => undefined);
    const report = JSON.parse(readFileSync(json, 'utf8')) as { run: string; against_baseline: { run: string } };
    const html = join(tmp, 'report.html');
    await reportCommand([report.run, '--baseline', report.against_baseline.run, '--db', db, '--html', html], () => undefined);
    const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
    await page.goto(pathToFileURL(html).href);
    await page.screenshot({ path: file, fullPage: true });
    await page.close();
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

declare const document: { getElementById(id: string): { readonly textContent: string | null } | null };

mkdirSync(images, { recursive: true });
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', headless: true, args: ARGS });
try {
  await dashboardShot(browser, join(images, 'dashboard.png'));
  console.log(`wrote ${join(images, 'dashboard.png')}`);
  await reportShot(browser, join(images, 'report.png'));
  console.log(`wrote ${join(images, 'report.png')}`);
} finally {
  await browser.close();
}
