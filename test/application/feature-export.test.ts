import { describe, expect, it } from 'vitest';
import { exportColumns, exportFeatures, exportSelection, horizonLabel, type ExportOptions } from '../../application/feature-export.ts';
import type { ExportCell, ExportMeta, ExportTotals, FeatureSink } from '../../application/ports/feature-sink.ts';
import { silentLogger } from '../../application/ports/logger.ts';
import { selectFeatures } from '../../domain/features/registry.ts';
import type { MarketEvent, RawLevel } from '../../domain/market/market-event.ts';
import type { Micros } from '../../domain/values/units.ts';
import { btc, frame } from '../support/builders.ts';
import { ArrayFeed, StepClock } from '../support/fakes.ts';

/** A sink that keeps every row in memory, copying the caller's reused array. */
class MemorySink implements FeatureSink {
  columns: readonly string[] = [];
  meta: ExportMeta | null = null;
  rows: ExportCell[][] = [];
  totals: ExportTotals | null = null;
  aborted = false;
  begin(columns: readonly string[], meta: ExportMeta): Promise<void> {
    this.columns = columns;
    this.meta = meta;
    return Promise.resolve();
  }
  row(cells: readonly ExportCell[]): Promise<void> | null {
    this.rows.push([...cells]);
    return null;
  }
  end(totals: ExportTotals): Promise<void> {
    this.totals = totals;
    return Promise.resolve();
  }
  abort(): Promise<void> {
    this.aborted = true;
    return Promise.resolve();
  }
  column(name: string): ExportCell[] {
    const k = this.columns.indexOf(name);
    if (k < 0) throw new Error(`no column ${name}`);
    return this.rows.map((r) => r[k]);
  }
}

/** A deterministic pseudo-random source for building streams (32-bit LCG). */
function lcg(seed: number): (n: number) => number {
  let s = seed >>> 0;
  return (n) => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s % n;
  };
}

/** What the test expects of one row, computed from its own copy of the book. */
interface Expected {
  tsMicros: number;
  recvMicros: number;
  segment: number;
  bid: number;
  ask: number;
  bidLots: number;
  askLots: number;
}

const price = (ticks: number): string => (ticks / 10).toFixed(1);
const qty = (lots: number): string => (lots / 1000).toFixed(3);

/**
 * A stream with its expected rows: deltas before any snapshot (no rows), a snapshot, random touch
 * changes and trades, one frame that empties the ask side (no row), a sequence gap followed by deltas
 * the book refuses (no rows), a fresh snapshot and more changes. The test keeps its own book (maps of
 * ticks to lots) to know the touch at each row.
 */
function buildStream(seed: number, steps: number): { events: MarketEvent[]; expected: Expected[] } {
  const rnd = lcg(seed);
  const events: MarketEvent[] = [];
  const expected: Expected[] = [];
  const bids = new Map<number, number>();
  const asks = new Map<number, number>();
  let tsMs = 1_700_000_000_000;
  let u = 10;
  let live = false;
  let segment = 0;
  const push = (type: 'snapshot' | 'delta', b: RawLevel[], a: RawLevel[], apply: boolean): void => {
    tsMs += 20 + rnd(380);
    const f = { ...frame(type, u, b, a, tsMs), recvTime: (tsMs * 1000 + 1000 + rnd(5000)) as Micros };
    events.push({ kind: 'book', frame: f });
    if (!apply) return;
    if (type === 'snapshot') {
      bids.clear();
      asks.clear();
    }
    const applyLevels = (side: Map<number, number>, levels: readonly RawLevel[]): void => {
      for (const [p, q] of levels) {
        const ticks = Math.round(Number(p) * 10);
        if (Number(q) === 0) side.delete(ticks);
        else side.set(ticks, Math.round(Number(q) * 1000));
      }
    };
    applyLevels(bids, b);
    applyLevels(asks, a);
    if (live && bids.size > 0 && asks.size > 0) {
      const bid = Math.max(...bids.keys());
      const ask = Math.min(...asks.keys());
      expected.push({ tsMicros: f.ts, recvMicros: f.recvTime, segment, bid, ask, bidLots: bids.get(bid)!, askLots: asks.get(ask)! });
    }
  };
  const snapshot = (mid: number): void => {
    const b: RawLevel[] = [];
    const a: RawLevel[] = [];
    for (let i = 0; i < 5; i++) {
      b.push([price(mid - 1 - i), qty(1 + rnd(3000))]);
      a.push([price(mid + 1 + i), qty(1 + rnd(3000))]);
    }
    u = 1 + rnd(1000);
    live = true;
    segment++;
    push('snapshot', b, a, true);
  };
  const randomDelta = (): void => {
    u++;
    const bid = Math.max(...bids.keys());
    const ask = Math.min(...asks.keys());
    const r = rnd(6);
    if (r === 0) push('delta', [[price(bid), qty(1 + rnd(3000))]], [], true);
    else if (r === 1) push('delta', [], [[price(ask), qty(1 + rnd(3000))]], true);
    else if (r === 2 && ask - bid > 1) push('delta', [[price(bid + 1), qty(1 + rnd(500))]], [], true);
    else if (r === 3 && ask - bid > 1) push('delta', [], [[price(ask - 1), qty(1 + rnd(500))]], true);
    else if (r === 4 && bids.size > 1) push('delta', [[price(bid), '0']], [], true);
    else if (r === 5 && asks.size > 1) push('delta', [], [[price(ask), '0']], true);
    else push('delta', [[price(bid - 2), qty(1 + rnd(3000))]], [[price(ask + 2), qty(1 + rnd(3000))]], true);
    if (rnd(4) === 0) {
      const side = rnd(2) === 0 ? 'Buy' : 'Sell';
      const t = (tsMs * 1000 + 500) as Micros;
      events.push({ kind: 'trades', trades: [{ tradeId: `t${events.length}`, symbol: 'BTCUSDT', price: price(side === 'Buy' ? ask : bid), size: qty(1 + rnd(50)), takerSide: side, ts: t, recvTime: t, blockTrade: false }] });
    }
  };

  events.push({ kind: 'malformed', reason: 'not JSON', text: 'garbage{', recvTime: (tsMs * 1000) as Micros });
  u = 3;
  push('delta', [['89999.0', '1.000']], [], false);
  u++;
  push('delta', [], [['90001.0', '1.000']], false);
  snapshot(900_000);
  for (let i = 0; i < steps; i++) randomDelta();
  // Every ask removed, then one put back: the frame in between has no touch and gives no row.
  u++;
  push('delta', [], [...asks.keys()].map((p): RawLevel => [price(p), '0']), true);
  u++;
  push('delta', [], [[price(Math.max(...bids.keys()) + 3), '0.700']], true);
  for (let i = 0; i < steps; i++) randomDelta();
  // A sequence gap: the book is refused until the next snapshot.
  u += 2;
  live = false;
  push('delta', [['89000.0', '1.000']], [], false);
  u++;
  push('delta', [['89000.0', '2.000']], [], false);
  snapshot(900_500);
  for (let i = 0; i < steps; i++) randomDelta();
  return { events, expected };
}

const everything = selectFeatures();
if (!everything.ok) throw new Error('registry selection failed');
const bookGroup = exportSelection({ groups: ['book'] });
if (!bookGroup.ok) throw new Error('book group selection failed');
const bookOnly = bookGroup.value.definitions;

async function run(events: MarketEvent[], options: Partial<ExportOptions> = {}) {
  const sink = new MemorySink();
  const summary = await exportFeatures(
    { feed: new ArrayFeed(events), sink, clock: new StepClock(), logger: silentLogger },
    { instrument: btc, bookDepth: null, definitions: everything.ok ? everything.value : [], labels: null, ...options },
  );
  return { sink, summary };
}

describe('exportFeatures', () => {
  const { events, expected } = buildStream(7, 120);

  it('writes one row per book frame applied while LIVE with both sides, and none before the snapshot or while broken', async () => {
    const { sink, summary } = await run(events);
    expect(expected.length).toBeGreaterThan(300);
    expect(sink.rows.length).toBe(expected.length);
    expect(sink.column('ts')).toEqual(expected.map((e) => e.tsMicros / 1000));
    expect(sink.column('recv_ts')).toEqual(expected.map((e) => e.recvMicros / 1000));
    expect(sink.column('ts').every((t) => Number.isInteger(t))).toBe(true);
    expect(new Set(sink.column('schema_id'))).toEqual(new Set([summary.schemaId]));
    expect(summary).toMatchObject({ rows: expected.length, frames: events.length, malformed: 1 });
    expect(summary.gaps).toBeGreaterThanOrEqual(1);
    expect(sink.totals).toEqual({ rows: summary.rows, warmRows: summary.warmRows });
    expect(sink.aborted).toBe(false);
  });

  it('lays the columns out as specified', async () => {
    const { sink } = await run(events, { labels: { horizonsMicros: [1_000_000, 5_000_000, 30_000_000], deadZoneBps: 11 } });
    const names = everything.ok ? everything.value.map((d) => d.name) : [];
    expect(sink.columns).toEqual([
      'ts', 'recv_ts', 'schema_id', 'warm', ...names,
      'label_ret_1s_bps', 'label_class_1s', 'label_reached_1s',
      'label_ret_5s_bps', 'label_class_5s', 'label_reached_5s',
      'label_ret_30s_bps', 'label_class_30s', 'label_reached_30s',
    ]);
    expect(sink.rows.every((r) => r.length === sink.columns.length)).toBe(true);
    expect(new Set(sink.column('warm'))).toEqual(new Set([0]));
  });

  it('exports spread_ticks and depth_imbalance_1 equal to the touch recomputed at each row', async () => {
    const { sink } = await run(events);
    expect(sink.column('spread_ticks')).toEqual(expected.map((e) => e.ask - e.bid));
    expect(sink.column('depth_imbalance_1')).toEqual(expected.map((e) => (e.bidLots - e.askLots) / (e.bidLots + e.askLots)));
  });

  it('exports ofi_1s equal to a naive rescan of the trailing second of e_n', async () => {
    const { sink } = await run(events);
    // e_n of Cont, Kukanov & Stoikov at the touch, in lots; 0 for the first row after a (re)start.
    const e = expected.map((row, i) => {
      const prev = expected[i - 1];
      if (prev === undefined || prev.segment !== row.segment) return 0;
      return (row.bid >= prev.bid ? row.bidLots : 0) - (row.bid <= prev.bid ? prev.bidLots : 0)
        - (row.ask <= prev.ask ? row.askLots : 0) + (row.ask >= prev.ask ? prev.askLots : 0);
    });
    const ofi = expected.map((row, i) => {
      let lots = 0;
      for (let j = 0; j <= i; j++) {
        if (expected[j].segment === row.segment && expected[j].tsMicros > row.tsMicros - 1_000_000) lots += e[j];
      }
      return lots * 0.001;
    });
    expect(ofi.some((x) => x !== 0)).toBe(true);
    expect(sink.column('ofi_1s')).toEqual(ofi);
  });

  it('labels each row from the mids of its own LIVE run, holding rows until their labels resolve, in order', async () => {
    const horizons = [1_000_000, 5_000_000];
    const deadZone = 0.01;
    const { sink } = await run(events, { labels: { horizonsMicros: horizons, deadZoneBps: deadZone } });
    expect(sink.column('ts')).toEqual(expected.map((r) => r.tsMicros / 1000));
    let flat = 0;
    let moved = 0;
    let unreached = 0;
    for (const h of horizons) {
      const label = horizonLabel(h);
      const want = expected.map((row) => {
        const run = expected.filter((r) => r.segment === row.segment);
        const reached = run[run.length - 1].tsMicros >= row.tsMicros + h;
        if (!reached) return { ret: NaN, cls: NaN, reached: 0 };
        const later = run.filter((r) => r.tsMicros <= row.tsMicros + h).at(-1)!;
        const base = row.bid + row.ask;
        const ret = ((later.bid + later.ask - base) * 10_000) / base;
        return { ret, cls: ret > deadZone ? 1 : ret < -deadZone ? -1 : 0, reached: 1 };
      });
      expect(sink.column(`label_ret_${label}_bps`), `horizon ${label}`).toEqual(want.map((w) => w.ret));
      expect(sink.column(`label_class_${label}`)).toEqual(want.map((w) => w.cls));
      expect(sink.column(`label_reached_${label}`)).toEqual(want.map((w) => w.reached));
      flat += want.filter((w) => w.cls === 0).length;
      moved += want.filter((w) => w.cls === 1 || w.cls === -1).length;
      unreached += want.filter((w) => w.reached === 0).length;
    }
    // The stream exercises every case: flat, up or down, and rows cut short by a break or the end.
    expect([flat > 0, moved > 0, unreached > 0]).toEqual([true, true, true]);
  });

  it('waits for the sink when it asks to, before handing it another row', async () => {
    let waiting = false;
    let rows = 0;
    const sink: FeatureSink = {
      begin: () => Promise.resolve(),
      row: () => {
        if (waiting) throw new Error('row while the sink asked to wait');
        rows++;
        if (rows % 10 !== 0) return null;
        waiting = true;
        return new Promise<void>((resolve) => setTimeout(() => { waiting = false; resolve(); }, 1));
      },
      end: () => Promise.resolve(),
      abort: () => Promise.resolve(),
    };
    const summary = await exportFeatures(
      { feed: new ArrayFeed(events), sink, clock: new StepClock(), logger: silentLogger },
      { instrument: btc, bookDepth: null, definitions: bookOnly, labels: null },
    );
    expect(rows).toBe(expected.length);
    expect(summary.rows).toBe(rows);
  });

  it('aborts the sink when writing fails', async () => {
    const sink = new MemorySink();
    sink.row = () => Promise.reject(new Error('disk full'));
    await expect(exportFeatures(
      { feed: new ArrayFeed(events), sink, clock: new StepClock(), logger: silentLogger },
      { instrument: btc, bookDepth: null, definitions: everything.ok ? everything.value : [], labels: null },
    )).rejects.toThrow('disk full');
    expect(sink.aborted).toBe(true);
  });

  it('reports progress with frames, rows and the source fraction', async () => {
    const seen: { frames: number; rows: number; fraction: number | null }[] = [];
    await run(events, { onProgress: (p) => seen.push(p), progressMillis: 0, fraction: (p) => p.frames / events.length });
    expect(seen.length).toBeGreaterThan(1);
    const last = seen[seen.length - 1];
    expect(last).toEqual({ frames: events.length, rows: expected.length, fraction: 1 });
    for (let i = 1; i < seen.length; i++) expect(seen[i].frames).toBeGreaterThanOrEqual(seen[i - 1].frames);
  });
});

describe('exportSelection', () => {
  it('adds the required columns a selection leaves out, and names them', () => {
    const chosen = exportSelection({ features: ['mid_price'] });
    expect(chosen.ok && chosen.value.definitions.map((d) => d.name)).toEqual(['mid_price', 'spread_ticks', 'depth_imbalance_1', 'ofi_1s']);
    expect(chosen.ok && chosen.value.added).toEqual(['spread_ticks', 'depth_imbalance_1', 'ofi_1s']);
    const regime = exportSelection({ groups: ['regime'] });
    const names = regime.ok ? regime.value.definitions.map((d) => d.name) : [];
    expect(names.slice(0, 3)).toEqual(['spread_ticks', 'depth_imbalance_1', 'ofi_1s']);
    expect(names.filter((n) => n.startsWith('hht_'))).toHaveLength(7);
    const all = exportSelection({});
    expect(all.ok && all.value.added).toEqual([]);
  });

  it('refuses an unknown feature', () => {
    const chosen = exportSelection({ features: ['no_such'] });
    expect(chosen.ok ? null : chosen.error).toEqual({ kind: 'UnknownFeature', name: 'no_such' });
  });

  it('names horizons and columns', () => {
    expect([1_000_000, 250_000, 1_500, 90_000_000].map(horizonLabel)).toEqual(['1s', '250ms', '1500us', '90s']);
    const chosen = exportSelection({ features: ['spread_ticks', 'depth_imbalance_1', 'ofi_1s'] });
    expect(exportColumns(chosen.ok ? chosen.value.definitions : [], { horizonsMicros: [250_000], deadZoneBps: 0 })).toEqual([
      'ts', 'recv_ts', 'schema_id', 'warm', 'spread_ticks', 'depth_imbalance_1', 'ofi_1s', 'label_ret_250ms_bps', 'label_class_250ms', 'label_reached_250ms',
    ]);
  });
});
