import { sql, type Kysely } from 'kysely';

/*
 * Every decision of the risk manager, with its reason: a trip set or cleared (the circuit breaker
 * of domain/risk/circuit-breaker.ts), an order refused, and the operator's kill switch. state is
 * the breaker's state after the decision; cause names the trip or the rule behind it (drawdown,
 * dailyLoss, staleFeed, kill, …); reason is the sentence an operator reads. seq counts 1, 2, 3, …
 * within the run, in the order the decisions were made. ts_us is the venue time of the decision,
 * integer microseconds since the Unix epoch, as in 0001. Frozen: a later change is a new migration.
 *
 * A run makes a handful of these, not one a book event: the primary key (run_id, seq) serves
 * reading a run's decisions in order, and a BRIN index on the time would cost more than the
 * sequential scan it could save. Like the other ledger tables, the rows belong to their run (a
 * foreign key that deletes them with it) and a retried batch written with `on conflict do nothing`
 * cannot store a row twice.
 */

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('risk_events')
    .addColumn('run_id', 'text', (c) => c.notNull().references('runs.id').onDelete('cascade'))
    .addColumn('seq', 'bigint', (c) => c.notNull())
    .addColumn('ts_us', 'bigint', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull().check(sql`state in ('ACTIVE', 'REDUCING', 'HALTED')`))
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('trip', 'clear', 'refusal', 'kill')`))
    .addColumn('cause', 'text', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('risk_events_pk', ['run_id', 'seq'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('risk_events').execute();
}
