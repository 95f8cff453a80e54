import type { Instrument } from '../values/instrument.ts';
import type { Side } from '../trading/side.ts';
import type { Cash, Lots, Ticks } from '../values/units.ts';
import { unitsText } from './units-text.ts';

/** The cost of taking `lots` lots by walking the book, in bps of the mid (the liq_cost features). */
export interface LiquidityPoint {
  readonly lots: number;
  readonly bps: number;
}

/** What an order's size depends on. Plain numbers: the caller reads them from features and the book. */
export interface SizingInputs {
  readonly side: Side;
  /** Account equity, in Cash. */
  readonly equity: Cash;
  /** Mid price in ticks (may be a half tick). */
  readonly mid: number;
  /** The signal's confidence in [0, 1]. */
  readonly confidence: number;
  /**
   * The mid's volatility over the risk horizon (`SizingParams.riskHorizonMs`): the standard deviation
   * of its move over that time, in bps; null when not known.
   */
  readonly realizedVolBps: number | null;
  /** Visible depth on the side the order takes, within `depthWithinBps` of the mid, in lots; null when not known. */
  readonly depthLots: number | null;
  /** Liquidity cost at several sizes, ascending in lots; null or empty when not known. */
  readonly liquidityCost: readonly LiquidityPoint[] | null;
  readonly instrument: Instrument;
  /** Signed lots held plus the signed open rest of working orders. */
  readonly exposure: Lots;
  /** The largest |position| allowed, in lots. */
  readonly maxPosition: Lots;
}

export interface SizingParams {
  /** Notional of a full-confidence order as a share of equity (0.05 is 5 %). */
  readonly equityFraction: number;
  /** Confidence below which nothing trades, in [0, 1). */
  readonly confidenceThreshold: number;
  /** Share of the full size traded at the threshold, rising linearly to 1 at confidence 1; in [0, 1]. */
  readonly minConfidenceShare: number;
  /**
   * Equity at risk per trade, in bps, against a one-σ move over the risk horizon: notional x σ <=
   * equity x riskBps.
   */
  readonly riskBps: number;
  /** The time a position is presumed held, ms: the volatility the cap weighs is the mid's over it. */
  readonly riskHorizonMs: number;
  /** Volatility used when the measured one is lower (a dead market is not a riskless one), in bps over the risk horizon. */
  readonly volFloorBps: number;
  /** Largest share of the visible depth one order may take, in (0, 1]. */
  readonly maxDepthShare: number;
  /** The X of "depth within X bps": for the explanation; the caller measures the depth. */
  readonly depthWithinBps: number;
  /** Largest liquidity cost accepted, in bps. */
  readonly maxLiquidityCostBps: number;
}

export type SizingLimit = 'confidence' | 'volatility' | 'depth' | 'liquidityCost' | 'position' | 'minQty';

export interface Sizing {
  readonly lots: Lots;
  /** Every cap and the one that bound, e.g. "conf 0.710 → 60% of 10 = 6; vol cap 8; depth 25% of 12 = 3 ← bound; ...". */
  readonly explanation: string;
  readonly limitedBy: SizingLimit;
}

const positive = (n: number): boolean => Number.isFinite(n) && n > 0;
const inUnit = (n: number): boolean => n >= 0 && n <= 1;

/** Throws a RangeError naming the first field out of range. */
export function validateSizingParams(p: SizingParams): SizingParams {
  if (!positive(p.equityFraction)) throw new RangeError(`sizing.equityFraction ${p.equityFraction} is not positive`);
  if (!(p.confidenceThreshold >= 0 && p.confidenceThreshold < 1)) {
    throw new RangeError(`sizing.confidenceThreshold ${p.confidenceThreshold} is not in [0, 1)`);
  }
  if (!inUnit(p.minConfidenceShare)) throw new RangeError(`sizing.minConfidenceShare ${p.minConfidenceShare} is not in [0, 1]`);
  if (!positive(p.riskBps)) throw new RangeError(`sizing.riskBps ${p.riskBps} is not positive`);
  if (!positive(p.riskHorizonMs)) throw new RangeError(`sizing.riskHorizonMs ${p.riskHorizonMs} is not positive`);
  if (!positive(p.volFloorBps)) throw new RangeError(`sizing.volFloorBps ${p.volFloorBps} is not positive`);
  if (!(p.maxDepthShare > 0 && p.maxDepthShare <= 1)) throw new RangeError(`sizing.maxDepthShare ${p.maxDepthShare} is not in (0, 1]`);
  if (!positive(p.depthWithinBps)) throw new RangeError(`sizing.depthWithinBps ${p.depthWithinBps} is not positive`);
  if (!positive(p.maxLiquidityCostBps)) throw new RangeError(`sizing.maxLiquidityCostBps ${p.maxLiquidityCostBps} is not positive`);
  return p;
}

function validateInputs(i: SizingInputs): void {
  if (!Number.isSafeInteger(i.equity)) throw new RangeError(`equity ${i.equity} is not an integer of Cash`);
  if (!positive(i.mid)) throw new RangeError(`mid ${i.mid} is not a positive number of ticks`);
  if (!inUnit(i.confidence)) throw new RangeError(`confidence ${i.confidence} is not in [0, 1]`);
  if (i.realizedVolBps !== null && !(i.realizedVolBps >= 0 && Number.isFinite(i.realizedVolBps))) {
    throw new RangeError(`realizedVolBps ${i.realizedVolBps} is not a non-negative number`);
  }
  if (i.depthLots !== null && !(i.depthLots >= 0 && Number.isFinite(i.depthLots))) throw new RangeError(`depthLots ${i.depthLots} is not a non-negative number`);
  if (!Number.isSafeInteger(i.exposure)) throw new RangeError(`exposure ${i.exposure} is not an integer of lots`);
  if (!Number.isSafeInteger(i.maxPosition) || i.maxPosition < 0) throw new RangeError(`maxPosition ${i.maxPosition} is not a non-negative integer of lots`);
  const curve = i.liquidityCost ?? [];
  for (let k = 0; k < curve.length; k++) {
    const p = curve[k];
    if (!positive(p.lots) || !Number.isFinite(p.bps)) throw new RangeError(`liquidityCost[${k}] (${p.lots} lots, ${p.bps} bps) needs positive lots and finite bps`);
    if (k > 0 && p.lots <= curve[k - 1].lots) throw new RangeError(`liquidityCost[${k}] lots ${p.lots} is not above the previous point's`);
  }
}

/**
 * Rounds a non-negative size down to whole lots. A product of floats such as 0.05 x equity can land
 * a hair below the integer it stands for (5.999999999 for 6): within a relative 1e-9 of an integer,
 * the integer is taken; everything else rounds down.
 */
export function floorLots(x: number): number {
  if (!(x > 0)) return 0;
  if (x === Infinity) return Infinity;
  const nearest = Math.round(x);
  return Math.abs(x - nearest) <= 1e-9 * Math.max(1, nearest) ? nearest : Math.floor(x);
}

/** Notional of one lot at `mid`, in Cash (a float when the mid is a half tick). */
const cashPerLot = (instrument: Instrument, mid: number): number => mid * instrument.cashPerTickLot;

/**
 * The seed system's baseline: a fixed `fraction` of equity in notional at the mid, rounded down to
 * lots; zero when that is below the instrument's minimum quantity or equity is not positive.
 */
export function baselineSize(equity: Cash, mid: Ticks, instrument: Instrument, fraction = 0.05): Lots {
  if (!Number.isSafeInteger(equity)) throw new RangeError(`equity ${equity} is not an integer of Cash`);
  if (!positive(mid)) throw new RangeError(`mid ${mid} is not a positive number of ticks`);
  if (!positive(fraction)) throw new RangeError(`fraction ${fraction} is not positive`);
  const n = floorLots((equity * fraction) / cashPerLot(instrument, mid));
  return (n >= instrument.minLots ? n : 0) as Lots;
}

/** The share of the full size a confidence earns: 0 below the threshold, then linear from minConfidenceShare to 1. */
export function confidenceShare(confidence: number, p: SizingParams): number {
  if (confidence < p.confidenceThreshold) return 0;
  const t = (confidence - p.confidenceThreshold) / (1 - p.confidenceThreshold);
  return p.minConfidenceShare + (1 - p.minConfidenceShare) * Math.min(1, t);
}

/**
 * The largest size whose liquidity cost stays within `maxBps`, interpolating linearly between the
 * measured sizes: Infinity when every measured size is within (nothing known beyond the largest),
 * 0 when even the smallest measured size costs too much, null when nothing is measured.
 */
export function liquidityCap(curve: readonly LiquidityPoint[] | null, maxBps: number): number | null {
  if (curve === null || curve.length === 0) return null;
  if (curve[0].bps > maxBps) return 0;
  for (let k = 1; k < curve.length; k++) {
    const a = curve[k - 1];
    const b = curve[k];
    if (b.bps > maxBps) return a.lots + ((b.lots - a.lots) * (maxBps - a.bps)) / (b.bps - a.bps);
  }
  return Infinity;
}

const pct = (x: number): string => `${(x * 100).toFixed(0)}%`;
const horizonText = (ms: number): string => (ms % 60_000 === 0 ? `${ms / 60_000}m` : `${ms / 1000}s`);

/** The caps, in the order the explanation names them. */
const CAP_LIMITS = ['confidence', 'volatility', 'depth', 'liquidityCost', 'position'] as const;

/**
 * The order size, in lots: the smallest of the caps, rounded down, and zero when below the minimum
 * quantity. Caps, each rounded down to lots:
 * - confidence: confidenceShare x (equityFraction x equity at the mid);
 * - volatility: equity x riskBps / max(σ over the risk horizon, volFloorBps) at the mid, when known;
 * - depth: maxDepthShare x visible depth, when known;
 * - liquidity cost: the largest size costing at most maxLiquidityCostBps, when known;
 * - position: the room left before |exposure| passes maxPosition in the order's direction.
 * The explanation names each cap, in the base currency (BTC), and marks the one that bound (the first
 * of equal smallest ones). The explanation is written when first read: most sizings of a run come to
 * nothing (zero lots), and nobody reads theirs.
 */
export function sizeOrder(inputs: SizingInputs, params: SizingParams): Sizing {
  validateSizingParams(params);
  validateInputs(inputs);
  const perLot = cashPerLot(inputs.instrument, inputs.mid);
  const equity = Math.max(0, inputs.equity);
  const share = confidenceShare(inputs.confidence, params);
  const full = floorLots((equity * params.equityFraction) / perLot);
  const vol = inputs.realizedVolBps === null ? null : Math.max(inputs.realizedVolBps, params.volFloorBps);
  const liq = liquidityCap(inputs.liquidityCost, params.maxLiquidityCostBps);
  const sign = inputs.side === 'Buy' ? 1 : -1;
  const caps = [
    floorLots(share * full),
    vol === null ? Infinity : floorLots((equity * params.riskBps) / vol / perLot),
    inputs.depthLots === null ? Infinity : floorLots(params.maxDepthShare * inputs.depthLots),
    liq === null ? Infinity : floorLots(liq),
    Math.max(0, inputs.maxPosition - sign * inputs.exposure),
  ];
  let bound = 0;
  for (let k = 1; k < caps.length; k++) if (caps[k] < caps[bound]) bound = k;
  const rounded = caps[bound];
  const belowMinimum = rounded > 0 && rounded < inputs.instrument.minLots;
  let explanation: string | null = null;
  return {
    lots: (belowMinimum ? 0 : rounded) as Lots,
    limitedBy: belowMinimum ? 'minQty' : CAP_LIMITS[bound],
    get explanation(): string {
      explanation ??= explain(inputs, params, { share, full, vol, liq, caps, bound, belowMinimum });
      return explanation;
    },
  };
}

/** `sizeOrder`'s explanation of the caps it computed: each named, in BTC, the one that bound marked. */
function explain(
  inputs: SizingInputs,
  params: SizingParams,
  c: { share: number; full: number; vol: number | null; liq: number | null; caps: readonly number[]; bound: number; belowMinimum: boolean },
): string {
  const u = unitsText(inputs.instrument);
  const qty = (lots: number): string => (lots === Infinity ? 'none' : u.qty(lots));
  const [conf, volLots, depthLots, liqLots, room] = c.caps;
  const texts = [
    `conf ${inputs.confidence.toFixed(3)} → ${pct(c.share)} of ${qty(c.full)} = ${qty(conf)}`,
    c.vol === null ? 'vol n/a' : `vol ${c.vol.toFixed(1)} bps over ${horizonText(params.riskHorizonMs)}, risk ${params.riskBps} bps → cap ${qty(volLots)}`,
    inputs.depthLots === null ? 'depth n/a' : `depth ${pct(params.maxDepthShare)} of ${qty(inputs.depthLots)} within ${params.depthWithinBps} bps = ${qty(depthLots)}`,
    c.liq === null ? 'liq cost n/a' : `liq cost <= ${params.maxLiquidityCostBps} bps → cap ${qty(liqLots)}`,
    `room ${qty(room)} (max ${qty(inputs.maxPosition)}, exposure ${qty(inputs.exposure)})`,
  ];
  const parts = texts.map((t, k) => (k === c.bound ? `${t} ← bound` : t));
  const rounded = c.caps[c.bound];
  parts.push(c.belowMinimum ? `${qty(rounded)} below the minimum ${qty(inputs.instrument.minLots)} → 0` : `rounded ${qty(rounded)}`);
  return parts.join('; ');
}
