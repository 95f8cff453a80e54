import { sql, type Kysely } from 'kysely';

/*
 * The rest of the record of a run: the instruments and feature schemas the runs name, the market
 * data a run saw (book snapshots, public trades), every order event, position snapshots, equity per
 * interval and the models. Fills gain their slippage. Frozen: a later change is a new migration.
 *
 * Units, as in 0001: *_ticks integer price ticks, *_lots integer lots, *_cash integer 1e-8 USDT,
 * *_us integer microseconds (a point in time since the Unix epoch, or a duration), all `bigint`.
 * Every append table has a primary key on the run and the row's own key, so a retried batch written
 * with `on conflict do nothing` cannot store a row twice.
 *
 * Every statement here runs on a Postgres server and on PGlite (Postgres 17 in WASM), including the
 * BRIN indexes and the stored generated column.
 */

/** The tables this migration reads to backfill, as they were when it was written. */
interface Before {
  runs: { symbol: string; instrument: unknown; schema_id: string; started_at_us: string };
  feature_vectors: { schema_id: string; ts_us: string };
  instruments: { symbol: string; tick_size: string; lot_size: string; min_qty: string; first_seen_us: string };
  feature_schemas: { schema_id: string; names: string; versions: string; created_at_us: string };
}

export async function up(untyped: Kysely<unknown>): Promise<void> {
  const db = untyped as Kysely<Before>;

  // Instruments: the grid as the exchange writes it, so that ticks and lots can be read back as prices.
  await db.schema
    .createTable('instruments')
    .addColumn('symbol', 'text', (c) => c.primaryKey())
    .addColumn('tick_size', 'text', (c) => c.notNull())
    .addColumn('lot_size', 'text', (c) => c.notNull())
    .addColumn('min_qty', 'text', (c) => c.notNull())
    .addColumn('first_seen_us', 'bigint', (c) => c.notNull())
    .execute();
  // One row a symbol already run, with the grid of its earliest run (runs.instrument holds an
  // InstrumentSpec: symbol, tickSize, lotSize, minQty).
  await db
    .insertInto('instruments')
    .columns(['symbol', 'tick_size', 'lot_size', 'min_qty', 'first_seen_us'])
    .expression(
      db
        .selectFrom('runs')
        .distinctOn('symbol')
        .select([
          'symbol',
          sql<string>`instrument ->> 'tickSize'`.as('tick_size'),
          sql<string>`instrument ->> 'lotSize'`.as('lot_size'),
          sql<string>`instrument ->> 'minQty'`.as('min_qty'),
          'started_at_us',
        ])
        .orderBy('symbol')
        .orderBy('started_at_us'),
    )
    .execute();
  await db.schema
    .alterTable('runs')
    .addForeignKeyConstraint('runs_symbol_fk', ['symbol'], 'instruments', ['symbol'])
    .execute();

  // Feature schemas: the names and definition versions of a schema id, once, instead of in every vector.
  await db.schema
    .createTable('feature_schemas')
    .addColumn('schema_id', 'text', (c) => c.primaryKey())
    .addColumn('names', sql`text[]`, (c) => c.notNull())
    .addColumn('versions', sql`integer[]`, (c) => c.notNull())
    .addColumn('created_at_us', 'bigint', (c) => c.notNull())
    .addCheckConstraint('feature_schemas_lengths', sql`cardinality(names) = cardinality(versions)`)
    .execute();
  // A legacy row for every schema id already stored: before this migration the names were kept only
  // in the run's config, so they are unknown here and the arrays are empty. Registering the schema
  // later fills them in (see registerFeatureSchema).
  await db
    .insertInto('feature_schemas')
    .columns(['schema_id', 'names', 'versions', 'created_at_us'])
    .expression(
      db
        .selectFrom(
          db
            .selectFrom('feature_vectors')
            .select(['schema_id', 'ts_us as at_us'])
            .unionAll(db.selectFrom('runs').select(['schema_id', 'started_at_us as at_us']))
            .as('seen'),
        )
        .select(['schema_id', sql<string>`'{}'::text[]`.as('names'), sql<string>`'{}'::integer[]`.as('versions')])
        .select((eb) => eb.fn.min('at_us').as('created_at_us'))
        .groupBy('schema_id'),
    )
    .execute();
  await db.schema
    .alterTable('feature_vectors')
    .addForeignKeyConstraint('feature_vectors_schema_fk', ['schema_id'], 'feature_schemas', ['schema_id'])
    .execute();
  // The read path takes the latest vectors of a run through the primary key (run_id, seq) read
  // backwards; BRIN on the venue time serves scans by time at a few pages per thousand of rows.
  await db.schema.createIndex('feature_vectors_ts_brin').on('feature_vectors').using('brin').column('ts_us').execute();

  // The top levels of the book, best first (bids descending, asks ascending), at the run's cadence.
  await db.schema
    .createTable('book_snapshots')
    .addColumn('run_id', 'text', (c) => c.notNull().references('runs.id').onDelete('cascade'))
    .addColumn('seq', 'bigint', (c) => c.notNull())
    .addColumn('ts_us', 'bigint', (c) => c.notNull())
    .addColumn('recv_us', 'bigint', (c) => c.notNull())
    .addColumn('bid_ticks', sql`bigint[]`, (c) => c.notNull())
    .addColumn('bid_lots', sql`bigint[]`, (c) => c.notNull())
    .addColumn('ask_ticks', sql`bigint[]`, (c) => c.notNull())
    .addColumn('ask_lots', sql`bigint[]`, (c) => c.notNull())
    .addPrimaryKeyConstraint('book_snapshots_pk', ['run_id', 'seq'])
    .addCheckConstraint(
      'book_snapshots_pairs',
      sql`cardinality(bid_ticks) = cardinality(bid_lots) and cardinality(ask_ticks) = cardinality(ask_lots)`,
    )
    .execute();
  await db.schema.createIndex('book_snapshots_ts_brin').on('book_snapshots').using('brin').column('ts_us').execute();

  // Public trades on the instrument: the venue's trade id is unique per symbol, and a run has one symbol.
  await db.schema
    .createTable('public_trades')
    .addColumn('run_id', 'text', (c) => c.notNull().references('runs.id').onDelete('cascade'))
    .addColumn('trade_id', 'text', (c) => c.notNull())
    .addColumn('ts_us', 'bigint', (c) => c.notNull())
    .addColumn('recv_us', 'bigint', (c) => c.notNull())
    .addColumn('price_ticks', 'bigint', (c) => c.notNull())
    .addColumn('qty_lots', 'bigint', (c) => c.notNull().check(sql`qty_lots > 0`))
    .addColumn('taker_side', 'text', (c) => c.notNull().check(sql`taker_side in ('Buy', 'Sell')`))
    .addColumn('block_trade', 'boolean', (c) => c.notNull())
    .addPrimaryKeyConstraint('public_trades_pk', ['run_id', 'trade_id'])
    .execute();
  await db.schema.createIndex('public_trades_run_ts').on('public_trades').columns(['run_id', 'ts_us']).execute();
  await db.schema.createIndex('public_trades_ts_brin').on('public_trades').using('brin').column('ts_us').execute();

  // Every event applied to an order (domain/trading/order.ts, ORDER_TRANSITIONS), with the status and
  // filled quantity it left; seq counts 1, 2, 3, … within the order. The primary key serves the
  // lifecycle of one order. detail holds the event's own fields (venue order id, trade id and qty, reason).
  await db.schema
    .createTable('order_events')
    .addColumn('run_id', 'text', (c) => c.notNull().references('runs.id').onDelete('cascade'))
    .addColumn('order_id', 'text', (c) => c.notNull())
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('ts_us', 'bigint', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('submit', 'accept', 'fill', 'cancel', 'reject')`))
    .addColumn('status', 'text', (c) =>
      c
        .notNull()
        .check(sql`status in ('new', 'submitted', 'accepted', 'partially_filled', 'filled', 'canceled', 'rejected')`),
    )
    .addColumn('filled_lots', 'bigint', (c) => c.notNull())
    .addColumn('detail', 'jsonb', (c) => c.notNull())
    .addPrimaryKeyConstraint('order_events_pk', ['run_id', 'order_id', 'seq'])
    .execute();

  // Positive slippage: the fill paid worse than the mid when the order was sent.
  await db.schema
    .alterTable('fills')
    .addColumn('slippage_ticks', 'bigint', (c) =>
      c
        .generatedAlwaysAs(
          sql`case when arrival_mid_ticks is null then null
            when side = 'Buy' then price_ticks - arrival_mid_ticks
            else arrival_mid_ticks - price_ticks end`,
        )
        .stored(),
    )
    .execute();

  // The position after a fill or at a mark: qty signed (long positive), cost the signed entry
  // notional of the open qty, realized gross of fees; mark and unrealized null without a mark.
  await db.schema
    .createTable('position_snapshots')
    .addColumn('run_id', 'text', (c) => c.notNull().references('runs.id').onDelete('cascade'))
    .addColumn('seq', 'bigint', (c) => c.notNull())
    .addColumn('ts_us', 'bigint', (c) => c.notNull())
    .addColumn('qty_lots', 'bigint', (c) => c.notNull())
    .addColumn('cost_cash', 'bigint', (c) => c.notNull())
    .addColumn('realized_cash', 'bigint', (c) => c.notNull())
    .addColumn('fees_cash', 'bigint', (c) => c.notNull())
    .addColumn('mark_ticks', 'bigint')
    .addColumn('unrealized_cash', 'bigint')
    .addPrimaryKeyConstraint('position_snapshots_pk', ['run_id', 'seq'])
    .execute();

  // Equity and performance per interval [interval_start_us, interval_start_us + interval_us): the
  // primary key serves PnL per interval, and per day by grouping, for a run.
  await db.schema
    .createTable('equity')
    .addColumn('run_id', 'text', (c) => c.notNull().references('runs.id').onDelete('cascade'))
    .addColumn('interval_start_us', 'bigint', (c) => c.notNull())
    .addColumn('interval_us', 'bigint', (c) => c.notNull().check(sql`interval_us > 0`))
    .addColumn('equity_cash', 'bigint', (c) => c.notNull())
    .addColumn('realized_cash', 'bigint', (c) => c.notNull())
    .addColumn('unrealized_cash', 'bigint', (c) => c.notNull())
    .addColumn('fees_cash', 'bigint', (c) => c.notNull())
    .addColumn('volume_lots', 'bigint', (c) => c.notNull().check(sql`volume_lots >= 0`))
    .addColumn('fills', 'integer', (c) => c.notNull().check(sql`fills >= 0`))
    .addPrimaryKeyConstraint('equity_pk', ['run_id', 'interval_start_us'])
    .execute();

  // Models: the SHA-256 of the model file (64 lowercase hex digits), its manifest and the validation
  // metrics it was accepted on, if any.
  await db.schema
    .createTable('models')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('file_sha256', 'text', (c) => c.notNull().check(sql`file_sha256 ~ '^[0-9a-f]{64}$'`))
    .addColumn('manifest', 'jsonb', (c) => c.notNull())
    .addColumn('validation', 'jsonb')
    .addColumn('created_at_us', 'bigint', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('models').execute();
  await db.schema.dropTable('equity').execute();
  await db.schema.dropTable('position_snapshots').execute();
  await db.schema.alterTable('fills').dropColumn('slippage_ticks').execute();
  await db.schema.dropTable('order_events').execute();
  await db.schema.dropTable('public_trades').execute();
  await db.schema.dropTable('book_snapshots').execute();
  await db.schema.dropIndex('feature_vectors_ts_brin').execute();
  await db.schema.alterTable('feature_vectors').dropConstraint('feature_vectors_schema_fk').execute();
  await db.schema.dropTable('feature_schemas').execute();
  await db.schema.alterTable('runs').dropConstraint('runs_symbol_fk').execute();
  await db.schema.dropTable('instruments').execute();
}
