import { describe, expect, it } from 'vitest';
import { readRunHistory } from '../../adapters/dashboard/run-history.ts';
import type { PositionSnapshotRecord, SignalRecord } from '../../application/ports/trading-store.ts';
import { BTCUSDT_SPEC } from '../../domain/values/instrument.ts';
import type { Cash, Lots, Micros, Ticks } from '../../domain/values/units.ts';
import { MemoryStore } from '../support/fakes.ts';

/*
 * The history of a run stored without book snapshots (a backtest of an earlier version): the mid is
 * taken from its signals and position marks, one a second, and the equity curve marks the position
 * held at each of them.
 */

const RUN = 'run-old';
const T0 = 1_767_225_600_000_000;
const S = 1_000_000;

function signal(seq: number, ts: number, midTicks: number | null): SignalRecord {
  return { runId: RUN, seq, signal: { ts: ts as Micros, score: 1, confidence: 0.7, horizonMs: 1000, modelId: 'm', schemaId: 's' }, midTicks: midTicks as Ticks | null, acted: seq === 2 };
}

function position(seq: number, ts: number, qty: number, costBasis: number, markTicks: number): PositionSnapshotRecord {
  // BTCUSDT: a tick of 0.1 USDT times a lot of 0.001 BTC is 1e-4 USDT, 10,000 Cash.
  const unrealized = markTicks * qty * 10_000 - costBasis;
  return {
    runId: RUN, seq, ts: ts as Micros, qty: qty as Lots, costBasis: costBasis as Cash, realizedPnl: 0 as Cash, fees: 3_000 as Cash,
    markTicks: markTicks as Ticks, unrealizedPnl: unrealized as Cash,
  };
}

async function storeWithRun(): Promise<MemoryStore> {
  const store = new MemoryStore();
  await store.startRun({ id: RUN, mode: 'backtest', instrument: BTCUSDT_SPEC, source: 'synthetic:seed=1', venue: 'sim', modelId: 'm', schemaId: 's', config: {}, codeVersion: 'test', startedAt: T0 as Micros });
  await store.registerModel({ id: 'm', fileSha256: '0'.repeat(64), manifest: { threshold: 0.55 }, validation: null, createdAt: T0 as Micros });
  return store;
}

describe('the history of a stored run', () => {
  it('is null for a run the store does not hold', async () => {
    expect(await readRunHistory(await storeWithRun(), 'no-such-run', 10_000)).toBeNull();
  });

  it('takes the mid from signals and position marks when no book snapshot was kept, the last of each second', async () => {
    const store = await storeWithRun();
    await store.write({
      signals: [signal(1, T0 + 0.2 * S, 900_000), signal(2, T0 + 0.7 * S, 900_002), signal(3, T0 + 2.5 * S, null), signal(4, T0 + 3.1 * S, 900_010)],
      orders: [], fills: [], featureVectors: [],
      // Short 2 lots entered at 900,004 ticks (cost basis -2 × 900,004 × 10,000 Cash), marked at 900,006.
      positionSnapshots: [position(1, T0 + 2 * S, -2, -2 * 900_004 * 10_000, 900_006)],
    });
    const h = (await readRunHistory(store, RUN, 10_000))!;
    expect(h.midsFrom).toBe('signals and positions');
    expect(h.threshold).toBe(0.55);
    // 0.7 s replaces 0.2 s within the first second; the signal without a mid adds nothing.
    expect(h.mids).toEqual([
      { t: T0 + 0.7 * S, mid: 90_000.2 },
      { t: T0 + 2 * S, mid: 90_000.6 },
      { t: T0 + 3.1 * S, mid: 90_001 },
    ]);
    expect(h.position).toEqual([{ t: T0 + 2 * S, qty: -0.002 }]);
    // Flat before the fill: 0. At the snapshot, its own mark: -2 lots × (900,006 - 900,004) ticks = -0.0004 USDT,
    // less 0.00003 USDT of fees. At 3.1 s, the mid 900,010: -2 × 6 ticks = -0.0012 USDT, less the fees.
    expect(h.equity.map((e) => [e.t, Number(e.pnl.toFixed(8))])).toEqual([
      [T0 + 0.7 * S, 0],
      [T0 + 2 * S, -0.00043],
      [T0 + 2 * S, -0.00043],
      [T0 + 3.1 * S, -0.00123],
    ]);
    expect(h.signals.map((s) => s.acted)).toEqual([false, true, false, false]);
  });

  it('has no mid, and says so, for a run that recorded none', async () => {
    const store = await storeWithRun();
    const h = (await readRunHistory(store, RUN, 10_000))!;
    expect(h.midsFrom).toBe('none');
    expect(h.mids).toEqual([]);
    expect(h.equity).toEqual([]);
  });
});
