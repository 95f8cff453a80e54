import { sql, type Kysely } from 'kysely';

/*
 * Feature vectors: every vector the trading loop computed, with the id of the schema that lays out
 * its values. Frozen: a later change is a new migration.
 *
 * Units: ts_us is the venue time of the event the vector was computed on, integer microseconds
 * since the Unix epoch, `bigint` like the other *_us columns. seq counts 1, 2, 3, … within the run;
 * `bigint` because a run makes one vector for each book frame, tens a second, and a long run would
 * outgrow `integer` where signals would not. `values` are 64-bit floats in the schema's order: a
 * float8 keeps every bit of a JavaScript number (-0 included) when it is written as the shortest
 * decimal text that reads back to the same number, which Postgres 12 and later also print. The
 * schema's names live with the run (runs.schema_id and its config), not in each row.
 */

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('feature_vectors')
    .addColumn('run_id', 'text', (c) => c.notNull().references('runs.id').onDelete('cascade'))
    .addColumn('seq', 'bigint', (c) => c.notNull())
    .addColumn('ts_us', 'bigint', (c) => c.notNull())
    .addColumn('schema_id', 'text', (c) => c.notNull())
    .addColumn('values', sql`double precision[]`, (c) => c.notNull())
    .addPrimaryKeyConstraint('feature_vectors_pk', ['run_id', 'seq'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('feature_vectors').execute();
}
