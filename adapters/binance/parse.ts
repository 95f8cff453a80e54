import { LevelBuffer } from '../../domain/market/level-buffer.ts';
import type { MarketEvent, RawLevel, RawTrade } from '../../domain/market/market-event.ts';
import type { Instrument } from '../../domain/values/instrument.ts';
import { millisToMicros, type Micros } from '../../domain/values/units.ts';
import { ScannedPayload, scanCombinedLine } from './line-scanner.ts';

/**
 * Pure parsing of Binance market-data frames, USD-M futures and spot, into what the depth sync and the
 * rest of the system read. Documents: USD-M "Diff. Book Depth Streams", "How to manage a local order
 * book correctly", "Order Book" (REST), "Individual Symbol Book Ticker Streams"
 * (https://developers.binance.com/docs/derivatives/usds-margined-futures/websocket-market-streams/...),
 * and spot's "WebSocket Streams" (https://developers.binance.com/docs/binance-spot-api-docs/web-socket-streams).
 *
 * A line holds a combined-stream frame `{"stream":"btcusdt@depth@0ms","data":{...}}`, a raw stream
 * payload (`{"e":"depthUpdate",...}`), or the REST depth snapshot `{"lastUpdateId":...,"bids":...,"asks":...}`
 * the capture took to start the book. Never throws: anything not as documented is a `malformed` event
 * whose reason names the first thing found wrong. Prices and sizes stay the strings Binance sent (spot
 * writes 8 decimals, "61837.63000000"); the book puts them on the instrument's grid. Times are ms.
 */
export type BinanceMessage =
  | { readonly kind: 'diff'; readonly diff: DepthDiff }
  | { readonly kind: 'snapshot'; readonly snapshot: DepthSnapshot }
  /** Trades, book tickers, other streams, subscription replies and malformed frames, as market events. */
  | { readonly kind: 'event'; readonly event: MarketEvent };

/** A `depthUpdate`: the levels whose size changed between update ids `U` and `u`, absolute sizes. */
export interface DepthDiff {
  readonly symbol: string;
  /** `U`: first update id in the event. */
  readonly firstId: number;
  /** `u`: final update id in the event. */
  readonly lastId: number;
  /** `pu`: final update id of the previous event (USD-M only; spot diffs chain by `U` = previous `u` + 1). */
  readonly prevId: number | null;
  /** Event time `E`. */
  readonly eventTime: Micros;
  /** Transaction time `T` (USD-M); the event time where absent (spot). */
  readonly txTime: Micros;
  readonly recvTime: Micros;
  /** The strings, or ticks and lots where the line was read onto the instrument's grid (both sides then). */
  readonly bids: readonly RawLevel[] | LevelBuffer;
  readonly asks: readonly RawLevel[] | LevelBuffer;
}

/** The REST depth snapshot (`GET /fapi/v1/depth`, `GET /api/v3/depth`): the book as of `lastUpdateId`. */
export interface DepthSnapshot {
  readonly lastUpdateId: number;
  /** `E` and `T` of USD-M's snapshot; null on spot, whose snapshot carries no time. */
  readonly eventTime: Micros | null;
  readonly txTime: Micros | null;
  readonly recvTime: Micros;
  readonly bids: readonly RawLevel[];
  readonly asks: readonly RawLevel[];
}

type JsonObject = Record<string, unknown>;

/** The payload fields of the line being parsed; reused, as nothing keeps it past `parsePayload`. */
const scanned = new ScannedPayload();

/**
 * With an instrument (`grid`), a diff of its symbol whose levels all lie on its grid carries them as
 * ticks and lots (`LevelBuffer`s), the values the book would have made of the strings.
 */
export function parseBinanceLine(text: string, recvTime: Micros, grid: Instrument | null = null): BinanceMessage {
  // The combined-stream lines a capture is made of (trades, book tickers, diffs) are scanned without
  // JSON.parse, which built an object for every line and every level only for these checks to read
  // them once; the scanner gives the same values, and refuses whatever it does not read as JSON.parse
  // would, which then goes the JSON way.
  const stream = scanCombinedLine(text, scanned, grid);
  if (stream === null) return parseBinanceJson(text, recvTime);
  const result = parsePayload(scanned as unknown as JsonObject, stream, recvTime);
  return typeof result === 'string' ? malformed(result, text, recvTime) : result;
}

/** `parseBinanceLine` by `JSON.parse` alone: any line, and the reference the scanner is held to. */
export function parseBinanceJson(text: string, recvTime: Micros): BinanceMessage {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return malformed('not JSON', text, recvTime);
  }
  if (!isObject(json)) return malformed('not a JSON object', text, recvTime);
  if ('lastUpdateId' in json) {
    const snapshot = parseSnapshot(json, recvTime);
    return typeof snapshot === 'string' ? malformed(`depth snapshot ${snapshot}`, text, recvTime) : { kind: 'snapshot', snapshot };
  }
  // A subscription reply: {"result":null,"id":1}, or an error {"error":{...},"id":1}.
  if ('id' in json && ('result' in json || 'error' in json)) {
    const error = json.error;
    const message = isObject(error) && typeof error.msg === 'string' ? error.msg : '';
    return { kind: 'event', event: { kind: 'control', op: 'subscribe', success: error === undefined, message, recvTime } };
  }
  const stream = typeof json.stream === 'string' ? json.stream : null;
  const payload = stream === null ? json : json.data;
  if (!isObject(payload)) return malformed('a combined-stream frame without a data object', text, recvTime);
  const result = parsePayload(payload, stream, recvTime);
  if (typeof result === 'string') return malformed(result, text, recvTime);
  return result;
}

function parsePayload(data: JsonObject, stream: string | null, recvTime: Micros): BinanceMessage | string {
  const type = data.e;
  if (type === 'depthUpdate') {
    const diff = parseDiff(data, recvTime);
    return typeof diff === 'string' ? `depthUpdate ${diff}` : { kind: 'diff', diff };
  }
  if (type === 'trade') {
    const trade = parseTrade(data, recvTime);
    if (typeof trade === 'string') return `trade ${trade}`;
    // USD-M marks trades that are not the order book's (insurance fund, ADL) with another X.
    if (trade === null) return { kind: 'event', event: { kind: 'ignored', topic: `${stream ?? 'trade'} (not a MARKET trade)`, recvTime } };
    return { kind: 'event', event: { kind: 'trades', trades: [trade] } };
  }
  // Spot's bookTicker payload has no `e`; USD-M's has `"e":"bookTicker"`.
  if (type === 'bookTicker' || (type === undefined && (stream?.endsWith('@bookTicker') ?? ('B' in data && 'A' in data && 'u' in data)))) {
    const ticker = parseBookTicker(data, recvTime);
    return typeof ticker === 'string' ? `bookTicker ${ticker}` : { kind: 'event', event: ticker };
  }
  if (typeof type === 'string' || stream !== null) return { kind: 'event', event: { kind: 'ignored', topic: stream ?? String(type), recvTime } };
  return 'neither a stream payload nor a depth snapshot';
}

function parseDiff(data: JsonObject, recvTime: Micros): DepthDiff | string {
  const { s, U, u, pu, E, T } = data;
  if (typeof s !== 'string') return 'without a string s';
  if (!isInteger(U)) return 'without an integer U';
  if (!isInteger(u)) return 'without an integer u';
  if (u < U) return `whose u ${u} is below its U ${U}`;
  if (pu !== undefined && !isInteger(pu)) return 'whose pu is not an integer';
  if (!isInteger(E)) return 'without an integer E';
  if (T !== undefined && !isInteger(T)) return 'whose T is not an integer';
  const bids = parseLevels(data.b, 'b');
  if (typeof bids === 'string') return bids;
  const asks = parseLevels(data.a, 'a');
  if (typeof asks === 'string') return asks;
  const eventTime = millisToMicros(E);
  return {
    symbol: s,
    firstId: U,
    lastId: u,
    prevId: pu === undefined ? null : pu,
    eventTime,
    txTime: T === undefined ? eventTime : millisToMicros(T),
    recvTime,
    bids,
    asks,
  };
}

function parseSnapshot(json: JsonObject, recvTime: Micros): DepthSnapshot | string {
  const { lastUpdateId, E, T } = json;
  if (!isInteger(lastUpdateId)) return 'without an integer lastUpdateId';
  if (E !== undefined && !isInteger(E)) return 'whose E is not an integer';
  if (T !== undefined && !isInteger(T)) return 'whose T is not an integer';
  // JSON.parse makes no LevelBuffer: the snapshot's levels are strings.
  const bids = parseLevels(json.bids, 'bids') as readonly RawLevel[] | string;
  if (typeof bids === 'string') return bids;
  const asks = parseLevels(json.asks, 'asks') as readonly RawLevel[] | string;
  if (typeof asks === 'string') return asks;
  const eventTime = E === undefined ? null : millisToMicros(E);
  return { lastUpdateId, eventTime, txTime: T === undefined ? eventTime : millisToMicros(T), recvTime, bids, asks };
}

/** `[[price, size], ...]`, both strings; the array itself is returned, not copied. */
function parseLevels(value: unknown, name: string): readonly RawLevel[] | LevelBuffer | string {
  // Read onto the grid by the scanner: every level was a pair of decimal strings.
  if (value instanceof LevelBuffer) return value;
  if (!Array.isArray(value)) return `whose ${name} is not an array`;
  for (let k = 0; k < value.length; k++) {
    const level: unknown = value[k];
    if (!Array.isArray(level) || level.length < 2) return `whose ${name}[${k}] is not a [price, size] pair`;
    if (typeof level[0] !== 'string') return `whose price is not a string at ${name}[${k}]`;
    if (typeof level[1] !== 'string') return `whose size is not a string at ${name}[${k}]`;
  }
  return value as readonly RawLevel[];
}

/**
 * `trade`: `m` true means the buyer was the maker, so the taker sold. USD-M's `X` is MARKET for trades
 * of the order book; other values (INSURANCE_FUND, ADL, NA) are not, and give null.
 */
function parseTrade(data: JsonObject, recvTime: Micros): RawTrade | null | string {
  const { s, t, p, q, T, m, X } = data;
  if (typeof s !== 'string') return 'without a string s';
  if (!isInteger(t)) return 'without an integer trade id t';
  if (typeof p !== 'string') return 'whose price p is not a string';
  if (typeof q !== 'string') return 'whose size q is not a string';
  if (!isInteger(T)) return 'without an integer time T';
  if (typeof m !== 'boolean') return 'without a boolean m';
  if (X !== undefined && X !== 'MARKET') return null;
  return { tradeId: String(t), symbol: s, price: p, size: q, takerSide: m ? 'Sell' : 'Buy', ts: millisToMicros(T), recvTime, blockTrade: false };
}

/**
 * `bookTicker`: best bid and ask as of update id `u`, carried as Bybit's ticker is, with `cs` the
 * update id; spot's carries no time, so its venue time is the receive time.
 */
function parseBookTicker(data: JsonObject, recvTime: Micros): MarketEvent | string {
  const { s, u, b, a, E, T } = data;
  if (typeof s !== 'string') return 'without a string s';
  if (!isInteger(u)) return 'without an integer u';
  if (typeof b !== 'string') return 'whose best bid b is not a string';
  if (typeof a !== 'string') return 'whose best ask a is not a string';
  const time = isInteger(T) ? T : isInteger(E) ? E : null;
  return {
    kind: 'ticker',
    ticker: { symbol: s, bid1Price: b, ask1Price: a, lastPrice: null, fundingRate: null, cs: u, ts: time === null ? recvTime : millisToMicros(time), recvTime },
  };
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value);
}

const malformed = (reason: string, text: string, recvTime: Micros): BinanceMessage => ({
  kind: 'event',
  event: { kind: 'malformed', reason, text, recvTime },
});
