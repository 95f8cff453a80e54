import { describe, expect, it } from 'vitest';
import { BatchedWriter } from '../../application/batched-writer.ts';
import type { FeatureVectorRecord } from '../../application/ports/trading-store.ts';
import { unwrap } from '../../domain/result.ts';
import { applyOrderEvent, createOrder, type Order } from '../../domain/trading/order.ts';
import type { Signal } from '../../domain/trading/signal.ts';
import type { Lots, Micros } from '../../domain/values/units.ts';
import { eventually } from '../support/builders.ts';
import { MemoryStore, RecordingLogger } from '../support/fakes.ts';

const signal = (i: number): Signal => ({ ts: i as Micros, score: 1, confidence: 0.9, horizonMs: 1000, modelId: 'm', schemaId: 's' });
const order = (id: string): Order =>
  unwrap(createOrder({ id, symbol: 'BTCUSDT', side: 'Buy', type: 'market', qty: 2 as Lots, limitPrice: null, reduceOnly: false, createdAt: 1 as Micros }));

const vector = (seq: number, values: readonly number[] = [seq / 3, -seq, 0.1]): FeatureVectorRecord => ({
  runId: 'r', seq, vector: { schemaId: 'fs-0123456789abcdef', ts: (1_000 + seq) as Micros, values: Float64Array.from(values) },
});
const seqs = (records: readonly { seq: number }[]): number[] => records.map((r) => r.seq);
const upTo = (n: number): number[] => Array.from({ length: n }, (_, i) => i + 1);

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

  it('counts feature vectors as rows toward a batch, and writes them with the signals of the same batch', async () => {
    const store = new MemoryStore();
    const writer = new BatchedWriter(store, new RecordingLogger(), { batchRows: 10 });
    for (let i = 1; i <= 6; i++) writer.featureVector(vector(i));
    for (let i = 1; i <= 3; i++) writer.signal({ runId: 'r', seq: i, signal: signal(i), midTicks: null, acted: false });
    // Nine rows queued: under the threshold, nothing is written yet.
    await Promise.resolve();
    expect(store.writes).toBe(0);
    expect(writer.stats).toMatchObject({ queued: 9, featureVectors: { written: 0, queued: 6 } });

    writer.featureVector(vector(7));
    await eventually(() => store.writes === 1);
    expect(seqs(store.featureVectors)).toEqual(upTo(7));
    expect(seqs(store.signals)).toEqual(upTo(3));
    // The records handed over are the ones stored: schema id, time and values untouched.
    expect(store.featureVectors[3]).toEqual(vector(4));
    expect(writer.stats).toMatchObject({ written: 10, queued: 0, batches: 1, featureVectors: { written: 7, queued: 0 } });
  });

  it('keeps feature vectors through failed writes and writes each once, in order, when the store returns', async () => {
    const store = new MemoryStore();
    const logger = new RecordingLogger();
    const writer = new BatchedWriter(store, logger, { batchRows: 4, finalAttempts: 3 });
    store.failNextWrites = 2;
    // The first background write fails, so later pushes find a queue that grows past the threshold.
    for (let i = 1; i <= 9; i++) writer.featureVector(vector(i));
    await eventually(() => writer.stats.writeErrors >= 1);
    for (let i = 10; i <= 15; i++) writer.featureVector(vector(i));
    await writer.flush();

    expect(seqs(store.featureVectors)).toEqual(upTo(15));
    expect(store.featureVectors.map((r) => r.vector)).toEqual(upTo(15).map((i) => vector(i).vector));
    expect(await store.rowCounts('r')).toMatchObject({ featureVectors: 15 });
    expect(writer.stats).toMatchObject({ written: 15, queued: 0, writeErrors: 2, featureVectors: { written: 15, queued: 0 } });
    expect(logger.lines.filter((l) => l.level === 'error')).toHaveLength(2);
  });

  it('reports unwritten feature vectors while the store stays down, and writes them once it is back', async () => {
    const store = new MemoryStore();
    const writer = new BatchedWriter(store, new RecordingLogger(), { batchRows: 100, finalAttempts: 2 });
    store.failNextWrites = 2;
    for (let i = 1; i <= 3; i++) writer.featureVector(vector(i));
    await expect(writer.flush()).rejects.toThrow(/3 rows unwritten/);
    expect(writer.stats.featureVectors).toEqual({ written: 0, queued: 3 });
    await writer.flush();
    expect(seqs(store.featureVectors)).toEqual(upTo(3));
  });

  it('refuses a feature vector holding NaN or an infinity at once, naming run, seq and index, and queues nothing of it', async () => {
    const store = new MemoryStore();
    const writer = new BatchedWriter(store, new RecordingLogger(), { batchRows: 100 });
    writer.featureVector(vector(1));
    expect(() => writer.featureVector(vector(2, [0.5, Number.NaN]))).toThrow('feature vector of run "r" seq 2: value 1 is NaN, not a finite number');
    expect(() => writer.featureVector(vector(2, [Number.NEGATIVE_INFINITY]))).toThrow(/seq 2: value 0 is -Infinity/);
    expect(writer.stats.featureVectors.queued).toBe(1);
    writer.featureVector(vector(2));
    await writer.flush();
    expect(seqs(store.featureVectors)).toEqual([1, 2]);
    expect(store.featureVectors.every((r) => r.vector.values.every(Number.isFinite))).toBe(true);
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
