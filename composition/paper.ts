// One piece: a run's life from composition to its stored end is one sequence whose order is its
// correctness (the store opened beside the first frame, the run registered before its rows, the pid
// file before the kill listener goes, the writer closed before the run's end). What stands apart is
// apart: closing left runs (run-closing.ts), trips at the end (run-end.ts), the feed's gate (gated-feed.ts).
import 'reflect-metadata';
import { createHash, randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Container, type ContainerModule } from 'inversify';
import { describeModelRefusal, type ModelSlot } from '../application/model-switch.ts';
import type { Clock } from '../application/ports/clock.ts';
import type { Logger } from '../application/ports/logger.ts';
import type { ModelRecord, RowCounts, RunMode, RunRecord, TradingStore } from '../application/ports/trading-store.ts';
import type { LoopProgress, LoopSummary, TradingLoop } from '../application/trading-loop.ts';
import { BatchedWriter } from '../application/batched-writer.ts';
import { describeDbTarget } from '../adapters/postgres/db-target.ts';
import { FileSpillLog } from '../adapters/spill/file-spill.ts';
import { otlpConfigured } from '../adapters/telemetry/otlp-endpoints.ts';
import { MANIFEST_FILE, MODEL_FILE } from '../adapters/onnx/manifest.ts';
import { GatedFeed } from './gated-feed.ts';
import { coreModule, feedModule, openCheckedModel, simulatedVenueModule } from './modules.ts';
import { ConfigError, type PaperConfig } from './config.ts';
import { onKillSignal } from './kill-command.ts';
import { writePidFile, type PidFile } from './pid-file.ts';
import { closeLeftRuns, finishOrKeep, ownerFields } from './run-closing.ts';
import { TOKENS } from './tokens.ts';
import { tripsInForce, type EndTrip } from './run-end.ts';
import { codeVersion } from './version.ts';
import type { ModelInfo } from '../application/ports/signal-model.ts';
import type { Micros } from '../domain/values/units.ts';
import { boundHeapGrowth } from './heap-growth.ts';

export interface PaperResult {
  readonly runId: string;
  readonly summary: LoopSummary;
  /** Rows the store holds for the run; null when it could not be reached at the end (rows spilled). */
  readonly stored: RowCounts | null;
  readonly source: string;
  /** The venue's name: `sim-exchange`, or Bybit's for app:live. */
  readonly venue: string;
  readonly mode: RunMode;
  readonly model: { readonly id: string; readonly threshold: number; readonly abstain?: string };
  /** Why the input was read only in part (a compressed file cut short); null when whole. */
  readonly incomplete: string | null;
  /** The circuit-breaker trips in force at the end (the kill switch, a drawdown…); empty for an ACTIVE run. */
  readonly trips: readonly EndTrip[];
}

export interface PaperOptions {
  readonly logger: Logger;
  readonly env: NodeJS.ProcessEnv;
  /** Called once the run is under way with a function that stops it cleanly (SIGINT, SIGTERM). */
  readonly onStop?: (stop: () => void) => void;
  /**
   * Called once the run is under way with a function that reloads the --model directory and offers
   * the model to the loop (SIGHUP); returns a function that stops calling it, called as the run ends.
   */
  readonly onReload?: (reload: () => void) => () => void;
  /**
   * Called once the run is under way with its kill switch: the loop cancels every working order,
   * flattens and sends no new order, and the run goes on, halted, until stopped. Returns a function
   * that stops calling it, called as the run ends. Absent: SIGUSR2 pulls it (`ladder kill`).
   */
  readonly onKill?: (kill: (reason: string) => void) => () => void;
  /** What the run is recorded as: 'paper' (the default), 'live' (app:live) or 'backtest' (`ladder backtest`). */
  readonly mode?: RunMode;
  /** Where orders go: the simulated exchange unless given (app:live gives Bybit's). */
  readonly venueModule?: ContainerModule;
  /** Called every few thousand events with how far the run has come (a progress bar). */
  readonly onProgress?: (p: LoopProgress) => void;
  /** The run's id; a new UUID when absent (a backtest names its baseline twin's before it runs). */
  readonly runId?: string;
  /** The run this one is compared with (`ladder backtest --against-baseline`), kept in the stored run's config. */
  readonly baselineRunId?: string;
  /** Opens the run's store; the one `config.db` names when absent (a test gives one that opens late, or fails). */
  readonly openStore?: (config: PaperConfig) => Promise<TradingStore>;
  /** Called once the run is finished and stored, with the store still open (a backtest reads its report). */
  readonly afterRun?: (store: TradingStore, runId: string) => Promise<void>;
  /**
   * Called once the run is under way with its running parts (the dashboard serves them); the function
   * it returns is awaited as the run ends, before the store closes.
   */
  readonly onRunning?: (run: RunningParts) => Promise<() => Promise<void>>;
}

/** A run under way, as those who watch it see it. */
export interface RunningParts {
  readonly runId: string;
  readonly config: PaperConfig;
  readonly loop: TradingLoop;
  readonly writer: BatchedWriter;
  readonly store: TradingStore;
  readonly clock: Clock;
  /** Pulls the run's kill switch, logged as `ladder kill` would. */
  kill(reason: string): void;
}

/**
 * Composes and runs app:paper: the core module with the replay feed and the simulated exchange.
 * Everything queued for the store is written before this resolves; the store is always closed.
 *
 * A paper run on a file or the synthetic market takes its first frame at once and opens the store
 * meanwhile (PGlite takes a second or two): the book starts on it, the writer holds its rows, and the
 * next frames (so every signal and order) follow once the store is migrated and the run registered
 * (gated-feed.ts); the rows are then written in order. Nothing the loop decides on comes from the
 * store. A store that fails to open stops the run, and the error says how many rows were not stored.
 * A live run, a run on a live socket and a backtest open the store first: no real order goes out
 * before its ledger can be recorded, a socket's frames would pile up, and a backtest gains nothing.
 */
export async function runPaper(config: PaperConfig, given: PaperOptions): Promise<PaperResult> {
  boundHeapGrowth();
  const runId = given.runId ?? randomUUID();
  // Every line the run and its parts log carries the run's id.
  const options: PaperOptions = { ...given, logger: withFields(given.logger, { runId }) };
  const mode = options.mode ?? 'paper';
  // A file or the synthetic market waits at no cost; a live socket would pile frames up meanwhile.
  const early = mode === 'paper' && (config.source === 'synthetic' || config.source === 'replay');
  // The OpenTelemetry SDK and its exporters are loaded only when an endpoint is set.
  const telemetry = otlpConfigured(options.env)
    ? (await import('../adapters/telemetry/otel.ts')).startTelemetry(options.env, { sampleRate: config.traceSampleRate })
    : null;
  const container = new Container();
  container.bind(TOKENS.Config).toConstantValue(config);
  container.bind(TOKENS.RunId).toConstantValue(runId);
  container.bind(TOKENS.Logger).toConstantValue(options.logger);
  container.bind(TOKENS.TraceIds).toConstantValue(telemetry?.traceIds ?? null);
  container.load(coreModule, feedModule(config.source), options.venueModule ?? simulatedVenueModule);
  // The store opens and migrates while the model loads (onnxruntime and its session) and, for paper,
  // while the market runs. Handled here so that a refusal met while something else is awaited is not
  // an unhandled rejection; awaiting the promises below still throws.
  const opening = options.openStore?.(config) ?? container.getAsync(TOKENS.Store);
  const migrated = opening.then(async (store) => {
    const applied = await store.migrate();
    if (applied.length > 0) options.logger.info({ migrations: applied }, 'database migrated');
    return store;
  });
  migrated.catch(() => undefined);
  const loadingModel = container.getAsync(TOKENS.Model);
  loadingModel.catch(() => undefined);
  const clock = await container.getAsync(TOKENS.Clock);
  const writer = new BatchedWriter({ write: (batch) => opening.then((store) => store.write(batch)) }, options.logger, {
    clock, opening: true, ...(config.spillPath === null ? {} : { spill: new FileSpillLog(config.spillPath) }),
  });
  container.bind(TOKENS.Writer).toConstantValue(writer);
  try {
    if (!early) {
      try {
        await migrated;
      } catch (error) {
        throw storeRefusal(config, error, null);
      }
    }
    const model = await loadingModel;
    let models: ModelSlot | null = null;
    let openGate: (ok: boolean) => void = () => undefined;
    if (early) {
      // The loop's feed hands over the first frame now and the rest once the run is registered.
      const gate = new Promise<boolean>((resolve) => (openGate = resolve));
      const inner = await container.getAsync(TOKENS.Feed);
      container.unbind(TOKENS.Feed);
      container.bind(TOKENS.Feed).toConstantValue(new GatedFeed(inner, gate));
    }
    try {
      const loop = await container.getAsync(TOKENS.Loop);
      models = loop.models;
      if (options.onProgress !== undefined) loop.onProgress = options.onProgress;
      const feed = await container.getAsync(TOKENS.Feed);
      const startedAt = clock.nowMicros();
      const venueName = (await container.getAsync(TOKENS.Venue)).name;
      const record = runRecord(config, runId, feed.description, venueName, model.info, startedAt, mode, options.baselineRunId);
      // The run is registered before any of its rows is written; rows an earlier run could not write
      // (an outage, then a stop) go in before them, and the runs that earlier run left open are closed.
      const registered = migrated.then(async (store) => {
        await store.registerFeatureSchema(loop.featureSchema, startedAt);
        await registerModel(store, config.modelDir, model.info, startedAt, options.logger);
        await store.startRun(record);
        const recovered = await writer.recover();
        if (recovered.found > 0) options.logger.info({ ...recovered }, 'rows spilled by an earlier run written back');
        if (config.spillPath !== null) await closeLeftRuns(store, config.spillPath, clock.nowMicros(), options.logger);
        return store;
      });
      registered.then(() => openGate(true), () => openGate(false));
      let stopped = false;
      const stop = (): void => {
        stopped = true;
        loop.cancelOnEnd = config.onStop === 'cancel';
        void feed.close();
      };
      options.onStop?.(stop);
      // Listening before startReloads writes the pid file: whoever reads it finds a process that takes SIGUSR2.
      const endKill = startKillSwitch(loop, options);
      let timer: ReturnType<typeof setTimeout> | null = null;
      let settled = false;
      const runLoop = (): Promise<LoopSummary> => {
        // A live market (Bybit, a JetStream stream) runs until stopped, or for --duration of wall
        // time. A recording and the synthetic market end themselves: --duration of the synthetic
        // market is venue time, which the feed counts. A wall-clock stop there would cut a backtest
        // short whenever the machine runs slower than the market (a loaded machine, a slow store).
        if (config.durationMs !== null && (config.source === 'bybit' || config.source === 'nats')) timer = setTimeout(stop, config.durationMs);
        const running = loop.run().catch((error: unknown) => {
          if (config.source !== 'bybit') throw error;
          throw new ConfigError(
            '--source',
            `Bybit's market data cannot be reached (${(error as Error).message}); run offline with --source synthetic, or --source replay --input FILE`,
          );
        });
        running.then(() => (settled = true), () => (settled = true));
        return running;
      };
      let running = early ? runLoop() : null;
      let store: TradingStore;
      try {
        store = await registered;
      } catch (error) {
        // The market ran while the store opened: stopped now, its rows counted in the one line.
        if (running !== null) stop();
        const summary = await running?.catch(() => null);
        if (timer !== null) clearTimeout(timer);
        endKill();
        throw storeRefusal(config, error, { frames: summary?.counters.bookFrames ?? 0, rows: await writer.discard() });
      }
      options.logger.info({ runId, source: feed.description, model: model.info.id, db: config.db.kind }, 'paper run started');
      let summary;
      try {
        const endWatch = options.onRunning === undefined ? null : await options.onRunning({ runId, config, loop, writer, store, clock, kill: (reason) => killLoop(loop, options.logger, reason) });
        try {
          const reloads = await startReloads(config, options, { logger: options.logger, models: loop.models, store, clock });
          try {
            running ??= runLoop();
            summary = await running;
          } finally {
            await reloads.end();
          }
        } finally {
          await endWatch?.();
        }
      } finally {
        // A run that failed to start its watchers is stopped before the store closes.
        if (running !== null && !settled) {
          stop();
          await running.catch(() => undefined);
        }
        if (timer !== null) clearTimeout(timer);
        // After the pid file (reloads.end): a kill read from the file still finds a listener.
        endKill();
      }
      const closed = await writer.close();
      if (closed.spilled > 0) options.logger.warn({ spilled: closed.spilled, spill: config.spillPath }, 'rows kept in the spill file for the next start');
      const end = { endedAt: clock.nowMicros(), summary: { ...summary }, endReason: stopped ? 'stopped' : 'completed' } as const;
      // During an outage the end waits beside the spill file, and the summary says where the rows are.
      const finished = await finishOrKeep(store, runId, end, config.spillPath, options.logger);
      const stored = finished ? await store.rowCounts(runId) : null;
      const trips = !finished || (summary.execution?.riskState ?? 'ACTIVE') === 'ACTIVE' ? [] : tripsInForce(await store.readRiskEvents(runId));
      if (finished) await options.afterRun?.(store, runId);
      const last = loop.models.next;
      return {
        runId, summary: { ...summary, store: writer.stats }, stored, source: feed.description, venue: venueName, mode,
        model: { id: last.id, threshold: last.threshold, ...(last.abstain === undefined ? {} : { abstain: last.abstain }) }, incomplete: feed.incomplete ?? null, trips,
      };
    } finally {
      // Once the loop holds the model, it closes every model of the run, those reloaded too.
      await (models === null ? model.close() : models.close());
    }
  } finally {
    // A store still opening when the run failed is closed once open.
    await (await opening.catch(() => null))?.close();
    await telemetry?.shutdown();
  }
}

const plural = (n: number, what: string): string => `${n} ${what}${n === 1 ? '' : 's'}`;

/**
 * The one line for a store that could not be opened, migrated or written the run into: the store,
 * the reason and, when the market ran meanwhile, what was lost.
 */
function storeRefusal(config: PaperConfig, error: unknown, ran: { readonly frames: number; readonly rows: number } | null): ConfigError {
  const field = error instanceof ConfigError ? error.field : (config.dbOrigin ?? '--db');
  const reason = error instanceof ConfigError ? error.reason : (error as Error).message.split('\n')[0];
  const store = config.dbText === 'none' ? 'memory' : describeDbTarget(config.db);
  const named = reason.includes(store) ? reason : `the store ${store} cannot be used: ${reason}`;
  return new ConfigError(field, ran === null ? named : `${named}; the run stopped after ${plural(ran.frames, 'book frame')}, and its ${plural(ran.rows, 'row')} were not stored`);
}

function runRecord(
  config: PaperConfig, runId: string, source: string, venue: string, model: ModelInfo, startedAt: Micros, mode: RunMode,
  baselineRunId: string | undefined,
): RunRecord {
  const { instrument } = config;
  return {
    id: runId,
    mode,
    instrument: { symbol: instrument.symbol, tickSize: instrument.tickSize, lotSize: instrument.lotSize, minQty: instrument.minQty },
    source,
    venue,
    modelId: model.id,
    schemaId: model.schemaId,
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
      ...(baselineRunId === undefined ? {} : { baselineRunId }),
      ...ownerFields(config.spillPath),
    },
    codeVersion: codeVersion(),
    startedAt,
  };
}

/** Hands the loop's kill switch to `options.onKill`, or to SIGUSR2; returns the function that stops listening. */
function startKillSwitch(loop: TradingLoop, options: PaperOptions): () => void {
  return (options.onKill ?? onKillSignal)((reason) => killLoop(loop, options.logger, reason));
}

function killLoop(loop: TradingLoop, logger: Logger, reason: string): void {
  logger.warn({ reason }, 'kill switch pulled: canceling every order and flattening; the run stays halted until stopped');
  loop.kill(reason);
}

interface ReloadContext {
  readonly logger: Logger;
  readonly models: ModelSlot;
  readonly store: TradingStore;
  readonly clock: Clock;
}

/**
 * Subscribes to reload requests, then writes the pid file (so that whoever reads it finds a process
 * that handles SIGHUP). Reloads run one at a time, in the order asked. `end` unsubscribes, waits for
 * a reload under way and removes the pid file.
 */
async function startReloads(config: PaperConfig, options: PaperOptions, ctx: ReloadContext): Promise<{ end: () => Promise<void> }> {
  let chain = Promise.resolve();
  const request = (): void => {
    chain = chain.then(() => reloadModel(config.modelDir, ctx)).catch((error: unknown) => ctx.logger.error({ error: String(error) }, 'model reload failed'));
  };
  const unsubscribe = options.onReload?.(request) ?? null;
  let pidFile: PidFile | null = null;
  if (config.pidFile !== null) {
    try {
      pidFile = await writePidFile(config.pidFile);
    } catch (error) {
      unsubscribe?.();
      throw new ConfigError('--pid-file', `cannot write ${config.pidFile}: ${(error as Error).message}`);
    }
  }
  return {
    end: async () => {
      unsubscribe?.();
      await chain;
      pidFile?.remove();
    },
  };
}

/**
 * Reloads the model directory from disk, checks it as at start-up and offers it to the loop, which
 * takes it only at the running feature schema; the running model stays on any refusal. A model
 * taken is registered in the store.
 */
async function reloadModel(dir: string, { logger, models, store, clock }: ReloadContext): Promise<void> {
  const running = models.next.id;
  const loaded = await openCheckedModel(dir, logger);
  if (!loaded.ok) {
    models.refused();
    logger.warn({ dir, model: running, reason: loaded.error, predictions: models.predictions }, 'model reload refused');
    return;
  }
  const next = loaded.value;
  const swap = models.offer(next);
  if (!swap.ok) {
    await next.close();
    logger.warn({ dir, model: running, offered: next.info.id, reason: describeModelRefusal(swap.error), predictions: models.predictions }, 'model reload refused');
    return;
  }
  logger.info({ dir, from: swap.value.from.id, to: swap.value.to.id, predictions: models.predictions }, 'model reloaded');
  try {
    await registerModel(store, dir, next.info, clock.nowMicros(), logger);
  } catch (error) {
    logger.error({ model: next.info.id, error: String(error) }, 'reloaded model not registered in the store');
  }
}

/**
 * Records the model under its id with the SHA-256 of its file. An id already recorded with another
 * file is kept as it was (the store changes nothing) and logged: its signals cannot be told apart.
 */
async function registerModel(store: TradingStore, dir: string, info: ModelInfo, at: Micros, logger: Logger): Promise<void> {
  const record = await modelRecord(dir, info, at);
  const known = await store.readModel(info.id);
  if (known !== null && known.fileSha256 !== record.fileSha256) {
    logger.warn({ model: info.id, stored: known.fileSha256, loaded: record.fileSha256 }, 'model id already stored with another file');
  }
  await store.registerModel(record);
}

/** The model as the store records it: the SHA-256 of its file and its manifest as loaded. */
async function modelRecord(dir: string, info: ModelInfo, at: Micros): Promise<ModelRecord> {
  const bytes = await readFile(join(dir, MODEL_FILE));
  const manifest = JSON.parse(await readFile(join(dir, MANIFEST_FILE), 'utf8')) as Record<string, unknown>;
  return { id: info.id, fileSha256: createHash('sha256').update(bytes).digest('hex'), manifest, validation: null, createdAt: at };
}

/** A logger that adds `fields` to every line (a line's own fields win). */
export function withFields(logger: Logger, fields: Record<string, unknown>): Logger {
  return {
    debug: (f, m) => logger.debug({ ...fields, ...f }, m),
    info: (f, m) => logger.info({ ...fields, ...f }, m),
    warn: (f, m) => logger.warn({ ...fields, ...f }, m),
    error: (f, m) => logger.error({ ...fields, ...f }, m),
  };
}
