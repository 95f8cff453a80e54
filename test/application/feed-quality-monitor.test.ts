import { describe, expect, it } from 'vitest';
import { FeedQualityMonitor } from '../../application/feed-quality-monitor.ts';
import { MarketData, bybitSyncConfig } from '../../application/market-data.ts';
import { FeedQualityGate } from '../../domain/market/feed-quality.ts';
import type { BookFrame, MarketEvent } from '../../domain/market/market-event.ts';
import { RiskManager } from '../../domain/risk/risk-manager.ts';
import type { RiskConfig } from '../../domain/risk/risk-config.ts';
import { CASH_PER_UNIT, cash, lots, micros, type Micros } from '../../domain/values/units.ts';
import { btc, frame } from '../support/builders.ts';
import { RecordingLogger } from '../support/fakes.ts';

const SECOND = 1_000_000;
const MINUTE = 60 * SECOND;
const T0 = 1_700_000_040 * SECOND; // a whole minute
const usdt = (n: number) => cash(n * CASH_PER_UNIT);
const config: RiskConfig = {
  instrument: btc, maxPositionLots: lots(10), maxOrderLots: lots(5), maxOrderNotional: usdt(300), priceBandBps: 20, maxOrders: 3,
  orderWindowMicros: micros(SECOND), drawdownReduceBps: 500, drawdownHaltBps: 1_000, dailyLossLimit: usdt(300), maxConsecutiveLosses: 3,
  lossCooldownMicros: micros(60 * SECOND), staleAfterMicros: micros(2 * SECOND),
};

const at = (f: BookFrame, t: number): BookFrame => ({ ...f, cts: (t - 5_000) as Micros, ts: (t - 5_000) as Micros, recvTime: t as Micros });
const snapshot = (u: number, t: number): MarketEvent => ({ kind: 'book', frame: at(frame('snapshot', u, [['90000.0', '1.000']], [['90000.1', '1.000']]), t) });
const delta = (u: number, t: number): MarketEvent => ({ kind: 'book', frame: at(frame('delta', u, [['90000.0', `${1 + (u % 7)}.000`]], []), t) });

/**
 * A feed over 6 minutes, a book frame every 200 ms: minutes 0 and 3–5 clean; in minute 1 a delta is
 * lost every 10 s and the resync's snapshot comes 2 s later; in minute 2 one frame is garbage.
 */
function* faultStream(resyncs: number[]): Generator<MarketEvent> {
  let u = 1;
  yield snapshot(u, T0);
  let awaitingSnapshotAt: number | null = null;
  for (let t = T0 + 200_000; t < T0 + 6 * MINUTE; t += 200_000) {
    const inMinute = Math.floor((t - T0) / MINUTE);
    const second = ((t - T0) % MINUTE) / SECOND;
    if (awaitingSnapshotAt !== null && t >= awaitingSnapshotAt && resyncs.length > 0) {
      awaitingSnapshotAt = null;
      yield snapshot(++u, t);
      continue;
    }
    u++;
    if (inMinute === 1 && second % 10 === 5) {
      // Lost: the next delta shows the gap.
      awaitingSnapshotAt = t + 2 * SECOND;
      continue;
    }
    if (inMinute === 2 && second === 30) yield { kind: 'malformed', reason: 'not JSON', text: '{"topic":', recvTime: t as Micros };
    yield delta(u, t);
  }
}

describe('FeedQualityMonitor on a fault stream', () => {
  it('drops the score while faults come and recovers after; the feedQuality trip halts entries and clears with hysteresis', () => {
    const resyncs: number[] = [];
    const market = new MarketData({ instrument: btc, bookDepth: 50, sync: bybitSyncConfig(50) }, { resync: () => resyncs.push(1) }, new RecordingLogger());
    const risk = new RiskManager(config);
    risk.onDataIntegrity(true, T0 as Micros);
    const monitor = new FeedQualityMonitor(new FeedQualityGate({ floor: 60, hysteresis: 15, clearAfterMinutes: 2 }), risk);
    const states: string[] = [];
    for (const event of faultStream(resyncs)) {
      market.process(event);
      const t = event.kind === 'book' ? event.frame.recvTime : event.kind === 'malformed' ? event.recvTime : (0 as Micros);
      const scored = monitor.observe(t, () => market.counters, market.state === 'LIVE', event.kind === 'book' ? event.frame.recvTime - event.frame.cts : undefined);
      if (scored !== null) states.push(`${scored.score}:${risk.state}`);
    }
    const scores = monitor.minutes.map((m) => m.score);
    expect(resyncs.length).toBe(6);
    expect(scores).toHaveLength(5);
    // Minute 0 clean; minute 1: 6 gaps (30), 6 resyncs (20, the cap), 12 s not LIVE (10).
    expect(scores[0]).toBe(100);
    expect(monitor.minutes[1].minute).toMatchObject({ gaps: 6, resyncs: 6 });
    expect(scores[1]).toBeLessThan(60);
    expect(scores[2]).toBe(98);
    expect(scores.slice(3)).toEqual([100, 100]);
    // Tripped by minute 1, still held through minute 2 (one good minute of two), cleared by minute 3.
    expect(states.slice(1, 4).map((s) => s.split(':')[1])).toEqual(['REDUCING', 'REDUCING', 'ACTIVE']);
    const records = monitor.minutes.flatMap((m) => m.records);
    expect(records.map((r) => [r.kind, r.cause])).toEqual([['trip', 'feedQuality'], ['clear', 'feedQuality']]);
    expect(records[0].reason).toBe(`feed quality ${scores[1]} < floor 60`);
  });
});
