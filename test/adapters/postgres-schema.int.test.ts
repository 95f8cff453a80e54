import { randomBytes } from 'node:crypto';
import { NO_MIGRATIONS, sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMigrator } from '../../adapters/postgres/migrate.ts';
import { featureVectorToRow } from '../../adapters/postgres/feature-vector-rows.ts';
import { fillToRow, orderToRow, runToRow, signalToRow } from '../../adapters/postgres/rows.ts';
import type { Database } from '../../adapters/postgres/schema.ts';
import type {
  BookSnapshotRecord, EquityRecord, FeatureVectorRecord, FillRecord, OrderEventRecord, PositionSnapshotRecord,
  PublicTradeRecord, RiskEventKind, RiskEventRecord, RunRecord, SignalRecord, StoreBatch, TradingStore,
} from '../../application/ports/trading-store.ts';
import type { BreakerState } from '../../domain/risk/circuit-breaker.ts';
import { createSchema } from '../../domain/features/feature-vector.ts';
import type { Order } from '../../domain/trading/order.ts';
import { BTCUSDT_SPEC, type InstrumentSpec } from '../../domain/values/instrument.ts';
import { cash, lots, micros, ticks } from '../../domain/values/units.ts';
import { onBothEngines } from '../support/engines.ts';

const MAX = Number.MAX_SAFE_INTEGER; // 2^53 - 1
const T0 = 1_718_000_000_000_000; // µs, June 2024
const ETHUSDT: InstrumentSpec = { symbol: 'ETHUSDT', tickSize: '0.01', lotSize: '0.01', minQty: '0.01' };
const NEW_TABLES = ['book_snapshots', 'equity', 'feature_schemas', 'feed_quality', 'instruments', 'models', 'order_events', 'position_snapshots', 'public_trades', 'risk_events', 'sweep_results', 'sweeps'];
const OLD_TABLES = ['feature_vectors', 'fills', 'orders', 'runs', 'signals'];
const ALL = ['0001-initial', '0002-feature-vectors', '0003-market-and-ledger', '0004-vectors-without-foreign-keys', '0005-risk-events', '0006-run-end-reason', '0007-risk-episodes', '0008-sweep-results', '0009-feed-quality', '0010-order-amend'];
const SINCE_0003 = ['0003-market-and-ledger', '0004-vectors-without-foreign-keys', '0005-risk-events', '0006-run-end-reason', '0007-risk-episodes', '0008-sweep-results', '0009-feed-quality', '0010-order-amend'];
const SINCE_0005 = ['0005-risk-events', '0006-run-end-reason', '0007-risk-episodes', '0008-sweep-results', '0009-feed-quality', '0010-order-amend'];

const run = (id: string, startedAt = T0, instrument = BTCUSDT_SPEC, schemaId = 'features-v1'): RunRecord => ({
  id, mode: 'backtest', instrument, source: 'synthetic:7', venue: 'sim', modelId: 'baseline-v1', schemaId,
  config: { depth: 50 }, codeVersion: 'abc123', startedAt: micros(startedAt),
});
const batch = (parts: Partial<StoreBatch>): StoreBatch => ({ signals: [], orders: [], fills: [], featureVectors: [], ...parts });
const signal = (runId: string, seq: number): SignalRecord => ({
  runId, seq, signal: { ts: micros(T0 + seq), score: 0.5, confidence: 0.25, horizonMs: 500, modelId: 'm', schemaId: 'features-v1' },
  midTicks: ticks(650_000), acted: false,
});
const order = (id: string): Order => ({
  id, symbol: 'BTCUSDT', side: 'Buy', type: 'limit', qty: lots(2), limitPrice: ticks(650_000), reduceOnly: false,
  status: 'accepted', filledQty: lots(0), venueOrderId: 'v-1', createdAt: micros(T0), updatedAt: micros(T0 + 1), reason: null,
});
const fill = (runId: string, tradeId: string, side: 'Buy' | 'Sell', price: number, mid: number | null): FillRecord => ({
  runId,
  fill: { tradeId, orderId: 'A', symbol: 'BTCUSDT', side, price: ticks(price), qty: lots(1), fee: cash(-7), liquidity: 'maker', ts: micros(T0 + 5) },
  arrivalMidTicks: mid === null ? null : ticks(mid),
});
const vector = (runId: string, seq: number, schemaId: string): FeatureVectorRecord => ({
  runId, seq, vector: { schemaId, ts: micros(T0 + seq * 1_000), values: Float64Array.from([seq, -0.5]) },
});

const book = (runId: string, seq: number): BookSnapshotRecord => ({
  runId, seq, ts: micros(T0 + seq * 100_000), recvTime: micros(T0 + seq * 100_000 + 1_234),
  bidTicks: [ticks(MAX), ticks(MAX - 1), ticks(1)], bidLots: [lots(MAX), lots(1), lots(3)],
  askTicks: seq % 2 === 0 ? [] : [ticks(650_001)], askLots: seq % 2 === 0 ? [] : [lots(7)],
});
const trade = (runId: string, tradeId: string, ts: number): PublicTradeRecord => ({
  runId, tradeId, ts: micros(ts), recvTime: micros(MAX), price: ticks(MAX), size: lots(MAX), takerSide: tradeId.endsWith('s') ? 'Sell' : 'Buy', blockTrade: tradeId.startsWith('b'),
});
const events = (runId: string, orderId: string): OrderEventRecord[] => [
  { runId, orderId, seq: 1, event: { kind: 'submit', ts: micros(T0) }, status: 'submitted', filledQty: lots(0) },
  { runId, orderId, seq: 2, event: { kind: 'accept', ts: micros(T0 + 1), venueOrderId: 'v-9 "é"' }, status: 'accepted', filledQty: lots(0) },
  { runId, orderId, seq: 3, event: { kind: 'fill', ts: micros(T0 + 2), tradeId: 't-1', qty: lots(MAX - 1) }, status: 'partially_filled', filledQty: lots(MAX - 1) },
  { runId, orderId, seq: 4, event: { kind: 'cancel', ts: micros(MAX), reason: 'stale' }, status: 'canceled', filledQty: lots(MAX - 1) },
  { runId, orderId, seq: 5, event: { kind: 'fill', ts: micros(MAX), tradeId: 't-2', qty: lots(1) }, status: 'filled', filledQty: lots(MAX) },
];
const position = (runId: string, seq: number, marked: boolean): PositionSnapshotRecord => ({
  runId, seq, ts: micros(T0 + seq), qty: lots(-MAX), costBasis: cash(-MAX), realizedPnl: cash(-(MAX - 2)), fees: cash(-3),
  markTicks: marked ? ticks(MAX) : null, unrealizedPnl: marked ? cash(-MAX) : null,
});
const equity = (runId: string, start: number): EquityRecord => ({
  runId, intervalStart: micros(start), interval: micros(86_400_000_000), equity: cash(-MAX), realizedPnl: cash(MAX),
  unrealizedPnl: cash(-1), fees: cash(-MAX), volume: lots(MAX), fills: 2 ** 31 - 1,
});
const risk = (runId: string, seq: number, ts: number, state: BreakerState, kind: RiskEventKind, cause: string, reason: string): RiskEventRecord => ({
  runId, seq, ts: micros(ts), lastTs: micros(ts), count: 1, state, kind, cause, reason,
});
/** One decision of each kind, in seq order; the kill at the largest exact time, reasons that need quoting. */
const risks = (runId: string): RiskEventRecord[] => [
  risk(runId, 1, T0, 'REDUCING', 'trip', 'drawdown', 'drawdown 2.5% over the 2% limit: "reduce only" — é ✓'),
  risk(runId, 2, T0 + 1, 'REDUCING', 'refusal', 'maxPosition', "buy 0.004 BTC refused: it would not reduce |position|; it's long"),
  risk(runId, 3, MAX, 'HALTED', 'kill', 'kill', 'SIGUSR2 from the operator'),
  risk(runId, MAX, MAX, 'ACTIVE', 'clear', 'drawdown', ''),
];

/** One row in every new table, for run `id`. */
const fullBatch = (id: string): StoreBatch => batch({
  signals: [signal(id, 7)],
  featureVectors: [vector(id, 7, 'fs-never-registered')],
  bookSnapshots: [book(id, 2), book(id, 1)],
  trades: [trade(id, 'b-1s', T0 + 9), trade(id, 't-2', T0 + 3)],
  orderEvents: events(id, 'A'),
  positionSnapshots: [position(id, 1, false), position(id, 2, true)],
  equity: [equity(id, T0 + 86_400_000_000), equity(id, T0)],
  riskEvents: [risks(id)[2], risks(id)[0], risks(id)[3], risks(id)[1]],
});

const freshSchema = (): string => `ladder_schema_${randomBytes(6).toString('hex')}`;

interface Engine {
  openStore(schema: string): Promise<TradingStore>;
  openKysely(): Promise<Kysely<Database>>;
  dropSchema(schema: string): Promise<void>;
}

function defineSchemaSuite(engine: () => Engine): void {
  const schemas: string[] = [];
  const closers: (() => Promise<void>)[] = [];
  let db: Kysely<Database>;
  const open = async (schema = freshSchema()): Promise<TradingStore> => {
    schemas.push(schema);
    const store = await engine().openStore(schema);
    closers.push(() => store.close());
    return store;
  };
  const tables = async (schema: string): Promise<string[]> => {
    const rows = await sql<{ table_name: string }>`select table_name from information_schema.tables
      where table_schema = ${schema} and table_name not like 'kysely%' order by table_name`.execute(db);
    return rows.rows.map((r) => r.table_name);
  };
  const columnsOf = async (schema: string, table: string): Promise<string[]> => {
    const rows = await sql<{ column_name: string }>`select column_name from information_schema.columns
      where table_schema = ${schema} and table_name = ${table} order by column_name`.execute(db);
    return rows.rows.map((r) => r.column_name);
  };
  const migrateTo = async (schema: string, target: string | typeof NO_MIGRATIONS): Promise<string[]> => {
    const { error, results } = await createMigrator(db, schema).migrateTo(target);
    expect(error).toBeUndefined();
    return (results ?? []).map((r) => `${r.direction} ${r.migrationName}`);
  };

  beforeAll(async () => {
    db = await engine().openKysely();
  });
  afterAll(async () => {
    for (const close of closers) await close();
    await db.destroy();
    for (const schema of schemas) await engine().dropSchema(schema);
  });

  it('goes up, all the way down and up again on an empty database', async () => {
    const schema = freshSchema();
    const store = await open(schema);
    expect(await store.migrate()).toEqual(ALL);
    expect(await tables(schema)).toEqual([...NEW_TABLES, ...OLD_TABLES].sort());
    expect(await migrateTo(schema, NO_MIGRATIONS)).toEqual(ALL.map((n) => `Down ${n}`).reverse());
    expect(await tables(schema)).toEqual([]);
    expect(await store.migrate()).toEqual(ALL);
    expect(await tables(schema)).toEqual([...NEW_TABLES, ...OLD_TABLES].sort());
    const indexes = await sql<{ indexname: string; indexdef: string }>`select indexname, indexdef from pg_indexes
      where schemaname = ${schema} and indexdef like '%brin%' order by indexname`.execute(db);
    expect(indexes.rows.map((r) => r.indexname)).toEqual(['book_snapshots_ts_brin', 'feature_vectors_ts_brin', 'public_trades_ts_brin']);
  });

  it('backfills 0003 from data at 0002, keeps the older rows through down and up, and refills the backfill', async () => {
    const schema = freshSchema();
    const store = await open(schema);
    expect(await migrateTo(schema, '0002-feature-vectors')).toEqual(['Up 0001-initial', 'Up 0002-feature-vectors']);
    // Rows as a store at 0002 wrote them. Two runs on BTCUSDT (the later one with another grid,
    // which the backfill must not take) and one on ETHUSDT.
    const at0002 = db.withSchema(schema);
    await at0002.insertInto('runs').values([
      runToRow(run('late', T0 + 50, { ...BTCUSDT_SPEC, tickSize: '0.50' }, 'fs-late')),
      runToRow(run('early', T0 + 10)),
      runToRow(run('eth', T0 + 30, ETHUSDT)),
    ]).execute();
    await at0002.insertInto('signals').values(signalToRow(signal('early', 1))).execute();
    await at0002.insertInto('orders').values(orderToRow({ runId: 'early', order: order('A') })).execute();
    await at0002.insertInto('fills').values([
      fill('early', 'buy', 'Buy', 650_010, 650_000), fill('early', 'sell', 'Sell', 650_010, 650_000), fill('early', 'blind', 'Buy', 1, null),
    ].map(fillToRow)).execute();
    await at0002.insertInto('feature_vectors').values([
      vector('early', 1, 'fs-old'), vector('eth', 2, 'fs-old'), vector('late', 3, 'fs-late'),
    ].map(featureVectorToRow)).execute();

    const checkBackfill = async (laterSchemas: [string, string[], number[], number][]): Promise<void> => {
      expect(await store.readInstrument('BTCUSDT')).toEqual({ ...BTCUSDT_SPEC, firstSeen: T0 + 10 });
      expect(await store.readInstrument('ETHUSDT')).toEqual({ ...ETHUSDT, firstSeen: T0 + 30 });
      const rows = await db.withSchema(schema).selectFrom('feature_schemas').selectAll().orderBy('schema_id').execute();
      expect(rows.map((r) => [r.schema_id, r.names, r.versions, Number(r.created_at_us)])).toEqual([
        ['features-v1', [], [], T0 + 10],
        ['fs-late', [], [], T0 + 50],
        ...laterSchemas,
        ['fs-old', [], [], T0 + 1_000],
      ]);
      const fills = await db.withSchema(schema).selectFrom('fills').select(['trade_id', 'slippage_ticks']).orderBy('trade_id').execute();
      expect(fills).toEqual([
        { trade_id: 'blind', slippage_ticks: null },
        { trade_id: 'buy', slippage_ticks: '10' },
        { trade_id: 'sell', slippage_ticks: '-10' },
      ]);
    };
    expect(await store.migrate()).toEqual(SINCE_0003);
    await checkBackfill([]);

    // The foreign keys hold for rows written around the store.
    await expect(sql`insert into ${sql.table(`${schema}.runs`)} (id, mode, symbol, instrument, source, venue, model_id,
      schema_id, config, code_version, started_at_us) values ('x', 'paper', 'NOSUCH', '{}', 's', 'v', 'm', 'f', '{}', 'c', 1)`.execute(db))
      .rejects.toThrow(/runs_symbol_fk/);
    // feature_vectors has no foreign keys since 0004: the store gives every schema id a
    // feature_schemas row before its vectors, and writes only vectors of a started run.

    expect(await store.write(fullBatch('early'))).toEqual({ rejected: [] });
    await store.registerModel({ id: 'm', fileSha256: 'a'.repeat(64), manifest: {}, validation: null, createdAt: micros(T0) });
    const before = {
      run: await store.readRun('early'), signals: await store.readSignals('early'), orders: await store.readOrders('early'),
      fills: await store.readFills('early'), vectors: await store.readFeatureVectors('early'),
    };
    expect(before.signals.map((r) => r.seq)).toEqual([1, 7]);
    expect(await migrateTo(schema, '0002-feature-vectors')).toEqual([
      'Down 0010-order-amend', 'Down 0009-feed-quality', 'Down 0008-sweep-results', 'Down 0007-risk-episodes', 'Down 0006-run-end-reason', 'Down 0005-risk-events', 'Down 0004-vectors-without-foreign-keys', 'Down 0003-market-and-ledger',
    ]);
    expect(await tables(schema)).toEqual(OLD_TABLES);
    expect(await columnsOf(schema, 'fills')).not.toContain('slippage_ticks');
    expect(await store.readRun('early')).toEqual(before.run);
    expect(await store.readSignals('early')).toEqual(before.signals);
    expect(await store.readOrders('early')).toEqual(before.orders);
    expect(await store.readFills('early')).toEqual(before.fills);
    // The rows written after 0003 to tables older than 0003 stay.
    expect(await store.readFeatureVectors('early')).toEqual(before.vectors);
    expect(before.vectors.map((r) => r.vector.schemaId)).toEqual(['fs-old', 'fs-never-registered']);

    expect(await store.migrate()).toEqual(SINCE_0003);
    // The vector written between the two ups names a schema the backfill now finds in feature_vectors.
    await checkBackfill([['fs-never-registered', [], [], T0 + 7_000]]);
    expect(await store.readModel('m')).toBeNull();
    expect(await store.rowCounts('early')).toEqual({
      signals: 2, orders: 1, fills: 3, featureVectors: 2, bookSnapshots: 0, trades: 0, orderEvents: 0, positionSnapshots: 0, equity: 0,
      riskEvents: 0, feedQuality: 0,
    });
    expect(await migrateTo(schema, NO_MIGRATIONS)).toEqual(ALL.map((n) => `Down ${n}`).reverse());
    expect(await tables(schema)).toEqual([]);
  });

  it('adds risk_events at 0005 beside the rows of 0004, drops only it going down, and takes rows again once up', async () => {
    const schema = freshSchema();
    const store = await open(schema);
    expect(await migrateTo(schema, '0004-vectors-without-foreign-keys')).toEqual(ALL.slice(0, 4).map((n) => `Up ${n}`));
    const id = 'at-0004';
    await store.startRun(run(id));
    // A batch as a store at 0004 wrote it: no risk events.
    const { riskEvents: _, ...at0004 } = fullBatch(id);
    expect(await store.write(at0004)).toEqual({ rejected: [] });
    const ledger = async () => ({
      run: await store.readRun(id), signals: await store.readSignals(id), books: await store.readBookSnapshots(id),
      trades: await store.readTrades(id), events: await store.readOrderEvents(id), positions: await store.readPositionSnapshots(id),
      equity: await store.readEquity(id), vectors: await store.readFeatureVectors(id),
    });
    const before = await ledger();
    expect(before.events).toEqual(events(id, 'A'));

    expect(await store.migrate()).toEqual(SINCE_0005);
    expect(await store.readRiskEvents(id)).toEqual([]);
    expect(await store.write(batch({ riskEvents: risks(id) }))).toEqual({ rejected: [] });
    expect(await store.readRiskEvents(id)).toEqual(risks(id));
    // The table's own checks hold for rows written around the store.
    const insert = (runId: string, state: string, kind: string) => sql`insert into ${sql.table(`${schema}.risk_events`)}
      (run_id, seq, ts_us, last_ts_us, state, kind, cause, reason) values (${runId}, 99, 1, 1, ${state}, ${kind}, 'c', 'r')`.execute(db);
    await expect(insert(id, 'PAUSED', 'trip')).rejects.toThrow(/risk_events_state_check/);
    await expect(insert(id, 'HALTED', 'flatten')).rejects.toThrow(/risk_events_kind_check/);
    await expect(insert('no-such-run', 'HALTED', 'kill')).rejects.toThrow(/risk_events_run_id_fkey/);
    // A run's decisions go with it, as its other ledger rows do.
    await store.startRun(run('deleted'));
    await store.write(batch({ riskEvents: risks('deleted') }));
    await sql`delete from ${sql.table(`${schema}.runs`)} where id = 'deleted'`.execute(db);
    expect(await store.readRiskEvents('deleted')).toEqual([]);

    expect(await migrateTo(schema, '0004-vectors-without-foreign-keys')).toEqual(SINCE_0005.map((n) => `Down ${n}`).reverse());
    expect(await tables(schema)).toEqual([...NEW_TABLES, ...OLD_TABLES].filter((t) => !['risk_events', 'sweeps', 'sweep_results', 'feed_quality'].includes(t)).sort());
    expect(await ledger()).toEqual(before);

    expect(await store.migrate()).toEqual(SINCE_0005);
    // Down dropped the decisions with their table; the rest of the run is as it was.
    expect(await store.readRiskEvents(id)).toEqual([]);
    expect(await ledger()).toEqual(before);
    expect(await store.write(batch({ riskEvents: risks(id).slice(1) }))).toEqual({ rejected: [] });
    expect(await store.readRiskEvents(id)).toEqual(risks(id).slice(1));
    expect(await store.rowCounts(id)).toEqual({
      signals: 1, orders: 0, fills: 0, featureVectors: 1, bookSnapshots: 2, trades: 2, orderEvents: 5, positionSnapshots: 2, equity: 2,
      riskEvents: 3, feedQuality: 0,
    });
  });

  describe('the 0003 tables through the store', () => {
    let store: TradingStore;
    beforeAll(async () => {
      store = await open();
      await store.migrate();
    });

    it('reads back every new row exactly, at ±(2^53 - 1), and a repeated batch stores nothing twice', async () => {
      const id = 'run-full';
      await store.startRun(run(id));
      const full = fullBatch(id);
      expect(await store.write(full)).toEqual({ rejected: [] });
      const counts = {
        signals: 1, orders: 0, fills: 0, featureVectors: 1, bookSnapshots: 2, trades: 2, orderEvents: 5, positionSnapshots: 2, equity: 2,
        riskEvents: 4, feedQuality: 0,
      };
      expect(await store.rowCounts(id)).toEqual(counts);
      expect(await store.write(full)).toEqual({ rejected: [] });
      expect(await store.rowCounts(id)).toEqual(counts);

      expect(await store.readBookSnapshots(id)).toEqual([book(id, 1), book(id, 2)]);
      expect(await store.readTrades(id)).toEqual([trade(id, 't-2', T0 + 3), trade(id, 'b-1s', T0 + 9)]);
      expect(await store.readOrderEvents(id)).toEqual(events(id, 'A'));
      expect(await store.readPositionSnapshots(id)).toEqual([position(id, 1, false), position(id, 2, true)]);
      expect(await store.readEquity(id)).toEqual([equity(id, T0), equity(id, T0 + 86_400_000_000)]);
      expect(await store.readRiskEvents(id)).toEqual(risks(id));
      // A vector's schema need not be registered first; it is kept without names until it is.
      expect(await store.readFeatureSchema('fs-never-registered')).toEqual({ id: 'fs-never-registered', names: [], versions: [] });
      expect(await store.readFeatureSchema('no-such-schema')).toBeNull();
      const none = 'no-such-run';
      const reads = [
        store.readBookSnapshots(none), store.readTrades(none), store.readOrderEvents(none), store.readPositionSnapshots(none), store.readEquity(none),
        store.readRiskEvents(none),
      ];
      expect(await Promise.all(reads)).toEqual([[], [], [], [], [], []]);
    });

    it('refuses a row no column can hold, naming its field, and writes the rest of the batch', async () => {
      const id = 'run-bad-rows';
      await store.startRun(run(id));
      const outcome = await store.write(batch({
        bookSnapshots: [book(id, 1), { ...book(id, 2), bidLots: [lots(1)] }, { ...book(id, 3), askTicks: [ticks(MAX + 2)] }],
        trades: [trade(id, 't-1', T0), { ...trade(id, 't-2', T0), size: lots(0) }, trade('no-such-run', 't-3', T0)],
        orderEvents: [{ ...events(id, 'A')[0], seq: 0 }, events(id, 'A')[1]],
        positionSnapshots: [{ ...position(id, 1, true), unrealizedPnl: null }, position(id, 2, false)],
        equity: [{ ...equity(id, T0), fills: 2 ** 31 }, equity(id, T0 + 1)],
        riskEvents: [{ ...risks(id)[0], seq: 0 }, risks(id)[1], { ...risks(id)[2], state: 'PAUSED' as BreakerState }],
      }));
      expect(outcome.rejected.map((r) => [r.kind, r.key, r.field])).toEqual([
        ['bookSnapshots', `${id}/2`, 'bidLots'],
        ['bookSnapshots', `${id}/3`, 'askTicks[0]'],
        ['trades', `${id}/t-2`, 'size'],
        ['trades', 'no-such-run/t-3', 'runId'],
        ['orderEvents', `${id}/A/0`, 'seq'],
        ['positionSnapshots', `${id}/1`, 'unrealizedPnl'],
        ['equity', `${id}/${T0}`, 'fills'],
        ['riskEvents', `${id}/0`, 'seq'],
        ['riskEvents', `${id}/3`, 'state'],
      ]);
      expect(outcome.rejected[0].reason).toMatch(/has 1 levels but bidTicks has 3/);
      expect(await store.rowCounts(id)).toMatchObject({ bookSnapshots: 1, trades: 1, orderEvents: 1, positionSnapshots: 1, equity: 1, riskEvents: 1 });
    });

    it('writes more book snapshots than one statement can carry, in one call', async () => {
      const id = 'run-many-books';
      await store.startRun(run(id));
      // 8 columns a snapshot: 9 000 rows are 72 000 parameters, over Postgres' 65 535.
      const books = Array.from({ length: 9_000 }, (_, i) => book(id, i + 1));
      expect(await store.write(batch({ bookSnapshots: books }))).toEqual({ rejected: [] });
      expect(await store.readBookSnapshots(id)).toEqual(books);
    });

    it('registers instruments, feature schemas and models once', async () => {
      await store.registerInstrument({ ...ETHUSDT, tickSize: '0.05' }, micros(T0));
      await store.registerInstrument(ETHUSDT, micros(T0 + 1));
      expect(await store.readInstrument('ETHUSDT')).toEqual({ ...ETHUSDT, tickSize: '0.05', firstSeen: T0 });
      expect(await store.readInstrument('NOSUCH')).toBeNull();

      // Names that an array literal must quote (the store does not check them against the feature registry).
      const odd = { id: 'fs-odd', names: ['mid "quoted"', 'spread,bps', 'ofi\\1', 'NULL', '', '{x}'], versions: [1, 2, 3, 4, 5, 2 ** 31 - 1] };
      await store.registerFeatureSchema(odd, micros(T0));
      expect(await store.readFeatureSchema(odd.id)).toEqual(odd);
      // A schema first seen through its vectors gets its names when registered.
      const later = createSchema(['a', 'b']);
      const id = 'run-late-schema';
      await store.startRun(run(id));
      await store.write(batch({ featureVectors: [vector(id, 1, later.id)] }));
      expect(await store.readFeatureSchema(later.id)).toEqual({ id: later.id, names: [], versions: [] });
      await store.registerFeatureSchema(later, micros(T0));
      expect(await store.readFeatureSchema(later.id)).toEqual(later);
      await store.registerFeatureSchema({ ...later, names: ['x', 'y'] }, micros(T0));
      expect(await store.readFeatureSchema(later.id)).toEqual(later);

      const model = {
        id: 'lin-1', fileSha256: '0123456789abcdef'.repeat(4), manifest: { inputs: ['a', 'b'], horizonMs: 500 },
        validation: { auc: 0.53, n: MAX }, createdAt: micros(MAX),
      };
      await store.registerModel(model);
      await store.registerModel({ ...model, validation: null });
      expect(await store.readModel('lin-1')).toEqual(model);
      expect(await store.readModel('none')).toBeNull();
      await expect(store.registerModel({ ...model, id: 'bad', fileSha256: 'XYZ' })).rejects.toThrow(/^registerModel failed: .*fileSha256/);
    });
  });
}

await onBothEngines('schema and migrations', 'ladder_schema_t', (engine) => defineSchemaSuite(engine));
