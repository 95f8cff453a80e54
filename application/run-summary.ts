import type { SyncState } from '../domain/market/book-sync.ts';
import type { LatencySummary } from '../domain/stats/latency-histogram.ts';
import { formatCash, lotsToQty, ticksToPrice, type Instrument } from '../domain/values/instrument.ts';
import type { Cash, Ticks } from '../domain/values/units.ts';
import type { WriterStats } from './batched-writer.ts';
import type { MarketCounters, MarketData } from './market-data.ts';
import type { OrderFlow } from './order-flow.ts';

export interface TradingCounters {
  predictions: number;
  invalidPredictions: number;
  /** Predictions whose confidence cleared the model's threshold. */
  signals: number;
  /** Vectors computed (and stored) before the features' warm-up had passed: not shown to the model. */
  coldVectors: number;
}

/** Money and sizes as exact decimal text; the mark is the last mid (a half-tick mid rounds down). */
export interface PositionSummary {
  readonly qty: string;
  readonly avgEntry: string | null;
  readonly mark: string | null;
  readonly realizedPnl: string;
  readonly unrealizedPnl: string;
  readonly fees: string;
  readonly netPnl: string;
}

export interface RunSummary {
  readonly counters: MarketCounters & TradingCounters;
  /** The book's integrity state when the run ended. */
  readonly bookState: SyncState;
  /** Matching engine (`cts`) to local receipt, µs, over book frames. */
  readonly latency: LatencySummary;
  readonly orders: OrderFlow['counters'];
  readonly openOrders: number;
  readonly position: PositionSummary;
  readonly store: WriterStats;
  readonly elapsedMicros: number;
}

export function summarize(
  instrument: Instrument,
  market: MarketData,
  counters: TradingCounters,
  orders: OrderFlow,
  store: WriterStats,
  elapsedMicros: number,
): RunSummary {
  const book = market.book;
  const p = orders.position;
  const mid2 = book.midTimesTwo();
  const mark = mid2 === null ? null : (Math.floor(mid2 / 2) as Ticks);
  const unrealized = mark === null ? (0 as Cash) : p.unrealizedPnl(mark);
  const avg = p.avgEntryTicks();
  return {
    counters: { ...market.counters, ...counters },
    bookState: market.state,
    latency: market.latencySummary(),
    orders: { ...orders.counters },
    openOrders: orders.openOrders,
    position: {
      qty: lotsToQty(instrument, p.qty),
      avgEntry: avg === null ? null : ((avg * instrument.tickUnits) / 10 ** instrument.priceScale).toFixed(instrument.priceScale + 2),
      mark: mark === null ? null : ticksToPrice(instrument, mark),
      realizedPnl: formatCash(p.realizedPnl),
      unrealizedPnl: formatCash(unrealized),
      fees: formatCash(p.fees),
      netPnl: formatCash((p.realizedPnl + unrealized - p.fees) as Cash),
    },
    store,
    elapsedMicros,
  };
}
