import type { Insertable, Selectable } from 'kysely';
import type { BookSnapshotRecord, PublicTradeRecord } from '../../application/ports/trading-store.ts';
import type { TakerSide } from '../../domain/market/market-event.ts';
import type { Lots, Micros, Ticks } from '../../domain/values/units.ts';
import { RowFieldError, checkedInteger, exactInt8, exactIntegers, integerArrayLiteral } from './row-checks.ts';
import type { BookSnapshotsTable, PublicTradesTable } from './schema.ts';

/** Book snapshots and public trades: the market data a run saw, to and from their rows. */

function bookSide(ticks: readonly number[], lots: readonly number[], side: 'bid' | 'ask'): [string, string] {
  if (ticks.length !== lots.length) {
    throw new RowFieldError(`${side}Lots`, `has ${lots.length} levels but ${side}Ticks has ${ticks.length}`);
  }
  return [integerArrayLiteral(ticks, `${side}Ticks`, 1), integerArrayLiteral(lots, `${side}Lots`, 1)];
}

export function bookSnapshotToRow(record: BookSnapshotRecord): Insertable<BookSnapshotsTable> {
  const [bidTicks, bidLots] = bookSide(record.bidTicks, record.bidLots, 'bid');
  const [askTicks, askLots] = bookSide(record.askTicks, record.askLots, 'ask');
  return {
    run_id: record.runId,
    seq: checkedInteger(record.seq, 'seq', 1),
    ts_us: checkedInteger(record.ts, 'ts', 0),
    recv_us: checkedInteger(record.recvTime, 'recvTime', 0),
    bid_ticks: bidTicks,
    bid_lots: bidLots,
    ask_ticks: askTicks,
    ask_lots: askLots,
  };
}

export const bookSnapshotFromRow = (row: Selectable<BookSnapshotsTable>): BookSnapshotRecord => ({
  runId: row.run_id,
  seq: exactInt8(row.seq, 'book_snapshots.seq'),
  ts: exactInt8(row.ts_us, 'book_snapshots.ts_us') as Micros,
  recvTime: exactInt8(row.recv_us, 'book_snapshots.recv_us') as Micros,
  bidTicks: exactIntegers(row.bid_ticks, 'book_snapshots.bid_ticks') as Ticks[],
  bidLots: exactIntegers(row.bid_lots, 'book_snapshots.bid_lots') as Lots[],
  askTicks: exactIntegers(row.ask_ticks, 'book_snapshots.ask_ticks') as Ticks[],
  askLots: exactIntegers(row.ask_lots, 'book_snapshots.ask_lots') as Lots[],
});

function takerSide(side: TakerSide): TakerSide {
  switch (side) {
    case 'Buy':
    case 'Sell':
      return side;
    default:
      throw new RowFieldError('takerSide', `= ${JSON.stringify(side)} is not Buy or Sell`);
  }
}

export const tradeToRow = (record: PublicTradeRecord): Insertable<PublicTradesTable> => ({
  run_id: record.runId,
  trade_id: record.tradeId,
  ts_us: checkedInteger(record.ts, 'ts', 0),
  recv_us: checkedInteger(record.recvTime, 'recvTime', 0),
  price_ticks: checkedInteger(record.price, 'price', 1),
  qty_lots: checkedInteger(record.size, 'size', 1),
  taker_side: takerSide(record.takerSide),
  block_trade: record.blockTrade,
});

export const tradeFromRow = (row: Selectable<PublicTradesTable>): PublicTradeRecord => ({
  runId: row.run_id,
  tradeId: row.trade_id,
  ts: exactInt8(row.ts_us, 'public_trades.ts_us') as Micros,
  recvTime: exactInt8(row.recv_us, 'public_trades.recv_us') as Micros,
  price: exactInt8(row.price_ticks, 'public_trades.price_ticks') as Ticks,
  size: exactInt8(row.qty_lots, 'public_trades.qty_lots') as Lots,
  takerSide: row.taker_side,
  blockTrade: row.block_trade,
});
