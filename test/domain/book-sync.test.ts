import { describe, expect, it } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { BookSync } from '../../domain/market/book-sync.ts';
import { OrderBook } from '../../domain/market/order-book.ts';
import type { BookFrame } from '../../domain/market/market-event.ts';
import type { Micros } from '../../domain/values/units.ts';
import { btc, frame } from '../support/builders.ts';

const config = { pushIntervalMicros: 20_000, staleAfterIntervals: 10 };
const snap = (u: number): BookFrame => frame('snapshot', u, [['90000.0', '1.000']], [['90000.1', '1.000']]);
const delta = (u: number, bidQty = '2.000'): BookFrame => frame('delta', u, [['90000.0', bidQty]], []);
const at = (f: BookFrame, recvMicros: number): BookFrame => ({ ...f, recvTime: recvMicros as Micros });

describe('BookSync', () => {
  it('goes SYNCING -> LIVE on a snapshot and stays LIVE on consecutive deltas', () => {
    const sync = new BookSync(new OrderBook(btc), config);
    expect(sync.state).toBe('SYNCING');
    expect(sync.onBookFrame(snap(1)).transition).toEqual({ from: 'SYNCING', to: 'LIVE', trigger: { kind: 'Snapshot', u: 1 } });
    expect(sync.onBookFrame(delta(2))).toEqual({ applied: true, transition: null, resync: false, error: null });
    expect(sync.live).toBe(true);
  });

  it('asks once for a resync on a gap, and a snapshot makes it LIVE again', () => {
    const sync = new BookSync(new OrderBook(btc), config);
    sync.onBookFrame(snap(1));
    const gap = sync.onBookFrame(delta(3));
    expect(gap).toMatchObject({ resync: true, transition: { from: 'LIVE', to: 'RESYNCING' }, error: { kind: 'SequenceGap', expected: 2, got: 3 } });
    // Later deltas still do not fit; no second request while one is under way.
    expect(sync.onBookFrame(delta(4))).toMatchObject({ resync: false, transition: null });
    expect(sync.live).toBe(false);
    expect(sync.onBookFrame(snap(9)).transition).toMatchObject({ from: 'RESYNCING', to: 'LIVE' });
    expect(sync.counters).toMatchObject({ gaps: 1, resyncs: 1, snapshots: 2 });
  });

  it('counts one missing delta as one gap, however many deltas follow it before the snapshot', () => {
    const sync = new BookSync(new OrderBook(btc), config);
    sync.onBookFrame(snap(1));
    for (let u = 3; u <= 208; u++) sync.onBookFrame(delta(u));
    expect(sync.counters).toMatchObject({ gaps: 1, resyncs: 1, duplicates: 0 });
    sync.onBookFrame(snap(300));
    // A second loss after the snapshot is a second episode.
    sync.onBookFrame(delta(302));
    sync.onBookFrame(delta(303));
    expect(sync.counters).toMatchObject({ gaps: 2, resyncs: 2 });
  });

  it('counts a crossed book once while it stays crossed, and again after a snapshot', () => {
    const sync = new BookSync(new OrderBook(btc), config);
    sync.onBookFrame(snap(1));
    // The bid moves above the ask and stays there for 206 more deltas.
    expect(sync.onBookFrame(frame('delta', 2, [['90000.2', '1.000']], [])).error).toMatchObject({ kind: 'CrossedBook' });
    for (let u = 3; u <= 208; u++) expect(sync.onBookFrame(frame('delta', u, [['90000.2', `${u}.000`]], [])).error).toMatchObject({ kind: 'CrossedBook' });
    expect(sync.counters).toMatchObject({ crossed: 1, resyncs: 1, gaps: 0 });
    sync.onBookFrame(snap(300));
    sync.onBookFrame(frame('delta', 301, [['90000.3', '1.000']], []));
    expect(sync.counters).toMatchObject({ crossed: 2, resyncs: 2 });
  });

  it('ignores and counts a resent delta: the book stays LIVE, unchanged, and asks for nothing', () => {
    const sync = new BookSync(new OrderBook(btc), config);
    sync.onBookFrame(snap(1));
    sync.onBookFrame(delta(2, '2.000'));
    const again = sync.onBookFrame(delta(2, '7.000'));
    expect(again).toMatchObject({ applied: false, transition: null, resync: false, error: { kind: 'Duplicate', lastU: 2, got: 2 } });
    expect(sync.onBookFrame(delta(1, '8.000')).error).toMatchObject({ kind: 'Duplicate' });
    expect(sync.live).toBe(true);
    expect(sync.book.bestBidQty()).toBe(2000);
    expect(sync.onBookFrame(delta(3)).applied).toBe(true);
    expect(sync.counters).toMatchObject({ duplicates: 2, gaps: 0, resyncs: 0 });
  });

  it('resets on u = 1, as after a Bybit service restart', () => {
    const sync = new BookSync(new OrderBook(btc), config);
    sync.onBookFrame(snap(500));
    sync.onBookFrame(delta(501));
    expect(sync.onBookFrame(snap(1)).applied).toBe(true);
    expect(sync.onBookFrame(delta(2)).applied).toBe(true);
    expect(sync.live).toBe(true);
  });

  it('marks a silent book STALE once, asks for a resync, and a consecutive delta restores it', () => {
    const sync = new BookSync(new OrderBook(btc), config);
    sync.onBookFrame(at(snap(1), 1_000_000));
    expect(sync.onTime(1_200_000 as Micros).transition).toBeNull();
    const stale = sync.onTime(1_200_001 as Micros);
    expect(stale).toMatchObject({ resync: true, transition: { from: 'LIVE', to: 'STALE', trigger: { kind: 'Stale', silentMicros: 200_001 } } });
    expect(sync.onTime(9_000_000 as Micros).resync).toBe(false);
    expect(sync.onBookFrame(at(delta(2), 9_000_001)).transition).toMatchObject({ from: 'STALE', to: 'LIVE', trigger: { kind: 'Resumed' } });
    expect(sync.counters.stalePeriods).toBe(1);
  });

  it('goes back to SYNCING when the connection drops', () => {
    const sync = new BookSync(new OrderBook(btc), config);
    sync.onBookFrame(snap(1));
    expect(sync.onDisconnect('socket closed').transition).toMatchObject({ to: 'SYNCING', trigger: { kind: 'Disconnected' } });
    expect(sync.onBookFrame(delta(2)).applied).toBe(true);
    expect(sync.live).toBe(false);
  });

  it('resyncs on a crossed book and a bad level, and ignores another symbol', () => {
    const sync = new BookSync(new OrderBook(btc), config);
    sync.onBookFrame(snap(1));
    expect(sync.onBookFrame({ ...delta(2), symbol: 'ETHUSDT' })).toMatchObject({ resync: false, error: { kind: 'SymbolMismatch' } });
    expect(sync.live).toBe(true);
    expect(sync.onBookFrame(frame('delta', 2, [['90000.2', '1.000']], []))).toMatchObject({ resync: true, error: { kind: 'CrossedBook' } });
    sync.onBookFrame(snap(5));
    expect(sync.onBookFrame(frame('delta', 6, [['90000.05', '1.000']], []))).toMatchObject({ resync: true, error: { kind: 'BadLevel' } });
    expect(sync.counters).toMatchObject({ crossed: 1, badFrames: 1, otherSymbol: 1, resyncs: 2 });
  });

  it('refuses a config without a positive interval', () => {
    expect(() => new BookSync(new OrderBook(btc), { pushIntervalMicros: 0, staleAfterIntervals: 5 })).toThrow(RangeError);
  });

  it('regression: drops at the tail are not revealed by any frame (count 5, drops 4 and 5)', () => {
    const sync = new BookSync(new OrderBook(btc), config);
    sync.onBookFrame(snap(1));
    sync.onBookFrame(delta(2));
    sync.onBookFrame(delta(3));
    expect(sync.live).toBe(true);
    expect(sync.onBookFrame(delta(6)).error).toMatchObject({ kind: 'SequenceGap', expected: 4, got: 6 });
  });

  test.prop([fc.integer({ min: 2, max: 60 }), fc.uniqueArray(fc.integer({ min: 2, max: 60 }), { minLength: 1, maxLength: 10 })])(
    'any dropped delta is detected: the book is never LIVE between the drop and the next snapshot',
    (count, dropped) => {
      const sync = new BookSync(new OrderBook(btc), config);
      sync.onBookFrame(snap(1));
      const drops = new Set(dropped.filter((u) => u <= count));
      let detected = false;
      for (let u = 2; u <= count; u++) {
        if (drops.has(u)) continue;
        const step = sync.onBookFrame(delta(u, `${u}.000`));
        if (step.error?.kind === 'SequenceGap') detected = true;
        // Once a delta went missing, the book must not be LIVE again without a snapshot.
        const missedBefore = [...drops].some((d) => d < u);
        if (missedBefore) expect(sync.live).toBe(false);
      }
      // A drop shows only when a later delta arrives; drops at the very end are for staleness to catch.
      const firstDrop = Math.min(...drops);
      let revealed = false;
      for (let u = firstDrop + 1; u <= count; u++) if (!drops.has(u)) revealed = true;
      if (revealed) expect(detected).toBe(true);
      sync.onBookFrame(snap(count + 1));
      expect(sync.live).toBe(true);
    },
  );
});
