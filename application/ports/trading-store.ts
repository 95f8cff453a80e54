import type { FeatureSchema, FeatureVector } from '../../domain/features/feature-vector.ts';
import type { BreakerState, RiskRecord } from '../../domain/risk/circuit-breaker.ts';
import type { Trade } from '../../domain/market/trade.ts';
import type { Fill } from '../../domain/trading/fill.ts';
import type { Order, OrderEvent, OrderStatus } from '../../domain/trading/order.ts';
import type { Signal } from '../../domain/trading/signal.ts';
import type { InstrumentSpec } from '../../domain/values/instrument.ts';
import type { Cash, Lots, Micros, Ticks } from '../../domain/values/units.ts';

export type RunMode = 'paper' | 'live' | 'backtest';

/** One run of the trading loop: what ran, on what, with which model and configuration. */
export interface RunRecord {
  readonly id: string;
  readonly mode: RunMode;
  readonly instrument: InstrumentSpec;
  /** Where the market data came from, e.g. `replay:capture.jsonl`. */
  readonly source: string;
  readonly venue: string;
  readonly modelId: string;
  readonly schemaId: string;
  readonly config: Readonly<Record<string, unknown>>;
  readonly codeVersion: string;
  readonly startedAt: Micros;
}

/**
 * How a run ended: its input or duration ran out; stopped by a signal; stopped while the store could
 * not be reached (closed by the next start); or left open by a process that died (closed by the next start).
 */
export type RunEndReason = 'completed' | 'stopped' | 'stopped-during-outage' | 'crashed';

export interface RunEnd {
  readonly endedAt: Micros;
  readonly summary: Readonly<Record<string, unknown>>;
  /** Absent: not recorded (NULL). */
  readonly endReason?: RunEndReason;
}

export interface StoredRun extends RunRecord {
  readonly endedAt: Micros | null;
  readonly summary: Readonly<Record<string, unknown>> | null;
  /** Null for a run under way, or one stored before end reasons were. */
  readonly endReason?: RunEndReason | null;
}

export interface SignalRecord {
  readonly runId: string;
  /** 1, 2, 3, … within the run. */
  readonly seq: number;
  readonly signal: Signal;
  /** Mid price when the signal was made, in ticks (a half-tick mid rounds down); null without a book. */
  readonly midTicks: Ticks | null;
  /** Whether the signal led to an order. */
  readonly acted: boolean;
}

/** The latest state of an order; writing it again replaces the stored state. */
export interface OrderRecord {
  readonly runId: string;
  readonly order: Order;
}

export interface FillRecord {
  readonly runId: string;
  readonly fill: Fill;
  /** Mid price in ticks when the order was sent, for slippage; null if unknown. */
  readonly arrivalMidTicks: Ticks | null;
}

/**
 * One feature vector the trading loop computed, with the id of the schema that lays out its values.
 * Every value is finite (the feature engine guarantees it); a store refuses a record with a NaN or
 * an infinity (a `RowRejection` naming the feature index), rather than keep a value no model was fed.
 * The values come back bit for bit, -0 included. The record holds the vector's array, not a copy:
 * nothing may change it once it is handed over.
 */
export interface FeatureVectorRecord {
  readonly runId: string;
  /** 1, 2, 3, … within the run. */
  readonly seq: number;
  readonly vector: FeatureVector;
}

/**
 * The top levels of the book at one moment, at a cadence the run chooses. Best first: bids
 * descending, asks ascending; prices in ticks and sizes in lots, in pairs (`bidLots[i]` rest at
 * `bidTicks[i]`), so each pair of arrays has one length.
 */
export interface BookSnapshotRecord {
  readonly runId: string;
  /** 1, 2, 3, … within the run. */
  readonly seq: number;
  /** Venue time of the book frame, µs. */
  readonly ts: Micros;
  /** Local receive time of the frame, µs. */
  readonly recvTime: Micros;
  readonly bidTicks: readonly Ticks[];
  readonly bidLots: readonly Lots[];
  readonly askTicks: readonly Ticks[];
  readonly askLots: readonly Lots[];
}

/**
 * A public trade the run saw, as `Trade` without its symbol: the run's instrument's. Price in
 * ticks, size in lots (positive), times in µs. The venue's trade id is unique within the run.
 */
export interface PublicTradeRecord extends Omit<Trade, 'symbol'> {
  readonly runId: string;
}

/**
 * One event applied to an order (see ORDER_TRANSITIONS in domain/trading/order.ts), with what it
 * left: the order's status and filled quantity in lots after the event. An event the table ignored
 * is recorded too, with the status unchanged.
 */
export interface OrderEventRecord {
  readonly runId: string;
  /** Client order id. */
  readonly orderId: string;
  /** 1, 2, 3, … within the order. */
  readonly seq: number;
  readonly event: OrderEvent;
  readonly status: OrderStatus;
  readonly filledQty: Lots;
}

/** The position at one moment (after a fill, or at a mark), in the terms of domain/trading/position.ts. */
export interface PositionSnapshotRecord {
  readonly runId: string;
  /** 1, 2, 3, … within the run. */
  readonly seq: number;
  readonly ts: Micros;
  /** Signed lots: positive long, negative short. */
  readonly qty: Lots;
  /** Signed entry notional of the open qty, Cash (1e-8 USDT). */
  readonly costBasis: Cash;
  /** Realized PnL gross of fees, Cash. */
  readonly realizedPnl: Cash;
  /** Fees paid, Cash; rebates count negative. */
  readonly fees: Cash;
  /** The mark the unrealized PnL is taken at, ticks; null (with unrealizedPnl) without a mark. */
  readonly markTicks: Ticks | null;
  readonly unrealizedPnl: Cash | null;
}

/** Equity and performance over [intervalStart, intervalStart + interval), the money in Cash (1e-8 USDT). */
export interface EquityRecord {
  readonly runId: string;
  /** µs since the Unix epoch; one record per interval start within the run. */
  readonly intervalStart: Micros;
  /** Length of the interval, µs, positive. */
  readonly interval: Micros;
  /** Equity at the end of the interval: cash plus the marked position, net of fees. */
  readonly equity: Cash;
  readonly realizedPnl: Cash;
  readonly unrealizedPnl: Cash;
  readonly fees: Cash;
  /** Lots traded within the interval, not negative. */
  readonly volume: Lots;
  /** Fills within the interval. */
  readonly fills: number;
}

/** A risk decision's kind: a trip set or cleared, an order refused (see `RiskRecord`), or the kill switch pulled. */
export type RiskEventKind = RiskRecord['kind'] | 'kill';

/**
 * One episode of a decision of the risk manager, stored with its reason: a `RiskRecord` of
 * domain/risk/circuit-breaker.ts, or the operator's kill switch (kind `kill`), and how many times it
 * was made in a row (the same kind, cause and state, nothing else decided between). The record of an
 * episode under way is pushed again, under its seq, as it grows; the store keeps the latest.
 */
export interface RiskEventRecord {
  readonly runId: string;
  /** 1, 2, 3, … within the run, one per episode, in the order the episodes began. */
  readonly seq: number;
  /** When the episode's first decision was made, µs since the Unix epoch (the run's clock). */
  readonly ts: Micros;
  /** When its latest decision was made, µs; `ts` for an episode of one. */
  readonly lastTs: Micros;
  /** Decisions the episode stands for, at least 1. */
  readonly count: number;
  /** The breaker's state after the decision. */
  readonly state: BreakerState;
  readonly kind: RiskEventKind;
  /** The trip or the rule behind it, e.g. `drawdown`, `staleFeed`, `kill`. */
  readonly cause: string;
  /** Why, in the words an operator reads: the episode's first decision's reason. */
  readonly reason: string;
}

/**
 * One scored minute of the market-data feed (domain/market/feed-quality.ts): its score and the
 * counts it was taken from. One record per window start within the run.
 */
export interface FeedQualityRecord {
  readonly runId: string;
  /** Start of the window, µs since the Unix epoch (the receive clock). */
  readonly start: Micros;
  /** Length of the window, µs, positive: a minute unless the run was set otherwise. */
  readonly window: Micros;
  /** 0 (unusable) to 100 (clean), an integer. */
  readonly score: number;
  /** Time the book was not LIVE within the window, µs. */
  readonly notLive: Micros;
  readonly gaps: number;
  readonly crossed: number;
  readonly resyncs: number;
  readonly stalePeriods: number;
  readonly malformed: number;
  readonly tickerMismatches: number;
  /** p99 of frame latency in the window, µs; null without a frame. */
  readonly latencyP99: Micros | null;
}

/** An instrument as first registered: its grid as the exchange writes it. */
export interface StoredInstrument extends InstrumentSpec {
  /** When the store first saw the symbol, µs. */
  readonly firstSeen: Micros;
}

/** A model the runs can name: the SHA-256 of its file, its manifest and its validation metrics. */
export interface ModelRecord {
  readonly id: string;
  /** 64 lowercase hex digits. */
  readonly fileSha256: string;
  readonly manifest: Readonly<Record<string, unknown>>;
  /** Metrics it was validated on; null before validation. */
  readonly validation: Readonly<Record<string, unknown>> | null;
  readonly createdAt: Micros;
}

/**
 * What the fills of one period did, and what the position snapshots say was realized in it.
 * Money in Cash (1e-8 USDT), sizes in lots, slippage in ticks; every integer exact.
 */
export interface PnlFigures {
  /**
   * Realized PnL gross of fees, from the position snapshots (the position logic's own figure, not
   * recomputed from the fills): for a day, the run's last snapshot of the day minus its last snapshot
   * before the day (0 before the first); for a run, its last snapshot. Summed over runs where a
   * period covers several. 0 where the run recorded no position snapshots.
   */
  readonly realizedPnl: Cash;
  /** Fees of the period's fills; rebates count negative. */
  readonly fees: Cash;
  /** Lots traded: the sum of the fills' sizes. */
  readonly volume: Lots;
  readonly fills: number;
  /** The fills with an arrival mid, over which slippage is taken. */
  readonly slippageFills: number;
  /**
   * The sum over those fills of their slippage in ticks, one term a fill whatever its size:
   * price - arrival mid for a Buy, arrival mid - price for a Sell, so positive means paid worse.
   */
  readonly totalSlippage: number;
  /** totalSlippage / slippageFills, ticks (not an integer); null without such fills. */
  readonly meanSlippage: number | null;
}

/** The figures of one UTC day, by the venue time of each fill and snapshot. */
export interface DailyPnl extends PnlFigures {
  /** Midnight UTC starting the day, µs since the Unix epoch. */
  readonly dayStart: Micros;
}

/** The figures of one whole run. */
export interface RunPnl extends PnlFigures {
  readonly runId: string;
}

/** One order as far as the store knows it; empty (null order, no events, no fills) for an unknown one. */
export interface OrderLifecycle {
  /** The order's latest state; null when it was never written (a fill can still name it). */
  readonly order: Order | null;
  /** Every event applied to it, in seq order. */
  readonly events: readonly OrderEventRecord[];
  /** Its fills in venue time order, then by trade id. */
  readonly fills: readonly FillRecord[];
}

/**
 * Rows to append, by kind. The arrays after `featureVectors` may be absent, meaning none: a run
 * that does not record market data or positions leaves them out.
 */
export interface StoreBatch {
  readonly signals: readonly SignalRecord[];
  readonly orders: readonly OrderRecord[];
  readonly fills: readonly FillRecord[];
  readonly featureVectors: readonly FeatureVectorRecord[];
  readonly bookSnapshots?: readonly BookSnapshotRecord[];
  readonly trades?: readonly PublicTradeRecord[];
  readonly orderEvents?: readonly OrderEventRecord[];
  readonly positionSnapshots?: readonly PositionSnapshotRecord[];
  readonly equity?: readonly EquityRecord[];
  readonly riskEvents?: readonly RiskEventRecord[];
  readonly feedQuality?: readonly FeedQualityRecord[];
}

/** The name of a row's array in a `StoreBatch`: `'signals'`, `'featureVectors'`, … */
export type RowKind = keyof StoreBatch;

/** A row the store refused, and why. */
export interface RowRejection {
  readonly kind: RowKind;
  /** Which row: `run/seq`, `run/order id` or `run/trade id`. */
  readonly key: string;
  /** The record's field at fault, e.g. `vector.values[3]` or `fill.qty`; the column for a database refusal. */
  readonly field: string;
  readonly reason: string;
}

export interface WriteOutcome {
  /** Rows left out of the batch, in batch order; empty when every row was written. */
  readonly rejected: readonly RowRejection[];
}

export interface RowCounts {
  readonly signals: number;
  readonly orders: number;
  readonly fills: number;
  readonly featureVectors: number;
  readonly bookSnapshots: number;
  readonly trades: number;
  readonly orderEvents: number;
  readonly positionSnapshots: number;
  readonly equity: number;
  readonly riskEvents: number;
  readonly feedQuality: number;
}

/**
 * Durable record of runs, signals, orders and their events, fills, feature vectors, book snapshots,
 * public trades, positions, equity and the risk manager's decisions, with the instruments, feature
 * schemas and models they name:
 * Postgres or embedded PGlite.
 * Ticks, lots and cash are stored as exact integers and come back as exactly the numbers written;
 * feature values are stored as 64-bit floats and come back bit for bit. Every method
 * rejects with an error naming the operation when the database fails; callers buffer and retry.
 */
export interface TradingStore {
  /** Brings the schema up to date; returns the names of the migrations it applied. */
  migrate(): Promise<readonly string[]>;
  startRun(run: RunRecord): Promise<void>;
  /**
   * Writes one batch in one transaction. Rows the store refuses (a feature value that is not
   * finite, an integer beyond 2^53 - 1, a negative size or time, a seq that is not a positive
   * integer, a row naming an unknown run, and a row the database itself refuses as bad data, SQLSTATE
   * class 22 or 23, found by writing the batch again row by row) are left out and returned in
   * `rejected`; the rest of the batch is written. Appended rows already stored under the same key
   * are skipped and orders are upserted by (run, id), so writing a batch again after a lost commit
   * acknowledgement stores nothing twice. Rejects, writing nothing, only when the database fails
   * otherwise (connection lost, timeout, a trigger's exception): the caller retries the batch.
   */
  write(batch: StoreBatch): Promise<WriteOutcome>;
  finishRun(runId: string, end: RunEnd): Promise<void>;
  readRun(runId: string): Promise<StoredRun | null>;
  /** Runs not finished (no end time), oldest first: those under way, and those a dead process left open. */
  readOpenRuns(): Promise<readonly StoredRun[]>;
  readSignals(runId: string): Promise<readonly SignalRecord[]>;
  readOrders(runId: string): Promise<readonly Order[]>;
  readFills(runId: string): Promise<readonly FillRecord[]>;
  /** The run's feature vectors in seq order; empty for an unknown run. */
  readFeatureVectors(runId: string): Promise<readonly FeatureVectorRecord[]>;
  rowCounts(runId: string): Promise<RowCounts>;
  /**
   * Records an instrument's grid the first time its symbol is seen; registering it again changes
   * nothing. `startRun` registers the run's instrument itself.
   */
  registerInstrument(spec: InstrumentSpec, seenAt: Micros): Promise<void>;
  readInstrument(symbol: string): Promise<StoredInstrument | null>;
  /**
   * Records a feature schema's names and versions under its id; registering it again changes
   * nothing. A vector whose schema was never registered is still written, its schema kept with
   * empty names until it is registered (as for vectors stored before schemas were).
   */
  registerFeatureSchema(schema: FeatureSchema, registeredAt: Micros): Promise<void>;
  /** The schema under `id`, with empty names and versions when they are not known; null if none. */
  readFeatureSchema(id: string): Promise<FeatureSchema | null>;
  /** Records a model under its id; registering the id again changes nothing. */
  registerModel(model: ModelRecord): Promise<void>;
  readModel(id: string): Promise<ModelRecord | null>;
  /** The run's book snapshots in seq order. */
  readBookSnapshots(runId: string): Promise<readonly BookSnapshotRecord[]>;
  /** The run's public trades in venue time order, then by trade id. */
  readTrades(runId: string): Promise<readonly PublicTradeRecord[]>;
  /** The run's order events by order id, then seq. */
  readOrderEvents(runId: string): Promise<readonly OrderEventRecord[]>;
  /** The run's position snapshots in seq order. */
  readPositionSnapshots(runId: string): Promise<readonly PositionSnapshotRecord[]>;
  /** The run's equity records by interval start. */
  readEquity(runId: string): Promise<readonly EquityRecord[]>;
  /** The run's risk decisions in seq order; empty for an unknown run. */
  readRiskEvents(runId: string): Promise<readonly RiskEventRecord[]>;
  /** The run's scored feed minutes by start; empty for an unknown run or one from before the score was stored. */
  readFeedQuality(runId: string): Promise<readonly FeedQualityRecord[]>;
  /**
   * The run's newest `n` feature vectors (a non-negative integer), newest (highest seq) first, values
   * bit for bit; fewer when the run has fewer, empty for an unknown run.
   */
  latestFeatureVectors(runId: string, n: number): Promise<readonly FeatureVectorRecord[]>;
  /** The run's signals with `from <= signal.ts < to` (µs, venue time), in seq order. */
  readSignalsBetween(runId: string, from: Micros, to: Micros): Promise<readonly SignalRecord[]>;
  /** The run's fills with `from <= fill.ts < to` (µs, venue time), by time, then trade id. */
  readFillsBetween(runId: string, from: Micros, to: Micros): Promise<readonly FillRecord[]>;
  /**
   * PnL, fees, volume and slippage per UTC day (see `PnlFigures`), of one run or, for null, of
   * every run summed; oldest day first, only days with a fill or a position snapshot.
   */
  pnlByDay(runId: string | null): Promise<readonly DailyPnl[]>;
  /**
   * The same figures per run, for every run (by start time, then id; a run without fills has
   * zeros) or, given an id, for that run alone (empty when it is unknown).
   */
  pnlByRun(runId?: string): Promise<readonly RunPnl[]>;
  /** One order's latest state, events and fills. */
  orderLifecycle(runId: string, orderId: string): Promise<OrderLifecycle>;
  close(): Promise<void>;
}
