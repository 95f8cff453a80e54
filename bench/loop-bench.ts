import { readFileSync } from 'node:fs';
import { BatchedWriter, type BatchStore } from '../application/batched-writer.ts';
import { silentLogger } from '../application/ports/logger.ts';
import type { MarketDataFeed } from '../application/ports/market-data-feed.ts';
import type { StoreBatch, WriteOutcome } from '../application/ports/trading-store.ts';
import { TradingLoop } from '../application/trading-loop.ts';
import { parseLine } from '../adapters/replay/file-feed.ts';
import { scanningDecoder } from '../adapters/bybit/frame-decoder.ts';
import { SimulatedVenue } from '../adapters/sim/sim-venue.ts';
import { loadOnnxModel } from '../adapters/onnx/onnx-model.ts';
import { SystemClock } from '../adapters/clock/system-clock.ts';
import { BYBIT_LINEAR_FEES } from '../domain/trading/fees.ts';
import type { MarketEvent } from '../domain/market/market-event.ts';
import type { Instrument } from '../domain/values/instrument.ts';
import type { Lots } from '../domain/values/units.ts';

/** A store that only counts: the bench measures the loop, not the database. */
class CountingStore implements BatchStore {
  rows = 0;
  write = (b: StoreBatch): Promise<WriteOutcome> => {
    for (const rows of Object.values(b) as unknown[][]) this.rows += rows.length;
    return Promise.resolve({ rejected: [] });
  };
}

/** The sample's lines from memory, decoded as app:paper decodes them (the scanning decoder). */
class LinesFeed implements MarketDataFeed {
  readonly description = 'bench';
  constructor(
    private readonly lines: readonly string[],
    private readonly instrument: Instrument,
  ) {}
  async *events(): AsyncGenerator<MarketEvent> {
    const decode = scanningDecoder(this.instrument);
    for (const line of this.lines) yield await Promise.resolve(parseLine(line, decode));
  }
  resync = (): void => undefined;
  close = () => Promise.resolve();
}

/**
 * The whole path per frame — decode (the scanner, as app:paper), book, features, ONNX baseline model, risk, simulated fills,
 * writer — over the project's sample file, repeated for at least `minSeconds`.
 */
export async function benchLoop(samplePath: string, modelDir: string, instrument: Instrument, minSeconds = 2): Promise<{ framesPerSec: number; meanMicrosPerFrame: number; predictions: number }> {
  const lines = readFileSync(samplePath, 'utf8').split('\n').filter((l) => l.length > 0);
  const model = await loadOnnxModel(modelDir);
  let frames = 0;
  let predictions = 0;
  const started = performance.now();
  let round = 0;
  while (performance.now() - started < minSeconds * 1000) {
    const store = new CountingStore();
    const writer = new BatchedWriter(store, silentLogger);
    const loop = new TradingLoop(
      { runId: `bench-${round++}`, instrument, limits: { maxPositionLots: 10 as Lots, orderLots: 2 as Lots }, bookDepth: null },
      { feed: new LinesFeed(lines, instrument), venue: new SimulatedVenue(instrument, BYBIT_LINEAR_FEES), model, writer, clock: new SystemClock(), logger: silentLogger },
    );
    const summary = await loop.run();
    await writer.flush();
    frames += summary.counters.frames;
    predictions += summary.counters.predictions;
  }
  const seconds = (performance.now() - started) / 1000;
  await model.close();
  return { framesPerSec: frames / seconds, meanMicrosPerFrame: (seconds * 1e6) / frames, predictions };
}
