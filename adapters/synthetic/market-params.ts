/**
 * The parameters of the synthetic order-flow model (docs/synthetic-market.md describes the model).
 * Rates are per second of venue time at average activity, distances are ticks from the side's own best
 * price, sizes are lots (0.001 BTC on the BTCUSDT grid).
 */
export interface MarketParams {
  /**
   * Strength of the link between order-flow imbalance and the next moves of the mid, in [0, 1]. The
   * side of each market order, the side of each order that narrows a wide spread, and the rates of
   * arrival and cancellation at the touch lean with `ofiLink` times a persistent latent imbalance.
   * At 0 every side is a fair coin and past order flow says nothing about the next move.
   */
  readonly ofiLink: number;
  /** Half-life of the latent imbalance (an AR(1) process behind a tanh), ms. */
  readonly imbalanceHalfLifeMs: number;
  /** Half-life of the log activity (an AR(1) process) that scales every rate: volatility clustering, ms. */
  readonly activityHalfLifeMs: number;
  /** Stationary standard deviation of the log activity; activity is normalised to mean 1. */
  readonly activityVol: number;
  /** Market orders a second, both sides together. */
  readonly marketOrdersPerSec: number;
  /** Smallest market order and Pareto scale of their sizes, lots. */
  readonly marketMinLots: number;
  /** Pareto tail index of market-order sizes: P(size > x) = (min / x)^tail. */
  readonly marketSizeTail: number;
  /** Largest market order, lots. */
  readonly marketMaxLots: number;
  /** Limit orders a second on each side. */
  readonly limitOrdersPerSec: number;
  /** Share of limit orders that join the best price of their side. */
  readonly touchShare: number;
  /** Mean distance from the best price of the other limit orders (exponential, at least 1), ticks. */
  readonly limitDistanceTicks: number;
  /** Median size of a limit order at the touch, lots. */
  readonly limitLotsAtTouch: number;
  /** Sizes grow with distance d as (1 + d / 10)^growth. */
  readonly limitSizeGrowth: number;
  /** Log-scale standard deviation of limit-order sizes. */
  readonly limitSizeSigma: number;
  /**
   * Cancellations a second at each price level. A cancellation removes a uniform fraction of the
   * level, so resting size decays in proportion to itself (half of it per cancellation on average).
   */
  readonly cancelsPerLevelPerSec: number;
  /** Share of cancellations that empty their level (a market maker pulling its quote). */
  readonly fullCancelShare: number;
  /** Chance, each step and for each missing tick, that a wide spread is narrowed by a new order. */
  readonly refillChance: number;
  /** How far from its best price each side of the latent book is kept, ticks. */
  readonly reachTicks: number;
  /**
   * Share of market orders that are informed, in [0, 1]: their side is the sign of the latent
   * imbalance `informedLeadMs` ahead, so they buy before the flow turns to buying and the mid rises.
   * Resting orders they fill are the ones the market then moves against (adverse selection). 0 (the
   * default): every market order follows only the present lean.
   */
  readonly informedShare: number;
  /** How far ahead informed market orders see the latent imbalance, ms. */
  readonly informedLeadMs: number;
  /**
   * How far each informed order moves the latent imbalance its way, now and in the steps ahead: what it
   * knew comes true, as a permanent price impact (Kyle 1985), so the mid follows informed trades.
   */
  readonly informedImpact: number;
}

export const DEFAULT_MARKET_PARAMS: MarketParams = {
  ofiLink: 0.5,
  imbalanceHalfLifeMs: 200,
  activityHalfLifeMs: 10_000,
  activityVol: 1.2,
  marketOrdersPerSec: 40,
  marketMinLots: 5,
  marketSizeTail: 1.5,
  marketMaxLots: 10_000,
  limitOrdersPerSec: 150,
  touchShare: 0.15,
  limitDistanceTicks: 60,
  limitLotsAtTouch: 15,
  limitSizeGrowth: 1.2,
  limitSizeSigma: 1,
  cancelsPerLevelPerSec: 3,
  fullCancelShare: 0.2,
  refillChance: 0.6,
  reachTicks: 300,
  informedShare: 0,
  informedLeadMs: 1000,
  informedImpact: 0.3,
};

/**
 * The informed share of the calibrated synthetic market (`--informed-share calibrated`): its maker
 * markouts fall within the bounds measured on the real captures (docs/synthetic-market.md, "Informed
 * flow"). Not the default: the shipped model was trained on the market without informed flow.
 */
export const CALIBRATED_INFORMED_SHARE = 0.2;

/** Checks every parameter's range; a bad value is a configuration bug and throws, naming the field. */
export function checkMarketParams(params: MarketParams): MarketParams {
  const positive: Array<keyof MarketParams> = [
    'imbalanceHalfLifeMs', 'activityHalfLifeMs', 'marketMinLots', 'marketSizeTail', 'marketMaxLots',
    'limitDistanceTicks', 'limitLotsAtTouch', 'reachTicks', 'informedLeadMs',
  ];
  const nonNegative: Array<keyof MarketParams> = [
    'activityVol', 'informedImpact', 'marketOrdersPerSec', 'limitOrdersPerSec', 'limitSizeGrowth', 'limitSizeSigma',
    'cancelsPerLevelPerSec',
  ];
  const unit: Array<keyof MarketParams> = ['ofiLink', 'touchShare', 'fullCancelShare', 'refillChance', 'informedShare'];
  const bad = (field: keyof MarketParams, range: string): never => {
    throw new RangeError(`synthetic market parameter ${field} must be ${range}, got ${params[field]}`);
  };
  for (const field of positive) if (!(params[field] > 0 && Number.isFinite(params[field]))) bad(field, 'positive');
  for (const field of nonNegative) if (!(params[field] >= 0 && Number.isFinite(params[field]))) bad(field, 'finite and not negative');
  for (const field of unit) if (!(params[field] >= 0 && params[field] <= 1)) bad(field, 'in [0, 1]');
  if (!Number.isInteger(params.marketMinLots)) bad('marketMinLots', 'an integer');
  if (!(params.marketMaxLots >= params.marketMinLots && Number.isInteger(params.marketMaxLots))) bad('marketMaxLots', 'an integer at least marketMinLots');
  if (!(Number.isInteger(params.reachTicks) && params.reachTicks <= 4_000)) bad('reachTicks', 'an integer up to 4000');
  return params;
}
