import { Kysely, PostgresDialect, type Insertable } from 'kysely';
import type pg from 'pg';
import type { OrderRecord, RowKind, RowRejection, StoreBatch } from '../../application/ports/trading-store.ts';
import { RowFieldError } from './row-checks.ts';
import type { Database, OrdersTable } from './schema.ts';

/*
 * The pieces of `KyselyStore.write`: the checks before an insert, the order upsert, the split of a
 * batch under Postgres' parameter limit and into single rows, and the reading of a refusal.
 */

/** Postgres accepts at most 65535 bind parameters in one statement. */
const MAX_PARAMETERS = 65_535;

/** The runs, among those any row of the batch names, that exist: one query for the whole batch. */
export async function startedRunIds(trx: Kysely<Database>, batch: StoreBatch): Promise<ReadonlySet<string>> {
  const ids = new Set<string>();
  for (const records of Object.values(batch) as (readonly { readonly runId: string }[] | undefined)[]) {
    for (const record of records ?? []) ids.add(record.runId);
  }
  if (ids.size === 0) return ids;
  const rows = await trx.selectFrom('runs').select('id').where('id', 'in', [...ids]).execute();
  return new Set(rows.map((r) => r.id));
}

/** Upserts orders: a later state of an order replaces the stored one. */
export async function upsertOrders(trx: Kysely<Database>, rows: readonly Insertable<OrdersTable>[]): Promise<void> {
  await trx
    .insertInto('orders')
    .values(rows)
    .onConflict((oc) =>
      oc.columns(['run_id', 'id']).doUpdateSet((eb) => ({
        symbol: eb.ref('excluded.symbol'),
        side: eb.ref('excluded.side'),
        type: eb.ref('excluded.type'),
        qty_lots: eb.ref('excluded.qty_lots'),
        limit_price_ticks: eb.ref('excluded.limit_price_ticks'),
        reduce_only: eb.ref('excluded.reduce_only'),
        status: eb.ref('excluded.status'),
        filled_lots: eb.ref('excluded.filled_lots'),
        venue_order_id: eb.ref('excluded.venue_order_id'),
        created_at_us: eb.ref('excluded.created_at_us'),
        updated_at_us: eb.ref('excluded.updated_at_us'),
        reason: eb.ref('excluded.reason'),
      })),
    )
    .execute();
}

/**
 * A Kysely that runs every query on `client` (a transaction the caller began) and never releases
 * it: the caller does. Cheap to make, one a write.
 */
export function onClient(client: pg.PoolClient, schema: string | undefined): Kysely<Database> {
  const pinned = { query: client.query.bind(client), release: () => undefined };
  const db = new Kysely<Database>({
    dialect: new PostgresDialect({ pool: { connect: () => Promise.resolve(pinned), end: () => Promise.resolve() } }),
  });
  return schema === undefined ? db : db.withSchema(schema);
}

/**
 * Converts records to rows, leaving out (and adding to `rejected`) each one that names a run never
 * started (its foreign key) or whose conversion throws a `RowFieldError`. Any other error is a bug.
 */
export function acceptor(runs: ReadonlySet<string>, rejected: RowRejection[]) {
  return <R extends { readonly runId: string }, T>(kind: RowKind, records: readonly R[], key: (record: R) => string, toRow: (record: R) => T): T[] => {
    const rows: T[] = [];
    for (const record of records) {
      try {
        if (!runs.has(record.runId)) throw new RowFieldError('runId', `"${record.runId}" is not a started run`);
        rows.push(toRow(record));
      } catch (error) {
        if (!(error instanceof RowFieldError)) throw error;
        rejected.push({ kind, key: `${record.runId}/${key(record)}`, field: error.field, reason: error.message });
      }
    }
    return rows;
  };
}

/** Splits rows into slices whose bind parameters stay under Postgres' limit. */
export function* chunks<T>(rows: readonly T[], columns: number): Generator<readonly T[]> {
  const size = Math.floor(MAX_PARAMETERS / columns);
  for (let start = 0; start < rows.length; start += size) yield rows.slice(start, start + size);
}

/**
 * The last state of each order in the batch. One upsert statement cannot touch the same row twice
 * (Postgres: "ON CONFLICT DO UPDATE command cannot affect row a second time"), and an order often
 * changes state more than once between two writes.
 */
export function latestOrders(orders: readonly OrderRecord[]): readonly OrderRecord[] {
  const latest = new Map<string, OrderRecord>();
  for (const record of orders) latest.set(`${record.runId}\u0000${record.order.id}`, record);
  return latest.size === orders.length ? orders : [...latest.values()];
}

/** A database refusal of the data (SQLSTATE class 22 or 23) with what it names; null for any other failure. */
export function databaseRefusal(error: unknown): { readonly field: string; readonly reason: string } | null {
  let e: unknown = error;
  while (e instanceof Error && !(typeof (e as { code?: unknown }).code === 'string')) e = e.cause;
  if (!(e instanceof Error)) return null;
  const { code, column, constraint } = e as Error & { code: string; column?: string; constraint?: string };
  if (!/^2[23]/.test(code)) return null;
  return { field: column ?? constraint ?? 'row', reason: `refused by the database (SQLSTATE ${code}): ${e.message}` };
}

export function rowsOf(batch: StoreBatch): number {
  let n = 0;
  for (const rows of Object.values(batch) as (readonly unknown[] | undefined)[]) n += rows?.length ?? 0;
  return n;
}

const EMPTY_BATCH: StoreBatch = { signals: [], orders: [], fills: [], featureVectors: [] };

/** Every row of a batch as a batch of its own, in batch order, with its kind and key for a rejection. */
export function* singleRowBatches(batch: StoreBatch): Generator<{ kind: RowKind; key: string; batch: StoreBatch }> {
  for (const [kind, rows] of Object.entries(batch) as [RowKind, readonly Record<string, unknown>[] | undefined][]) {
    for (const row of rows ?? []) yield { kind, key: rowKey(row), batch: { ...EMPTY_BATCH, [kind]: [row] } };
  }
}

/** `run/seq`, `run/order id` or `run/trade id`, as the checks before the insert name rows. */
function rowKey(row: Record<string, unknown>): string {
  const run = String(row.runId);
  if (typeof row.seq === 'number') return typeof row.orderId === 'string' ? `${run}/${row.orderId}/${row.seq}` : `${run}/${row.seq}`;
  const order = row.order as { id?: string } | undefined;
  if (order?.id !== undefined) return `${run}/${order.id}`;
  const fill = row.fill as { tradeId?: string } | undefined;
  if (fill?.tradeId !== undefined) return `${run}/${fill.tradeId}`;
  if (typeof row.tradeId === 'string') return `${run}/${row.tradeId}`;
  if (typeof row.intervalStart === 'number') return `${run}/${row.intervalStart}`;
  return run;
}
