import type { Kysely } from 'kysely';
import type {
  FeatureVectorRecord,
  FillRecord,
  OrderRecord,
  RowCounts,
  RunEnd,
  RunRecord,
  SignalRecord,
  StoreBatch,
  StoredRun,
  TradingStore,
} from '../../application/ports/trading-store.ts';
import type { Order } from '../../domain/trading/order.ts';
import { featureVectorFromRow, featureVectorToRow } from './feature-vector-rows.ts';
import { createMigrator } from './migrate.ts';
import {
  exactInteger,
  fillFromRow,
  fillToRow,
  orderFromRow,
  orderToRow,
  runFromRow,
  runToRow,
  signalFromRow,
  signalToRow,
} from './rows.ts';
import type { Database } from './schema.ts';

/** Postgres accepts at most 65535 bind parameters in one statement. */
const MAX_PARAMETERS = 65_535;
const SIGNAL_COLUMNS = 10;
const ORDER_COLUMNS = 14;
const FILL_COLUMNS = 11;
const FEATURE_VECTOR_COLUMNS = 5;

export interface KyselyStoreOptions {
  /** Postgres schema holding the tables; the connection's default (`public`) when absent. */
  readonly schema?: string;
}

/** The `TradingStore` over kysely: the same SQL on a Postgres server and on PGlite. */
export class KyselyStore implements TradingStore {
  readonly #root: Kysely<Database>;
  readonly #db: Kysely<Database>;
  readonly #schema: string | undefined;

  /** Takes ownership of `db`: `close()` destroys it. */
  constructor(db: Kysely<Database>, options: KyselyStoreOptions = {}) {
    this.#root = db;
    this.#schema = options.schema;
    this.#db = options.schema === undefined ? db : db.withSchema(options.schema);
  }

  migrate(): Promise<readonly string[]> {
    return this.#run('migrate', async () => {
      const { error, results } = await createMigrator(this.#root, this.#schema).migrateToLatest();
      if (error !== undefined) throw error instanceof Error ? error : new Error('migration failed', { cause: error });
      return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
    });
  }

  startRun(run: RunRecord): Promise<void> {
    return this.#run('startRun', async () => {
      await this.#db.insertInto('runs').values(runToRow(run)).execute();
    });
  }

  write(batch: StoreBatch): Promise<void> {
    return this.#run('write', () =>
      this.#db.transaction().execute(async (trx) => {
        for (const part of chunks(batch.signals, SIGNAL_COLUMNS)) {
          await trx.insertInto('signals').values(part.map(signalToRow)).execute();
        }
        for (const part of chunks(latestOrders(batch.orders), ORDER_COLUMNS)) {
          await trx
            .insertInto('orders')
            .values(part.map(orderToRow))
            .onConflict((oc) =>
              oc.columns(['run_id', 'id']).doUpdateSet((eb) => ({
                symbol: eb.ref('excluded.symbol'),
                side: eb.ref('excluded.side'),
                type: eb.ref('excluded.type'),
                qty_lots: eb.ref('excluded.qty_lots'),
                limit_price_ticks: eb.ref('excluded.limit_price_ticks'),
                reduce_only: eb.ref('excluded.reduce_only'),
                status: eb.ref('excluded.status'),
                filled_lots: eb.ref('excluded.filled_lots'),
                venue_order_id: eb.ref('excluded.venue_order_id'),
                created_at_us: eb.ref('excluded.created_at_us'),
                updated_at_us: eb.ref('excluded.updated_at_us'),
                reason: eb.ref('excluded.reason'),
              })),
            )
            .execute();
        }
        for (const part of chunks(batch.fills, FILL_COLUMNS)) {
          await trx.insertInto('fills').values(part.map(fillToRow)).execute();
        }
        for (const part of chunks(batch.featureVectors, FEATURE_VECTOR_COLUMNS)) {
          await trx.insertInto('feature_vectors').values(part.map(featureVectorToRow)).execute();
        }
      }),
    );
  }

  finishRun(runId: string, end: RunEnd): Promise<void> {
    return this.#run('finishRun', async () => {
      const result = await this.#db
        .updateTable('runs')
        .set({ ended_at_us: end.endedAt, summary: JSON.stringify(end.summary) })
        .where('id', '=', runId)
        .executeTakeFirst();
      if (result.numUpdatedRows === 0n) throw new Error(`no run "${runId}"`);
    });
  }

  readRun(runId: string): Promise<StoredRun | null> {
    return this.#run('readRun', async () => {
      const row = await this.#db
        .selectFrom('runs')
        .select([
          'id', 'mode', 'instrument', 'source', 'venue', 'model_id', 'schema_id', 'config', 'code_version',
          'started_at_us', 'ended_at_us', 'summary',
        ])
        .where('id', '=', runId)
        .executeTakeFirst();
      return row === undefined ? null : runFromRow(row);
    });
  }

  readSignals(runId: string): Promise<readonly SignalRecord[]> {
    return this.#run('readSignals', async () => {
      const rows = await this.#db.selectFrom('signals').selectAll().where('run_id', '=', runId).orderBy('seq').execute();
      return rows.map(signalFromRow);
    });
  }

  readOrders(runId: string): Promise<readonly Order[]> {
    return this.#run('readOrders', async () => {
      const rows = await this.#db
        .selectFrom('orders')
        .selectAll()
        .where('run_id', '=', runId)
        .orderBy('created_at_us')
        .orderBy('id')
        .execute();
      return rows.map(orderFromRow);
    });
  }

  readFills(runId: string): Promise<readonly FillRecord[]> {
    return this.#run('readFills', async () => {
      const rows = await this.#db
        .selectFrom('fills')
        .selectAll()
        .where('run_id', '=', runId)
        .orderBy('ts_us')
        .orderBy('trade_id')
        .execute();
      return rows.map(fillFromRow);
    });
  }

  readFeatureVectors(runId: string): Promise<readonly FeatureVectorRecord[]> {
    return this.#run('readFeatureVectors', async () => {
      const rows = await this.#db
        .selectFrom('feature_vectors')
        .selectAll()
        .where('run_id', '=', runId)
        .orderBy('seq')
        .execute();
      return rows.map(featureVectorFromRow);
    });
  }

  rowCounts(runId: string): Promise<RowCounts> {
    return this.#run('rowCounts', async () => {
      const count = (table: 'signals' | 'orders' | 'fills' | 'feature_vectors') =>
        this.#db.selectFrom(table).select((eb) => eb.fn.countAll<string>().as('n')).where('run_id', '=', runId);
      const row = await this.#db
        .selectNoFrom([
          count('signals').as('signals'),
          count('orders').as('orders'),
          count('fills').as('fills'),
          count('feature_vectors').as('feature_vectors'),
        ])
        .executeTakeFirstOrThrow();
      return {
        signals: exactInteger(String(row.signals), 'count(signals)'),
        orders: exactInteger(String(row.orders), 'count(orders)'),
        fills: exactInteger(String(row.fills), 'count(fills)'),
        featureVectors: exactInteger(String(row.feature_vectors), 'count(feature_vectors)'),
      };
    });
  }

  close(): Promise<void> {
    return this.#run('close', () => this.#root.destroy());
  }

  async #run<T>(operation: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (cause) {
      const message = cause instanceof Error ? cause.message : String(cause);
      throw new Error(`${operation} failed: ${message}`, { cause });
    }
  }
}

/** Splits rows into slices whose bind parameters stay under Postgres' limit. */
function* chunks<T>(rows: readonly T[], columns: number): Generator<readonly T[]> {
  const size = Math.floor(MAX_PARAMETERS / columns);
  for (let start = 0; start < rows.length; start += size) yield rows.slice(start, start + size);
}

/**
 * The last state of each order in the batch. One upsert statement cannot touch the same row twice
 * (Postgres: "ON CONFLICT DO UPDATE command cannot affect row a second time"), and an order often
 * changes state more than once between two writes.
 */
function latestOrders(orders: readonly OrderRecord[]): readonly OrderRecord[] {
  const latest = new Map<string, OrderRecord>();
  for (const record of orders) latest.set(`${record.runId}\u0000${record.order.id}`, record);
  return latest.size === orders.length ? orders : [...latest.values()];
}
