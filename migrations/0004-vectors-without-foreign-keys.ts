import type { Kysely } from 'kysely';

/*
 * feature_vectors, the table that takes a row per book event, loses its two foreign keys (to runs
 * and to feature_schemas). Each cost a lookup a row, inside the insert, and held the write rate of
 * 60-feature vectors on a Postgres server to about half of what the table takes without them. The
 * store keeps both once a batch instead: it writes only vectors of a started run, refusing the others
 * by name, and gives every schema id a feature_schemas row before its vectors (append-rows.ts).
 * Deleting a run no longer deletes its vectors: nothing in Ladder deletes a run; whoever does by
 * hand deletes the run's vectors with it.
 *
 * Down puts the keys back. The store never writes a vector the keys would refuse; a stray one
 * written by hand makes the rollback fail, naming the key, and change nothing.
 */

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('feature_vectors').dropConstraint('feature_vectors_run_id_fkey').execute();
  await db.schema.alterTable('feature_vectors').dropConstraint('feature_vectors_schema_fk').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('feature_vectors')
    .addForeignKeyConstraint('feature_vectors_run_id_fkey', ['run_id'], 'runs', ['id'], (fk) => fk.onDelete('cascade'))
    .execute();
  await db.schema
    .alterTable('feature_vectors')
    .addForeignKeyConstraint('feature_vectors_schema_fk', ['schema_id'], 'feature_schemas', ['schema_id'])
    .execute();
}
