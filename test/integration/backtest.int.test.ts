import 'reflect-metadata';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { createStore } from '../../adapters/postgres/connect.ts';
import { parseDbTarget } from '../../adapters/postgres/db-target.ts';
import { backtestCommand } from '../../composition/backtest-command.ts';
import { paperConfig } from '../../composition/config.ts';
import { runPaper } from '../../composition/paper.ts';
import { unwrap } from '../../domain/result.ts';
import type { Order } from '../../domain/trading/order.ts';
import type { FillRecord } from '../../application/ports/trading-store.ts';
import { RecordingLogger } from '../support/fakes.ts';

/*
 * ladder backtest is app:paper with the data's clock and no pacing. Over the same frames, both must
 * send the same orders and get the same fills; and on the synthetic market, the smart policy must
 * beat the seed system's baseline on slippage while filling what it decides.
 */

const root = fileURLToPath(new URL('../..', import.meta.url));
const sample = join(root, 'test/fixtures/btcusdt-sample.jsonl');
const baselineModel = join(root, 'models/baseline');
const tmp = mkdtempSync(join(tmpdir(), 'ladder-backtest-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

interface Report {
  readonly run: string;
  readonly policy: string;
  readonly slippage_bps_mean: number;
  readonly fill_rate: number;
  readonly sharpe: number | null;
  readonly trades: number;
  readonly parents: number;
  readonly pnl: number;
  readonly fees: number;
  readonly markout_bps: { readonly taker: Record<'1s' | '5s' | '30s', number | null> } | null;
  readonly cost_per_lot_bps: { readonly total: number | null } | null;
  readonly against_baseline?: {
    readonly slippage_bps_mean: number; readonly fill_rate: number; readonly sharpe: number | null; readonly fees: number;
    readonly slippage_reduction: number; readonly sharpe_change: number | null;
    readonly cost_per_lot_bps: { readonly total: number | null } | null;
    readonly cost_per_lot_change_bps: number | null;
  };
}

async function backtest(...args: string[]): Promise<Report> {
  const out = join(tmp, `report-${Math.random().toString(36).slice(2)}.json`);
  const code = await backtestCommand([...args, '--report', out, '--quiet', '--log-level', 'silent'], () => undefined);
  expect(code).toBe(0);
  return JSON.parse(readFileSync(out, 'utf8')) as Report;
}

/** A run's orders and fills without the run's own ids: what the venue was asked and what it did. */
async function ledger(db: string, runId: string): Promise<{ orders: unknown[]; fills: unknown[] }> {
  const store = await createStore(unwrap(parseDbTarget(db)));
  try {
    const strip = (id: string): string => id.slice(id.lastIndexOf('-') + 1);
    const orders = (await store.readOrders(runId)).map((o: Order) => ({ ...o, id: strip(o.id), venueOrderId: null }));
    const fills = (await store.readFills(runId)).map((f: FillRecord) => ({
      ...f.fill, orderId: strip(f.fill.orderId), tradeId: null, arrivalMidTicks: f.arrivalMidTicks,
    }));
    return { orders, fills };
  } finally {
    await store.close();
  }
}

describe('ladder backtest', () => {
  it('sends the same orders and gets the same fills as app:paper over the same frames', { timeout: 300_000 }, async () => {
    const paperDb = `pglite:${join(tmp, 'paper')}`;
    const backtestDb = `pglite:${join(tmp, 'backtest')}`;
    const paper = await runPaper(paperConfig({ input: sample, db: paperDb, model: baselineModel, 'log-level': 'silent' }, {}), {
      logger: new RecordingLogger(), env: {},
    });
    const report = await backtest('--input', sample, '--model', baselineModel, '--db', backtestDb);
    const a = await ledger(paperDb, paper.runId);
    const b = await ledger(backtestDb, report.run);
    expect(a.orders.length).toBeGreaterThan(0);
    expect(a.fills.length).toBeGreaterThan(0);
    expect(b.orders).toEqual(a.orders);
    expect(b.fills).toEqual(a.fills);
    expect(report.trades).toBe(a.fills.length);
  });

  it('on the synthetic market, the smart policy costs no more a lot than the baseline and fills at least 95% of what it decides', { timeout: 300_000 }, async () => {
    // Sizes a trader would send: 5% of 100,000 USDT is about 55 lots, more than the touch often holds.
    const market = ['--source', 'synthetic', '--seed', '3', '--duration', '20m', '--capital', '100000', '--max-position', '1'];
    const smart = await backtest(...market, '--policy', 'smart', '--against-baseline', '--db', 'none');
    const baseline = smart.against_baseline!;
    expect(smart.policy).toBe('smart');
    expect(smart.parents).toBeGreaterThan(20);
    expect(baseline.slippage_bps_mean).toBeGreaterThan(0);
    expect(baseline.slippage_reduction).toBeCloseTo(1 - smart.slippage_bps_mean / baseline.slippage_bps_mean, 12);
    // Fees + shortfall − 5 s markout, a lot: the cost the chooser weighs, no higher than taking every time.
    const smartCost = smart.cost_per_lot_bps?.total ?? NaN;
    const baseCost = baseline.cost_per_lot_bps?.total ?? NaN;
    expect(smartCost).toBeLessThanOrEqual(baseCost);
    expect(baseline.cost_per_lot_change_bps).toBeCloseTo(smartCost - baseCost, 12);
    expect(smart.markout_bps?.taker['1s']).toEqual(expect.any(Number));
    expect(smart.fill_rate).toBeGreaterThanOrEqual(0.95);
    expect(baseline.fill_rate).toBeGreaterThanOrEqual(0.95);
    // Twenty minutes hold no daily return: no Sharpe, and no Sharpe change.
    expect(smart.sharpe).toBeNull();
    expect(baseline.sharpe_change).toBeNull();
    expect(smart.fees).toBeLessThan(baseline.fees);
  });
});
