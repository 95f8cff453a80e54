import type { Logger } from '../../application/ports/logger.ts';
import type { MarketDataFeed } from '../../application/ports/market-data-feed.ts';
import type { ModelInfo, Prediction, SignalModel } from '../../application/ports/signal-model.ts';
import type {
  FeatureVectorRecord,
  FillRecord,
  RowCounts,
  RunEnd,
  RunRecord,
  SignalRecord,
  StoreBatch,
  StoredRun,
  TradingStore,
} from '../../application/ports/trading-store.ts';
import type { Clock } from '../../application/ports/clock.ts';
import type { FeatureVector } from '../../domain/features/feature-vector.ts';
import type { MarketEvent } from '../../domain/market/market-event.ts';
import type { Order } from '../../domain/trading/order.ts';
import type { Micros } from '../../domain/values/units.ts';

/** An in-memory store that can be told to fail its next writes. */
export class MemoryStore implements TradingStore {
  runs = new Map<string, StoredRun>();
  signals: SignalRecord[] = [];
  orders = new Map<string, Order>();
  fills: FillRecord[] = [];
  featureVectors: FeatureVectorRecord[] = [];
  failNextWrites = 0;
  writes = 0;

  migrate(): Promise<readonly string[]> {
    return Promise.resolve([]);
  }
  startRun(run: RunRecord): Promise<void> {
    this.runs.set(run.id, { ...run, endedAt: null, summary: null });
    return Promise.resolve();
  }
  write(batch: StoreBatch): Promise<void> {
    if (this.failNextWrites > 0) {
      this.failNextWrites--;
      return Promise.reject(new Error('write failed: connection refused'));
    }
    this.writes++;
    this.signals.push(...batch.signals);
    for (const o of batch.orders) this.orders.set(`${o.runId}/${o.order.id}`, o.order);
    this.fills.push(...batch.fills);
    this.featureVectors.push(...batch.featureVectors);
    return Promise.resolve();
  }
  finishRun(runId: string, end: RunEnd): Promise<void> {
    const run = this.runs.get(runId);
    if (run) this.runs.set(runId, { ...run, ...end });
    return Promise.resolve();
  }
  readRun(runId: string): Promise<StoredRun | null> {
    return Promise.resolve(this.runs.get(runId) ?? null);
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
    };
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

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
