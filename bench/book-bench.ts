import { parseAndApply } from '../adapters/bybit/book-reader.ts';
import { ScannedBook } from '../adapters/bybit/book-scanner.ts';
import { parseBybitFrame } from '../adapters/bybit/parse.ts';
import { OrderBook } from '../domain/market/order-book.ts';
import { unwrap } from '../domain/result.ts';
import { BTCUSDT_SPEC, createInstrument } from '../domain/values/instrument.ts';
import { micros } from '../domain/values/units.ts';

export interface BookBenchResult {
  /** Order-book frames per second through text -> parseBybitFrame -> OrderBook.apply -> best bid/ask. */
  readonly bookFramesPerSec: number;
  /** The same frame texts through JSON.parse alone, for scale. */
  readonly jsonParsePerSec: number;
  /** Frames per second through text -> scanner -> OrderBook.applyLevels -> best bid/ask (`parseAndApply`). */
  readonly scannerFramesPerSec: number;
  /** Price levels (snapshot levels and delta updates) put into the book per second on the scanner path. */
  readonly levelUpdatesPerSec: number;
  /** `scannerFramesPerSec / jsonParsePerSec`: 1 means the book keeps up with JSON.parse alone. */
  readonly scannerToJsonParse: number;
  /** `bookFramesPerSec / jsonParsePerSec`. */
  readonly bookToJsonParse: number;
  /** Order-book frames in the capture (one pass). */
  readonly frames: number;
  /** Price levels in those frames, both sides. */
  readonly levels: number;
}

/** Each way is timed in slices of at least this long, taking turns, so that a noisy machine slows all alike. */
const SLICE_MILLIS = 100;
const ROUNDS = 10;

/**
 * Replays the order-book frames of a linear BTCUSDT capture (one raw frame a line) pass after pass
 * (each pass starts at the capture's snapshot) three ways: JSON.parse alone, the JSON path into the
 * book, and the scanner path into the book. The ways take turns in slices and each figure is the
 * median of its slices. A first pass of each warms it up.
 */
export function benchBook(captureText: string): BookBenchResult {
  const texts = captureText.split('\n').filter((line) => line.includes('"topic":"orderbook.'));
  if (texts.length === 0) throw new Error('benchBook: the capture holds no orderbook frames');
  const instrument = unwrap(createInstrument(BTCUSDT_SPEC));
  const book = new OrderBook(instrument);
  const fastBook = new OrderBook(instrument);
  const scratch = new ScannedBook(instrument);
  let sink = 0;
  let levels = 0;

  const bookPass = (): void => {
    for (let k = 0; k < texts.length; k++) {
      const event = parseBybitFrame(texts[k], micros(k));
      if (event.kind !== 'book') throw new Error(`benchBook: line ${k} did not parse as a book frame`);
      const result = book.apply(event.frame);
      if (!result.ok) throw new Error(`benchBook: frame ${k} failed: ${JSON.stringify(result.error)}`);
      sink += (book.bestBid() ?? 0) - (book.bestAsk() ?? 0);
    }
  };
  const scannerPass = (): void => {
    for (let k = 0; k < texts.length; k++) {
      const read = parseAndApply(texts[k], micros(k), fastBook, scratch);
      // The figure is for the scanner path: a frame it handed to JSON.parse would flatter nothing.
      if (read.kind !== 'book' || read.via !== 'scanner') throw new Error(`benchBook: frame ${k} was not scanned`);
      if (!read.result.ok) throw new Error(`benchBook: frame ${k} failed: ${JSON.stringify(read.result.error)}`);
      sink += (fastBook.bestBid() ?? 0) - (fastBook.bestAsk() ?? 0);
    }
  };
  const jsonPass = (): void => {
    for (let k = 0; k < texts.length; k++) {
      const value = JSON.parse(texts[k]) as { ts: number };
      sink += value.ts & 1;
    }
  };

  // Counts the levels of a pass; the timed passes check that every frame was scanned.
  for (let k = 0; k < texts.length; k++) {
    parseAndApply(texts[k], micros(k), fastBook, scratch);
    levels += scratch.bids.count + scratch.asks.count;
  }
  const [bookFramesPerSec, jsonParsePerSec, scannerFramesPerSec] = framesPerSecond([bookPass, jsonPass, scannerPass], texts.length);
  // Keeps the work observable so that it cannot be optimised away.
  if (Number.isNaN(sink)) throw new Error('benchBook: unreachable');
  return {
    bookFramesPerSec,
    jsonParsePerSec,
    scannerFramesPerSec,
    levelUpdatesPerSec: (scannerFramesPerSec * levels) / texts.length,
    scannerToJsonParse: scannerFramesPerSec / jsonParsePerSec,
    bookToJsonParse: bookFramesPerSec / jsonParsePerSec,
    frames: texts.length,
    levels,
  };
}

/** Frames per second of each pass: the median over `ROUNDS` slices, the passes taking turns. */
function framesPerSecond(passes: ReadonlyArray<() => void>, framesPerPass: number): number[] {
  for (const pass of passes) pass();
  const rates = passes.map((): number[] => []);
  for (let round = 0; round < ROUNDS; round++) {
    passes.forEach((pass, p) => {
      let count = 0;
      const start = performance.now();
      let elapsed = 0;
      do {
        pass();
        count++;
        elapsed = performance.now() - start;
      } while (elapsed < SLICE_MILLIS);
      rates[p].push((count * framesPerPass * 1000) / elapsed);
    });
  }
  return rates.map((r) => r.sort((a, b) => a - b)[r.length >> 1]);
}
