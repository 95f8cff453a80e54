import type { Insertable, Selectable } from 'kysely';
import type { FeedQualityRecord } from '../../application/ports/trading-store.ts';
import type { Micros } from '../../domain/values/units.ts';
import { RowFieldError, checkedInt4, checkedInteger, checkedNullableInteger, exactInt8, nullableInt8 } from './row-checks.ts';
import type { FeedQualityTable } from './schema.ts';

/** The feed's scored minutes (migrations/0009-feed-quality.ts), to and from their rows. */

function score(value: number): number {
  checkedInteger(value, 'score', 0);
  if (value > 100) throw new RowFieldError('score', `= ${value} is above 100`);
  return value;
}

export const feedQualityToRow = (r: FeedQualityRecord): Insertable<FeedQualityTable> => ({
  run_id: r.runId,
  start_us: checkedInteger(r.start, 'start', 0),
  window_us: checkedInteger(r.window, 'window', 1),
  score: score(r.score),
  not_live_us: checkedInteger(r.notLive, 'notLive', 0),
  gaps: checkedInt4(r.gaps, 'gaps', 0),
  crossed: checkedInt4(r.crossed, 'crossed', 0),
  resyncs: checkedInt4(r.resyncs, 'resyncs', 0),
  stale_periods: checkedInt4(r.stalePeriods, 'stalePeriods', 0),
  malformed: checkedInt4(r.malformed, 'malformed', 0),
  ticker_mismatches: checkedInt4(r.tickerMismatches, 'tickerMismatches', 0),
  latency_p99_us: checkedNullableInteger(r.latencyP99, 'latencyP99'),
});

export const feedQualityFromRow = (row: Selectable<FeedQualityTable>): FeedQualityRecord => ({
  runId: row.run_id,
  start: exactInt8(row.start_us, 'feed_quality.start_us') as Micros,
  window: exactInt8(row.window_us, 'feed_quality.window_us') as Micros,
  score: row.score,
  notLive: exactInt8(row.not_live_us, 'feed_quality.not_live_us') as Micros,
  gaps: row.gaps,
  crossed: row.crossed,
  resyncs: row.resyncs,
  stalePeriods: row.stale_periods,
  malformed: row.malformed,
  tickerMismatches: row.ticker_mismatches,
  latencyP99: nullableInt8(row.latency_p99_us, 'feed_quality.latency_p99_us') as Micros | null,
});
