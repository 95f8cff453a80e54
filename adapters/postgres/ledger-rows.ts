import type { Insertable, Selectable } from 'kysely';
import type { EquityRecord, OrderEventRecord, PositionSnapshotRecord } from '../../application/ports/trading-store.ts';
import { ORDER_TRANSITIONS, type OrderEvent, type OrderStatus } from '../../domain/trading/order.ts';
import type { Cash, Lots, Micros, Ticks } from '../../domain/values/units.ts';
import {
  RowFieldError, checkedInt4, checkedInteger, checkedNullableInteger, exactInt8, jsonRecord, nullableInt8,
} from './row-checks.ts';
import type { EquityTable, OrderEventsTable, PositionSnapshotsTable } from './schema.ts';

/** Order events, position snapshots and equity: the ledger of a run, to and from their rows. */

/** The event's own fields, besides its kind and time, for the `detail` column. */
function eventDetail(event: OrderEvent): Record<string, unknown> {
  switch (event.kind) {
    case 'submit':
      return {};
    case 'accept':
      return { venueOrderId: event.venueOrderId };
    case 'fill':
      return { tradeId: event.tradeId, qty: checkedInteger(event.qty, 'event.qty', 1) };
    case 'cancel':
    case 'reject':
      return { reason: event.reason };
    case 'amend':
      return { qty: checkedInteger(event.qty, 'event.qty', 1), limitPrice: checkedInteger(event.limitPrice, 'event.limitPrice', 1) };
    default:
      throw new RowFieldError('event.kind', `= ${JSON.stringify((event as { kind: unknown }).kind)} is not an order event`);
  }
}

function orderStatus(status: OrderStatus): OrderStatus {
  if (!Object.hasOwn(ORDER_TRANSITIONS, status)) throw new RowFieldError('status', `= ${JSON.stringify(status)} is not an order status`);
  return status;
}

export const orderEventToRow = (record: OrderEventRecord): Insertable<OrderEventsTable> => ({
  run_id: record.runId,
  order_id: record.orderId,
  // The column is an `integer`: an order has a handful of events.
  seq: checkedInt4(record.seq, 'seq', 1),
  ts_us: checkedInteger(record.event.ts, 'event.ts', 0),
  kind: record.event.kind,
  status: orderStatus(record.status),
  filled_lots: checkedInteger(record.filledQty, 'filledQty', 0),
  detail: JSON.stringify(eventDetail(record.event)),
});

function text(detail: Readonly<Record<string, unknown>>, key: string): string {
  const value = detail[key];
  if (typeof value !== 'string') throw new TypeError(`order_events.detail.${key} is not text`);
  return value;
}

function eventFromRow(row: Selectable<OrderEventsTable>): OrderEvent {
  const ts = exactInt8(row.ts_us, 'order_events.ts_us') as Micros;
  const detail = jsonRecord(row.detail, 'order_events.detail');
  switch (row.kind) {
    case 'submit':
      return { kind: 'submit', ts };
    case 'accept':
      return { kind: 'accept', ts, venueOrderId: text(detail, 'venueOrderId') };
    case 'fill': {
      const qty = detail['qty'];
      if (typeof qty !== 'number' || !Number.isSafeInteger(qty)) throw new TypeError('order_events.detail.qty is not an integer');
      return { kind: 'fill', ts, tradeId: text(detail, 'tradeId'), qty: qty as Lots };
    }
    case 'cancel':
    case 'reject':
      return { kind: row.kind, ts, reason: text(detail, 'reason') };
    case 'amend':
      return { kind: 'amend', ts, qty: integer(detail, 'qty') as Lots, limitPrice: integer(detail, 'limitPrice') as Ticks };
  }
}

function integer(detail: Readonly<Record<string, unknown>>, key: string): number {
  const value = detail[key];
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw new TypeError(`order_events.detail.${key} is not an integer`);
  return value;
}

export const orderEventFromRow = (row: Selectable<OrderEventsTable>): OrderEventRecord => ({
  runId: row.run_id,
  orderId: row.order_id,
  seq: row.seq,
  event: eventFromRow(row),
  status: row.status,
  filledQty: exactInt8(row.filled_lots, 'order_events.filled_lots') as Lots,
});

export function positionSnapshotToRow(record: PositionSnapshotRecord): Insertable<PositionSnapshotsTable> {
  if ((record.markTicks === null) !== (record.unrealizedPnl === null)) {
    throw new RowFieldError('unrealizedPnl', 'and markTicks must be both null or both set');
  }
  return {
    run_id: record.runId,
    seq: checkedInteger(record.seq, 'seq', 1),
    ts_us: checkedInteger(record.ts, 'ts', 0),
    qty_lots: checkedInteger(record.qty, 'qty'),
    cost_cash: checkedInteger(record.costBasis, 'costBasis'),
    realized_cash: checkedInteger(record.realizedPnl, 'realizedPnl'),
    fees_cash: checkedInteger(record.fees, 'fees'),
    mark_ticks: record.markTicks === null ? null : checkedInteger(record.markTicks, 'markTicks', 1),
    unrealized_cash: checkedNullableInteger(record.unrealizedPnl, 'unrealizedPnl'),
  };
}

export const positionSnapshotFromRow = (row: Selectable<PositionSnapshotsTable>): PositionSnapshotRecord => ({
  runId: row.run_id,
  seq: exactInt8(row.seq, 'position_snapshots.seq'),
  ts: exactInt8(row.ts_us, 'position_snapshots.ts_us') as Micros,
  qty: exactInt8(row.qty_lots, 'position_snapshots.qty_lots') as Lots,
  costBasis: exactInt8(row.cost_cash, 'position_snapshots.cost_cash') as Cash,
  realizedPnl: exactInt8(row.realized_cash, 'position_snapshots.realized_cash') as Cash,
  fees: exactInt8(row.fees_cash, 'position_snapshots.fees_cash') as Cash,
  markTicks: nullableInt8(row.mark_ticks, 'position_snapshots.mark_ticks') as Ticks | null,
  unrealizedPnl: nullableInt8(row.unrealized_cash, 'position_snapshots.unrealized_cash') as Cash | null,
});

export const equityToRow = (record: EquityRecord): Insertable<EquityTable> => ({
  run_id: record.runId,
  interval_start_us: checkedInteger(record.intervalStart, 'intervalStart', 0),
  interval_us: checkedInteger(record.interval, 'interval', 1),
  equity_cash: checkedInteger(record.equity, 'equity'),
  realized_cash: checkedInteger(record.realizedPnl, 'realizedPnl'),
  unrealized_cash: checkedInteger(record.unrealizedPnl, 'unrealizedPnl'),
  fees_cash: checkedInteger(record.fees, 'fees'),
  volume_lots: checkedInteger(record.volume, 'volume', 0),
  fills: checkedInt4(record.fills, 'fills', 0),
});

export const equityFromRow = (row: Selectable<EquityTable>): EquityRecord => ({
  runId: row.run_id,
  intervalStart: exactInt8(row.interval_start_us, 'equity.interval_start_us') as Micros,
  interval: exactInt8(row.interval_us, 'equity.interval_us') as Micros,
  equity: exactInt8(row.equity_cash, 'equity.equity_cash') as Cash,
  realizedPnl: exactInt8(row.realized_cash, 'equity.realized_cash') as Cash,
  unrealizedPnl: exactInt8(row.unrealized_cash, 'equity.unrealized_cash') as Cash,
  fees: exactInt8(row.fees_cash, 'equity.fees_cash') as Cash,
  volume: exactInt8(row.volume_lots, 'equity.volume_lots') as Lots,
  fills: row.fills,
});
