import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type * as PlaywrightCore from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/builders.ts';

/*
 * `ladder dashboard --run ID` in headless Chromium, the commands run as a user runs them: a short
 * synthetic backtest stored in a PGlite directory, then the dashboard of that run in its own process.
 * The charts are drawn by lightweight-charts: a mark for every fill and order the backtest reported,
 * the mid a second along a time axis that covers the run's market time, and pixels on the canvases.
 * Both commands are child processes: nothing paced runs in this one.
 */

const CHROMIUM = '/usr/bin/chromium';
type Playwright = typeof PlaywrightCore;
/** The page's document, as the functions evaluated in the browser read it (the project compiles without the DOM library). */
declare const document: {
  getElementById(id: string): {
    readonly textContent: string | null;
    readonly dataset: Record<string, string | undefined>;
    querySelectorAll(selector: string): ArrayLike<Canvas>;
  } | null;
};
interface Canvas {
  readonly width: number;
  readonly height: number;
  getBoundingClientRect(): { top: number; left: number; width: number; height: number };
  getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> } } | null;
}
const playwright: Playwright | null = await import('playwright-core').catch(() => null);
const canRun = existsSync(CHROMIUM) && playwright !== null;
if (!canRun) console.warn(`skipping the stored run's dashboard in a browser: ${existsSync(CHROMIUM) ? 'playwright-core is not installed' : `${CHROMIUM} is absent`}`);

const root = fileURLToPath(new URL('../..', import.meta.url));
const LADDER = join(root, 'bin', 'ladder.js');
const DURATION_S = 180;
type Browser = Awaited<ReturnType<Playwright['chromium']['launch']>>;

/** What the canvases of the chart hold: per row of canvases (a pane, or the time axis), pixels of each colour family. */
interface CanvasRow {
  readonly top: number;
  readonly width: number;
  readonly blue: number;
  readonly green: number;
  readonly red: number;
  readonly light: number;
}

describe.skipIf(!canRun)('the dashboard of a stored run in a browser', { timeout: 120_000 }, () => {
  const tmp = mkdtempSync(join(tmpdir(), 'ladder-stored-dashboard-'));
  let browser: Browser;
  let dashboard: ChildProcess | null = null;
  let url: string;
  let report: { run: string; trades: number; orders: number };

  beforeAll(async () => {
    const db = `pglite:${join(tmp, 'db')}`;
    const json = join(tmp, 'report.json');
    await promisify(execFile)(process.execPath, [LADDER, 'backtest', '--source', 'synthetic', '--seed', '7', '--duration', `${DURATION_S}s`, '--db', db, '--report', json, '--quiet', '--log-level', 'error'], { cwd: root, timeout: 240_000 });
    report = JSON.parse(readFileSync(json, 'utf8')) as typeof report;
    expect(report.trades).toBeGreaterThan(0);
    const child = spawn(process.execPath, [LADDER, 'dashboard', '--run', report.run, '--db', db, '--port', '0'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    dashboard = child;
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
    await eventually(() => /at http:\/\/\S+\//.test(out) || child.exitCode !== null, 120_000, 200);
    const found = /at (http:\/\/\S+\/)/.exec(out);
    if (found === null) throw new Error(`ladder dashboard did not start: ${out}`);
    url = found[1];
    browser = await playwright!.chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  }, 420_000); // a backtest, a dashboard and a browser to start: allow for a machine busy with the other test files

  afterAll(async () => {
    await browser?.close();
    if (dashboard !== null && dashboard.exitCode === null) {
      const exited = new Promise((resolve) => dashboard!.once('exit', resolve));
      dashboard.kill('SIGINT');
      await exited;
    }
    rmSync(tmp, { recursive: true, force: true });
  });

  it('draws the mid on a time axis, with a mark for every fill and order the run made', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    // The page asks nothing of another site: every request goes to the dashboard.
    const elsewhere: string[] = [];
    page.on('request', (r) => {
      if (!r.url().startsWith(url)) elsewhere.push(r.url());
    });
    try {
      await page.goto(url);
      await page.waitForFunction(() => document.getElementById('conn')?.textContent !== 'loading', undefined, { timeout: 60_000 });
      expect(await page.textContent('#conn')).toBe('drawn');
      expect(await page.textContent('#run-id')).toBe(report.run);
      // The range shown is known once the library has laid the chart out.
      await page.waitForFunction(() => (document.getElementById('run-chart')?.dataset.to ?? '') !== '', undefined, { timeout: 30_000 });
      const data = await page.evaluate(() => ({ ...document.getElementById('run-chart')!.dataset }));
      // The marks the chart library holds: one a fill and one an order, as the backtest counted them.
      expect(Number(data.fillMarkers)).toBe(report.trades);
      expect(Number(data.orderMarkers)).toBe(report.orders);
      expect(await page.textContent('#fill-count')).toBe(String(report.trades));
      // The mid a second, nearly every second of the run, and the time axis over the run's market time.
      expect(Number(data.points)).toBeGreaterThan(0.9 * DURATION_S);
      const from = Number(data.from);
      const to = Number(data.to);
      expect(to - from).toBeGreaterThanOrEqual(0.9 * DURATION_S);
      expect(to - from).toBeLessThanOrEqual(DURATION_S + 1);

      const rows = await page.evaluate(canvasRows);
      expect(rows.length).toBeGreaterThanOrEqual(5); // four panes and the time axis
      const price = rows[0];
      const axis = rows[rows.length - 1];
      // Drawn, not only laid out: the mid's blue line and the fills' green and red marks in the price
      // pane; the labels of the time axis under the panes.
      expect(price.blue).toBeGreaterThan(100);
      expect(price.green + price.red).toBeGreaterThan(report.trades);
      expect(axis.top).toBeGreaterThan(price.top);
      expect(axis.light).toBeGreaterThan(50);
      expect(errors).toEqual([]);
      expect(elsewhere).toEqual([]);
    } finally {
      await page.close();
    }
  });
});

/** Runs in the page: the chart's canvases grouped by row (the panes top to bottom, then the time axis), the widest of each row, pixels by colour. */
function canvasRows(): CanvasRow[] {
  const canvases = Array.from(document.getElementById('run-chart')!.querySelectorAll('canvas'));
  const rows = new Map<number, CanvasRow>();
  for (const c of canvases) {
    const r = c.getBoundingClientRect();
    if (r.width === 0 || r.height === 0 || c.width === 0 || c.height === 0) continue;
    const data = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    let blue = 0;
    let green = 0;
    let red = 0;
    let light = 0;
    for (let i = 0; i < data.length; i += 4) {
      const R = data[i];
      const G = data[i + 1];
      const B = data[i + 2];
      if (data[i + 3] < 128) continue;
      if (B > 150 && B > R + 60) blue++;
      else if (G > 120 && G > R + 50 && G > B + 20) green++;
      else if (R > 150 && R > G + 80 && R > B + 80) red++;
      else if (R > 110 && G > 110 && B > 110) light++;
    }
    const top = Math.round(r.top);
    const kept = rows.get(top);
    // A pane's canvases (the series and the layer above them) are its widest; they are summed.
    if (kept === undefined || r.width > kept.width + 1) rows.set(top, { top, width: r.width, blue, green, red, light });
    else if (Math.abs(r.width - kept.width) <= 1) rows.set(top, { top, width: r.width, blue: kept.blue + blue, green: kept.green + green, red: kept.red + red, light: kept.light + light });
  }
  return [...rows.values()].sort((a, b) => a.top - b.top);
}
