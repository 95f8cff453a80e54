import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type {
  FeatureVectorRecord, FillRecord, OrderEventRecord, PositionSnapshotRecord, RunRecord, SignalRecord, StoreBatch, TradingStore,
} from '../../application/ports/trading-store.ts';
import type { Order, OrderEvent, OrderStatus } from '../../domain/trading/order.ts';
import type { Side } from '../../domain/trading/side.ts';
import { BTCUSDT_SPEC } from '../../domain/values/instrument.ts';
import { cash, lots, micros, ticks } from '../../domain/values/units.ts';
import { MemoryStore } from '../support/fakes.ts';
import { onBothEngines } from '../support/engines.ts';

const HOUR = 3_600_000_000; // µs
const DAY = 24 * HOUR;
const D1 = 19_885 * DAY; // 2024-06-11T00:00:00Z, µs
const D2 = D1 + DAY;

const run = (id: string, startedAt: number): RunRecord => ({
  id, mode: 'backtest', instrument: BTCUSDT_SPEC, source: 'replay:capture.jsonl', venue: 'sim',
  modelId: 'baseline-v1', schemaId: 'fs-queries', config: {}, codeVersion: 'abc123', startedAt: micros(startedAt),
});

const fill = (
  runId: string, tradeId: string, orderId: string, side: Side, price: number, qty: number, fee: number, ts: number, arrivalMid: number | null,
): FillRecord => ({
  runId,
  fill: {
    tradeId, orderId, symbol: 'BTCUSDT', side, price: ticks(price), qty: lots(qty), fee: cash(fee),
    liquidity: fee < 0 ? 'maker' : 'taker', ts: micros(ts),
  },
  arrivalMidTicks: arrivalMid === null ? null : ticks(arrivalMid),
});

const position = (runId: string, seq: number, ts: number, qty: number, realized: number, fees: number): PositionSnapshotRecord => ({
  runId, seq, ts: micros(ts), qty: lots(qty), costBasis: cash(qty * 6_500_000_000), realizedPnl: cash(realized),
  fees: cash(fees), markTicks: null, unrealizedPnl: null,
});

const signal = (runId: string, seq: number, ts: number, acted: boolean): SignalRecord => ({
  runId, seq, midTicks: ticks(650_000),
  signal: { ts: micros(ts), score: seq / 10, confidence: 0.75, horizonMs: 500, modelId: 'baseline-v1', schemaId: 'fs-queries' },
  acted,
});

const orderA = (status: OrderStatus, filledQty: number, updatedAt: number): Order => ({
  id: 'A', symbol: 'BTCUSDT', side: 'Buy', type: 'limit', qty: lots(5), limitPrice: ticks(650_000), reduceOnly: false,
  status, filledQty: lots(filledQty), venueOrderId: status === 'submitted' ? null : 'v-A', createdAt: micros(D1 + HOUR - 10),
  updatedAt: micros(updatedAt), reason: status === 'canceled' ? 'user' : null,
});

const eventA = (seq: number, event: OrderEvent, status: OrderStatus, filledQty: number): OrderEventRecord => ({
  runId: 'r1', orderId: 'A', seq, event, status, filledQty: lots(filledQty),
});

/** Values that a float path would spoil: -0, the smallest subnormal, a third, a huge magnitude. */
const vector = (runId: string, seq: number): FeatureVectorRecord => ({
  runId, seq, vector: { schemaId: 'fs-queries', ts: micros(D1 + seq * 1_000), values: Float64Array.from([seq, -0, 5e-324, 1 / 3, -Number.MAX_VALUE]) },
});

const bitsOf = ({ runId, seq, vector: v }: FeatureVectorRecord) => ({
  runId, seq, ts: v.ts, bits: [...new BigUint64Array(Float64Array.from(v.values).buffer)],
});

/*
 * Run r1: order A (limit Buy 5) is accepted, filled 2 then 1 (maker, rebates), canceled; B sells the
 * 3 lots just before midnight (taker), closing the position with +3,000,000 Cash realized; on day 2,
 * C buys 1 and D sells it, +1,000,000 more. Slippage (ticks, positive = worse than the arrival mid):
 * a-1 -2, a-2 +3, b-1 +4 on day 1; c-1 unknown, d-1 -10 on day 2. Run r2, day 2 only: buys 4, sells 4
 * 50 ticks lower (-2,000,000 realized), slippage -1 and +10, fees large enough to test exactness.
 * Run r3 has nothing.
 */
const FILLS_R1 = [
  fill('r1', 'a-1', 'A', 'Buy', 650_000, 2, -50, D1 + HOUR, 650_002),
  fill('r1', 'a-2', 'A', 'Buy', 650_000, 1, -25, D1 + 2 * HOUR, 649_997),
  fill('r1', 'b-1', 'B', 'Sell', 650_100, 3, 600, D2 - 60_000_000, 650_104),
  fill('r1', 'c-1', 'C', 'Buy', 650_200, 1, 200, D2 + HOUR, null),
  fill('r1', 'd-1', 'D', 'Sell', 650_300, 1, 210, D2 + 2 * HOUR, 650_290),
];
const FEE_X1 = 3_000_000_000_000_001;
const FEE_X2 = 1_000_000_000_000_002;
const FILLS_R2 = [
  fill('r2', 'x-1', 'X1', 'Buy', 650_000, 4, FEE_X1, D2 + 3 * HOUR, 650_001),
  fill('r2', 'x-2', 'X2', 'Sell', 649_950, 4, FEE_X2, D2 + 4 * HOUR, 649_960),
];

const EVENTS_A = [
  eventA(1, { kind: 'submit', ts: micros(D1 + HOUR - 10) }, 'submitted', 0),
  eventA(2, { kind: 'accept', ts: micros(D1 + HOUR - 5), venueOrderId: 'v-A' }, 'accepted', 0),
  // Amended in place (0010): its new total quantity and price are kept with the event.
  eventA(3, { kind: 'amend', ts: micros(D1 + HOUR - 3), qty: lots(5), limitPrice: ticks(650_010) }, 'accepted', 0),
  eventA(4, { kind: 'fill', ts: micros(D1 + HOUR), tradeId: 'a-1', qty: lots(2) }, 'partially_filled', 2),
  eventA(5, { kind: 'fill', ts: micros(D1 + 2 * HOUR), tradeId: 'a-2', qty: lots(1) }, 'partially_filled', 3),
  eventA(6, { kind: 'cancel', ts: micros(D1 + 3 * HOUR), reason: 'user' }, 'canceled', 3),
];

const batches = (): StoreBatch[] => [
  {
    signals: [signal('r1', 1, D1 + HOUR - 20, true), signal('r1', 2, D1 + 5 * HOUR, false)],
    orders: [{ runId: 'r1', order: orderA('accepted', 0, D1 + HOUR - 5) }],
    fills: FILLS_R1.slice(0, 2),
    featureVectors: [1, 2, 3].map((seq) => vector('r1', seq)),
    // Written out of seq order: the lifecycle sorts them.
    orderEvents: [EVENTS_A[3], EVENTS_A[0], EVENTS_A[2], EVENTS_A[1], EVENTS_A[4]],
    positionSnapshots: [position('r1', 1, D1 + HOUR, 2, 0, -50), position('r1', 2, D1 + 2 * HOUR, 3, 0, -75)],
  },
  {
    signals: [signal('r1', 3, D2, true), signal('r1', 4, D2 + DAY, false)],
    orders: [{ runId: 'r1', order: orderA('canceled', 3, D1 + 3 * HOUR) }],
    fills: [...FILLS_R1.slice(2), ...FILLS_R2],
    featureVectors: [4, 5].map((seq) => vector('r1', seq)),
    orderEvents: [EVENTS_A[5]],
    positionSnapshots: [
      position('r1', 3, D2 - 60_000_000, 0, 3_000_000, 525),
      position('r1', 4, D2 + HOUR, 1, 3_000_000, 725),
      position('r1', 5, D2 + 2 * HOUR, 0, 4_000_000, 935),
      position('r2', 1, D2 + 3 * HOUR, 4, 0, FEE_X1),
      position('r2', 2, D2 + 4 * HOUR, 0, -2_000_000, FEE_X1 + FEE_X2),
    ],
  },
];

const figures = (realizedPnl: number, fees: number, volume: number, fills: number, slippageFills: number, totalSlippage: number) => ({
  realizedPnl, fees, volume, fills, slippageFills, totalSlippage, meanSlippage: slippageFills === 0 ? null : totalSlippage / slippageFills,
});

const DAY1 = { dayStart: D1, ...figures(3_000_000, 525, 6, 3, 3, 5) };
const DAY2_R1 = { dayStart: D2, ...figures(1_000_000, 410, 2, 2, 1, -10) };
const DAY2_ALL = { dayStart: D2, ...figures(-1_000_000, 410 + FEE_X1 + FEE_X2, 10, 4, 3, -1) };

async function seed(store: TradingStore): Promise<void> {
  await store.startRun(run('r1', D1));
  await store.startRun(run('r2', D1 + 1));
  await store.startRun(run('r3', D2 + 5 * HOUR));
  for (const b of batches()) expect((await store.write(b)).rejected).toEqual([]);
}

function defineQuerySuite(openStore: (schema: string) => Promise<TradingStore>, dropSchema: (schema: string) => Promise<void>): void {
  const schema = `ladder_queries_${randomBytes(6).toString('hex')}`;
  let store: TradingStore;
  const memory = new MemoryStore();

  beforeAll(async () => {
    store = await openStore(schema);
    await store.migrate();
    await seed(store);
    await seed(memory);
  });
  afterAll(async () => {
    await store.close();
    await dropSchema(schema);
  });

  it('reads the newest vectors newest first, bit for bit, and no more than the run has', async () => {
    const latest = await store.latestFeatureVectors('r1', 3);
    expect(latest.map(bitsOf)).toEqual([5, 4, 3].map((seq) => bitsOf(vector('r1', seq))));
    expect((await store.latestFeatureVectors('r1', 10)).map((r) => r.seq)).toEqual([5, 4, 3, 2, 1]);
    expect(await store.latestFeatureVectors('r1', 0)).toEqual([]);
    expect(await store.latestFeatureVectors('nope', 3)).toEqual([]);
    expect((await memory.latestFeatureVectors('r1', 3)).map(bitsOf)).toEqual(latest.map(bitsOf));
  });

  it('reads signals and fills of a time range, the start included and the end left out', async () => {
    const signals = await store.readSignalsBetween('r1', micros(D2), micros(D2 + DAY));
    expect(signals.map((s) => s.seq)).toEqual([3]);
    expect(signals).toEqual(await memory.readSignalsBetween('r1', micros(D2), micros(D2 + DAY)));
    const fills = await store.readFillsBetween('r1', micros(D1), micros(D2));
    expect(fills).toEqual(FILLS_R1.slice(0, 3));
    expect(await store.readFillsBetween('nope', micros(0), micros(D2 + DAY))).toEqual([]);
  });

  it('sums PnL, fees, volume and slippage per UTC day, for one run and across runs', async () => {
    const r1 = await store.pnlByDay('r1');
    expect(r1).toEqual([DAY1, DAY2_R1]);
    expect(r1.every((d) => Number.isSafeInteger(d.fees) && Number.isSafeInteger(d.realizedPnl))).toBe(true);
    expect(await store.pnlByDay(null)).toEqual([DAY1, DAY2_ALL]);
    expect(await store.pnlByDay('r3')).toEqual([]);
    expect(await store.pnlByDay('nope')).toEqual([]);
    expect(await memory.pnlByDay('r1')).toEqual(r1);
    expect(await memory.pnlByDay(null)).toEqual([DAY1, DAY2_ALL]);
  });

  it('sums the same figures per run, every run by start time or one by id', async () => {
    const expected = [
      { runId: 'r1', ...figures(4_000_000, 935, 8, 5, 4, -5) },
      { runId: 'r2', ...figures(-2_000_000, FEE_X1 + FEE_X2, 8, 2, 2, 9) },
      { runId: 'r3', ...figures(0, 0, 0, 0, 0, 0) },
    ];
    expect(await store.pnlByRun()).toEqual(expected);
    expect(await store.pnlByRun('r2')).toEqual([expected[1]]);
    expect(await store.pnlByRun('nope')).toEqual([]);
    expect(await memory.pnlByRun()).toEqual(expected);
  });

  it('reads an order lifecycle: its latest state, its events in seq order and its fills', async () => {
    const lifecycle = await store.orderLifecycle('r1', 'A');
    expect(lifecycle).toEqual({ order: orderA('canceled', 3, D1 + 3 * HOUR), events: EVENTS_A, fills: FILLS_R1.slice(0, 2) });
    expect(await memory.orderLifecycle('r1', 'A')).toEqual(lifecycle);
    // B was never written as an order, but its fill was.
    expect(await store.orderLifecycle('r1', 'B')).toEqual({ order: null, events: [], fills: [FILLS_R1[2]] });
    expect(await store.orderLifecycle('r1', 'nope')).toEqual({ order: null, events: [], fills: [] });
    expect(await store.orderLifecycle('nope', 'A')).toEqual({ order: null, events: [], fills: [] });
  });
}

await onBothEngines('read queries', 'ladder_queries', (engine) =>
  defineQuerySuite((schema) => engine().openStore(schema), (schema) => engine().dropSchema(schema)),
);
