/*
 * One piece, past 300 lines: the port's every read answers from the same per-run rows (or, folding,
 * from the same per-run figures), and the write that fills them is one pass over a batch's kinds.
 */
import type { FeatureSchema } from '../../domain/features/feature-vector.ts';
import type { Order } from '../../domain/trading/order.ts';
import type { InstrumentSpec } from '../../domain/values/instrument.ts';
import type { Cash, Lots, Micros } from '../../domain/values/units.ts';
import type {
  BookSnapshotRecord,
  DailyPnl,
  EquityRecord,
  FeatureVectorRecord,
  FeedQualityRecord,
  FillRecord,
  ModelRecord,
  OrderEventRecord,
  OrderLifecycle,
  PnlFigures,
  PositionSnapshotRecord,
  PublicTradeRecord,
  RiskEventRecord,
  RowCounts,
  RowRejection,
  RunEnd,
  RunPnl,
  RunRecord,
  SignalRecord,
  StoreBatch,
  StoredInstrument,
  StoredRun,
  TradingStore,
  WriteOutcome,
} from '../../application/ports/trading-store.ts';
import { LedgerFold, type LedgerFigures } from '../../application/ledger-fold.ts';
import type { Instrument } from '../../domain/values/instrument.ts';
import { SignalColumns } from './signal-columns.ts';

/**
 * One row kind of a run: the rows in arrival order and the keys already held (a batch written twice
 * stores nothing twice). A kind that is only counted keeps neither rows nor keys: `count` is then the
 * number of rows written.
 */
class Rows<R> {
  readonly list: R[] = [];
  private readonly keys = new Set<string>();
  private written = 0;

  constructor(
    private readonly key: (row: R) => string,
    private readonly held = true,
  ) {}

  get count(): number {
    return this.held ? this.list.length : this.written;
  }

  add(rows: readonly R[] | undefined): void {
    if (!this.held) {
      this.written += rows?.length ?? 0;
      return;
    }
    for (const row of rows ?? []) {
      const key = this.key(row);
      if (this.keys.has(key)) continue;
      this.keys.add(key);
      this.list.push(row);
    }
  }
}

class RunRows {
  run: StoredRun;
  // A day of signals is hundreds of thousands: held as columns, not objects (signal-columns.ts).
  readonly signals: SignalColumns | Rows<SignalRecord>;
  readonly orders = new Map<string, Order>();
  readonly fills: Rows<FillRecord>;
  // The market data a paper run records (a vector per book event, snapshots, public trades) grows with
  // the market, not with the trading: counted for the summary, not held.
  readonly featureVectors = new Rows<FeatureVectorRecord>((r) => String(r.seq), false);
  readonly bookSnapshots = new Rows<BookSnapshotRecord>((r) => String(r.seq), false);
  readonly trades = new Rows<PublicTradeRecord>((r) => r.tradeId, false);
  readonly orderEvents: Rows<OrderEventRecord>;
  readonly positionSnapshots: Rows<PositionSnapshotRecord>;
  readonly equity: Rows<EquityRecord>;
  readonly riskEvents = new Map<number, RiskEventRecord>();
  readonly feedQuality: Rows<FeedQualityRecord>;
  /** The ledger's figures of a folding store; null when the rows are held. */
  readonly ledger: LedgerFold | null;

  constructor(run: RunRecord, fold: Instrument | null) {
    this.run = { ...run, endedAt: null, summary: null };
    // Folded, a kind is counted as written (no keys held either: the one writer writes a batch once).
    const held = fold === null;
    this.ledger = fold === null ? null : new LedgerFold(fold);
    this.signals = held ? new SignalColumns() : new Rows<SignalRecord>((r) => String(r.seq), false);
    this.fills = new Rows<FillRecord>((r) => r.fill.tradeId, held);
    this.orderEvents = new Rows<OrderEventRecord>((r) => `${r.orderId}/${r.seq}`, held);
    this.positionSnapshots = new Rows<PositionSnapshotRecord>((r) => String(r.seq), held);
    this.equity = new Rows<EquityRecord>((r) => String(r.intervalStart), held);
    this.feedQuality = new Rows<FeedQualityRecord>((r) => String(r.start), held);
  }
}

/**
 * The store of `--db none`: the process's runs in memory, gone when it exits, without the ~650 MB an
 * in-memory PGlite costs. It holds what a run's summary and report read (the run, its signals, orders
 * and their events, fills, positions, equity, risk decisions and feed-quality minutes) and answers every read of the port on
 * them; the market data (feature vectors, book snapshots, public trades) is counted, not held, so that
 * a long paper run does not grow with the market: those reads answer empty. Rows are kept as given, no
 * column limits to enforce: only a row naming a run never started is refused.
 *
 * Given an instrument (`{ fold }`), the store of a run that keeps nothing and reads back only its
 * report (`ladder backtest --db none`): it holds no ledger row at all, only the figures the report
 * reads, folded as the rows arrive (application/ledger-fold.ts: `ledgerFigures`), the run's risk
 * episodes (its summary's trips) and every kind's count. Its other reads answer empty. A day of the
 * synthetic market's ledger is about 24 MiB held (signals, orders and their events, fills, positions,
 * equity), which the collector's room for it multiplies in the process's peak; folded, a few hundred KiB.
 */
export class MemoryStore implements TradingStore {
  private readonly runs = new Map<string, RunRows>();
  private readonly instruments = new Map<string, StoredInstrument>();
  private readonly schemas = new Map<string, FeatureSchema>();
  private readonly models = new Map<string, ModelRecord>();
  private readonly fold: Instrument | null;

  constructor(options: { readonly fold?: Instrument } = {}) {
    this.fold = options.fold ?? null;
  }

  /** The ledger's figures of a run in a folding store; null for an unknown run or a store that holds rows. */
  ledgerFigures(runId: string): LedgerFigures | null {
    return this.runs.get(runId)?.ledger?.figures() ?? null;
  }

  migrate(): Promise<readonly string[]> {
    return Promise.resolve([]);
  }

  async startRun(run: RunRecord): Promise<void> {
    if (!this.runs.has(run.id)) this.runs.set(run.id, new RunRows(run, this.fold));
    await this.registerInstrument(run.instrument, run.startedAt);
  }

  write(batch: StoreBatch): Promise<WriteOutcome> {
    const rejected: RowRejection[] = [];
    const of = <R extends { readonly runId: string }>(kind: RowRejection['kind'], rows: readonly R[] | undefined, key: (r: R) => string): Map<RunRows, R[]> => {
      const byRun = new Map<RunRows, R[]>();
      for (const row of rows ?? []) {
        const run = this.runs.get(row.runId);
        if (run === undefined) rejected.push({ kind, key: `${row.runId}/${key(row)}`, field: 'runId', reason: 'no such run' });
        else {
          const held = byRun.get(run);
          if (held === undefined) byRun.set(run, [row]);
          else held.push(row);
        }
      }
      return byRun;
    };
    for (const [run, rows] of of('signals', batch.signals, (r) => String(r.seq))) run.signals.add(rows);
    for (const [run, rows] of of('orders', batch.orders, (r) => r.order.id)) {
      for (const r of rows) {
        if (run.ledger === null) run.orders.set(r.order.id, r.order);
        else run.ledger.addOrder(r.order);
      }
    }
    for (const [run, rows] of of('fills', batch.fills, (r) => r.fill.tradeId)) {
      run.fills.add(rows);
      if (run.ledger !== null) for (const r of rows) run.ledger.addFill(r);
    }
    for (const [run, rows] of of('featureVectors', batch.featureVectors, (r) => String(r.seq))) run.featureVectors.add(rows);
    for (const [run, rows] of of('bookSnapshots', batch.bookSnapshots, (r) => String(r.seq))) run.bookSnapshots.add(rows);
    for (const [run, rows] of of('trades', batch.trades, (r) => r.tradeId)) run.trades.add(rows);
    for (const [run, rows] of of('orderEvents', batch.orderEvents, (r) => `${r.orderId}/${r.seq}`)) run.orderEvents.add(rows);
    for (const [run, rows] of of('positionSnapshots', batch.positionSnapshots, (r) => String(r.seq))) {
      run.positionSnapshots.add(rows);
      if (run.ledger !== null) for (const r of rows) run.ledger.addPosition(r);
    }
    for (const [run, rows] of of('equity', batch.equity, (r) => String(r.intervalStart))) {
      run.equity.add(rows);
      if (run.ledger !== null) for (const r of rows) run.ledger.addEquity(r);
    }
    for (const [run, rows] of of('feedQuality', batch.feedQuality, (r) => String(r.start))) run.feedQuality.add(rows);
    // An episode's row grows under its seq, as the database's upsert does.
    for (const [run, rows] of of('riskEvents', batch.riskEvents, (r) => String(r.seq))) {
      for (const r of rows) {
        const held = run.riskEvents.get(r.seq);
        run.riskEvents.set(r.seq, held === undefined ? r : { ...held, lastTs: r.lastTs, count: Math.max(r.count, held.count) });
      }
    }
    return Promise.resolve({ rejected });
  }

  finishRun(runId: string, end: RunEnd): Promise<void> {
    const rows = this.runs.get(runId);
    if (rows !== undefined) rows.run = { ...rows.run, ...end };
    return Promise.resolve();
  }

  readRun(runId: string): Promise<StoredRun | null> {
    return Promise.resolve(this.runs.get(runId)?.run ?? null);
  }

  readOpenRuns(): Promise<readonly StoredRun[]> {
    return Promise.resolve([...this.runs.values()].map((r) => r.run).filter((r) => r.endedAt === null).sort((a, b) => a.startedAt - b.startedAt));
  }

  readSignals(runId: string): Promise<readonly SignalRecord[]> {
    return this.sorted(runId, (r) => r.signals.list, bySeq);
  }

  readOrders(runId: string): Promise<readonly Order[]> {
    return Promise.resolve([...(this.runs.get(runId)?.orders.values() ?? [])]);
  }

  readFills(runId: string): Promise<readonly FillRecord[]> {
    return this.sorted(runId, (r) => r.fills.list, byFillTime);
  }

  readFeatureVectors(runId: string): Promise<readonly FeatureVectorRecord[]> {
    return this.sorted(runId, (r) => r.featureVectors.list, bySeq);
  }

  rowCounts(runId: string): Promise<RowCounts> {
    const r = this.runs.get(runId);
    return Promise.resolve({
      signals: r?.signals.count ?? 0,
      orders: r?.ledger?.orderCount ?? r?.orders.size ?? 0,
      fills: r?.fills.count ?? 0,
      featureVectors: r?.featureVectors.count ?? 0,
      bookSnapshots: r?.bookSnapshots.count ?? 0,
      trades: r?.trades.count ?? 0,
      orderEvents: r?.orderEvents.count ?? 0,
      positionSnapshots: r?.positionSnapshots.count ?? 0,
      equity: r?.equity.count ?? 0,
      riskEvents: r?.riskEvents.size ?? 0,
      feedQuality: r?.feedQuality.count ?? 0,
    });
  }

  registerInstrument(spec: InstrumentSpec, seenAt: Micros): Promise<void> {
    if (!this.instruments.has(spec.symbol)) this.instruments.set(spec.symbol, { ...spec, firstSeen: seenAt });
    return Promise.resolve();
  }

  readInstrument(symbol: string): Promise<StoredInstrument | null> {
    return Promise.resolve(this.instruments.get(symbol) ?? null);
  }

  registerFeatureSchema(schema: FeatureSchema): Promise<void> {
    if (!this.schemas.has(schema.id)) this.schemas.set(schema.id, schema);
    return Promise.resolve();
  }

  readFeatureSchema(id: string): Promise<FeatureSchema | null> {
    return Promise.resolve(this.schemas.get(id) ?? null);
  }

  registerModel(model: ModelRecord): Promise<void> {
    if (!this.models.has(model.id)) this.models.set(model.id, model);
    return Promise.resolve();
  }

  readModel(id: string): Promise<ModelRecord | null> {
    return Promise.resolve(this.models.get(id) ?? null);
  }

  readBookSnapshots(runId: string): Promise<readonly BookSnapshotRecord[]> {
    return this.sorted(runId, (r) => r.bookSnapshots.list, bySeq);
  }

  readTrades(runId: string): Promise<readonly PublicTradeRecord[]> {
    return this.sorted(runId, (r) => r.trades.list, (a, b) => a.ts - b.ts || compare(a.tradeId, b.tradeId));
  }

  readOrderEvents(runId: string): Promise<readonly OrderEventRecord[]> {
    return this.sorted(runId, (r) => r.orderEvents.list, (a, b) => compare(a.orderId, b.orderId) || a.seq - b.seq);
  }

  readPositionSnapshots(runId: string): Promise<readonly PositionSnapshotRecord[]> {
    return this.sorted(runId, (r) => r.positionSnapshots.list, bySeq);
  }

  readEquity(runId: string): Promise<readonly EquityRecord[]> {
    return this.sorted(runId, (r) => r.equity.list, (a, b) => a.intervalStart - b.intervalStart);
  }

  readFeedQuality(runId: string): Promise<readonly FeedQualityRecord[]> {
    return this.sorted(runId, (r) => r.feedQuality.list, (a, b) => a.start - b.start);
  }

  readRiskEvents(runId: string): Promise<readonly RiskEventRecord[]> {
    return this.sorted(runId, (r) => [...r.riskEvents.values()], bySeq);
  }

  async latestFeatureVectors(runId: string, n: number): Promise<readonly FeatureVectorRecord[]> {
    // readFeatureVectors returns a copy: reversing it in place is safe.
    return (await this.readFeatureVectors(runId)).slice().reverse().slice(0, n);
  }

  async readSignalsBetween(runId: string, from: Micros, to: Micros): Promise<readonly SignalRecord[]> {
    return (await this.readSignals(runId)).filter((s) => s.signal.ts >= from && s.signal.ts < to);
  }

  async readFillsBetween(runId: string, from: Micros, to: Micros): Promise<readonly FillRecord[]> {
    return (await this.readFills(runId)).filter((f) => f.fill.ts >= from && f.fill.ts < to);
  }

  pnlByDay(runId: string | null): Promise<readonly DailyPnl[]> {
    const days = new Map<number, { fills: FillRecord[]; realized: number }>();
    const dayOf = (ts: number): number => Math.floor(ts / DAY_MICROS);
    const entry = (day: number): { fills: FillRecord[]; realized: number } => {
      const held = days.get(day) ?? { fills: [], realized: 0 };
      days.set(day, held);
      return held;
    };
    for (const [id, rows] of this.runs) {
      if (runId !== null && id !== runId) continue;
      for (const f of rows.fills.list) entry(dayOf(f.fill.ts)).fills.push(f);
      // A day's realized PnL: the run's last snapshot of the day minus its last of an earlier day.
      const snapshots = rows.positionSnapshots.list.slice().sort(bySeq);
      let before = 0;
      for (const [i, p] of snapshots.entries()) {
        const next = snapshots[i + 1];
        if (next !== undefined && dayOf(next.ts) === dayOf(p.ts)) continue;
        entry(dayOf(p.ts)).realized += p.realizedPnl - before;
        before = p.realizedPnl;
      }
    }
    return Promise.resolve(
      [...days.entries()].sort(([a], [b]) => a - b).map(([day, { fills, realized }]) => ({ dayStart: (day * DAY_MICROS) as Micros, ...pnlFigures(fills, realized) })),
    );
  }

  pnlByRun(runId?: string): Promise<readonly RunPnl[]> {
    const runs = [...this.runs.values()]
      .filter((r) => runId === undefined || r.run.id === runId)
      .sort((a, b) => a.run.startedAt - b.run.startedAt || compare(a.run.id, b.run.id));
    return Promise.resolve(
      runs.map((r) => ({ runId: r.run.id, ...pnlFigures(r.fills.list, r.positionSnapshots.list.slice().sort(bySeq).at(-1)?.realizedPnl ?? 0) })),
    );
  }

  orderLifecycle(runId: string, orderId: string): Promise<OrderLifecycle> {
    const r = this.runs.get(runId);
    return Promise.resolve({
      order: r?.orders.get(orderId) ?? null,
      events: (r?.orderEvents.list ?? []).filter((e) => e.orderId === orderId).sort(bySeq),
      fills: (r?.fills.list ?? []).filter((f) => f.fill.orderId === orderId).sort(byFillTime),
    });
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  private sorted<R>(runId: string, rows: (run: RunRows) => readonly R[], order: (a: R, b: R) => number): Promise<readonly R[]> {
    const run = this.runs.get(runId);
    return Promise.resolve(run === undefined ? [] : rows(run).slice().sort(order));
  }
}

const DAY_MICROS = 86_400_000_000;

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
const bySeq = (a: { readonly seq: number }, b: { readonly seq: number }): number => a.seq - b.seq;
const byFillTime = (a: FillRecord, b: FillRecord): number => a.fill.ts - b.fill.ts || compare(a.fill.tradeId, b.fill.tradeId);

/** The figures of `fills`, slippage positive when a fill paid worse than its arrival mid. */
function pnlFigures(fills: readonly FillRecord[], realized: number): PnlFigures {
  let fees = 0;
  let volume = 0;
  let slippageFills = 0;
  let totalSlippage = 0;
  for (const { fill, arrivalMidTicks } of fills) {
    fees += fill.fee;
    volume += fill.qty;
    if (arrivalMidTicks === null) continue;
    slippageFills++;
    totalSlippage += fill.side === 'Buy' ? fill.price - arrivalMidTicks : arrivalMidTicks - fill.price;
  }
  return {
    realizedPnl: realized as Cash,
    fees: fees as Cash,
    volume: volume as Lots,
    fills: fills.length,
    slippageFills,
    totalSlippage,
    meanSlippage: slippageFills === 0 ? null : totalSlippage / slippageFills,
  };
}
