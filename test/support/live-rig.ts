import { BatchedWriter } from '../../application/batched-writer.ts';
import type { ModelInfo } from '../../application/ports/signal-model.ts';
import { TradingLoop, type LoopSummary } from '../../application/trading-loop.ts';
import { VenueOutbox } from '../../application/venue-outbox.ts';
import { createBybitGateway, type BybitGateway, type BybitGatewayOptions } from '../../adapters/bybit/gateway/bybit-gateway.ts';
import { scanningDecoder } from '../../adapters/bybit/frame-decoder.ts';
import { SystemClock } from '../../adapters/clock/system-clock.ts';
import { SyntheticFeed } from '../../adapters/synthetic/synthetic-feed.ts';
import { executionSettings } from '../../composition/execution-settings.ts';
import { schemaForNames } from '../../domain/features/registry.ts';
import { unwrap } from '../../domain/result.ts';
import type { Lots, Ticks } from '../../domain/values/units.ts';
import { BybitV5Server, type BybitV5ServerOptions } from './bybit-v5-server.ts';
import { FunctionModel, MemoryStore, RecordingLogger } from './fakes.ts';

const NAMES = ['spread_ticks', 'depth_imbalance_1'];
const INFO: ModelInfo = { id: 'rig', featureNames: NAMES, schemaId: unwrap(schemaForNames(NAMES)).id, scoreMeaning: 'test', horizonMs: 1000, threshold: 0.5 };
/** The synthetic market starts here (ticks of 0.1); the exchange's own book sits around it. */
const MID = 900_000;
export const RIG_KEYS = { apiKey: 'rig-key', apiSecret: 'rig-secret' } as const;

export interface RigOptions {
  /** The position limit, lots (0.001 BTC). */
  readonly maxPositionLots: number;
  /** The model's score at each prediction: positive buys, negative sells. Always +1 when absent. */
  readonly score?: () => number;
  readonly gateway?: Partial<BybitGatewayOptions>;
  readonly server?: Partial<BybitV5ServerOptions>;
  /** Called with the started server before the gateway connects (a position held before the run). */
  readonly before?: (server: BybitV5Server) => void;
  /** Equity at the start, USDT: a baseline order is worth 5% of it; 40 000 (22 lots at the start price) when absent. */
  readonly capitalUsdt?: number;
}

/**
 * app:live's parts without the process: the local Bybit v5 server, the gateway behind its outbox, and
 * the trading loop on a synthetic market in real time (baseline policy, a model that always signals),
 * its rows in a memory store. Faster than a `ladder live` child and the same path from signal to exchange.
 */
export class LiveRig {
  private constructor(
    readonly server: BybitV5Server,
    readonly gateway: BybitGateway,
    readonly venue: VenueOutbox,
    readonly loop: TradingLoop,
    readonly feed: SyntheticFeed,
    readonly writer: BatchedWriter,
    readonly store: MemoryStore,
    readonly logger: RecordingLogger,
  ) {}

  static async start(options: RigOptions): Promise<LiveRig> {
    const server = await BybitV5Server.start({ ...RIG_KEYS, ...options.server });
    server.setBook(
      Array.from({ length: 20 }, (_, i) => [MID - 10 - i * 10, 50_000] as const),
      Array.from({ length: 20 }, (_, i) => [MID + 10 + i * 10, 50_000] as const),
    );
    options.before?.(server);
    const logger = new RecordingLogger();
    const clock = new SystemClock();
    const gateway = await createBybitGateway({
      network: 'testnet', restUrl: server.restUrl, privateWsUrl: server.privateWsUrl, ...RIG_KEYS, symbol: 'BTCUSDT', clock, logger,
      rateLimitMs: 5, requestTimeoutMs: 1_000, retryBackoffMs: 20, reconcileEveryMs: 500, ...options.gateway,
    });
    const venue = new VenueOutbox(gateway, clock, logger);
    const store = new MemoryStore();
    const writer = new BatchedWriter(store, logger, { batchRows: 100_000 });
    const feed = new SyntheticFeed({ market: { seed: 11, symbol: 'BTCUSDT', depth: 50, startPrice: MID as Ticks }, speed: 1, decoder: scanningDecoder(gateway.instrument) }, clock);
    const score = options.score ?? (() => 1);
    const model = new FunctionModel(INFO, () => ({ score: score(), confidence: 0.9 }));
    const max = options.maxPositionLots as Lots;
    const chosen = executionSettings({ policy: 'baseline', capitalUsdt: options.capitalUsdt ?? 40_000, maxPositionLots: max, threshold: INFO.threshold });
    const settings = { ...chosen, risk: { ...chosen.risk, maxConsecutiveLosses: 1_000_000, drawdownReduceBps: 10_000, drawdownHaltBps: 10_000, dailyLossLimit: chosen.capital } };
    const loop = new TradingLoop(
      { runId: 'rig', instrument: gateway.instrument, limits: { maxPositionLots: max, orderLots: 1 as Lots }, bookDepth: 50, execution: settings, storeVectors: false, stopGraceMs: 2_000 },
      { feed, venue, model, writer, clock, logger },
    );
    return new LiveRig(server, gateway, venue, loop, feed, writer, store, logger);
  }

  /** Runs the loop until `until` resolves, then stops it; resolves with its summary, rows written. */
  async run(until: (rig: LiveRig) => Promise<void>): Promise<LoopSummary> {
    const running = this.loop.run();
    try {
      await until(this);
    } finally {
      await this.feed.close();
    }
    const summary = await running;
    await this.venue.drained();
    await this.writer.flush();
    return summary;
  }

  /** orderLinkIds of the run's creates, in the order the exchange received them (retries repeat). */
  creates(): string[] {
    return this.server.requests.filter((r) => r.path === '/v5/order/create').map((r) => (JSON.parse(r.body) as { orderLinkId: string }).orderLinkId);
  }

  /** Execution ids of the run's orders on the exchange. */
  runExecutions(): string[] {
    return this.server.tradeExecutions().filter((e) => e.orderLinkId.startsWith('Lrig')).map((e) => e.execId);
  }

  storedFillIds(): string[] {
    return this.store.fills.map((f) => f.fill.tradeId);
  }

  logText(): string {
    return this.logger.lines.map((l) => `${l.message} ${JSON.stringify(l.fields)}`).join('\n');
  }

  async close(): Promise<void> {
    await this.gateway.close();
    await this.server.close();
  }
}
