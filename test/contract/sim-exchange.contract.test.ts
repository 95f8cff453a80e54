import { SimExchange } from '../../adapters/sim/sim-exchange.ts';
import { OrderBook } from '../../domain/market/order-book.ts';
import { BYBIT_LINEAR_FEES } from '../../domain/trading/fees.ts';
import type { Lots, Micros, Ticks } from '../../domain/values/units.ts';
import { btc, levelBuffer } from '../support/builders.ts';
import { runVenueContract, type VenueHarness } from './execution-venue.contract.ts';

/** Order latency of the simulated venue; the harness's market steps are far shorter. */
const ORDER_MICROS = 2_000;
const STEP_MICROS = 100;


/** The simulator under a market the harness shapes: one book snapshot per `setBook`, time stepping on. */
function simHarness(): Promise<VenueHarness> {
  const venue = new SimExchange({
    instrument: btc,
    fees: BYBIT_LINEAR_FEES,
    latency: { feedMicros: 0, orderMicros: [ORDER_MICROS - 500, ORDER_MICROS, ORDER_MICROS + 500] },
    seed: 42,
  });
  const book = new OrderBook(btc);
  let ts = 1_000_000;
  let u = 0;
  let tradeNo = 0;
  const harness: VenueHarness = {
    venue,
    symbol: 'BTCUSDT',
    ref: 900_000,
    now: () => ts as Micros,
    setBook(bids, asks) {
      ts += STEP_MICROS;
      u++;
      const applied = book.applyLevels({ type: 'snapshot', u, seq: u, ts: ts as Micros, cts: ts as Micros, recvTime: ts as Micros, bids: levelBuffer(bids), asks: levelBuffer(asks) });
      if (!applied.ok) throw new Error(`harness book refused: ${JSON.stringify(applied.error)}`);
      venue.observeBook(book, ts as Micros);
      return Promise.resolve();
    },
    trade(price, size, takerSide) {
      ts += STEP_MICROS;
      venue.observeTrade(
        { tradeId: `h${++tradeNo}`, symbol: 'BTCUSDT', price: price as Ticks, size: size as Lots, takerSide, ts: ts as Micros, recvTime: ts as Micros, blockTrade: false },
        ts as Micros,
      );
      return Promise.resolve();
    },
    settle() {
      // Two order latencies: every request in flight arrives and its answer comes back.
      for (let i = 0; i < 2; i++) {
        ts += 2 * ORDER_MICROS;
        venue.observeBook(book, ts as Micros);
      }
      return Promise.resolve();
    },
  };
  return Promise.resolve(harness);
}

runVenueContract('SimExchange', simHarness);
