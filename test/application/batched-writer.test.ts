import { describe, expect, it } from 'vitest';
import { BatchedWriter } from '../../application/batched-writer.ts';
import { unwrap } from '../../domain/result.ts';
import { applyOrderEvent, createOrder, type Order } from '../../domain/trading/order.ts';
import type { Signal } from '../../domain/trading/signal.ts';
import type { Lots, Micros } from '../../domain/values/units.ts';
import { eventually } from '../support/builders.ts';
import { MemoryStore, RecordingLogger } from '../support/fakes.ts';

const signal = (i: number): Signal => ({ ts: i as Micros, score: 1, confidence: 0.9, horizonMs: 1000, modelId: 'm', schemaId: 's' });
const order = (id: string): Order =>
  unwrap(createOrder({ id, symbol: 'BTCUSDT', side: 'Buy', type: 'market', qty: 2 as Lots, limitPrice: null, reduceOnly: false, createdAt: 1 as Micros }));

describe('BatchedWriter', () => {
  it('flushes in the background once a batch is full, without being awaited', async () => {
    const store = new MemoryStore();
    const writer = new BatchedWriter(store, new RecordingLogger(), { batchRows: 10 });
    for (let i = 1; i <= 25; i++) writer.signal({ runId: 'r', seq: i, signal: signal(i), midTicks: null, acted: false });
    await eventually(() => store.signals.length >= 20);
    await writer.flush();
    expect(store.signals.map((s) => s.seq)).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
    expect(writer.stats).toMatchObject({ written: 25, queued: 0, writeErrors: 0 });
  });

  it('keeps rows through failed writes and writes them in order when the store returns', async () => {
    const store = new MemoryStore();
    const logger = new RecordingLogger();
    const writer = new BatchedWriter(store, logger, { batchRows: 5, finalAttempts: 3 });
    store.failNextWrites = 2;
    for (let i = 1; i <= 12; i++) writer.signal({ runId: 'r', seq: i, signal: signal(i), midTicks: null, acted: false });
    await writer.flush();
    expect(store.signals.map((s) => s.seq)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    expect(writer.stats.writeErrors).toBe(2);
    expect(logger.lines.filter((l) => l.level === 'error')).toHaveLength(2);
  });

  it('reports what is still unwritten when the store stays down', async () => {
    const store = new MemoryStore();
    const writer = new BatchedWriter(store, new RecordingLogger(), { batchRows: 100, finalAttempts: 2 });
    store.failNextWrites = 5;
    writer.signal({ runId: 'r', seq: 1, signal: signal(1), midTicks: null, acted: false });
    writer.fill({
      runId: 'r',
      arrivalMidTicks: null,
      fill: { tradeId: 't', orderId: 'o', symbol: 'BTCUSDT', side: 'Buy', price: 1 as never, qty: 1 as never, fee: 0 as never, liquidity: 'taker', ts: 1 as Micros },
    });
    await expect(writer.flush()).rejects.toThrow(/2 rows unwritten/);
    expect(writer.stats.queued).toBe(2);
    store.failNextWrites = 0;
    await writer.flush();
    expect(store.fills).toHaveLength(1);
  });

  it('collapses repeated states of one order to the latest', async () => {
    const store = new MemoryStore();
    const writer = new BatchedWriter(store, new RecordingLogger(), { batchRows: 100 });
    const o = order('a');
    writer.order({ runId: 'r', order: o });
    const submitted = unwrap(applyOrderEvent(o, { kind: 'submit', ts: 2 as Micros }));
    writer.order({ runId: 'r', order: submitted });
    expect(writer.stats.queued).toBe(1);
    await writer.flush();
    expect(store.orders.get('r/a')?.status).toBe('submitted');
  });
});
