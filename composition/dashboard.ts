import type { Logger } from '../application/ports/logger.ts';
import { RunWatch, Thinned, push } from '../adapters/dashboard/run-watch.ts';
import { startDashboardServer } from '../adapters/dashboard/server.ts';
import type { DashboardSnapshot, DashboardSource } from '../adapters/dashboard/snapshot.ts';
import { renderRunReport } from '../adapters/dashboard/report-page.ts';
import { ticksToNumber, lotsToNumber, type Instrument } from '../domain/values/instrument.ts';
import type { Ticks } from '../domain/values/units.ts';
import type { RunningParts } from './paper.ts';

export interface DashboardOptions {
  readonly host: string;
  /** 0: any free port. */
  readonly port: number;
  /** Required for a host other than loopback; every request must then carry it. */
  readonly token: string | null;
  /** Snapshots a second on the event stream, at most; 4 when absent. */
  readonly rateHz?: number;
  readonly logger: Logger;
}

/** Points of the equity curve kept over the whole run, and mids (the newest) for the signal chart. */
const EQUITY_POINTS = 600;
const MID_POINTS = 240;
const DEPTH_LEVELS = 20;

/**
 * Starts the dashboard of a run under way (a `PaperOptions.onRunning`): watches the rows the run
 * hands its writer, reads the loop's book, position, feed and risk state at each snapshot, and serves
 * them. Resolves with where it listens and the function that stops it (awaited as the run ends).
 */
export async function startDashboard(run: RunningParts, options: DashboardOptions): Promise<{ url: string; close(): Promise<void> }> {
  const watch = new RunWatch(run.config.instrument);
  const stopWatching = run.writer.observe((row) => watch.onRow(row));
  try {
    const server = await startDashboardServer(dashboardSource(run, watch), { host: options.host, port: options.port, token: options.token, rateHz: options.rateHz, logger: options.logger });
    // One line a start; a token is mentioned only when one is asked for (a field named token would be redacted noise).
    options.logger.info({ url: server.url, ...(options.token === null ? {} : { access: 'LADDER_DASHBOARD_TOKEN required' }) }, 'dashboard listening');
    return {
      url: server.url,
      close: async () => {
        stopWatching();
        await server.close();
      },
    };
  } catch (error) {
    stopWatching();
    throw error;
  }
}

function dashboardSource(run: RunningParts, watch: RunWatch): DashboardSource {
  const { loop, writer, config } = run;
  const instrument = config.instrument;
  const equity = new Thinned<DashboardSnapshot['equity'][number]>(EQUITY_POINTS);
  const mids: { t: number; mid: number }[] = [];
  const capital = config.capitalUsdt;
  return {
    runId: run.runId,
    kill: (reason) => run.kill(reason),
    report: (runId) => renderRunReport(run.store, runId, { capitalUsdt: capital }),
    snapshot: () => {
      const summary = loop.summary();
      const book = loop.book;
      const p = summary.position;
      const mid2 = book.midTimesTwo();
      const mid = mid2 === null ? null : ticksToNumber(instrument, (mid2 / 2) as Ticks);
      const t = book.lastTs;
      const netPnl = Number(p.netPnl);
      if (t > 0) {
        equity.add({ t, equity: capital + netPnl, pnl: netPnl });
        if (mid !== null && (mids.length === 0 || mids[mids.length - 1].t !== t)) push(mids, MID_POINTS, { t, mid });
      }
      const qty = Number(p.qty);
      const mark = p.mark === null ? null : Number(p.mark);
      const exposure = mark === null ? 0 : Math.abs(qty) * mark;
      const stats = writer.stats;
      const latency = summary.latency;
      const risk = watch.lastRisk;
      const model = loop.models.next;
      return {
        runId: run.runId,
        symbol: instrument.symbol,
        priceDecimals: instrument.priceScale,
        qtyDecimals: instrument.qtyScale,
        at: run.clock.nowMicros(),
        equity: equity.points,
        capital,
        position: {
          qty, avgEntry: p.avgEntry === null ? null : Number(p.avgEntry), mark, realizedPnl: Number(p.realizedPnl),
          unrealizedPnl: Number(p.unrealizedPnl), fees: Number(p.fees), netPnl, exposure, exposureShare: exposure / capital,
        },
        openOrders: watch.openOrders,
        fills: watch.fills,
        fillCount: watch.fillCount,
        signals: watch.signals,
        mids: mids.slice(),
        depth: { bids: levels(instrument, book.topN('bid', DEPTH_LEVELS)), asks: levels(instrument, book.topN('ask', DEPTH_LEVELS)) },
        feed: {
          state: summary.bookState,
          latencyP50Ms: latency.p50 === null ? null : latency.p50 / 1000,
          latencyP99Ms: latency.p99 === null ? null : latency.p99 / 1000,
          frames: summary.counters.frames,
          gaps: summary.counters.gaps,
          resyncs: summary.counters.resyncs,
          stalePeriods: summary.counters.stalePeriods,
          quality: summary.feedQuality,
        },
        feedQuality: { ...summary.feedQuality, floor: config.feedQualityFloor, recent: watch.feedMinutes },
        writer: { queued: stats.queued, lagMs: stats.lagMicros / 1000, spilled: stats.spilled, written: stats.written, writeErrors: stats.writeErrors },
        model: { id: model.id, schemaId: model.schemaId, threshold: model.threshold },
        risk: { state: summary.execution?.riskState ?? 'none', cause: risk?.cause ?? null, reason: risk?.reason ?? null },
      };
    },
  };
}

function levels(instrument: Instrument, top: ReturnType<RunningParts['loop']['book']['topN']>): (readonly [number, number])[] {
  return top.map(([price, size]) => [ticksToNumber(instrument, price), lotsToNumber(instrument, size)] as const);
}
