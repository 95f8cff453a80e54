import { parseArgs } from 'node:util';
import type { Logger } from '../application/ports/logger.ts';
import { paperConfig, type PaperConfig, type PaperFlags } from './config.ts';
import { LIVE_SETTINGS, PAPER_SETTINGS } from './run-settings.ts';
import { helpLines, optionTable } from './settings.ts';
import { layerConfig, validateLayered, type OptionTable } from './config-sources.ts';
import { liveConfig, type LiveConfig, type LiveFlags } from './live-config.ts';
import type { PaperOptions, PaperResult } from './paper.ts';
import { ALLOW_UNVALIDATED, refuseUnvalidatedModel } from './model-validation.ts';
import { EXIT, printable } from './user-error.ts';
import { normalizeArgs } from './args.ts';
import { noUsableFrame, prescanInput } from './input-check.ts';

/** The help lists every setting but --help itself, in the order of their declaration. */
const HELP_KEYS = {
  paper: Object.keys(PAPER_SETTINGS).filter((k) => k !== 'help'),
  live: Object.keys(LIVE_SETTINGS).filter((k) => k !== 'help'),
};

const ENDINGS_HELP = `Stopping: Ctrl-C or SIGTERM stops new orders, cancels (or keeps, --on-stop keep) the run's open orders,
writes everything queued to the store, closes the sockets and exits.
On SIGUSR2 ("ladder kill" sends it) the run pulls its kill switch: it cancels every working order,
flattens the position and sends no new order, and keeps running, halted, until stopped. No SIGUSR2 on
Windows.

Exit codes: 0 the run reached its end (--duration, or the end of its input); 130 stopped by Ctrl-C and
143 by SIGTERM, after a clean shutdown; 3 the run ended halted (kill switch or circuit breaker); 2 a
setting was refused, or the market could not be reached; 1 anything else failed.

OpenTelemetry: with OTEL_EXPORTER_OTLP_ENDPOINT set (Jaeger: http://localhost:4318) traces and metrics
are exported over OTLP/HTTP; one trace per decision (docs/operations.md, Tracing and metrics).`;

export const PAPER_HELP = `ladder paper — app:paper: market data → book → features → model → risk → simulated orders → Postgres

Without flags it trades Bybit's live public BTCUSDT stream (no keys needed) on the simulated exchange,
storing in the embedded database. Where Bybit cannot be reached it says so within seconds: run offline
with --source synthetic, or --source replay --input FILE.

Flags:
${helpLines(PAPER_SETTINGS, HELP_KEYS.paper)}

${ENDINGS_HELP}`;

export const LIVE_HELP = `ladder live — app:live: the app:paper core with orders on Bybit through ccxt

Bybit's testnet unless both --mainnet and --confirm-mainnet (or LADDER_CONFIRM_MAINNET=yes) are given.
Keys come from the environment only: BYBIT_API_KEY and BYBIT_API_SECRET; they never reach a log line.
Market data is Bybit's public stream of the same network. At start-up the instrument's tick, lot and
minimum come from the exchange, and open orders, fills and the position are reconciled with Bybit's
REST API, again after every reconnect of the private stream. Every order carries an orderLinkId, so a
retried submit can never double it.

Flags:
${helpLines(LIVE_SETTINGS, HELP_KEYS.live.slice(0, 4))}
  --allow-unvalidated    run a model that abstains or whose holdout edge is not positive (refused otherwise)
${helpLines(LIVE_SETTINGS, HELP_KEYS.live.slice(4))}

${ENDINGS_HELP}

Check the setup first with "ladder doctor --live".`;

export const PAPER_OPTIONS = optionTable(PAPER_SETTINGS) satisfies OptionTable;
export const LIVE_OPTIONS = optionTable(LIVE_SETTINGS) satisfies OptionTable;

/** Every flag name a trading command takes: an environment variable for one of them is not a mistake in another. */
export const ALL_RUN_FLAGS: ReadonlySet<string> = new Set([...Object.keys(PAPER_OPTIONS), ...Object.keys(LIVE_OPTIONS)]);

export { EXIT } from './user-error.ts';

/** app:paper's configuration from its three sources; the first mistake throws a `ConfigError` naming it. */
export function paperSettings(args: string[], env: NodeJS.ProcessEnv): PaperConfig | 'help' {
  const { values } = parseArgs({ args: normalizeArgs(args, PAPER_OPTIONS, 'paper'), options: PAPER_OPTIONS, strict: true, allowPositionals: false });
  if (values.help === true) return 'help';
  const layered = layerConfig(PAPER_OPTIONS, values, env, ALL_RUN_FLAGS);
  const config = validateLayered(layered, (v) => paperConfig(v as PaperFlags, env));
  return { ...config, dbOrigin: layered.origins.db ?? config.dbOrigin };
}

/** app:live's configuration: every check, keys and mainnet confirmation included, before any connection. */
export function liveSettings(args: string[], env: NodeJS.ProcessEnv): LiveConfig | 'help' {
  const { values } = parseArgs({ args: normalizeArgs(args, LIVE_OPTIONS, 'live'), options: LIVE_OPTIONS, strict: true, allowPositionals: false });
  if (values.help === true) return 'help';
  const layered = layerConfig(LIVE_OPTIONS, values, env, ALL_RUN_FLAGS);
  const config = validateLayered(layered, (v) => liveConfig(v as LiveFlags, env));
  return { ...config, dbOrigin: layered.origins.db ?? config.dbOrigin };
}

/** `ladder paper`. */
export async function paperCommand(args: string[], out: (text: string) => void): Promise<number> {
  const config = paperSettings(args, process.env);
  if (config === 'help') {
    out(PAPER_HELP);
    return 0;
  }
  if (config.source === 'replay') await prescanInput('--input', config.input);
  const { runPaper } = await import('./paper.ts');
  return runFromCommandLine(config, out, (options) => runPaper(config, options));
}

/** `ladder live`. */
export async function liveCommand(args: string[], out: (text: string) => void): Promise<number> {
  const config = liveSettings(args.filter((a) => a !== ALLOW_UNVALIDATED), process.env);
  if (config === 'help') {
    out(LIVE_HELP);
    return 0;
  }
  if (!args.includes(ALLOW_UNVALIDATED)) refuseUnvalidatedModel(config.modelDir);
  const { runLive } = await import('./live.ts');
  return runFromCommandLine(config, out, (options) => runLive(config, options));
}

/**
 * Runs app:paper or app:live as a process: signals wired (SIGINT/SIGTERM stop, SIGHUP reloads the
 * model, SIGUSR2 is the kill switch), the dashboard served, the summary printed, and the exit code
 * saying how the run ended.
 */
async function runFromCommandLine(
  config: PaperConfig,
  out: (text: string) => void,
  run: (options: PaperOptions) => Promise<PaperResult>,
): Promise<number> {
  // The heavy parts (onnxruntime, PGlite, OpenTelemetry) load only once the settings are known good.
  const [{ createPinoLogger }, { unitsOf }, { formatSummary }] = await Promise.all([import('../adapters/log/pino-logger.ts'), import('../adapters/log/units.ts'), import('./format-summary.ts')]);
  const logger = createPinoLogger({ level: config.logLevel, format: logFormat(config, process.stderr.isTTY === true), units: unitsOf(config.instrument) });
  let stoppedBy: 'SIGINT' | 'SIGTERM' | null = null;
  const result = await run({
    logger,
    env: process.env,
    onStop: (stop) => {
      for (const signal of ['SIGINT', 'SIGTERM'] as const) {
        // Kept for the whole run: a second Ctrl-C must not cut the shutdown short.
        const handler = (): void => {
          if (stoppedBy !== null) {
            logger.warn({ signal }, 'already stopping: open orders are being handled and the store flushed');
            return;
          }
          stoppedBy = signal;
          logger.info({ signal, onStop: config.onStop }, 'stopping: no new orders, then open orders handled, the store flushed and the sockets closed');
          stop();
        };
        // Never removed: a signal between the end of the run and the exit must not kill the process either.
        process.on(signal, handler);
      }
    },
    onReload: (reload) => {
      process.on('SIGHUP', reload);
      return () => process.off('SIGHUP', reload);
    },
    ...(config.dashboard === null ? {} : { onRunning: await dashboardWatcher(config, logger) }),
  });
  const counters = result.summary.counters;
  if (config.source === 'replay' && counters.bookFrames === 0) throw noUsableFrame('--input', config.input, counters.frames, counters.malformed);
  // Set by a signal handler during the run: read through a cast, or the compiler takes it for its start value.
  const ended = stoppedBy as 'SIGINT' | 'SIGTERM' | null;
  const end = ended === null ? 'completed' : (`stopped by ${ended}` as const);
  out(config.json
    ? JSON.stringify({ runId: result.runId, ...result.summary, stored: result.stored, incomplete: result.incomplete, trips: result.trips })
    : formatSummary(result, end));
  if (result.incomplete !== null) {
    console.error(`ladder: --input: ${printable(result.incomplete, 300)}; every frame before the cut was processed`);
    return EXIT.inputCut;
  }
  if (result.summary.execution?.riskState === 'HALTED') return EXIT.halted;
  return ended === null ? EXIT.completed : EXIT[ended];
}

/** Readable lines on a terminal, JSON when standard error is piped or logged; `--log-format` (or LADDER_LOG_FORMAT) chooses either. */
export function logFormat(config: Pick<PaperConfig, 'logFormat'>, terminal: boolean): 'pretty' | 'json' {
  return config.logFormat ?? (terminal ? 'pretty' : 'json');
}

/** Starts the dashboard once the run is under way; the run goes on without it if it cannot listen. */
async function dashboardWatcher(config: PaperConfig, logger: Logger): Promise<NonNullable<PaperOptions['onRunning']>> {
  const { startDashboard } = await import('./dashboard.ts');
  const settings = config.dashboard!;
  return async (run) => {
    const start = (port: number) => startDashboard(run, { host: settings.host, port, token: settings.token, logger });
    let served;
    try {
      served = await start(settings.port);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
      logger.warn({ port: settings.port }, 'dashboard port in use; serving on a free port instead');
      served = await start(0);
    }
    return () => served.close();
  };
}
