import { describe, expect, it } from 'vitest';
import { BatchedWriter } from '../../application/batched-writer.ts';
import { RunRecorder } from '../../application/run-recorder.ts';
import { OrderBook } from '../../domain/market/order-book.ts';
import type { Trade } from '../../domain/market/trade.ts';
import type { Fill } from '../../domain/trading/fill.ts';
import { Position } from '../../domain/trading/position.ts';
import { unwrap } from '../../domain/result.ts';
import type { Cash, Lots, Micros, Ticks } from '../../domain/values/units.ts';
import { btc, frame } from '../support/builders.ts';
import { MemoryStore, RecordingLogger } from '../support/fakes.ts';

const S = 1_000_000;
const T0 = 1_700_000_000_000;

function setup(snapshotEveryMicros: number | null = S) {
  const store = new MemoryStore();
  const writer = new BatchedWriter(store, new RecordingLogger(), { batchRows: 10_000 });
  const recorder = new RunRecorder('run-1', { snapshotEveryMicros, snapshotLevels: 2, equityIntervalMicros: 60 * S }, writer);
  const book = new OrderBook(btc);
  const position = new Position(btc);
  return { store, writer, recorder, book, position };
}

const at = (ms: number): Micros => ((T0 + ms) * 1000) as Micros;

function fill(id: string, side: 'Buy' | 'Sell', price: number, qty: number, ms: number): Fill {
  return { tradeId: id, orderId: 'o', symbol: 'BTCUSDT', side, price: price as Ticks, qty: qty as Lots, fee: 100 as Cash, liquidity: 'taker', ts: at(ms) };
}

describe('RunRecorder', () => {
  it('snapshots the top levels at each multiple of the cadence of venue time, however late the book comes', async () => {
    const { store, writer, recorder, book, position } = setup();
    unwrap(book.apply(frame('snapshot', 1, [['100.0', '1.000'], ['99.9', '2.000'], ['99.8', '3.000']], [['100.1', '4.000']], T0 + 200)));
    // Books at 0.2 s, 0.7 s, 1.0 s, 3.5 s and 3.9 s: snapshots at 0.2 s (the first), 1.0 s and 3.5 s.
    for (const ms of [200, 700, 1_000, 3_500, 3_900]) recorder.book(book, at(ms), at(ms + 1), position);
    await writer.flush();
    expect(store.bookSnapshots.map((r) => [r.seq, r.ts / 1000 - T0, r.recvTime / 1000 - T0])).toEqual([[1, 200, 201], [2, 1_000, 1_001], [3, 3_500, 3_501]]);
    // Two levels a side, best first, in ticks and lots.
    expect(store.bookSnapshots[0]).toMatchObject({ bidTicks: [1000, 999], bidLots: [1000, 2000], askTicks: [1001], askLots: [4000] });
  });

  it('records no snapshot when the cadence is off, and every public trade without its symbol', async () => {
    const { store, writer, recorder, book, position } = setup(null);
    unwrap(book.apply(frame('snapshot', 1, [['100.0', '1.000']], [['100.1', '1.000']], T0)));
    recorder.book(book, at(0), at(0), position);
    const trade: Trade = { tradeId: 't1', symbol: 'BTCUSDT', price: 1001 as Ticks, size: 5 as Lots, takerSide: 'Buy', ts: at(5), recvTime: at(6), blockTrade: false };
    recorder.trade(trade);
    await writer.flush();
    expect(store.bookSnapshots).toEqual([]);
    expect(store.trades).toEqual([{ runId: 'run-1', tradeId: 't1', price: 1001, size: 5, takerSide: 'Buy', ts: at(5), recvTime: at(6), blockTrade: false }]);
  });

  it('snapshots the position after fills, marked at the mid rounded down, and sums each equity interval', async () => {
    const { store, writer, recorder, book, position } = setup(null);
    unwrap(book.apply(frame('snapshot', 1, [['100.0', '1.000']], [['100.1', '1.000']], T0)));
    recorder.book(book, at(0), at(0), position);
    recorder.position(position, 0, at(0), book); // nothing filled yet: no snapshot
    unwrap(position.applyFill(fill('f1', 'Buy', 1001, 2, 10)));
    unwrap(position.applyFill(fill('f2', 'Buy', 1001, 1, 20)));
    recorder.position(position, 3, at(20), book);
    // A minute later the next interval starts: the first one closes with 2 fills, 3 lots.
    recorder.book(book, at(60_000), at(60_000), position);
    unwrap(position.applyFill(fill('f3', 'Sell', 1000, 3, 60_010)));
    recorder.position(position, 6, at(60_010), book);
    recorder.finish(position, book);
    await writer.flush();

    // Mid 100.05 marks at 100.0 (1000 ticks): long 3 lots bought at 1001 is 3 x -1 tick = -3 x 0.1 x 0.001 USDT.
    expect(store.positionSnapshots.map((p) => [p.seq, p.qty, p.markTicks, p.unrealizedPnl, p.fees])).toEqual([
      [1, 3, 1000, -30_000, 200],
      [2, 0, 1000, 0, 300],
    ]);
    expect(store.equity.map((e) => [e.intervalStart / 1000 - T0 + (T0 % 60_000), e.fills, e.volume, e.fees, e.equity])).toEqual([
      [0, 2, 3, 200, -30_000 - 200],
      [60_000, 1, 3, 300, -30_000 - 300],
    ]);
  });
});
