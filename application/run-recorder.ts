import type { OrderBook } from '../domain/market/order-book.ts';
import type { Trade } from '../domain/market/trade.ts';
import type { Position } from '../domain/trading/position.ts';
import type { Cash, Lots, Micros, Ticks } from '../domain/values/units.ts';
import type { BatchedWriter } from './batched-writer.ts';

export interface RecordingConfig {
  /** Venue time between two book snapshots, µs; null records none. */
  readonly snapshotEveryMicros: number | null;
  /** Levels a side in a snapshot. */
  readonly snapshotLevels: number;
  /** Length of an equity interval, µs of venue time. */
  readonly equityIntervalMicros: number;
  /** Record every public trade (the default); a backtest over a file it already has leaves them out. */
  readonly trades?: boolean;
}

export const DEFAULT_RECORDING: RecordingConfig = { snapshotEveryMicros: 1_000_000, snapshotLevels: 25, equityIntervalMicros: 60_000_000 };

/**
 * Records what a run saw and did beyond signals, orders and fills: every public trade, the top of the
 * LIVE book at a cadence of venue time, the position after every change, and equity per interval of
 * venue time. Hands rows to the writer; never waits for the store.
 */
export class RunRecorder {
  private snapshotSeq = 0;
  private nextSnapshotAt = -1;
  private positionSeq = 0;
  private fillsSeen = 0;
  private lotsSeen = 0;
  private intervalStart = -1;
  private intervalFills = 0;
  private intervalVolume = 0;

  constructor(
    private readonly runId: string,
    private readonly config: RecordingConfig,
    private readonly writer: BatchedWriter,
  ) {
    if (!(config.equityIntervalMicros > 0)) throw new RangeError(`equity interval must be positive, got ${config.equityIntervalMicros}`);
    if (!(Number.isSafeInteger(config.snapshotLevels) && config.snapshotLevels > 0)) throw new RangeError(`snapshot levels must be a positive integer, got ${config.snapshotLevels}`);
  }

  trade(trade: Trade): void {
    if (this.config.trades === false) return;
    const { symbol: _symbol, ...rest } = trade;
    this.writer.push('trades', { runId: this.runId, ...rest });
  }

  /** A LIVE book at venue time `ts`: a snapshot when the cadence is due, and the equity interval's clock. */
  book(book: OrderBook, ts: Micros, recvTime: Micros, position: Position): void {
    const every = this.config.snapshotEveryMicros;
    if (every !== null && ts >= this.nextSnapshotAt) {
      this.snapshot(book, ts, recvTime);
      // The next one at the next multiple of the cadence, however late this one came.
      this.nextSnapshotAt = (Math.floor(ts / every) + 1) * every;
    }
    const interval = this.config.equityIntervalMicros;
    const start = Math.floor(ts / interval) * interval;
    if (this.intervalStart < 0) this.intervalStart = start;
    else if (start > this.intervalStart) {
      this.closeInterval(position, markOf(book));
      this.intervalStart = start;
    }
  }

  /**
   * After an event that may have filled orders: a position snapshot when fills were applied since
   * the last call. `filledLots` is the run's total filled quantity so far, for the interval's volume.
   */
  position(position: Position, filledLots: number, ts: Micros, book: OrderBook): void {
    const fills = position.fillCount;
    if (fills === this.fillsSeen) return;
    this.intervalFills += fills - this.fillsSeen;
    this.intervalVolume += filledLots - this.lotsSeen;
    this.fillsSeen = fills;
    this.lotsSeen = filledLots;
    const mark = markOf(book);
    this.writer.push('positionSnapshots', {
      runId: this.runId,
      seq: ++this.positionSeq,
      ts,
      qty: position.qty,
      costBasis: position.costBasis,
      realizedPnl: position.realizedPnl,
      fees: position.fees,
      markTicks: mark,
      unrealizedPnl: mark === null ? null : position.unrealizedPnl(mark),
    });
  }

  /** At the end of the run: the interval under way, as far as it got. */
  finish(position: Position, book: OrderBook): void {
    if (this.intervalStart >= 0) this.closeInterval(position, markOf(book));
    this.intervalStart = -1;
  }

  private snapshot(book: OrderBook, ts: Micros, recvTime: Micros): void {
    const n = this.config.snapshotLevels;
    const bids = book.topN('bid', n);
    const asks = book.topN('ask', n);
    this.writer.push('bookSnapshots', {
      runId: this.runId,
      seq: ++this.snapshotSeq,
      ts,
      recvTime,
      bidTicks: bids.map(([p]) => p),
      bidLots: bids.map(([, q]) => q),
      askTicks: asks.map(([p]) => p),
      askLots: asks.map(([, q]) => q),
    });
  }

  private closeInterval(position: Position, mark: Ticks | null): void {
    const unrealized = mark === null ? (0 as Cash) : position.unrealizedPnl(mark);
    this.writer.push('equity', {
      runId: this.runId,
      intervalStart: this.intervalStart as Micros,
      interval: this.config.equityIntervalMicros as Micros,
      equity: mark === null ? ((position.realizedPnl - position.fees) as Cash) : position.equity(mark),
      realizedPnl: position.realizedPnl,
      unrealizedPnl: unrealized,
      fees: position.fees,
      volume: this.intervalVolume as Lots,
      fills: this.intervalFills,
    });
    this.intervalFills = 0;
    this.intervalVolume = 0;
  }
}

/** The mark: the mid rounded down to a tick, as the run summary marks; null without a two-sided book. */
export function markOf(book: OrderBook): Ticks | null {
  const mid2 = book.midTimesTwo();
  return mid2 === null ? null : (Math.floor(mid2 / 2) as Ticks);
}
