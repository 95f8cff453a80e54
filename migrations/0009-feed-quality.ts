import { sql, type Kysely } from 'kysely';

/*
 * The feed-quality score of each minute of a run (domain/market/feed-quality.ts): start_us is the
 * minute's start and window_us its length, integer microseconds as in 0001; score is 0 (unusable)
 * to 100 (clean); the counts are what the minute's score was taken from (sequence gaps, crossed
 * books, resyncs asked, stale periods, malformed frames, tickers that disagreed with the book),
 * not_live_us the time the book was not LIVE, latency_p99_us the frames' p99 (null without a frame).
 *
 * A run makes one row a minute, 1,440 a day: the primary key (run_id, start_us) serves reading a
 * run's minutes in order and finding its lowest. The rows belong to their run (deleted with it) and
 * a retried batch written with `on conflict do nothing` cannot store a minute twice. Frozen.
 */

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('feed_quality')
    .addColumn('run_id', 'text', (c) => c.notNull().references('runs.id').onDelete('cascade'))
    .addColumn('start_us', 'bigint', (c) => c.notNull())
    .addColumn('window_us', 'bigint', (c) => c.notNull().check(sql`window_us > 0`))
    .addColumn('score', 'smallint', (c) => c.notNull().check(sql`score between 0 and 100`))
    .addColumn('not_live_us', 'bigint', (c) => c.notNull().check(sql`not_live_us >= 0`))
    .addColumn('gaps', 'integer', (c) => c.notNull().check(sql`gaps >= 0`))
    .addColumn('crossed', 'integer', (c) => c.notNull().check(sql`crossed >= 0`))
    .addColumn('resyncs', 'integer', (c) => c.notNull().check(sql`resyncs >= 0`))
    .addColumn('stale_periods', 'integer', (c) => c.notNull().check(sql`stale_periods >= 0`))
    .addColumn('malformed', 'integer', (c) => c.notNull().check(sql`malformed >= 0`))
    .addColumn('ticker_mismatches', 'integer', (c) => c.notNull().check(sql`ticker_mismatches >= 0`))
    .addColumn('latency_p99_us', 'bigint')
    .addPrimaryKeyConstraint('feed_quality_pk', ['run_id', 'start_us'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('feed_quality').execute();
}
