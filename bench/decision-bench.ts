import { trace } from '@opentelemetry/api';
import { BasicTracerProvider, BatchSpanProcessor, ParentBasedSampler, type ReadableSpan, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { BatchedWriter, type BatchStore } from '../application/batched-writer.ts';
import type { ExecutionSettings } from '../application/execution-engine.ts';
import { VENUE_REASONS, type ExecutionReport, type ExecutionVenue, type OrderRequest } from '../application/ports/execution-venue.ts';
import { VenueOutbox } from '../application/venue-outbox.ts';
import { silentLogger } from '../application/ports/logger.ts';
import type { StoreBatch, WriteOutcome } from '../application/ports/trading-store.ts';
import { TradingLoop } from '../application/trading-loop.ts';
import { scanningDecoder } from '../adapters/bybit/frame-decoder.ts';
import { SystemClock } from '../adapters/clock/system-clock.ts';
import { loadOnnxModel } from '../adapters/onnx/onnx-model.ts';
import { SyntheticFeed } from '../adapters/synthetic/synthetic-feed.ts';
import { DecisionSampler } from '../adapters/telemetry/decision-sampler.ts';
import type { Instrument } from '../domain/values/instrument.ts';
import type { Lots, Micros } from '../domain/values/units.ts';

/** A store that only counts: the bench measures the loop, not the database. */
class CountingStore implements BatchStore {
  write = (_b: StoreBatch): Promise<WriteOutcome> => Promise.resolve({ rejected: [] });
}

/** An OTLP exporter's place in the pipeline without the network: counts the spans it is handed. */
class CountingExporter implements SpanExporter {
  spans = 0;
  export(spans: ReadableSpan[], done: (result: { code: 0 }) => void): void {
    this.spans += spans.length;
    done({ code: 0 });
  }
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

export interface DecisionLatency {
  /** Ticks that reached inference, each one latency. */
  readonly ticks: number;
  readonly p50Us: number;
  readonly p99Us: number;
  readonly orders: number;
  /** Spans handed to the exporter; 0 with tracing off. */
  readonly spans: number;
}

export interface DecisionBench {
  readonly off: DecisionLatency;
  /** Every tick traced. */
  readonly all: DecisionLatency;
  /** The default: order-causing ticks and 1% of the rest. */
  readonly sampled: DecisionLatency;
}

/**
 * Tick-to-decision latency (frame received → first order handed to the venue, or no order) inside the
 * paper loop over `minutes` of the synthetic market (seed 7, orderbook.50 and trades), with the model
 * in `modelDir`, the smart policy and the simulated exchange: tracing off, then a real tracer provider
 * whose BatchSpanProcessor hands spans to an exporter that only counts them (the network left out),
 * at sample rate 1 and at the default 0.01.
 */
export async function benchDecision(
  modelDir: string, instrument: Instrument, venue: () => ExecutionVenue, execution: ExecutionSettings, minutes = 10,
): Promise<DecisionBench> {
  const model = await loadOnnxModel(modelDir);
  try {
    // The first run warms the JIT and onnxruntime; its figures are not kept.
    await run(model, instrument, venue, execution, 1, null);
    const off = await run(model, instrument, venue, execution, minutes, null);
    const all = await run(model, instrument, venue, execution, minutes, 1);
    const sampled = await run(model, instrument, venue, execution, minutes, 0.01);
    return { off, all, sampled };
  } finally {
    await model.close();
  }
}

async function run(
  model: Awaited<ReturnType<typeof loadOnnxModel>>, instrument: Instrument, venue: () => ExecutionVenue, execution: ExecutionSettings,
  minutes: number, rate: number | null,
): Promise<DecisionLatency> {
  const exporter = new CountingExporter();
  const provider = rate === null
    ? null
    : new BasicTracerProvider({
      sampler: new ParentBasedSampler({ root: new DecisionSampler(rate) }),
      spanProcessors: [new BatchSpanProcessor(exporter, { maxQueueSize: 65_536, maxExportBatchSize: 2_048 })],
    });
  if (provider !== null) trace.setGlobalTracerProvider(provider);
  try {
    const clock = new SystemClock();
    const writer = new BatchedWriter(new CountingStore(), silentLogger);
    const feed = new SyntheticFeed(
      { market: { seed: 7, symbol: instrument.symbol, depth: 50 }, speed: 'max', decoder: scanningDecoder(instrument), durationMs: minutes * 60_000 },
      clock,
    );
    const loop = new TradingLoop(
      {
        runId: 'bench-decision', instrument, limits: { maxPositionLots: 10 as Lots, orderLots: 2 as Lots }, bookDepth: 50, storeVectors: false,
        execution, traceSampleRate: rate ?? 0.01,
      },
      { feed, venue: venue(), model, writer, clock, logger: silentLogger },
    );
    const summary = await loop.run();
    await writer.flush();
    await provider?.forceFlush();
    const latency = loop.decisionLatency.summary();
    return { ticks: latency.count, p50Us: latency.p50 ?? NaN, p99Us: latency.p99 ?? NaN, orders: summary.orders.orders, spans: exporter.spans };
  } finally {
    if (provider !== null) {
      await provider.shutdown();
      trace.disable();
    }
  }
}

/** Tick-to-decision with a venue that answers every request 5 s late, behind the outbox. */
export interface SlowVenueLatency extends DecisionLatency {
  /** Requests still unanswered when the market ended: the loop went on without them. */
  readonly unanswered: number;
  readonly answerMs: number;
}

/**
 * A venue that takes `answerMs` to answer anything: each submit is refused and each cancel confirmed,
 * but only that long after it was sent (an exchange that has slowed down, not one that is down).
 */
class SlowVenue implements ExecutionVenue {
  readonly name = 'slow-venue';
  readonly live = undefined;
  private readonly listeners: ((r: ExecutionReport) => void)[] = [];
  outstanding = 0;
  constructor(private readonly answerMs: number) {}
  submit(order: OrderRequest): Promise<readonly ExecutionReport[]> {
    return this.later([{ kind: 'rejected', clientOrderId: order.clientOrderId, reason: `${VENUE_REASONS.insufficient}: slow venue`, ts: order.ts }]);
  }
  cancel(clientOrderId: string, ts: Micros): Promise<readonly ExecutionReport[]> {
    return this.later([{ kind: 'canceled', clientOrderId, reason: `${VENUE_REASONS.canceledByRequest}: slow venue`, ts }]);
  }
  onReport(listener: (report: ExecutionReport) => void): void {
    this.listeners.push(listener);
  }
  outOfSync(): string | null {
    return null;
  }
  private later(reports: readonly ExecutionReport[]): Promise<readonly ExecutionReport[]> {
    this.outstanding++;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.outstanding--;
        resolve(reports);
      }, this.answerMs);
      timer.unref();
    });
  }
}

/**
 * Tick-to-decision in the paper loop (synthetic market seed 7, `minutes` of it at full speed, the
 * model in `modelDir`, tracing off) while the venue takes `answerMs` (5 s) to answer each request:
 * orders go through the outbox app:live uses, so no tick waits for the venue.
 */
export async function benchDecisionSlowVenue(
  modelDir: string, instrument: Instrument, execution: ExecutionSettings, minutes = 5, answerMs = 5_000,
): Promise<SlowVenueLatency> {
  const model = await loadOnnxModel(modelDir);
  try {
    const measure = async (m: number): Promise<SlowVenueLatency> => {
      const clock = new SystemClock();
      const slow = new SlowVenue(answerMs);
      const venue = new VenueOutbox(slow, clock, silentLogger, { submitDeadlineMs: 60_000 });
      const writer = new BatchedWriter(new CountingStore(), silentLogger);
      const feed = new SyntheticFeed(
        { market: { seed: 7, symbol: instrument.symbol, depth: 50 }, speed: 'max', decoder: scanningDecoder(instrument), durationMs: m * 60_000 },
        clock,
      );
      const loop = new TradingLoop(
        { runId: 'bench-slow-venue', instrument, limits: { maxPositionLots: 10 as Lots, orderLots: 2 as Lots }, bookDepth: 50, storeVectors: false, execution },
        { feed, venue, model, writer, clock, logger: silentLogger },
      );
      const summary = await loop.run();
      const unanswered = slow.outstanding;
      await writer.flush();
      const latency = loop.decisionLatency.summary();
      return { ticks: latency.count, p50Us: latency.p50 ?? NaN, p99Us: latency.p99 ?? NaN, orders: summary.orders.orders, spans: 0, unanswered, answerMs };
    };
    // The first run warms the JIT and onnxruntime; its figures are not kept.
    await measure(1);
    return await measure(minutes);
  } finally {
    await model.close();
  }
}
