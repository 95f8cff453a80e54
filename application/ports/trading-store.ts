import type { FeatureVector } from '../../domain/features/feature-vector.ts';
import type { Fill } from '../../domain/trading/fill.ts';
import type { Order } from '../../domain/trading/order.ts';
import type { Signal } from '../../domain/trading/signal.ts';
import type { InstrumentSpec } from '../../domain/values/instrument.ts';
import type { Micros, Ticks } from '../../domain/values/units.ts';

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

export interface RunEnd {
  readonly endedAt: Micros;
  readonly summary: Readonly<Record<string, unknown>>;
}

export interface StoredRun extends RunRecord {
  readonly endedAt: Micros | null;
  readonly summary: Readonly<Record<string, unknown>> | null;
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
 * an infinity, naming the run, seq and feature index, rather than keep a value no model was fed.
 * The values come back bit for bit, -0 included. The record holds the vector's array, not a copy:
 * nothing may change it once it is handed over.
 */
export interface FeatureVectorRecord {
  readonly runId: string;
  /** 1, 2, 3, … within the run. */
  readonly seq: number;
  readonly vector: FeatureVector;
}

export interface StoreBatch {
  readonly signals: readonly SignalRecord[];
  readonly orders: readonly OrderRecord[];
  readonly fills: readonly FillRecord[];
  readonly featureVectors: readonly FeatureVectorRecord[];
}

export interface RowCounts {
  readonly signals: number;
  readonly orders: number;
  readonly fills: number;
  readonly featureVectors: number;
}

/**
 * Durable record of runs, signals, orders, fills and feature vectors: Postgres or embedded PGlite.
 * Ticks, lots and cash are stored as exact integers and come back as exactly the numbers written;
 * feature values are stored as 64-bit floats and come back bit for bit. Every method
 * rejects with an error naming the operation when the database fails; callers buffer and retry.
 */
export interface TradingStore {
  /** Brings the schema up to date; returns the names of the migrations it applied. */
  migrate(): Promise<readonly string[]>;
  startRun(run: RunRecord): Promise<void>;
  /**
   * Writes one batch in one transaction: all of it or none. Orders are upserted by (run, id).
   * Rejects the whole batch for a duplicate (run, seq) or trade id, an inexact integer, or a
   * feature value that is not finite.
   */
  write(batch: StoreBatch): Promise<void>;
  finishRun(runId: string, end: RunEnd): Promise<void>;
  readRun(runId: string): Promise<StoredRun | null>;
  readSignals(runId: string): Promise<readonly SignalRecord[]>;
  readOrders(runId: string): Promise<readonly Order[]>;
  readFills(runId: string): Promise<readonly FillRecord[]>;
  /** The run's feature vectors in seq order; empty for an unknown run. */
  readFeatureVectors(runId: string): Promise<readonly FeatureVectorRecord[]>;
  rowCounts(runId: string): Promise<RowCounts>;
  close(): Promise<void>;
}
