import { ContainerModule } from 'inversify';
import type { BatchedWriter } from '../application/batched-writer.ts';
import type { TraceIdSource } from '../application/decision-trace.ts';
import type { Clock } from '../application/ports/clock.ts';
import type { ExecutionVenue } from '../application/ports/execution-venue.ts';
import type { Logger } from '../application/ports/logger.ts';
import type { MarketDataFeed } from '../application/ports/market-data-feed.ts';
import type { SignalModel } from '../application/ports/signal-model.ts';
import { TradingLoop } from '../application/trading-loop.ts';
import { bybitSyncConfig } from '../application/market-data.ts';
import { DEFAULT_RECORDING } from '../application/run-recorder.ts';
import { feedQualityFloorAt } from '../domain/market/feed-quality.ts';
import { roundTripBps } from '../domain/model/targets.ts';
import { SystemClock } from '../adapters/clock/system-clock.ts';
import { MemoryStore } from '../adapters/memory/memory-store.ts';
import { FileReplayFeed } from '../adapters/replay/file-feed.ts';
import { detectInputFormat, withSymbol, type InputFormat } from '../adapters/replay/input-format.ts';
import { BybitLiveFeed } from '../adapters/bybit/live-feed.ts';
import { SyntheticFeed } from '../adapters/synthetic/synthetic-feed.ts';
import { scanningDecoder } from '../adapters/bybit/frame-decoder.ts';
import { SimExchange } from '../adapters/sim/sim-exchange.ts';
import { DEFAULT_QUEUE_MODEL } from '../adapters/sim/queue-model.ts';
import { executionSettings } from './execution-settings.ts';
import { priorsFor } from './choice-priors.ts';
import { natsFeedModule } from './nats-feed-module.ts';
import { ConfigError, type PaperConfig, type Source } from './config.ts';
import { TOKENS } from './tokens.ts';
import { openCheckedModel } from './checked-model.ts';

export { openCheckedModel } from './checked-model.ts';
import { storeDirProblem } from './input-check.ts';

/**
 * The core every mode loads: clock, store, model and the trading loop. Feed and venue come from the
 * mode's own module (replay + simulator here; live Bybit later), which is all that differs. The writer
 * is bound by `runPaper`, which opens the store beside the run (paper.ts).
 */
export const coreModule = new ContainerModule(({ bind }) => {
  bind(TOKENS.Clock).toResolvedValue(() => new SystemClock()).inSingletonScope();
  bind(TOKENS.Store)
    .toResolvedValue(async (config: PaperConfig) => {
      // `--db none` keeps the run in memory, without PGlite (~650 MB) or the SQL layer loaded at all.
      if (config.dbText === 'none') return new MemoryStore();
      try {
        const { createStore } = await import('../adapters/postgres/connect.ts');
        return await createStore(config.db);
      } catch (error) {
        const dir = config.db.kind === 'pglite' ? config.db.dataDir : null;
        throw new ConfigError(config.dbOrigin ?? '--db', (dir === null ? null : storeDirProblem(dir)) ?? (error as Error).message);
      }
    }, [TOKENS.Config])
    .inSingletonScope();
  bind(TOKENS.Model)
    .toResolvedValue(async (config: PaperConfig, logger: Logger) => {
      const model = await openCheckedModel(config.modelDir, logger);
      if (!model.ok) throw new ConfigError('--model', model.error);
      return model.value;
    }, [TOKENS.Config, TOKENS.Logger])
    .inSingletonScope();
  bind(TOKENS.Loop)
    .toResolvedValue(
      (
        config: PaperConfig, runId: string, feed: MarketDataFeed, venue: ExecutionVenue, model: SignalModel, writer: BatchedWriter, clock: Clock, logger: Logger,
        traceIds: TraceIdSource | null,
      ) =>
        new TradingLoop(
          {
            runId,
            instrument: config.instrument,
            limits: { maxPositionLots: config.maxPositionLots, orderLots: config.orderLots },
            bookDepth: config.bookDepth,
            sync: bybitSyncConfig(config.bookDepth, config.staleAfter),
            storeVectors: config.storeMarketData,
            // A signal counts as right when its move covers a maker round trip at the run's fees.
            outcomeCostBps: roundTripBps(config.fees.makerPpm),
            traceSampleRate: config.traceSampleRate,
            feedQualityFloor: feedQualityFloorAt(config.feedQualityFloor),
            // A real venue confirms cancels by itself; the simulator only with market data, which has ended.
            stopGraceMs: venue.observeBook === undefined ? 5_000 : 0,
            // Without the market data, the touch a second is still kept (the dashboard of a stored run draws its
            // mid from it), unless the run keeps nothing at all (--db none).
            recording: config.storeMarketData
              ? DEFAULT_RECORDING
              : { ...DEFAULT_RECORDING, snapshotLevels: 1, trades: false, ...(config.dbText === 'none' ? { snapshotEveryMicros: null } : {}) },
            execution: executionSettings({
              policy: config.policy, capitalUsdt: config.capitalUsdt, maxPositionLots: config.maxPositionLots, threshold: model.info.threshold,
              fees: config.fees, ...(config.decisions === undefined ? {} : { decisions: config.decisions }),
              priors: priorsFor(config.source === 'replay' ? (config.inputs ?? [config.input]) : [], config.chooserPriors ?? 'held-out'),
            }),
          },
          { feed, venue, model, writer, clock, logger, traceIds },
        ),
      [TOKENS.Config, TOKENS.RunId, TOKENS.Feed, TOKENS.Venue, TOKENS.Model, TOKENS.Writer, TOKENS.Clock, TOKENS.Logger, TOKENS.TraceIds],
    )
    .inSingletonScope();
});

/** Orders to the simulated exchange: app:paper and backtests. */
export const simulatedVenueModule = new ContainerModule(({ bind }) => {
  bind(TOKENS.Venue)
    .toResolvedValue(
      (config: PaperConfig) =>
        new SimExchange({ instrument: config.instrument, fees: config.fees, latency: config.latency, queue: DEFAULT_QUEUE_MODEL, seed: config.seed }),
      [TOKENS.Config],
    )
    .inSingletonScope();
});

/** Market data from a file of recorded frames. */
export const replayFeedModule = new ContainerModule(({ bind }) => {
  bind(TOKENS.Feed)
    .toResolvedValue((config: PaperConfig, clock: Clock) => {
      const format = withSymbol(config.inputFormat ?? inputFormatOf(config.input), config.instrument.symbol);
      return new FileReplayFeed(config.inputs ?? [config.input], clock, { speed: config.speed, decoder: scanningDecoder(config.instrument), format, instrument: config.instrument });
    }, [TOKENS.Config, TOKENS.Clock])
    .inSingletonScope();
});

function inputFormatOf(path: string): InputFormat {
  try {
    return detectInputFormat(path);
  } catch (error) {
    throw new ConfigError('--input', (error as Error).message);
  }
}

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
            market: {
              seed: config.seed, symbol: config.instrument.symbol, depth: config.bookDepth ?? 50,
              ...(config.informedShare === undefined ? {} : { params: { informedShare: config.informedShare } }),
            },
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
    case 'nats':
      return natsFeedModule;
  }
}
