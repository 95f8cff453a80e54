import type { Kysely } from 'kysely';
import type {
  BookSnapshotRecord,
  DailyPnl,
  EquityRecord,
  FeatureVectorRecord,
  FillRecord,
  ModelRecord,
  OrderEventRecord,
  OrderLifecycle,
  PositionSnapshotRecord,
  PublicTradeRecord,
  StoredInstrument,
  OrderRecord,
  RowCounts,
  RunEnd,
  RunPnl,
  RunRecord,
  SignalRecord,
  RowKind,
  RowRejection,
  StoreBatch,
  StoredRun,
  TradingStore,
  WriteOutcome,
} from '../../application/ports/trading-store.ts';
import type { FeatureSchema } from '../../domain/features/feature-vector.ts';
import type { Order } from '../../domain/trading/order.ts';
import type { InstrumentSpec } from '../../domain/values/instrument.ts';
import type { Micros } from '../../domain/values/units.ts';
import { writeMarketRows } from './append-rows.ts';
import {
  countRunRows, readBookSnapshotRows, readEquityRows, readOrderEventRows, readPositionSnapshotRows, readTradeRows,
} from './ledger-reads.ts';
import {
  readFeatureSchemaRow, readInstrumentRow, readModelRow, registerFeatureSchemaRow, registerInstrumentRow, registerModelRow,
  registerRunSchemaId,
} from './registry-rows.ts';
import { featureVectorFromRow, featureVectorToRow, insertFeatureVectors } from './feature-vector-rows.ts';
import { createMigrator } from './migrate.ts';
import {
  fillRowsBetween, latestFeatureVectorRows, orderLifecycleRows, pnlByDayRows, pnlByRunRows, signalRowsBetween,
} from './read-queries.ts';
import { RowFieldError } from './row-checks.ts';
import {
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
    return this.#run('startRun', () =>
      this.#db.transaction().execute(async (trx) => {
        // runs.symbol references instruments; runs.schema_id is kept in feature_schemas alongside.
        await registerInstrumentRow(trx, run.instrument, run.startedAt);
        await registerRunSchemaId(trx, run.schemaId, run.startedAt);
        await trx.insertInto('runs').values(runToRow(run)).execute();
      }),
    );
  }

  /**
   * Writes the batch in one transaction. When the database refuses a row the checks before the
   * insert could not foresee (SQLSTATE class 22, a data exception, or 23, an integrity violation:
   * a NUL byte in a text, a constraint added by hand), the batch is written again row by row, each
   * in its own transaction, and the rows it still refuses are returned in `rejected`, the column or
   * constraint named: one bad row must not hold back every row behind it in the writer's queue.
   * Keyed inserts make the row-by-row pass safe to repeat. Any other failure rejects, for a retry.
   */
  async write(batch: StoreBatch): Promise<WriteOutcome> {
    try {
      return await this.#writeBatch(batch);
    } catch (error) {
      const refusal = databaseRefusal(error);
      if (refusal === null || rowsOf(batch) <= 1) throw error;
      const rejected: RowRejection[] = [];
      for (const single of singleRowBatches(batch)) {
        try {
          rejected.push(...(await this.#writeBatch(single.batch)).rejected);
        } catch (rowError) {
          const why = databaseRefusal(rowError);
          if (why === null) throw rowError;
          rejected.push({ kind: single.kind, key: single.key, field: why.field, reason: why.reason });
        }
      }
      return { rejected };
    }
  }

  #writeBatch(batch: StoreBatch): Promise<WriteOutcome> {
    return this.#run('write', () =>
      this.#db.transaction().execute(async (trx) => {
        const rejected = [...(await writeMarketRows(trx, batch))];
        // Rows are checked before the insert: one the database would refuse would fail the whole
        // transaction, and a writer retrying it would hold back everything behind it.
        const accept = acceptor(await startedRunIds(trx, batch), rejected);
        const signals = accept('signals', batch.signals, (r) => String(r.seq), signalToRow);
        for (const part of chunks(signals, SIGNAL_COLUMNS)) {
          await trx.insertInto('signals').values(part).onConflict((oc) => oc.columns(['run_id', 'seq']).doNothing()).execute();
        }
        const orders = accept('orders', latestOrders(batch.orders), (r) => r.order.id, orderToRow);
        for (const part of chunks(orders, ORDER_COLUMNS)) {
          await trx
            .insertInto('orders')
            .values(part)
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
        const fills = accept('fills', batch.fills, (r) => r.fill.tradeId, fillToRow);
        for (const part of chunks(fills, FILL_COLUMNS)) {
          await trx.insertInto('fills').values(part).onConflict((oc) => oc.columns(['run_id', 'trade_id']).doNothing()).execute();
        }
        const vectors = accept('featureVectors', batch.featureVectors, (r) => String(r.seq), featureVectorToRow);
        await insertFeatureVectors(trx, this.#schema, vectors);
        return { rejected };
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
    return this.#run('rowCounts', () => countRunRows(this.#db, runId));
  }

  registerInstrument(spec: InstrumentSpec, seenAt: Micros): Promise<void> {
    return this.#run('registerInstrument', () => registerInstrumentRow(this.#db, spec, seenAt));
  }

  readInstrument(symbol: string): Promise<StoredInstrument | null> {
    return this.#run('readInstrument', () => readInstrumentRow(this.#db, symbol));
  }

  registerFeatureSchema(schema: FeatureSchema, registeredAt: Micros): Promise<void> {
    return this.#run('registerFeatureSchema', () => registerFeatureSchemaRow(this.#db, schema, registeredAt));
  }

  readFeatureSchema(id: string): Promise<FeatureSchema | null> {
    return this.#run('readFeatureSchema', () => readFeatureSchemaRow(this.#db, id));
  }

  registerModel(model: ModelRecord): Promise<void> {
    return this.#run('registerModel', () => registerModelRow(this.#db, model));
  }

  readModel(id: string): Promise<ModelRecord | null> {
    return this.#run('readModel', () => readModelRow(this.#db, id));
  }

  readBookSnapshots(runId: string): Promise<readonly BookSnapshotRecord[]> {
    return this.#run('readBookSnapshots', () => readBookSnapshotRows(this.#db, runId));
  }

  readTrades(runId: string): Promise<readonly PublicTradeRecord[]> {
    return this.#run('readTrades', () => readTradeRows(this.#db, runId));
  }

  readOrderEvents(runId: string): Promise<readonly OrderEventRecord[]> {
    return this.#run('readOrderEvents', () => readOrderEventRows(this.#db, runId));
  }

  readPositionSnapshots(runId: string): Promise<readonly PositionSnapshotRecord[]> {
    return this.#run('readPositionSnapshots', () => readPositionSnapshotRows(this.#db, runId));
  }

  readEquity(runId: string): Promise<readonly EquityRecord[]> {
    return this.#run('readEquity', () => readEquityRows(this.#db, runId));
  }

  latestFeatureVectors(runId: string, n: number): Promise<readonly FeatureVectorRecord[]> {
    return this.#run('latestFeatureVectors', () => latestFeatureVectorRows(this.#db, runId, n));
  }

  readSignalsBetween(runId: string, from: Micros, to: Micros): Promise<readonly SignalRecord[]> {
    return this.#run('readSignalsBetween', () => signalRowsBetween(this.#db, runId, from, to));
  }

  readFillsBetween(runId: string, from: Micros, to: Micros): Promise<readonly FillRecord[]> {
    return this.#run('readFillsBetween', () => fillRowsBetween(this.#db, runId, from, to));
  }

  pnlByDay(runId: string | null): Promise<readonly DailyPnl[]> {
    return this.#run('pnlByDay', () => pnlByDayRows(this.#db, runId));
  }

  pnlByRun(runId?: string): Promise<readonly RunPnl[]> {
    return this.#run('pnlByRun', () => pnlByRunRows(this.#db, runId));
  }

  orderLifecycle(runId: string, orderId: string): Promise<OrderLifecycle> {
    return this.#run('orderLifecycle', () => orderLifecycleRows(this.#db, runId, orderId));
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

/** The runs, among those the batch's signals, orders, fills and feature vectors name, that exist. */
async function startedRunIds(trx: Kysely<Database>, batch: StoreBatch): Promise<ReadonlySet<string>> {
  const ids = new Set<string>();
  for (const records of [batch.signals, batch.orders, batch.fills, batch.featureVectors]) {
    for (const record of records) ids.add(record.runId);
  }
  if (ids.size === 0) return ids;
  const rows = await trx.selectFrom('runs').select('id').where('id', 'in', [...ids]).execute();
  return new Set(rows.map((r) => r.id));
}

/**
 * Converts records to rows, leaving out (and adding to `rejected`) each one that names a run never
 * started (its foreign key) or whose conversion throws a `RowFieldError`. Any other error is a bug.
 */
function acceptor(runs: ReadonlySet<string>, rejected: RowRejection[]) {
  return <R extends { readonly runId: string }, T>(kind: RowKind, records: readonly R[], key: (record: R) => string, toRow: (record: R) => T): T[] => {
    const rows: T[] = [];
    for (const record of records) {
      try {
        if (!runs.has(record.runId)) throw new RowFieldError('runId', `"${record.runId}" is not a started run`);
        rows.push(toRow(record));
      } catch (error) {
        if (!(error instanceof RowFieldError)) throw error;
        rejected.push({ kind, key: `${record.runId}/${key(record)}`, field: error.field, reason: error.message });
      }
    }
    return rows;
  };
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

/** A database refusal of the data (SQLSTATE class 22 or 23) with what it names; null for any other failure. */
function databaseRefusal(error: unknown): { readonly field: string; readonly reason: string } | null {
  let e: unknown = error;
  while (e instanceof Error && !(typeof (e as { code?: unknown }).code === 'string')) e = e.cause;
  if (!(e instanceof Error)) return null;
  const { code, column, constraint } = e as Error & { code: string; column?: string; constraint?: string };
  if (!/^2[23]/.test(code)) return null;
  return { field: column ?? constraint ?? 'row', reason: `refused by the database (SQLSTATE ${code}): ${e.message}` };
}

function rowsOf(batch: StoreBatch): number {
  let n = 0;
  for (const rows of Object.values(batch) as (readonly unknown[] | undefined)[]) n += rows?.length ?? 0;
  return n;
}

const EMPTY_BATCH: StoreBatch = { signals: [], orders: [], fills: [], featureVectors: [] };

/** Every row of a batch as a batch of its own, in batch order, with its kind and key for a rejection. */
function* singleRowBatches(batch: StoreBatch): Generator<{ kind: RowKind; key: string; batch: StoreBatch }> {
  for (const [kind, rows] of Object.entries(batch) as [RowKind, readonly Record<string, unknown>[] | undefined][]) {
    for (const row of rows ?? []) yield { kind, key: rowKey(row), batch: { ...EMPTY_BATCH, [kind]: [row] } };
  }
}

/** `run/seq`, `run/order id` or `run/trade id`, as the checks before the insert name rows. */
function rowKey(row: Record<string, unknown>): string {
  const run = String(row.runId);
  if (typeof row.seq === 'number') return typeof row.orderId === 'string' ? `${run}/${row.orderId}/${row.seq}` : `${run}/${row.seq}`;
  const order = row.order as { id?: string } | undefined;
  if (order?.id !== undefined) return `${run}/${order.id}`;
  const fill = row.fill as { tradeId?: string } | undefined;
  if (fill?.tradeId !== undefined) return `${run}/${fill.tradeId}`;
  if (typeof row.tradeId === 'string') return `${run}/${row.tradeId}`;
  if (typeof row.intervalStart === 'number') return `${run}/${row.intervalStart}`;
  return run;
}
