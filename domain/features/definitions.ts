import { MS, SECOND, type CalculatorId } from './calculator.ts';

export type FeatureGroup = 'book' | 'flow' | 'price' | 'regime';

/** What a feature reads: the order book, public trades, or the sampled mid series. */
export type FeatureInput = 'book' | 'trades' | 'mid';

/**
 * How a feature answers the mirror image of the market (bids and asks swapped, prices reflected,
 * taker sides flipped): `odd` negates (buy pressure becomes sell pressure), `even` stays, `pair` becomes
 * the value of its partner (bid depth becomes ask depth), `none` has no such rule (a price level).
 */
export type Symmetry =
  | { readonly kind: 'odd' }
  | { readonly kind: 'even' }
  | { readonly kind: 'pair'; readonly with: string }
  | { readonly kind: 'none' };

export interface FeatureDefinition {
  readonly name: string;
  readonly group: FeatureGroup;
  /** The unit of the value, e.g. `ticks`, `bps`, `BTC` (base currency), `1/s`, `Hz`, `1` (dimensionless). */
  readonly unit: string;
  /** The span of venue time the feature looks back over; 0 for a feature of the current book alone. */
  readonly windowMicros: number;
  /** Venue time after a start or reset before the value means what the definition says. */
  readonly warmupMicros: number;
  readonly inputs: readonly FeatureInput[];
  /** Bumped whenever the definition changes, so the schema id of every vector using it changes. */
  readonly version: number;
  readonly symmetry: Symmetry;
  readonly calculator: CalculatorId;
  /** One line, for the docs and the export's schema file. */
  readonly definition: string;
  /**
   * Whether the value's distribution holds as the price level moves. A price level (the mid) or a
   * quantity that at a thick book is one tick over the price (the spread in bps) is not: a model
   * trained near one price reads it as something else at another. Training selections leave such
   * features out by default; they are still computed and exported.
   */
  readonly stationary: boolean;
}

const ODD: Symmetry = { kind: 'odd' };
const EVEN: Symmetry = { kind: 'even' };
const NONE: Symmetry = { kind: 'none' };
const pair = (other: string): Symmetry => ({ kind: 'pair', with: other });

type Spec = Omit<FeatureDefinition, 'version' | 'warmupMicros' | 'stationary'> & {
  readonly version?: number;
  readonly warmupMicros?: number;
  readonly stationary?: boolean;
};

/** Price levels: see `FeatureDefinition.stationary`. */
const PRICE_LEVELS: ReadonlySet<string> = new Set([
  'mid_price', 'spread_bps', 'liq_cost_buy_0p5_bps', 'liq_cost_sell_0p5_bps', 'liq_cost_buy_2_bps', 'liq_cost_sell_2_bps',
]);

function feature(spec: Spec): FeatureDefinition {
  return { version: 1, warmupMicros: spec.windowMicros, stationary: !PRICE_LEVELS.has(spec.name), ...spec };
}

/** Window lengths as they appear in names. */
export const FLOW_WINDOWS = [
  ['100ms', 100 * MS],
  ['1s', SECOND],
  ['5s', 5 * SECOND],
  ['30s', 30 * SECOND],
] as const;
export const TRADE_WINDOWS = [
  ['1s', SECOND],
  ['5s', 5 * SECOND],
  ['30s', 30 * SECOND],
] as const;
export const RETURN_WINDOWS = [
  ['1s', SECOND],
  ['5s', 5 * SECOND],
  ['30s', 30 * SECOND],
  ['120s', 120 * SECOND],
] as const;
export const IMBALANCE_LEVELS = [1, 3, 5, 10, 25] as const;
export const DEPTH_BANDS_BPS = [5, 10, 25] as const;
/** Sizes walked for the liquidity cost, in base currency, and how they appear in names. */
export const LIQUIDITY_SIZES = [
  ['0p5', 0.5],
  ['2', 2],
  ['10', 10],
] as const;
/** Levels of the multi-level order-flow imbalance and of the book slope. */
export const MLOFI_LEVELS = 10;
export const SLOPE_LEVELS = 10;
/** The Hilbert–Huang window: 1,024 mid samples 100 ms apart, refreshed every second. */
export const HHT_SAMPLES = 1024;
export const HHT_SAMPLE_MICROS = 100 * MS;
export const HHT_REFRESH_MICROS = SECOND;

const book = (name: string, unit: string, symmetry: Symmetry, calculator: CalculatorId, definition: string): FeatureDefinition =>
  feature({ name, group: 'book', unit, windowMicros: 0, inputs: ['book'], symmetry, calculator, definition });

const shape: FeatureDefinition[] = [
  book('spread_ticks', 'ticks', EVEN, 'shape', 'Best ask minus best bid.'),
  book('spread_bps', 'bps', EVEN, 'shape', 'Best ask minus best bid, over the mid.'),
  book('mid_price', 'quote', NONE, 'shape', 'Mid (best bid + best ask) / 2, in the quote currency (USDT).'),
  book('wmid_offset_ticks', 'ticks', ODD, 'shape', "Stoikov's weighted mid W = Pb (1 - I) + Pa I, I = qb / (qb + qa), minus the mid."),
  ...IMBALANCE_LEVELS.map((n) =>
    book(`depth_imbalance_${n}`, '1', ODD, 'shape', n === 1
      ? '(bid size - ask size) / (bid size + ask size) at the touch, in [-1, 1].'
      : `(bid size - ask size) / (bid size + ask size) summed over the best ${n} levels a side.`),
  ),
  ...DEPTH_BANDS_BPS.flatMap((b) => [
    book(`depth_bid_${b}bps`, 'BTC', pair(`depth_ask_${b}bps`), 'shape', `Bid size resting within ${b} bps below the mid, in base currency.`),
    book(`depth_ask_${b}bps`, 'BTC', pair(`depth_bid_${b}bps`), 'shape', `Ask size resting within ${b} bps above the mid, in base currency.`),
  ]),
  book('book_slope_bid', 'BTC/bps', pair('book_slope_ask'), 'shape', `Least-squares slope through the origin of cumulative bid size against distance from the mid, best ${SLOPE_LEVELS} levels.`),
  book('book_slope_ask', 'BTC/bps', pair('book_slope_bid'), 'shape', `Least-squares slope through the origin of cumulative ask size against distance from the mid, best ${SLOPE_LEVELS} levels.`),
  book('touch_qty_bid', 'BTC', pair('touch_qty_ask'), 'shape', 'Size at the best bid, in base currency.'),
  book('touch_qty_ask', 'BTC', pair('touch_qty_bid'), 'shape', 'Size at the best ask, in base currency.'),
];

const liquidity: FeatureDefinition[] = LIQUIDITY_SIZES.flatMap(([label, size]) => [
  book(`liq_cost_buy_${label}_bps`, 'bps', pair(`liq_cost_sell_${label}_bps`), 'liquidity',
    `Average price of buying ${size} BTC by walking the asks, above the mid; a book too thin fills the rest at its last level.`),
  book(`liq_cost_sell_${label}_bps`, 'bps', pair(`liq_cost_buy_${label}_bps`), 'liquidity',
    `Average price of selling ${size} BTC by walking the bids, below the mid; a book too thin fills the rest at its last level.`),
]);

const queue: FeatureDefinition[] = [
  feature({ name: 'touch_qty_bid_rate_1s', group: 'book', unit: 'BTC/s', windowMicros: SECOND, inputs: ['book'], symmetry: pair('touch_qty_ask_rate_1s'), calculator: 'queue',
    definition: 'Size at the best bid now minus its size one second of venue time ago, per second.' }),
  feature({ name: 'touch_qty_ask_rate_1s', group: 'book', unit: 'BTC/s', windowMicros: SECOND, inputs: ['book'], symmetry: pair('touch_qty_bid_rate_1s'), calculator: 'queue',
    definition: 'Size at the best ask now minus its size one second of venue time ago, per second.' }),
];

const microprice: FeatureDefinition[] = [
  feature({ name: 'microprice_offset_ticks', group: 'book', unit: 'ticks', windowMicros: 0, warmupMicros: 60 * SECOND, inputs: ['book'], symmetry: ODD, calculator: 'microprice',
    definition: "Stoikov's micro-price P6 minus the mid, from (imbalance, spread) transitions estimated online and symmetrised; 0 until the first estimate." }),
];

const flow = (name: string, unit: string, windowMicros: number, symmetry: Symmetry, calculator: CalculatorId, definition: string, inputs: readonly FeatureInput[] = ['book']): FeatureDefinition =>
  feature({ name, group: 'flow', unit, windowMicros, inputs, symmetry, calculator, definition });

const ofi: FeatureDefinition[] = [
  ...FLOW_WINDOWS.map(([label, span]) =>
    flow(`ofi_${label}`, 'BTC', span, ODD, 'ofi', `Cont–Kukanov–Stoikov order-flow imbalance at the touch, sum of e_n over the trailing ${label}, in base currency.`)),
  flow('ofi_1s_norm', '1', SECOND, ODD, 'ofi', 'ofi_1s divided by the mean touch depth (qb + qa) / 2 over the same events.'),
];

const mlofi: FeatureDefinition[] = FLOW_WINDOWS.map(([label, span]) =>
  flow(`mlofi_${label}`, 'BTC', span, ODD, 'mlofi', `Multi-level OFI: e_n of each of the best ${MLOFI_LEVELS} levels, summed over levels and the trailing ${label}, in base currency.`));

const trades: FeatureDefinition[] = [
  ...TRADE_WINDOWS.map(([label, span]) =>
    flow(`trade_imbalance_${label}`, '1', span, ODD, 'trades', `(taker buy volume - taker sell volume) / total volume over the trailing ${label}; 0 without trades.`, ['trades'])),
  ...TRADE_WINDOWS.map(([label, span]) =>
    flow(`trade_rate_${label}`, '1/s', span, EVEN, 'trades', `Trades per second over the trailing ${label}.`, ['trades'])),
  ...TRADE_WINDOWS.map(([label, span]) =>
    flow(`trade_volume_rate_${label}`, 'BTC/s', span, EVEN, 'trades', `Traded volume per second over the trailing ${label}, in base currency.`, ['trades'])),
  ...TRADE_WINDOWS.slice(1).map(([label, span]) =>
    flow(`vwap_mid_bps_${label}`, 'bps', span, ODD, 'trades', `VWAP of the trades of the trailing ${label} minus the current mid, over the mid; 0 without trades.`, ['trades', 'book'])),
  ...TRADE_WINDOWS.slice(1).map(([label, span]) =>
    flow(`largest_trade_${label}`, 'BTC', span, EVEN, 'trades', `Size of the largest single trade of the trailing ${label}, in base currency.`, ['trades'])),
];

const price = (name: string, unit: string, windowMicros: number, symmetry: Symmetry, calculator: CalculatorId, definition: string, inputs: readonly FeatureInput[] = ['book']): FeatureDefinition =>
  feature({ name, group: 'price', unit, windowMicros, inputs, symmetry, calculator, definition });

const returns: FeatureDefinition[] = [
  ...RETURN_WINDOWS.map(([label, span]) =>
    price(`ret_${label}_bps`, 'bps', span, ODD, 'returns', `Mid now over the mid ${label} of venue time ago, minus one; 0 until the history reaches back that far.`)),
  ...RETURN_WINDOWS.map(([label, span]) =>
    price(`rv_${label}_bps`, 'bps', span, EVEN, 'returns', `Realized volatility: square root of the summed squared log mid changes over the trailing ${label}.`)),
  price('time_since_mid_change_s', 's', 0, EVEN, 'returns', 'Venue time since the mid last changed (or since the start).'),
];

const pressure: FeatureDefinition[] = [
  price('price_pressure_5s', '1', 5 * SECOND, ODD, 'pressure',
    'Net taker volume of the trailing 5 s over the depth within 10 bps on the side it consumes (asks when buying): the share of nearby liquidity the flow would eat.', ['trades', 'book']),
  price('urgency_score', '1', SECOND, ODD, 'pressure',
    'Execution urgency tanh(ofi_1s_norm / 2 + trade_imbalance_1s + depth_imbalance_1) in (-1, 1): near +1, buyers who wait are likely to pay more.', ['trades', 'book']),
];

const HHT_WINDOW_MICROS = HHT_SAMPLES * HHT_SAMPLE_MICROS;
const regime = (name: string, unit: string, definition: string): FeatureDefinition =>
  feature({ name, group: 'regime', unit, windowMicros: HHT_WINDOW_MICROS, inputs: ['mid'], symmetry: EVEN, calculator: 'hht', definition });

const hht: FeatureDefinition[] = [
  ...[1, 2, 3].flatMap((k) => [
    regime(`hht_imf${k}_amp`, 'ticks', `Mean instantaneous amplitude of intrinsic mode function ${k} of the mid (EMD over ${HHT_SAMPLES} samples 100 ms apart), over the window's recent tail.`),
    regime(`hht_imf${k}_freq`, 'Hz', `Mean instantaneous frequency of intrinsic mode function ${k} of the mid over the same tail.`),
  ]),
  regime('hht_trend_energy_share', '1', 'Energy of the EMD residue (the trend) over the energy of the mid window, both about their means, in [0, 1].'),
];

/** Every feature, in the order a run with all of them enabled lays out its vector. */
export const FEATURES: readonly FeatureDefinition[] = [
  ...shape, ...liquidity, ...queue, ...microprice, ...ofi, ...mlofi, ...trades, ...returns, ...pressure, ...hht,
];

export const FEATURE_GROUPS: readonly FeatureGroup[] = ['book', 'flow', 'price', 'regime'];
