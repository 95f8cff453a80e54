import { afterEach, describe, expect, it, vi } from 'vitest';
import { BatchedWriter, type BatchStore } from '../../application/batched-writer.ts';
import type { Clock } from '../../application/ports/clock.ts';
import { MemorySpillLog } from '../../application/ports/spill-log.ts';
import type { FeatureVectorRecord, RowRejection, SignalRecord, StoreBatch, WriteOutcome } from '../../application/ports/trading-store.ts';
import { unwrap } from '../../domain/result.ts';
import { applyOrderEvent, createOrder, type Order } from '../../domain/trading/order.ts';
import type { Lots, Micros } from '../../domain/values/units.ts';
import { eventually } from '../support/builders.ts';
import { RecordingLogger } from '../support/fakes.ts';

const signal = (seq: number): SignalRecord => ({
  runId: 'r', seq, midTicks: null, acted: false,
  signal: { ts: seq as Micros, score: 1, confidence: 0.9, horizonMs: 1000, modelId: 'm', schemaId: 's' },
});
const vector = (seq: number, values: readonly number[] = [seq / 3, -seq, 0.1]): FeatureVectorRecord => ({
  runId: 'r', seq, vector: { schemaId: 'fs-0123456789abcdef', ts: (1_000 + seq) as Micros, values: Float64Array.from(values) },
});
const order = (id: string): Order =>
  unwrap(createOrder({ id, symbol: 'BTCUSDT', side: 'Buy', type: 'market', qty: 2 as Lots, limitPrice: null, reduceOnly: false, createdAt: 1 as Micros }));
const upTo = (n: number): number[] => Array.from({ length: n }, (_, i) => i + 1);

/**
 * A store that keeps what it is given, in write order, and that the test can take down, make
 * refuse feature vectors holding NaN (as the adapter does), or hold a write open.
 */
class FakeStore implements BatchStore {
  down = false;
  failNext = 0;
  writes = 0;
  /** Seqs of signals and feature vectors, with the write that stored each. */
  readonly rows: { kind: string; seq: number; write: number }[] = [];
  readonly orders = new Map<string, Order>();
  #held: { release: (fail: boolean) => void } | null = null;
  holdNext = false;

  async write(batch: StoreBatch): Promise<WriteOutcome> {
    if (this.holdNext) {
      this.holdNext = false;
      const fail = await new Promise<boolean>((resolve) => (this.#held = { release: resolve }));
      if (fail) throw new Error('write failed: connection terminated');
    }
    if (this.down || this.failNext > 0) {
      if (this.failNext > 0) this.failNext--;
      throw new Error('write failed: connection refused');
    }
    this.writes++;
    const rejected: RowRejection[] = [];
    for (const s of batch.signals) this.rows.push({ kind: 'signal', seq: s.seq, write: this.writes });
    for (const v of batch.featureVectors) {
      const bad = v.vector.values.findIndex((x) => !Number.isFinite(x));
      if (bad >= 0) rejected.push({ kind: 'featureVectors', key: `r/${v.seq}`, field: `vector.values[${bad}]`, reason: 'is NaN, not a finite number' });
      else this.rows.push({ kind: 'vector', seq: v.seq, write: this.writes });
    }
    for (const o of batch.orders) this.orders.set(o.order.id, o.order);
    return Promise.resolve({ rejected });
  }

  release(fail: boolean): void {
    this.#held?.release(fail);
    this.#held = null;
  }

  get held(): boolean {
    return this.#held !== null;
  }

  seqs(kind: string): number[] {
    return this.rows.filter((r) => r.kind === kind).map((r) => r.seq);
  }
}

class ManualClock implements Clock {
  now = 1_000_000;
  nowMicros(): Micros {
    return this.now as Micros;
  }
}

afterEach(() => {
  vi.useRealTimers();
});

describe('BatchedWriter', () => {
  it('writes a full batch in the background, without being awaited, in push order', async () => {
    const store = new FakeStore();
    const writer = new BatchedWriter(store, new RecordingLogger(), { batchRows: 10, maxBatchRows: 10 });
    for (let i = 1; i <= 25; i++) writer.signal(signal(i));
    await eventually(() => store.rows.length >= 20);
    await writer.flush();
    expect(store.seqs('signal')).toEqual(upTo(25));
    expect(writer.stats).toMatchObject({ written: 25, queued: 0, spilled: 0, writeErrors: 0, batches: 3 });
  });

  it('drains a backlog in writes of up to maxBatchRows, in push order', async () => {
    const store = new FakeStore();
    const writer = new BatchedWriter(store, new RecordingLogger(), { batchRows: 10, maxBatchRows: 40 });
    // The first write takes the first 10 rows; the 90 pushed while it runs wait for it, then go 40 at a time.
    for (let i = 1; i <= 100; i++) writer.signal(signal(i));
    await writer.flush();
    expect(store.seqs('signal')).toEqual(upTo(100));
    const sizes: number[] = [];
    for (const row of store.rows) sizes[row.write - 1] = (sizes[row.write - 1] ?? 0) + 1;
    expect(sizes).toEqual([10, 40, 40, 10]);
  });

  it('writes a partial batch flushEveryMs after its first row, and not before', async () => {
    vi.useFakeTimers();
    const store = new FakeStore();
    const writer = new BatchedWriter(store, new RecordingLogger(), { batchRows: 100, flushEveryMs: 250 });
    writer.signal(signal(1));
    await vi.advanceTimersByTimeAsync(100);
    writer.signal(signal(2));
    await vi.advanceTimersByTimeAsync(149);
    expect(store.writes).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(store.seqs('signal')).toEqual([1, 2]);
    // A row pushed later waits its own interval.
    writer.signal(signal(3));
    await vi.advanceTimersByTimeAsync(249);
    expect(store.writes).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(store.seqs('signal')).toEqual([1, 2, 3]);
  });

  it('retries a failed write from a timer, with a growing pause, and keeps the order', async () => {
    vi.useFakeTimers();
    const store = new FakeStore();
    const logger = new RecordingLogger();
    const writer = new BatchedWriter(store, logger, { batchRows: 4, flushEveryMs: 100, maxRetryMs: 400 });
    store.failNext = 3;
    for (let i = 1; i <= 6; i++) writer.signal(signal(i));
    await vi.advanceTimersByTimeAsync(0);
    expect(writer.stats.writeErrors).toBe(1);
    await vi.advanceTimersByTimeAsync(100); // second attempt after 100 ms
    expect(writer.stats.writeErrors).toBe(2);
    await vi.advanceTimersByTimeAsync(199); // the third waits 200 ms
    expect(writer.stats.writeErrors).toBe(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(writer.stats.writeErrors).toBe(3);
    await vi.advanceTimersByTimeAsync(400);
    expect(store.seqs('signal')).toEqual(upTo(6));
    expect(logger.lines.filter((l) => l.level === 'error')).toHaveLength(3);
  });

  it('holds at most maxQueuedRows in memory while the store is down, spills the oldest, and writes the spilled rows back first', async () => {
    const store = new FakeStore();
    const spill = new MemorySpillLog();
    // The bound alone: rows are not sent to the log on the first failure.
    const writer = new BatchedWriter(store, new RecordingLogger(), { batchRows: 8, maxQueuedRows: 20, finalAttempts: 1, spill, spillOnFailure: false });
    store.down = true;
    // Pushed in bursts of 10 with a turn of the event loop between, as the trading loop does: the
    // memory holds the queue's 20 rows plus at most one burst on its way to the log.
    for (let i = 1; i <= 100; i++) {
      writer.featureVector(vector(i));
      expect(writer.stats.queued).toBeLessThanOrEqual(20 + 10);
      if (i % 10 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    await eventually(() => spill.size >= 80);
    expect(writer.stats).toMatchObject({ queued: 20, spilled: 80 });
    store.down = false;
    for (let i = 101; i <= 110; i++) writer.featureVector(vector(i));
    await writer.flush();
    expect(store.seqs('vector')).toEqual(upTo(110));
    // Every write holds rows pushed after those of the write before.
    const writesInPushOrder = store.rows.map((r) => r.write);
    expect(writesInPushOrder).toEqual([...writesInPushOrder].sort((a, b) => a - b));
    expect(spill.size).toBe(0);
    expect(writer.stats).toMatchObject({ written: 110, queued: 0, spilled: 0 });
  });

  it('puts a write that fails back in front of rows that overflowed while it was in flight', async () => {
    const store = new FakeStore();
    const spill = new MemorySpillLog();
    const writer = new BatchedWriter(store, new RecordingLogger(), { batchRows: 5, maxQueuedRows: 5, spill, spillOnFailure: false });
    store.holdNext = true;
    for (let i = 1; i <= 5; i++) writer.signal(signal(i));
    await eventually(() => store.held);
    // Rows 1-5 are in flight; 6-12 overflow the bound of 5 while it is open.
    for (let i = 6; i <= 12; i++) writer.signal(signal(i));
    expect(spill.appends).toBe(0);
    store.down = true;
    store.release(true);
    await eventually(() => writer.stats.spilled === 7);
    expect(writer.stats.queued).toBe(5);
    store.down = false;
    await writer.flush();
    expect(store.seqs('signal')).toEqual(upTo(12));
  });

  it('on the first failed write sends every row in memory to the log, and a ledger row pushed during the outage is in it when push returns', async () => {
    vi.useFakeTimers();
    const store = new FakeStore();
    const spill = new MemorySpillLog();
    const writer = new BatchedWriter(store, new RecordingLogger(), { batchRows: 5, flushEveryMs: 250, spill });
    for (let i = 1; i <= 3; i++) writer.signal(signal(i));
    store.down = true;
    await vi.advanceTimersByTimeAsync(250);
    // The write of rows 1-3 failed: far below any bound, they are in the log all the same.
    expect(writer.stats).toMatchObject({ writeErrors: 1, queued: 0, spilled: 3 });
    expect(spill.size).toBe(3);
    writer.signal(signal(4));
    expect(spill.size).toBe(3);
    writer.order({ runId: 'r', order: order('a') });
    // No await between: the order and the signal before it are durable already, in push order.
    expect(spill.size).toBe(5);
    expect((await spill.readAll()).rows.map((r) => r.kind)).toEqual(['signals', 'signals', 'signals', 'signals', 'orders']);
    writer.fill({ runId: 'r', arrivalMidTicks: null, fill: { tradeId: 't1', orderId: 'a', symbol: 'BTCUSDT', side: 'Buy', price: 1 as never, qty: 2 as never, fee: 0 as never, liquidity: 'taker', ts: 5 as Micros } });
    writer.push('orderEvents', { runId: 'r', orderId: 'a', seq: 1, event: { kind: 'submit', ts: 2 as Micros }, status: 'submitted', filledQty: 0 as Lots });
    expect(spill.size).toBe(7);
    // Other rows wait at most flushEveryMs, or until batchRows of them are held.
    writer.signal(signal(5));
    expect(spill.size).toBe(7);
    await vi.advanceTimersByTimeAsync(250);
    expect(spill.size).toBe(8);
    for (let i = 6; i <= 10; i++) writer.signal(signal(i));
    expect(spill.size).toBe(13);
    expect(writer.stats.queued).toBe(0);
    // Back up: the log is written back in push order, then new rows go to memory again.
    store.down = false;
    await writer.flush();
    writer.signal(signal(11));
    expect(spill.size).toBe(0);
    await writer.flush();
    expect(store.seqs('signal')).toEqual(upTo(11));
    expect(store.orders.get('a')?.id).toBe('a');
    expect(writer.stats).toMatchObject({ queued: 0, spilled: 0, written: 14 });
  });

  it('a failed write-back sends what waits in memory to the log behind it, keeping push order', async () => {
    const store = new FakeStore();
    const spill = new MemorySpillLog();
    const writer = new BatchedWriter(store, new RecordingLogger(), { batchRows: 4, finalAttempts: 1, spill });
    store.down = true;
    for (let i = 1; i <= 4; i++) writer.signal(signal(i));
    await eventually(() => spill.size === 4);
    // The store answers: the write-back starts, and rows pushed meanwhile go to memory.
    store.down = false;
    store.holdNext = true;
    const flushing = writer.flush().catch(() => undefined);
    await eventually(() => store.held);
    for (let i = 5; i <= 7; i++) writer.signal(signal(i));
    expect(writer.stats.queued).toBe(3);
    store.down = true;
    store.release(true);
    await flushing;
    expect(writer.stats).toMatchObject({ queued: 0, spilled: 7 });
    store.down = false;
    await writer.flush();
    expect(store.seqs('signal')).toEqual(upTo(7));
  });

  it('close() spills what it cannot write; the next writer recovers it, once and in order', async () => {
    const store = new FakeStore();
    const spill = new MemorySpillLog();
    const first = new BatchedWriter(store, new RecordingLogger(), { batchRows: 4, finalAttempts: 2, spill });
    for (let i = 1; i <= 6; i++) first.signal(signal(i));
    await eventually(() => store.rows.length === 4);
    store.down = true;
    for (let i = 7; i <= 15; i++) first.signal(signal(i));
    expect(await first.close()).toEqual({ written: 4, spilled: 11 });
    expect(spill.size).toBe(11);
    expect(() => first.signal(signal(16))).toThrow(/after the writer was closed/);

    const second = new BatchedWriter(store, new RecordingLogger(), { batchRows: 4, spill });
    expect(await second.recover()).toEqual({ found: 11, skippedLines: 0, pending: 11 }); // still down
    second.signal(signal(16));
    store.down = false;
    await second.flush();
    expect(store.seqs('signal')).toEqual(upTo(16));
    expect(spill.size).toBe(0);
    const third = new BatchedWriter(store, new RecordingLogger(), { spill });
    expect(await third.recover()).toEqual({ found: 0, skippedLines: 0, pending: 0 });
  });

  it('with a store still opening, writes nothing until recover(), then the spill log, then every row queued meanwhile, in order', async () => {
    const store = new FakeStore();
    const spill = new MemorySpillLog();
    spill.append(upTo(3).map((seq) => ({ kind: 'signals', record: signal(seq) })));
    const writer = new BatchedWriter(store, new RecordingLogger(), { batchRows: 2, maxQueuedRows: 5, flushEveryMs: 1, spill, opening: true });
    // Beyond batchRows and maxQueuedRows alike: nothing is written, nothing goes to the log.
    for (let i = 4; i <= 12; i++) writer.signal(signal(i));
    await expect(writer.flush()).rejects.toThrow(/not open yet: 9 rows/);
    expect(store.writes).toBe(0);
    expect(spill.size).toBe(3);
    expect(await writer.recover()).toEqual({ found: 3, skippedLines: 0, pending: 0 });
    writer.signal(signal(13));
    await writer.flush();
    expect(store.seqs('signal')).toEqual(upTo(13));
    expect(spill.size).toBe(0);
    await writer.close();
  });

  it('discard() closes a writer whose store never opened and counts what it held, leaving the log alone', async () => {
    const store = new FakeStore();
    const spill = new MemorySpillLog();
    spill.append([{ kind: 'signals', record: signal(1) }]);
    const writer = new BatchedWriter(store, new RecordingLogger(), { batchRows: 2, spill, opening: true });
    for (let i = 2; i <= 6; i++) writer.signal(signal(i));
    expect(await writer.discard()).toBe(5);
    expect(store.writes).toBe(0);
    expect(spill.size).toBe(1);
    expect(() => writer.signal(signal(7))).toThrow(/after the writer was closed/);
  });

  it('close() rejects, counting them, only for rows it could neither write nor spill', async () => {
    const store = new FakeStore();
    const spill = new MemorySpillLog();
    const writer = new BatchedWriter(store, new RecordingLogger(), { batchRows: 100, finalAttempts: 1, spill });
    store.down = true;
    for (let i = 1; i <= 3; i++) writer.signal(signal(i));
    // The append on the first failure, then the one at close.
    spill.failNextAppends = 2;
    await expect(writer.close()).rejects.toThrow(/^3 rows could be neither written nor spilled to memory/);
  });

  it('keeps rows in memory beyond the bound once the spill log fails, rather than drop them', async () => {
    const store = new FakeStore();
    const spill = new MemorySpillLog();
    const logger = new RecordingLogger();
    const writer = new BatchedWriter(store, logger, { batchRows: 100, maxQueuedRows: 3, spill });
    store.down = true;
    spill.failNextAppends = 1;
    for (let i = 1; i <= 10; i++) writer.signal(signal(i));
    await eventually(() => writer.stats.spillErrors === 1);
    expect(writer.stats).toMatchObject({ queued: 10, spilled: 0 });
    store.down = false;
    await writer.flush();
    expect(store.seqs('signal')).toEqual(upTo(10));
  });

  it('reports lag from the clock: the age of the oldest row not yet written, spilled ones included', async () => {
    const store = new FakeStore();
    const clock = new ManualClock();
    const spill = new MemorySpillLog();
    const writer = new BatchedWriter(store, new RecordingLogger(), { batchRows: 100, maxQueuedRows: 2, finalAttempts: 1, clock, spill });
    expect(writer.stats.lagMicros).toBe(0);
    store.down = true;
    writer.signal(signal(1));
    clock.now += 500;
    writer.signal(signal(2));
    writer.signal(signal(3)); // row 1 goes to the spill log
    clock.now += 1_500;
    await eventually(() => spill.size === 1);
    expect(writer.stats).toMatchObject({ lagMicros: 2_000, queued: 2, spilled: 1 });
    await expect(writer.flush()).rejects.toThrow(/3 rows unwritten/);
    store.down = false;
    await writer.flush();
    expect(writer.stats).toMatchObject({ lagMicros: 0, written: 3, writeErrors: 1 });
  });

  it('counts and logs once a row the store refuses, writes the rest of its batch, and does not throw on NaN', async () => {
    const store = new FakeStore();
    const logger = new RecordingLogger();
    const writer = new BatchedWriter(store, logger, { batchRows: 100 });
    writer.featureVector(vector(1));
    expect(() => writer.featureVector(vector(2, [0.5, Number.NaN]))).not.toThrow();
    writer.featureVector(vector(3));
    writer.signal(signal(1));
    await writer.flush();
    await writer.flush();
    expect(store.seqs('vector')).toEqual([1, 3]);
    expect(store.seqs('signal')).toEqual([1]);
    expect(writer.stats).toMatchObject({ written: 3, rejected: 1, batches: 1, writeErrors: 0 });
    expect(writer.stats.byKind.featureVectors).toEqual({ written: 2, rejected: 1 });
    expect(writer.stats.byKind.signals).toEqual({ written: 1, rejected: 0 });
    const refusals = logger.lines.filter((l) => l.fields.field !== undefined);
    expect(refusals).toEqual([expect.objectContaining({ level: 'error', fields: expect.objectContaining({ key: 'r/2', field: 'vector.values[1]' }) })]);
  });

  it('collapses repeated states of one order in a batch to the latest', async () => {
    const store = new FakeStore();
    const seen: number[] = [];
    const writer = new BatchedWriter(
      { write: (b) => (seen.push(b.orders.length), store.write(b)) },
      new RecordingLogger(),
      { batchRows: 100 },
    );
    const o = order('a');
    writer.order({ runId: 'r', order: o });
    writer.order({ runId: 'r', order: unwrap(applyOrderEvent(o, { kind: 'submit', ts: 2 as Micros })) });
    writer.order({ runId: 'r', order: order('b') });
    await writer.flush();
    expect(seen).toEqual([2]);
    expect(store.orders.get('a')?.status).toBe('submitted');
  });
});
