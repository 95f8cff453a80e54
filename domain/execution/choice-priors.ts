/**
 * Where the order-type chooser's expectations start, before a run's own evidence
 * (order-choice.ts), each counted as `weight` fills or decisions:
 * - `makerMarkoutBps`: a maker fill's 5 s markout, bps (negative: adverse selection);
 * - `moveBps`: a decision's 5 s move its way, bps: 0, no edge presumed;
 * - `escalationPremiumSigmas`: what a take after an unfilled rest costs over a take at once, in units
 *   of the mid's volatility over 5 s when the rest began (the price moved away while it waited);
 *   `escalationPremiumBps` is the same in bps, for the moments before the volatility is known;
 * - `fill`: how likely a resting order is to fill within the time it may rest, P = 1 / (1 + exp(−(α +
 *   β·ln x))) with x = r·T/(Q+q), the lots recently traded against our side over the rest time, per lot
 *   ahead of and in our order (a logistic regression on the captures' probes; not blended: the run's
 *   own error on resting corrects it, order-choice.ts `restError`).
 * `source` says what they were measured on, for the run's report.
 */
export interface ChoicePriorsCore {
  readonly weight: number;
  readonly makerMarkoutBps: number;
  readonly moveBps: number;
  readonly escalationPremiumSigmas: number;
  readonly escalationPremiumBps: number;
  readonly fill: { readonly alpha: number; readonly beta: number };
  readonly source: string;
}

/**
 * The pooled priors the chooser prices with, and each capture's own (`alternatives`): a rest must pay
 * under every one of them (order-choice.ts).
 */
export interface ChoicePriors extends ChoicePriorsCore {
  readonly alternatives: readonly ChoicePriorsCore[];
}

/**
 * What the execution probe (test/support/execution-probe.ts) measured on one real capture in
 * ../shared: every second, on each side, 0.001 BTC post-only at the touch through the simulated
 * exchange, canceled after 300 ms. No policy and no model: the market's own answer to resting there.
 * `fills` and `unfilled` are the probes behind each mean.
 */
export interface CaptureProbe {
  /** The capture, as docs/execution.md names it. */
  readonly capture: string;
  /** Its file names: a run reading any of them is judged on this capture. */
  readonly files: readonly string[];
  readonly fills: number;
  readonly unfilled: number;
  /** Mean 5 s markout of the probes' maker fills, bps. */
  readonly makerMarkoutBps: number;
  /** Mean premium of a take after an unfilled probe over a take at once, bps and in σ over 5 s. */
  readonly escalationPremiumBps: number;
  readonly escalationPremiumSigmas: number;
  /** The fill model's logistic regression on ln x, and the probes it was fitted on. */
  readonly fill: { readonly alpha: number; readonly beta: number; readonly probes: number };
}

/**
 * The probe's figures on the real captures (`node --import tsx test/support/execution-probe.ts FILE…`,
 * docs/execution.md). The maker markout is stated in bps: across the captures it varies less in bps
 * (−0.78 to −1.47) than in units of volatility (−0.28 σ to −1.46 σ). The escalation premium is stated
 * in σ: there it agrees across captures (0.087 to 0.125 σ) where in bps it does not (0.06 to 0.26), so
 * a take after a wait is expected to cost more the faster the market moves. The fill model's slope β
 * agrees too (0.53 to 0.77); its level α less (a fill within 300 ms at x = 1: 21% to 42%). The Bybit
 * linear capture (44 s, a mid that never moved) gave no fill and no premium, and is left out.
 */
export const CAPTURE_PROBES: readonly CaptureProbe[] = [
  {
    capture: 'Binance USD-M 2024-08-08', files: ['usdm-btcusdt-20240808-depth-trade-bookticker.gz'],
    fills: 101, unfilled: 549, makerMarkoutBps: -0.775, escalationPremiumBps: 0.256, escalationPremiumSigmas: 0.110,
    fill: { alpha: -1.353, beta: 0.527, probes: 660 },
  },
  {
    capture: 'Binance USD-M 2024-07-18/19', files: ['usdm-btcusdt-20240718.gz', 'usdm-btcusdt-20240719.gz'],
    fills: 50, unfilled: 866, makerMarkoutBps: -1.313, escalationPremiumBps: 0.056, escalationPremiumSigmas: 0.087,
    fill: { alpha: -0.913, beta: 0.769, probes: 923 },
  },
  {
    capture: 'Binance spot 2024-08-08/09', files: ['spot-btcusdt-20240808.gz', 'spot-btcusdt-20240809.gz'],
    fills: 161, unfilled: 1121, makerMarkoutBps: -1.466, escalationPremiumBps: 0.233, escalationPremiumSigmas: 0.125,
    fill: { alpha: -0.326, beta: 0.768, probes: 1288 },
  },
];

/** The weight of every prior, in fills or decisions. */
const PRIOR_WEIGHT = 5;

/**
 * The priors pooled over the captures' probes but those named in `leaveOut` (a capture a run is judged
 * on must not set the expectations it is judged with): the maker markout weighted by fills, the
 * premium by unfilled probes, the fill model's parameters by the probes they were fitted on. Throws
 * when nothing is left to pool.
 */
export function pooledPriors(leaveOut: readonly string[] = []): ChoicePriors {
  const used = CAPTURE_PROBES.filter((p) => !leaveOut.includes(p.capture));
  if (used.length === 0) throw new RangeError(`no capture probe left to pool once ${leaveOut.join(', ')} are left out`);
  const pooled = pool(used, `probes of ${used.map((p) => p.capture).join(', ')}${leaveOut.length === 0 ? '' : ` (left out: ${leaveOut.join(', ')})`}`);
  return { ...pooled, alternatives: used.map((p) => pool([p], `probes of ${p.capture}`)) };
}

function pool(used: readonly CaptureProbe[], source: string): ChoicePriorsCore {
  const fills = used.reduce((n, p) => n + p.fills, 0);
  const unfilled = used.reduce((n, p) => n + p.unfilled, 0);
  const fitted = used.reduce((n, p) => n + p.fill.probes, 0);
  const round = (x: number): number => Math.round(x * 1000) / 1000;
  return {
    weight: PRIOR_WEIGHT,
    makerMarkoutBps: round(used.reduce((s, p) => s + p.makerMarkoutBps * p.fills, 0) / fills),
    moveBps: 0,
    escalationPremiumSigmas: round(used.reduce((s, p) => s + p.escalationPremiumSigmas * p.unfilled, 0) / unfilled),
    escalationPremiumBps: round(used.reduce((s, p) => s + p.escalationPremiumBps * p.unfilled, 0) / unfilled),
    fill: {
      alpha: round(used.reduce((s, p) => s + p.fill.alpha * p.fill.probes, 0) / fitted),
      beta: round(used.reduce((s, p) => s + p.fill.beta * p.fill.probes, 0) / fitted),
    },
    source,
  };
}

/** The priors a run starts from unless told otherwise: every capture's probes. */
export const DEFAULT_CHOICE_PRIORS: ChoicePriors = pooledPriors();
