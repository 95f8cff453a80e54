import { sql, type Kysely } from 'kysely';

/*
 * Parameter sweeps run as a work queue (`ladder sweep`, `ladder worker`): one row a sweep, with the
 * grid it expands and how many jobs it published; one row a finished job, keyed by (sweep, job), with
 * the job as published (its input and parameters), the backtest's report (JSON, as `ladder backtest
 * --report` writes it) or the error that made the job impossible, the run it stored, the worker, and
 * which delivery of the job it was. A job delivered twice (its worker died before acknowledging it)
 * is written with `on conflict do nothing`: one result a job, whichever delivery stored it first.
 * finished_at_us is the worker's wall clock, integer microseconds since the Unix epoch, as in 0001.
 * Frozen: a later change is a new migration.
 */

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('sweeps')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('created_at_us', 'bigint', (c) => c.notNull())
    .addColumn('grid', 'jsonb', (c) => c.notNull())
    .addColumn('jobs', 'integer', (c) => c.notNull().check(sql`jobs > 0`))
    .execute();
  await db.schema
    .createTable('sweep_results')
    .addColumn('sweep_id', 'text', (c) => c.notNull().references('sweeps.id').onDelete('cascade'))
    .addColumn('job_id', 'text', (c) => c.notNull())
    .addColumn('job', 'jsonb', (c) => c.notNull())
    .addColumn('report', 'jsonb')
    .addColumn('error', 'text')
    .addColumn('run_id', 'text')
    .addColumn('worker', 'text', (c) => c.notNull())
    .addColumn('delivery', 'integer', (c) => c.notNull())
    .addColumn('finished_at_us', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('sweep_results_pk', ['sweep_id', 'job_id'])
    .addCheckConstraint('sweep_results_outcome', sql`(report is null) <> (error is null)`)
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('sweep_results').execute();
  await db.schema.dropTable('sweeps').execute();
}
