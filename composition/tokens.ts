import type { ServiceIdentifier } from 'inversify';
import type { BatchedWriter } from '../application/batched-writer.ts';
import type { TraceIdSource } from '../application/decision-trace.ts';
import type { Clock } from '../application/ports/clock.ts';
import type { ExecutionVenue } from '../application/ports/execution-venue.ts';
import type { Logger } from '../application/ports/logger.ts';
import type { MarketDataFeed } from '../application/ports/market-data-feed.ts';
import type { SignalModel } from '../application/ports/signal-model.ts';
import type { TradingStore } from '../application/ports/trading-store.ts';
import type { TradingLoop } from '../application/trading-loop.ts';
import type { PaperConfig } from './config.ts';

/** Service identifiers of the container, typed, one per port and per composed part. */
export const TOKENS = {
  Config: Symbol.for('ladder.Config') as ServiceIdentifier<PaperConfig>,
  RunId: Symbol.for('ladder.RunId') as ServiceIdentifier<string>,
  Clock: Symbol.for('ladder.Clock') as ServiceIdentifier<Clock>,
  Logger: Symbol.for('ladder.Logger') as ServiceIdentifier<Logger>,
  Feed: Symbol.for('ladder.Feed') as ServiceIdentifier<MarketDataFeed>,
  Venue: Symbol.for('ladder.Venue') as ServiceIdentifier<ExecutionVenue>,
  Model: Symbol.for('ladder.Model') as ServiceIdentifier<SignalModel>,
  Store: Symbol.for('ladder.Store') as ServiceIdentifier<TradingStore>,
  Writer: Symbol.for('ladder.Writer') as ServiceIdentifier<BatchedWriter>,
  Loop: Symbol.for('ladder.Loop') as ServiceIdentifier<TradingLoop>,
  /** The tracer's id source while OpenTelemetry exports, else null. */
  TraceIds: Symbol.for('ladder.TraceIds') as ServiceIdentifier<TraceIdSource | null>,
} as const;
