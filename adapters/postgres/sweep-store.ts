import type { ColumnType, Kysely } from 'kysely';
import type { DbTarget } from './db-target.ts';
import { openDatabase } from './connect.ts';
import { createMigrator, migrateToLatest } from './migrate.ts';
import type { Database } from './schema.ts';

/** The tables of migrations/0008-sweep-results.ts. */
type SweepTables = {
  sweeps: { id: string; created_at_us: ColumnType<string, number, number>; grid: ColumnType<unknown, string, string>; jobs: number };
  sweep_results: {
    sweep_id: string;
    job_id: string;
    job: ColumnType<unknown, string, string>;
    report: ColumnType<unknown, string | null, string | null>;
    error: string | null;
    run_id: string | null;
    worker: string;
    delivery: number;
    finished_at_us: ColumnType<string, number, number>;
  };
};

export interface SweepRecord {
  readonly id: string;
  readonly createdAtMicros: number;
  readonly grid: unknown;
  readonly jobs: number;
}

export interface StoredSweepResult {
  readonly jobId: string;
  /** The job as published (its input and parameters). */
  readonly job: unknown;
  /** The backtest's report as `ladder backtest --report` writes it; null when the job failed. */
  readonly report: Record<string, unknown> | null;
  readonly error: string | null;
  readonly runId: string | null;
  readonly worker: string;
  /** Which delivery of the job stored this result: 1, or more after a worker died holding it. */
  readonly delivery: number;
  readonly finishedAtMicros: number;
}

/**
 * Sweeps and their results in the shared database. Writes are idempotent: a sweep published again
 * under its id keeps its first record, and a job finished twice keeps its first result (`on conflict
 * do nothing`), so a redelivered job never stores a second row.
 */
export class SweepStore {
  private constructor(private readonly db: Kysely<SweepTables>, private readonly base: Kysely<Database>) {}

  /** Opens the database and applies pending migrations; rejects naming the target when it cannot. */
  static async open(target: DbTarget): Promise<SweepStore> {
    const base = await openDatabase(target);
    const migrated = await migrateToLatest(createMigrator(base, undefined));
    if (!migrated.ok) {
      await base.destroy();
      throw new Error(`migrating the database failed${migrated.failed === null ? '' : ` at ${migrated.failed}`}: ${migrated.message}`);
    }
    return new SweepStore(base.withTables<SweepTables>() as unknown as Kysely<SweepTables>, base);
  }

  /** Records a sweep; false when one of that id is already recorded (left as it was). */
  async recordSweep(sweep: SweepRecord): Promise<boolean> {
    const result = await this.db
      .insertInto('sweeps')
      .values({ id: sweep.id, created_at_us: sweep.createdAtMicros, grid: JSON.stringify(sweep.grid), jobs: sweep.jobs })
      .onConflict((oc) => oc.column('id').doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) === 1;
  }

  /** Stores a job's result unless the job has one; true when this call stored it. */
  async storeResult(sweepId: string, result: StoredSweepResult): Promise<boolean> {
    const inserted = await this.db
      .insertInto('sweep_results')
      .values({
        sweep_id: sweepId,
        job_id: result.jobId,
        job: JSON.stringify(result.job),
        report: result.report === null ? null : JSON.stringify(result.report),
        error: result.error,
        run_id: result.runId,
        worker: result.worker,
        delivery: result.delivery,
        finished_at_us: result.finishedAtMicros,
      })
      .onConflict((oc) => oc.columns(['sweep_id', 'job_id']).doNothing())
      .executeTakeFirst();
    return Number(inserted.numInsertedOrUpdatedRows ?? 0) === 1;
  }

  async readSweep(id: string): Promise<SweepRecord | null> {
    const row = await this.db.selectFrom('sweeps').selectAll().where('id', '=', id).executeTakeFirst();
    return row === undefined ? null : { id: row.id, createdAtMicros: Number(row.created_at_us), grid: row.grid, jobs: row.jobs };
  }

  /** The most recent sweep, for `ladder sweep --status` without a name. */
  async latestSweep(): Promise<SweepRecord | null> {
    const row = await this.db.selectFrom('sweeps').selectAll().orderBy('created_at_us', 'desc').limit(1).executeTakeFirst();
    return row === undefined ? null : { id: row.id, createdAtMicros: Number(row.created_at_us), grid: row.grid, jobs: row.jobs };
  }

  /** A sweep's results, by job id. */
  async readResults(sweepId: string): Promise<StoredSweepResult[]> {
    const rows = await this.db.selectFrom('sweep_results').selectAll().where('sweep_id', '=', sweepId).orderBy('job_id').execute();
    return rows.map((r) => ({
      jobId: r.job_id,
      job: r.job,
      report: r.report as Record<string, unknown> | null,
      error: r.error,
      runId: r.run_id,
      worker: r.worker,
      delivery: r.delivery,
      finishedAtMicros: Number(r.finished_at_us),
    }));
  }

  close(): Promise<void> {
    return this.base.destroy();
  }
}
