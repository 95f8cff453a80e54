import 'reflect-metadata';
import { createHash, randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Container } from 'inversify';
import type { Logger } from '../application/ports/logger.ts';
import type { RowCounts } from '../application/ports/trading-store.ts';
import type { RunSummary } from '../application/run-summary.ts';
import { startTelemetry } from '../adapters/telemetry/otel.ts';
import { MANIFEST_FILE, MODEL_FILE } from '../adapters/onnx/manifest.ts';
import { coreModule, feedModule, simulatedVenueModule } from './modules.ts';
import { ConfigError, type PaperConfig } from './config.ts';
import { TOKENS } from './tokens.ts';
import { codeVersion } from './version.ts';
import type { ModelInfo } from '../application/ports/signal-model.ts';
import type { ModelRecord } from '../application/ports/trading-store.ts';
import type { Micros } from '../domain/values/units.ts';

export interface PaperResult {
  readonly runId: string;
  readonly summary: RunSummary;
  readonly stored: RowCounts;
  readonly source: string;
  readonly model: { readonly id: string; readonly threshold: number };
}

export interface PaperOptions {
  readonly logger: Logger;
  readonly env: NodeJS.ProcessEnv;
  /** Called once the run is under way with a function that stops it cleanly (SIGINT, SIGTERM). */
  readonly onStop?: (stop: () => void) => void;
}

/**
 * Composes and runs app:paper: the core module with the replay feed and the simulated exchange.
 * Everything queued for the store is written before this resolves; the store is always closed.
 */
export async function runPaper(config: PaperConfig, options: PaperOptions): Promise<PaperResult> {
  const telemetry = startTelemetry(options.env);
  const runId = randomUUID();
  const container = new Container();
  container.bind(TOKENS.Config).toConstantValue(config);
  container.bind(TOKENS.RunId).toConstantValue(runId);
  container.bind(TOKENS.Logger).toConstantValue(options.logger);
  container.load(coreModule, feedModule(config.source), simulatedVenueModule);
  const store = await container.getAsync(TOKENS.Store);
  try {
    const model = await container.getAsync(TOKENS.Model);
    try {
      const applied = await store.migrate();
      if (applied.length > 0) options.logger.info({ migrations: applied }, 'database migrated');
      const loop = await container.getAsync(TOKENS.Loop);
      const feed = await container.getAsync(TOKENS.Feed);
      const venue = await container.getAsync(TOKENS.Venue);
      const clock = await container.getAsync(TOKENS.Clock);
      const writer = await container.getAsync(TOKENS.Writer);
      // Rows an earlier run could not write (an outage, then a stop) go in first, in order.
      const recovered = await writer.recover();
      if (recovered.found > 0) options.logger.info({ ...recovered }, 'rows spilled by an earlier run written back');
      const startedAt = clock.nowMicros();
      await store.registerFeatureSchema(loop.featureSchema, startedAt);
      await store.registerModel(await modelRecord(config.modelDir, model.info, startedAt));
      await store.startRun({
        id: runId,
        mode: 'paper',
        instrument: {
          symbol: config.instrument.symbol,
          tickSize: config.instrument.tickSize,
          lotSize: config.instrument.lotSize,
          minQty: config.instrument.minQty,
        },
        source: feed.description,
        venue: venue.name,
        modelId: model.info.id,
        schemaId: model.info.schemaId,
        config: {
          source: config.source,
          input: config.input,
          seed: config.seed,
          speed: config.speed,
          model: config.modelDir,
          maxPositionLots: config.maxPositionLots,
          orderLots: config.orderLots,
          bookDepth: config.bookDepth,
          fees: config.fees,
        },
        codeVersion: codeVersion(),
        startedAt,
      });
      options.logger.info({ runId, source: feed.description, model: model.info.id, db: config.db.kind }, 'paper run started');
      const stop = (): void => void feed.close();
      options.onStop?.(stop);
      // Live and synthetic markets run until stopped, or for --duration.
      const timer = config.durationMs === null || config.source === 'replay' ? null : setTimeout(stop, config.durationMs);
      let summary;
      try {
        summary = await loop.run();
      } catch (error) {
        if (config.source !== 'bybit') throw error;
        throw new ConfigError(
          '--source',
          `Bybit's market data cannot be reached (${(error as Error).message}); run offline with --source synthetic, or --source replay --input FILE`,
        );
      } finally {
        if (timer !== null) clearTimeout(timer);
      }
      const closed = await writer.close();
      if (closed.spilled > 0) options.logger.warn({ spilled: closed.spilled, spill: config.spillPath }, 'rows kept in the spill file for the next start');
      await store.finishRun(runId, { endedAt: clock.nowMicros(), summary: { ...summary } });
      const stored = await store.rowCounts(runId);
      return {
        runId,
        summary: { ...summary, store: writer.stats },
        stored,
        source: feed.description,
        model: { id: model.info.id, threshold: model.info.threshold },
      };
    } finally {
      await model.close();
    }
  } finally {
    await store.close();
    await telemetry?.shutdown();
  }
}

/** The model as the store records it: the SHA-256 of its file and its manifest as loaded. */
async function modelRecord(dir: string, info: ModelInfo, at: Micros): Promise<ModelRecord> {
  const bytes = await readFile(join(dir, MODEL_FILE));
  const manifest = JSON.parse(await readFile(join(dir, MANIFEST_FILE), 'utf8')) as Record<string, unknown>;
  return { id: info.id, fileSha256: createHash('sha256').update(bytes).digest('hex'), manifest, validation: null, createdAt: at };
}
