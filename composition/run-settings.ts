import { z } from 'zod';
import { DEFAULT_FEED_QUALITY_FLOOR } from '../domain/market/feed-quality.ts';
import { existsSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { createInstrument, qtyToLots, BTCUSDT_SPEC, type Instrument } from '../domain/values/instrument.ts';
import type { Lots } from '../domain/values/units.ts';
import { DEFAULT_STALE_INTERVALS } from '../application/market-data.ts';
import { parseNatsAddress } from '../adapters/nats/nats-address.ts';
import { duration, flag, fromResult, int, named, number, oneOf, setting, text, type SettingTable } from './settings.ts';

/** The largest --capital: 1e-8 USDT units of ten times it stay below 2^53. */
const MAX_CAPITAL_USDT = 9_000_000;

/**
 * The settings of the trading commands (app:paper, app:live; `ladder backtest` takes a share of
 * them), each declared once: its type, default, unit, check and help line. Flags, LADDER_<FLAG>
 * variables and config-file keys are all read through these declarations; what depends on several
 * settings at once (an order size within the position limit, a token for a public dashboard) is
 * checked in config.ts and live-config.ts.
 */

export const DEFAULT_DB = 'pglite:./data/ladder';
/** The model app:paper runs without --model: trained by `ladder train` on the synthetic market (README, Models). */
export const DEFAULT_MODEL_DIR = 'models/synthetic-gbdt';
/** Where the dashboard listens unless told otherwise. */
export const DEFAULT_DASHBOARD_PORT = 8420;

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const built = createInstrument(BTCUSDT_SPEC);
if (!built.ok) throw new Error(`built-in instrument is invalid: ${JSON.stringify(built.error)}`);
/** The instrument paper runs and backtests trade: BTCUSDT's tick, lot and minimum. */
export const BTCUSDT: Instrument = built.value;

type Read<T> = { ok: true; value: T } | { ok: false; error: string };

/** A quantity in BTC on the instrument's lot grid, at least its minimum, in lots. */
function lots(text: string): Read<Lots> {
  const r = qtyToLots(BTCUSDT, text);
  if (!r.ok) return { ok: false, error: `"${text}" is not a quantity on the ${BTCUSDT.lotSize} grid (${r.error.kind})` };
  if (r.value < BTCUSDT.minLots) return { ok: false, error: `"${text}" is below the minimum quantity ${BTCUSDT.minQty}` };
  return { ok: true, value: r.value };
}

function speed(text: string): Read<number | 'max'> {
  if (text === 'max') return { ok: true, value: 'max' };
  const n = Number(text);
  return Number.isFinite(n) && n > 0 ? { ok: true, value: n } : { ok: false, error: `"${text}" is not a positive number or "max"` };
}

function url(schemes: 'ws' | 'http'): (text: string) => Read<string> {
  const pattern = schemes === 'ws' ? /^wss?:\/\/[^/]/ : /^https?:\/\/[^/]/;
  return (text) => (pattern.test(text) ? { ok: true, value: schemes === 'http' ? text.replace(/\/+$/, '') : text } : { ok: false, error: `"${text}" is not a ${schemes}:// or ${schemes}s:// URL` });
}

function pidFile(text: string): Read<string> {
  if (text.trim() === '') return { ok: false, error: 'must name a file' };
  return existsSync(dirname(text)) ? { ok: true, value: text } : { ok: false, error: `directory not found: ${dirname(text)}` };
}

/** A JSON array of recorded order latencies in µs (at least one, each a non-negative integer). */
function latencyFile(file: string): Read<readonly number[]> {
  let values: unknown;
  try {
    values = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    return { ok: false, error: `cannot read ${file} as JSON: ${(error as Error).message}` };
  }
  if (!Array.isArray(values) || values.length === 0) return { ok: false, error: `${file} must hold a JSON array of latencies in µs` };
  const bad = values.findIndex((v: unknown) => typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0);
  if (bad >= 0) return { ok: false, error: `${file}[${bad}] = ${JSON.stringify(values[bad])} is not a latency in whole µs` };
  return { ok: true, value: values as number[] };
}

/** `--source` of app:paper: a named source, or a JetStream stream's address. */
function paperSource(text: string): Read<string> {
  if (text.startsWith('nats://')) {
    const address = parseNatsAddress(text);
    return address.ok ? { ok: true, value: text } : { ok: false, error: address.error };
  }
  return ['replay', 'bybit', 'synthetic'].includes(text) ? { ok: true, value: text } : { ok: false, error: `"${text}" is not one of replay, bybit, synthetic or a nats:// address` };
}

/** `--source` of app:live: Bybit's public stream, or a JetStream stream a recorder publishes; orders always go to Bybit. */
function liveSource(text: string): Read<string> {
  if (text === 'bybit' || text.startsWith('nats://')) return paperSource(text);
  return { ok: false, error: `app:live takes market data from bybit (the default) or a JetStream stream nats://HOST:PORT/STREAM, not "${text}"` };
}

const delayMs = (): ReturnType<typeof number> => number((n) => n >= 0 && n <= 60_000, 'is not a delay in milliseconds (0 to 60000)');

/** Settings both trading commands take, in the order of their help. */
const SHARED = {
  config: setting(text(), {
    arg: 'FILE',
    help: 'settings from a JSON file, keys named as the flags ({"max-position": "0.01"}); LADDER_CONFIG names one too. Each flag can also come from the environment as LADDER_<FLAG> (LADDER_MAX_POSITION=0.01). The command line wins, then the environment, then the file; an unknown key or a value of the wrong type stops start-up naming it',
  }),
  db: setting(text(), { arg: 'TARGET', help: `${DEFAULT_DB} (default), pglite:memory, none (keeps nothing after the run; during it the ledger is held in memory and grows with the run, so not for a run around the clock) or postgres://user@host:port/db; DATABASE_URL is used when --db is absent` }),
  spill: setting(named('a file'), { arg: 'FILE', help: 'where rows the database cannot take wait for the next start (default: a file under ./data named for the --db target; none for pglite:memory)' }),
  model: setting(text(), {
    arg: 'DIR',
    help: `model directory with model.onnx and manifest.json (default ${DEFAULT_MODEL_DIR}); on SIGHUP the run reloads it from disk and swaps the model in without stopping, if it passes the start-up checks and reads the same feature schema (else the running model stays); "ladder model reload" sends the signal. No SIGHUP on Windows`,
  }),
  'pid-file': setting(fromResult(pidFile), { arg: 'FILE', help: 'write this process\'s id to FILE while the run is under way (for "ladder model reload --pid-file FILE" and "ladder kill --pid-file FILE"); removed at the end' }),
  policy: setting(oneOf(['smart', 'baseline']), {
    arg: 'P',
    default: 'smart',
    help: 'smart (sized by confidence, volatility and depth, worked passively with post-only orders, escalated to market after 300 ms while the signal holds) or baseline (a market order worth 5% of equity per signal); both under the risk manager',
  }),
  // Cash is exact in 1e-8 USDT within 2^53: room for the capital and a run's PnL ten times over.
  capital: setting(number((n) => n > 0, 'is not a positive amount of USDT').pipe(z.number().max(MAX_CAPITAL_USDT, { error: (issue) => `at most ${MAX_CAPITAL_USDT.toLocaleString('en-US')} USDT (cash is kept exact to 1e-8 USDT), not ${String(issue.input)}` })), {
    arg: 'USDT',
    default: '10000',
    help: 'starting equity that sizing and the risk limits relate to',
  }),
  'max-position': setting(fromResult(lots), { arg: 'QTY', default: '0.010', help: 'largest absolute position in BTC' }),
  'order-size': setting(fromResult(lots), { arg: 'QTY', default: '0.002', help: 'size of one order in BTC' }),
  depth: setting(int(1, 1000), { arg: 'N', help: "book depth: Bybit's subscribed depth (1, 50, 200, 1000; default 50); a replay keeps every level sent unless given" }),
  'stale-after': setting(int(1, 100_000), { arg: 'N', default: String(DEFAULT_STALE_INTERVALS), help: 'the book is stale after N push intervals without a book frame' }),
  duration: setting(duration(), { arg: 'D', help: 'stop after D, with its unit: ms, s, m, h or d (e.g. 90s, 15m, 1h): wall time for a live market, market time for the synthetic one; default: until Ctrl-C' }),
  'on-stop': setting(oneOf(['cancel', 'keep']), { arg: 'cancel|keep', default: 'cancel', help: "on Ctrl-C or SIGTERM: cancel the run's open orders, or leave them working" }),
  'trace-sample-rate': setting(number((n) => n >= 0 && n <= 1, 'is not a fraction from 0 to 1'), {
    arg: 'F',
    default: '0.01',
    help: 'share of ticks that cause no order traced anyway, 0 to 1; a tick that causes an order is always traced',
  }),
  'feed-quality-floor': setting(int(0, 100), {
    arg: 'N',
    default: String(DEFAULT_FEED_QUALITY_FLOOR.floor),
    help: 'a minute of market data scoring below N (0 to 100) stops new entries until two minutes in a row score N + 15 (at most 100); 0: never',
  }),
  dashboard: setting(int(0, 65_535), { arg: 'PORT', default: String(DEFAULT_DASHBOARD_PORT), help: "the local web dashboard's port (0 picks a free one; a port in use falls back to a free one, logged)" }),
  'dashboard-host': setting(named('a host or address'), {
    arg: 'HOST',
    default: '127.0.0.1',
    help: 'where the dashboard listens; any other address than this machine\'s needs LADDER_DASHBOARD_TOKEN (16+ characters), which the page then asks for',
  }),
  'no-dashboard': flag('serve no dashboard'),
  'log-level': setting(oneOf(LOG_LEVELS), { arg: 'LEVEL', help: 'debug, info, warn, error or silent (default info, or LOG_LEVEL; logs go to standard error)' }),
  'log-format': setting(oneOf(['pretty', 'json']), {
    arg: 'F',
    help: 'pretty (one readable line a record, prices in USDT and sizes in BTC) or json (one JSON object a line, prices in ticks and sizes in lots as stored); default: pretty on a terminal, json when standard error is piped',
  }),
  json: flag('print the summary as one JSON line instead of the screen'),
  help: flag('this text', 'h'),
};

/** app:paper's settings. */
export const PAPER_SETTINGS = {
  source: setting(fromResult(paperSource), {
    arg: 'S',
    help: "where market data comes from: bybit (Bybit's live public stream, the default), synthetic (an offline market), replay (a file of recorded frames; the default when --input is given) or nats://HOST:PORT/STREAM (a JetStream stream)",
  }),
  input: setting(text(), { arg: 'FILE', help: 'with replay: recorder lines, bare frame lines or a Bybit dump; gzip and zip allowed' }),
  speed: setting(fromResult(speed), { arg: 'N|max', default: 'max', help: 'replay and synthetic pace: N x real time, or as fast as possible' }),
  seed: setting(int(0, 2 ** 32 - 1), { arg: 'N', default: '1', help: 'synthetic market and simulated latency seed' }),
  testnet: flag("bybit: Bybit's testnet stream instead of mainnet"),
  url: setting(text(), { arg: 'URL', help: 'bybit: another v5 public linear stream URL' }),
  'feed-latency-ms': setting(delayMs(), { arg: 'N', default: '5', help: 'simulated exchange: market data delay, ms' }),
  'order-latency-ms': setting(delayMs(), { arg: 'N', default: '10', help: 'simulated exchange: order delay each way, ms' }),
  'latency-file': setting(fromResult(latencyFile), { arg: 'FILE', help: 'simulated exchange: recorded order delays (a JSON array of µs) sampled by seed; instead of --order-latency-ms' }),
  'taker-fee-ppm': setting(int(-10_000, 10_000), { arg: 'N', default: '550', help: 'simulated exchange: taker fee in parts per million of notional' }),
  'maker-fee-ppm': setting(int(-10_000, 10_000), { arg: 'N', default: '200', help: 'simulated exchange: maker fee in ppm (negative is a rebate)' }),
  ...SHARED,
} satisfies SettingTable;

/** app:live's settings: app:paper's shared ones, and the exchange's. */
export const LIVE_SETTINGS = {
  mainnet: flag("trade on Bybit's mainnet (real money); needs --confirm-mainnet too"),
  'confirm-mainnet': flag('confirms --mainnet (or LADDER_CONFIRM_MAINNET=yes)'),
  testnet: flag('the default; accepted for clarity'),
  source: setting(fromResult(liveSource), {
    arg: 'nats://HOST:PORT/STREAM',
    help: "market data from a JetStream stream a recorder publishes (live tail; orders still go to Bybit; see docs/scale-out.md); default: Bybit's public stream",
  }),
  url: setting(text(), { arg: 'URL', help: 'another v5 public linear stream URL' }),
  'rest-url': setting(fromResult(url('http')), { arg: 'URL', help: 'another Bybit v5 REST base URL (a local test server)' }),
  'private-url': setting(fromResult(url('ws')), { arg: 'URL', help: 'another Bybit v5 private stream URL (a local test server)' }),
  'on-start-orders': setting(oneOf(['cancel', 'adopt']), { arg: 'M', default: 'cancel', help: 'orders open on the exchange at start: cancel or adopt' }),
  'reconcile-every': setting(duration(), { arg: 'D', default: '10s', help: 'reconciliation with the exchange when nothing is in doubt' }),
  'recv-window': setting(int(100, 60_000), { arg: 'MS', default: '5000', help: "Bybit's recv_window for signed requests, ms" }),
  'max-clock-offset': setting(int(0, 3_600_000), { arg: 'MS', default: '10000', help: "refuse to start when the clock is further from Bybit's, ms" }),
  'request-timeout': setting(int(50, 60_000), { arg: 'MS', default: '5000', help: 'how long a REST answer is waited for, ms' }),
  'dcp-window': setting(int(3, 300), { arg: 'S', help: "set Bybit's disconnect-cancel-all to S seconds (3 to 300; not set by default)" }),
  ...SHARED,
} satisfies SettingTable;
