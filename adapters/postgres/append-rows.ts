import { sql, type Kysely } from 'kysely';
import type { FeatureVectorRecord, RowKind, RowRejection, StoreBatch } from '../../application/ports/trading-store.ts';
import { equityToRow, orderEventToRow, positionSnapshotToRow } from './ledger-rows.ts';
import { bookSnapshotToRow, tradeToRow } from './market-rows.ts';
import { feedQualityToRow } from './feed-quality-rows.ts';
import { riskEventToRow } from './risk-event-rows.ts';
import { acceptor } from './batch-writes.ts';
import type { Database } from './schema.ts';

/** Postgres accepts at most 65535 bind parameters in one statement. */
const MAX_PARAMETERS = 65_535;

/**
 * Writes the market data and ledger rows of a batch (book snapshots, public trades, order events,
 * position snapshots, equity, risk events, feed-quality minutes) on `trx`, the batch's transaction, `runs` being the started
 * runs among those the batch names (`startedRunIds`), and makes sure every feature
 * schema id the batch's vectors name has a row in `feature_schemas` (their foreign key), so call it
 * before the vectors are inserted.
 *
 * Multi-row inserts, each under Postgres' parameter limit, `on conflict do nothing` on the primary
 * keys: a batch written again after a lost commit acknowledgement stores nothing twice. A row that
 * no column could hold (an inexact integer, a negative size or time, a bid array and its lots of two
 * lengths) or that names a run never started is left out and returned as a rejection, in batch
 * order within each kind; the rest are written. Rejects only when the database fails.
 */
export async function writeMarketRows(trx: Kysely<Database>, batch: StoreBatch, runs: ReadonlySet<string>): Promise<readonly RowRejection[]> {
  await ensureFeatureSchemas(trx, batch.featureVectors);
  const rejected: RowRejection[] = [];
  const acceptRows = acceptor(runs, rejected);
  const accept = <R extends { readonly runId: string }, T>(kind: RowKind, records: readonly R[] | undefined, key: (record: R) => string, toRow: (record: R) => T): T[] =>
    acceptRows(kind, records ?? [], key, toRow);

  const books = accept('bookSnapshots', batch.bookSnapshots, (r) => String(r.seq), bookSnapshotToRow);
  for (const part of chunks(books)) {
    await trx.insertInto('book_snapshots').values(part).onConflict((oc) => oc.columns(['run_id', 'seq']).doNothing()).execute();
  }
  const trades = accept('trades', batch.trades, (r) => r.tradeId, tradeToRow);
  for (const part of chunks(trades)) {
    await trx.insertInto('public_trades').values(part).onConflict((oc) => oc.columns(['run_id', 'trade_id']).doNothing()).execute();
  }
  const events = accept('orderEvents', batch.orderEvents, (r) => `${r.orderId}/${r.seq}`, orderEventToRow);
  for (const part of chunks(events)) {
    await trx
      .insertInto('order_events')
      .values(part)
      .onConflict((oc) => oc.columns(['run_id', 'order_id', 'seq']).doNothing())
      .execute();
  }
  const positions = accept('positionSnapshots', batch.positionSnapshots, (r) => String(r.seq), positionSnapshotToRow);
  for (const part of chunks(positions)) {
    await trx.insertInto('position_snapshots').values(part).onConflict((oc) => oc.columns(['run_id', 'seq']).doNothing()).execute();
  }
  const equity = accept('equity', batch.equity, (r) => String(r.intervalStart), equityToRow);
  for (const part of chunks(equity)) {
    await trx
      .insertInto('equity')
      .values(part)
      .onConflict((oc) => oc.columns(['run_id', 'interval_start_us']).doNothing())
      .execute();
  }
  // An episode's row is written again as it grows: the latest of a batch, and never back in time.
  const risk = latestEpisodes(accept('riskEvents', batch.riskEvents, (r) => String(r.seq), riskEventToRow));
  for (const part of chunks(risk)) {
    await trx
      .insertInto('risk_events')
      .values(part)
      .onConflict((oc) => oc.columns(['run_id', 'seq']).doUpdateSet({
        last_ts_us: sql`greatest(risk_events.last_ts_us, excluded.last_ts_us)`,
        count: sql`greatest(risk_events.count, excluded.count)`,
      }))
      .execute();
  }
  const minutes = accept('feedQuality', batch.feedQuality, (r) => String(r.start), feedQualityToRow);
  for (const part of chunks(minutes)) {
    await trx.insertInto('feed_quality').values(part).onConflict((oc) => oc.columns(['run_id', 'start_us']).doNothing()).execute();
  }
  return rejected;
}

/**
 * A `feature_schemas` row for each schema id in `vectors` that has none yet, with empty names and
 * versions until the schema is registered, dated by the earliest vector's time.
 */
async function ensureFeatureSchemas(trx: Kysely<Database>, vectors: readonly FeatureVectorRecord[]): Promise<void> {
  if (vectors.length === 0) return;
  const earliest = new Map<string, number>();
  for (const { vector } of vectors) {
    const ts = Number.isSafeInteger(vector.ts) ? vector.ts : 0;
    const seen = earliest.get(vector.schemaId);
    if (seen === undefined || ts < seen) earliest.set(vector.schemaId, ts);
  }
  await insertSchemaIds(trx, earliest);
}

/** Inserts the ids of `firstSeen` (id → µs) into `feature_schemas` as unknown schemas, leaving existing rows alone. */
export async function insertSchemaIds(trx: Kysely<Database>, firstSeen: ReadonlyMap<string, number>): Promise<void> {
  const rows = [...firstSeen].map(([id, at]) => ({ schema_id: id, names: '{}', versions: '{}', created_at_us: at }));
  for (const part of chunks(rows)) {
    await trx.insertInto('feature_schemas').values(part).onConflict((oc) => oc.column('schema_id').doNothing()).execute();
  }
}


/** The latest row of each (run, seq) of the batch, in first-seen order: one upsert cannot touch a row twice. */
function latestEpisodes<R extends { readonly run_id: string; readonly seq: number | string | bigint }>(rows: readonly R[]): readonly R[] {
  if (rows.length < 2) return rows;
  const latest = new Map<string, R>();
  for (const r of rows) latest.set(`${r.run_id}\u0000${String(r.seq)}`, r);
  return latest.size === rows.length ? rows : [...latest.values()];
}

/** Splits rows into slices whose bind parameters stay under Postgres' limit. */
function* chunks<T extends object>(rows: readonly T[]): Generator<readonly T[]> {
  if (rows.length === 0) return;
  const size = Math.floor(MAX_PARAMETERS / Object.keys(rows[0]).length);
  for (let start = 0; start < rows.length; start += size) yield rows.slice(start, start + size);
}
