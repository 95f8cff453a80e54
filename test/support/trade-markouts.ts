/*
 * Maker markouts of the public trades in a Binance capture (lines `<receive ns> <combined-stream frame>`):
 * for each trade, the mid (from bookTicker) 1 s, 5 s and 30 s after the trade's time, signed for the
 * resting side (negative: the market moved against the maker), per lot; and the mean |1 s mid move|.
 * Several files are one stream. Usage: npx tsx test/support/trade-markouts.ts FILE.gz [FILE.gz …]
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';

interface Frame {
  readonly stream?: string;
  readonly data?: { e?: string; b?: string; a?: string; T?: number; E?: number; p?: string; q?: string; m?: boolean };
}

const files = process.argv.slice(2);
const mids: Array<[number, number]> = [];
const trades: Array<[number, number, number, number]> = [];
for (const file of files) {
  for await (const line of createInterface({ input: createReadStream(file).pipe(createGunzip()) })) {
    const space = line.indexOf(' ');
    if (space < 0) continue;
    let frame: Frame;
    try {
      frame = JSON.parse(line.slice(space + 1)) as Frame;
    } catch {
      continue;
    }
    const d = frame.data;
    if (d === undefined) continue;
    if (frame.stream?.endsWith('@bookTicker') === true) mids.push([d.T ?? d.E ?? Number(line.slice(0, space)) / 1e6, (Number(d.b) + Number(d.a)) / 2]);
    // m: the buyer was the maker, so the resting side bought (+1).
    else if (d.e === 'trade' && d.T !== undefined) trades.push([d.T, d.m === true ? 1 : -1, Number(d.p), Number(d.q)]);
  }
}
mids.sort((a, b) => a[0] - b[0]);
const midAt = (t: number): number | null => {
  let lo = 0;
  let hi = mids.length;
  while (lo < hi) {
    const m = (lo + hi) >> 1;
    if (mids[m][0] < t) lo = m + 1;
    else hi = m;
  }
  return lo < mids.length ? mids[lo][1] : null;
};
const markouts: Record<string, number> = {};
for (const [key, ms] of [['1s', 1000], ['5s', 5000], ['30s', 30000]] as const) {
  let sum = 0;
  let lots = 0;
  for (const [t, sign, price, qty] of trades) {
    const later = midAt(t + ms);
    if (later === null) continue;
    sum += ((sign * (later - price)) / price) * 1e4 * qty;
    lots += qty;
  }
  markouts[key] = sum / lots;
}
let moves = 0;
let n = 0;
const first = mids[0][0];
const last = mids[mids.length - 1][0];
for (let t = first + 1000; t < last; t += 1000) {
  const a = midAt(t - 1000);
  const b = midAt(t);
  if (a === null || b === null) continue;
  moves += (Math.abs(b - a) / b) * 1e4;
  n++;
}
console.log(JSON.stringify({ files, trades: trades.length, seconds: (last - first) / 1000, maker_markout_bps: markouts, mean_abs_1s_move_bps: moves / n }));
