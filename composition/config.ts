import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { z } from 'zod';
import type { Instrument } from '../domain/values/instrument.ts';
import type { Lots } from '../domain/values/units.ts';
import type { FeeSchedule } from '../domain/trading/fees.ts';
import type { ExecutionSettings } from '../application/execution-types.ts';
import type { PriorsChoice } from './choice-priors.ts';
import { parseDbTarget, type DbTarget } from '../adapters/postgres/db-target.ts';
import type { InputFormat } from '../adapters/replay/input-format.ts';
import { checkInputFile } from './input-check.ts';
import { ConfigError } from './config-error.ts';
import { duration, int, readSettings, type Setting, type SettingTable, type SettingValues } from './settings.ts';
import { BTCUSDT, DEFAULT_DASHBOARD_PORT, DEFAULT_DB, DEFAULT_MODEL_DIR, PAPER_SETTINGS, type LogLevel } from './run-settings.ts';

export { ConfigError };

export { DEFAULT_DASHBOARD_PORT, DEFAULT_DB, DEFAULT_MODEL_DIR, type LogLevel };

/** `nats`: a JetStream stream, given as `--source nats://HOST:PORT/STREAM` (the address is kept in `url`). */
export type Source = 'replay' | 'bybit' | 'synthetic' | 'nats';

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
  /** `--log-format`: readable lines or JSON; absent: readable on a terminal, JSON when piped. */
  readonly logFormat?: 'pretty' | 'json';
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
  /**
   * The paired comparison of `ladder backtest --against-baseline`: each decision told to `record` as
   * it ends, or the decisions of another run executed at market at once instead of this run's signals.
   */
  readonly decisions?: ExecutionSettings['decisions'];
  /** Which captures' execution probes the chooser's priors pool (composition/choice-priors.ts); `held-out` when absent. */
  readonly chooserPriors?: PriorsChoice;
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

/** Where `ladder model baseline` writes the hand-set baseline. */
export const BASELINE_MODEL_DIR = 'models/baseline';

/** Flag values as parsed from the command line, a file or the environment (text, or booleans for flags); absent ones undefined. */
export type PaperFlags = FlagsOf<typeof PAPER_SETTINGS>;

/** What a command line gives for a table of settings, before its schemas read it. */
export type FlagsOf<T extends SettingTable> = { readonly [K in keyof T]?: Exclude<z.input<T[K]['schema']>, undefined> };

/**
 * Validates flags and environment at start-up; the first mistake stops it with the field named.
 * Each value is read through its declaration in run-settings.ts; what follows are the checks that
 * relate several settings, or a setting and the machine.
 */
export function paperConfig(flags: PaperFlags, env: NodeJS.ProcessEnv): PaperConfig {
  const s = readWithLogLevel(PAPER_SETTINGS, flags, env);
  // Live public market data unless a file is given: `npm run app:paper` needs nothing else.
  const nats = s.source?.startsWith('nats://') === true ? s.source : null;
  const source = (nats === null ? (s.source ?? (s.input === undefined ? 'bybit' : 'replay')) : 'nats') as Source;
  const input = s.input ?? '';
  if (source === 'replay') {
    if (input === '') throw new ConfigError('--input', 'required with --source replay: a file of recorded Bybit frames');
    checkInputFile('--input', input);
  } else if (s.input !== undefined) {
    throw new ConfigError('--input', `only goes with --source replay, not --source ${source}`);
  }
  const url = nats ?? streamUrl(s.url, s.testnet);

  const { text: dbText, target: db, field: dbOrigin } = dbTarget(s.db, env);

  // The shipped model is found from wherever ladder runs; a --model path is the user's, relative to here.
  const modelDir = s.model ?? (existsSync(DEFAULT_MODEL_DIR) ? DEFAULT_MODEL_DIR : fileURLToPath(new URL(`../${DEFAULT_MODEL_DIR}`, import.meta.url)));
  if (!existsSync(modelDir)) throw new ConfigError('--model', `model directory not found: ${modelDir}`);

  if (s['order-size'] > s['max-position']) throw new ConfigError('--order-size', 'must not exceed --max-position');

  const bookDepth = s.depth ?? (source === 'replay' || source === 'nats' ? null : 50);
  if (source === 'bybit' && ![1, 50, 200, 1000].includes(bookDepth ?? 0)) {
    throw new ConfigError('--depth', `Bybit's linear order book comes at depth 1, 50, 200 or 1000, not ${bookDepth}`);
  }
  if (s['latency-file'] !== undefined && flags['order-latency-ms'] !== undefined) throw new ConfigError('--latency-file', 'goes instead of --order-latency-ms, not with it');
  return {
    source,
    input,
    speed: s.speed,
    url,
    seed: s.seed,
    durationMs: s.duration ?? null,
    dbText,
    dbOrigin,
    spillPath: spillPathFor(s.spill, db, dbText),
    db,
    modelDir,
    pidFile: s['pid-file'] ?? null,
    instrument: BTCUSDT,
    maxPositionLots: s['max-position'],
    orderLots: s['order-size'],
    bookDepth,
    staleAfter: s['stale-after'],
    fees: { takerPpm: s['taker-fee-ppm'], makerPpm: s['maker-fee-ppm'] },
    logLevel: s['log-level'] ?? 'info',
    ...(s['log-format'] === undefined ? {} : { logFormat: s['log-format'] }),
    json: s.json,
    storeMarketData: true,
    policy: s.policy,
    capitalUsdt: s.capital,
    latency: { feedMicros: Math.round(s['feed-latency-ms'] * 1000), orderMicros: s['latency-file'] ?? Math.round(s['order-latency-ms'] * 1000) },
    traceSampleRate: s['trace-sample-rate'],
    feedQualityFloor: s['feed-quality-floor'],
    onStop: s['on-stop'],
    dashboard: dashboardSettings(s, flags, env),
  };
}

/**
 * `readSettings` with the log level falling back to LOG_LEVEL, named as such when it is the one refused.
 */
export function readWithLogLevel<T extends SettingTable & { 'log-level': Setting }>(table: T, flags: Readonly<Record<string, unknown>>, env: NodeJS.ProcessEnv): SettingValues<T> {
  const fromEnv = flags['log-level'] === undefined && env.LOG_LEVEL !== undefined && env.LOG_LEVEL !== '';
  try {
    return readSettings(table, fromEnv ? { ...flags, 'log-level': env.LOG_LEVEL } : flags);
  } catch (error) {
    if (fromEnv && error instanceof ConfigError && error.field === '--log-level') throw new ConfigError('LOG_LEVEL', error.reason);
    throw error;
  }
}

/** `--dashboard PORT`, `--dashboard-host`, `--no-dashboard`; the token only from LADDER_DASHBOARD_TOKEN. */
function dashboardSettings(s: SettingValues<typeof PAPER_SETTINGS>, flags: PaperFlags, env: NodeJS.ProcessEnv): DashboardConfig | null {
  if (s['no-dashboard']) {
    if (flags.dashboard !== undefined) throw new ConfigError('--no-dashboard', 'give --dashboard or --no-dashboard, not both');
    return null;
  }
  const host = s['dashboard-host'];
  const token = env.LADDER_DASHBOARD_TOKEN === undefined || env.LADDER_DASHBOARD_TOKEN === '' ? null : env.LADDER_DASHBOARD_TOKEN;
  if (token !== null && token.length < 16) throw new ConfigError('LADDER_DASHBOARD_TOKEN', 'must be at least 16 characters');
  if (token === null && !isLoopback(host)) {
    throw new ConfigError('--dashboard-host', `${host} is reachable from other machines: set LADDER_DASHBOARD_TOKEN (16 characters or more) so that the dashboard asks for it`);
  }
  return { host, port: s.dashboard, token };
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
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

/**
 * Helpers for the commands whose flags are not declared in a table yet: each reads one value through
 * the same schema the declared settings use, so that a check is written once.
 */
export function readOne<T>(field: string, schema: z.ZodType<T>, text: string | undefined): T {
  const r = schema.safeParse(text);
  if (!r.success) throw new ConfigError(field, r.error.issues[0].message);
  return r.data;
}

/** `--stale-after N`: push intervals without a book frame before a LIVE book is stale. */
export function staleAfterFlag(text: string | undefined): number {
  return readOne('--stale-after', PAPER_SETTINGS['stale-after'].schema, text);
}

export function speedFlag(text: string): number | 'max' {
  return readOne('--speed', PAPER_SETTINGS.speed.schema, text);
}

/** A duration with its unit ("90s", "15m", "1h", "500ms", "2d"), in milliseconds; see `readDuration`. */
export function durationFlag(field: string, text: string): number {
  return readOne(field, duration(), text);
}

export function intFlag(field: string, text: string, min: number, max: number): number {
  return readOne(field, int(min, max), text);
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
