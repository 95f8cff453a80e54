import { randomBytes } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStore } from '../../adapters/postgres/connect.ts';
import { parseDbTarget } from '../../adapters/postgres/db-target.ts';
import { createMigrator } from '../../adapters/postgres/migrate.ts';
import { runToRow } from '../../adapters/postgres/rows.ts';
import type { Database } from '../../adapters/postgres/schema.ts';
import { unwrap } from '../../domain/result.ts';
import type {
  FeatureVectorRecord, FillRecord, OrderRecord, RunRecord, SignalRecord, StoreBatch, TradingStore,
} from '../../application/ports/trading-store.ts';
import type { Order } from '../../domain/trading/order.ts';
import { BTCUSDT_SPEC } from '../../domain/values/instrument.ts';
import { cash, lots, micros, ticks } from '../../domain/values/units.ts';
import { onBothEngines } from '../support/engines.ts';

const MAX_EXACT = Number.MAX_SAFE_INTEGER; // 2^53 - 1
const T0 = 1_718_000_000_000_000; // µs, June 2024

const run = (id: string): RunRecord => ({
  id, mode: 'paper', instrument: BTCUSDT_SPEC, source: 'replay:capture.jsonl', venue: 'sim',
  modelId: 'baseline-v1', schemaId: 'features-v1',
  config: { risk: { maxLots: 5, stops: [0.5, 1.25, null] }, note: 'é ✓ "quoted"', enabled: true },
  codeVersion: 'abc123', startedAt: micros(T0),
});

const signal = (runId: string, seq: number, score: number): SignalRecord => ({
  runId, seq,
  signal: { ts: micros(T0 + seq * 100_000), score, confidence: 1 / 3, horizonMs: 500, modelId: 'baseline-v1', schemaId: 'features-v1' },
  midTicks: seq % 2 === 0 ? null : ticks(651_143 + seq),
  acted: seq === 1,
});

const order = (id: string, fields: Partial<Order> = {}): Order => ({
  id, symbol: 'BTCUSDT', side: 'Buy', type: 'limit', qty: lots(MAX_EXACT), limitPrice: ticks(9_007_199_254_740_991),
  reduceOnly: false, status: 'new', filledQty: lots(0), venueOrderId: null,
  createdAt: micros(T0 + 1), updatedAt: micros(T0 + 1), reason: null, ...fields,
});

const fill = (runId: string, tradeId: string, orderId: string, fee: number): FillRecord => ({
  runId,
  fill: {
    tradeId, orderId, symbol: 'BTCUSDT', side: 'Sell', price: ticks(MAX_EXACT), qty: lots(1),
    fee: cash(fee), liquidity: fee < 0 ? 'maker' : 'taker', ts: micros(T0 + 2_000 + tradeId.length),
  },
  arrivalMidTicks: tradeId.endsWith('1') ? null : ticks(651_140),
});

const ordersOf = (runId: string, ...list: Order[]): OrderRecord[] => list.map((o) => ({ runId, order: o }));
const vector = (runId: string, seq: number, values: readonly number[], schemaId = 'fs-0123456789abcdef'): FeatureVectorRecord => ({
  runId, seq, vector: { schemaId, ts: micros(T0 + seq * 20_000), values: Float64Array.from(values) },
});

/** Awkward doubles: no short decimal, the smallest subnormal, the largest double, -0, 2^53 and beyond. */
const AWKWARD = [0.1, -1e-300, 1 / 3, 2 ** 53, 2 ** 53 + 2, -0, 0, 5e-324, -Number.MAX_VALUE, 0.1 + 0.2, Math.PI, -2.5e-8];

/** A record with its values as their 64-bit patterns, so that -0 and 0 (or two NaNs) compare apart. */
const bitsOf = ({ runId, seq, vector: v }: FeatureVectorRecord) => ({
  runId, seq, schemaId: v.schemaId, ts: v.ts, bits: [...new BigUint64Array(Float64Array.from(v.values).buffer)],
});

/** The counts of the 0003 and 0005 tables, which these cases do not write. */
const NO_LEDGER = { bookSnapshots: 0, trades: 0, orderEvents: 0, positionSnapshots: 0, equity: 0, riskEvents: 0, feedQuality: 0 };

const batch = (parts: Partial<StoreBatch>): StoreBatch => ({ signals: [], orders: [], fills: [], featureVectors: [], ...parts });
const freshSchema = (): string => `ladder_test_${randomBytes(6).toString('hex')}`;

/** How the suite reaches one engine: a store or a bare Kysely in a given schema. */
interface Engine {
  openStore(schema: string): Promise<TradingStore>;
  openKysely(): Promise<Kysely<Database>>;
  dropSchema(schema: string): Promise<void>;
}

function defineStoreSuite(engine: () => Engine): void {
  const schemas: string[] = [];
  const stores: TradingStore[] = [];
  const open = async (schema = freshSchema()): Promise<TradingStore> => {
    schemas.push(schema);
    const store = await engine().openStore(schema);
    stores.push(store);
    return store;
  };
  const mainSchema = freshSchema();
  let store: TradingStore;

  beforeAll(async () => {
    store = await open(mainSchema);
    await store.migrate();
  });

  afterAll(async () => {
    for (const s of stores) await s.close();
    for (const schema of schemas) await engine().dropSchema(schema);
  });

  /**
   * Makes the database itself refuse the rows of `table` in `schema` for which `when` (SQL over
   * `new`) holds, by a trigger the store knows nothing of: a failure no check before the insert can
   * foresee. 'immediate' fails the statement inserting the row; 'at commit' lets every statement
   * of the batch succeed and fails the commit. `lift()` removes the trigger.
   */
  const refuseInDatabase = async (
    schema: string, table: string, when: string, timing: 'immediate' | 'at commit',
  ): Promise<{ lift(): Promise<void> }> => {
    const fn = sql.table(`${schema}.refuse_row`);
    const trigger = sql.id(`refuse_${table}`);
    const target = sql.table(`${schema}.${table}`);
    const db = await engine().openKysely();
    try {
      await sql`create or replace function ${fn}() returns trigger language plpgsql as $$
        begin raise exception 'row of % refused by the database', tg_table_name; end $$`.execute(db);
      await (timing === 'immediate'
        ? sql`create trigger ${trigger} after insert on ${target} for each row when (${sql.raw(when)})
            execute function ${fn}()`
        : sql`create constraint trigger ${trigger} after insert on ${target} deferrable initially deferred
            for each row when (${sql.raw(when)}) execute function ${fn}()`
      ).execute(db);
    } finally {
      await db.destroy();
    }
    return {
      lift: async () => {
        const lifting = await engine().openKysely();
        try {
          await sql`drop trigger ${trigger} on ${target}`.execute(lifting);
        } finally {
          await lifting.destroy();
        }
      },
    };
  };

  it('applies every migration once; a second migrate applies nothing', async () => {
    const fresh = await open();
    expect(await fresh.migrate()).toEqual(['0001-initial', '0002-feature-vectors', '0003-market-and-ledger', '0004-vectors-without-foreign-keys', '0005-risk-events', '0006-run-end-reason', '0007-risk-episodes', '0008-sweep-results', '0009-feed-quality', '0010-order-amend']);
    expect(await fresh.migrate()).toEqual([]);
  });

  it('rolls 0010, 0009, 0008, 0007, 0006, 0005, 0004, 0003, 0002 and then 0001 back through the Migrator and migrates again', async () => {
    const schema = freshSchema();
    const fresh = await open(schema);
    await fresh.migrate();
    const db = await engine().openKysely();
    const tablesLeft = async (): Promise<string[]> => {
      const rows = await sql<{ table_name: string }>`select table_name from information_schema.tables
        where table_schema = ${schema} and table_name in ('runs', 'signals', 'orders', 'fills', 'feature_vectors')
        order by table_name`.execute(db);
      return rows.rows.map((r) => r.table_name);
    };
    try {
      const migrator = createMigrator(db, schema);
      const down10 = await migrator.migrateDown();
      expect(down10.error).toBeUndefined();
      expect(down10.results).toEqual([{ migrationName: '0010-order-amend', direction: 'Down', status: 'Success' }]);
      const down9 = await migrator.migrateDown();
      expect(down9.error).toBeUndefined();
      expect(down9.results).toEqual([{ migrationName: '0009-feed-quality', direction: 'Down', status: 'Success' }]);
      const down8 = await migrator.migrateDown();
      expect(down8.error).toBeUndefined();
      expect(down8.results).toEqual([{ migrationName: '0008-sweep-results', direction: 'Down', status: 'Success' }]);
      const down7 = await migrator.migrateDown();
      expect(down7.error).toBeUndefined();
      expect(down7.results).toEqual([{ migrationName: '0007-risk-episodes', direction: 'Down', status: 'Success' }]);
      const down6 = await migrator.migrateDown();
      expect(down6.error).toBeUndefined();
      expect(down6.results).toEqual([{ migrationName: '0006-run-end-reason', direction: 'Down', status: 'Success' }]);
      const down5 = await migrator.migrateDown();
      expect(down5.error).toBeUndefined();
      expect(down5.results).toEqual([{ migrationName: '0005-risk-events', direction: 'Down', status: 'Success' }]);
      const down4 = await migrator.migrateDown();
      expect(down4.error).toBeUndefined();
      expect(down4.results).toEqual([{ migrationName: '0004-vectors-without-foreign-keys', direction: 'Down', status: 'Success' }]);
      const down3 = await migrator.migrateDown();
      expect(down3.error).toBeUndefined();
      expect(down3.results).toEqual([{ migrationName: '0003-market-and-ledger', direction: 'Down', status: 'Success' }]);
      expect(await tablesLeft()).toEqual(['feature_vectors', 'fills', 'orders', 'runs', 'signals']);
      const down2 = await migrator.migrateDown();
      expect(down2.error).toBeUndefined();
      expect(down2.results).toEqual([{ migrationName: '0002-feature-vectors', direction: 'Down', status: 'Success' }]);
      expect(await tablesLeft()).toEqual(['fills', 'orders', 'runs', 'signals']);
      const down1 = await migrator.migrateDown();
      expect(down1.error).toBeUndefined();
      expect(down1.results).toEqual([{ migrationName: '0001-initial', direction: 'Down', status: 'Success' }]);
      expect(await tablesLeft()).toEqual([]);
    } finally {
      await db.destroy();
    }
    expect(await fresh.migrate()).toEqual(['0001-initial', '0002-feature-vectors', '0003-market-and-ledger', '0004-vectors-without-foreign-keys', '0005-risk-events', '0006-run-end-reason', '0007-risk-episodes', '0008-sweep-results', '0009-feed-quality', '0010-order-amend']);
    await fresh.startRun(run('after-redo'));
    await fresh.write(batch({ featureVectors: [vector('after-redo', 1, [0.5])] }));
    expect((await fresh.readFeatureVectors('after-redo')).map(bitsOf)).toEqual([vector('after-redo', 1, [0.5])].map(bitsOf));
  });

  it('applies 0002 to a schema at 0001 that already holds runs', async () => {
    const schema = freshSchema();
    const fresh = await open(schema);
    const db = await engine().openKysely();
    try {
      const up1 = await createMigrator(db, schema).migrateTo('0001-initial');
      expect(up1.error).toBeUndefined();
      // The run as a store at 0001 wrote it: today's startRun also registers the instrument (0003).
      await db.withSchema(schema).insertInto('runs').values(runToRow(run('before-0002'))).execute();
    } finally {
      await db.destroy();
    }
    expect(await fresh.migrate()).toEqual(['0002-feature-vectors', '0003-market-and-ledger', '0004-vectors-without-foreign-keys', '0005-risk-events', '0006-run-end-reason', '0007-risk-episodes', '0008-sweep-results', '0009-feed-quality', '0010-order-amend']);
    await fresh.write(batch({ featureVectors: [vector('before-0002', 1, [1, 2])] }));
    expect(await fresh.rowCounts('before-0002')).toEqual({ signals: 0, orders: 0, fills: 0, featureVectors: 1, ...NO_LEDGER });
  });

  it('reads back exactly what was written: runs, signals, upserted orders, fills, extreme integers', async () => {
    const id = 'run-roundtrip';
    await store.startRun(run(id));
    const signals = [signal(id, 1, 0.1 + 0.2), signal(id, 2, -1e-300), signal(id, 3, -2.5)];
    const a = order('A');
    const aAccepted = order('A', { status: 'accepted', venueOrderId: 'v-1', updatedAt: micros(T0 + 5) });
    const b = order('B', { side: 'Sell', type: 'market', limitPrice: null, qty: lots(3), reduceOnly: true, createdAt: micros(T0 + 2) });
    // A changes state twice within one batch: the later state wins.
    await store.write(batch({ signals: signals.slice(0, 2), orders: ordersOf(id, a, b, aAccepted) }));
    expect(await store.readOrders(id)).toEqual([aAccepted, b]);

    const aFilled = order('A', { status: 'filled', filledQty: lots(MAX_EXACT), venueOrderId: 'v-1', updatedAt: micros(MAX_EXACT) });
    const bCanceled = order('B', { ...b, status: 'canceled', reason: 'reduce-only would increase the position', updatedAt: micros(T0 + 9) });
    const fills = [fill(id, 't-1', 'A', -MAX_EXACT), fill(id, 't-22', 'A', -12_345), fill(id, 't-333', 'A', 61_000)];
    await store.write(batch({ signals: signals.slice(2), orders: ordersOf(id, aFilled, bCanceled), fills }));
    const summary = { trades: 3, pnl: { cash: -12_345, text: '-0.00012345' } };
    await store.finishRun(id, { endedAt: micros(MAX_EXACT), summary });

    expect(await store.readRun(id)).toEqual({ ...run(id), endedAt: MAX_EXACT, summary, endReason: null });
    expect(await store.readSignals(id)).toEqual(signals);
    expect(await store.readOrders(id)).toEqual([aFilled, bCanceled]);
    expect(await store.readFills(id)).toEqual(fills);
    expect(await store.rowCounts(id)).toEqual({ signals: 3, orders: 2, fills: 3, featureVectors: 0, ...NO_LEDGER });
  });

  it('reads back feature vectors bit for bit, in seq order, with their schema id and venue time', async () => {
    const id = 'run-vectors';
    await store.startRun(run(id));
    const vectors = [
      vector(id, 1, AWKWARD),
      vector(id, 2, [...AWKWARD].reverse(), 'fs-fedcba9876543210'),
      vector(id, 3, [-0]),
      vector(id, 4, Array.from({ length: 64 }, (_, i) => (i - 32) / 7)),
    ];
    // Written out of order and across two batches, the second in the same transaction as a signal.
    await store.write(batch({ featureVectors: [vectors[2], vectors[0]] }));
    await store.write(batch({ signals: [signal(id, 1, 0.25)], featureVectors: [vectors[3], vectors[1]] }));

    const back = await store.readFeatureVectors(id);
    expect(back.map(bitsOf)).toEqual(vectors.map(bitsOf));
    expect(back.every((r) => r.vector.values instanceof Float64Array)).toBe(true);
    expect(Object.is(back[2].vector.values[0], -0)).toBe(true);
    expect(await store.rowCounts(id)).toEqual({ signals: 1, orders: 0, fills: 0, featureVectors: 4, ...NO_LEDGER });
    expect(await store.readFeatureVectors('no-such-run')).toEqual([]);
  });

  it('leaves out a feature vector holding NaN or an infinity, naming run, seq and index, and writes the rest of its batch', async () => {
    const id = 'run-nonfinite';
    await store.startRun(run(id));
    const kept = [vector(id, 1, [0.5, -0]), vector(id, 3, AWKWARD)];
    const cases = [[Number.NaN, 'NaN'], [Number.POSITIVE_INFINITY, 'Infinity'], [Number.NEGATIVE_INFINITY, '-Infinity']] as const;
    for (const [i, [bad, text]] of cases.entries()) {
      // The same finite vectors each time: after the first batch they are stored and skipped.
      const poisoned = batch({ signals: [signal(id, i + 1, 1)], featureVectors: [kept[0], vector(id, 2, [0.5, 0.25, bad]), kept[1]] });
      expect(await store.write(poisoned)).toEqual({
        rejected: [{ kind: 'featureVectors', key: `${id}/2`, field: 'vector.values[2]', reason: `vector.values[2] is ${text}, not a finite number` }],
      });
    }
    const back = await store.readFeatureVectors(id);
    expect(back.map(bitsOf)).toEqual(kept.map(bitsOf));
    expect(Object.is(back[0].vector.values[1], -0)).toBe(true);
    expect(await store.readSignals(id)).toEqual([signal(id, 1, 1), signal(id, 2, 1), signal(id, 3, 1)]);
    expect(await store.rowCounts(id)).toEqual({ signals: 3, orders: 0, fills: 0, featureVectors: 2, ...NO_LEDGER });
  });

  it('skips a repeated feature vector seq, within the batch or already stored: the first row stays, the rest is written', async () => {
    const id = 'run-vector-dup';
    await store.startRun(run(id));
    const first = vector(id, 1, [1]);
    expect(await store.write(batch({ featureVectors: [first] }))).toEqual({ rejected: [] });
    const repeats = batch({ featureVectors: [vector(id, 2, [2]), vector(id, 1, [3]), vector(id, 3, [4]), vector(id, 3, [5])] });
    const expected = [first, vector(id, 2, [2]), vector(id, 3, [4])].map(bitsOf);
    expect(await store.write(repeats)).toEqual({ rejected: [] });
    expect((await store.readFeatureVectors(id)).map(bitsOf)).toEqual(expected);
    // The same batch again, as after a lost commit acknowledgement, adds nothing.
    expect(await store.write(repeats)).toEqual({ rejected: [] });
    expect((await store.readFeatureVectors(id)).map(bitsOf)).toEqual(expected);
    expect(await store.rowCounts(id)).toEqual({ signals: 0, orders: 0, fills: 0, featureVectors: 3, ...NO_LEDGER });
  });

  it('keeps an unfinished run with a null end and summary', async () => {
    await store.startRun(run('run-open'));
    expect(await store.readRun('run-open')).toEqual({ ...run('run-open'), endedAt: null, summary: null, endReason: null });
    expect((await store.readOpenRuns()).map((r) => r.id)).toContain('run-open');
    await store.finishRun('run-open', { endedAt: micros(5), summary: {}, endReason: 'crashed' });
    expect(await store.readRun('run-open')).toMatchObject({ endedAt: 5, endReason: 'crashed' });
    expect((await store.readOpenRuns()).map((r) => r.id)).not.toContain('run-open');
  });

  it('writes a fill trade id once: a repeat within the batch or of a stored fill is skipped, the rest written', async () => {
    const id = 'run-fill-once';
    await store.startRun(run(id));
    const t1 = fill(id, 't-1', 'A', 10);
    expect(await store.write(batch({ orders: ordersOf(id, order('A')), fills: [t1] }))).toEqual({ rejected: [] });

    const canceled = order('A', { status: 'canceled', reason: 'user', updatedAt: micros(T0 + 7) });
    const t2 = fill(id, 't-2', 'A', 20);
    // Each repeat differs from the row first written under its trade id (fee, liquidity).
    const repeats = batch({
      signals: [signal(id, 1, 1)],
      orders: ordersOf(id, canceled, order('C')),
      fills: [t2, fill(id, 't-2', 'A', -99), fill(id, 't-1', 'A', -5)],
      featureVectors: [vector(id, 1, [0.5])],
    });
    expect(await store.write(repeats)).toEqual({ rejected: [] });
    const counts = { signals: 1, orders: 2, fills: 2, featureVectors: 1, ...NO_LEDGER };
    const expectStored = async (): Promise<void> => {
      expect(await store.readFills(id)).toEqual([t1, t2]);
      expect(await store.readOrders(id)).toEqual([canceled, order('C')]);
      expect(await store.readSignals(id)).toEqual([signal(id, 1, 1)]);
      expect((await store.readFeatureVectors(id)).map(bitsOf)).toEqual([vector(id, 1, [0.5])].map(bitsOf));
      expect(await store.rowCounts(id)).toEqual(counts);
    };
    await expectStored();
    expect(await store.write(repeats)).toEqual({ rejected: [] });
    await expectStored();
  });

  it('leaves out a row with an inexact integer, a fractional lot, a seq below 1 or an unknown run, naming its field', async () => {
    const id = 'run-inexact';
    await store.startRun(run(id));
    const okSignal = signal(id, 1, 1);
    const okOrder = order('B', { qty: lots(2) });
    const okFill = fill(id, 't-8', 'B', -MAX_EXACT);
    const okVector = vector(id, 1, [2 ** 53]);
    const lateVector = vector(id, 2, [1]);
    const mixed = batch({
      signals: [signal(id, 0, 1), okSignal],
      orders: ordersOf(id, order('A', { qty: lots(1.5) }), okOrder),
      fills: [fill(id, 't-9', 'A', 2 ** 53), okFill, fill('no-such-run', 't-7', 'A', 1)],
      featureVectors: [vector(id, -1, [1]), okVector, { ...lateVector, vector: { ...lateVector.vector, ts: micros(2 ** 53) } }],
    });
    const rejected = [
      { kind: 'signals', key: `${id}/0`, field: 'seq', reason: 'seq = 0 is below 1' },
      { kind: 'orders', key: `${id}/A`, field: 'order.qty', reason: 'order.qty = 1.5 is not a safe integer' },
      { kind: 'fills', key: `${id}/t-9`, field: 'fill.fee', reason: 'fill.fee = 9007199254740992 is not a safe integer' },
      { kind: 'fills', key: 'no-such-run/t-7', field: 'runId', reason: 'runId "no-such-run" is not a started run' },
      { kind: 'featureVectors', key: `${id}/-1`, field: 'seq', reason: 'seq = -1 is below 1' },
      { kind: 'featureVectors', key: `${id}/2`, field: 'vector.ts', reason: 'vector.ts = 9007199254740992 is not a safe integer' },
    ];
    const counts = { signals: 1, orders: 1, fills: 1, featureVectors: 1, ...NO_LEDGER };
    const expectStored = async (): Promise<void> => {
      expect(await store.readSignals(id)).toEqual([okSignal]);
      expect(await store.readOrders(id)).toEqual([okOrder]);
      expect(await store.readFills(id)).toEqual([okFill]);
      expect((await store.readFeatureVectors(id)).map(bitsOf)).toEqual([okVector].map(bitsOf));
      expect(await store.rowCounts(id)).toEqual(counts);
    };
    expect(await store.write(mixed)).toEqual({ rejected });
    await expectStored();
    // Written again, the same rows are refused and the stored ones are skipped.
    expect(await store.write(mixed)).toEqual({ rejected });
    await expectStored();
    expect(await store.rowCounts('no-such-run')).toEqual({ signals: 0, orders: 0, fills: 0, featureVectors: 0, ...NO_LEDGER });
  });

  it('rejects reading an int8 that a number cannot hold exactly', async () => {
    const id = 'run-foreign';
    await store.startRun(run(id));
    const db = await engine().openKysely();
    try {
      await db.withSchema(mainSchema).insertInto('fills').values({
        run_id: id, trade_id: 'x', order_id: 'A', symbol: 'BTCUSDT', side: 'Buy', price_ticks: sql<number>`9007199254740993`,
        qty_lots: 1, fee_cash: 0, liquidity: 'taker', ts_us: T0, arrival_mid_ticks: null,
      }).execute();
    } finally {
      await db.destroy();
    }
    await expect(store.readFills(id)).rejects.toThrow(/^readFills failed: fills.price_ticks = 9007199254740993 is not an exact integer/);
  });

  it('writes a batch larger than one statement can carry', async () => {
    const id = 'run-large';
    await store.startRun(run(id));
    // 10 columns a signal: 7000 rows are 70 000 parameters, over Postgres' 65 535.
    const signals = Array.from({ length: 7_000 }, (_, i) => signal(id, i + 1, i / 7));
    const started = performance.now();
    await store.write(batch({ signals }));
    const elapsed = performance.now() - started;
    console.info(`wrote 7000 signals in ${elapsed.toFixed(0)} ms`);
    expect(await store.rowCounts(id)).toEqual({ signals: 7_000, orders: 0, fills: 0, featureVectors: 0, ...NO_LEDGER });
    expect(await store.readSignals(id)).toEqual(signals);
  });

  it('writes more feature vectors than one statement can carry; a database failure in a later statement keeps nothing', async () => {
    const id = 'run-many-vectors';
    await store.startRun(run(id));
    // 5 columns a vector: 14 000 rows are 70 000 parameters, over Postgres' 65 535.
    const vectors = Array.from({ length: 14_000 }, (_, i) => vector(id, i + 1, [i / 7, -i / 3, 1e-300 * i, 0.1 * i]));
    const started = performance.now();
    expect(await store.write(batch({ featureVectors: vectors }))).toEqual({ rejected: [] });
    console.info(`wrote 14000 feature vectors in ${(performance.now() - started).toFixed(0)} ms`);
    expect(await store.rowCounts(id)).toEqual({ signals: 0, orders: 0, fills: 0, featureVectors: 14_000, ...NO_LEDGER });
    expect((await store.readFeatureVectors(id)).map(bitsOf)).toEqual(vectors.map(bitsOf));

    // In a schema of its own, the database refuses the last vector: 7000 signals (two statements),
    // the vectors' schema id and the first 13 107 vectors are inserted before the statement that fails.
    const schema = freshSchema();
    const failing = await open(schema);
    await failing.migrate();
    const other = 'run-many-vectors-failing';
    await failing.startRun(run(other));
    const signals = Array.from({ length: 7_000 }, (_, i) => signal(other, i + 1, i));
    const many = Array.from({ length: 14_000 }, (_, i) => vector(other, i + 1, [i, -i], 'fs-only-in-this-batch'));
    const large = batch({ signals, featureVectors: many });
    const refusal = await refuseInDatabase(schema, 'feature_vectors', 'new.seq = 14000', 'immediate');
    await expect(failing.write(large)).rejects.toThrow(/^write failed: .*refused by the database/);
    expect(await failing.rowCounts(other)).toEqual({ signals: 0, orders: 0, fills: 0, featureVectors: 0, ...NO_LEDGER });
    expect(await failing.readFeatureSchema('fs-only-in-this-batch')).toBeNull();

    // Once the database accepts it, the same batch is written whole.
    await refusal.lift();
    expect(await failing.write(large)).toEqual({ rejected: [] });
    expect(await failing.rowCounts(other)).toEqual({ signals: 7_000, orders: 0, fills: 0, featureVectors: 14_000, ...NO_LEDGER });
  });

  it('keeps concurrent batches apart: one the database fails at commit neither undoes nor absorbs another', async () => {
    const id = 'run-concurrent';
    await store.startRun(run(id));
    const good = (n: number) => batch({ signals: [signal(id, n, n)], fills: [fill(id, `ok-${n}`, 'A', n)] });
    // Every statement of the bad batch succeeds; the database refuses it at commit.
    const bad = batch({ signals: [signal(id, 100, 1)], fills: [fill(id, 'poison-1', 'A', 1)], featureVectors: [vector(id, 100, [1])] });
    // A second store on the same engine (on PGlite, the same single-session instance).
    const otherSchema = freshSchema();
    const other = await open(otherSchema);
    await other.migrate();
    await other.startRun(run(id));
    for (const schema of [mainSchema, otherSchema]) await refuseInDatabase(schema, 'fills', "new.trade_id like 'poison-%'", 'at commit');
    const results = await Promise.allSettled([
      store.write(good(1)), other.write(bad), store.write(bad), other.write(good(1)), store.write(good(2)), store.write(good(3)),
    ]);
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value : String(r.reason)))).toEqual([
      { rejected: [] },
      expect.stringMatching(/^Error: write failed: .*refused by the database/),
      expect.stringMatching(/^Error: write failed: .*refused by the database/),
      { rejected: [] },
      { rejected: [] },
      { rejected: [] },
    ]);
    expect(await store.readSignals(id)).toEqual([signal(id, 1, 1), signal(id, 2, 2), signal(id, 3, 3)]);
    expect(await store.readFills(id)).toEqual([fill(id, 'ok-1', 'A', 1), fill(id, 'ok-2', 'A', 2), fill(id, 'ok-3', 'A', 3)]);
    expect(await store.rowCounts(id)).toEqual({ signals: 3, orders: 0, fills: 3, featureVectors: 0, ...NO_LEDGER });
    expect(await other.readSignals(id)).toEqual([signal(id, 1, 1)]);
    expect(await other.rowCounts(id)).toEqual({ signals: 1, orders: 0, fills: 1, featureVectors: 0, ...NO_LEDGER });
  });

  it('answers null, empty and zero for an unknown run, and refuses to finish it', async () => {
    expect(await store.readRun('no-such-run')).toBeNull();
    expect(await store.readSignals('no-such-run')).toEqual([]);
    expect(await store.readOrders('no-such-run')).toEqual([]);
    expect(await store.readFills('no-such-run')).toEqual([]);
    expect(await store.readFeatureVectors('no-such-run')).toEqual([]);
    expect(await store.rowCounts('no-such-run')).toEqual({ signals: 0, orders: 0, fills: 0, featureVectors: 0, ...NO_LEDGER });
    await expect(store.finishRun('no-such-run', { endedAt: micros(T0), summary: {} })).rejects.toThrow(/^finishRun failed: no run/);
  });

  it('refuses a second run with the same id, naming the operation', async () => {
    await store.startRun(run('run-twice'));
    await expect(store.startRun(run('run-twice'))).rejects.toThrow(/^startRun failed: /);
  });
}

await onBothEngines('Kysely store', 'ladder_store', (engine) => defineStoreSuite(engine));

describe('createStore on an unreachable server', () => {
  it('rejects naming the target without its password, and the cause', async () => {
    const target = unwrap(parseDbTarget('postgres://postgres:hunter2@127.0.0.1:1/test'));
    const failure = createStore(target, { connectTimeoutMs: 2_000 });
    await expect(failure).rejects.toThrow(/^cannot open database postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:1\/test: .*ECONNREFUSED/);
    await expect(failure).rejects.not.toThrow(/hunter2/);
  });
});
