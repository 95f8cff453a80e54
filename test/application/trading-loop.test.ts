import { describe, expect, it } from 'vitest';
import { BatchedWriter } from '../../application/batched-writer.ts';
import type { ModelInfo, SignalModel } from '../../application/ports/signal-model.ts';
import { TradingLoop } from '../../application/trading-loop.ts';
import { schemaForNames } from '../../domain/features/registry.ts';
import { unwrap } from '../../domain/result.ts';

import type { MarketEvent } from '../../domain/market/market-event.ts';
import type { Lots, Micros } from '../../domain/values/units.ts';
import { SimulatedVenue } from '../../adapters/sim/sim-venue.ts';
import { BYBIT_LINEAR_FEES } from '../../domain/trading/fees.ts';
import { btc, frame } from '../support/builders.ts';
import { ArrayFeed, FunctionModel, MemoryStore, RecordingLogger, StepClock } from '../support/fakes.ts';

/** Features of the current book alone: no warm-up, so the first LIVE book can trade. */
const FEATURE_NAMES = ['spread_ticks', 'depth_imbalance_1'];

const schemaId = unwrap(schemaForNames(FEATURE_NAMES)).id;
const info: ModelInfo = {
  id: 'test-imbalance',
  featureNames: FEATURE_NAMES,
  schemaId,
  scoreMeaning: 'top-of-book imbalance',
  horizonMs: 1000,
  threshold: 0.5,
};
const book = (e: ReturnType<typeof frame>): MarketEvent => ({ kind: 'book', frame: e });

function setup(events: MarketEvent[], modelInfo: ModelInfo = info) {
  const feed = new ArrayFeed(events);
  const store = new MemoryStore();
  const logger = new RecordingLogger();
  const writer = new BatchedWriter(store, logger, { batchRows: 1000 });
  // The model trusts the imbalance itself: score = confidence-signed imbalance.
  const model = new FunctionModel(modelInfo, (v) => ({ score: v.values[1], confidence: Math.abs(v.values[1]) }));
  const loop = new TradingLoop(
    { runId: 'run-1', instrument: btc, limits: { maxPositionLots: 4 as Lots, orderLots: 2 as Lots }, bookDepth: null },
    { feed, venue: new SimulatedVenue(btc, BYBIT_LINEAR_FEES), model, writer, clock: new StepClock(), logger },
  );
  return { store, logger, writer, model, loop, feed };
}

describe('TradingLoop', () => {
  it('takes a tick from book to signal, order, fill, position and store', async () => {
    const events: MarketEvent[] = [
      book(frame('snapshot', 1, [['90000.0', '3.000']], [['90000.1', '0.500'], ['90000.5', '1.000']])),
      book(frame('delta', 2, [['90000.0', '3.100']], [])),
      book(frame('delta', 3, [['90000.0', '3.200']], [])),
    ];
    const { store, writer, loop } = setup(events);
    const summary = await loop.run();
    await writer.flush();

    expect(summary.counters).toMatchObject({ frames: 3, bookFrames: 3, bookUpdates: 3, predictions: 3, signals: 3, malformed: 0 });
    // Two buys of 0.002 reach the 0.004 limit; the third signal is recorded but not acted on.
    expect(summary.orders).toMatchObject({ orders: 2, fills: 2, rejected: 0 });
    expect(store.signals.map((s) => s.acted)).toEqual([true, true, false]);
    expect(store.fills.map((f) => f.fill.price)).toEqual([900_001, 900_001]);
    // Fee by hand: 90000.1 * 0.002 = 180.0002 USDT; x 0.055% = 0.0990001 USDT.
    expect(store.fills[0].fill.fee).toBe(9_900_011);
    expect(store.fills[0].arrivalMidTicks).toBe(900_000);
    expect([...store.orders.values()].map((o) => o.status)).toEqual(['filled', 'filled']);
    expect(summary.position).toMatchObject({ qty: '0.004', fees: '0.19800022', realizedPnl: '0.00000000' });
    // Marked at the mid 90000.05 rounded down to 90000.0: 0.004 x -0.1 = -0.0004 USDT.
    expect(summary.position.unrealizedPnl).toBe('-0.00040000');
    expect(loop.position.qty).toBe(4);
  });

  it('never signals with a model that abstains, however confident its output', async () => {
    const events: MarketEvent[] = [
      book(frame('snapshot', 1, [['90000.0', '3.000']], [['90000.1', '0.500'], ['90000.5', '1.000']])),
      book(frame('delta', 2, [['90000.0', '3.100']], [])),
    ];
    const { store, writer, loop } = setup(events, { ...info, abstain: 'no threshold met the target on validation rows' });
    const summary = await loop.run();
    await writer.flush();
    expect(summary.counters).toMatchObject({ predictions: 2, signals: 0 });
    expect(summary.orders.orders).toBe(0);
    expect(store.signals).toEqual([]);
  });

  it('counts and logs a malformed frame and goes on', async () => {
    const events: MarketEvent[] = [
      { kind: 'malformed', reason: 'not JSON', text: 'garbage{', recvTime: 1 as Micros },
      book(frame('snapshot', 1, [['90000.0', '1.000']], [['90000.1', '1.000']])),
      book(frame('delta', 2, [['90000.0', 'abc']], [])),
    ];
    const { logger, loop } = setup(events);
    const summary = await loop.run();
    expect(summary.counters).toMatchObject({ frames: 3, malformed: 2, bookUpdates: 1 });
    const warnings = logger.lines.filter((l) => l.level === 'warn').map((l) => l.message);
    // The refused frame leaves a hole in the book: it is not traded on until a snapshot.
    expect(warnings).toEqual(['malformed frame skipped', 'book frame with a bad level skipped', 'book RESYNCING: not traded on until a snapshot']);
    expect(summary.bookState).toBe('RESYNCING');
    expect(logger.lines[0].fields).toMatchObject({ reason: 'not JSON', frame: 'garbage{' });
  });

  it('stops trading on a sequence gap until a snapshot resets the book', async () => {
    const events: MarketEvent[] = [
      book(frame('snapshot', 1, [['90000.0', '1.000']], [['90000.1', '1.000']])),
      book(frame('delta', 3, [['90000.0', '9.000']], [])),
      book(frame('delta', 4, [['90000.0', '9.000']], [])),
      book(frame('snapshot', 1, [['90000.0', '9.000']], [['90000.1', '1.000']])),
    ];
    const { model, loop } = setup(events);
    const summary = await loop.run();
    expect(summary.counters.gaps).toBeGreaterThanOrEqual(1);
    // The first snapshot (imbalance 0) and the last one are predicted on; nothing in between.
    expect(model.calls).toBe(2);
    expect(summary.orders.orders).toBe(1);
  });

  it('does not trade on a stale book, asks the feed to resync, and trades again once deltas resume', async () => {
    const base = 1_700_000_000_000;
    const events: MarketEvent[] = [
      book(frame('snapshot', 1, [['90000.0', '1.000']], [['90000.1', '1.000']], base)),
      { kind: 'heartbeat', recvTime: ((base + 5_000) * 1000) as Micros },
      book(frame('delta', 2, [['90000.0', '3.000']], [], base + 6_000)),
    ];
    const { model, loop, feed } = setup(events);
    const summary = await loop.run();
    expect(summary.counters.stalePeriods).toBe(1);
    expect(feed.resyncs).toEqual([expect.stringMatching(/no book frame for \d+ ms/)]);
    // Predicted on the snapshot and on the delta that ended the silence, not in between.
    expect(model.calls).toBe(2);
    expect(summary.bookState).toBe('LIVE');
  });

  it('refuses a model whose feature schema differs from the engine', () => {
    expect(() => setup([], { ...info, schemaId: 'fs-other' })).toThrow(/expects feature schema fs-other/);
  });

  it('refuses a model that reads a feature the registry does not have', () => {
    expect(() => setup([], { ...info, featureNames: ['spread_ticks', 'imbalance_l1'] })).toThrow(/unknown feature "imbalance_l1"/);
  });

  it('stores every vector with its schema id, but shows the model none until the warm-up has passed, after the start and after a resync', async () => {
    const names = ['depth_imbalance_1', 'ofi_1s_norm'];
    const warmInfo: ModelInfo = { ...info, featureNames: names, schemaId: unwrap(schemaForNames(names)).id };
    const t0 = 1_700_000_000_000;
    const events: MarketEvent[] = [
      book(frame('snapshot', 1, [['90000.0', '1.000']], [['90000.1', '1.000']], t0)),
      book(frame('delta', 2, [['90000.0', '2.000']], [], t0 + 500)),
      book(frame('delta', 3, [['90000.0', '3.000']], [], t0 + 1_000)),
      book(frame('delta', 4, [['90000.0', '4.000']], [], t0 + 1_500)),
      // A gap: the book resyncs, and the windows start afresh with the next snapshot.
      book(frame('delta', 6, [['90000.0', '5.000']], [], t0 + 2_000)),
      book(frame('snapshot', 7, [['90000.0', '1.000']], [['90000.1', '1.000']], t0 + 2_500)),
      book(frame('delta', 8, [['90000.0', '2.000']], [], t0 + 3_000)),
      book(frame('delta', 9, [['90000.0', '3.000']], [], t0 + 3_500)),
    ];
    const { store, writer, model, loop } = setup(events, warmInfo);
    const summary = await loop.run();
    await writer.flush();
    // Vectors at 0 and 0.5 s are cold, 1 and 1.5 s warm; after the resync, 2.5 and 3 s cold, 3.5 s warm.
    expect(store.featureVectors.map((r) => r.vector.ts / 1000 - t0)).toEqual([0, 500, 1_000, 1_500, 2_500, 3_000, 3_500]);
    expect(store.featureVectors.map((r) => r.seq)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(new Set(store.featureVectors.map((r) => r.vector.schemaId))).toEqual(new Set([warmInfo.schemaId]));
    expect(summary.counters.coldVectors).toBe(4);
    expect(model.calls).toBe(3);
    expect(summary.counters.predictions).toBe(3);
  });

  it('counts trades and malformed trades', async () => {
    const trade = (p: string) => ({ tradeId: p, symbol: 'BTCUSDT', price: p, size: '0.001', takerSide: 'Buy' as const, ts: 1 as Micros, recvTime: 2 as Micros, blockTrade: false });
    const { loop } = setup([{ kind: 'trades', trades: [trade('90000.0'), trade('90000.05')] }, { kind: 'control', op: 'subscribe', success: true, message: '', recvTime: 1 as Micros }]);
    const summary = await loop.run();
    expect(summary.counters).toMatchObject({ trades: 1, malformed: 1, control: 1 });
  });
});

describe('TradingLoop with a venue that answers later', () => {
  it('counts working orders against the position limit', async () => {
    const { ExecutionVenueThatAcks } = await import('../support/ack-venue.ts');
    const venue = new ExecutionVenueThatAcks();
    const store = new MemoryStore();
    const logger = new RecordingLogger();
    const writer = new BatchedWriter(store, logger, { batchRows: 1000 });
    const model = new FunctionModel(info, () => ({ score: 1, confidence: 1 }));
    const events: MarketEvent[] = [1, 2, 3, 4].map((u) => book(frame(u === 1 ? 'snapshot' : 'delta', u, [['90000.0', '1.000']], [['90000.1', '1.000']])));
    const loop = new TradingLoop(
      { runId: 'run-2', instrument: btc, limits: { maxPositionLots: 4 as Lots, orderLots: 2 as Lots }, bookDepth: null },
      { feed: new ArrayFeed(events), venue, model, writer, clock: new StepClock(), logger },
    );
    const summary = await loop.run();
    // Nothing filled yet, but two working orders of 0.002 already reach the 0.004 limit.
    expect(venue.submitted).toBe(2);
    expect(summary.openOrders).toBe(2);
    // The venue's later fills arrive through the listener and complete the orders.
    venue.fillAll(900_001);
    expect(loop.position.qty).toBe(4);
    expect(summary.orders.orders).toBe(2);
  });
});

describe('TradingLoop with its model replaced while running', () => {
  // Bids of 3 against an ask of 0.5: imbalance 0.71, a signal at threshold 0.5 on every LIVE book.
  const events: MarketEvent[] = [1, 2, 3].map((u) => book(frame(u === 1 ? 'snapshot' : 'delta', u, [['90000.0', `${2 + u}.000`]], u === 1 ? [['90000.1', '0.500']] : [])));
  const trusting = (v: { values: Float64Array }) => ({ score: v.values[1], confidence: Math.abs(v.values[1]) });

  it('records the new model id on the signals of every event after the swap, and counts the reload', async () => {
    const { store, writer, loop } = setup([]);
    await loop.onEvent(events[0]);
    const swap = loop.models.offer(new FunctionModel({ ...info, id: 'test-imbalance-v2' }, trusting));
    expect(swap.ok).toBe(true);
    await loop.onEvent(events[1]);
    await loop.onEvent(events[2]);
    await writer.flush();
    expect(store.signals.map((s) => s.signal.modelId)).toEqual(['test-imbalance', 'test-imbalance-v2', 'test-imbalance-v2']);
    expect(loop.summary().counters).toMatchObject({ predictions: 3, signals: 3, modelReloads: 1, modelReloadsRefused: 0 });
  });

  it('refuses a model of another feature schema and goes on trading on the running one', async () => {
    const { store, writer, loop } = setup([]);
    const names = ['spread_ticks', 'wmid_offset_ticks'];
    const otherId = unwrap(schemaForNames(names)).id;
    await loop.onEvent(events[0]);
    const refused = loop.models.offer(new FunctionModel({ ...info, id: 'other-schema', featureNames: names, schemaId: otherId }, trusting));
    expect(refused.ok).toBe(false);
    if (!refused.ok) expect(refused.error).toMatchObject({ kind: 'SchemaMismatch', runningSchema: schemaId, offeredSchema: otherId });
    await loop.onEvent(events[1]);
    await writer.flush();
    expect(store.signals.map((s) => s.signal.modelId)).toEqual(['test-imbalance', 'test-imbalance']);
    expect(loop.summary().counters).toMatchObject({ predictions: 2, modelReloads: 0, modelReloadsRefused: 1 });
  });

  it('lets the event being predicted finish on the old model, with its threshold, and uses the new one from the next event', async () => {
    let release: () => void = () => undefined;
    const slow: SignalModel = {
      info,
      predict: async (v) => {
        await new Promise<void>((resolve) => (release = resolve));
        return trusting(v);
      },
      close: () => Promise.resolve(),
    };
    const feed = new ArrayFeed([]);
    const store = new MemoryStore();
    const logger = new RecordingLogger();
    const writer = new BatchedWriter(store, logger, { batchRows: 1000 });
    const loop = new TradingLoop(
      { runId: 'run-3', instrument: btc, limits: { maxPositionLots: 4 as Lots, orderLots: 2 as Lots }, bookDepth: null },
      { feed, venue: new SimulatedVenue(btc, BYBIT_LINEAR_FEES), model: slow, writer, clock: new StepClock(), logger },
    );
    const first = loop.onEvent(events[0]);
    // A stricter model: 0.71 no longer clears its threshold.
    expect(loop.models.offer(new FunctionModel({ ...info, id: 'strict', threshold: 0.9 }, trusting)).ok).toBe(true);
    release();
    await first;
    await loop.onEvent(events[1]);
    await writer.flush();
    expect(store.signals.map((s) => s.signal.modelId)).toEqual(['test-imbalance']);
    expect(loop.summary().counters).toMatchObject({ predictions: 2, signals: 1, modelReloads: 1 });
  });
});
