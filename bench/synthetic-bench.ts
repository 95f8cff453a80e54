import { createSyntheticMarket } from '../adapters/synthetic/synthetic-market.ts';

export interface SyntheticBenchResult {
  /** Frames (book and trade texts) the synthetic market writes a second. */
  readonly framesPerSec: number;
  /** Of which order-book frames, a second. */
  readonly bookFramesPerSec: number;
}

const MIN_MILLIS = 1000;

/**
 * Runs the synthetic market with its default parameters as fast as it goes, text out and nothing
 * else, for at least a second after a warm-up of 20,000 steps, and counts the frames it wrote.
 */
export function benchSynthetic(): SyntheticBenchResult {
  const market = createSyntheticMarket({ seed: 1 });
  let chars = 0;
  for (let i = 0; i < 20_000; i++) for (const frame of market.next()) chars += frame.text.length;
  let frames = 0;
  let books = 0;
  const start = performance.now();
  let elapsed = 0;
  do {
    for (let i = 0; i < 1_000; i++) {
      for (const frame of market.next()) {
        chars += frame.text.length;
        frames++;
        if (frame.kind === 'book') books++;
      }
    }
    elapsed = performance.now() - start;
  } while (elapsed < MIN_MILLIS);
  // Keeps the texts observable so that their writing cannot be optimised away.
  if (chars === 0) throw new Error('benchSynthetic: the market wrote nothing');
  return { framesPerSec: (frames * 1000) / elapsed, bookFramesPerSec: (books * 1000) / elapsed };
}
