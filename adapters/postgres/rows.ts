import type { Insertable, Selectable } from 'kysely';
import type { FillRecord, OrderRecord, RunEndReason, RunRecord, SignalRecord, StoredRun } from '../../application/ports/trading-store.ts';
import type { Order } from '../../domain/trading/order.ts';
import type { InstrumentSpec } from '../../domain/values/instrument.ts';
import type { Cash, Lots, Micros, Ticks } from '../../domain/values/units.ts';
import { RowFieldError, checkedInt4 } from './row-checks.ts';
import type { FillsTable, OrdersTable, RunsTable, SignalsTable } from './schema.ts';

/**
 * Converts an int8 read as decimal text to a number. Every integer the store writes is a safe
 * integer, so a value outside ±(2^53 - 1) means the table was written by something else: a broken
 * invariant, thrown rather than rounded.
 */
export function exactInteger(text: string, column: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value)) throw new RangeError(`${column} = ${text} is not an exact integer in a number`);
  return value;
}

const nullableInteger = (text: string | null, column: string): number | null =>
  text === null ? null : exactInteger(text, column);

/**
 * Throws a `RowFieldError` naming the field for a value that a bigint column would round or
 * reject, or that is below `min` (0 for a time or a size, 1 for a price or a seq).
 */
export function assertInteger(value: number, field: string, min = Number.MIN_SAFE_INTEGER): number {
  if (!Number.isSafeInteger(value)) throw new RowFieldError(field, `= ${value} is not a safe integer`);
  if (value < min) throw new RowFieldError(field, `= ${value} is below ${min}`);
  return value;
}

/** Throws a `RowFieldError` for NaN or an infinity: a double column would keep it, no reader expects it. */
export function assertFinite(value: number, field: string): number {
  if (!Number.isFinite(value)) throw new RowFieldError(field, `is ${value}, not a finite number`);
  return value;
}

function jsonObject(value: unknown, column: string): Readonly<Record<string, unknown>> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TypeError(`${column} is not a JSON object`);
  }
  return value as Record<string, unknown>;
}

export const runToRow = (run: RunRecord): Insertable<RunsTable> => ({
  id: run.id,
  mode: run.mode,
  symbol: run.instrument.symbol,
  instrument: JSON.stringify(run.instrument),
  source: run.source,
  venue: run.venue,
  model_id: run.modelId,
  schema_id: run.schemaId,
  config: JSON.stringify(run.config),
  code_version: run.codeVersion,
  started_at_us: assertInteger(run.startedAt, 'startedAt'),
});

export type RunRow = Pick<
  Selectable<RunsTable>,
  | 'id' | 'mode' | 'instrument' | 'source' | 'venue' | 'model_id' | 'schema_id' | 'config' | 'code_version'
  | 'started_at_us' | 'ended_at_us' | 'summary'
> & { readonly end_reason?: string | null };

export function runFromRow(row: RunRow): StoredRun {
  const instrument = jsonObject(row.instrument, 'runs.instrument') as unknown as InstrumentSpec;
  return {
    id: row.id,
    mode: row.mode,
    instrument,
    source: row.source,
    venue: row.venue,
    modelId: row.model_id,
    schemaId: row.schema_id,
    config: jsonObject(row.config, 'runs.config'),
    codeVersion: row.code_version,
    startedAt: exactInteger(row.started_at_us, 'runs.started_at_us') as Micros,
    endedAt: nullableInteger(row.ended_at_us, 'runs.ended_at_us') as Micros | null,
    summary: row.summary === null ? null : jsonObject(row.summary, 'runs.summary'),
    endReason: (row.end_reason ?? null) as RunEndReason | null,
  };
}

export const signalToRow = ({ runId, seq, signal, midTicks, acted }: SignalRecord): Insertable<SignalsTable> => ({
  run_id: runId,
  seq: checkedInt4(seq, 'seq', 1),
  ts_us: assertInteger(signal.ts, 'signal.ts', 0),
  score: assertFinite(signal.score, 'signal.score'),
  confidence: assertFinite(signal.confidence, 'signal.confidence'),
  horizon_ms: checkedInt4(signal.horizonMs, 'signal.horizonMs', 1),
  model_id: signal.modelId,
  schema_id: signal.schemaId,
  mid_ticks: midTicks === null ? null : assertInteger(midTicks, 'midTicks', 1),
  acted,
});

export const signalFromRow = (row: Selectable<SignalsTable>): SignalRecord => ({
  runId: row.run_id,
  seq: row.seq,
  signal: {
    ts: exactInteger(row.ts_us, 'signals.ts_us') as Micros,
    score: row.score,
    confidence: row.confidence,
    horizonMs: row.horizon_ms,
    modelId: row.model_id,
    schemaId: row.schema_id,
  },
  midTicks: nullableInteger(row.mid_ticks, 'signals.mid_ticks') as Ticks | null,
  acted: row.acted,
});

export const orderToRow = ({ runId, order }: OrderRecord): Insertable<OrdersTable> => ({
  run_id: runId,
  id: order.id,
  symbol: order.symbol,
  side: order.side,
  type: order.type,
  qty_lots: assertInteger(order.qty, 'order.qty', 1),
  limit_price_ticks: order.limitPrice === null ? null : assertInteger(order.limitPrice, 'order.limitPrice', 1),
  reduce_only: order.reduceOnly,
  status: order.status,
  filled_lots: assertInteger(order.filledQty, 'order.filledQty', 0),
  venue_order_id: order.venueOrderId,
  created_at_us: assertInteger(order.createdAt, 'order.createdAt', 0),
  updated_at_us: assertInteger(order.updatedAt, 'order.updatedAt', 0),
  reason: order.reason,
});

export const orderFromRow = (row: Selectable<OrdersTable>): Order => ({
  id: row.id,
  symbol: row.symbol,
  side: row.side,
  type: row.type,
  qty: exactInteger(row.qty_lots, 'orders.qty_lots') as Lots,
  limitPrice: nullableInteger(row.limit_price_ticks, 'orders.limit_price_ticks') as Ticks | null,
  reduceOnly: row.reduce_only,
  status: row.status,
  filledQty: exactInteger(row.filled_lots, 'orders.filled_lots') as Lots,
  venueOrderId: row.venue_order_id,
  createdAt: exactInteger(row.created_at_us, 'orders.created_at_us') as Micros,
  updatedAt: exactInteger(row.updated_at_us, 'orders.updated_at_us') as Micros,
  reason: row.reason,
});

export const fillToRow = ({ runId, fill, arrivalMidTicks }: FillRecord): Insertable<FillsTable> => ({
  run_id: runId,
  trade_id: fill.tradeId,
  order_id: fill.orderId,
  symbol: fill.symbol,
  side: fill.side,
  price_ticks: assertInteger(fill.price, 'fill.price', 1),
  qty_lots: assertInteger(fill.qty, 'fill.qty', 1),
  fee_cash: assertInteger(fill.fee, 'fill.fee'),
  liquidity: fill.liquidity,
  ts_us: assertInteger(fill.ts, 'fill.ts', 0),
  arrival_mid_ticks: arrivalMidTicks === null ? null : assertInteger(arrivalMidTicks, 'arrivalMidTicks', 1),
});

export const fillFromRow = (row: Selectable<FillsTable>): FillRecord => ({
  runId: row.run_id,
  fill: {
    tradeId: row.trade_id,
    orderId: row.order_id,
    symbol: row.symbol,
    side: row.side,
    price: exactInteger(row.price_ticks, 'fills.price_ticks') as Ticks,
    qty: exactInteger(row.qty_lots, 'fills.qty_lots') as Lots,
    fee: exactInteger(row.fee_cash, 'fills.fee_cash') as Cash,
    liquidity: row.liquidity,
    ts: exactInteger(row.ts_us, 'fills.ts_us') as Micros,
  },
  arrivalMidTicks: nullableInteger(row.arrival_mid_ticks, 'fills.arrival_mid_ticks') as Ticks | null,
});
