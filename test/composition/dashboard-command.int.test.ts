import 'reflect-metadata';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunHistory } from '../../adapters/dashboard/run-history.ts';
import { createStore } from '../../adapters/postgres/connect.ts';
import type { TradingStore } from '../../application/ports/trading-store.ts';
import { silentLogger } from '../../application/ports/logger.ts';
import { backtestCommand } from '../../composition/backtest-command.ts';
import { DASHBOARD_HELP, dashboardCommand, serveStoredRun } from '../../composition/dashboard-command.ts';
import { unwrap } from '../../domain/result.ts';
import { cashToNumber, createInstrument, lotsToNumber, ticksToNumber, type Instrument } from '../../domain/values/instrument.ts';
import type { Cash, Ticks } from '../../domain/values/units.ts';

/*
 * `ladder dashboard --run ID` over a short synthetic backtest stored in a PGlite directory, as
 * `ladder backtest --db …` leaves it (without --store-market): the JSON the page draws (GET /api/run)
 * against what the store holds, and the server's read-only rules.
 */

const tmp = mkdtempSync(join(tmpdir(), 'ladder-dashboard-'));
const dir = join(tmp, 'db');
const DURATION_S = 180;
const TOKEN = 'stored-run-token-0123456789';

describe('ladder dashboard --run', { timeout: 120_000 }, () => {
  let runId: string;
  let store: TradingStore;
  let served: { url: string; close(): Promise<void> };
  let secured: { url: string; close(): Promise<void> };
  let history: RunHistory;
  let instrument: Instrument;

  beforeAll(async () => {
    const json = join(tmp, 'backtest.json');
    // 3 minutes of seed 7: the model's windows warm and the run trades before the end.
    const code = await backtestCommand(
      ['--source', 'synthetic', '--seed', '7', '--duration', `${DURATION_S}s`, '--db', `pglite:${dir}`, '--report', json, '--quiet', '--log-level', 'silent'],
      () => undefined,
    );
    expect(code).toBe(0);
    runId = (JSON.parse(readFileSync(json, 'utf8')) as { run: string }).run;
    store = await createStore({ kind: 'pglite', dataDir: dir });
    served = await serveStoredRun(store, runId, { host: '127.0.0.1', port: 0, token: null, capitalUsdt: 10_000, logger: silentLogger });
    secured = await serveStoredRun(store, runId, { host: '127.0.0.1', port: 0, token: TOKEN, capitalUsdt: 10_000, logger: silentLogger });
    const res = await fetch(new URL('api/run', served.url));
    expect(res.status).toBe(200);
    history = (await res.json()) as RunHistory;
    instrument = unwrap(createInstrument((await store.readRun(runId))!.instrument));
  }, 180_000);

  afterAll(async () => {
    await served?.close();
    await secured?.close();
    await store?.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('serves every fill and order the store holds, at their times and prices', async () => {
    const fills = await store.readFills(runId);
    const orders = await store.readOrders(runId);
    expect(fills.length).toBeGreaterThan(0);
    expect(history.fills.map((f) => [f.t, f.tradeId, f.side, f.price, f.qty])).toEqual(
      fills.map((f) => [f.fill.ts, f.fill.tradeId, f.fill.side, ticksToNumber(instrument, f.fill.price), lotsToNumber(instrument, f.fill.qty)]),
    );
    expect(new Set(history.orders.map((o) => o.id))).toEqual(new Set(orders.map((o) => o.id)));
    for (const o of history.orders) {
      const stored = orders.find((s) => s.id === o.id)!;
      expect([o.t, o.side, o.price]).toEqual([stored.createdAt, stored.side, stored.limitPrice === null ? null : ticksToNumber(instrument, stored.limitPrice)]);
    }
    const signals = await store.readSignals(runId);
    expect(history.signals.map((s) => [s.t, s.confidence, s.acted])).toEqual(signals.map((s) => [s.signal.ts, s.signal.confidence, s.acted]));
    expect(history.threshold).toBeGreaterThan(0);
  });

  it('draws the mid a second from the touch the backtest recorded', async () => {
    const books = await store.readBookSnapshots(runId);
    expect(history.midsFrom).toBe('book snapshots');
    // One level a side: the touch, kept without --store-market.
    expect(books.every((b) => b.bidTicks.length === 1 && b.askTicks.length === 1)).toBe(true);
    const seconds = history.mids.map((m) => Math.floor(m.t / 1e6));
    expect(new Set(seconds).size).toBe(seconds.length);
    // The synthetic market moves every second: nearly every second of the run has its mid.
    expect(history.mids.length).toBeGreaterThan(0.9 * DURATION_S);
    expect(Math.max(...seconds.slice(1).map((s, k) => s - seconds[k]))).toBeLessThanOrEqual(2);
    for (const m of history.mids) {
      const b = books.find((x) => x.ts === m.t)!;
      expect(m.mid).toBe(ticksToNumber(instrument, ((b.bidTicks[0] + b.askTicks[0]) / 2) as Ticks));
    }
  });

  it('marks equity where the run marked its position, and follows the position after each fill', async () => {
    const positions = await store.readPositionSnapshots(runId);
    expect(history.position.map((p) => [p.t, p.qty])).toEqual(positions.map((p) => [p.ts, lotsToNumber(instrument, p.qty)]));
    // The run's own unrealized PnL (the position logic's) against the page's (qty × mark - cost basis).
    for (const p of positions) {
      if (p.unrealizedPnl === null) continue;
      const expected = cashToNumber((p.realizedPnl - p.fees + p.unrealizedPnl) as Cash);
      expect(history.equity.filter((e) => e.t === p.ts).map((e) => e.pnl)).toContain(expected);
    }
    expect(history.equity.every((e, k) => k === 0 || e.t >= history.equity[k - 1].t)).toBe(true);
    expect(history.equity.every((e) => e.equity === 10_000 + e.pnl)).toBe(true);
  });

  it('serves the page, its charts and the library from the package, and no kill switch', async () => {
    const page = await fetch(served.url);
    const html = await page.text();
    expect(html).toContain('id="run-chart"');
    expect(html).not.toMatch(/https?:\/\//);
    const lib = await fetch(new URL('lightweight-charts.js', served.url));
    expect(lib.status).toBe(200);
    const text = await lib.text();
    expect(text).toContain('TradingView Lightweight Charts');
    expect(text).toContain(readFileSync(join('node_modules', 'lightweight-charts', 'dist', 'lightweight-charts.standalone.production.js'), 'utf8').slice(0, 2000));
    for (const path of ['charts.js', 'run.js', 'style.css', `report/${runId}`]) expect((await fetch(new URL(path, served.url))).status, path).toBe(200);
    for (const path of ['api/events', 'api/snapshot', 'app.js']) expect((await fetch(new URL(path, served.url))).status, path).toBe(404);
    const kill = await fetch(new URL('api/kill', served.url), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ confirm: true, reason: 'test' }) });
    expect(kill.status).toBe(405);
    expect(await kill.text()).toContain('no kill switch');
  });

  it('with a token, refuses every request without it', async () => {
    for (const path of ['', 'run.js', 'charts.js', 'lightweight-charts.js', 'api/run', `report/${runId}`]) {
      expect((await fetch(new URL(path, secured.url))).status, path).toBe(401);
    }
    const res = await fetch(new URL('api/run', secured.url), { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(((await res.json()) as RunHistory).runId).toBe(runId);
  });

  it('names the store searched for a run it does not hold, and refuses a missing --run or a bare remote host', async () => {
    const lines: string[] = [];
    const absent = join(tmp, 'absent');
    expect(await dashboardCommand(['--run', 'no-such-run', '--db', `pglite:${absent}`], (t) => lines.push(t))).toBe(1);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^no run no-such-run in .*absent.*ladder runs --db/);
    await expect(dashboardCommand(['--db', `pglite:${dir}`], () => undefined)).rejects.toThrow(/--run/);
    await expect(dashboardCommand(['--run', runId, '--host', '0.0.0.0'], () => undefined)).rejects.toThrow(/--host.*LADDER_DASHBOARD_TOKEN/);
    const help: string[] = [];
    expect(await dashboardCommand(['--help'], (t) => help.push(t))).toBe(0);
    expect(help).toEqual([DASHBOARD_HELP]);
  });
});
