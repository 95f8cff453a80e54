import type { ColumnType, GeneratedAlways } from 'kysely';
import type { RiskEventKind, RunMode } from '../../application/ports/trading-store.ts';
import type { BreakerState } from '../../domain/risk/circuit-breaker.ts';
import type { Fill } from '../../domain/trading/fill.ts';
import type { TakerSide } from '../../domain/market/market-event.ts';
import type { Order, OrderEventKind } from '../../domain/trading/order.ts';
import type { Side } from '../../domain/trading/side.ts';

/**
 * Kysely's view of the tables of `migrations/0001-initial.ts`, `0002-feature-vectors.ts`,
 * `0003-market-and-ledger.ts` and `0005-risk-events.ts`.
 *
 * `bigint` columns are written from numbers and read as decimal text on both engines (the
 * connections are configured so), then converted with a check that the value is exact.
 * `jsonb` columns are written as JSON text and read parsed. `double precision[]` columns are
 * written as array literal text (see `float8ArrayLiteral` in rows.ts: the drivers' own array
 * serialisers turn -0 into 0) and read as arrays of numbers, which both engines parse exactly.
 * `bigint[]`, `integer[]` and `text[]` columns are written as array literal text too and read as
 * arrays whose int8 elements are text on one engine and numbers or bigints on the other; the
 * adapter checks each (see `exactIntegers` in ledger-rows.ts).
 */
type Int8 = ColumnType<string, number, number>;
type NullableInt8 = ColumnType<string | null, number | null, number | null>;
type Json = ColumnType<unknown, string, string>;
type NullableJson = ColumnType<unknown, string | null, string | null>;
type Float8Array = ColumnType<unknown, string, string>;
type ArrayLiteral = ColumnType<unknown, string, string>;

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
  end_reason: ColumnType<string | null, string | null | undefined, string | null>;
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
  /** price - arrival mid for a Buy, the negation for a Sell; null without an arrival mid. */
  slippage_ticks: GeneratedAlways<string | null>;
}

export interface FeatureVectorsTable {
  run_id: string;
  seq: Int8;
  ts_us: Int8;
  schema_id: string;
  values: Float8Array;
}

export interface InstrumentsTable {
  symbol: string;
  tick_size: string;
  lot_size: string;
  min_qty: string;
  first_seen_us: Int8;
}

export interface FeatureSchemasTable {
  schema_id: string;
  names: ArrayLiteral;
  versions: ArrayLiteral;
  created_at_us: Int8;
}

export interface BookSnapshotsTable {
  run_id: string;
  seq: Int8;
  ts_us: Int8;
  recv_us: Int8;
  bid_ticks: ArrayLiteral;
  bid_lots: ArrayLiteral;
  ask_ticks: ArrayLiteral;
  ask_lots: ArrayLiteral;
}

export interface PublicTradesTable {
  run_id: string;
  trade_id: string;
  ts_us: Int8;
  recv_us: Int8;
  price_ticks: Int8;
  qty_lots: Int8;
  taker_side: TakerSide;
  block_trade: boolean;
}

export interface OrderEventsTable {
  run_id: string;
  order_id: string;
  seq: number;
  ts_us: Int8;
  kind: OrderEventKind;
  status: Order['status'];
  filled_lots: Int8;
  detail: Json;
}

export interface PositionSnapshotsTable {
  run_id: string;
  seq: Int8;
  ts_us: Int8;
  qty_lots: Int8;
  cost_cash: Int8;
  realized_cash: Int8;
  fees_cash: Int8;
  mark_ticks: NullableInt8;
  unrealized_cash: NullableInt8;
}

export interface EquityTable {
  run_id: string;
  interval_start_us: Int8;
  interval_us: Int8;
  equity_cash: Int8;
  realized_cash: Int8;
  unrealized_cash: Int8;
  fees_cash: Int8;
  volume_lots: Int8;
  fills: number;
}

export interface RiskEventsTable {
  run_id: string;
  seq: Int8;
  ts_us: Int8;
  state: BreakerState;
  kind: RiskEventKind;
  cause: string;
  reason: string;
  /** Since 0007. */
  last_ts_us: Int8;
  /** Since 0007; 1 for older rows. */
  count: ColumnType<string, string | number | undefined, string | number>;
}

/** Since 0009. */
export interface FeedQualityTable {
  run_id: string;
  start_us: Int8;
  window_us: Int8;
  score: number;
  not_live_us: Int8;
  gaps: number;
  crossed: number;
  resyncs: number;
  stale_periods: number;
  malformed: number;
  ticker_mismatches: number;
  latency_p99_us: NullableInt8;
}

export interface ModelsTable {
  id: string;
  file_sha256: string;
  manifest: Json;
  validation: NullableJson;
  created_at_us: Int8;
}

export interface Database {
  runs: RunsTable;
  signals: SignalsTable;
  orders: OrdersTable;
  fills: FillsTable;
  feature_vectors: FeatureVectorsTable;
  instruments: InstrumentsTable;
  feature_schemas: FeatureSchemasTable;
  book_snapshots: BookSnapshotsTable;
  public_trades: PublicTradesTable;
  order_events: OrderEventsTable;
  position_snapshots: PositionSnapshotsTable;
  equity: EquityTable;
  risk_events: RiskEventsTable;
  feed_quality: FeedQualityTable;
  models: ModelsTable;
}
