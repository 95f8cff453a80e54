import type {
  BookFrame,
  MarketEvent,
  RawLevel,
  RawTrade,
  TakerSide,
  Ticker,
} from '../../domain/market/market-event.ts';
import { millisToMicros, type Micros } from '../../domain/values/units.ts';

/**
 * Pure parsing of Bybit v5 public frames (https://bybit-exchange.github.io/docs/v5/websocket/public/orderbook,
 * .../public/trade, .../public/ticker) into market events. It never throws: a frame that is not what
 * Bybit documents becomes a `malformed` event whose reason names the first thing found wrong.
 * Every field read is type-checked; prices and sizes stay the strings Bybit sent, for the book and
 * the trade conversion to put on the instrument's grid. Timestamps arrive in milliseconds.
 *
 * Internally each step returns either its value or a reason string, so that no exception and no
 * wrapper object is made per frame; the JSON is parsed once.
 */
export function parseBybitFrame(text: string, recvTime: Micros): MarketEvent {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return malformed('not JSON', text, recvTime);
  }
  let event: MarketEvent | string;
  if (!isObject(json)) {
    event = 'not a JSON object';
  } else if (typeof json.topic === 'string') {
    event = parseTopic(json, json.topic, recvTime);
  } else if ('op' in json || 'success' in json) {
    event = parseControl(json, recvTime);
  } else {
    event = 'neither a topic frame nor an op reply';
  }
  return typeof event === 'string' ? malformed(event, text, recvTime) : event;
}

type JsonObject = Record<string, unknown>;

function parseTopic(frame: JsonObject, topic: string, recvTime: Micros): MarketEvent | string {
  if (topic.startsWith('orderbook.')) {
    const book = parseBook(frame, recvTime);
    return typeof book === 'string' ? `orderbook frame ${book}` : { kind: 'book', frame: book };
  }
  if (topic.startsWith('publicTrade.')) {
    const trades = parseTrades(frame.data, recvTime);
    return typeof trades === 'string' ? `publicTrade frame ${trades}` : { kind: 'trades', trades };
  }
  if (topic.startsWith('tickers.')) {
    const ticker = parseTicker(frame, recvTime);
    return typeof ticker === 'string' ? `tickers frame ${ticker}` : { kind: 'ticker', ticker };
  }
  // Topics Bybit's v5 public stream really publishes that the system does not use: counted as
  // ignored, not as malformed (the shared linear capture holds kline.1 frames beside the book).
  const family = topic.slice(0, topic.indexOf('.'));
  if (IGNORED_TOPICS.has(family)) return { kind: 'ignored', topic, recvTime };
  return `unknown topic '${topic}'`;
}

/** v5 public topic families (docs: WebSocket Stream > Public) that are known but unused. */
const IGNORED_TOPICS = new Set(['kline', 'liquidation', 'allLiquidation', 'kline_lt', 'tickers_lt', 'lt', 'insurance', 'priceLimit', 'adlAlert']);

/**
 * Subscription acknowledgements (`{"success":true,"ret_msg":"","op":"subscribe",...}`) and pongs
 * (`{"success":true,"ret_msg":"pong","op":"ping",...}` on linear; `{"op":"pong","args":[...]}` on
 * spot, which has no `success`: an op reply without it is taken as a success).
 */
function parseControl(frame: JsonObject, recvTime: Micros): MarketEvent | string {
  const op = frame.op;
  if (typeof op !== 'string') return 'op reply without a string op';
  const success = frame.success;
  if (success !== undefined && typeof success !== 'boolean') return 'op reply whose success is not a boolean';
  const message = frame.ret_msg;
  if (message !== undefined && typeof message !== 'string') return 'op reply whose ret_msg is not a string';
  return { kind: 'control', op, success: success ?? true, message: message ?? '', recvTime };
}

function parseBook(frame: JsonObject, recvTime: Micros): BookFrame | string {
  const type = frameType(frame.type);
  if (type === null) return `with unknown type ${show(frame.type)}`;
  const ts = frame.ts;
  if (!isInteger(ts)) return 'without an integer ts';
  // The matching engine's time; Bybit's documented frames carry it, older dumps may not.
  const cts = frame.cts === undefined ? ts : frame.cts;
  if (!isInteger(cts)) return 'whose cts is not an integer';
  const data = frame.data;
  if (!isObject(data)) return 'without a data object';
  if (typeof data.s !== 'string') return 'without a string data.s';
  const bids = parseLevels(data.b, 'b');
  if (typeof bids === 'string') return bids;
  const asks = parseLevels(data.a, 'a');
  if (typeof asks === 'string') return asks;
  if (!isInteger(data.u)) return 'without an integer data.u';
  if (!isInteger(data.seq)) return 'without an integer data.seq';
  return {
    type,
    symbol: data.s,
    u: data.u,
    seq: data.seq,
    ts: millisToMicros(ts),
    cts: millisToMicros(cts),
    recvTime,
    bids,
    asks,
  };
}

/** `[[price, size], ...]`, both strings; the array itself is returned, not copied. */
function parseLevels(value: unknown, name: 'a' | 'b'): readonly RawLevel[] | string {
  if (value === undefined) return `without data.${name}`;
  if (!Array.isArray(value)) return `whose data.${name} is not an array`;
  for (let k = 0; k < value.length; k++) {
    const level: unknown = value[k];
    // Exactly [price, size] today; a longer entry still carries those two first.
    if (!Array.isArray(level) || level.length < 2) return `whose data.${name}[${k}] is not a [price, size] pair`;
    if (typeof level[0] !== 'string') return `whose price is not a string at data.${name}[${k}]`;
    if (typeof level[1] !== 'string') return `whose size is not a string at data.${name}[${k}]`;
  }
  return value as readonly RawLevel[];
}

function parseTrades(data: unknown, recvTime: Micros): RawTrade[] | string {
  if (!Array.isArray(data)) return 'without a data array';
  const trades = new Array<RawTrade>(data.length);
  for (let k = 0; k < data.length; k++) {
    const trade = parseTrade(data[k], recvTime);
    if (typeof trade === 'string') return `whose data[${k}] ${trade}`;
    trades[k] = trade;
  }
  return trades;
}

function parseTrade(entry: unknown, recvTime: Micros): RawTrade | string {
  if (!isObject(entry)) return 'is not an object';
  const { T, s, S, v, p, i, BT } = entry;
  if (!isInteger(T)) return 'has no integer time T';
  if (typeof s !== 'string') return 'has no string symbol s';
  const takerSide = takerSideOf(S);
  if (takerSide === null) return `has unknown taker side S ${show(S)}`;
  if (typeof p !== 'string') return 'price is not a string (p)';
  if (typeof v !== 'string') return 'size is not a string (v)';
  if (typeof i !== 'string') return 'has no string trade id i';
  if (typeof BT !== 'boolean') return 'has no boolean block-trade flag BT';
  return { tradeId: i, symbol: s, price: p, size: v, takerSide, ts: millisToMicros(T), recvTime, blockTrade: BT };
}

/** Tickers come as a snapshot and then deltas holding only the fields that changed. */
function parseTicker(frame: JsonObject, recvTime: Micros): Ticker | string {
  if (frameType(frame.type) === null) return `with unknown type ${show(frame.type)}`;
  if (!isInteger(frame.ts)) return 'without an integer ts';
  if (!isInteger(frame.cs)) return 'without an integer cs';
  const data = frame.data;
  if (!isObject(data)) return 'without a data object';
  if (typeof data.symbol !== 'string') return 'without a string data.symbol';
  const bid1Price = optionalString(data.bid1Price);
  if (bid1Price === undefined) return 'whose bid1Price is not a string';
  const ask1Price = optionalString(data.ask1Price);
  if (ask1Price === undefined) return 'whose ask1Price is not a string';
  const lastPrice = optionalString(data.lastPrice);
  if (lastPrice === undefined) return 'whose lastPrice is not a string';
  const fundingRate = optionalString(data.fundingRate);
  if (fundingRate === undefined) return 'whose fundingRate is not a string';
  return {
    symbol: data.symbol,
    bid1Price,
    ask1Price,
    lastPrice,
    fundingRate,
    cs: frame.cs,
    ts: millisToMicros(frame.ts),
    recvTime,
  };
}

function frameType(value: unknown): BookFrame['type'] | null {
  switch (value) {
    case 'snapshot':
      return 'snapshot';
    case 'delta':
      return 'delta';
    default:
      return null;
  }
}

function takerSideOf(value: unknown): TakerSide | null {
  switch (value) {
    case 'Buy':
      return 'Buy';
    case 'Sell':
      return 'Sell';
    default:
      return null;
  }
}

/** A field absent from a ticker delta is null; present, it must be a string (undefined: it is not). */
function optionalString(value: unknown): string | null | undefined {
  if (value === undefined) return null;
  return typeof value === 'string' ? value : undefined;
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value);
}

/** A short rendering of an unexpected value for a reason text. */
function show(value: unknown): string {
  if (value === undefined) return '(absent)';
  const text = JSON.stringify(value);
  return text.length > 40 ? `${text.slice(0, 40)}...` : text;
}

const malformed = (reason: string, text: string, recvTime: Micros): MarketEvent => ({
  kind: 'malformed',
  reason,
  text,
  recvTime,
});
