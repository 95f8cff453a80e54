import { PGlite } from '@electric-sql/pglite';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { createPgliteStore, createStore } from '../adapters/postgres/connect.ts';
import type {
  FeatureVectorRecord, FillRecord, OrderEventRecord, OrderRecord, PositionSnapshotRecord, SignalRecord, StoreBatch, TradingStore,
} from '../application/ports/trading-store.ts';
import { BTCUSDT_SPEC } from '../domain/values/instrument.ts';
import { cash, lots, ticks, type Micros } from '../domain/values/units.ts';

/*
 * The store's write and read figures, against the Postgres server (DATABASE_URL, or the test server
 * on 127.0.0.1:5432) and against PGlite in memory. Everything happens in a database (server) or an
 * instance (PGlite) made for the bench and dropped at the end.
 *
 * Writes: 60-feature vectors through `KyselyStore.write`, in batches of the batched writer's size
 * (500) and of 5,000. Reads: a bulk run of many vectors filled by one `insert … select
 * generate_series` (the bulk is not what is measured), then a run's worth of signals, orders, order
 * events, fills and position snapshots over three days written through the store, then p50/p99 of
 * each read query.
 */

export type Figures = Record<string, { value: number; unit: string }>;

const FEATURES = 60;
const DAY = 86_400_000_000; // µs
const T0 = 19_885 * DAY; // 2024-06-11T00:00:00Z
const ROUNDS = 300;

interface Sizes {
  /** Vectors written per batch size to measure the write rate. */
  readonly writeVectors: number;
  /** Vectors in the bulk run the read queries are timed on. */
  readonly bulkVectors: number;
}

const SERVER: Sizes = { writeVectors: 100_000, bulkVectors: 1_000_000 };
// PGlite is one WASM process holding the table in memory: fewer rows keep the bench to a few seconds.
const PGLITE: Sizes = { writeVectors: 50_000, bulkVectors: 200_000 };

/** The run the read queries are timed on, besides the bulk vectors: counts of each kind. */
const RUN = { vectors: 10_000, signals: 2_000, orders: 1_000, fillsPerOrder: 2 };

interface Engine {
  readonly name: 'server' | 'pglite';
  readonly store: TradingStore;
  exec(text: string): Promise<void>;
  close(): Promise<void>;
}

const round = (n: number, digits = 0): number => Number(n.toFixed(digits));

const run = (id: string) => ({
  id, mode: 'backtest' as const, instrument: BTCUSDT_SPEC, source: 'bench', venue: 'sim', modelId: 'bench', schemaId: 'bench-60',
  config: {}, codeVersion: 'bench', startedAt: T0 as Micros,
});

function vectors(runId: string, from: number, count: number): FeatureVectorRecord[] {
  const out: FeatureVectorRecord[] = [];
  for (let seq = from; seq < from + count; seq++) {
    const values = new Float64Array(FEATURES);
    for (let i = 0; i < FEATURES; i++) values[i] = Math.random() * 2 - 1;
    out.push({ runId, seq, vector: { schemaId: 'bench-60', ts: (T0 + seq * 50_000) as Micros, values } });
  }
  return out;
}

const empty = (): StoreBatch => ({ signals: [], orders: [], fills: [], featureVectors: [] });

/** Vectors a second through `write`, in batches of `batchSize`, the vectors made beforehand. */
async function writeRate(engine: Engine, runId: string, total: number, batchSize: number): Promise<number> {
  await engine.store.startRun(run(runId));
  const all = vectors(runId, 1, total);
  const started = performance.now();
  for (let i = 0; i < total; i += batchSize) {
    const outcome = await engine.store.write({ ...empty(), featureVectors: all.slice(i, i + batchSize) });
    if (outcome.rejected.length > 0) throw new Error(`bench write rejected ${outcome.rejected.length} vectors`);
  }
  return total / ((performance.now() - started) / 1000);
}

/** A run's rows over three days: signals, orders accepted and filled in two parts, fills with slippage, positions. */
function runRows(runId: string): StoreBatch {
  const signals: SignalRecord[] = [];
  const orders: OrderRecord[] = [];
  const orderEvents: OrderEventRecord[] = [];
  const fills: FillRecord[] = [];
  const positionSnapshots: PositionSnapshotRecord[] = [];
  const step = Math.floor((3 * DAY) / RUN.signals);
  for (let seq = 1; seq <= RUN.signals; seq++) {
    const ts = (T0 + seq * step) as Micros;
    signals.push({
      runId, seq, midTicks: null, acted: seq % 2 === 0,
      signal: { ts, score: Math.random(), confidence: 0.6, horizonMs: 500, modelId: 'bench', schemaId: 'bench-60' },
    });
  }
  let qty = 0;
  let realized = 0;
  for (let n = 1; n <= RUN.orders; n++) {
    const id = `o-${n}`;
    const ts = T0 + n * Math.floor((3 * DAY) / RUN.orders);
    const side = n % 2 === 1 ? 'Buy' : 'Sell';
    orders.push({
      runId,
      order: {
        id, symbol: 'BTCUSDT', side, type: 'market', qty: lots(2), limitPrice: null, reduceOnly: false, status: 'filled',
        filledQty: lots(2), venueOrderId: `v-${n}`, createdAt: ts as Micros, updatedAt: (ts + 3) as Micros, reason: null,
      },
    });
    orderEvents.push(
      { runId, orderId: id, seq: 1, event: { kind: 'submit', ts: ts as Micros }, status: 'submitted', filledQty: lots(0) },
      { runId, orderId: id, seq: 2, event: { kind: 'accept', ts: (ts + 1) as Micros, venueOrderId: `v-${n}` }, status: 'accepted', filledQty: lots(0) },
    );
    for (let part = 1; part <= RUN.fillsPerOrder; part++) {
      const tradeId = `${id}-${part}`;
      const fillTs = (ts + 1 + part) as Micros;
      const price = 650_000 + (n % 7);
      fills.push({
        runId, arrivalMidTicks: ticks(650_000 + (n % 5)),
        fill: { tradeId, orderId: id, symbol: 'BTCUSDT', side, price: ticks(price), qty: lots(1), fee: cash(390), liquidity: 'taker', ts: fillTs },
      });
      orderEvents.push({
        runId, orderId: id, seq: 2 + part, event: { kind: 'fill', ts: fillTs, tradeId, qty: lots(1) },
        status: part === RUN.fillsPerOrder ? 'filled' : 'partially_filled', filledQty: lots(part),
      });
      qty += side === 'Buy' ? 1 : -1;
      if (side === 'Sell') realized += (n % 7) * 10_000;
      positionSnapshots.push({
        runId, seq: positionSnapshots.length + 1, ts: fillTs, qty: lots(qty), costBasis: cash(qty * 6_500_000_000),
        realizedPnl: cash(realized), fees: cash(390 * (positionSnapshots.length + 1)), markTicks: null, unrealizedPnl: null,
      });
    }
  }
  return { signals, orders, fills, featureVectors: vectors(runId, 1, RUN.vectors), orderEvents, positionSnapshots };
}

/** p50 and p99 of `query` over ROUNDS calls after a few to warm the caches, ms. */
async function latency(query: (i: number) => Promise<unknown>): Promise<{ p50: number; p99: number }> {
  for (let i = 0; i < 20; i++) await query(i);
  const times: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const started = performance.now();
    await query(i);
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  const at = (p: number) => times[Math.min(times.length - 1, Math.ceil(p * times.length) - 1)];
  return { p50: at(0.5), p99: at(0.99) };
}

async function benchEngine(engine: Engine, sizes: Sizes, log: (line: string) => void, figures: Figures): Promise<void> {
  const e = engine.name;
  await engine.store.migrate();
  for (const batchSize of [500, 5_000]) {
    const rate = await writeRate(engine, `write-${batchSize}`, sizes.writeVectors, batchSize);
    log(`store (${e}): ${round(rate)} vectors/s written, ${FEATURES} features each, ${sizes.writeVectors} in batches of ${batchSize}${e === 'server' ? ' (goal ≥ 50,000/s)' : ''}`);
    figures[`store_vectors_per_sec_${e}${batchSize === 500 ? '' : `_batch_${batchSize}`}`] = { value: round(rate), unit: 'vectors/s' };
  }

  const filling = performance.now();
  await engine.store.startRun(run('bulk'));
  await engine.exec(`insert into feature_vectors (run_id, seq, ts_us, schema_id, values)
    select 'bulk', g, ${T0} + g::bigint * 50000, 'bench-60', array_fill((g % 1000)::float8 / 7, array[${FEATURES}])
    from generate_series(1, ${sizes.bulkVectors}) g`);
  await engine.store.startRun(run('bench-run'));
  const outcome = await engine.store.write(runRows('bench-run'));
  if (outcome.rejected.length > 0) throw new Error(`bench run rows rejected: ${JSON.stringify(outcome.rejected[0])}`);
  // A table under way is vacuumed and checkpointed in the background; right after a bulk fill it is
  // not, and the first reads would set hint bits and race autovacuum and the checkpointer. Settle it
  // first: what is measured is the queries, not the aftermath of the fill.
  await engine.exec('vacuum analyze');
  await engine.exec('checkpoint');
  const vectorsHeld = sizes.bulkVectors + RUN.vectors + 2 * sizes.writeVectors;
  log(`store (${e}): ${vectorsHeld} vectors in the table (${sizes.bulkVectors} in one bulk run), a run of ${RUN.signals} signals, ${RUN.orders} orders, ${RUN.orders * RUN.fillsPerOrder} fills over 3 days; filled in ${round((performance.now() - filling) / 1000, 1)} s`);

  const queries: [string, string, (i: number) => Promise<unknown>][] = [
    ['latest_vectors', `latestFeatureVectors(bulk run, 100)`, () => engine.store.latestFeatureVectors('bulk', 100)],
    ['pnl_by_day', 'pnlByDay(run)', () => engine.store.pnlByDay('bench-run')],
    ['pnl_by_run', 'pnlByRun(run)', () => engine.store.pnlByRun('bench-run')],
    ['order_lifecycle', 'orderLifecycle(run, order)', (i) => engine.store.orderLifecycle('bench-run', `o-${1 + ((i * 37) % RUN.orders)}`)],
    ['signals', `readSignals(run), ${RUN.signals} rows`, () => engine.store.readSignals('bench-run')],
    ['signals_hour', 'readSignalsBetween(run, one hour)', (i) => {
      const from = T0 + (i % 70) * 3_600_000_000;
      return engine.store.readSignalsBetween('bench-run', from as Micros, (from + 3_600_000_000) as Micros);
    }],
  ];
  for (const [key, label, query] of queries) {
    const { p50, p99 } = await latency(query);
    log(`store (${e}): ${label}: p50 ${round(p50, 2)} ms, p99 ${round(p99, 2)} ms${e === 'server' ? ' (goal p99 ≤ 5 ms)' : ''}`);
    figures[`query_${key}_p50_ms${e === 'server' ? '' : '_pglite'}`] = { value: round(p50, 3), unit: 'ms' };
    figures[`query_${key}_p99_ms${e === 'server' ? '' : '_pglite'}`] = { value: round(p99, 3), unit: 'ms' };
  }
}

/** A database of its own on the server, dropped by `close`; null (with a printed line) when no server answers. */
async function serverEngine(url: string, log: (line: string) => void): Promise<Engine | null> {
  const name = `ladder_bench_${process.pid}`;
  const admin = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
  try {
    await admin.connect();
    await admin.query(`drop database if exists ${name} with (force)`);
    await admin.query(`create database ${name}`);
  } catch (error) {
    log(`store (server): skipped, no Postgres server at ${url.replace(/:[^:@/]*@/, ':***@')}: ${error instanceof Error ? error.message : String(error)}`);
    return null;
  } finally {
    await admin.end().catch(() => undefined);
  }
  const u = new URL(url);
  u.pathname = `/${name}`;
  const store = await createStore({ kind: 'postgres', url: u.toString() });
  const client = new pg.Client({ connectionString: u.toString() });
  await client.connect();
  return {
    name: 'server',
    store,
    exec: async (text) => {
      await client.query(text);
    },
    close: async () => {
      await client.end();
      await store.close();
      const dropper = new pg.Client({ connectionString: url });
      await dropper.connect();
      await dropper.query(`drop database if exists ${name} with (force)`);
      await dropper.end();
    },
  };
}

async function pgliteEngine(): Promise<Engine> {
  const pglite = await PGlite.create();
  const store = createPgliteStore(pglite);
  return {
    name: 'pglite',
    store,
    exec: async (text) => {
      await pglite.exec(text);
    },
    close: async () => {
      await store.close();
      await pglite.close();
    },
  };
}

/** Runs the store bench on both engines; returns the figures for the bench's JSON line. */
export async function benchStore(log: (line: string) => void = console.log): Promise<Figures> {
  const figures: Figures = {};
  const started = performance.now();
  const url = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const server = await serverEngine(url, log);
  if (server !== null) {
    try {
      await benchEngine(server, SERVER, log, figures);
    } finally {
      await server.close();
    }
  }
  const pglite = await pgliteEngine();
  try {
    await benchEngine(pglite, PGLITE, log, figures);
  } finally {
    await pglite.close();
  }
  log(`store: bench done in ${round((performance.now() - started) / 1000, 1)} s; its database and PGlite instance dropped`);
  return figures;
}
