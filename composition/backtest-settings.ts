import { z } from 'zod';
import { int, flag, fromResult, named, oneOf, setting, text, type Setting } from './settings.ts';
import { CALIBRATED_INFORMED_SHARE } from '../adapters/synthetic/market-params.ts';
import { DEFAULT_DB, LOG_LEVELS, PAPER_SETTINGS } from './run-settings.ts';
import { PRIORS_CHOICES } from './choice-priors.ts';

/** `--seed N` or a comma-separated list of seeds (each one run). */
function seeds(text: string): { ok: true; value: number[] } | { ok: false; error: string } {
  const one = int(0, 2 ** 32 - 1);
  const values: number[] = [];
  for (const part of text.split(',').map((p) => p.trim())) {
    const r = one.safeParse(part);
    if (!r.success) return { ok: false, error: r.error.issues[0].message };
    values.push(r.data);
  }
  if (new Set(values).size !== values.length) return { ok: false, error: `"${text}" names a seed twice` };
  return { ok: true, value: values };
}

/** `--input` may be given several times; a config file's key gives one. */
const input: Setting<z.ZodOptional<z.ZodUnion<readonly [z.ZodString, z.ZodArray<z.ZodString>]>>> & { readonly multiple: true } = {
  type: 'string',
  multiple: true,
  schema: z.union([z.string(), z.array(z.string())]).optional(),
  arg: 'FILE…',
  help: "recorded frames (any format ladder replay reads: Bybit v5, Binance USD-M or spot captures), several files or a glob read in order as one stream; the format and, for Binance, the instrument and the venue's fees are told from the data",
};

/**
 * `ladder backtest`'s settings: app:paper's that apply to a run over recorded or synthetic data, and
 * its own. Declared like app:paper's (run-settings.ts): flags, LADDER_<FLAG> and config keys alike.
 */
export const BACKTEST_SETTINGS = {
  config: setting(text(), { arg: 'FILE', help: 'settings from a JSON file, keys named as the flags, as for ladder paper; LADDER_<FLAG> variables too (the command line wins, then the environment, then the file)' }),
  input,
  source: setting(text(), {
    arg: 'S',
    help: 'synthetic (the synthetic order-flow market, for --duration D) or nats://HOST:PORT/STREAM[?start=…&end=…] (the frames a JetStream stream holds, ladder record --publish, from its first to the last stored when the backtest starts unless start= or end= say otherwise); replay when --input is given',
  }),
  duration: setting(PAPER_SETTINGS.duration.schema.unwrap(), { arg: 'D', help: 'with --source synthetic: how much market time to generate, with its unit (e.g. 90s, 15m, 6h)' }),
  seed: setting(fromResult(seeds), { arg: 'N[,N…]', default: '1', help: "the synthetic market's seed, which also seeds the simulated exchange; several seeds are independent runs" }),
  jobs: setting(int(1, 64), {
    arg: 'N',
    help: 'run independent runs N at a time in worker threads (default 1: one by one), and merge their reports. Independent runs: each seed, and each stream of the --input files (a file whose first lines hold a book snapshot starts a stream; one without continues the file before it, as the second half of a capture split at midnight)',
  }),
  'against-baseline': flag('run the baseline policy over the same data too, and report the slippage reduction, the cost a lot change and the Sharpe change against it (under against_baseline); with --db, the run records its baseline\'s id, and "ladder report RUN_ID" shows the comparison'),
  report: setting(named('a file'), {
    arg: 'FILE',
    help: 'write the report as JSON (keys: pnl, sharpe, sortino, max_drawdown, trades, hit_rate, false_signal_rate, signals_resolved, predictions, signals, slippage_bps_mean, slippage_bps_p95, fill_rate, fees, turnover, exposure, …)',
  }),
  policy: PAPER_SETTINGS.policy,
  capital: setting(PAPER_SETTINGS.capital.schema.unwrap(), { arg: 'USDT', default: '10000', help: 'starting equity that sizing, returns, drawdown, turnover and exposure relate to' }),
  'feed-latency-ms': PAPER_SETTINGS['feed-latency-ms'],
  'order-latency-ms': PAPER_SETTINGS['order-latency-ms'],
  'latency-file': PAPER_SETTINGS['latency-file'],
  model: setting(text(), { arg: 'DIR', help: 'the model (default: the default model)' }),
  db: setting(text(), { arg: 'TARGET', help: `where the run is stored, as for ladder paper: DATABASE_URL when --db is absent, else ${DEFAULT_DB}; "ladder runs" lists what is stored there. none keeps nothing after the run (during it the ledger is held in memory)` }),
  'store-market': flag('store the run\'s market data too: every feature vector, public trade and a book snapshot of 25 levels a second (by default only the touch a second, for the mid that "ladder dashboard --run" draws: the input holds the market, the report does not read it)'),
  'informed-share': setting(text(), {
    arg: 'X',
    help: `with --source synthetic: the share of market orders that know the next move (0 to 1, or calibrated: ${CALIBRATED_INFORMED_SHARE}, within the real captures' bounds; docs/synthetic-market.md)`,
  }),
  'chooser-priors': setting(oneOf(PRIORS_CHOICES), {
    arg: 'WHICH',
    default: 'held-out',
    help: "the smart policy's chooser starts from what resting cost on the real captures in ../shared (docs/execution.md): held-out pools every capture's but the one the run reads, all pools every capture's (in-sample)",
  }),
  'max-position': PAPER_SETTINGS['max-position'],
  'order-size': PAPER_SETTINGS['order-size'],
  'taker-fee-ppm': PAPER_SETTINGS['taker-fee-ppm'],
  'maker-fee-ppm': PAPER_SETTINGS['maker-fee-ppm'],
  depth: setting(int(1, 1000), { arg: 'N', help: 'book depth kept (default: every level the data sends)' }),
  'log-level': setting(oneOf(LOG_LEVELS), { arg: 'LEVEL', default: 'warn', help: 'logs on standard error' }),
  quiet: flag('no progress bar on standard error'),
  help: flag('this text', 'h'),
};
