import { ContainerModule } from 'inversify';
import { BatchedWriter } from '../application/batched-writer.ts';
import type { Clock } from '../application/ports/clock.ts';
import type { ExecutionVenue } from '../application/ports/execution-venue.ts';
import type { Logger } from '../application/ports/logger.ts';
import type { MarketDataFeed } from '../application/ports/market-data-feed.ts';
import type { SignalModel } from '../application/ports/signal-model.ts';
import type { TradingStore } from '../application/ports/trading-store.ts';
import { TradingLoop } from '../application/trading-loop.ts';
import { bybitSyncConfig } from '../application/market-data.ts';
import { describeSelectionError, schemaForNames } from '../domain/features/registry.ts';
import { SystemClock } from '../adapters/clock/system-clock.ts';
import { FileSpillLog } from '../adapters/spill/file-spill.ts';
import { loadOnnxModel } from '../adapters/onnx/onnx-model.ts';
import { createStore } from '../adapters/postgres/connect.ts';
import { FileReplayFeed } from '../adapters/replay/file-feed.ts';
import { BybitLiveFeed } from '../adapters/bybit/live-feed.ts';
import { SyntheticFeed } from '../adapters/synthetic/synthetic-feed.ts';
import { scanningDecoder } from '../adapters/bybit/frame-decoder.ts';
import { SimulatedVenue } from '../adapters/sim/sim-venue.ts';
import { ConfigError, type PaperConfig, type Source } from './config.ts';
import { TOKENS } from './tokens.ts';

/**
 * The core every mode loads: clock, store, writer, model and the trading loop. Feed and venue come
 * from the mode's own module (replay + simulator here; live Bybit later), which is all that differs.
 */
export const coreModule = new ContainerModule(({ bind }) => {
  bind(TOKENS.Clock).toResolvedValue(() => new SystemClock()).inSingletonScope();
  bind(TOKENS.Store)
    .toResolvedValue(async (config: PaperConfig) => {
      try {
        return await createStore(config.db);
      } catch (error) {
        throw new ConfigError('--db', (error as Error).message);
      }
    }, [TOKENS.Config])
    .inSingletonScope();
  bind(TOKENS.Writer)
    .toResolvedValue(
      (store: TradingStore, logger: Logger, config: PaperConfig, clock: Clock) =>
        new BatchedWriter(store, logger, { clock, ...(config.spillPath === null ? {} : { spill: new FileSpillLog(config.spillPath) }) }),
      [TOKENS.Store, TOKENS.Logger, TOKENS.Config, TOKENS.Clock],
    )
    .inSingletonScope();
  bind(TOKENS.Model)
    .toResolvedValue(async (config: PaperConfig) => {
      let model;
      try {
        model = await loadOnnxModel(config.modelDir);
      } catch (error) {
        throw new ConfigError('--model', (error as Error).message);
      }
      // The manifest names the features; the registry must compute them at the versions trained on.
      const { info } = model;
      const schema = schemaForNames(info.featureNames);
      if (!schema.ok) throw new ConfigError('--model', `model ${info.id} reads ${describeSelectionError(schema.error)}`);
      if (schema.value.id !== info.schemaId) {
        throw new ConfigError(
          '--model',
          `model ${info.id} was trained on feature schema ${info.schemaId}, but the engine computes ${schema.value.id} for its features ` +
            `(${schema.value.names.map((n, i) => `${n}@${schema.value.versions[i]}`).join(', ')}); retrain it, or regenerate the baseline with "ladder model baseline"`,
        );
      }
      return model;
    }, [TOKENS.Config])
    .inSingletonScope();
  bind(TOKENS.Loop)
    .toResolvedValue(
      (config: PaperConfig, runId: string, feed: MarketDataFeed, venue: ExecutionVenue, model: SignalModel, writer: BatchedWriter, clock: Clock, logger: Logger) =>
        new TradingLoop(
          {
            runId,
            instrument: config.instrument,
            limits: { maxPositionLots: config.maxPositionLots, orderLots: config.orderLots },
            bookDepth: config.bookDepth,
            sync: bybitSyncConfig(config.bookDepth, config.staleAfter),
          },
          { feed, venue, model, writer, clock, logger },
        ),
      [TOKENS.Config, TOKENS.RunId, TOKENS.Feed, TOKENS.Venue, TOKENS.Model, TOKENS.Writer, TOKENS.Clock, TOKENS.Logger],
    )
    .inSingletonScope();
});

/** Orders to the simulated exchange: app:paper and backtests. */
export const simulatedVenueModule = new ContainerModule(({ bind }) => {
  bind(TOKENS.Venue)
    .toResolvedValue((config: PaperConfig) => new SimulatedVenue(config.instrument, config.fees), [TOKENS.Config])
    .inSingletonScope();
});

/** Market data from a file of recorded frames. */
export const replayFeedModule = new ContainerModule(({ bind }) => {
  bind(TOKENS.Feed)
    .toResolvedValue((config: PaperConfig, clock: Clock) => new FileReplayFeed(config.input, clock, { speed: config.speed, decoder: scanningDecoder(config.instrument) }), [TOKENS.Config, TOKENS.Clock])
    .inSingletonScope();
});

/** Market data from Bybit's public WebSocket. */
export const bybitFeedModule = new ContainerModule(({ bind }) => {
  bind(TOKENS.Feed)
    .toResolvedValue(
      (config: PaperConfig, clock: Clock, logger: Logger) => {
        const feed = BybitLiveFeed.create({
          url: config.url,
          symbol: config.instrument.symbol,
          depth: config.bookDepth ?? 50,
          clock,
          logger,
          decoder: scanningDecoder(config.instrument),
        });
        if (!feed.ok) throw new ConfigError(`--${feed.error.field}`, feed.error.reason);
        return feed.value;
      },
      [TOKENS.Config, TOKENS.Clock, TOKENS.Logger],
    )
    .inSingletonScope();
});

/** Market data from the synthetic order-flow market (offline, deterministic by seed). */
export const syntheticFeedModule = new ContainerModule(({ bind }) => {
  bind(TOKENS.Feed)
    .toResolvedValue(
      (config: PaperConfig, clock: Clock) =>
        new SyntheticFeed(
          {
            market: { seed: config.seed, symbol: config.instrument.symbol, depth: config.bookDepth ?? 50 },
            speed: config.speed,
            decoder: scanningDecoder(config.instrument),
            ...(config.durationMs === null ? {} : { durationMs: config.durationMs }),
          },
          clock,
        ),
      [TOKENS.Config, TOKENS.Clock],
    )
    .inSingletonScope();
});

/** The feed module for a source. */
export function feedModule(source: Source): ContainerModule {
  switch (source) {
    case 'replay':
      return replayFeedModule;
    case 'bybit':
      return bybitFeedModule;
    case 'synthetic':
      return syntheticFeedModule;
  }
}
