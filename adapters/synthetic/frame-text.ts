/**
 * Writes Bybit v5 public frame texts for the BTCUSDT grid (tick 0.10, lot 0.001) the way Bybit writes
 * them: prices with two decimals ("90000.10"), sizes with three ("0.003"), a deleted level's size as
 * "0", keys in the order of the venue's frames
 * (https://bybit-exchange.github.io/docs/v5/websocket/public/orderbook, .../public/trade).
 * Built by string concatenation, without JSON.stringify, since it runs for every frame.
 */

const TWO_DIGITS = Array.from({ length: 100 }, (_, i) => String(i).padStart(2, '0'));
const THREE_DIGITS = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'));

/** Ticks of 0.10 as Bybit's price text: 900001 -> "90000.10". */
export function priceText(ticks: number): string {
  const whole = Math.floor(ticks / 10);
  return `${whole}.${TWO_DIGITS[(ticks - whole * 10) * 10]}`;
}

/** Lots of 0.001 as Bybit's size text: 3 -> "0.003", 1500 -> "1.500". */
export function sizeText(lots: number): string {
  const whole = Math.floor(lots / 1000);
  return `${whole}.${THREE_DIGITS[lots - whole * 1000]}`;
}

/** The best levels of one side as published, best first: ticks and lots. */
export class LevelWindow {
  readonly prices: Float64Array;
  readonly lots: Float64Array;
  count = 0;

  constructor(depth: number) {
    this.prices = new Float64Array(depth);
    this.lots = new Float64Array(depth);
  }
}

/** `["p","q"],["p","q"]` for every level of a window, best first (a snapshot's side). */
export function levelsText(window: LevelWindow): string {
  let out = '';
  for (let i = 0; i < window.count; i++) {
    out += `${i === 0 ? '' : ','}["${priceText(window.prices[i])}","${sizeText(window.lots[i])}"]`;
  }
  return out;
}

/**
 * The changes from the published window `before` to `after` of one side, best first: a level new to
 * the window or whose size changed carries its size, a level that left the window (emptied, or pushed
 * beyond the depth by better levels) carries "0". Bybit's own deltas list levels in this order.
 * `dir` is -1 for bids (best is highest) and +1 for asks. Empty text: nothing changed.
 */
export function diffText(before: LevelWindow, after: LevelWindow, dir: 1 | -1): string {
  let out = '';
  let i = 0;
  let j = 0;
  while (i < before.count || j < after.count) {
    const old = i < before.count ? before.prices[i] : Number.NaN;
    const now = j < after.count ? after.prices[j] : Number.NaN;
    let entry: string;
    if (old === now) {
      const changed = before.lots[i] !== after.lots[j];
      i++;
      j++;
      if (!changed) continue;
      entry = `["${priceText(now)}","${sizeText(after.lots[j - 1])}"]`;
    } else if (j >= after.count || (i < before.count && (old - now) * dir < 0)) {
      entry = `["${priceText(old)}","0"]`;
      i++;
    } else {
      entry = `["${priceText(now)}","${sizeText(after.lots[j])}"]`;
      j++;
    }
    out = out.length === 0 ? entry : `${out},${entry}`;
  }
  return out;
}

export interface BookFrameFields {
  readonly topic: string;
  readonly symbol: string;
  readonly type: 'snapshot' | 'delta';
  readonly ts: number;
  readonly cts: number;
  readonly u: number;
  readonly seq: number;
}

/** An `orderbook.{depth}.{symbol}` frame around already written level lists. */
export function bookFrameText(f: BookFrameFields, bids: string, asks: string): string {
  return `{"topic":"${f.topic}","type":"${f.type}","ts":${f.ts},"data":{"s":"${f.symbol}","b":[${bids}],"a":[${asks}],"u":${f.u},"seq":${f.seq}},"cts":${f.cts}}`;
}

/** Bybit's tick direction of a trade against the previous trade's price. */
export type TickDirection = 'PlusTick' | 'ZeroPlusTick' | 'MinusTick' | 'ZeroMinusTick';

export interface TradeEntryFields {
  readonly time: number;
  readonly symbol: string;
  readonly buy: boolean;
  readonly price: number;
  readonly lots: number;
  readonly direction: TickDirection;
  readonly id: string;
  readonly seq: number;
}

/** One entry of a `publicTrade` frame's data array, with the fields of the real capture. */
export function tradeEntryText(t: TradeEntryFields): string {
  return `{"T":${t.time},"s":"${t.symbol}","S":"${t.buy ? 'Buy' : 'Sell'}","v":"${sizeText(t.lots)}","p":"${priceText(t.price)}","L":"${t.direction}","i":"${t.id}","BT":false,"RPI":false,"seq":${t.seq}}`;
}

/** A `publicTrade.{symbol}` frame around already written entries; Bybit pushes these as snapshots. */
export function tradeFrameText(symbol: string, ts: number, entries: string): string {
  return `{"topic":"publicTrade.${symbol}","type":"snapshot","ts":${ts},"data":[${entries}]}`;
}
