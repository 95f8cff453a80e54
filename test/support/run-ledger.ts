import { createStore } from '../../adapters/postgres/connect.ts';
import { parseDbTarget } from '../../adapters/postgres/db-target.ts';
import type { FillRecord } from '../../application/ports/trading-store.ts';
import { unwrap } from '../../domain/result.ts';
import type { Order } from '../../domain/trading/order.ts';

/**
 * A run's orders and fills without the run's own ids (the order ids' run prefix, venue and trade ids):
 * what the venue was asked and what it did, to compare two runs over the same frames.
 */
export async function runLedger(db: string, runId: string): Promise<{ orders: unknown[]; fills: unknown[] }> {
  const store = await createStore(unwrap(parseDbTarget(db)));
  try {
    const strip = (id: string): string => id.slice(id.lastIndexOf('-') + 1);
    const orders = (await store.readOrders(runId)).map((o: Order) => ({ ...o, id: strip(o.id), venueOrderId: null }));
    const fills = (await store.readFills(runId)).map((f: FillRecord) => ({ ...f.fill, orderId: strip(f.fill.orderId), tradeId: null, arrivalMidTicks: f.arrivalMidTicks }));
    return { orders, fills };
  } finally {
    await store.close();
  }
}
