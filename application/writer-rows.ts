import type { QueuedRow } from './ports/spill-log.ts';
import type { OrderRecord, RiskEventRecord, RowKind, StoreBatch } from './ports/trading-store.ts';

/** Every row kind; a new `StoreBatch` array needs its line here (the compiler asks for it). */
const ROW_KINDS: { readonly [K in RowKind]: K } = {
  signals: 'signals',
  orders: 'orders',
  fills: 'fills',
  featureVectors: 'featureVectors',
  bookSnapshots: 'bookSnapshots',
  trades: 'trades',
  orderEvents: 'orderEvents',
  positionSnapshots: 'positionSnapshots',
  equity: 'equity',
  riskEvents: 'riskEvents',
  feedQuality: 'feedQuality',
};
export const KINDS: readonly RowKind[] = Object.values(ROW_KINDS);

/**
 * The ledger: rows that say what happened to money (an order's state, each event applied to it, each
 * fill). During an outage each one goes to the spill log, durably, before `push` returns.
 */
export const LEDGER_KINDS: ReadonlySet<RowKind> = new Set<RowKind>(['orders', 'orderEvents', 'fills']);

/** A row in the writer's memory. */
export interface Entry {
  readonly row: QueuedRow;
  /** When it was pushed, µs. */
  readonly at: number;
}

/** Groups rows into a batch, keeping each kind's order; repeated states of an order or of a risk episode collapse to the latest. */
export function toBatch(rows: readonly QueuedRow[]): StoreBatch {
  const lists = Object.fromEntries(KINDS.map((k) => [k, [] as unknown[]])) as Record<RowKind, unknown[]>;
  for (const row of rows) lists[row.kind].push(row.record);
  const orders = lists.orders as OrderRecord[];
  if (orders.length > 1) {
    const latest = new Map<string, OrderRecord>();
    for (const o of orders) latest.set(`${o.runId}\u0000${o.order.id}`, o);
    if (latest.size < orders.length) lists.orders = [...latest.values()];
  }
  const episodes = lists.riskEvents as RiskEventRecord[];
  if (episodes.length > 1) {
    // An episode's record is pushed again as it grows: the batch keeps its latest.
    const latest = new Map<string, RiskEventRecord>();
    for (const e of episodes) latest.set(`${e.runId}\u0000${e.seq}`, e);
    if (latest.size < episodes.length) lists.riskEvents = [...latest.values()];
  }
  return lists as unknown as StoreBatch;
}

/** A queue with O(1) amortised push and take from the front. */
export class Fifo<T> {
  #items: T[] = [];
  #head = 0;

  get length(): number {
    return this.#items.length - this.#head;
  }

  peek(): T | undefined {
    return this.#items[this.#head];
  }

  push(item: T): void {
    this.#items.push(item);
  }

  /** Removes and returns the oldest `n` items (fewer when there are fewer). */
  take(n: number): T[] {
    const out = this.#items.slice(this.#head, this.#head + Math.max(0, n));
    this.#head += out.length;
    if (this.#head > 4096 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return out;
  }

  /** Puts items back in front, oldest first. */
  unshift(items: readonly T[]): void {
    if (items.length === 0) return;
    this.#items = items.concat(this.#items.slice(this.#head));
    this.#head = 0;
  }
}
