import 'reflect-metadata';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { backtestCommand } from '../../composition/backtest-command.ts';

/*
 * The done-when of issue 16, as docs/execution.md states it: over the same data, the smart policy's
 * decisions cost no more a lot (fees + shortfall − 5 s markout) executed its way than the same
 * decisions taken at market at once, the baseline's way. How the chooser guarantees it: a decision it
 * takes at once is executed exactly as the paired run executes it, so the two differ only on the
 * decisions it rested, and it rests only where resting is expected to cost less than taking, under the
 * pooled priors and under each real capture's (test/domain/order-choice.prop.test.ts), its
 * expectations corrected by what its own rests realized (test/domain/order-choice.test.ts).
 */

const tmp = mkdtempSync(join(tmpdir(), 'ladder-paired-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

type Class = 'maker' | 'escalated' | 'market';

interface Report {
  readonly parents: number;
  readonly cost_per_lot_bps: { readonly total: number | null } | null;
  readonly chooser_priors?: string;
  readonly same_decisions_at_market?: {
    readonly decisions: number;
    readonly not_taken: number;
    readonly cost_per_lot_bps: { readonly total: number | null } | null;
    readonly cost_per_lot_change_bps: number | null;
    readonly by_class: Record<Class, { readonly decisions: number; readonly smart_bps: number | null; readonly at_market_bps: number | null }> | null;
  };
}

async function backtest(...args: string[]): Promise<Report> {
  const out = join(tmp, `report-${Math.random().toString(36).slice(2)}.json`);
  const code = await backtestCommand([...args, '--against-baseline', '--db', 'none', '--report', out, '--quiet', '--log-level', 'silent'], () => undefined);
  expect(code).toBe(0);
  return JSON.parse(readFileSync(out, 'utf8')) as Report;
}

function expectNotAbove(r: Report): void {
  const paired = r.same_decisions_at_market;
  expect(paired).toBeDefined();
  if (paired === undefined) return;
  expect(paired.decisions).toBe(r.parents);
  expect(paired.not_taken).toBe(0);
  expect(paired.cost_per_lot_change_bps).toBeCloseTo((r.cost_per_lot_bps?.total ?? NaN) - (paired.cost_per_lot_bps?.total ?? NaN), 12);
  // The decisions it took at once cost the same in both runs: the difference is the rests'.
  const market = paired.by_class?.market;
  if (market !== undefined && market.decisions > 0) expect(market.smart_bps ?? NaN).toBeCloseTo(market.at_market_bps ?? NaN, 6);
  expect(paired.cost_per_lot_change_bps ?? NaN).toBeLessThanOrEqual(0);
}

describe('the same decisions executed two ways', () => {
  it('on the synthetic market with informed flow: the smart execution costs no more a lot than taking each decision at once', { timeout: 300_000 }, async () => {
    const r = await backtest('--source', 'synthetic', '--seed', '7', '--duration', '5m', '--informed-share', 'calibrated', '--capital', '100000', '--max-position', '1');
    expect(r.parents).toBeGreaterThan(10);
    expect(r.same_decisions_at_market?.by_class?.maker.decisions ?? 0).toBeGreaterThan(0);
    expectNotAbove(r);
  });

  const data = fileURLToPath(new URL('../../../shared/data/', import.meta.url));
  const present = existsSync(data);
  if (!present) console.warn(`paired execution on the real captures skipped: ${data} is absent (the real captures live in ../shared)`);
  const captures: Record<string, string[]> = {
    'Binance USD-M 2024-08-08': ['binance/usdm-btcusdt-20240808-depth-trade-bookticker.gz'],
    'Binance USD-M 2024-07-18/19': ['binance/usdm-btcusdt-20240718.gz', 'binance/usdm-btcusdt-20240719.gz'],
    'Binance spot 2024-08-08/09': ['binance/spot-btcusdt-20240808.gz', 'binance/spot-btcusdt-20240809.gz'],
    'Bybit linear BTCUSDT': ['bybit/linear-BTCUSDT-orderbook200-trades-tickers.jsonl'],
  };
  for (const [name, files] of Object.entries(captures)) {
    for (const [size, flags] of [['the default size', []], ['the 1 BTC limit', ['--capital', '100000', '--max-position', '1']]] as const) {
      it.skipIf(!present)(`on ${name} at ${size}, with priors the capture did not set`, { timeout: 300_000 }, async () => {
        const r = await backtest('--input', ...files.map((f) => data + f), ...flags);
        if (name !== 'Bybit linear BTCUSDT') expect(r.chooser_priors).toMatch(new RegExp(`left out: ${name.replace(/[/.]/g, '\\$&')}`));
        expectNotAbove(r);
      });
    }
  }
});
