import { PGlite } from '@electric-sql/pglite';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPgliteStore, createStore } from '../../adapters/postgres/connect.ts';
import { FileSpillLog } from '../../adapters/spill/file-spill.ts';
import { BatchedWriter } from '../../application/batched-writer.ts';
import type { FeatureVectorRecord, SignalRecord, StoreBatch, TradingStore } from '../../application/ports/trading-store.ts';
import { BTCUSDT_SPEC } from '../../domain/values/instrument.ts';
import type { Micros } from '../../domain/values/units.ts';
import { eventually } from '../support/builders.ts';
import { RecordingLogger } from '../support/fakes.ts';
import { freshDatabase, postgresAnswers } from '../support/postgres.ts';
import { TcpProxy } from '../support/tcp-proxy.ts';

const T0 = 1_718_000_000_000_000;
const up = await postgresAnswers();
if (!up) console.warn('store-outage: no Postgres server on 127.0.0.1:5432; the server tests are skipped');

const signal = (runId: string, seq: number): SignalRecord => ({
  runId, seq, midTicks: null, acted: false,
  signal: { ts: (T0 + seq) as Micros, score: seq / 7, confidence: 0.5, horizonMs: 500, modelId: 'm', schemaId: 'fs-outage' },
});
const vector = (runId: string, seq: number, values: readonly number[] = [seq / 3, -0, 5e-324]): FeatureVectorRecord => ({
  runId, seq, vector: { schemaId: 'fs-outage', ts: (T0 + seq) as Micros, values: Float64Array.from(values) },
});
const startRun = (store: TradingStore, id: string): Promise<void> =>
  store.startRun({
    id, mode: 'paper', instrument: BTCUSDT_SPEC, source: 'synthetic', venue: 'sim', modelId: 'm', schemaId: 'fs-outage',
    config: {}, codeVersion: 'test', startedAt: T0 as Micros,
  });
const batch = (parts: Partial<StoreBatch>): StoreBatch => ({ signals: [], orders: [], fills: [], featureVectors: [], ...parts });
const upTo = (n: number): number[] => Array.from({ length: n }, (_, i) => i + 1);

describe.skipIf(!up)('writer through a cut connection (Postgres server)', () => {
  let db: Awaited<ReturnType<typeof freshDatabase>>;
  let proxy: TcpProxy;
  let dir: string;

  beforeAll(async () => {
    db = await freshDatabase('ladder_outage');
    proxy = await TcpProxy.start();
    dir = await mkdtemp(join(tmpdir(), 'ladder-outage-'));
  });

  afterAll(async () => {
    await proxy.close();
    await db.drop();
    await rm(dir, { recursive: true, force: true });
  });

  it('writes every row exactly once, in order, after the connection is cut and restored', async () => {
    const store = await createStore({ kind: 'postgres', url: proxy.urlFor(db.url) }, { connectTimeoutMs: 1_000 });
    await store.migrate();
    await startRun(store, 'outage');
    const spill = new FileSpillLog(join(dir, 'outage.jsonl'));
    const logger = new RecordingLogger();
    const limits = { batchRows: 50, maxBatchRows: 100, maxQueuedRows: 300 };
    const writer = new BatchedWriter(store, logger, { ...limits, flushEveryMs: 20, maxRetryMs: 200, spill });

    // The loop: 10 rows every 2 ms, never awaiting the writer.
    let seq = 0;
    let maxSpilled = 0;
    const producer = setInterval(() => {
      for (let k = 0; k < 5; k++) {
        seq++;
        writer.signal(signal('outage', seq));
        writer.featureVector(vector('outage', seq));
      }
      maxSpilled = Math.max(maxSpilled, writer.stats.spilled);
    }, 2);
    const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

    await wait(500);
    const beforeCut = writer.stats.written;
    proxy.cut();
    await eventually(() => writer.stats.writeErrors > 0, 5_000, 10);
    await wait(1_500);
    const duringCut = writer.stats;
    proxy.restore();
    await wait(700);
    clearInterval(producer);
    await writer.close();

    expect(beforeCut).toBeGreaterThan(0);
    expect(maxSpilled).toBeGreaterThan(0);
    // In memory: the bounded queue, one write in flight (up to maxBatchRows) and the rows pushed
    // while that write fails, which wait to go to the log behind it (10 a producer tick).
    expect(duringCut.queued).toBeLessThanOrEqual(limits.maxQueuedRows + limits.maxBatchRows + 100);
    expect(writer.stats).toMatchObject({ queued: 0, spilled: 0, rejected: 0, written: 2 * seq });
    expect((await store.readSignals('outage')).map((s) => s.seq)).toEqual(upTo(seq));
    const vectors = await store.readFeatureVectors('outage');
    expect(vectors.map((v) => v.seq)).toEqual(upTo(seq));
    expect(Object.is(vectors[seq - 1].vector.values[1], -0)).toBe(true);
    expect(await store.rowCounts('outage')).toMatchObject({ signals: seq, featureVectors: seq });
    expect((await spill.readAll()).rows).toHaveLength(0);
    await spill.close();
    await store.close();
  }, 20_000);

  it('stores nothing twice when a batch is written again (a lost commit acknowledgement)', async () => {
    const store = await createStore({ kind: 'postgres', url: db.url });
    await startRun(store, 'again');
    const b = batch({ signals: [signal('again', 1), signal('again', 2)], featureVectors: [vector('again', 1)] });
    expect(await store.write(b)).toEqual({ rejected: [] });
    expect(await store.write(b)).toEqual({ rejected: [] });
    expect(await store.rowCounts('again')).toMatchObject({ signals: 2, featureVectors: 1 });
    await store.close();
  });
});

/** Bad rows, refused one by one on both engines; the rest of their batch is written. */
function defineRejectionSuite(name: string, open: () => Promise<{ store: TradingStore; done: () => Promise<void> }>): void {
  // PGlite starts, migrates and writes row by row in one process: tens of seconds on a loaded machine.
  describe(`per-row rejection (${name})`, { timeout: 120_000 }, () => {
    it('refuses a NaN feature, an inexact or negative integer, a bad seq and an unknown run, naming the field', async () => {
      const { store, done } = await open();
      await store.migrate();
      await startRun(store, 'bad');
      const good = [vector('bad', 1), vector('bad', 4)];
      const outcome = await store.write(batch({
        featureVectors: [good[0], vector('bad', 2, [0.5, Number.NaN]), vector('bad', 0), good[1], vector('nobody', 5)],
        signals: [signal('bad', 1), { ...signal('bad', 2), signal: { ...signal('bad', 2).signal, ts: (2 ** 53) as Micros } }, signal('bad', 1.5)],
        fills: [{
          runId: 'bad', arrivalMidTicks: null,
          fill: { tradeId: 't1', orderId: 'o1', symbol: 'BTCUSDT', side: 'Buy', price: 651_000 as never, qty: -1 as never, fee: 0 as never, liquidity: 'taker', ts: T0 as Micros },
        }],
      }));
      expect(outcome.rejected.map(({ kind, key, field }) => ({ kind, key, field }))).toEqual(expect.arrayContaining([
        { kind: 'featureVectors', key: 'bad/2', field: 'vector.values[1]' },
        { kind: 'featureVectors', key: 'bad/0', field: 'seq' },
        { kind: 'featureVectors', key: 'nobody/5', field: 'runId' },
        { kind: 'signals', key: 'bad/2', field: 'signal.ts' },
        { kind: 'signals', key: 'bad/1.5', field: 'seq' },
        { kind: 'fills', key: 'bad/t1', field: 'fill.qty' },
      ]));
      expect(outcome.rejected).toHaveLength(6);
      expect(outcome.rejected.find((r) => r.key === 'bad/2' && r.kind === 'featureVectors')?.reason).toMatch(/NaN, not a finite number/);
      expect((await store.readFeatureVectors('bad')).map((v) => v.seq)).toEqual([1, 4]);
      expect((await store.readSignals('bad')).map((s) => s.seq)).toEqual([1]);
      expect(await store.rowCounts('bad')).toMatchObject({ fills: 0 });
      await store.close();
      await done();
    });
  });
}

defineRejectionSuite('PGlite', async () => {
  const pglite = await PGlite.create();
  return { store: createPgliteStore(pglite), done: () => pglite.close() };
});

if (up) {
  defineRejectionSuite('Postgres server', async () => {
    const db = await freshDatabase('ladder_reject');
    return { store: await createStore({ kind: 'postgres', url: db.url }), done: db.drop };
  });
}
