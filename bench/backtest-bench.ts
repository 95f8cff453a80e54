import { BatchedWriter, type BatchStore } from '../application/batched-writer.ts';
import type { ExecutionSettings } from '../application/execution-engine.ts';
import type { ExecutionVenue } from '../application/ports/execution-venue.ts';
import { silentLogger } from '../application/ports/logger.ts';
import type { StoreBatch, WriteOutcome } from '../application/ports/trading-store.ts';
import { TradingLoop } from '../application/trading-loop.ts';
import { scanningDecoder } from '../adapters/bybit/frame-decoder.ts';
import { SystemClock } from '../adapters/clock/system-clock.ts';
import { loadOnnxModel } from '../adapters/onnx/onnx-model.ts';
import { SyntheticFeed } from '../adapters/synthetic/synthetic-feed.ts';
import type { Instrument } from '../domain/values/instrument.ts';
import type { Lots } from '../domain/values/units.ts';

/** A store that only counts: the bench measures the path, not the database. */
class CountingStore implements BatchStore {
  rows = 0;
  write = (b: StoreBatch): Promise<WriteOutcome> => {
    for (const rows of Object.values(b) as unknown[][]) this.rows += rows.length;
    return Promise.resolve({ rejected: [] });
  };
}

export interface BacktestBench {
  readonly bookFrames: number;
  readonly frames: number;
  readonly seconds: number;
  readonly bookFramesPerSec: number;
  readonly orders: number;
}

/**
 * The backtest path over `minutes` of the synthetic order-flow market (orderbook.50 and trades, as
 * `ladder backtest --source synthetic` runs it, generation included): decode, book, the model's
 * features, the ONNX model, the execution engine (sizing, the passive algorithm, risk), the simulated
 * exchange, the writer into a counting store.
 */
export async function benchBacktest(
  modelDir: string, instrument: Instrument, venue: () => ExecutionVenue, execution?: ExecutionSettings, minutes = 60,
): Promise<BacktestBench> {
  const model = await loadOnnxModel(modelDir);
  const writer = new BatchedWriter(new CountingStore(), silentLogger);
  const clock = new SystemClock();
  const feed = new SyntheticFeed(
    { market: { seed: 7, symbol: instrument.symbol, depth: 50 }, speed: 'max', decoder: scanningDecoder(instrument), durationMs: minutes * 60_000 },
    clock,
  );
  const loop = new TradingLoop(
    {
      runId: 'bench-backtest', instrument, limits: { maxPositionLots: 10 as Lots, orderLots: 2 as Lots }, bookDepth: 50, storeVectors: false,
      ...(execution === undefined ? {} : { execution }),
    },
    { feed, venue: venue(), model, writer, clock, logger: silentLogger },
  );
  const started = performance.now();
  const summary = await loop.run();
  await writer.flush();
  const seconds = (performance.now() - started) / 1000;
  await model.close();
  return {
    bookFrames: summary.counters.bookFrames,
    frames: summary.counters.frames,
    seconds,
    bookFramesPerSec: summary.counters.bookFrames / seconds,
    orders: summary.orders.orders,
  };
}
