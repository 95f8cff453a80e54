import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { ConfigError, DEFAULT_DB, DEFAULT_MODEL_DIR, paperConfig } from './config.ts';

const HELP = `ladder — trades the Bybit BTCUSDT perpetual from its L2 order book

Usage: ladder <command> [flags]

Commands:
  paper               run the trading loop on market data with the simulated exchange (app:paper)
  replay              run recorded frames through the book and its integrity checks; prints the touch
  record              record Bybit's public frames to a file, exactly as received
  db                  migrate, status, rollback: the database schema and its migrations
  model               baseline: write the baseline linear model (ONNX + manifest); inspect: print a
                      model's interface and manifest and check it; predict: run it on rows from a file;
                      reload: make a running paper process reload its model (SIGHUP)
  synth               write a synthetic market as recorded Bybit v5 frames (the sample's generator)
  features            export feature vectors (and training labels) to CSV; --list prints the feature table
  train               train a multi-horizon gradient-boosted model on exported features, to ONNX
  backtest            run recorded or synthetic data through the trading path and report PnL, Sharpe, slippage…
  kill                pull the kill switch of a running paper process (SIGUSR2): cancel, flatten, halt
  help                show this help; "ladder <command> --help" shows a command's flags

Run "npm run app:paper -- --source replay --input test/fixtures/btcusdt-sample.jsonl" for a first run.`;

const PAPER_HELP = `ladder paper — app:paper: market data → book → features → model → risk → simulated orders → Postgres

Flags:
  --source S             where market data comes from: replay (a file of recorded frames, the default),
                         bybit (Bybit's live public stream; no keys needed) or synthetic (offline market)
  --input FILE           with replay: recorder lines, bare frame lines or a Bybit dump; gzip and zip allowed
  --speed N|max          replay and synthetic pace: N x real time, or as fast as possible (default max)
  --seed N               synthetic market seed (default 1)
  --duration D           stop a bybit or synthetic run after D (e.g. 90s, 15m, 1h); default: until Ctrl-C
  --testnet              bybit: Bybit's testnet stream instead of mainnet
  --url URL              bybit: another v5 public linear stream URL
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
  --feed-latency-ms N    simulated exchange: market data delay (default 5)
  --order-latency-ms N   simulated exchange: order delay each way (default 10)
  --latency-file FILE    simulated exchange: recorded order delays (a JSON array of µs) sampled by seed
  --max-position QTY     largest absolute position in BTC (default 0.010)
  --order-size QTY       size of one order in BTC (default 0.002)
  --depth N              book depth: Bybit's subscribed depth (1, 50, 200, 1000; default 50); a replay
                         keeps every level sent unless given
  --stale-after N        the book is stale after N push intervals without a book frame (default 10)
  --taker-fee-ppm N      taker fee in parts per million of notional (default 550 = 0.055%)
  --maker-fee-ppm N      maker fee in ppm (default 200 = 0.02%; negative is a rebate)
  --log-level LEVEL      debug, info, warn, error or silent (default info; logs go to standard error)
  --json                 print the summary as one JSON line instead of the screen

On SIGUSR2 ("ladder kill" sends it) the run pulls its kill switch: it cancels every working order, flattens
the position and sends no new order. It keeps running, halted, until stopped (Ctrl-C or SIGTERM), and
stores the decision with its reason among the run's risk events. No SIGUSR2 on Windows.

OpenTelemetry traces are exported over OTLP when OTEL_EXPORTER_OTLP_ENDPOINT is set.`;

const PAPER_OPTIONS = {
  source: { type: 'string' },
  input: { type: 'string' },
  speed: { type: 'string' },
  seed: { type: 'string' },
  duration: { type: 'string' },
  testnet: { type: 'boolean' },
  url: { type: 'string' },
  db: { type: 'string' },
  spill: { type: 'string' },
  model: { type: 'string' },
  'pid-file': { type: 'string' },
  'max-position': { type: 'string' },
  'order-size': { type: 'string' },
  depth: { type: 'string' },
  'stale-after': { type: 'string' },
  'taker-fee-ppm': { type: 'string' },
  'maker-fee-ppm': { type: 'string' },
  policy: { type: 'string' },
  capital: { type: 'string' },
  'feed-latency-ms': { type: 'string' },
  'order-latency-ms': { type: 'string' },
  'latency-file': { type: 'string' },
  'log-level': { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

async function paper(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: PAPER_OPTIONS, strict: true, allowPositionals: false });
  if (values.help === true) {
    console.log(PAPER_HELP);
    return 0;
  }
  const config = paperConfig(values, process.env);
  // The heavy parts (onnxruntime, PGlite, OpenTelemetry) load only once the flags are known good.
  const [{ createPinoLogger }, { runPaper }, { formatSummary }] = await Promise.all([
    import('../adapters/log/pino-logger.ts'),
    import('./paper.ts'),
    import('./format-summary.ts'),
  ]);
  const logger = createPinoLogger({ level: config.logLevel });
  const result = await runPaper(config, {
    logger,
    env: process.env,
    onStop: (stop) => {
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    },
    onReload: (reload) => {
      process.on('SIGHUP', reload);
      return () => process.off('SIGHUP', reload);
    },
  });
  if (config.json) {
    console.log(JSON.stringify({ runId: result.runId, ...result.summary, stored: result.stored }));
  } else {
    console.log(formatSummary(result));
  }
  return 0;
}

export async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        console.log(HELP);
        return 0;
      case 'paper':
        return await paper(rest);
      case 'db':
        return await (await import('./commands.ts')).dbCommand(rest);
      case 'model':
        return await (await import('./model-command.ts')).modelCommand(rest, (text) => process.stdout.write(`${text}\n`));
      case 'replay':
        return await (await import('./replay-command.ts')).replayCommand(rest, (text) => process.stdout.write(`${text}\n`));
      case 'record':
        return await (await import('./record-command.ts')).recordCommand(rest);
      case 'synth':
        return (await import('./commands.ts')).synthCommand(rest);
      case 'features':
        return await (await import('./features-command.ts')).featuresCommand(rest, (text) => process.stdout.write(`${text}\n`));
      case 'backtest':
        return await (await import('./backtest-command.ts')).backtestCommand(rest, (text) => process.stdout.write(`${text}\n`));
      case 'train':
        return await (await import('./train-command.ts')).trainCommand(rest, (text) => process.stdout.write(`${text}\n`));
      case 'kill':
        return (await import('./kill-command.ts')).killCommand(rest, (text) => process.stdout.write(`${text}\n`));
      default:
        console.error(`ladder: unknown command "${command}"\n\n${HELP}`);
        return 2;
    }
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`ladder: ${error.message}`);
      return 2;
    }
    if (error instanceof TypeError && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS')) {
      console.error(`ladder: ${error.message}`);
      return 2;
    }
    console.error(`ladder: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    return 1;
  }
}
