import 'reflect-metadata';
import { describeError, EXIT, printable } from './user-error.ts';
import { nearest } from './config-sources.ts';

/** Every command `main` knows, for "did you mean". */
const COMMANDS = ['paper', 'live', 'backtest', 'runs', 'dashboard', 'kill', 'doctor', 'record', 'replay', 'synth', 'features', 'train', 'model', 'report', 'db', 'help', 'version'];

const HELP = `ladder — trades the Bybit BTCUSDT perpetual from its L2 order book

Usage: ladder <command> [flags]; "ladder <command> --help" shows a command's flags.

Trading:
  paper               app:paper: live (or replayed, or synthetic) market data, the simulated exchange
  live                app:live: the same core with orders on Bybit through ccxt (testnet by default)
  backtest            run recorded or synthetic data through the trading path; PnL, Sharpe, slippage…
  sweep               a parameter sweep of backtests as jobs on a NATS work queue; --status: progress, best first
  worker              take sweep jobs from the queue, backtest them, store the results (any number, any machine)
  kill                pull the kill switch of a running paper or live process (SIGUSR2)
  doctor              check settings, database, model, clock and exchange, and say what to fix

Data and models:
  record              record Bybit's public frames to a file, exactly as received (and/or to NATS: --publish)
  publish             put a recording on the market-data bus (a NATS JetStream stream)
  replay              run recorded frames through the book and its integrity checks; prints the touch
  synth               write a synthetic market as recorded Bybit v5 frames
  features            export feature vectors (and training labels); --list prints the feature table
  train               train a multi-horizon gradient-boosted model on exported features, to ONNX
  model               baseline | inspect | predict | reload: write, examine, run or hot-swap a model
  runs                list the stored runs: id, kind, source, start, market time, PnL, how each ended
  report              a run's report: text, or one self-contained HTML page (--html FILE)
  dashboard           serve a stored run's dashboard (--run RUN_ID): price with its orders and fills, equity…
  db                  migrate | status | rollback: the database schema and its migrations
  help [CMD]          this text, or a command's flags

First run: "npm run app:paper" (Bybit's public stream); offline: "npm run app:paper -- --source synthetic".
"ladder help CMD" (or "ladder CMD --help") shows a command's flags; "ladder --version" the version.

Exit codes: 0 done; 1 failed unexpectedly (one line; LADDER_DEBUG=1 prints the trace); 2 a flag, setting,
file or store refused (the one line on standard error names it) or the market unreachable; 3 the run
ended halted (kill switch or circuit breaker: the summary's first line says which); 4 the input file was
cut short (what could be read was processed); 130/143 stopped by SIGINT/SIGTERM after a clean shutdown.`;

export async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case undefined:
      case '--help':
      case '-h':
        console.log(HELP);
        return 0;
      case 'help':
        // `ladder help CMD` is `ladder CMD --help`.
        if (rest[0] !== undefined && rest[0] !== 'help') return await main([rest[0], '--help']);
        console.log(HELP);
        return 0;
      case '--version':
      case '-V':
      case 'version':
        console.log(`ladder ${(await import('./version.ts')).codeVersion()}`);
        return 0;
      case 'paper':
        return await (await import('./run-command.ts')).paperCommand(rest, (text) => process.stdout.write(`${text}\n`));
      case 'live':
        return await (await import('./run-command.ts')).liveCommand(rest, (text) => process.stdout.write(`${text}\n`));
      case 'doctor':
        return await (await import('./doctor-command.ts')).doctorCommand(rest, (text) => process.stdout.write(`${text}\n`));
      case 'runs':
        return await (await import('./runs-command.ts')).runsCommand(rest, (text) => process.stdout.write(`${text}\n`));
      case 'dashboard':
        return await (await import('./dashboard-command.ts')).dashboardCommand(rest, (text) => process.stdout.write(`${text}\n`));
      case 'report':
        return await (await import('./report-command.ts')).reportCommand(rest, (text) => process.stdout.write(`${text}\n`));
      case 'db':
        return await (await import('./commands.ts')).dbCommand(rest);
      case 'model':
        return await (await import('./model-command.ts')).modelCommand(rest, (text) => process.stdout.write(`${text}\n`));
      case 'replay':
        return await (await import('./replay-command.ts')).replayCommand(rest, (text) => process.stdout.write(`${text}\n`));
      case 'record':
        return await (await import('./record-command.ts')).recordCommand(rest);
      case 'publish':
        return await (await import('./publish-command.ts')).publishCommand(rest, (text) => process.stdout.write(`${text}\n`));
      case 'synth':
        return await (await import('./commands.ts')).synthCommand(rest);
      case 'features':
        return await (await import('./features-command.ts')).featuresCommand(rest, (text) => process.stdout.write(`${text}\n`));
      case 'backtest':
        return await (await import('./backtest-command.ts')).backtestCommand(rest, (text) => process.stdout.write(`${text}\n`));
      case 'train':
        return await (await import('./train-command.ts')).trainCommand(rest, (text) => process.stdout.write(`${text}\n`));
      case 'sweep':
        return await (await import('./sweep-command.ts')).sweepCommand(rest, (text) => process.stdout.write(`${text}\n`));
      case 'worker':
        return await (await import('./worker-command.ts')).workerCommand(rest, (text) => process.stdout.write(`${text}\n`));
      case 'kill':
        return (await import('./kill-command.ts')).killCommand(rest, (text) => process.stdout.write(`${text}\n`));
      default: {
        const near = nearest(command, COMMANDS);
        const what = command.startsWith('-') ? 'unknown flag' : 'unknown command';
        console.error(`ladder: ${printable(command, 40)}: ${what}${near === null ? '' : `; did you mean "${near}"?`} ("ladder help" lists the commands)`);
        return EXIT.refused;
      }
    }
  } catch (error) {
    const { line, code, trace } = describeError(error, process.env);
    console.error(line);
    if (trace !== null) console.error(trace);
    return code;
  }
}
