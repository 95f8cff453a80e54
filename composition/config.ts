import { existsSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInstrument, qtyToLots, BTCUSDT_SPEC, type Instrument } from '../domain/values/instrument.ts';
import type { Lots } from '../domain/values/units.ts';
import type { FeeSchedule } from '../domain/trading/fees.ts';
import { DEFAULT_FEED_QUALITY_FLOOR } from '../domain/market/feed-quality.ts';
import { parseDbTarget, type DbTarget } from '../adapters/postgres/db-target.ts';
import { parseNatsAddress } from '../adapters/nats/nats-address.ts';
import { DEFAULT_STALE_INTERVALS } from '../application/market-data.ts';
import type { InputFormat } from '../adapters/replay/input-format.ts';
import { checkInputFile } from './input-check.ts';
import { ConfigError } from './config-error.ts';
import { parseDuration } from './duration.ts';

export { ConfigError };

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';
const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error', 'silent'];

/** `nats`: a JetStream stream, given as `--source nats://HOST:PORT/STREAM` (the address is kept in `url`). */
export type Source = 'replay' | 'bybit' | 'synthetic' | 'nats';
const SOURCES: readonly Source[] = ['replay', 'bybit', 'synthetic'];

export interface PaperConfig {
  readonly source: Source;
  /** The frame file, for `--source replay`; empty otherwise. */
  readonly input: string;
  /** Several frame files read in order as one stream (composition/inputs.ts); absent: `input` alone. */
  readonly inputs?: readonly string[];
  /** What the files hold; absent: told from the first lines of `input`. */
  readonly inputFormat?: InputFormat;
  /** Pace of a replay or synthetic market: N x real time, or 'max'. */
  readonly speed: number | 'max';
  /** Bybit's public WebSocket, for `--source bybit`; the nats:// address, for a JetStream source. */
  readonly url: string;
  /** Seed of the synthetic market. */
  readonly seed: number;
  /** Stop after this many milliseconds (live and synthetic sources); null runs until stopped. */
  readonly durationMs: number | null;
  readonly dbText: string;
  readonly db: DbTarget;
  /** Where the database target came from, to name it in an error: `--db`, `DATABASE_URL` or a config file's key. */
  readonly dbOrigin?: string;
  /**
   * Where rows go that the database cannot take (beyond the writer's memory bound, or at shutdown
   * during an outage), to be written back at the next start; null keeps them in memory only.
   */
  readonly spillPath: string | null;
  readonly modelDir: string;
  /** Where the process writes its id while the run is under way (for `ladder model reload`); null: nowhere. */
  readonly pidFile: string | null;
  readonly instrument: Instrument;
  readonly maxPositionLots: Lots;
  readonly orderLots: Lots;
  readonly bookDepth: number | null;
  /** Push intervals without a book frame after which the book is stale. */
  readonly staleAfter: number;
  readonly fees: FeeSchedule;
  readonly logLevel: LogLevel;
  readonly json: boolean;
  /** How signals become orders: `smart` (sized, passive, escalating) or `baseline` (market, 5% of equity). */
  readonly policy: 'smart' | 'baseline';
  /** Starting equity, USDT: sizing, drawdown and the report's returns relate to it. */
  readonly capitalUsdt: number;
  /**
   * The simulated exchange's delays, µs: feed (market event to the strategy) and order (strategy to
   * matching engine, and back); each a constant or recorded values sampled with the seed.
   */
  readonly latency: { readonly feedMicros: number | readonly number[]; readonly orderMicros: number | readonly number[] };
  /**
   * Store the market data of the run: every feature vector, public trade and book snapshot.
   * `ladder backtest` leaves them out unless asked: its input already holds the market.
   */
  readonly storeMarketData: boolean;
  /** The synthetic market's informed flow (docs/synthetic-market.md); the market's defaults when absent. */
  readonly informedShare?: number;
  /** Share of ticks that cause no order traced anyway (0..1); order-causing ticks are always traced. */
  readonly traceSampleRate: number;
  /** Below this feed-quality score (0–100) new entries stop until the feed recovers; 0 never stops them. */
  readonly feedQualityFloor: number;
  /** On SIGINT/SIGTERM: cancel the run's open orders before exiting (the default), or leave them working. */
  readonly onStop: 'cancel' | 'keep';
  /** The local web dashboard; null: none. */
  readonly dashboard: DashboardConfig | null;
}

export interface DashboardConfig {
  readonly host: string;
  /** 0: any free port. */
  readonly port: number;
  /** Required when the host is not a loopback address; every request must then carry it. */
  readonly token: string | null;
}

/** Where the dashboard listens unless told otherwise. */
export const DEFAULT_DASHBOARD_PORT = 8420;

export const DEFAULT_DB = 'pglite:./data/ladder';
/** The model app:paper runs without --model: trained by `ladder train` on the synthetic market (docs/research.md, "The default model"). */
export const DEFAULT_MODEL_DIR = 'models/synthetic-gbdt';
/** Where `ladder model baseline` writes the hand-set baseline. */
export const BASELINE_MODEL_DIR = 'models/baseline';

/** Flag values as parsed from the command line; absent flags are undefined. */
export interface PaperFlags {
  readonly source?: string;
  readonly input?: string;
  readonly speed?: string;
  readonly testnet?: boolean;
  readonly url?: string;
  readonly seed?: string;
  readonly duration?: string;
  readonly db?: string;
  readonly spill?: string;
  readonly model?: string;
  readonly 'pid-file'?: string;
  readonly 'max-position'?: string;
  readonly 'order-size'?: string;
  readonly depth?: string;
  readonly 'stale-after'?: string;
  readonly 'taker-fee-ppm'?: string;
  readonly 'maker-fee-ppm'?: string;
  readonly 'log-level'?: string;
  readonly json?: boolean;
  readonly policy?: string;
  readonly capital?: string;
  readonly 'feed-latency-ms'?: string;
  readonly 'order-latency-ms'?: string;
  readonly 'latency-file'?: string;
  readonly 'trace-sample-rate'?: string;
  readonly 'feed-quality-floor'?: string;
  readonly 'on-stop'?: string;
  readonly dashboard?: string;
  readonly 'dashboard-host'?: string;
  readonly 'no-dashboard'?: boolean;
}

/** Validates flags and environment at start-up; the first mistake stops it with the field named. */
export function paperConfig(flags: PaperFlags, env: NodeJS.ProcessEnv): PaperConfig {
  // Live public market data unless a file is given: `npm run app:paper` needs nothing else.
  const nats = flags.source?.startsWith('nats://') === true ? flags.source : null;
  const source = (nats === null ? (flags.source ?? (flags.input === undefined ? 'bybit' : 'replay')) : 'nats') as Source;
  if (!SOURCES.includes(source) && nats === null) throw new ConfigError('--source', `"${String(flags.source)}" is not one of ${SOURCES.join(', ')} or a nats:// address`);
  if (nats !== null) {
    const address = parseNatsAddress(nats);
    if (!address.ok) throw new ConfigError('--source', address.error);
  }
  const input = flags.input ?? '';
  if (source === 'replay') {
    if (input === '') throw new ConfigError('--input', 'required with --source replay: a file of recorded Bybit frames');
    checkInputFile('--input', input);
  } else if (flags.input !== undefined) {
    throw new ConfigError('--input', `only goes with --source replay, not --source ${source}`);
  }
  const speed = speedFlag(flags.speed ?? 'max');
  const url = nats ?? streamUrl(flags.url, flags.testnet);
  const seed = intFlag('--seed', flags.seed ?? '1', 0, 2 ** 32 - 1);
  const durationMs = flags.duration === undefined ? null : durationFlag('--duration', flags.duration);

  const { text: dbText, target: db, field: dbOrigin } = dbTarget(flags.db, env);

  // The shipped model is found from wherever ladder runs; a --model path is the user's, relative to here.
  const modelDir = flags.model ?? (existsSync(DEFAULT_MODEL_DIR) ? DEFAULT_MODEL_DIR : fileURLToPath(new URL(`../${DEFAULT_MODEL_DIR}`, import.meta.url)));
  if (!existsSync(modelDir)) throw new ConfigError('--model', `model directory not found: ${modelDir}`);
  const pidFile = flags['pid-file'] ?? null;
  if (pidFile !== null && pidFile.trim() === '') throw new ConfigError('--pid-file', 'must name a file');
  if (pidFile !== null && !existsSync(dirname(pidFile))) throw new ConfigError('--pid-file', `directory not found: ${dirname(pidFile)}`);

  const instrument = createInstrument(BTCUSDT_SPEC);
  if (!instrument.ok) throw new Error(`built-in instrument is invalid: ${JSON.stringify(instrument.error)}`);
  const maxPositionLots = lotsFlag(instrument.value, '--max-position', flags['max-position'] ?? '0.010');
  const orderLots = lotsFlag(instrument.value, '--order-size', flags['order-size'] ?? '0.002');
  if (orderLots > maxPositionLots) throw new ConfigError('--order-size', 'must not exceed --max-position');

  const bookDepth = flags.depth === undefined ? (source === 'replay' || source === 'nats' ? null : 50) : intFlag('--depth', flags.depth, 1, 1000);
  if (source === 'bybit' && ![1, 50, 200, 1000].includes(bookDepth ?? 0)) {
    throw new ConfigError('--depth', `Bybit's linear order book comes at depth 1, 50, 200 or 1000, not ${bookDepth}`);
  }
  const staleAfter = staleAfterFlag(flags['stale-after']);
  const fees: FeeSchedule = {
    takerPpm: intFlag('--taker-fee-ppm', flags['taker-fee-ppm'] ?? '550', -10_000, 10_000),
    makerPpm: intFlag('--maker-fee-ppm', flags['maker-fee-ppm'] ?? '200', -10_000, 10_000),
  };
  const level = flags['log-level'] ?? env.LOG_LEVEL ?? 'info';
  if (!LOG_LEVELS.includes(level as LogLevel)) {
    throw new ConfigError('--log-level', `"${level}" is not one of ${LOG_LEVELS.join(', ')}`);
  }
  return {
    source,
    input,
    speed,
    url,
    seed,
    durationMs,
    dbText,
    dbOrigin,
    spillPath: spillPathFor(flags.spill, db, dbText),
    db,
    modelDir,
    pidFile,
    instrument: instrument.value,
    maxPositionLots,
    orderLots,
    bookDepth,
    staleAfter,
    fees,
    logLevel: level as LogLevel,
    json: flags.json ?? false,
    storeMarketData: true,
    ...executionFlags(flags),
    traceSampleRate: fractionFlag('--trace-sample-rate', flags['trace-sample-rate'] ?? '0.01'),
    feedQualityFloor: intFlag('--feed-quality-floor', flags['feed-quality-floor'] ?? String(DEFAULT_FEED_QUALITY_FLOOR.floor), 0, 100),
    onStop: onStopFlag(flags['on-stop']),
    dashboard: dashboardFlags(flags, env),
  };
}

function fractionFlag(field: string, text: string): number {
  const n = Number(text);
  if (text.trim() === '' || !(n >= 0 && n <= 1)) throw new ConfigError(field, `"${text}" is not a fraction from 0 to 1`);
  return n;
}

function onStopFlag(text: string | undefined): 'cancel' | 'keep' {
  const value = text ?? 'cancel';
  if (value !== 'cancel' && value !== 'keep') throw new ConfigError('--on-stop', `"${value}" is not cancel or keep`);
  return value;
}

/** `--dashboard PORT` (default ${DEFAULT_DASHBOARD_PORT}), `--dashboard-host`, `--no-dashboard`; the token only from LADDER_DASHBOARD_TOKEN. */
function dashboardFlags(flags: PaperFlags, env: NodeJS.ProcessEnv): DashboardConfig | null {
  if (flags['no-dashboard'] === true) {
    if (flags.dashboard !== undefined) throw new ConfigError('--no-dashboard', 'give --dashboard or --no-dashboard, not both');
    return null;
  }
  const port = intFlag('--dashboard', flags.dashboard ?? String(DEFAULT_DASHBOARD_PORT), 0, 65_535);
  const host = flags['dashboard-host'] ?? '127.0.0.1';
  if (host.trim() === '') throw new ConfigError('--dashboard-host', 'must name a host or address');
  const token = env.LADDER_DASHBOARD_TOKEN === undefined || env.LADDER_DASHBOARD_TOKEN === '' ? null : env.LADDER_DASHBOARD_TOKEN;
  if (token !== null && token.length < 16) throw new ConfigError('LADDER_DASHBOARD_TOKEN', 'must be at least 16 characters');
  if (token === null && !isLoopback(host)) {
    throw new ConfigError('--dashboard-host', `${host} is reachable from other machines: set LADDER_DASHBOARD_TOKEN (16 characters or more) so that the dashboard asks for it`);
  }
  return { host, port, token };
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** The largest --capital: 1e-8 USDT units of ten times it stay below 2^53. */
const MAX_CAPITAL_USDT = 9_000_000;

function executionFlags(flags: PaperFlags): Pick<PaperConfig, 'policy' | 'capitalUsdt' | 'latency'> {
  const policy = flags.policy ?? 'smart';
  if (policy !== 'smart' && policy !== 'baseline') throw new ConfigError('--policy', `"${policy}" is not smart or baseline`);
  const capitalUsdt = flags.capital === undefined ? 10_000 : Number(flags.capital);
  if (!(capitalUsdt > 0 && Number.isFinite(capitalUsdt))) throw new ConfigError('--capital', `"${flags.capital}" is not a positive amount of USDT`);
  // Cash is exact in 1e-8 USDT within 2^53: room for the capital and a run's PnL ten times over.
  if (capitalUsdt > MAX_CAPITAL_USDT) throw new ConfigError('--capital', `at most ${MAX_CAPITAL_USDT.toLocaleString('en-US')} USDT (cash is kept exact to 1e-8 USDT), not ${flags.capital}`);
  const ms = (field: string, text: string | undefined, fallback: number): number => {
    if (text === undefined) return fallback * 1000;
    const n = Number(text);
    if (!(n >= 0 && n <= 60_000) || text.trim() === '') throw new ConfigError(field, `"${text}" is not a delay in milliseconds (0 to 60000)`);
    return Math.round(n * 1000);
  };
  const feedMicros = ms('--feed-latency-ms', flags['feed-latency-ms'], 5);
  let orderMicros: number | readonly number[] = ms('--order-latency-ms', flags['order-latency-ms'], 10);
  const file = flags['latency-file'];
  if (file !== undefined) {
    if (flags['order-latency-ms'] !== undefined) throw new ConfigError('--latency-file', 'goes instead of --order-latency-ms, not with it');
    orderMicros = latencyFile(file);
  }
  return { policy, capitalUsdt, latency: { feedMicros, orderMicros } };
}

/** A JSON array of recorded order latencies in µs (at least one, each a non-negative integer). */
function latencyFile(file: string): readonly number[] {
  let values: unknown;
  try {
    values = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ConfigError('--latency-file', `cannot read ${file} as JSON: ${(error as Error).message}`);
  }
  if (!Array.isArray(values) || values.length === 0) throw new ConfigError('--latency-file', `${file} must hold a JSON array of latencies in µs`);
  values.forEach((v: unknown, i) => {
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw new ConfigError('--latency-file', `${file}[${i}] = ${JSON.stringify(v)} is not a latency in whole µs`);
  });
  return values as number[];
}

function lotsFlag(instrument: Instrument, field: string, text: string): Lots {
  const lots = qtyToLots(instrument, text);
  if (!lots.ok) throw new ConfigError(field, `"${text}" is not a quantity on the ${instrument.lotSize} grid (${lots.error.kind})`);
  if (lots.value < instrument.minLots) throw new ConfigError(field, `"${text}" is below the minimum quantity ${instrument.minQty}`);
  return lots.value;
}

/** Bybit v5 public linear streams (docs: WebSocket Stream > Connect). */
export const BYBIT_MAINNET_URL = 'wss://stream.bybit.com/v5/public/linear';
export const BYBIT_TESTNET_URL = 'wss://stream-testnet.bybit.com/v5/public/linear';

/**
 * The database target from `--db`, else `DATABASE_URL`, else the embedded default; a bad one names
 * its source. `none` stores nothing (an in-memory store dropped at the end).
 */
export function dbTarget(flag: string | undefined, env: NodeJS.ProcessEnv): { text: string; target: DbTarget; field: string } {
  // An empty DATABASE_URL is no DATABASE_URL (`DATABASE_URL= ladder …`).
  const url = env.DATABASE_URL === '' ? undefined : env.DATABASE_URL;
  const field = flag !== undefined ? '--db' : url !== undefined ? 'DATABASE_URL' : '--db';
  const text = flag ?? url ?? DEFAULT_DB;
  // `none`: the run keeps nothing; it still goes through a store, in memory, dropped at the end.
  if (text.trim() === 'none') return { text: 'none', target: { kind: 'pglite', dataDir: null }, field };
  const target = parseDbTarget(text);
  if (!target.ok) throw new ConfigError(field, target.error);
  return { text, target: target.value, field };
}

/** Bybit's public stream: `--url` as given (ws:// or wss://), else testnet or mainnet. */
export function streamUrl(url: string | undefined, testnet: boolean | undefined): string {
  if (url !== undefined && testnet === true) throw new ConfigError('--testnet', 'give --url or --testnet, not both');
  const chosen = url ?? (testnet === true ? BYBIT_TESTNET_URL : BYBIT_MAINNET_URL);
  if (!/^wss?:\/\/./.test(chosen)) throw new ConfigError('--url', `"${chosen}" is not a ws:// or wss:// URL`);
  return chosen;
}

/** `--stale-after N`: push intervals without a book frame before a LIVE book is stale. */
export function staleAfterFlag(text: string | undefined): number {
  return text === undefined ? DEFAULT_STALE_INTERVALS : intFlag('--stale-after', text, 1, 100_000);
}

export function speedFlag(text: string): number | 'max' {
  if (text === 'max') return 'max';
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0) throw new ConfigError('--speed', `"${text}" is not a positive number or "max"`);
  return n;
}

/** A duration with its unit ("90s", "15m", "1h", "500ms", "2d"), in milliseconds; see `parseDuration`. */
export function durationFlag(field: string, text: string): number {
  return parseDuration(field, text);
}

export function intFlag(field: string, text: string, min: number, max: number): number {
  if (!/^-?\d+$/.test(text)) throw new ConfigError(field, `"${text}" is not a whole number`);
  const n = Number(text);
  if (n < min || n > max) throw new ConfigError(field, `${n} is outside ${min}..${max}`);
  return n;
}

/**
 * `--spill FILE`, else a file under ./data named for the database target (so a spill is only ever
 * written back to the database it was meant for); none for an in-memory database, which an outage
 * cannot outlive.
 */
export function spillPathFor(flag: string | undefined, db: DbTarget, dbText: string): string | null {
  if (flag !== undefined) {
    if (flag.trim() === '') throw new ConfigError('--spill', 'must name a file');
    return flag;
  }
  if (db.kind === 'pglite' && db.dataDir === null) return null;
  let h = 0x811c9dc5;
  for (let i = 0; i < dbText.length; i++) h = Math.imul(h ^ dbText.charCodeAt(i), 0x01000193) >>> 0;
  return `data/spill-${h.toString(16).padStart(8, '0')}.jsonl`;
}
