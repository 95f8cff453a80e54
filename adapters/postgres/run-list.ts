import { sql, type Kysely } from 'kysely';
import type { Database } from './schema.ts';
import { exactInteger } from './rows.ts';

/** One stored run as `ladder runs` lists it. */
export interface RunListing {
  readonly id: string;
  readonly mode: string;
  readonly source: string;
  /** µs since the epoch, the run's clock. */
  readonly startedAt: number;
  readonly endedAt: number | null;
  /**
   * The market time the run covered, µs: from its first LIVE book to its last as its summary states
   * (`venueSpan`), as its report reads it; for a run without one (still running, or crashed), from its
   * first equity interval to the end of its last, which rounds out to whole minutes; null without either.
   */
  readonly marketMicros: number | null;
  /** The summary as stored at the end (null while running, or after a crash). */
  readonly summary: Readonly<Record<string, unknown>> | null;
}

/**
 * The stored runs, newest first, at most `limit`; `mode` keeps one kind. Reads the runs table and, for
 * the market time, each run's equity intervals (one row a minute, so cheap).
 */
export async function listRuns(db: Kysely<Database>, options: { readonly limit: number; readonly mode?: string }): Promise<RunListing[]> {
  let query = db
    .selectFrom('runs')
    .leftJoin(
      (eb) => eb
        .selectFrom('equity')
        .select(['run_id', sql<string>`min(interval_start_us)`.as('first_us'), sql<string>`max(interval_start_us + interval_us)`.as('last_us')])
        .groupBy('run_id')
        .as('span'),
      (join) => join.onRef('span.run_id', '=', 'runs.id'),
    )
    .select(['runs.id', 'runs.mode', 'runs.source', 'runs.started_at_us', 'runs.ended_at_us', 'runs.summary', 'span.first_us', 'span.last_us'])
    .orderBy('runs.started_at_us', 'desc')
    .limit(options.limit);
  if (options.mode !== undefined) query = query.where('runs.mode', '=', options.mode as 'paper');
  const rows = await query.execute();
  return rows.map((r) => listing(r));
}

function listing(r: {
  readonly id: string; readonly mode: string; readonly source: string; readonly started_at_us: string | number | bigint; readonly ended_at_us: string | number | bigint | null;
  readonly summary: unknown; readonly first_us: string | null; readonly last_us: string | null;
}): RunListing {
  const summary = (typeof r.summary === 'string' ? JSON.parse(r.summary) : r.summary) as Record<string, unknown> | null;
  const span = summary?.venueSpan as { readonly from?: unknown; readonly to?: unknown } | undefined;
  const stated = span !== undefined && typeof span.from === 'number' && typeof span.to === 'number' && span.to >= span.from ? span.to - span.from : null;
  return {
    id: r.id,
    mode: r.mode,
    source: r.source,
    startedAt: exactInteger(String(r.started_at_us), 'runs.started_at_us'),
    endedAt: r.ended_at_us === null ? null : exactInteger(String(r.ended_at_us), 'runs.ended_at_us'),
    marketMicros: stated ?? (r.first_us === null || r.last_us === null ? null : exactInteger(String(r.last_us), 'span') - exactInteger(String(r.first_us), 'span')),
    summary,
  };
}
