import { describe, expect, it } from 'vitest';
import type { OrderRequest } from '../../application/ports/execution-venue.ts';
import { SimulatedVenue } from '../../adapters/sim/sim-venue.ts';
import { OrderBook } from '../../domain/market/order-book.ts';
import { BYBIT_LINEAR_FEES } from '../../domain/trading/fees.ts';
import type { Lots, Micros } from '../../domain/values/units.ts';
import { btc, frame } from '../support/builders.ts';

const request = (over: Partial<OrderRequest>): OrderRequest => ({
  clientOrderId: 'c1',
  symbol: 'BTCUSDT',
  side: 'Buy',
  type: 'market',
  qty: 3 as Lots,
  limitPrice: null,
  reduceOnly: false,
  ts: 1 as Micros,
  ...over,
});

function venueWithBook() {
  const book = new OrderBook(btc);
  const applied = book.apply(frame('snapshot', 1, [['89999.9', '0.002'], ['89999.0', '0.001']], [['90000.0', '0.001'], ['90000.5', '0.001']]));
  expect(applied.ok).toBe(true);
  const venue = new SimulatedVenue(btc, BYBIT_LINEAR_FEES);
  venue.observeBook(book, 5 as Micros);
  return venue;
}

describe('SimulatedVenue', () => {
  it('walks the book for a market buy and cancels what the book cannot fill', async () => {
    const reports = await venueWithBook().submit(request({ qty: 3 as Lots }));
    expect(reports.map((r) => r.kind)).toEqual(['accepted', 'fill', 'fill', 'canceled']);
    const fills = reports.flatMap((r) => (r.kind === 'fill' ? [r.fill] : []));
    expect(fills.map((f) => [f.price, f.qty, f.liquidity])).toEqual([
      [900_000, 1, 'taker'],
      [900_005, 1, 'taker'],
    ]);
    // 90000.0 x 0.001 = 90 USDT at 0.055% = 0.0495 USDT.
    expect(fills[0].fee).toBe(4_950_000);
    expect(new Set(fills.map((f) => f.tradeId)).size).toBe(2);
  });

  it('fills a market sell at the bid levels', async () => {
    const reports = await venueWithBook().submit(request({ side: 'Sell', qty: 2 as Lots }));
    const fills = reports.flatMap((r) => (r.kind === 'fill' ? [r.fill] : []));
    expect(fills.map((f) => [f.price, f.qty])).toEqual([[899_999, 2]]);
  });

  it('rejects what it cannot do, with the reason', async () => {
    const venue = venueWithBook();
    const reason = async (r: Partial<OrderRequest>) => {
      const [first] = await venue.submit(request(r));
      return first?.kind === 'rejected' ? first.reason : first?.kind;
    };
    expect(await reason({ type: 'limit', limitPrice: 900_000 as never })).toMatch(/limit orders/);
    expect(await reason({ symbol: 'ETHUSDT' })).toMatch(/unknown symbol/);
    expect(await reason({ qty: 0 as Lots })).toMatch(/minimum/);
    expect(await reason({ reduceOnly: true })).toMatch(/reduce-only/);
    expect(await new SimulatedVenue(btc, BYBIT_LINEAR_FEES).submit(request({}))).toMatchObject([{ kind: 'rejected', reason: expect.stringMatching(/no market/) }]);
    expect(await venue.cancel('c1', 1 as Micros)).toMatchObject([{ kind: 'rejected' }]);
  });

  it('lets a reduce-only order close no more than the position', async () => {
    const venue = venueWithBook();
    await venue.submit(request({ side: 'Sell', qty: 2 as Lots }));
    const reports = await venue.submit(request({ clientOrderId: 'c2', side: 'Buy', qty: 5 as Lots, reduceOnly: true }));
    const filled = reports.flatMap((r) => (r.kind === 'fill' ? [r.fill.qty] : []));
    expect(filled.reduce((a, b) => a + b, 0)).toBe(2);
  });
});
