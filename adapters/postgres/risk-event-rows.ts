import type { Insertable, Selectable } from 'kysely';
import type { RiskEventKind, RiskEventRecord } from '../../application/ports/trading-store.ts';
import type { BreakerState } from '../../domain/risk/circuit-breaker.ts';
import type { Micros } from '../../domain/values/units.ts';
import { RowFieldError, checkedInteger, exactInt8 } from './row-checks.ts';
import type { RiskEventsTable } from './schema.ts';

/** The risk manager's decisions (migrations/0005-risk-events.ts), to and from their rows. */

/** The values the table's check constraints allow; a record with another is refused before the insert. */
const STATES: readonly BreakerState[] = ['ACTIVE', 'REDUCING', 'HALTED'];
const KINDS: readonly RiskEventKind[] = ['trip', 'clear', 'refusal', 'kill'];

function oneOf<T extends string>(value: T, allowed: readonly T[], field: string, what: string): T {
  if (!allowed.includes(value)) throw new RowFieldError(field, `= ${JSON.stringify(value)} is not ${what} (${allowed.join(', ')})`);
  return value;
}

/** Text a Postgres `text` column holds: a string without a NUL character. */
function text(value: string, field: string): string {
  if (typeof value !== 'string') throw new RowFieldError(field, `= ${JSON.stringify(value)} is not text`);
  if (value.includes('\u0000')) throw new RowFieldError(field, 'holds a NUL character, which Postgres text cannot');
  return value;
}

export const riskEventToRow = (record: RiskEventRecord): Insertable<RiskEventsTable> => ({
  run_id: record.runId,
  seq: checkedInteger(record.seq, 'seq', 1),
  ts_us: checkedInteger(record.ts, 'ts', 0),
  last_ts_us: checkedInteger(record.lastTs, 'lastTs', record.ts),
  count: checkedInteger(record.count, 'count', 1),
  state: oneOf(record.state, STATES, 'state', 'a breaker state'),
  kind: oneOf(record.kind, KINDS, 'kind', 'a risk event kind'),
  cause: text(record.cause, 'cause'),
  reason: text(record.reason, 'reason'),
});

export const riskEventFromRow = (row: Selectable<RiskEventsTable>): RiskEventRecord => ({
  runId: row.run_id,
  seq: exactInt8(row.seq, 'risk_events.seq'),
  ts: exactInt8(row.ts_us, 'risk_events.ts_us') as Micros,
  lastTs: exactInt8(row.last_ts_us, 'risk_events.last_ts_us') as Micros,
  count: exactInt8(row.count, 'risk_events.count'),
  state: row.state,
  kind: row.kind,
  cause: row.cause,
  reason: row.reason,
});
