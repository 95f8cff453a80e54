import type { RunHistory } from './run-history.ts';

/**
 * What the dashboard shows of a run, as plain JSON: prices and sizes as numbers in the instrument's
 * units (USDT, BTC), already converted, so that the page does no grid arithmetic. Times are µs since
 * the Unix epoch (venue time for market data, the run's clock for `at`).
 */
export interface DashboardSnapshot {
  readonly runId: string;
  readonly symbol: string;
  /** Decimals of the instrument's tick and lot sizes, for display. */
  readonly priceDecimals: number;
  readonly qtyDecimals: number;
  /** When the snapshot was taken, µs (the run's clock). */
  readonly at: number;
  /** 1, 2, 3, … within the server: a page can tell a new snapshot from a repeated one. */
  readonly seq: number;
  /** Equity (capital plus net PnL) and net PnL, USDT, oldest first, at most a few hundred points. */
  readonly equity: readonly { readonly t: number; readonly equity: number; readonly pnl: number }[];
  readonly capital: number;
  readonly position: {
    /** Signed BTC: positive long. */
    readonly qty: number;
    readonly avgEntry: number | null;
    readonly mark: number | null;
    readonly realizedPnl: number;
    readonly unrealizedPnl: number;
    readonly fees: number;
    readonly netPnl: number;
    /** |qty| × mark, USDT, and that over the capital. */
    readonly exposure: number;
    readonly exposureShare: number;
  };
  readonly openOrders: readonly DashboardOrder[];
  /** Newest last. */
  readonly fills: readonly DashboardFill[];
  /** Fills seen since the dashboard started watching (the ring keeps fewer). */
  readonly fillCount: number;
  /** Signals and the mid, newest last, for the signal chart. */
  readonly signals: readonly { readonly t: number; readonly score: number; readonly confidence: number; readonly mid: number | null; readonly acted: boolean }[];
  readonly mids: readonly { readonly t: number; readonly mid: number }[];
  /** The live book's top levels, best first, with the size at each price. */
  readonly depth: { readonly bids: readonly (readonly [number, number])[]; readonly asks: readonly (readonly [number, number])[] };
  readonly feed: {
    readonly state: string;
    /** Matching engine to local receipt, ms: median and 99th percentile so far; null before a frame. */
    readonly latencyP50Ms: number | null;
    readonly latencyP99Ms: number | null;
    readonly frames: number;
    readonly gaps: number;
    readonly resyncs: number;
    readonly stalePeriods: number;
    /** The feed-quality score by minute (0 to 100): the last, the lowest, minutes scored, whether it stopped entries; absent when the run does not score it. */
    readonly quality?: { readonly last: number | null; readonly lowest: number | null; readonly minutes: number; readonly tripped: boolean };
  };
  /**
   * The feed-quality score (docs/feed-quality.md): the last scored minute's, the run's lowest, the
   * minutes scored, whether the `feedQuality` breaker holds entries, the floor, and the newest
   * minutes' scores (`t` the minute's start, µs), oldest first. Scores are null before a minute ends.
   */
  readonly feedQuality: {
    readonly last: number | null;
    readonly lowest: number | null;
    readonly minutes: number;
    readonly tripped: boolean;
    readonly floor: number;
    readonly recent: readonly { readonly t: number; readonly score: number }[];
  };
  readonly writer: {
    readonly queued: number;
    /** Age of the oldest row not yet written, ms. */
    readonly lagMs: number;
    readonly spilled: number;
    readonly written: number;
    readonly writeErrors: number;
  };
  readonly model: { readonly id: string; readonly schemaId: string; readonly threshold: number };
  readonly risk: {
    /** ACTIVE, REDUCING, HALTED; `none` for a run without the execution engine. */
    readonly state: string;
    /** The last risk decision's cause and reason; null before one. */
    readonly cause: string | null;
    readonly reason: string | null;
  };
}

export interface DashboardOrder {
  readonly id: string;
  readonly side: 'Buy' | 'Sell';
  readonly type: string;
  readonly qty: number;
  readonly filled: number;
  readonly price: number | null;
  readonly status: string;
  readonly reduceOnly: boolean;
}

export interface DashboardFill {
  readonly t: number;
  readonly tradeId: string;
  readonly side: 'Buy' | 'Sell';
  readonly price: number;
  readonly qty: number;
  readonly liquidity: 'maker' | 'taker';
  /** Paid against the mid when the order was decided, bps (positive: worse); null without that mid. */
  readonly slippageBps: number | null;
  /** USDT; negative for a rebate. */
  readonly fee: number;
}

/**
 * What the dashboard server reads and pulls: the run it watches, without the application's classes.
 * `snapshot` is called at most once per interval of the event stream, whatever the tick rate.
 */
export interface DashboardSource {
  readonly runId: string;
  snapshot(): Omit<DashboardSnapshot, 'seq'>;
  /** Pulls the run's kill switch; the reason is stored with the decision. */
  kill(reason: string): void;
  /** The HTML report of a stored run (a self-contained page); null for an unknown run. */
  report(runId: string): Promise<string | null>;
}

/** A stored run, served read-only: its history once (GET /api/run), its report; no stream, no kill switch. */
export interface StoredRunSource {
  readonly runId: string;
  history(): Promise<RunHistory>;
  /** The HTML report of a stored run (a self-contained page); null for an unknown run. */
  report(runId: string): Promise<string | null>;
}
