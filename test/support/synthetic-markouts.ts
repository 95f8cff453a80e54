/*
 * Maker markouts of the synthetic market's public trades, the fills a resting order at the touch would
 * have had: 30,000 steps of the order-flow model, the mid's move from the trade price after 1 s, signed
 * for the maker (negative: adverse), per lot; with the mean |1 s mid move|. test/adapters/synthetic-informed.test.ts
 * holds them to the real captures' bounds. Run as a script, for seeds 3, 7 and 11, one line a setting:
 *   npx tsx test/support/synthetic-markouts.ts '[{"informedShare":0.2,"informedImpact":0.3}]'
 */
import { pathToFileURL } from 'node:url';
import { DEFAULT_MARKET_PARAMS } from '../../adapters/synthetic/market-params.ts';
import { OrderFlowModel } from '../../adapters/synthetic/order-flow-model.ts';
import { Rng } from '../../adapters/synthetic/rng.ts';

const STEP_MS = 20;

/** The maker markout at 1 s, bps per lot, and the mean |1 s mid move|, bps, of one seed under these market parameters. */
export function syntheticMakerMarkout(params: Record<string, number>, seed: number): { markoutBps: number; meanMoveBps: number } {
  const m = new OrderFlowModel({ ...DEFAULT_MARKET_PARAMS, ...params }, new Rng(seed, 0), new Rng(seed, 2), 900_000, STEP_MS);
  const mids: number[] = [];
  const trades: Array<readonly [number, number, number, number]> = [];
  for (let s = 0; s < 30_000; s++) {
    m.step();
    for (let k = 0; k < m.orders.count; k++) {
      const from = k === 0 ? 0 : m.orders.fillEnd[k - 1];
      // A buy lifted resting asks: their makers sold (sign −1).
      for (let f = from; f < m.orders.fillEnd[k]; f++) trades.push([s, m.orders.buy[k] === 1 ? -1 : 1, m.fills.prices[f], m.fills.lots[f]]);
    }
    mids.push((m.bids.best + m.asks.best) / 2);
  }
  const ahead = 1000 / STEP_MS;
  let sum = 0;
  let lots = 0;
  for (const [s, sign, price, q] of trades) {
    if (s + ahead >= mids.length) continue;
    sum += ((sign * (mids[s + ahead] - price)) / price) * 1e4 * q;
    lots += q;
  }
  let moves = 0;
  let n = 0;
  for (let s = 0; s + ahead < mids.length; s += ahead) {
    moves += (Math.abs(mids[s + ahead] - mids[s]) / mids[s]) * 1e4;
    n++;
  }
  return { markoutBps: sum / lots, meanMoveBps: moves / n };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const settings = JSON.parse(process.argv[2]) as Array<Record<string, number>>;
  for (const st of settings) {
    const r = [3, 7, 11].map((seed) => syntheticMakerMarkout(st, seed));
    console.log(JSON.stringify(st), r.map((x) => `${x.markoutBps.toFixed(4)} (|1s| ${x.meanMoveBps.toFixed(3)})`).join('  '));
  }
}
