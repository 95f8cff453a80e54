import 'reflect-metadata';
import { existsSync } from 'node:fs';
import type * as PlaywrightCore from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { paperConfig } from '../../composition/config.ts';
import { startDashboard } from '../../composition/dashboard.ts';
import { runPaper, type PaperResult, type RunningParts } from '../../composition/paper.ts';
import { ticksToPrice, lotsToQty } from '../../domain/values/instrument.ts';
import { eventually } from '../support/builders.ts';
import { RecordingLogger } from '../support/fakes.ts';

/*
 * The dashboard of a paper run on the synthetic market, in headless Chromium: it loads, its figures
 * move, they agree with the store once the writer has flushed, and its kill switch halts the run.
 * One run serves two dashboards: one on loopback without a token, one that asks for a token.
 */

const CHROMIUM = '/usr/bin/chromium';
type Playwright = typeof PlaywrightCore;
/** The page's document, as the functions evaluated in the browser read it (the project compiles without the DOM library). */
declare const document: { getElementById(id: string): { readonly textContent: string | null; readonly dataset: Record<string, string | undefined> } | null };
const playwright: Playwright | null = await import('playwright-core').catch(() => null);
const canRun = existsSync(CHROMIUM) && playwright !== null;
if (!canRun) console.warn(`skipping the dashboard in a browser: ${existsSync(CHROMIUM) ? 'playwright-core is not installed' : `${CHROMIUM} is absent`}`);

const TOKEN = 'browser-test-token-0123456789';

type Browser = Awaited<ReturnType<Playwright['chromium']['launch']>>;

describe.skipIf(!canRun)('the dashboard in a browser', { timeout: 240_000 }, () => {
  let browser: Browser;
  let run: RunningParts;
  let open: { url: string; close(): Promise<void> };
  let secured: { url: string; close(): Promise<void> };
  let stop: (() => void) | null = null;
  let finished: Promise<PaperResult>;

  beforeAll(async () => {
    // Fifty times real time: the model's windows warm and the run trades within seconds.
    const config = paperConfig({ source: 'synthetic', seed: '7', duration: '6h', speed: '50', db: 'pglite:memory', 'log-level': 'silent' }, {});
    const logger = new RecordingLogger();
    let started!: () => void;
    const running = new Promise<void>((resolve) => (started = resolve));
    finished = runPaper(config, {
      logger,
      env: {},
      onStop: (s) => (stop = s),
      onKill: () => () => undefined,
      onRunning: async (parts) => {
        run = parts;
        open = await startDashboard(parts, { host: '127.0.0.1', port: 0, token: null, logger });
        secured = await startDashboard(parts, { host: '127.0.0.1', port: 0, token: TOKEN, logger });
        started();
        return async () => {
          await open.close();
          await secured.close();
        };
      },
    });
    // A run that fails to start rejects here rather than leave the tests waiting.
    await Promise.race([running, finished.then(() => Promise.reject(new Error('the run ended before it was under way')))]);
    browser = await playwright!.chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      timeout: 120_000,
    });
  }, 180_000); // a run and a browser to start: allow for a machine busy with the other test files

  // Playwright waits 30 s by default; on a machine the other test files load, a page's first figures
  // take longer (deadlines, not timings: a healthy run meets them in a few seconds).
  const newPage = async (): Promise<PlaywrightCore.Page> => {
    const page = await browser.newPage();
    page.setDefaultTimeout(100_000);
    return page;
  };

  afterAll(async () => {
    await browser?.close();
    stop?.();
    await finished;
  }, 180_000); // the run's store is written before it ends: slow on a loaded machine

  it('loads, and its figures move with the run', async () => {
    const page = await newPage();
    try {
      await page.goto(open.url);
      await page.waitForFunction(() => document.getElementById('run-id')?.textContent !== '…');
      expect(await page.textContent('#run-id')).toBe(run.runId);
      expect(await page.textContent('#model-id')).toBe(run.loop.models.next.id);
      const first = await figures(page);
      await page.waitForFunction((seq) => Number(document.getElementById('seq')?.textContent) > seq + 1, Number(first.seq));
      const second = await figures(page);
      expect(second.seq).not.toBe(first.seq);
      expect(second.frames).not.toBe(first.frames);
      // The charts are drawn: the time charts by lightweight-charts (a mid a second, on its canvases),
      // the depth by hand (areas for both sides of the book).
      await page.waitForFunction(() => Number(document.getElementById('run-chart')?.dataset.points) > 1);
      expect(await page.locator('#run-chart canvas').count()).toBeGreaterThan(4);
      expect(await page.locator('#depth-chart path').count()).toBe(2);
      // The feed-quality score, once the run has scored a minute of market time.
      await page.waitForFunction(() => /^\d+ \/ 100 \(lowest \d+ over [1-9]\d* min\)/.test(document.getElementById('feed-quality')?.textContent ?? ''));
    } finally {
      await page.close();
    }
  });

  it('shows what the store holds, and its kill switch halts the run', async () => {
    const page = await newPage();
    try {
      await page.goto(open.url);
      // The run has traded before the switch is pulled, so that the figures compared are not all zero.
      await page.waitForFunction(() => Number(document.getElementById('fill-count')?.textContent) > 0, undefined, { timeout: 100_000 });
      page.on('dialog', (dialog) => void dialog.accept());
      await page.click('#kill');
      await page.waitForFunction(() => document.getElementById('risk-state')?.textContent === 'HALTED', undefined, { timeout: 100_000 });
      expect(await page.textContent('#risk-reason')).toMatch(/kill.*dashboard/);
      expect(await page.isDisabled('#kill')).toBe(true);

      const instrument = run.config.instrument;
      let shown: Record<string, string> = {};
      let stored: Record<string, string> = {};
      // Halted, the run stops trading once the flatten has filled; the page and the store then agree.
      await eventually(async () => {
        await run.writer.flush();
        const fills = await run.store.readFills(run.runId);
        const positions = await run.store.readPositionSnapshots(run.runId);
        const last = fills.at(-1);
        stored = {
          fills: String(fills.length),
          lastPrice: last === undefined ? '–' : ticksToPrice(instrument, last.fill.price),
          qty: lotsToQty(instrument, positions.at(-1)?.qty ?? (0 as never)),
        };
        const now = await figures(page);
        shown = { fills: now.fills, lastPrice: now.lastPrice, qty: now.qty };
        return JSON.stringify(shown) === JSON.stringify(stored) && now.openOrders === '0';
      }, 60_000, 300);
      expect(shown).toEqual(stored);
      expect(Number(stored.fills)).toBeGreaterThan(0);
      // The fills the page saw are marked on its price chart.
      expect(Number(await page.evaluate(() => document.getElementById('run-chart')?.dataset.fillMarkers))).toBeGreaterThan(0);
      expect(stored.qty).toBe(lotsToQty(instrument, 0 as never));

      const risk = await run.store.readRiskEvents(run.runId);
      const trip = risk.find((e) => e.kind === 'trip' && e.cause === 'kill');
      expect(trip).toMatchObject({ state: 'HALTED' });
      expect(trip?.reason).toMatch(/dashboard: operator, from the dashboard/);
    } finally {
      await page.close();
    }
  });

  it('with a token, refuses every request without it and serves the page once given it', async () => {
    for (const path of ['', 'app.js', 'api/snapshot', 'api/events', `report/${run.runId}`]) {
      expect((await get(new URL(path, secured.url))).status, path).toBe(401);
    }
    const kill = await get(new URL('api/kill', secured.url), { method: 'POST', body: JSON.stringify({ confirm: true, reason: 'no token' }) });
    expect(kill.status).toBe(401);
    const snapshot = await get(new URL('api/snapshot', secured.url), { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(snapshot.status).toBe(200);
    expect(((await snapshot.json()) as { runId: string }).runId).toBe(run.runId);

    const page = await newPage();
    try {
      await page.goto(secured.url);
      // The page that asks for the token; given it, the dashboard opens and streams.
      await page.fill('#t', TOKEN);
      await page.click('button');
      await page.waitForFunction((id) => document.getElementById('run-id')?.textContent === id, run.runId);
      await page.waitForFunction(() => document.getElementById('conn')?.textContent === 'live');
      expect(page.url()).not.toContain(TOKEN);
    } finally {
      await page.close();
    }
  });
});

/**
 * fetch, tried again once when a kept-alive connection was reset under it: the server closes an idle
 * connection after 5 s, and on a loaded machine the next request can race that close, as a browser's
 * would (browsers retry such a request on a fresh connection too).
 */
async function get(url: URL, init?: RequestInit): Promise<Response> {
  try {
    return await fetch(url, init);
  } catch (error) {
    if (!/ECONNRESET|socket|other side closed/i.test(String((error as { cause?: unknown }).cause ?? error))) throw error;
    return fetch(url, init);
  }
}

async function figures(page: PlaywrightCore.Page): Promise<Record<'seq' | 'frames' | 'fills' | 'lastPrice' | 'qty' | 'openOrders', string>> {
  return page.evaluate(() => {
    const t = (id: string): string => document.getElementById(id)?.textContent ?? '';
    return { seq: t('seq'), frames: t('feed-frames'), fills: t('fill-count'), lastPrice: t('last-fill-price'), qty: t('position-qty'), openOrders: t('open-count') };
  });
}
