import type { Kysely } from 'kysely';
import type {
  BookSnapshotRecord, EquityRecord, OrderEventRecord, FeedQualityRecord, PositionSnapshotRecord, PublicTradeRecord, RiskEventRecord, RowCounts,
} from '../../application/ports/trading-store.ts';
import { equityFromRow, orderEventFromRow, positionSnapshotFromRow } from './ledger-rows.ts';
import { bookSnapshotFromRow, tradeFromRow } from './market-rows.ts';
import { feedQualityFromRow } from './feed-quality-rows.ts';
import { riskEventFromRow } from './risk-event-rows.ts';
import { exactInt8 } from './row-checks.ts';
import type { Database } from './schema.ts';

/** Every row of one run in one of the 0003 and 0005 tables, in the order the port promises. */

export async function readBookSnapshotRows(db: Kysely<Database>, runId: string): Promise<readonly BookSnapshotRecord[]> {
  const rows = await db.selectFrom('book_snapshots').selectAll().where('run_id', '=', runId).orderBy('seq').execute();
  return rows.map(bookSnapshotFromRow);
}

export async function readTradeRows(db: Kysely<Database>, runId: string): Promise<readonly PublicTradeRecord[]> {
  const rows = await db
    .selectFrom('public_trades')
    .selectAll()
    .where('run_id', '=', runId)
    .orderBy('ts_us')
    .orderBy('trade_id')
    .execute();
  return rows.map(tradeFromRow);
}

export async function readOrderEventRows(db: Kysely<Database>, runId: string): Promise<readonly OrderEventRecord[]> {
  const rows = await db
    .selectFrom('order_events')
    .selectAll()
    .where('run_id', '=', runId)
    .orderBy('order_id')
    .orderBy('seq')
    .execute();
  return rows.map(orderEventFromRow);
}

export async function readPositionSnapshotRows(db: Kysely<Database>, runId: string): Promise<readonly PositionSnapshotRecord[]> {
  const rows = await db.selectFrom('position_snapshots').selectAll().where('run_id', '=', runId).orderBy('seq').execute();
  return rows.map(positionSnapshotFromRow);
}

export async function readEquityRows(db: Kysely<Database>, runId: string): Promise<readonly EquityRecord[]> {
  const rows = await db.selectFrom('equity').selectAll().where('run_id', '=', runId).orderBy('interval_start_us').execute();
  return rows.map(equityFromRow);
}

export async function readRiskEventRows(db: Kysely<Database>, runId: string): Promise<readonly RiskEventRecord[]> {
  const rows = await db.selectFrom('risk_events').selectAll().where('run_id', '=', runId).orderBy('seq').execute();
  return rows.map(riskEventFromRow);
}

export async function readFeedQualityRows(db: Kysely<Database>, runId: string): Promise<readonly FeedQualityRecord[]> {
  const rows = await db.selectFrom('feed_quality').selectAll().where('run_id', '=', runId).orderBy('start_us').execute();
  return rows.map(feedQualityFromRow);
}

const COUNTED = {
  signals: 'signals',
  orders: 'orders',
  fills: 'fills',
  featureVectors: 'feature_vectors',
  bookSnapshots: 'book_snapshots',
  trades: 'public_trades',
  orderEvents: 'order_events',
  positionSnapshots: 'position_snapshots',
  equity: 'equity',
  riskEvents: 'risk_events',
  feedQuality: 'feed_quality',
} as const satisfies Record<keyof RowCounts, keyof Database>;

/** The rows of one run in each table, in one statement. */
export async function countRunRows(db: Kysely<Database>, runId: string): Promise<RowCounts> {
  const entries = Object.entries(COUNTED) as [keyof RowCounts, (typeof COUNTED)[keyof RowCounts]][];
  const row = await db
    .selectNoFrom(
      entries.map(([key, table]) =>
        db.selectFrom(table).select((eb) => eb.fn.countAll<string>().as('n')).where('run_id', '=', runId).as(key),
      ),
    )
    .executeTakeFirstOrThrow();
  const counts = row as Record<keyof RowCounts, unknown>;
  return Object.fromEntries(entries.map(([key, table]) => [key, exactInt8(String(counts[key]), `count(${table})`)])) as unknown as RowCounts;
}
