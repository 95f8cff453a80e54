import { describe, expect } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { BatchedWriter } from '../../application/batched-writer.ts';
import type { ModelInfo } from '../../application/ports/signal-model.ts';
import { TradingLoop } from '../../application/trading-loop.ts';
import { BybitLiveFeed } from '../../adapters/bybit/live-feed.ts';
import { SystemClock } from '../../adapters/clock/system-clock.ts';
import { SimulatedVenue } from '../../adapters/sim/sim-venue.ts';
import { schemaForNames } from '../../domain/features/registry.ts';

import type { OrderBook } from '../../domain/market/order-book.ts';
import { unwrap } from '../../domain/result.ts';
import { BYBIT_LINEAR_FEES } from '../../domain/trading/fees.ts';
import { lotsToQty, priceToTicks, qtyToLots } from '../../domain/values/instrument.ts';
import type { Lots } from '../../domain/values/units.ts';
import { btc, eventually } from '../support/builders.ts';
import { BybitTestServer, type ServerBook } from '../support/bybit-server.ts';
import { FunctionModel, MemoryStore, RecordingLogger } from '../support/fakes.ts';

/** Features of the current book alone: no warm-up, so every LIVE book is shown to the model. */
const BASELINE_FEATURE_NAMES = ['spread_ticks', 'depth_imbalance_1'];

type Fault =
  | { kind: 'drop'; n: number }
  | { kind: 'duplicate' }
  | { kind: 'reorder' }
  | { kind: 'stall' }
  | { kind: 'close' }
  | { kind: 'garbage' }
  | { kind: 'restart' };

const fault: fc.Arbitrary<Fault> = fc.oneof(
  fc.record({ kind: fc.constant('drop' as const), n: fc.integer({ min: 1, max: 3 }) }),
  fc.constant({ kind: 'duplicate' as const }),
  fc.constant({ kind: 'reorder' as const }),
  fc.constant({ kind: 'stall' as const }),
  fc.constant({ kind: 'close' as const }),
  fc.constant({ kind: 'garbage' as const }),
  fc.constant({ kind: 'restart' as const }),
);

const info: ModelInfo = {
  id: 'state-checking',
  featureNames: BASELINE_FEATURE_NAMES,
  schemaId: unwrap(schemaForNames(BASELINE_FEATURE_NAMES)).id,
  scoreMeaning: 'none',
  horizonMs: 1000,
  threshold: 1,
};

/** The client's book equals the server's, level by level, in exact integers. */
function sameBook(book: OrderBook, server: ServerBook): boolean {
  const side = (s: 'bid' | 'ask', levels: ServerBook['bids']): boolean =>
    book.levelCount(s) === levels.length &&
    levels.every(([p, q], i) => book.priceAt(s, i) === unwrap(priceToTicks(btc, p)) && book.qtyAt(s, i) === unwrap(qtyToLots(btc, q)));
  return side('bid', server.bids) && side('ask', server.asks);
}

describe('the live feed, the book and the trading loop under injected faults', () => {
  test.prop([fc.array(fault, { minLength: 1, maxLength: 5 }), fc.integer({ min: 1, max: 1000 })], { numRuns: 6, endOnFailure: true })(
    'return to LIVE with the server book after every fault, detect every drop, and never trade a book that is not LIVE',
    async (faults, seed) => {
      const server = await BybitTestServer.start({ seed, levels: 20 });
      const logger = new RecordingLogger();
      const feed = unwrap(
        BybitLiveFeed.create({
          url: server.url,
          symbol: 'BTCUSDT',
          depth: 50,
          clock: new SystemClock(),
          logger,
          pingIntervalMs: 200,
          pongTimeoutMs: 1000,
          heartbeatMs: 50,
          resyncTimeoutMs: 800,
          backoff: { initialMs: 10, maxMs: 100 },
        }),
      );
      const notLive: string[] = [];
      let loop: TradingLoop | null = null;
      const model = new FunctionModel(info, () => {
        // Called only for a book the loop was handed; it must be LIVE and whole at that moment.
        if (loop!.market.state !== 'LIVE' || loop!.book.isCrossed()) notLive.push(loop!.market.state);
        return { score: 0, confidence: 0 };
      });
      loop = new TradingLoop(
        { runId: 'faults', instrument: btc, limits: { maxPositionLots: 1 as Lots, orderLots: 1 as Lots }, bookDepth: 50 },
        { feed, venue: new SimulatedVenue(btc, BYBIT_LINEAR_FEES), model, writer: new BatchedWriter(new MemoryStore(), logger), clock: new SystemClock(), logger },
      );
      const running = loop.run();
      try {
        const whole = async (): Promise<void> => {
          await eventually(() => loop.market.state === 'LIVE' && sameBook(loop.book, server.book()), 8000);
        };
        server.pushNow(5);
        await whole();
        for (const f of faults) {
          const gapsBefore = loop.market.counters.gaps;
          switch (f.kind) {
            case 'drop':
              server.dropNext(f.n);
              break;
            case 'duplicate':
              server.duplicateNext();
              break;
            case 'reorder':
              server.reorderNext();
              break;
            case 'stall':
              server.stall(400);
              break;
            case 'close':
              server.closeSocket();
              break;
            case 'garbage':
              server.sendGarbage('{"topic":"orderbook.50.BTCUSDT","data":');
              break;
            case 'restart':
              server.restart();
              break;
          }
          server.pushNow(f.kind === 'drop' ? f.n + 3 : 4);
          // Keep the market moving until the client has caught up with it again. The comparison comes
          // before the next step: right after a step the client cannot have received it yet, so a check
          // there passed only when the step happened to change nothing.
          await eventually(
            () => {
              if (loop.market.state === 'LIVE' && sameBook(loop.book, server.book())) return true;
              server.pushNow(1);
              return false;
            },
            8000,
            60,
          );
          if (f.kind === 'drop') expect(loop.market.counters.gaps).toBeGreaterThan(gapsBefore);
        }
        expect(notLive).toEqual([]);
        expect(model.calls).toBeGreaterThan(0);
        // The traded book is the server's: compare one more time with the quantities as text.
        const top = server.book();
        expect(top.bestBid === null ? null : lotsToQty(btc, loop.book.bestBidQty())).toBe(
          top.bids[0] === undefined ? null : lotsToQty(btc, unwrap(qtyToLots(btc, top.bids[0][1]))),
        );
      } finally {
        await feed.close();
        await running.catch(() => undefined);
        await server.close();
      }
    },
    120_000,
  );
});
