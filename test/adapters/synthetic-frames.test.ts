import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseLine } from '../../adapters/replay/file-feed.ts';
import { generateSyntheticFrames } from '../../adapters/replay/synthetic-frames.ts';
import { SAMPLE } from '../../composition/commands.ts';
import { OrderBook } from '../../domain/market/order-book.ts';
import { unwrap } from '../../domain/result.ts';
import { priceToTicks, ticksToPrice } from '../../domain/values/instrument.ts';
import { btc } from '../support/builders.ts';

const samplePath = fileURLToPath(new URL('../fixtures/btcusdt-sample.jsonl', import.meta.url));

describe('the synthetic market', () => {
  it('writes the shipped sample byte for byte from its seed', () => {
    const lines = generateSyntheticFrames({ ...SAMPLE, instrument: btc });
    expect(`${lines.join('\n')}\n`).toBe(readFileSync(samplePath, 'utf8'));
  });

  it('writes frames a Bybit book applies without a gap, a crossed book or a bad level, 50 levels deep', () => {
    for (const seed of [1, 2, 3]) {
      const book = new OrderBook(btc);
      let books = 0;
      for (const line of generateSyntheticFrames({ ...SAMPLE, seed, bookFrames: 400, instrument: btc })) {
        const event = parseLine(line);
        expect(event.kind).not.toBe('malformed');
        if (event.kind !== 'book') continue;
        const applied = book.apply(event.frame);
        expect(applied.ok, JSON.stringify(applied)).toBe(true);
        expect([book.levelCount('bid'), book.levelCount('ask')]).toEqual([50, 50]);
        books++;
      }
      expect(books).toBe(400);
    }
  });

  it('prints trades at the touch and tickers that match the book', () => {
    const book = new OrderBook(btc);
    let checked = 0;
    for (const line of generateSyntheticFrames({ ...SAMPLE, bookFrames: 300, instrument: btc })) {
      const event = parseLine(line);
      if (event.kind === 'book') book.apply(event.frame);
      if (event.kind === 'ticker') {
        expect(event.ticker.bid1Price).toBe(ticksToPrice(btc, book.bestBid()!));
        expect(event.ticker.ask1Price).toBe(ticksToPrice(btc, book.bestAsk()!));
        checked++;
      }
      if (event.kind === 'trades') {
        for (const t of event.trades) expect(unwrap(priceToTicks(btc, t.price))).toBe(t.takerSide === 'Buy' ? book.bestAsk() : book.bestBid());
      }
    }
    expect(checked).toBe(29);
  });
});
