import { parseArgs } from 'node:util';
import type { Logger } from '../application/ports/logger.ts';
import { DEFAULT_DASHBOARD_PORT, DEFAULT_DB, DEFAULT_MODEL_DIR, paperConfig, type PaperConfig, type PaperFlags } from './config.ts';
import { layerConfig, validateLayered, type OptionTable } from './config-sources.ts';
import { liveConfig, type LiveConfig, type LiveFlags } from './live-config.ts';
import type { PaperOptions, PaperResult } from './paper.ts';
import { ALLOW_UNVALIDATED, refuseUnvalidatedModel } from './model-validation.ts';
import { EXIT, printable } from './user-error.ts';
import { normalizeArgs } from './args.ts';
import { noUsableFrame, prescanInput } from './input-check.ts';

/** Flags every trading run takes, app:paper and app:live alike. */
const SHARED_HELP = `  --config FILE          settings from a JSON file, keys named as the flags ({"max-position": "0.01"});
                         LADDER_CONFIG names one too. Each flag can also come from the environment as
                         LADDER_<FLAG> (LADDER_MAX_POSITION=0.01). The command line wins, then the
                         environment, then the file; an unknown key or a value of the wrong type stops
                         start-up naming it
  --db TARGET            ${DEFAULT_DB} (default), pglite:memory, or postgres://user@host:port/db;
                         DATABASE_URL is used when --db is absent
  --spill FILE           where rows the database cannot take wait for the next start (default: a file
                         under ./data named for the --db target; none for pglite:memory)
  --model DIR            model directory with model.onnx and manifest.json (default ${DEFAULT_MODEL_DIR});
                         on SIGHUP the run reloads it from disk and swaps the model in without stopping,
                         if it passes the start-up checks and reads the same feature schema (else the
                         running model stays); "ladder model reload" sends the signal. No SIGHUP on Windows
  --pid-file FILE        write this process's id to FILE while the run is under way (for "ladder model
                         reload --pid-file FILE" and "ladder kill --pid-file FILE"); removed at the end
  --policy P             smart (default: sized by confidence, volatility and depth, worked passively with
                         post-only orders, escalated to market after 300 ms while the signal holds) or
                         baseline (a market order worth 5% of equity per signal); both under the risk manager
  --capital USDT         starting equity that sizing and the risk limits relate to (default 10000)
  --max-position QTY     largest absolute position in BTC (default 0.010)
  --order-size QTY       size of one order in BTC (default 0.002)
  --depth N              book depth: Bybit's subscribed depth (1, 50, 200, 1000; default 50); a replay
                         keeps every level sent unless given
  --stale-after N        the book is stale after N push intervals without a book frame (default 10)
  --duration D           stop after D (e.g. 90s, 15m, 1h); default: until Ctrl-C
  --on-stop cancel|keep  on Ctrl-C or SIGTERM: cancel the run's open orders (default) or leave them working
  --trace-sample-rate F  share of ticks that cause no order traced anyway, 0 to 1 (default 0.01); a tick
                         that causes an order is always traced
  --feed-quality-floor N a minute of market data scoring below N (0 to 100; default 60) stops new
                         entries until two minutes in a row score N + 15 (at most 100); 0: never
  --dashboard PORT       the local web dashboard's port (default ${DEFAULT_DASHBOARD_PORT}; 0 picks a free one; a port
                         in use falls back to a free one, logged)
  --dashboard-host HOST  where the dashboard listens (default 127.0.0.1); any other address needs
                         LADDER_DASHBOARD_TOKEN (16+ characters), which the page then asks for
  --no-dashboard         serve no dashboard
  --log-level LEVEL      debug, info, warn, error or silent (default info; logs go to standard error)
  --json                 print the summary as one JSON line instead of the screen`;

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
  --source S             where market data comes from: bybit (Bybit's live public stream, the default),
                         synthetic (an offline market) or replay (a file of recorded frames; the default
                         when --input is given)
  --input FILE           with replay: recorder lines, bare frame lines or a Bybit dump; gzip and zip allowed
  --speed N|max          replay and synthetic pace: N x real time, or as fast as possible (default max)
  --seed N               synthetic market and simulated latency seed (default 1)
  --testnet              bybit: Bybit's testnet stream instead of mainnet
  --url URL              bybit: another v5 public linear stream URL
  --feed-latency-ms N    simulated exchange: market data delay (default 5)
  --order-latency-ms N   simulated exchange: order delay each way (default 10)
  --latency-file FILE    simulated exchange: recorded order delays (a JSON array of µs) sampled by seed
  --taker-fee-ppm N      simulated exchange: taker fee in parts per million of notional (default 550)
  --maker-fee-ppm N      simulated exchange: maker fee in ppm (default 200; negative is a rebate)
${SHARED_HELP}

${ENDINGS_HELP}`;

export const LIVE_HELP = `ladder live — app:live: the app:paper core with orders on Bybit through ccxt

Bybit's testnet unless both --mainnet and --confirm-mainnet (or LADDER_CONFIRM_MAINNET=yes) are given.
Keys come from the environment only: BYBIT_API_KEY and BYBIT_API_SECRET; they never reach a log line.
Market data is Bybit's public stream of the same network. At start-up the instrument's tick, lot and
minimum come from the exchange, and open orders, fills and the position are reconciled with Bybit's
REST API, again after every reconnect of the private stream. Every order carries an orderLinkId, so a
retried submit can never double it.

Flags:
  --mainnet              trade on Bybit's mainnet (real money); needs --confirm-mainnet too
  --confirm-mainnet      confirms --mainnet (or LADDER_CONFIRM_MAINNET=yes)
  --testnet              the default; accepted for clarity
  --source nats://HOST:PORT/STREAM
                         market data from a JetStream stream a recorder publishes (live tail; orders still
                         go to Bybit; see docs/scale-out.md); default: Bybit's public stream
  --allow-unvalidated    run a model that abstains or whose holdout edge is not positive (refused otherwise)
  --url URL              another v5 public linear stream URL
  --rest-url URL         another Bybit v5 REST base URL (a local test server)
  --private-url URL      another Bybit v5 private stream URL (a local test server)
  --on-start-orders M    orders open on the exchange at start: cancel (the default) or adopt
  --reconcile-every D    reconciliation with the exchange when nothing is in doubt (default 10s)
  --recv-window MS       Bybit's recv_window for signed requests (default 5000)
  --max-clock-offset MS  refuse to start when the clock is further from Bybit's (default 10000)
  --request-timeout MS   how long a REST answer is waited for (default 5000)
  --dcp-window S         set Bybit's disconnect-cancel-all to S seconds (3 to 300; not set by default)
${SHARED_HELP}

${ENDINGS_HELP}

Check the setup first with "ladder doctor --live".`;

const SHARED_OPTIONS = {
  config: { type: 'string' },
  duration: { type: 'string' },
  url: { type: 'string' },
  db: { type: 'string' },
  spill: { type: 'string' },
  model: { type: 'string' },
  'pid-file': { type: 'string' },
  'max-position': { type: 'string' },
  'order-size': { type: 'string' },
  depth: { type: 'string' },
  'stale-after': { type: 'string' },
  policy: { type: 'string' },
  capital: { type: 'string' },
  'on-stop': { type: 'string' },
  'trace-sample-rate': { type: 'string' },
  'feed-quality-floor': { type: 'string' },
  dashboard: { type: 'string' },
  'dashboard-host': { type: 'string' },
  'no-dashboard': { type: 'boolean' },
  'log-level': { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export const PAPER_OPTIONS = {
  ...SHARED_OPTIONS,
  source: { type: 'string' },
  input: { type: 'string' },
  speed: { type: 'string' },
  seed: { type: 'string' },
  testnet: { type: 'boolean' },
  'taker-fee-ppm': { type: 'string' },
  'maker-fee-ppm': { type: 'string' },
  'feed-latency-ms': { type: 'string' },
  'order-latency-ms': { type: 'string' },
  'latency-file': { type: 'string' },
} as const satisfies OptionTable;

export const LIVE_OPTIONS = {
  ...SHARED_OPTIONS,
  source: { type: 'string' },
  testnet: { type: 'boolean' },
  mainnet: { type: 'boolean' },
  'confirm-mainnet': { type: 'boolean' },
  'rest-url': { type: 'string' },
  'private-url': { type: 'string' },
  'on-start-orders': { type: 'string' },
  'reconcile-every': { type: 'string' },
  'recv-window': { type: 'string' },
  'max-clock-offset': { type: 'string' },
  'request-timeout': { type: 'string' },
  'dcp-window': { type: 'string' },
} as const satisfies OptionTable;

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
  const [{ createPinoLogger }, { formatSummary }] = await Promise.all([import('../adapters/log/pino-logger.ts'), import('./format-summary.ts')]);
  // Readable lines on a terminal; JSON when standard error is piped or logged (LADDER_LOG_FORMAT=json forces it).
  const format = process.env.LADDER_LOG_FORMAT === 'json' || process.stderr.isTTY !== true ? 'json' : 'human';
  const logger = createPinoLogger({ level: config.logLevel, format });
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
