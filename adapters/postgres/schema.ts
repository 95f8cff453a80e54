import type { ColumnType, GeneratedAlways } from 'kysely';
import type { RunMode } from '../../application/ports/trading-store.ts';
import type { Fill } from '../../domain/trading/fill.ts';
import type { Order } from '../../domain/trading/order.ts';
import type { Side } from '../../domain/trading/side.ts';

/**
 * Kysely's view of the tables of `migrations/0001-initial.ts` and `0002-feature-vectors.ts`.
 *
 * `bigint` columns are written from numbers and read as decimal text on both engines (the
 * connections are configured so), then converted with a check that the value is exact.
 * `jsonb` columns are written as JSON text and read parsed. `double precision[]` columns are
 * written as array literal text (see `float8ArrayLiteral` in rows.ts: the drivers' own array
 * serialisers turn -0 into 0) and read as arrays of numbers, which both engines parse exactly.
 */
type Int8 = ColumnType<string, number, number>;
type NullableInt8 = ColumnType<string | null, number | null, number | null>;
type Json = ColumnType<unknown, string, string>;
type NullableJson = ColumnType<unknown, string | null, string | null>;
type Float8Array = ColumnType<unknown, string, string>;

export interface RunsTable {
  id: string;
  mode: RunMode;
  symbol: string;
  instrument: Json;
  source: string;
  venue: string;
  model_id: string;
  schema_id: string;
  config: Json;
  code_version: string;
  started_at_us: Int8;
  ended_at_us: NullableInt8;
  summary: NullableJson;
  started_at: GeneratedAlways<Date>;
  ended_at: GeneratedAlways<Date | null>;
}

export interface SignalsTable {
  run_id: string;
  seq: number;
  ts_us: Int8;
  score: number;
  confidence: number;
  horizon_ms: number;
  model_id: string;
  schema_id: string;
  mid_ticks: NullableInt8;
  acted: boolean;
}

export interface OrdersTable {
  run_id: string;
  id: string;
  symbol: string;
  side: Side;
  type: Order['type'];
  qty_lots: Int8;
  limit_price_ticks: NullableInt8;
  reduce_only: boolean;
  status: Order['status'];
  filled_lots: Int8;
  venue_order_id: string | null;
  created_at_us: Int8;
  updated_at_us: Int8;
  reason: string | null;
}

export interface FillsTable {
  run_id: string;
  trade_id: string;
  order_id: string;
  symbol: string;
  side: Side;
  price_ticks: Int8;
  qty_lots: Int8;
  fee_cash: Int8;
  liquidity: Fill['liquidity'];
  ts_us: Int8;
  arrival_mid_ticks: NullableInt8;
}

export interface FeatureVectorsTable {
  run_id: string;
  seq: Int8;
  ts_us: Int8;
  schema_id: string;
  values: Float8Array;
}

export interface Database {
  runs: RunsTable;
  signals: SignalsTable;
  orders: OrdersTable;
  fills: FillsTable;
  feature_vectors: FeatureVectorsTable;
}
