import type { Kysely } from 'kysely';

/*
 * How a run ended, beside when: `completed` (its input or --duration ran out), `stopped` (SIGINT or
 * SIGTERM, the store reachable), `stopped-during-outage` (stopped while the database could not be
 * reached: its rows waited in the spill file and the next start wrote them back and closed the run),
 * or `crashed` (the process died with the run open, e.g. kill -9; the next start using the same spill
 * file closed it, ended_at being when it did). NULL for runs stored before this migration and for a
 * run under way. Text without a check constraint, so that a later reason needs no migration. Frozen.
 */

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('runs').addColumn('end_reason', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('runs').dropColumn('end_reason').execute();
}
