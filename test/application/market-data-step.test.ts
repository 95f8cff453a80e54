import { describe, expect, it } from 'vitest';
import { bybitSyncConfig, MarketData } from '../../application/market-data.ts';
import { silentLogger } from '../../application/ports/logger.ts';
import type { GridTrade, MarketEvent } from '../../domain/market/market-event.ts';
import type { Lots, Micros, Ticks } from '../../domain/values/units.ts';
import { unitsText } from '../../domain/execution/units-text.ts';
import { btc, frame } from '../support/builders.ts';

/*
 * `MarketData.process` fills one step object afresh at each event (a new one an event was a share of
 * the run's garbage): each event's step, read before the next event, says what that event did.
 */

const resyncs: string[] = [];
const market = (): MarketData => new MarketData({ instrument: btc, bookDepth: 50, sync: bybitSyncConfig(50) }, { resync: (why) => resyncs.push(why) }, silentLogger);

const trade = (id: string, ts: number): GridTrade => ({
  tradeId: id, symbol: 'BTCUSDT', price: 900_000 as Ticks, size: 3 as Lots, takerSide: 'Buy', ts: ts as Micros, recvTime: ts as Micros, blockTrade: false,
});

describe('the market step', () => {
  it('says what each event did, in one object reused from event to event', () => {
    const m = market();
    const snapshot = frame('snapshot', 1, [['89999.9', '1.000']], [['90000.0', '1.000']]);
    const first = m.process({ kind: 'book', frame: snapshot });
    expect(first.book).toBe(snapshot);
    expect(first.trades).toHaveLength(0);
    expect(first.transition).toMatchObject({ from: 'SYNCING', to: 'LIVE' });

    const trades = [trade('t1', snapshot.recvTime + 1000), trade('t2', snapshot.recvTime + 1000)];
    const second = m.process({ kind: 'gridTrades', trades });
    expect(second).toBe(first);
    expect(second.book).toBeNull();
    expect(second.trades).toBe(trades);
    expect(second.transition).toBeNull();

    const delta = frame('delta', 2, [['89999.9', '2.000']], []);
    const third = m.process({ kind: 'book', frame: delta });
    expect(third.book).toBe(delta);
    expect(third.trades).toHaveLength(0);
    expect(third.transition).toBeNull();

    // A trade long after the last book: the book goes STALE on its time, and the step says so.
    const late = m.process({ kind: 'gridTrades', trades: [trade('t3', delta.recvTime + 60_000_000)] } satisfies MarketEvent);
    expect(late.trades).toHaveLength(1);
    expect(late.transition).toMatchObject({ from: 'LIVE', to: 'STALE' });
    expect(late.book).toBeNull();
    expect(resyncs.length).toBeGreaterThan(0);

    // A ticker changes nothing: the shared quiet step.
    const ticker = m.process({ kind: 'ticker', ticker: { symbol: 'BTCUSDT', bid1Price: null, ask1Price: null, lastPrice: null, fundingRate: null, cs: 1, ts: delta.ts, recvTime: delta.recvTime + 60_000_001 as Micros } });
    expect(ticker.book).toBeNull();
    expect(ticker.trades).toHaveLength(0);
    expect(ticker.transition).toBeNull();
  });
});

describe('units text', () => {
  it('is made once for an instrument, and formats as before', () => {
    expect(unitsText(btc)).toBe(unitsText(btc));
    expect(unitsText(btc).qty(6)).toBe('0.006 BTC');
    expect(unitsText(btc).price(899_941)).toBe('89994.1 USDT');
  });
});
