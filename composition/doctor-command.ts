import { createHmac } from 'node:crypto';
import { lookup } from 'node:dns/promises';
import { existsSync } from 'node:fs';
import { statfs } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import WebSocket from 'ws';
import { BYBIT_MAINNET_URL, BYBIT_TESTNET_URL, ConfigError, type PaperConfig } from './config.ts';
import type { LiveConfig } from './live-config.ts';
import { openCheckedModel } from './checked-model.ts';
import { liveSettings, paperSettings } from './run-command.ts';
import { flag, fromResult, helpLines, readSettings, setting } from './settings.ts';
import { checkDatabase, type Check } from './store-check.ts';

/** A REST base as --rest-url takes it, without its trailing slashes. */
function readRestUrl(v: string): { ok: true; value: string } | { ok: false; error: string } {
  return /^https?:\/\/./.test(v) ? { ok: true, value: v.replace(/\/+$/, '') } : { ok: false, error: `"${v}" is not an http:// or https:// URL` };
}

function readTimeout(v: string): { ok: true; value: number } | { ok: false; error: string } {
  const n = Number(v);
  return Number.isInteger(n) && n >= 100 && n <= 60_000 ? { ok: true, value: n } : { ok: false, error: `"${v}" is not a whole number of milliseconds from 100 to 60000` };
}

/** The doctor's own settings; every other flag goes to the settings of the run checked (paper's, or live's). */
const DOCTOR_SETTINGS = {
  live: flag("check app:live's settings (keys from BYBIT_API_KEY / BYBIT_API_SECRET, mainnet confirmation)"),
  'rest-url': setting(fromResult(readRestUrl), { arg: 'URL', help: "Bybit's REST base to ask (default: the one of the stream's network)" }),
  'timeout-ms': setting(fromResult(readTimeout), { arg: 'N', default: '4000', help: 'how long each network check may take' }),
};

export const DOCTOR_HELP = `ladder doctor [--live] [--rest-url URL] [--timeout-ms N] [the flags of ladder paper, or with --live of ladder live]

Checks what a run would need, without trading, and says what to fix:
  settings   the flags, LADDER_* variables and --config file, as "ladder paper" (or "ladder live") reads them
  database   the --db target answers, and which migrations are applied or pending; an embedded store
             is read from its files (writable, a PostgreSQL data directory, its schema not newer
             than this code) without starting PGlite
  model      the --model directory loads and its features are the engine's
  clock      this machine's clock against the exchange's (Bybit refuses requests more than 5 s off)
  exchange   Bybit's REST API and public stream answer, the instrument's tick and lot are the ones
             Ladder trades with; with --live, the API keys are accepted and may trade
  dns        the stream's host resolves (when the exchange cannot be reached)
  disk       free space where the store writes
Where the exchange cannot be reached, the clock and exchange checks say so; they fail when the run
checked needs Bybit's market data (the default, --source bybit), since it cannot run. The last line
says whether the run checked can run, and which offline commands can when it cannot.

${helpLines(DOCTOR_SETTINGS)}

Exit code 0 when the run checked can run, 1 when a check failed (it cannot).`;

/** `ladder doctor`; writes one line a check (and how to fix a failure) through `out`. */
export async function doctorCommand(args: string[], out: (text: string) => void, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    out(DOCTOR_HELP);
    return 0;
  }
  const { live, restFlag, timeoutMs, rest } = doctorFlags(args);
  const checks: Check[] = [];
  const print = (c: Check): void => {
    checks.push(c);
    out(`  ${c.verdict.padEnd(5)} ${c.name.padEnd(9)} ${c.text}${c.fix === undefined ? '' : `\n  ${''.padEnd(15)} fix: ${c.fix}`}`);
  };
  out(`ladder doctor${live ? ' --live' : ''}`);
  let config: PaperConfig | LiveConfig;
  try {
    const settings = live ? liveSettings(rest, env) : paperSettings(rest, env);
    if (settings === 'help') return 0;
    config = settings;
    print({ name: 'settings', verdict: 'ok', text: `${live ? 'app:live' : 'app:paper'}: source ${config.source}, db ${config.dbText}, model ${config.modelDir}` + (live ? `, ${(config as LiveConfig).network}, keys set` : '') });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    print({ name: 'settings', verdict: 'FAIL', text: error.message, fix: `correct ${error.field} (see "ladder ${live ? 'live' : 'paper'} --help")` });
    return 1;
  }
  // Every check starts at once (the store's may start PGlite, the model's onnxruntime: seconds each);
  // the lines come out in their usual order.
  const failing = (name: string) => (error: unknown): Check => ({ name, verdict: 'FAIL', text: describe(error) });
  const database = checkDatabase(config).catch(failing('database'));
  const model = checkModel(config).catch(failing('model'));
  const network = checkNetwork(config, live, restFlag, timeoutMs);
  const disk = checkDisk(config);
  print(await database);
  print(await model);
  for (const check of await network) print(check);
  print(await disk);
  const failed = checks.filter((c) => c.verdict === 'FAIL');
  const run = live ? 'app:live' : config.source === 'bybit' ? 'app:paper (Bybit\'s public stream, the default of "npm run app:paper")' : `app:paper --source ${config.source}`;
  const offline = failed.every((c) => ['exchange', 'stream', 'dns', 'clock', 'keys'].includes(c.name));
  out(failed.length === 0
    ? `nothing to fix: ${run} can run`
    : `${failed.length} check${failed.length === 1 ? '' : 's'} failed: ${run} cannot run${offline && config.source === 'bybit' ? '; offline runs can: "npm run app:paper -- --source synthetic", ladder backtest, replay and features' : ''}`);
  return failed.length === 0 ? 0 : 1;
}

/** The clock, the exchange, its stream and keys, and DNS where the exchange cannot be reached, in the order printed. */
async function checkNetwork(config: PaperConfig, live: boolean, restFlag: string | null, timeoutMs: number): Promise<Check[]> {
  const checks: Check[] = [];
  const liveRest = live ? (config as LiveConfig).restUrl : null;
  const restBase: string | null = restFlag ?? liveRest ?? restFor(config.url);
  if (restBase === null) {
    checks.push({ name: 'exchange', verdict: 'warn', text: `no REST base known for ${config.url}; give --rest-url to check the clock and the exchange` });
    return checks;
  }
  const time = await checkClock(restBase, timeoutMs);
  checks.push(time);
  if (time.verdict !== 'warn' || !time.text.startsWith('not checked')) {
    checks.push(await checkInstrument(restBase, config, timeoutMs));
    if (config.source === 'bybit') checks.push(await checkStream(config.url, timeoutMs));
    if (live) checks.push(await checkKeys(restBase, config as LiveConfig, timeoutMs));
  } else {
    // Bybit's market data is what the default run (app:paper without flags) needs: unreachable, it cannot run.
    const needed = config.source === 'bybit';
    checks.push({ name: 'exchange', verdict: needed ? 'FAIL' : 'warn', text: `not checked: ${restBase} cannot be reached from here`, fix: 'check the network, or run offline with --source synthetic or --source replay --input FILE' });
    if (needed) {
      checks.push(await checkDns(config.url));
      checks.push(await checkStream(config.url, timeoutMs));
    }
  }
  return checks;
}

function doctorFlags(args: string[]): { live: boolean; restFlag: string | null; timeoutMs: number; rest: string[] } {
  const rest: string[] = [];
  const given: Record<string, unknown> = {};
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const key = a.slice(2);
    const own = a.startsWith('--') && Object.hasOwn(DOCTOR_SETTINGS, key) ? DOCTOR_SETTINGS[key as keyof typeof DOCTOR_SETTINGS] : null;
    if (own === null) rest.push(a);
    else if (own.type === 'boolean') given[key] = true;
    else {
      const v = args[++i];
      if (v === undefined) throw new ConfigError(a, 'needs a value');
      given[key] = v;
    }
  }
  const { live, 'rest-url': restFlag, 'timeout-ms': timeoutMs } = readSettings(DOCTOR_SETTINGS, given);
  // The dashboard is not the doctor's business: never bind its port here.
  return { live, restFlag: restFlag ?? null, timeoutMs, rest: [...rest, '--no-dashboard'] };
}

/** Bybit's REST base for one of its public streams. */
function restFor(streamUrl: string): string | null {
  if (streamUrl === BYBIT_MAINNET_URL) return 'https://api.bybit.com';
  if (streamUrl === BYBIT_TESTNET_URL) return 'https://api-testnet.bybit.com';
  return null;
}

/** The model's own warnings are not the doctor's verdict. */
const QUIET = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

async function checkModel(config: PaperConfig): Promise<Check> {
  const model = await openCheckedModel(config.modelDir, QUIET);
  if (!model.ok) return { name: 'model', verdict: 'FAIL', text: model.error, fix: 'give --model a directory written by "ladder train" or "ladder model baseline"' };
  const { info } = model.value;
  await model.value.close();
  return { name: 'model', verdict: 'ok', text: `${info.id}: ${info.featureNames.length} features, schema ${info.schemaId}, threshold ${Number(info.threshold.toFixed(4))}` };
}

async function getJson(url: string, timeoutMs: number, headers: Record<string, string> = {}): Promise<{ status: number; body: BybitBody }> {
  const response = await fetch(url, { headers, signal: AbortSignal.timeout(timeoutMs) });
  const text = await response.text();
  try {
    return { status: response.status, body: JSON.parse(text) as BybitBody };
  } catch {
    throw new Error(`HTTP ${response.status}, not JSON: ${text.slice(0, 80)}`);
  }
}

interface BybitBody {
  readonly retCode?: number;
  readonly retMsg?: string;
  readonly result?: Record<string, unknown>;
}

async function checkClock(rest: string, timeoutMs: number): Promise<Check> {
  const sent = Date.now();
  let body: BybitBody;
  try {
    body = (await getJson(`${rest}/v5/market/time`, timeoutMs)).body;
  } catch (error) {
    return { name: 'clock', verdict: 'warn', text: `not checked: ${rest} cannot be reached (${describe(error)})` };
  }
  const received = Date.now();
  const nanos = body.result?.timeNano;
  const seconds = body.result?.timeSecond;
  const serverMs = typeof nanos === 'string' ? Number(BigInt(nanos) / 1_000_000n) : Number(seconds) * 1000;
  if (!Number.isFinite(serverMs)) return { name: 'clock', verdict: 'FAIL', text: `the exchange's time answer has no time: ${JSON.stringify(body).slice(0, 120)}` };
  const offset = Math.round((sent + received) / 2 - serverMs);
  const text = `${offset >= 0 ? '+' : ''}${offset} ms against the exchange (round trip ${received - sent} ms)`;
  if (Math.abs(offset) > 5000) return { name: 'clock', verdict: 'FAIL', text, fix: 'synchronise this machine\'s clock (NTP): Bybit refuses signed requests 5 s off' };
  if (Math.abs(offset) > 1000) return { name: 'clock', verdict: 'warn', text, fix: 'synchronise this machine\'s clock (NTP); timestamps in the store are this clock\'s' };
  return { name: 'clock', verdict: 'ok', text };
}

async function checkInstrument(rest: string, config: PaperConfig, timeoutMs: number): Promise<Check> {
  const symbol = config.instrument.symbol;
  try {
    const { body } = await getJson(`${rest}/v5/market/instruments-info?category=linear&symbol=${symbol}`, timeoutMs);
    const list = (body.result?.list ?? []) as { priceFilter?: { tickSize?: string }; lotSizeFilter?: { qtyStep?: string; minOrderQty?: string } }[];
    const spec = list[0];
    if (body.retCode !== 0 || spec === undefined) return { name: 'exchange', verdict: 'FAIL', text: `${symbol} is not listed (${body.retMsg ?? 'no answer'})` };
    const tick = spec.priceFilter?.tickSize;
    const lot = spec.lotSizeFilter?.qtyStep;
    const same = Number(tick) === Number(config.instrument.tickSize) && Number(lot) === Number(config.instrument.lotSize);
    const text = `${rest}: ${symbol} tick ${tick}, lot ${lot}, minimum ${spec.lotSizeFilter?.minOrderQty}`;
    return same
      ? { name: 'exchange', verdict: 'ok', text }
      : { name: 'exchange', verdict: 'warn', text: `${text}; Ladder's built-in spec is tick ${config.instrument.tickSize}, lot ${config.instrument.lotSize}`, fix: 'app:live takes the exchange\'s; replays and features recorded under the old spec differ' };
  } catch (error) {
    return { name: 'exchange', verdict: 'FAIL', text: `${rest}: ${describe(error)}` };
  }
}

function checkStream(url: string, timeoutMs: number): Promise<Check> {
  return new Promise((resolve) => {
    const socket = new WebSocket(url, { handshakeTimeout: timeoutMs });
    const done = (check: Check): void => {
      socket.removeAllListeners();
      socket.on('error', () => undefined);
      socket.terminate();
      resolve(check);
    };
    socket.once('open', () => done({ name: 'stream', verdict: 'ok', text: `${url} accepts a connection` }));
    socket.once('error', (error) => done({ name: 'stream', verdict: 'FAIL', text: `${url}: ${describe(error)}`, fix: 'check the network, or run with --source synthetic or --source replay --input FILE' }));
  });
}

/** A signed read of the key's own permissions (GET /v5/user/query-api): whether the keys work and may trade. */
async function checkKeys(rest: string, config: LiveConfig, timeoutMs: number): Promise<Check> {
  const timestamp = String(Date.now());
  const recvWindow = '5000';
  const apiKey = config.apiKey.reveal();
  const sign = createHmac('sha256', config.apiSecret.reveal()).update(timestamp + apiKey + recvWindow).digest('hex');
  try {
    const { body } = await getJson(`${rest}/v5/user/query-api`, timeoutMs, {
      'X-BAPI-API-KEY': apiKey, 'X-BAPI-TIMESTAMP': timestamp, 'X-BAPI-RECV-WINDOW': recvWindow, 'X-BAPI-SIGN': sign,
    });
    if (body.retCode !== 0) return { name: 'keys', verdict: 'FAIL', text: `refused by ${config.network}: ${body.retMsg ?? 'no reason'} (retCode ${body.retCode})`, fix: `create keys on Bybit's ${config.network} and set BYBIT_API_KEY and BYBIT_API_SECRET` };
    const permissions = (body.result?.permissions ?? {}) as Record<string, string[]>;
    const trade = (permissions.ContractTrade ?? []).length > 0 || (permissions.Derivatives ?? []).length > 0;
    const readOnly = body.result?.readOnly === 1 || body.result?.readOnly === '1';
    if (readOnly || !trade) return { name: 'keys', verdict: 'FAIL', text: `accepted, but ${readOnly ? 'read-only' : 'without contract trading permission'}`, fix: 'give the key "Contract - Orders and Positions" permission' };
    return { name: 'keys', verdict: 'ok', text: `accepted by ${config.network}, may trade contracts` };
  } catch (error) {
    return { name: 'keys', verdict: 'FAIL', text: `${rest}: ${describe(error)}` };
  }
}

/** The stream's host name resolves (a machine without DNS fails here before any connection). */
async function checkDns(url: string): Promise<Check> {
  const host = new URL(url).hostname;
  try {
    const { address } = await lookup(host);
    return { name: 'dns', verdict: 'ok', text: `${host} is ${address}` };
  } catch (error) {
    return { name: 'dns', verdict: 'FAIL', text: `${host} does not resolve (${describe(error)})`, fix: 'check the network and its DNS, or run offline with --source synthetic' };
  }
}

/** Free space where the store and the spill file are written: a full disk stops the writer. */
async function checkDisk(config: PaperConfig): Promise<Check> {
  const where = config.db.kind === 'pglite' && config.db.dataDir !== null ? dirname(resolve(config.db.dataDir)) : process.cwd();
  let dir = where;
  while (!existsSync(dir) && dirname(dir) !== dir) dir = dirname(dir);
  try {
    const s = await statfs(dir);
    const freeMb = Math.floor((s.bavail * s.bsize) / 2 ** 20);
    const text = `${freeMb.toLocaleString('en-US')} MB free in ${dir}`;
    if (freeMb < 100) return { name: 'disk', verdict: 'FAIL', text, fix: 'free some space: the store and the spill file write there' };
    if (freeMb < 1024) return { name: 'disk', verdict: 'warn', text, fix: 'a long run with market data stored needs a few GB' };
    return { name: 'disk', verdict: 'ok', text };
  } catch (error) {
    return { name: 'disk', verdict: 'warn', text: `free space in ${dir} unknown (${describe(error)})` };
  }
}

function describe(error: unknown): string {
  const e = error as Error & { cause?: { code?: string; message?: string } };
  return e.cause?.code ?? e.cause?.message ?? e.message;
}
