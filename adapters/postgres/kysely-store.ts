import type { Kysely } from 'kysely';
import type pg from 'pg';
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
  RiskEventRecord,
  FeedQualityRecord,
  StoredInstrument,
  RowCounts,
  RunEnd,
  RunPnl,
  RunRecord,
  SignalRecord,
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
  countRunRows, readBookSnapshotRows, readEquityRows, readOrderEventRows, readPositionSnapshotRows, readRiskEventRows, readFeedQualityRows,
  readTradeRows,
} from './ledger-reads.ts';
import {
  readFeatureSchemaRow, readInstrumentRow, readModelRow, registerFeatureSchemaRow, registerInstrumentRow, registerModelRow,
  registerRunSchemaId,
} from './registry-rows.ts';
import { featureVectorFromRow, featureVectorToRow, insertFeatureVectors } from './feature-vector-rows.ts';
import { checkFeatureVector, copyFeatureVectors } from './vector-copy.ts';
import {
  acceptor, chunks, databaseRefusal, latestOrders, onClient, rowsOf, singleRowBatches, startedRunIds, upsertOrders,
} from './batch-writes.ts';
import { createMigrator } from './migrate.ts';
import { writeSchemaStamp } from './schema-stamp.ts';
import { migrations } from '../../migrations/index.ts';
import {
  fillRowsBetween, latestFeatureVectorRows, orderLifecycleRows, pnlByDayRows, pnlByRunRows, signalRowsBetween,
} from './read-queries.ts';
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

const SIGNAL_COLUMNS = 10;
const ORDER_COLUMNS = 14;
const FILL_COLUMNS = 11;

export interface KyselyStoreOptions {
  /** Postgres schema holding the tables; the connection's default (`public`) when absent. */
  readonly schema?: string;
  /**
   * The pg pool under `db`, on a Postgres server: writes then run on one client of it, feature
   * vectors through binary COPY. Absent on PGlite, which takes them through `insert … unnest`.
   */
  readonly pool?: pg.Pool;
  /** An on-disk PGlite data directory: `migrate()` records there what it holds (schema-stamp.ts). */
  readonly stampDir?: string;
}

/** The `TradingStore` over kysely: the same SQL on a Postgres server and on PGlite. */
export class KyselyStore implements TradingStore {
  readonly #root: Kysely<Database>;
  readonly #db: Kysely<Database>;
  readonly #schema: string | undefined;
  readonly #pool: pg.Pool | undefined;
  readonly #stampDir: string | undefined;

  /** Takes ownership of `db`: `close()` destroys it. */
  constructor(db: Kysely<Database>, options: KyselyStoreOptions = {}) {
    this.#root = db;
    this.#schema = options.schema;
    this.#pool = options.pool;
    this.#stampDir = options.stampDir;
    this.#db = options.schema === undefined ? db : db.withSchema(options.schema);
  }

  migrate(): Promise<readonly string[]> {
    return this.#run('migrate', async () => {
      const { error, results } = await createMigrator(this.#root, this.#schema).migrateToLatest();
      if (error !== undefined) throw error instanceof Error ? error : new Error('migration failed', { cause: error });
      // Every migration the code knows is applied now. A stamp that cannot be written only makes
      // `ladder doctor` start PGlite to read the schema itself.
      if (this.#stampDir !== undefined) {
        try {
          writeSchemaStamp(this.#stampDir, Object.keys(migrations).sort());
        } catch {
          // See above.
        }
      }
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
    const pool = this.#pool;
    if (pool === undefined) {
      return this.#run('write', () =>
        this.#db.transaction().execute((trx) => this.#writeRows(trx, batch, (vectors) => insertFeatureVectors(trx, this.#schema, vectors.map(featureVectorToRow)))),
      );
    }
    return this.#run('write', () => this.#writeOnClient(pool, batch));
  }

  /**
   * One transaction on one client of the pool: the rows through a Kysely bound to that client, the
   * feature vectors through binary COPY on it. COPY has no `on conflict`, so it runs under a
   * savepoint, and when a (run, seq) is already stored (a batch retried after its commit was
   * acknowledged too late) the vectors go again through the keyed insert, which skips the repeats.
   */
  async #writeOnClient(pool: pg.Pool, batch: StoreBatch): Promise<WriteOutcome> {
    const client = await pool.connect();
    let failed = false;
    try {
      await client.query('begin');
      const trx = onClient(client, this.#schema);
      const table = this.#schema === undefined ? 'feature_vectors' : `"${this.#schema.replaceAll('"', '""')}".feature_vectors`;
      const outcome = await this.#writeRows(trx, batch, async (vectors) => {
        if (vectors.length === 0) return;
        await client.query('savepoint vectors');
        try {
          await copyFeatureVectors(client, table, vectors);
          await client.query('release savepoint vectors');
        } catch (error) {
          if ((error as { code?: unknown }).code !== '23505') throw error;
          await client.query('rollback to savepoint vectors');
          await insertFeatureVectors(trx, this.#schema, vectors.map(featureVectorToRow));
        }
      });
      await client.query('commit');
      return outcome;
    } catch (error) {
      failed = true;
      await client.query('rollback').catch(() => undefined);
      throw error;
    } finally {
      // A client whose transaction failed is discarded: its connection may be the broken part.
      client.release(failed);
    }
  }

  /**
   * Writes every row of the batch on `trx`, feature vectors through `writeVectors` once checked.
   * Rows are checked before the insert: one the database would refuse would fail the whole
   * transaction, and a writer retrying it would hold back everything behind it.
   */
  async #writeRows(trx: Kysely<Database>, batch: StoreBatch, writeVectors: (vectors: FeatureVectorRecord[]) => Promise<void>): Promise<WriteOutcome> {
    const runs = await startedRunIds(trx, batch);
    const rejected = [...(await writeMarketRows(trx, batch, runs))];
    const accept = acceptor(runs, rejected);
    const signals = accept('signals', batch.signals, (r) => String(r.seq), signalToRow);
    for (const part of chunks(signals, SIGNAL_COLUMNS)) {
      await trx.insertInto('signals').values(part).onConflict((oc) => oc.columns(['run_id', 'seq']).doNothing()).execute();
    }
    const orders = accept('orders', latestOrders(batch.orders), (r) => r.order.id, orderToRow);
    for (const part of chunks(orders, ORDER_COLUMNS)) await upsertOrders(trx, part);
    const fills = accept('fills', batch.fills, (r) => r.fill.tradeId, fillToRow);
    for (const part of chunks(fills, FILL_COLUMNS)) {
      await trx.insertInto('fills').values(part).onConflict((oc) => oc.columns(['run_id', 'trade_id']).doNothing()).execute();
    }
    await writeVectors(accept('featureVectors', batch.featureVectors, (r) => String(r.seq), checkFeatureVector));
    return { rejected };
  }

  finishRun(runId: string, end: RunEnd): Promise<void> {
    return this.#run('finishRun', async () => {
      const result = await this.#db
        .updateTable('runs')
        .set({ ended_at_us: end.endedAt, summary: JSON.stringify(end.summary), end_reason: end.endReason ?? null })
        .where('id', '=', runId)
        .executeTakeFirst();
      if (result.numUpdatedRows === 0n) throw new Error(`no run "${runId}"`);
    });
  }

  readRun(runId: string): Promise<StoredRun | null> {
    return this.#run('readRun', async () => {
      // Every column: end_reason is absent from a schema older than 0006, and such a run reads as not ended for a reason.
      const row = await this.#db
        .selectFrom('runs')
        .selectAll()
        .where('id', '=', runId)
        .executeTakeFirst();
      return row === undefined ? null : runFromRow(row);
    });
  }

  readOpenRuns(): Promise<readonly StoredRun[]> {
    return this.#run('readOpenRuns', async () => {
      const rows = await this.#db
        .selectFrom('runs')
        .selectAll()
        .where('ended_at_us', 'is', null)
        .orderBy('started_at_us')
        .orderBy('id')
        .execute();
      return rows.map(runFromRow);
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

  readRiskEvents(runId: string): Promise<readonly RiskEventRecord[]> {
    return this.#run('readRiskEvents', () => readRiskEventRows(this.#db, runId));
  }

  readFeedQuality(runId: string): Promise<readonly FeedQualityRecord[]> {
    return this.#run('readFeedQuality', () => readFeedQualityRows(this.#db, runId));
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

