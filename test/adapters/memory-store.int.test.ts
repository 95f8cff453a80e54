import 'reflect-metadata';
import { beforeAll, describe, expect, it } from 'vitest';
import { MemoryStore } from '../../adapters/memory/memory-store.ts';
import type { StoreBatch, TradingStore } from '../../application/ports/trading-store.ts';
import { paperConfig } from '../../composition/config.ts';
import { runPaper } from '../../composition/paper.ts';
import type { Micros } from '../../domain/values/units.ts';
import { RecordingLogger } from '../support/fakes.ts';

/*
 * The store of `--db none` against the embedded database: the same synthetic run, under the same run
 * id, through each, must read back the same run as far as the memory store holds it, and count the
 * same rows of every kind.
 */

const RUN_ID = '00000000-0000-4000-8000-000000000017';

async function readAll(store: TradingStore, runId: string): Promise<Record<string, unknown>> {
  const run = await store.readRun(runId);
  const orders = await store.readOrders(runId);
  const firstOrder = [...orders].sort((a, b) => (a.id < b.id ? -1 : 1))[0];
  return {
    // The summary's store figures (batches, lag) and its elapsed time are the machine's timing, not the run's.
    run: run === null ? null : { id: run.id, mode: run.mode, source: run.source, venue: run.venue, modelId: run.modelId, schemaId: run.schemaId, summary: { ...run.summary, store: null, elapsedMicros: null } },
    orders: [...orders].sort((a, b) => (a.id < b.id ? -1 : 1)),
    fills: await store.readFills(runId),
    signals: await store.readSignals(runId),
    orderEvents: await store.readOrderEvents(runId),
    positions: await store.readPositionSnapshots(runId),
    equity: await store.readEquity(runId),
    riskEvents: await store.readRiskEvents(runId),
    feedQuality: await store.readFeedQuality(runId),
    counts: await store.rowCounts(runId),
    pnlByRun: await store.pnlByRun(runId),
    pnlByDay: await store.pnlByDay(runId),
    lifecycle: firstOrder === undefined ? null : await store.orderLifecycle(runId, firstOrder.id),
    fillsBetween: await store.readFillsBetween(runId, 0 as Micros, Number.MAX_SAFE_INTEGER as Micros),
    open: (await store.readOpenRuns()).map((r) => r.id),
  };
}

async function runThrough(db: string): Promise<Record<string, unknown>> {
  const config = paperConfig({ source: 'synthetic', seed: '3', duration: '4m', speed: 'max', db, capital: '100000', 'max-position': '1', 'log-level': 'silent' }, {});
  let read: Record<string, unknown> | null = null;
  await runPaper(config, {
    logger: new RecordingLogger(),
    env: {},
    mode: 'backtest',
    runId: RUN_ID,
    afterRun: async (store, runId) => {
      read = await readAll(store, runId);
    },
  });
  if (read === null) throw new Error(`the run on ${db} ended without reading its store`);
  return read;
}

describe('the store of --db none', () => {
  let memory: Record<string, unknown>;
  let pglite: Record<string, unknown>;
  beforeAll(async () => {
    memory = await runThrough('none');
    pglite = await runThrough('pglite:memory');
  }, 300_000);

  it('reads back what the embedded database does for the same run, and counts the same rows', () => {
    expect((memory.fills as unknown[]).length, 'the run must trade for the comparison to mean something').toBeGreaterThan(0);
    expect((memory.counts as { featureVectors: number }).featureVectors, 'a paper run records its market data').toBeGreaterThan(0);
    for (const key of Object.keys(pglite)) expect(memory[key], key).toEqual(pglite[key]);
  });

  it('answers the market-data reads empty: those rows are counted, not held', async () => {
    const store = new MemoryStore();
    await store.startRun({
      id: 'r', mode: 'paper', instrument: { symbol: 'BTCUSDT', tickSize: '0.1', lotSize: '0.001', minQty: '0.001' },
      source: 's', venue: 'v', modelId: 'm', schemaId: 'x', config: {}, codeVersion: 'c', startedAt: 1 as Micros,
    });
    const batch = { signals: [], orders: [], fills: [], featureVectors: [{ runId: 'r', seq: 1 }, { runId: 'r', seq: 2 }], trades: [{ runId: 'r', tradeId: 't' }] } as unknown as StoreBatch;
    expect((await store.write(batch)).rejected).toEqual([]);
    expect(await store.readFeatureVectors('r')).toEqual([]);
    expect(await store.readTrades('r')).toEqual([]);
    const counts = await store.rowCounts('r');
    expect([counts.featureVectors, counts.trades]).toEqual([2, 1]);
  });

  it('refuses a row naming a run never started, and stores a batch written twice once', async () => {
    const store = new MemoryStore();
    await store.startRun({
      id: 'r', mode: 'paper', instrument: { symbol: 'BTCUSDT', tickSize: '0.1', lotSize: '0.001', minQty: '0.001' },
      source: 's', venue: 'v', modelId: 'm', schemaId: 'x', config: {}, codeVersion: 'c', startedAt: 1 as Micros,
    });
    const equity = { runId: 'r', intervalStart: 60_000_000, interval: 60_000_000 };
    const batch = { signals: [], orders: [], fills: [], featureVectors: [], equity: [equity, { ...equity, runId: 'gone' }] } as unknown as StoreBatch;
    const first = await store.write(batch);
    expect(first.rejected).toEqual([{ kind: 'equity', key: 'gone/60000000', field: 'runId', reason: 'no such run' }]);
    await store.write(batch);
    expect(await store.readEquity('r')).toHaveLength(1);
    expect((await store.rowCounts('gone')).equity).toBe(0);
  });
});
