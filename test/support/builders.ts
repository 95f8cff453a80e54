import { createInstrument, BTCUSDT_SPEC, type Instrument } from '../../domain/values/instrument.ts';
import { unwrap } from '../../domain/result.ts';
import type { BookFrame, RawLevel } from '../../domain/market/market-event.ts';
import type { Micros } from '../../domain/values/units.ts';
import { LevelBuffer } from '../../domain/market/level-buffer.ts';

export const btc: Instrument = unwrap(createInstrument(BTCUSDT_SPEC));

/** A Bybit-shaped book frame for tests; prices and sizes as decimal text. */
export function frame(
  type: 'snapshot' | 'delta',
  u: number,
  bids: readonly RawLevel[],
  asks: readonly RawLevel[],
  tsMs = 1_700_000_000_000 + u * 100,
): BookFrame {
  const ts = (tsMs * 1000) as Micros;
  return { type, symbol: 'BTCUSDT', u, seq: 1000 + u, ts, cts: ts, recvTime: (ts + 5000) as Micros, bids, asks };
}

/** Polls `check` until it returns true or `timeoutMs` passes; never a fixed sleep. */
export async function eventually(check: () => boolean | Promise<boolean>, timeoutMs = 5000, everyMs = 20): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Levels as [price ticks, size lots] pairs, best first, in a LevelBuffer (a grid book frame's side). */
export function levelBuffer(levels: ReadonlyArray<readonly [number, number]>): LevelBuffer {
  const b = new LevelBuffer(levels.length + 1);
  levels.forEach(([price, size], i) => {
    b.prices[i] = price;
    b.sizes[i] = size;
  });
  b.count = levels.length;
  return b;
}
