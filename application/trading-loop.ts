import { FeedQualityMonitor } from './feed-quality-monitor.ts';
import { DEFAULT_FEED_QUALITY_FLOOR, FeedQualityGate, type FeedQualityFloor } from '../domain/market/feed-quality.ts';
import { RiskEpisodes } from './risk-episodes.ts';
import { FeatureEngine } from '../domain/features/engine.ts';
import { describeSelectionError, selectFeatures } from '../domain/features/registry.ts';
import type { SyncConfig } from '../domain/market/book-sync.ts';
import { receiveTimeOf, type MarketEvent } from '../domain/market/market-event.ts';
import type { FrameHeader, OrderBook } from '../domain/market/order-book.ts';
import { decideOrder, type PositionLimits } from '../domain/trading/risk.ts';
import { SignalOutcomes, type SignalOutcomeCounts } from '../domain/backtest/signal-outcomes.ts';
import type { FeatureVector } from '../domain/features/feature-vector.ts';
import { LatencyHistogram } from '../domain/stats/latency-histogram.ts';
import { createSignal, signalDirection, type Signal } from '../domain/trading/signal.ts';
import type { Instrument } from '../domain/values/instrument.ts';
import type { Micros, Ticks } from '../domain/values/units.ts';
import type { BatchedWriter } from './batched-writer.ts';
import { DecisionTrace, STAGE, type TraceIdSource } from './decision-trace.ts';
import { LoopMetrics } from './loop-metrics.ts';
import { bybitSyncConfig, MarketData } from './market-data.ts';
import { ModelSlot, type ModelSwitchCounters, type SlotPrediction } from './model-switch.ts';
import { ExecutionEngine, type ExecutionCounters, type ExecutionSettings } from './execution-engine.ts';
import type { ExecutionQualitySummary } from './execution-quality.ts';
import { OrderFlow } from './order-flow.ts';
import { DEFAULT_RECORDING, RunRecorder, type RecordingConfig } from './run-recorder.ts';
import type { Clock } from './ports/clock.ts';
import type { ExecutionVenue } from './ports/execution-venue.ts';
import type { Logger } from './ports/logger.ts';
import type { MarketDataFeed } from './ports/market-data-feed.ts';
import type { ModelInfo, SignalModel } from './ports/signal-model.ts';
import { summarize, type RunSummary, type TradingCounters } from './run-summary.ts';

export interface TradingLoopConfig {
  readonly runId: string;
  readonly instrument: Instrument;
  readonly limits: PositionLimits;
  /** Book depth window in levels (Bybit's subscribed depth); null keeps every level sent. */
  readonly bookDepth: number | null;
  /** Staleness rule; Bybit's push interval for `bookDepth` when absent. */
  readonly sync?: SyncConfig;
  /** What is recorded besides signals, orders, fills and vectors; DEFAULT_RECORDING when absent. */
  readonly recording?: RecordingConfig;
  /**
   * Round trip, bps, an acted signal's move must exceed to count as right in the run's signal
   * outcomes; the composition passes the run's fee settings' maker round trip. 11 (Bybit's taker fee
   * both ways) when absent.
   */
  readonly outcomeCostBps?: number;
  /** Store every feature vector (the default); a backtest that needs only its ledger leaves them out. */
  readonly storeVectors?: boolean;
  /**
   * How signals become orders: the policy (smart or baseline), sizing, the passive algorithm and the
   * risk manager. Without it, each signal sends a market order of `limits.orderLots` within
   * `limits.maxPositionLots` (the walking skeleton's rule).
   */
  readonly execution?: ExecutionSettings;
  /** Below this feed-quality score new entries stop (the `feedQuality` trip); DEFAULT_FEED_QUALITY_FLOOR when absent. */
  readonly feedQualityFloor?: FeedQualityFloor;
  /**
   * Length of the window the feed is scored over, µs; a minute when absent. Shorter only where a
   * test or a soak compresses time: the floor's `clearAfterMinutes` then counts windows.
   */
  readonly feedQualityWindowMicros?: number;
  /** How long a stop waits for the venue to confirm the cancels of open orders; 0 when absent. */
  readonly stopGraceMs?: number;
  /**
   * Share of ticks that cause no order traced anyway, in [0, 1]; order-causing ticks are always
   * traced (when a tracer provider is registered). 0.01 when absent.
   */
  readonly traceSampleRate?: number;
}

export interface TradingLoopDeps {
  readonly feed: MarketDataFeed;
  readonly venue: ExecutionVenue;
  /** The model the run starts with; `models.offer` replaces it while running, `models.close` closes it. */
  readonly model: SignalModel;
  readonly writer: BatchedWriter;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Uniform in [0, 1): which ticks without an order are traced. `Math.random` when absent. */
  readonly random?: () => number;
  /** The tracer's ids, so log lines about an order carry its trace's id from the order on (see `DecisionTrace`). */
  readonly traceIds?: TraceIdSource | null;
}

/** How far a run has come: events processed, book frames among them, and the venue time reached (µs). */
export interface LoopProgress {
  readonly frames: number;
  readonly bookFrames: number;
  readonly venueMicros: number;
}

/** Events between two calls of `TradingLoop.onProgress`. */
const PROGRESS_EVERY = 4096;

/** The run's summary, with the model changes among its counters and the acted signals' outcomes. */
export type LoopSummary = RunSummary & {
  readonly counters: RunSummary['counters'] & ModelSwitchCounters;
  readonly signalOutcomes: SignalOutcomeCounts;
  /** Venue time the book spent out of LIVE (from the last LIVE book before a break to the first after it), µs. */
  readonly notLiveMicros: number;
  /** Venue time of the first and the last LIVE book, µs; null before one. */
  readonly venueSpan: { readonly from: number; readonly to: number } | null;
  /** The execution engine's counters and the risk state at the end; null without an engine. */
  readonly execution: (ExecutionCounters & { readonly riskState: string; readonly quality: ExecutionQualitySummary }) | null;
  /** The feed-quality score (application/feed-quality-monitor.ts): the last minute's, the lowest, minutes scored. */
  readonly feedQuality: ReturnType<FeedQualityMonitor['summary']>;
};

/**
 * A tick that reached inference: the signal with the model that answered and its vector, or
 * NO_SIGNAL when none clears the threshold (most ticks: nothing is made for them).
 */
type Inferred = { readonly model: ModelInfo; readonly vector: FeatureVector; readonly signal: Signal } | typeof NO_SIGNAL;
const NO_SIGNAL = Object.freeze({ signal: null });

/**
 * One tick's whole path: market event → book and its integrity checks → (LIVE books only) features →
 * model → signal → execution and risk → order → fills → position, with every signal, order and fill
 * handed to the writer. Events are processed one at a time in arrival order; each is a tick of the
 * decision trace (application/decision-trace.ts), and the time from its receipt to the decision is
 * recorded. The loop never awaits the database and never sees a book that is not LIVE.
 */
export class TradingLoop {
  readonly market: MarketData;
  readonly counters: TradingCounters = { predictions: 0, invalidPredictions: 0, signals: 0, coldVectors: 0 };
  /** The model predictions go to; a model of the same feature schema can replace it while running. */
  readonly models: ModelSlot;
  /** Called every few thousand events while the run goes on (a progress bar); null: not at all. */
  onProgress: ((p: LoopProgress) => void) | null = null;
  /** From a frame received to the decision made on it, µs, for every tick that reached inference. */
  readonly decisionLatency = new LatencyHistogram();
  private readonly trace: DecisionTrace;
  private readonly metrics: LoopMetrics;
  /** Receipt minus matching-engine time of the last LIVE book frame, µs; null before one. */
  private feedLatencyMicros: number | null = null;
  private events = 0;
  private venueMicros = 0;
  private readonly features: FeatureEngine;
  private readonly orders: OrderFlow;
  private readonly recorder: RunRecorder;
  private readonly outcomes: SignalOutcomes;
  private readonly execution: ExecutionEngine | null;
  /** Index of a realized-volatility feature in the vectors, for sizing; -1 when the model reads none. */
  private readonly volIndex: number;
  private pendingKill: string | null = null;
  private readonly riskEpisodes: RiskEpisodes;
  private readonly feedQuality: FeedQualityMonitor;
  private signalSeq = 0;
  private vectorSeq = 0;
  /** The market's counters, read only when a feed minute is scored: one closure for the run, not one an event. */
  private readonly marketCounters = (): Readonly<MarketData['counters']> => this.market.counters;

  constructor(
    private readonly config: TradingLoopConfig,
    private readonly deps: TradingLoopDeps,
  ) {
    this.market = new MarketData(
      { instrument: config.instrument, bookDepth: config.bookDepth, sync: config.sync ?? bybitSyncConfig(config.bookDepth) },
      deps.feed,
      deps.logger,
    );
    const prefix = `L${config.runId.replace(/-/g, '').slice(0, 12)}`;
    this.orders = new OrderFlow(config.instrument, deps.venue, deps.writer, deps.logger, config.runId, prefix);
    this.recorder = new RunRecorder(config.runId, config.recording ?? DEFAULT_RECORDING, deps.writer);
    this.outcomes = new SignalOutcomes(config.outcomeCostBps ?? 11);
    const { model } = deps;
    // The model's manifest decides which features are computed, and in which order.
    const selected = selectFeatures({ features: model.info.featureNames });
    if (!selected.ok) throw new Error(`model ${model.info.id} reads a feature the engine cannot compute: ${describeSelectionError(selected.error)}`);
    this.features = new FeatureEngine(config.instrument, selected.value);
    const schema = this.features.schema;
    if (model.info.schemaId !== schema.id) {
      throw new Error(
        `model ${model.info.id} expects feature schema ${model.info.schemaId} (${model.info.featureNames.join(', ')}), ` +
          `but the engine computes ${schema.id} (${schema.names.map((n, i) => `${n}@${schema.versions[i]}`).join(', ')}): ` +
          'a feature definition has changed since the model was trained; retrain it on vectors of the current schema',
      );
    }
    this.models = new ModelSlot(model, schema, deps.logger);
    this.volIndex = ['rv_5s_bps', 'rv_1s_bps', 'rv_30s_bps'].map((n) => schema.names.indexOf(n)).find((i) => i >= 0) ?? -1;
    this.riskEpisodes = new RiskEpisodes(config.runId);
    this.execution = config.execution === undefined
      ? null
      : new ExecutionEngine(config.instrument, config.execution, this.orders, deps.logger, (record) => {
        deps.writer.riskEvent(this.riskEpisodes.add(record));
      }, model.info.horizonMs * 1000, () => deps.clock.nowMicros());
    this.feedQuality = new FeedQualityMonitor(
      new FeedQualityGate(config.feedQualityFloor ?? DEFAULT_FEED_QUALITY_FLOOR), this.execution?.risk ?? null, config.feedQualityWindowMicros,
    );
    this.trace = new DecisionTrace({
      runId: config.runId, sampleRate: config.traceSampleRate ?? 0.01, random: deps.random ?? Math.random, traceIds: deps.traceIds ?? null,
    });
    this.orders.observer = this.trace;
    this.metrics = new LoopMetrics(config.runId, {
      state: () => this.market.state,
      counters: () => this.market.counters,
      feedLatencyMicros: () => this.feedLatencyMicros,
      writer: () => deps.writer.stats,
      feedQuality: () => this.feedQuality.score,
    });
  }

  /**
   * The kill switch: every working order is canceled, the position flattened, and no new order sent
   * (HALTED). On a real exchange at once, without market data; on the simulator at the next event.
   * Safe to call from a signal handler at any time.
   */
  kill(reason: string): void {
    if (this.execution?.killsWithoutMarketData === true) this.execution.killNow(reason);
    else this.pendingKill = reason;
  }

  /**
   * A stop asked for with `--on-stop cancel` sets this before closing the feed: as the run ends, every
   * working order is canceled, and the loop waits up to `stopGraceMs` for the venue to confirm.
   */
  cancelOnEnd = false;

  get book(): OrderBook {
    return this.market.book;
  }

  get position(): OrderFlow['position'] {
    return this.orders.position;
  }

  /** Runs until the feed ends; returns the run's summary. Rejects only if the feed itself fails. */
  async run(): Promise<LoopSummary> {
    const started = this.deps.clock.nowMicros();
    this.metrics.observe();
    const { feed } = this.deps;
    try {
      // A feed that hands its events over a read chunk at a time costs one turn of the event loop a
      // chunk instead of one an event; a close asked for meanwhile still ends the run after the event in hand.
      const batches = feed.eventBatches?.() ?? null;
      if (batches !== null) {
        for await (const batch of batches) {
          for (let i = 0; i < batch.length; i++) {
            if (feed.closeAsked === true) break;
            const pending = this.next(batch[i]);
            if (pending !== undefined) await pending;
          }
        }
      } else {
        for await (const event of feed.events()) {
          const pending = this.next(event);
          if (pending !== undefined) await pending;
        }
      }
    } finally {
      this.metrics.stop();
    }
    // A kill's flatten on the exchange does not wait for market data, and a stop does not cut it short:
    // the run ends once the exchange has been read back flat (or the flatten has said it could not).
    await this.execution?.flattened();
    if (this.cancelOnEnd) await this.cancelOpenOrders();
    this.recorder.finish(this.orders.position, this.book);
    return this.summary(started);
  }

  /**
   * Cancels every order still working and waits, up to `stopGraceMs`, until the venue has confirmed
   * each (a real venue answers without market data; the simulator, whose time stands still once the
   * feed has ended, is given no grace). Returns how many stayed open.
   */
  private async cancelOpenOrders(): Promise<number> {
    const ids = this.orders.liveOrderIds();
    if (ids.length === 0) return 0;
    for (const id of ids) await this.orders.cancel(id, this.venueMicros as Micros);
    const deadline = this.deps.clock.nowMicros() + (this.config.stopGraceMs ?? 0) * 1000;
    while (this.orders.liveOrderIds().length > 0 && this.deps.clock.nowMicros() < deadline) await new Promise((r) => setTimeout(r, 20));
    const open = this.orders.liveOrderIds().length;
    this.deps.logger.info({ canceled: ids.length - open, stillOpen: open }, 'open orders canceled at stop');
    return open;
  }

  summary(started = this.deps.clock.nowMicros()): LoopSummary {
    const s = summarize(this.config.instrument, this.market, this.counters, this.orders, this.deps.writer.stats, this.deps.clock.nowMicros() - started);
    const execution = this.execution === null ? null : { ...this.execution.counters, riskState: this.execution.state, quality: this.execution.quality.summary() };
    const notLive = this.notLiveMicros + (this.notLiveSince === null ? 0 : Math.max(0, this.lastEventMicros - this.notLiveSince));
    const venueSpan = this.firstLiveMicros === null ? null : { from: this.firstLiveMicros, to: this.venueMicros };
    return { ...s, counters: { ...s.counters, ...this.models.counters }, signalOutcomes: this.outcomes.final(), notLiveMicros: notLive, venueSpan, execution, feedQuality: this.feedQuality.summary() };
  }

  /**
   * One event of the run: progress, then its step. Most events (trades, and books that reach no
   * decision) are done with synchronously: only those that wait for the model or the venue return a
   * promise, which the run awaits before the next event.
   */
  private next(event: MarketEvent): Promise<void> | undefined {
    if (++this.events % PROGRESS_EVERY === 0 && this.onProgress !== null) {
      const { frames, bookFrames } = this.market.counters;
      this.onProgress({ frames, bookFrames, venueMicros: this.venueMicros });
    }
    return this.step(event);
  }

  /** Processes one market event (one tick of the decision trace); exposed for tests and replays that drive the loop themselves. */
  async onEvent(event: MarketEvent): Promise<void> {
    await this.step(event);
  }

  /** `onEvent`, returning a promise only when the event's processing waits for something. */
  private step(event: MarketEvent): Promise<void> | undefined {
    // A book frame is a book frame in a trace, and trades are trades, whichever reader converted them.
    const isBook = event.kind === 'book' || event.kind === 'gridBook';
    // Only a book can reach a decision (a LIVE book's inference): the other ticks' latency is never measured.
    this.trace.begin(isBook ? 'book' : event.kind === 'gridTrades' ? 'trades' : event.kind, isBook);
    let pending: Promise<void> | undefined;
    try {
      pending = this.processEvent(event, isBook);
    } catch (error) {
      this.trace.finish(error);
      throw error;
    }
    if (pending === undefined) {
      this.trace.finish();
      return undefined;
    }
    return pending.then(
      () => this.trace.finish(),
      (error: unknown) => {
        this.trace.finish(error);
        throw error;
      },
    );
  }

  private processEvent(event: MarketEvent, isBook: boolean): Promise<void> | undefined {
    if (isBook) this.trace.start(STAGE.book);
    const step = this.market.process(event);
    if (isBook) this.trace.end(STAGE.book);
    this.scoreFeed(event);
    if (step.transition !== null && step.transition.to !== 'LIVE') this.execution?.onBookLost(this.venueMicros as Micros);
    this.timeLive(step, event);
    // Order flow measured across a broken or silent book says nothing: start the windows afresh.
    if (step.transition !== null) this.features.reset();
    // The funding rate the simulated exchange settles the position at, every 8 hours of venue time.
    if (event.kind === 'ticker' && event.ticker.fundingRate !== null) {
      const rate = Number(event.ticker.fundingRate);
      if (Number.isFinite(rate)) this.deps.venue.observeFunding?.(rate, event.ticker.ts);
    }
    // Indexed: the loop sees two kinds of array (a frame's trades, the steps' shared empty one), and a
    // for-of over them is not always compiled without an iterator object.
    const trades = step.trades;
    for (let i = 0; i < trades.length; i++) {
      const trade = trades[i];
      this.deps.venue.observeTrade?.(trade, trade.ts);
      this.execution?.onTrade(trade);
      this.features.onTrade(trade);
      this.recorder.trade(trade);
    }
    if (step.book === null) return undefined;
    return this.onLiveBookRecorded(step.book);
  }

  private onLiveBookRecorded(frame: FrameHeader): Promise<void> | undefined {
    this.recorder.book(this.book, frame.ts, frame.recvTime, this.orders.position);
    const pending = this.onLiveBook(frame);
    if (pending === undefined) {
      this.recordPosition(frame);
      return undefined;
    }
    return pending.then(() => this.recordPosition(frame));
  }

  private recordPosition(frame: FrameHeader): void {
    this.recorder.position(this.orders.position, this.orders.counters.filledLots, frame.ts, this.book);
  }

  /** Counts the venue time the book spends out of LIVE, from the last LIVE book to the next. */
  private timeLive(step: { readonly transition: { readonly to: string } | null; readonly book: FrameHeader | null }, event: MarketEvent): void {
    if (event.kind === 'book' || event.kind === 'gridBook') this.lastEventMicros = Math.max(this.lastEventMicros, event.frame.ts);
    if (step.book !== null && this.firstLiveMicros === null) this.firstLiveMicros = step.book.ts;
    if (step.transition === null) return;
    if (step.transition.to !== 'LIVE') {
      if (this.notLiveSince === null && this.firstLiveMicros !== null) this.notLiveSince = this.venueMicros;
    } else if (this.notLiveSince !== null && step.book !== null) {
      this.notLiveMicros += Math.max(0, step.book.ts - this.notLiveSince);
      this.notLiveSince = null;
    }
  }

  private notLiveMicros = 0;
  private notLiveSince: number | null = null;
  private firstLiveMicros: number | null = null;
  private lastEventMicros = 0;

  /**
   * Feeds the minute's feed-quality score; a minute below the floor trips `feedQuality` in the risk
   * manager. Each scored minute is logged and stored.
   */
  private scoreFeed(event: MarketEvent): void {
    const at = receiveTimeOf(event);
    if (at === null) return;
    const latency = event.kind === 'book' || event.kind === 'gridBook' ? event.frame.recvTime - event.frame.cts : undefined;
    const scored = this.feedQuality.observe(at, this.marketCounters, this.market.state === 'LIVE', latency);
    if (scored === null) return;
    this.deps.logger.info({ score: scored.score, penalties: scored.penalties, start: scored.start }, 'feed quality');
    const m = scored.minute;
    this.deps.writer.push('feedQuality', {
      runId: this.config.runId, start: scored.start, window: m.windowMicros as Micros, score: scored.score, notLive: m.notLiveMicros as Micros,
      gaps: m.gaps, crossed: m.crossed, resyncs: m.resyncs, stalePeriods: m.stalePeriods, malformed: m.malformed,
      tickerMismatches: m.tickerMismatches, latencyP99: (m.latencyP99Micros === null ? null : Math.round(m.latencyP99Micros)) as Micros | null,
    });
  }

  /** The schema of the vectors this loop computes and stores. */
  get featureSchema(): FeatureEngine['schema'] {
    return this.features.schema;
  }

  /**
   * A LIVE book moved: the venue sees it first, then features and the model, then the execution
   * engine's step (kill switch, the working order's algorithm) and the signal's order, so that every
   * order of a tick is decided after its inference, as the decision trace shows it.
   */
  private onLiveBook(frame: FrameHeader): Promise<void> | undefined {
    this.venueMicros = frame.ts;
    this.feedLatencyMicros = frame.recvTime - frame.cts;
    this.deps.venue.observeBook?.(this.book, frame.ts);
    this.outcomes.book(frame.ts, this.book.midTimesTwo());
    // A model that answers within the call (the in-process tree walk) is not awaited: the same
    // prediction, the same order of steps, without a promise between the features and the decision.
    const inferred = this.infer(frame);
    if (inferred instanceof Promise) return inferred.then((i) => this.decide(i, frame));
    return this.decide(inferred, frame);
  }

  /** The execution engine's step and the signal's order, after the tick's inference; a promise only when something is awaited. */
  private decide(inferred: Inferred | null, frame: FrameHeader): Promise<void> | undefined {
    this.trace.start(STAGE.risk);
    if (this.pendingKill !== null) return this.decideAsync(inferred, frame);
    // No kill: the engine's step, without a promise when it sends nothing (most books), then the signal's order.
    const pending = this.execution?.onBookNow(this.book, frame.ts);
    if (pending === undefined) return this.actAndDecide(inferred, frame);
    return pending.then(() => this.actAndDecide(inferred, frame));
  }

  /** After the engine's step: the signal's order, if any, then the decision; a promise only when the order is awaited. */
  private actAndDecide(inferred: Inferred | null, frame: FrameHeader): Promise<void> | undefined {
    if (inferred === null || inferred.signal === null) {
      this.decided(inferred);
      return undefined;
    }
    const acting = this.act(inferred.signal, inferred.model, inferred.vector, frame);
    if (acting === undefined) {
      this.decided(inferred);
      return undefined;
    }
    return acting.then(() => this.decided(inferred));
  }

  /** The tick of a kill: the kill's cancels and flatten, the engine's step, then the signal's order. */
  private async decideAsync(inferred: Inferred | null, frame: FrameHeader): Promise<void> {
    if (this.execution !== null) {
      if (this.pendingKill !== null) {
        const reason = this.pendingKill;
        this.pendingKill = null;
        await this.execution.kill(reason, this.book, frame.ts);
      }
      await this.execution.onBook(this.book, frame.ts);
    }
    if (inferred !== null && inferred.signal !== null) await this.act(inferred.signal, inferred.model, inferred.vector, frame);
    this.decided(inferred);
  }

  private decided(inferred: Inferred | null): void {
    // A tick that reached no inference has no latency to record: the clock is read for its span only.
    if (inferred === null) {
      if (this.trace.on) this.trace.decided();
      return;
    }
    const ms = this.trace.decided();
    this.decisionLatency.record(ms * 1000);
    this.metrics.recordDecision(ms);
  }

  /**
   * Features, then the model when the windows are warm; null when the tick does not reach inference.
   * Synchronous when the model answers within the call (`ModelSlot.predictNow`), a promise otherwise.
   */
  private infer(frame: FrameHeader): Inferred | null | Promise<Inferred | null> {
    this.trace.start(STAGE.features);
    const vector = this.features.onBook(this.book, frame.ts);
    if (vector !== null && this.config.storeVectors !== false) this.deps.writer.featureVector({ runId: this.config.runId, seq: ++this.vectorSeq, vector });
    this.trace.end(STAGE.features);
    if (vector === null) return null;
    // A window still filling (after a start or a resync) is not the input the model was trained on.
    if (!this.features.warm) {
      this.counters.coldVectors++;
      return null;
    }
    // The event is predicted and recorded by one model, even if another is offered meanwhile.
    this.trace.start(STAGE.inference);
    const now = this.models.predictNow(vector);
    if (now !== null) return this.inferred(now, vector, frame);
    return this.models.predict(vector).then((p) => this.inferred(p, vector, frame));
  }

  /** The signal of a prediction, or null when it does not clear the model's threshold. */
  private inferred({ info: model, prediction }: SlotPrediction, vector: FeatureVector, frame: FrameHeader): Inferred {
    this.trace.end(STAGE.inference);
    this.counters.predictions++;
    // Most predictions are valid and below the threshold: no signal, and none made to be refused.
    const { score, confidence } = prediction;
    if (Number.isFinite(score) && confidence >= 0 && confidence <= 1 && model.horizonMs > 0 && (model.abstain !== undefined || confidence < model.threshold)) {
      return NO_SIGNAL;
    }
    const signal = createSignal({
      ts: frame.ts,
      score: prediction.score,
      confidence: prediction.confidence,
      horizonMs: model.horizonMs,
      modelId: model.id,
      schemaId: vector.schemaId,
    });
    if (!signal.ok) {
      // A model output the domain refuses (NaN score, confidence outside [0, 1]) never trades.
      this.counters.invalidPredictions++;
      this.deps.logger.error({ error: signal.error, model: model.id }, 'model output refused');
      return NO_SIGNAL;
    }
    // A model that abstains (its trainer found no edge on validation data) never signals, at any confidence.
    return model.abstain !== undefined || signal.value.confidence < model.threshold ? NO_SIGNAL : { model, vector, signal: signal.value };
  }

  /**
   * A signal that cleared the threshold: to the execution engine, or the position limit's market order.
   * A promise only when an order is sent: most signals find a decision working or no room to size.
   */
  private act(signal: Signal, model: ModelInfo, vector: FeatureVector, frame: FrameHeader): Promise<void> | undefined {
    this.counters.signals++;
    const mid2 = this.book.midTimesTwo();
    const mid = mid2 === null ? null : (Math.floor(mid2 / 2) as Ticks);
    const direction = signalDirection(signal);
    if (this.execution === null) return this.actAtLimit(signal, model, frame, direction, mid2, mid);
    if (direction === 0) {
      this.signalActed(signal, model, frame, direction, mid2, mid, false);
      return undefined;
    }
    const vol = this.volIndex < 0 ? null : vector.values[this.volIndex];
    const acted = this.execution.onSignalNow(signal, direction, this.book, frame.ts, vol === null || !Number.isFinite(vol) ? null : vol);
    if (typeof acted === 'boolean') {
      this.signalActed(signal, model, frame, direction, mid2, mid, acted);
      return undefined;
    }
    return acted.then((a) => this.signalActed(signal, model, frame, direction, mid2, mid, a));
  }

  /** The signal's row, and its outcome to be judged at its horizon when it was acted on. */
  private signalActed(signal: Signal, model: ModelInfo, frame: FrameHeader, direction: -1 | 0 | 1, mid2: number | null, mid: Ticks | null, acted: boolean): void {
    this.deps.writer.signal({ runId: this.config.runId, seq: ++this.signalSeq, signal, midTicks: mid, acted });
    if (acted && direction !== 0) this.outcomes.signal(frame.ts, model.horizonMs, direction, mid2);
  }

  /** Without an execution engine: a market order of `limits.orderLots` within the position limit. */
  private async actAtLimit(signal: Signal, model: ModelInfo, frame: FrameHeader, direction: -1 | 0 | 1, mid2: number | null, mid: Ticks | null): Promise<void> {
    const { writer } = this.deps;
    const decision = decideOrder(direction, this.orders.exposureLots, this.config.limits);
    writer.signal({ runId: this.config.runId, seq: ++this.signalSeq, signal, midTicks: mid, acted: decision !== null });
    if (decision === null) return;
    this.outcomes.signal(frame.ts, model.horizonMs, decision.side === 'Buy' ? 1 : -1, mid2);
    const reason = `signal ${signal.score.toFixed(4)} conf ${signal.confidence.toFixed(3)} >= ${model.threshold}`;
    await this.orders.submitMarket(decision, frame.ts, mid, reason);
  }
}
