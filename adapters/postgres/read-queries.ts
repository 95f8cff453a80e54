import { sql, type Kysely } from 'kysely';
import type {
  DailyPnl, FeatureVectorRecord, FillRecord, OrderLifecycle, PnlFigures, RunPnl, SignalRecord,
} from '../../application/ports/trading-store.ts';
import type { Cash, Lots, Micros } from '../../domain/values/units.ts';
import { orderEventFromRow } from './ledger-rows.ts';
import { checkedInteger, exactInt8 } from './row-checks.ts';
import { fillFromRow, orderFromRow, signalFromRow } from './rows.ts';
import type { Database } from './schema.ts';

/**
 * The read path's queries, integers converted exactly as everywhere in the adapter. A query that
 * needs several statements (PnL figures, an order's lifecycle) sends them at once: on a server pool
 * they run on separate connections, on PGlite one after another.
 *
 * Indexes: the latest vectors, the signals and fills of a time range, an order's events and the
 * position snapshots are read through primary keys or the (run_id, ts_us) indexes of 0001. An
 * order's fills are found among the run's fills by that same index (no index on order_id): a run's
 * fills are thousands, not millions, so 0004 would buy little.
 *
 * PnL per day: the fills give fees, volume, counts and slippage by `ts_us / DAY` (ts_us is never
 * negative, so integer division is the floor); the realized PnL comes from the position snapshots,
 * whose `realized_cash` is the running total after each change: a day's realized PnL is the run's
 * last snapshot of the day minus its last one of an earlier day. Recomputing it from the fills would
 * repeat the average-cost logic of domain/trading/position.ts in SQL, and drift from it.
 */

/** One UTC day, µs. A literal, not a parameter: DISTINCT ON and ORDER BY must spell it the same. */
const DAY = sql.raw('86400000000');
const dayOf = sql<string>`ts_us / ${DAY}`;

export async function latestFeatureVectorRows(db: Kysely<Database>, runId: string, n: number): Promise<readonly FeatureVectorRecord[]> {
  checkedInteger(n, 'n', 0);
  if (n === 0) return [];
  // The primary key (run_id, seq) read backwards: n index entries, whatever the run's length. The
  // values come in Postgres' binary array format (`array_send`): parsing 60 decimal texts a vector
  // cost ten times the query itself, and the binary form is the float's own 64 bits.
  const rows = await db
    .selectFrom('feature_vectors')
    .select(['run_id', 'seq', 'ts_us', 'schema_id', sql<Uint8Array>`array_send(values)`.as('bytes')])
    .where('run_id', '=', runId)
    .orderBy('seq', 'desc')
    .limit(n)
    .execute();
  return rows.map((row) => ({
    runId: row.run_id,
    seq: exactInt8(row.seq, 'feature_vectors.seq'),
    vector: {
      schemaId: row.schema_id,
      ts: exactInt8(row.ts_us, 'feature_vectors.ts_us') as Micros,
      values: float8ArrayFromSend(row.bytes, `feature_vectors.values of run "${row.run_id}" seq ${row.seq}`),
    },
  }));
}

/**
 * A one-dimensional float8[] in Postgres' binary array format (src/backend/utils/adt/arrayfuncs.c,
 * array_send): int32 dimensions, int32 has-nulls flag, uint32 element type oid, then per dimension
 * int32 length and int32 lower bound, then per element an int32 byte length and 8 big-endian bytes.
 */
export function float8ArrayFromSend(bytes: Uint8Array, column: string): Float64Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const FLOAT8_OID = 701;
  const dims = view.getInt32(0);
  if (dims === 0) return new Float64Array(0);
  if (dims !== 1 || view.getInt32(4) !== 0 || view.getUint32(8) !== FLOAT8_OID) {
    throw new TypeError(`${column} is not a one-dimensional float8 array without nulls`);
  }
  const length = view.getInt32(12);
  if (bytes.byteLength !== 20 + length * 12) throw new TypeError(`${column} has ${bytes.byteLength} bytes for ${length} elements`);
  const values = new Float64Array(length);
  for (let i = 0, at = 20; i < length; i++, at += 12) {
    if (view.getInt32(at) !== 8) throw new TypeError(`${column}[${i}] is not 8 bytes`);
    values[i] = view.getFloat64(at + 4);
  }
  return values;
}

export async function signalRowsBetween(db: Kysely<Database>, runId: string, from: Micros, to: Micros): Promise<readonly SignalRecord[]> {
  const rows = await db
    .selectFrom('signals')
    .selectAll()
    .where('run_id', '=', runId)
    .where('ts_us', '>=', String(checkedInteger(from, 'from')))
    .where('ts_us', '<', String(checkedInteger(to, 'to')))
    .orderBy('seq')
    .execute();
  return rows.map(signalFromRow);
}

export async function fillRowsBetween(db: Kysely<Database>, runId: string, from: Micros, to: Micros): Promise<readonly FillRecord[]> {
  const rows = await db
    .selectFrom('fills')
    .selectAll()
    .where('run_id', '=', runId)
    .where('ts_us', '>=', String(checkedInteger(from, 'from')))
    .where('ts_us', '<', String(checkedInteger(to, 'to')))
    .orderBy('ts_us')
    .orderBy('trade_id')
    .execute();
  return rows.map(fillFromRow);
}

/** Fill aggregates as read: int8 text from either engine (sums cast back to bigint from numeric). */
interface FillSums {
  readonly fills: unknown;
  readonly volume: unknown;
  readonly fees: unknown;
  readonly slippage_fills: unknown;
  readonly total_slippage: unknown;
}

/** The fills' aggregate columns, keyed by whatever the query groups on. */
const fillSums = (db: Kysely<Database>) =>
  db.selectFrom('fills').select([
    sql<string>`count(*)`.as('fills'),
    sql<string>`coalesce(sum(qty_lots), 0)::bigint`.as('volume'),
    sql<string>`coalesce(sum(fee_cash), 0)::bigint`.as('fees'),
    sql<string>`count(slippage_ticks)`.as('slippage_fills'),
    sql<string>`coalesce(sum(slippage_ticks), 0)::bigint`.as('total_slippage'),
  ]);

const NO_FILLS: Omit<PnlFigures, 'realizedPnl'> = {
  fees: 0 as Cash, volume: 0 as Lots, fills: 0, slippageFills: 0, totalSlippage: 0, meanSlippage: null,
};

function figures(sums: FillSums | undefined, realizedPnl: number, where: string): PnlFigures {
  if (sums === undefined) return { realizedPnl: realizedPnl as Cash, ...NO_FILLS };
  const slippageFills = exactInt8(sums.slippage_fills, `count(fills.slippage_ticks) ${where}`);
  const totalSlippage = exactInt8(sums.total_slippage, `sum(fills.slippage_ticks) ${where}`);
  return {
    realizedPnl: realizedPnl as Cash,
    fees: exactInt8(sums.fees, `sum(fills.fee_cash) ${where}`) as Cash,
    volume: exactInt8(sums.volume, `sum(fills.qty_lots) ${where}`) as Lots,
    fills: exactInt8(sums.fills, `count(fills) ${where}`),
    slippageFills,
    totalSlippage,
    meanSlippage: slippageFills === 0 ? null : totalSlippage / slippageFills,
  };
}

export async function pnlByDayRows(db: Kysely<Database>, runId: string | null): Promise<readonly DailyPnl[]> {
  // Two statements at once: on a server pool they run on two connections.
  const [fills, lasts] = await Promise.all([
    fillSums(db)
      .select(dayOf.as('day'))
      .$if(runId !== null, (qb) => qb.where('run_id', '=', runId as string))
      .groupBy(dayOf)
      .execute(),
    // The last snapshot of each run and day, in day order within each run.
    db
      .selectFrom('position_snapshots')
      .distinctOn(['run_id', dayOf])
      .select(['run_id', 'realized_cash', dayOf.as('day')])
      .$if(runId !== null, (qb) => qb.where('run_id', '=', runId as string))
      .orderBy('run_id')
      .orderBy(dayOf)
      .orderBy('seq', 'desc')
      .execute(),
  ]);

  const realized = new Map<number, number>();
  let previous: { run: string; realized: number } | null = null;
  for (const row of lasts) {
    const day = exactInt8(row.day, 'position_snapshots day');
    const total = exactInt8(row.realized_cash, 'position_snapshots.realized_cash');
    const before = previous !== null && previous.run === row.run_id ? previous.realized : 0;
    realized.set(day, (realized.get(day) ?? 0) + total - before);
    previous = { run: row.run_id, realized: total };
  }
  const byDay = new Map(fills.map((row) => [exactInt8(row.day, 'fills day'), row]));
  const days = [...new Set([...byDay.keys(), ...realized.keys()])].sort((a, b) => a - b);
  return days.map((day) => ({
    dayStart: (day * 86_400_000_000) as Micros,
    ...figures(byDay.get(day), realized.get(day) ?? 0, `of day ${day}`),
  }));
}

export async function pnlByRunRows(db: Kysely<Database>, runId: string | undefined): Promise<readonly RunPnl[]> {
  const [runs, fills, lasts] = await Promise.all([
    db
      .selectFrom('runs')
      .select('id')
      .$if(runId !== undefined, (qb) => qb.where('id', '=', runId as string))
      .orderBy('started_at_us')
      .orderBy('id')
      .execute(),
    fillSums(db)
      .select('run_id')
      .$if(runId !== undefined, (qb) => qb.where('run_id', '=', runId as string))
      .groupBy('run_id')
      .execute(),
    db
      .selectFrom('position_snapshots')
      .distinctOn('run_id')
      .select(['run_id', 'realized_cash'])
      .$if(runId !== undefined, (qb) => qb.where('run_id', '=', runId as string))
      .orderBy('run_id')
      .orderBy('seq', 'desc')
      .execute(),
  ]);
  const byRun = new Map(fills.map((row) => [row.run_id, row]));
  const realized = new Map(lasts.map((row) => [row.run_id, exactInt8(row.realized_cash, 'position_snapshots.realized_cash')]));
  return runs.map(({ id }) => ({ runId: id, ...figures(byRun.get(id), realized.get(id) ?? 0, `of run "${id}"`) }));
}

export async function orderLifecycleRows(db: Kysely<Database>, runId: string, orderId: string): Promise<OrderLifecycle> {
  const [order, events, fills] = await Promise.all([
    db.selectFrom('orders').selectAll().where('run_id', '=', runId).where('id', '=', orderId).executeTakeFirst(),
    db
      .selectFrom('order_events')
      .selectAll()
      .where('run_id', '=', runId)
      .where('order_id', '=', orderId)
      .orderBy('seq')
      .execute(),
    db
      .selectFrom('fills')
      .selectAll()
      .where('run_id', '=', runId)
      .where('order_id', '=', orderId)
      .orderBy('ts_us')
      .orderBy('trade_id')
      .execute(),
  ]);
  return {
    order: order === undefined ? null : orderFromRow(order),
    events: events.map(orderEventFromRow),
    fills: fills.map(fillFromRow),
  };
}
