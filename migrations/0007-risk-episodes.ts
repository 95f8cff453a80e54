import { sql, type Kysely } from 'kysely';

/*
 * One risk_events row per episode instead of one per decision: a run of the same decision (kind,
 * cause and state) repeated without another decision between is one row, its ts_us the first time,
 * last_ts_us the last and count how many decisions it stands for. A strategy that keeps hitting a
 * limit makes one row, not one a refusal. Rows stored before this migration read as episodes of one
 * (count 1, last_ts_us = ts_us). The row of an episode under way is written again as it grows (an
 * upsert on (run_id, seq) that only moves last_ts_us and count forward). Frozen.
 */

interface RiskEventsAt0007 {
  risk_events: { ts_us: string; last_ts_us: string | null };
}

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('risk_events')
    .addColumn('last_ts_us', 'bigint')
    .addColumn('count', 'bigint', (c) => c.notNull().defaultTo(1).check(sql`count >= 1`))
    .execute();
  // Through the builder, so that a schema chosen with withSchema (tests) is the one updated.
  await (db as Kysely<RiskEventsAt0007>).updateTable('risk_events').set({ last_ts_us: sql`ts_us` }).execute();
  await db.schema.alterTable('risk_events').alterColumn('last_ts_us', (c) => c.setNotNull()).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('risk_events').dropColumn('count').dropColumn('last_ts_us').execute();
}
