import 'reflect-metadata';
import { Container } from 'inversify';
import { fileURLToPath } from 'node:url';
import { MarketData, bybitSyncConfig } from '../../application/market-data.ts';
import type { ExecutionReport } from '../../application/ports/execution-venue.ts';
import type { MarketDataFeed } from '../../application/ports/market-data-feed.ts';
import { silentLogger } from '../../application/ports/logger.ts';
import { MidVolatility } from '../../domain/execution/volatility.ts';
import { TouchTradeRate } from '../../domain/execution/touch-rate.ts';
import type { Side } from '../../domain/trading/side.ts';
import type { Lots } from '../../domain/values/units.ts';
import { qtyToLots } from '../../domain/values/instrument.ts';
import type { Result } from '../../domain/result.ts';

const unwrapLots = (r: Result<Lots, unknown>): Lots => {
  if (!r.ok) throw new Error('0.001 is not on the instrument\'s lot grid');
  return r.value;
};
import { SimExchange } from '../../adapters/sim/sim-exchange.ts';
import { DEFAULT_QUEUE_MODEL } from '../../adapters/sim/queue-model.ts';
import { SystemClock } from '../../adapters/clock/system-clock.ts';
import { paperConfig, type PaperConfig } from '../../composition/config.ts';
import { configForInputs, replayInputs } from '../../composition/inputs.ts';
import { feedModule } from '../../composition/modules.ts';
import { TOKENS } from '../../composition/tokens.ts';

/*
 * The execution probe: what resting at the touch costs on a market, measured without any policy or
 * model, to set the order-type chooser's priors (domain/execution/order-choice.ts, CAPTURE_PROBES in
 * domain/execution/choice-priors.ts). Every second of venue time, on each side with no probe working,
 * a post-only order of 0.001 BTC joins the touch through the simulated exchange the backtests use (its
 * latency, queue and fees); after the 300 ms a child may rest it is canceled, and the take it would
 * then have needed is noted. For each probe, in the report's terms (price over the probe's mid when
 * placed, less the 5 s markout of the fill, bps, positive a cost):
 * - a fill: its 5 s markout (negative: adverse);
 * - no fill: what the take after the wait cost over what a take at once would have cost (the
 *   escalation's premium: the touch moved away, and the later price's markout);
 * with the mid's volatility over 5 s when placed (MidVolatility, as the chooser measures it), so that
 * both can be stated in units of volatility and carried from one market to another.
 *
 *   node --import tsx test/support/execution-probe.ts FILE… | --source synthetic --seed N --duration 10m
 *
 * prints the figures as JSON; with XPROBE_BUCKETS=1, also the fill frequency by bucket of x, on
 * standard error (the shape the fill model is fitted to).
 */

/** How long a probe rests before it is canceled (the smart policy's escalation time-out), µs. */
const REST_MICROS = 300_000;
/** Venue time between two probes on one side, µs. */
const EVERY_MICROS = 1_000_000;
const MARKOUT_MICROS = 5_000_000;

export interface ProbeFigures {
  readonly data: string;
  readonly probes: number;
  readonly fills: number;
  /** Probes filled within the rest time (or while their cancel travelled), over probes. */
  readonly fill_rate: number;
  /** Median σ over 5 s when placed, over every probe, bps: the market's usual volatility (sizing's volatility cap is set from it). */
  readonly sigma_5s_bps_median: number;
  /** Mean σ over 5 s when placed, bps: over the filled probes, and over the unfilled ones. */
  readonly sigma_5s_bps_filled: number;
  readonly sigma_5s_bps_unfilled: number;
  /** Mean 5 s markout of the probes' maker fills, bps (negative: adverse). */
  readonly maker_markout_5s_bps: number;
  /** Mean escalation premium of the unfilled probes over a take at once, bps. */
  readonly escalation_premium_bps: number;
  /** The two above over their mean σ: the priors' units. */
  readonly maker_markout_sigmas: number;
  readonly escalation_premium_sigmas: number;
  /**
   * The chooser's fill model, P(fill within T) = 1 / (1 + exp(−(α + β·ln x))) with x = r·T/(Q+q) (r:
   * the recent lots a second hitting our side, Q: the queue ahead, q: our lots): a logistic regression
   * on ln x fitted to the probes by maximum likelihood. Probes placed before the rate was known, or
   * with no trade at all on their side, are left out of the fit (the chooser presumes no fill there).
   */
  readonly fill_logit: { readonly alpha: number; readonly beta: number; readonly probes: number };
}

interface Probe {
  readonly id: string;
  readonly side: Side;
  readonly t0: number;
  readonly mid2: number;
  /** The price a take at once would have paid: the other side's touch when placed. */
  readonly take0: number;
  readonly sigma: number;
  /** r·T/(Q+q) when placed (null: the rate was not known yet). */
  readonly intensity: number | null;
  fill: { price: number; ts: number } | null;
  escalation: { price: number; ts: number } | null;
  canceledAt: number | null;
  done: boolean;
}

/** Runs the probe over a feed; `config` gives the instrument, fees and latency as a backtest has them. */
export async function probeFeed(config: PaperConfig, feed: MarketDataFeed, data: string): Promise<ProbeFigures> {
  const market = new MarketData({ instrument: config.instrument, bookDepth: config.bookDepth, sync: bybitSyncConfig(config.bookDepth, config.staleAfter) }, feed, silentLogger);
  const venue = new SimExchange({ instrument: config.instrument, fees: config.fees, latency: config.latency, queue: DEFAULT_QUEUE_MODEL, seed: config.seed });
  const vol = new MidVolatility();
  const rate = new TouchTradeRate();
  const book = market.book;
  const probes = new Map<string, Probe>();
  const working: Record<Side, Probe | null> = { Buy: null, Sell: null };
  const next: Record<Side, number> = { Buy: 0, Sell: 0 };
  const all: Probe[] = [];
  const mids: Array<[number, number]> = [];
  // 0.001 BTC on every grid (spot's lot is 0.000001 BTC, below its minimum order).
  const probeLots = unwrapLots(qtyToLots(config.instrument, '0.001'));
  let n = 0;
  venue.onReport((r: ExecutionReport) => {
    if (r.kind === 'fill') {
      const p = probes.get(r.fill.orderId);
      if (p !== undefined && p.fill === null) p.fill = { price: r.fill.price, ts: r.fill.ts };
    } else if (r.kind === 'canceled' || r.kind === 'rejected' || r.kind === 'cancelRejected') {
      const p = probes.get(r.clientOrderId);
      if (p !== undefined) p.done = true;
    }
  });
  for await (const event of feed.events()) {
    const step = market.process(event);
    for (const trade of step.trades) {
      venue.observeTrade(trade, trade.ts);
      rate.onTrade(trade.ts, trade.size, trade.takerSide);
    }
    if (step.book === null) continue;
    const ts = step.book.ts;
    venue.observeBook(book, ts);
    const mid2 = book.midTimesTwo();
    const bid = book.bestBid();
    const ask = book.bestAsk();
    if (mid2 === null || bid === null || ask === null) continue;
    vol.onMid(ts, mid2);
    mids.push([ts, mid2]);
    for (const side of ['Buy', 'Sell'] as const) {
      const p = working[side];
      if (p !== null) {
        if (p.fill !== null || p.done) {
          working[side] = null;
        } else if (p.canceledAt === null && ts - p.t0 >= REST_MICROS) {
          // The wait is over: the take it would now need is at the other side's touch.
          p.canceledAt = ts;
          p.escalation = { price: side === 'Buy' ? ask : bid, ts };
          await venue.cancel(p.id, ts);
        }
        continue;
      }
      const sigma = vol.sigmaBps(MARKOUT_MICROS, ts);
      if (ts < next[side] || sigma === null) continue;
      next[side] = ts + EVERY_MICROS;
      const r = rate.lotsPerSec(side, ts);
      const queue = side === 'Buy' ? book.bestBidQty() : book.bestAskQty();
      const probe: Probe = {
        id: `probe-${++n}`, side, t0: ts, mid2, take0: side === 'Buy' ? ask : bid, sigma, fill: null, escalation: null, canceledAt: null, done: false,
        intensity: r === null ? null : (r * (REST_MICROS / 1e6)) / Math.max(1, queue + probeLots),
      };
      probes.set(probe.id, probe);
      all.push(probe);
      working[side] = probe;
      await venue.submit({
        clientOrderId: probe.id, symbol: config.instrument.symbol, side, type: 'limit', qty: probeLots, limitPrice: (side === 'Buy' ? bid : ask),
        reduceOnly: false, timeInForce: 'PostOnly', ts: ts,
      });
    }
  }
  return summarize(all, mids, data);
}

function summarize(all: readonly Probe[], mids: ReadonlyArray<readonly [number, number]>, data: string): ProbeFigures {
  const midAt = (t: number): number | null => {
    let lo = 0;
    let hi = mids.length;
    while (lo < hi) {
      const m = (lo + hi) >> 1;
      if (mids[m][0] < t) lo = m + 1;
      else hi = m;
    }
    return lo < mids.length ? mids[lo][1] / 2 : null;
  };
  const filled = { n: 0, markout: 0, sigma: 0 };
  const fit: Array<{ readonly x: number; readonly filled: boolean }> = [];
  const unfilled = { n: 0, premium: 0, sigma: 0 };
  let probes = 0;
  for (const p of all) {
    const s = p.side === 'Buy' ? 1 : -1;
    const mid = p.mid2 / 2;
    const bps = (x: number): number => (x / mid) * 10_000;
    if (p.intensity !== null && p.intensity > 0 && (p.fill !== null || p.escalation !== null)) fit.push({ x: p.intensity, filled: p.fill !== null });
    if (p.fill !== null) {
      const later = midAt(p.fill.ts + MARKOUT_MICROS);
      if (later === null) continue;
      probes++;
      filled.n++;
      filled.markout += bps(s * (later - p.fill.price));
      filled.sigma += p.sigma;
    } else if (p.escalation !== null) {
      const atOnce = midAt(p.t0 + MARKOUT_MICROS);
      const afterWait = midAt(p.escalation.ts + MARKOUT_MICROS);
      if (atOnce === null || afterWait === null) continue;
      probes++;
      unfilled.n++;
      // Cost ex fees in the report's terms: s·(price − mid) − s·(mid 5 s on − price) = s·(2·price − mid − later).
      unfilled.premium += bps(s * (2 * p.escalation.price - afterWait) - s * (2 * p.take0 - atOnce));
      unfilled.sigma += p.sigma;
    }
  }
  const mean = (x: number, k: number): number => (k === 0 ? 0 : x / k);
  const makerMarkout = mean(filled.markout, filled.n);
  const premium = mean(unfilled.premium, unfilled.n);
  const sf = mean(filled.sigma, filled.n);
  const su = mean(unfilled.sigma, unfilled.n);
  if (process.env.XPROBE_BUCKETS !== undefined) {
    const edges = [0, 0.01, 0.03, 0.1, 0.3, 1, 3, 10, Infinity];
    for (let i = 0; i + 1 < edges.length; i++) {
      const b = fit.filter((f) => f.x >= edges[i] && f.x < edges[i + 1]);
      console.error(`x [${edges[i]}, ${edges[i + 1]}): ${b.length} probes, fill ${(b.filter((f) => f.filled).length / Math.max(1, b.length)).toFixed(3)}, mean x ${(b.reduce((s, f) => s + f.x, 0) / Math.max(1, b.length)).toFixed(3)}`);
    }
  }
  const sigmas = all.map((p) => p.sigma).sort((a, b) => a - b);
  return {
    data, probes, fills: filled.n,
    sigma_5s_bps_median: sigmas.length === 0 ? 0 : sigmas[Math.floor(sigmas.length / 2)], fill_rate: mean(filled.n, probes),
    sigma_5s_bps_filled: sf, sigma_5s_bps_unfilled: su,
    maker_markout_5s_bps: makerMarkout, escalation_premium_bps: premium,
    maker_markout_sigmas: sf === 0 ? 0 : makerMarkout / sf,
    escalation_premium_sigmas: su === 0 ? 0 : premium / su,
    fill_logit: { ...fillLogit(fit), probes: fit.length },
  };
}

/**
 * Logistic regression of fill on ln x by maximum likelihood (iteratively reweighted least squares,
 * two parameters): α and β of P(fill) = 1 / (1 + exp(−(α + β·ln x))).
 */
export function fillLogit(probes: ReadonlyArray<{ readonly x: number; readonly filled: boolean }>): { alpha: number; beta: number } {
  let a = 0;
  let b = 0;
  for (let iter = 0; iter < 50; iter++) {
    // Gradient g and Hessian H of the log-likelihood in (a, b).
    let g0 = 0;
    let g1 = 0;
    let h00 = 0;
    let h01 = 0;
    let h11 = 0;
    for (const p of probes) {
      const z = Math.log(p.x);
      const q = 1 / (1 + Math.exp(-(a + b * z)));
      const y = p.filled ? 1 : 0;
      g0 += y - q;
      g1 += (y - q) * z;
      const w = q * (1 - q);
      h00 += w;
      h01 += w * z;
      h11 += w * z * z;
    }
    const det = h00 * h11 - h01 * h01;
    if (!(det > 0)) break;
    const da = (h11 * g0 - h01 * g1) / det;
    const db = (h00 * g1 - h01 * g0) / det;
    a += da;
    b += db;
    if (Math.abs(da) + Math.abs(db) < 1e-10) break;
  }
  return { alpha: a, beta: b };
}

/** The probe over recorded files (one stream) or the synthetic market, configured as `ladder backtest` configures them. */
export async function probe(args: readonly string[]): Promise<ProbeFigures> {
  const flag = (name: string): string | undefined => {
    const i = args.indexOf(`--${name}`);
    return i < 0 ? undefined : args[i + 1];
  };
  const synthetic = flag('source') === 'synthetic';
  const base = paperConfig(
    synthetic
      ? { source: 'synthetic', seed: flag('seed') ?? '7', duration: flag('duration') ?? '10m', speed: 'max', 'log-level': 'silent' }
      : { input: args[0], speed: 'max', 'log-level': 'silent' },
    {},
  );
  const informed = flag('informed-share');
  const config = synthetic
    ? { ...base, ...(informed === undefined ? {} : { informedShare: Number(informed) }) }
    : configForInputs(base, replayInputs(args.filter((a) => !a.startsWith('--'))), {});
  const container = new Container();
  container.bind(TOKENS.Config).toConstantValue(config);
  container.bind(TOKENS.Clock).toConstantValue(new SystemClock());
  container.bind(TOKENS.Logger).toConstantValue(silentLogger);
  container.load(feedModule(config.source));
  const feed = await container.getAsync(TOKENS.Feed);
  return probeFeed(config, feed, synthetic ? `synthetic seed ${config.seed}` : args.filter((a) => !a.startsWith('--')).join(' '));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log(JSON.stringify(await probe(process.argv.slice(2))));
}
