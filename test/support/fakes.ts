import type { Logger } from '../../application/ports/logger.ts';
import type { MarketDataFeed } from '../../application/ports/market-data-feed.ts';
import type { ModelInfo, Prediction, SignalModel } from '../../application/ports/signal-model.ts';
import type {
  BookSnapshotRecord,
  DailyPnl,
  EquityRecord,
  FeatureVectorRecord,
  FillRecord,
  ModelRecord,
  OrderEventRecord,
  OrderLifecycle,
  PnlFigures,
  PositionSnapshotRecord,
  PublicTradeRecord,
  RiskEventRecord,
  FeedQualityRecord,
  RowCounts,
  RunEnd,
  RunPnl,
  RunRecord,
  SignalRecord,
  StoreBatch,
  StoredInstrument,
  StoredRun,
  TradingStore,
  WriteOutcome,
} from '../../application/ports/trading-store.ts';
import type { Clock } from '../../application/ports/clock.ts';
import type { FeatureSchema, FeatureVector } from '../../domain/features/feature-vector.ts';
import type { MarketEvent } from '../../domain/market/market-event.ts';
import type { Order } from '../../domain/trading/order.ts';
import type { InstrumentSpec } from '../../domain/values/instrument.ts';
import type { Cash, Lots, Micros } from '../../domain/values/units.ts';

/** An in-memory store that can be told to fail its next writes. */
export class MemoryStore implements TradingStore {
  runs = new Map<string, StoredRun>();
  signals: SignalRecord[] = [];
  orders = new Map<string, Order>();
  fills: FillRecord[] = [];
  featureVectors: FeatureVectorRecord[] = [];
  bookSnapshots: BookSnapshotRecord[] = [];
  trades: PublicTradeRecord[] = [];
  orderEvents: OrderEventRecord[] = [];
  positionSnapshots: PositionSnapshotRecord[] = [];
  equity: EquityRecord[] = [];
  riskEvents: RiskEventRecord[] = [];
  feedQuality: FeedQualityRecord[] = [];
  instruments = new Map<string, StoredInstrument>();
  featureSchemas = new Map<string, FeatureSchema>();
  models = new Map<string, ModelRecord>();
  failNextWrites = 0;
  writes = 0;

  migrate(): Promise<readonly string[]> {
    return Promise.resolve([]);
  }
  startRun(run: RunRecord): Promise<void> {
    this.runs.set(run.id, { ...run, endedAt: null, summary: null });
    return this.registerInstrument(run.instrument, run.startedAt);
  }
  write(batch: StoreBatch): Promise<WriteOutcome> {
    if (this.failNextWrites > 0) {
      this.failNextWrites--;
      return Promise.reject(new Error('write failed: connection refused'));
    }
    this.writes++;
    this.signals.push(...batch.signals);
    for (const o of batch.orders) this.orders.set(`${o.runId}/${o.order.id}`, o.order);
    this.fills.push(...batch.fills);
    this.featureVectors.push(...batch.featureVectors);
    // Appended rows are keyed as in the database: a row already held under its key is skipped.
    appendNew(this.bookSnapshots, batch.bookSnapshots, (r) => `${r.runId}/${r.seq}`);
    appendNew(this.trades, batch.trades, (r) => `${r.runId}/${r.tradeId}`);
    appendNew(this.orderEvents, batch.orderEvents, (r) => `${r.runId}/${r.orderId}/${r.seq}`);
    appendNew(this.positionSnapshots, batch.positionSnapshots, (r) => `${r.runId}/${r.seq}`);
    appendNew(this.equity, batch.equity, (r) => `${r.runId}/${r.intervalStart}`);
    appendNew(this.feedQuality, batch.feedQuality, (r) => `${r.runId}/${r.start}`);
    // An episode's row grows under its seq, as the database's upsert does.
    for (const r of batch.riskEvents ?? []) {
      const at = this.riskEvents.findIndex((h) => h.runId === r.runId && h.seq === r.seq);
      if (at < 0) this.riskEvents.push(r);
      else this.riskEvents[at] = { ...this.riskEvents[at], lastTs: r.lastTs, count: Math.max(r.count, this.riskEvents[at].count) };
    }
    return Promise.resolve({ rejected: [] });
  }
  finishRun(runId: string, end: RunEnd): Promise<void> {
    const run = this.runs.get(runId);
    if (run) this.runs.set(runId, { ...run, ...end });
    return Promise.resolve();
  }
  readRun(runId: string): Promise<StoredRun | null> {
    return Promise.resolve(this.runs.get(runId) ?? null);
  }
  readOpenRuns(): Promise<readonly StoredRun[]> {
    return Promise.resolve([...this.runs.values()].filter((r) => r.endedAt === null));
  }
  readSignals(runId: string): Promise<readonly SignalRecord[]> {
    return Promise.resolve(this.signals.filter((s) => s.runId === runId));
  }
  readOrders(runId: string): Promise<readonly Order[]> {
    return Promise.resolve([...this.orders.entries()].filter(([k]) => k.startsWith(`${runId}/`)).map(([, o]) => o));
  }
  readFills(runId: string): Promise<readonly FillRecord[]> {
    return Promise.resolve(this.fills.filter((f) => f.runId === runId));
  }
  readFeatureVectors(runId: string): Promise<readonly FeatureVectorRecord[]> {
    return Promise.resolve(this.featureVectors.filter((v) => v.runId === runId).sort((a, b) => a.seq - b.seq));
  }
  async rowCounts(runId: string): Promise<RowCounts> {
    return {
      signals: (await this.readSignals(runId)).length,
      orders: (await this.readOrders(runId)).length,
      fills: (await this.readFills(runId)).length,
      featureVectors: (await this.readFeatureVectors(runId)).length,
      bookSnapshots: this.bookSnapshots.filter((r) => r.runId === runId).length,
      trades: this.trades.filter((r) => r.runId === runId).length,
      orderEvents: this.orderEvents.filter((r) => r.runId === runId).length,
      positionSnapshots: this.positionSnapshots.filter((r) => r.runId === runId).length,
      equity: this.equity.filter((r) => r.runId === runId).length,
      riskEvents: this.riskEvents.filter((r) => r.runId === runId).length,
      feedQuality: this.feedQuality.filter((r) => r.runId === runId).length,
    };
  }
  registerInstrument(spec: InstrumentSpec, seenAt: Micros): Promise<void> {
    if (!this.instruments.has(spec.symbol)) this.instruments.set(spec.symbol, { ...spec, firstSeen: seenAt });
    return Promise.resolve();
  }
  readInstrument(symbol: string): Promise<StoredInstrument | null> {
    return Promise.resolve(this.instruments.get(symbol) ?? null);
  }
  registerFeatureSchema(schema: FeatureSchema): Promise<void> {
    if (!this.featureSchemas.has(schema.id)) this.featureSchemas.set(schema.id, schema);
    return Promise.resolve();
  }
  readFeatureSchema(id: string): Promise<FeatureSchema | null> {
    return Promise.resolve(this.featureSchemas.get(id) ?? null);
  }
  registerModel(model: ModelRecord): Promise<void> {
    if (!this.models.has(model.id)) this.models.set(model.id, model);
    return Promise.resolve();
  }
  readModel(id: string): Promise<ModelRecord | null> {
    return Promise.resolve(this.models.get(id) ?? null);
  }
  readBookSnapshots(runId: string): Promise<readonly BookSnapshotRecord[]> {
    return Promise.resolve(this.bookSnapshots.filter((r) => r.runId === runId).sort((a, b) => a.seq - b.seq));
  }
  readTrades(runId: string): Promise<readonly PublicTradeRecord[]> {
    return Promise.resolve(this.trades.filter((r) => r.runId === runId).sort((a, b) => a.ts - b.ts || compare(a.tradeId, b.tradeId)));
  }
  readRiskEvents(runId: string): Promise<readonly RiskEventRecord[]> {
    return Promise.resolve(this.riskEvents.filter((r) => r.runId === runId).sort((a, b) => a.seq - b.seq));
  }
  readFeedQuality(runId: string): Promise<readonly FeedQualityRecord[]> {
    return Promise.resolve(this.feedQuality.filter((r) => r.runId === runId).sort((a, b) => a.start - b.start));
  }
  readOrderEvents(runId: string): Promise<readonly OrderEventRecord[]> {
    return Promise.resolve(
      this.orderEvents.filter((r) => r.runId === runId).sort((a, b) => compare(a.orderId, b.orderId) || a.seq - b.seq),
    );
  }
  readPositionSnapshots(runId: string): Promise<readonly PositionSnapshotRecord[]> {
    return Promise.resolve(this.positionSnapshots.filter((r) => r.runId === runId).sort((a, b) => a.seq - b.seq));
  }
  readEquity(runId: string): Promise<readonly EquityRecord[]> {
    return Promise.resolve(this.equity.filter((r) => r.runId === runId).sort((a, b) => a.intervalStart - b.intervalStart));
  }
  // The read path, naively: a scan of the held rows for each query, as a reference for the SQL.
  async latestFeatureVectors(runId: string, n: number): Promise<readonly FeatureVectorRecord[]> {
    return (await this.readFeatureVectors(runId)).slice().reverse().slice(0, n);
  }
  readSignalsBetween(runId: string, from: Micros, to: Micros): Promise<readonly SignalRecord[]> {
    return Promise.resolve(
      this.signals.filter((s) => s.runId === runId && s.signal.ts >= from && s.signal.ts < to).sort((a, b) => a.seq - b.seq),
    );
  }
  readFillsBetween(runId: string, from: Micros, to: Micros): Promise<readonly FillRecord[]> {
    return Promise.resolve(
      this.fills.filter((f) => f.runId === runId && f.fill.ts >= from && f.fill.ts < to).sort(byFillTime),
    );
  }
  pnlByDay(runId: string | null): Promise<readonly DailyPnl[]> {
    const days = new Map<number, { fills: FillRecord[]; realized: number }>();
    const dayOf = (ts: number) => Math.floor(ts / DAY_MICROS);
    const entry = (day: number) => days.get(day) ?? days.set(day, { fills: [], realized: 0 }).get(day)!;
    for (const f of this.fills) if (runId === null || f.runId === runId) entry(dayOf(f.fill.ts)).fills.push(f);
    // A day's realized PnL: the run's last snapshot of the day minus its last of an earlier day.
    const runs = new Set(this.positionSnapshots.map((p) => p.runId));
    for (const run of runs) {
      if (runId !== null && run !== runId) continue;
      let before = 0;
      const snapshots = this.positionSnapshots.filter((p) => p.runId === run).sort((a, b) => a.seq - b.seq);
      for (const [i, p] of snapshots.entries()) {
        const next = snapshots[i + 1];
        if (next !== undefined && dayOf(next.ts) === dayOf(p.ts)) continue;
        entry(dayOf(p.ts)).realized += p.realizedPnl - before;
        before = p.realizedPnl;
      }
    }
    return Promise.resolve(
      [...days.entries()]
        .sort(([a], [b]) => a - b)
        .map(([day, { fills, realized }]) => ({ dayStart: (day * DAY_MICROS) as Micros, ...pnlFigures(fills, realized) })),
    );
  }
  pnlByRun(runId?: string): Promise<readonly RunPnl[]> {
    const runs = [...this.runs.values()]
      .filter((r) => runId === undefined || r.id === runId)
      .sort((a, b) => a.startedAt - b.startedAt || compare(a.id, b.id));
    return Promise.resolve(
      runs.map(({ id }) => {
        const snapshots = this.positionSnapshots.filter((p) => p.runId === id).sort((a, b) => a.seq - b.seq);
        const realized = snapshots.at(-1)?.realizedPnl ?? 0;
        return { runId: id, ...pnlFigures(this.fills.filter((f) => f.runId === id), realized) };
      }),
    );
  }
  orderLifecycle(runId: string, orderId: string): Promise<OrderLifecycle> {
    return Promise.resolve({
      order: this.orders.get(`${runId}/${orderId}`) ?? null,
      events: this.orderEvents.filter((e) => e.runId === runId && e.orderId === orderId).sort((a, b) => a.seq - b.seq),
      fills: this.fills.filter((f) => f.runId === runId && f.fill.orderId === orderId).sort(byFillTime),
    });
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

const DAY_MICROS = 86_400_000_000;

const byFillTime = (a: FillRecord, b: FillRecord): number => a.fill.ts - b.fill.ts || compare(a.fill.tradeId, b.fill.tradeId);

/** The figures of `fills`, slippage positive when a fill paid worse than its arrival mid. */
function pnlFigures(fills: readonly FillRecord[], realized: number): PnlFigures {
  const slipped = fills.filter((f) => f.arrivalMidTicks !== null);
  const totalSlippage = slipped.reduce(
    (sum, f) => sum + (f.fill.side === 'Buy' ? f.fill.price - f.arrivalMidTicks! : f.arrivalMidTicks! - f.fill.price),
    0,
  );
  return {
    realizedPnl: realized as Cash,
    fees: fills.reduce((sum, f) => sum + f.fill.fee, 0) as Cash,
    volume: fills.reduce((sum, f) => sum + f.fill.qty, 0) as Lots,
    fills: fills.length,
    slippageFills: slipped.length,
    totalSlippage,
    meanSlippage: slipped.length === 0 ? null : totalSlippage / slipped.length,
  };
}

function appendNew<R>(held: R[], records: readonly R[] | undefined, key: (record: R) => string): void {
  const keys = new Set(held.map(key));
  for (const record of records ?? []) {
    if (keys.has(key(record))) continue;
    keys.add(key(record));
    held.push(record);
  }
}

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

export class ArrayFeed implements MarketDataFeed {
  readonly description = 'array';
  /** The reasons of every resync asked for. */
  readonly resyncs: string[] = [];
  constructor(private readonly items: readonly MarketEvent[]) {}
  async *events(): AsyncGenerator<MarketEvent> {
    for (const e of this.items) yield await Promise.resolve(e);
  }
  resync(reason: string): void {
    this.resyncs.push(reason);
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** A model whose prediction is a function of the vector, written by the test. */
export class FunctionModel implements SignalModel {
  calls = 0;
  constructor(
    readonly info: ModelInfo,
    private readonly fn: (v: FeatureVector) => Prediction,
  ) {}
  predict(features: FeatureVector): Promise<Prediction> {
    this.calls++;
    if (features.schemaId !== this.info.schemaId) return Promise.reject(new Error('schema mismatch'));
    return Promise.resolve(this.fn(features));
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

export class RecordingLogger implements Logger {
  lines: { level: string; fields: Record<string, unknown>; message: string }[] = [];
  debug(fields: Record<string, unknown>, message: string): void {
    this.lines.push({ level: 'debug', fields, message });
  }
  info(fields: Record<string, unknown>, message: string): void {
    this.lines.push({ level: 'info', fields, message });
  }
  warn(fields: Record<string, unknown>, message: string): void {
    this.lines.push({ level: 'warn', fields, message });
  }
  error(fields: Record<string, unknown>, message: string): void {
    this.lines.push({ level: 'error', fields, message });
  }
}

export class StepClock implements Clock {
  constructor(private now = 1_700_000_000_000_000) {}
  nowMicros(): Micros {
    return (this.now += 1) as Micros;
  }
}
