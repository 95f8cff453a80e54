import { sql, type Kysely } from 'kysely';

/*
 * Runs, signals, orders and fills. Frozen: a later change is a new migration.
 *
 * Units: *_ticks are integer price ticks, *_lots integer quantity lots, fee_cash integer 1e-8 USDT
 * (negative for a maker rebate), *_us integer microseconds since the Unix epoch, all `bigint` so
 * they are exact. The `timestamptz` columns of `runs` are derived from the `*_us` ones for people
 * reading the tables; the `*_us` columns are the record.
 */

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('runs')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('mode', 'text', (c) => c.notNull().check(sql`mode in ('paper', 'live', 'backtest')`))
    .addColumn('symbol', 'text', (c) => c.notNull())
    .addColumn('instrument', 'jsonb', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('venue', 'text', (c) => c.notNull())
    .addColumn('model_id', 'text', (c) => c.notNull())
    .addColumn('schema_id', 'text', (c) => c.notNull())
    .addColumn('config', 'jsonb', (c) => c.notNull())
    .addColumn('code_version', 'text', (c) => c.notNull())
    .addColumn('started_at_us', 'bigint', (c) => c.notNull())
    .addColumn('ended_at_us', 'bigint')
    .addColumn('summary', 'jsonb')
    .addColumn('started_at', 'timestamptz', (c) =>
      c.generatedAlwaysAs(sql`to_timestamp(started_at_us::double precision / 1000000)`).stored(),
    )
    .addColumn('ended_at', 'timestamptz', (c) =>
      c.generatedAlwaysAs(sql`to_timestamp(ended_at_us::double precision / 1000000)`).stored(),
    )
    .execute();

  await db.schema
    .createTable('signals')
    .addColumn('run_id', 'text', (c) => c.notNull().references('runs.id').onDelete('cascade'))
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('ts_us', 'bigint', (c) => c.notNull())
    .addColumn('score', 'double precision', (c) => c.notNull())
    .addColumn('confidence', 'double precision', (c) => c.notNull())
    .addColumn('horizon_ms', 'integer', (c) => c.notNull())
    .addColumn('model_id', 'text', (c) => c.notNull())
    .addColumn('schema_id', 'text', (c) => c.notNull())
    .addColumn('mid_ticks', 'bigint')
    .addColumn('acted', 'boolean', (c) => c.notNull())
    .addPrimaryKeyConstraint('signals_pk', ['run_id', 'seq'])
    .execute();
  await db.schema.createIndex('signals_run_ts').on('signals').columns(['run_id', 'ts_us']).execute();

  await db.schema
    .createTable('orders')
    .addColumn('run_id', 'text', (c) => c.notNull().references('runs.id').onDelete('cascade'))
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('symbol', 'text', (c) => c.notNull())
    .addColumn('side', 'text', (c) => c.notNull().check(sql`side in ('Buy', 'Sell')`))
    .addColumn('type', 'text', (c) => c.notNull().check(sql`type in ('market', 'limit')`))
    .addColumn('qty_lots', 'bigint', (c) => c.notNull())
    .addColumn('limit_price_ticks', 'bigint')
    .addColumn('reduce_only', 'boolean', (c) => c.notNull())
    .addColumn('status', 'text', (c) =>
      c
        .notNull()
        .check(sql`status in ('new', 'submitted', 'accepted', 'partially_filled', 'filled', 'canceled', 'rejected')`),
    )
    .addColumn('filled_lots', 'bigint', (c) => c.notNull())
    .addColumn('venue_order_id', 'text')
    .addColumn('created_at_us', 'bigint', (c) => c.notNull())
    .addColumn('updated_at_us', 'bigint', (c) => c.notNull())
    .addColumn('reason', 'text')
    .addPrimaryKeyConstraint('orders_pk', ['run_id', 'id'])
    .execute();
  await db.schema.createIndex('orders_run_created').on('orders').columns(['run_id', 'created_at_us']).execute();

  // No foreign key from a fill to its order: a venue can report a fill for an order this run did
  // not record (one placed by hand on the account, or before a restart).
  await db.schema
    .createTable('fills')
    .addColumn('run_id', 'text', (c) => c.notNull().references('runs.id').onDelete('cascade'))
    .addColumn('trade_id', 'text', (c) => c.notNull())
    .addColumn('order_id', 'text', (c) => c.notNull())
    .addColumn('symbol', 'text', (c) => c.notNull())
    .addColumn('side', 'text', (c) => c.notNull().check(sql`side in ('Buy', 'Sell')`))
    .addColumn('price_ticks', 'bigint', (c) => c.notNull())
    .addColumn('qty_lots', 'bigint', (c) => c.notNull())
    .addColumn('fee_cash', 'bigint', (c) => c.notNull())
    .addColumn('liquidity', 'text', (c) => c.notNull().check(sql`liquidity in ('maker', 'taker')`))
    .addColumn('ts_us', 'bigint', (c) => c.notNull())
    .addColumn('arrival_mid_ticks', 'bigint')
    .addPrimaryKeyConstraint('fills_pk', ['run_id', 'trade_id'])
    .execute();
  await db.schema.createIndex('fills_run_ts').on('fills').columns(['run_id', 'ts_us']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('fills').execute();
  await db.schema.dropTable('orders').execute();
  await db.schema.dropTable('signals').execute();
  await db.schema.dropTable('runs').execute();
}
