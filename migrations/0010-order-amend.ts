import { sql, type Kysely } from 'kysely';

/*
 * An order's amend (domain/trading/order.ts): a resting limit order's price or quantity changed in
 * place on the venue (Bybit `/v5/order/amend`). It is one more kind of order event; detail holds the
 * order's new total quantity (`qty`, lots) and limit price (`limitPrice`, ticks). The orders row
 * already carries the latest qty and limit price. The check on the kind, named by Postgres from its
 * column in 0003, is replaced. Frozen.
 */

/** The table as this migration knows it: a query through the builder is qualified by the migrator's schema. */
interface OrderEventsAt0010 {
  order_events: { kind: string };
}

const KINDS_BEFORE = sql`kind in ('submit', 'accept', 'fill', 'cancel', 'reject')`;
const KINDS = sql`kind in ('submit', 'accept', 'fill', 'cancel', 'reject', 'amend')`;

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('order_events').dropConstraint('order_events_kind_check').execute();
  await db.schema.alterTable('order_events').addCheckConstraint('order_events_kind_check', KINDS).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  // An amend has no row under the older check: the order's other events and its final state stay.
  await (db as Kysely<OrderEventsAt0010>).deleteFrom('order_events').where('kind', '=', 'amend').execute();
  await db.schema.alterTable('order_events').dropConstraint('order_events_kind_check').execute();
  await db.schema.alterTable('order_events').addCheckConstraint('order_events_kind_check', KINDS_BEFORE).execute();
}
