import { describe, expect, it } from 'vitest';
import { parseBybitFrame } from '../../adapters/bybit/parse.ts';
import type { MarketEvent } from '../../domain/market/market-event.ts';
import { OrderBook } from '../../domain/market/order-book.ts';
import { unwrap } from '../../domain/result.ts';
import { BTCUSDT_SPEC, createInstrument } from '../../domain/values/instrument.ts';
import { micros } from '../../domain/values/units.ts';

const RECV = micros(1_700_000_001_000_500);

/** Frames written in the shape of Bybit's v5 public linear stream (values made up). */
const book = (over: Record<string, unknown> = {}, data: Record<string, unknown> = {}): string =>
  JSON.stringify({
    topic: 'orderbook.200.BTCUSDT',
    type: 'snapshot',
    ts: 1_700_000_001_000,
    data: { s: 'BTCUSDT', b: [['65000.10', '1.500'], ['65000.00', '0.001']], a: [['65000.20', '2.000']], u: 7, seq: 123_456_789_012, ...data },
    cts: 1_700_000_000_998,
    ...over,
  });

const trades = (entry: Record<string, unknown> = {}): string =>
  JSON.stringify({
    topic: 'publicTrade.BTCUSDT',
    type: 'snapshot',
    ts: 1_700_000_002_001,
    data: [
      { T: 1_700_000_002_000, s: 'BTCUSDT', S: 'Buy', v: '0.010', p: '65000.20', L: 'PlusTick', i: 'trade-1', BT: false, RPI: false, seq: 5, ...entry },
      { T: 1_700_000_002_000, s: 'BTCUSDT', S: 'Sell', v: '0.002', p: '65000.10', L: 'MinusTick', i: 'trade-2', BT: true, RPI: false, seq: 6 },
    ],
  });

const ticker = (type: string, data: Record<string, unknown>): string =>
  JSON.stringify({ topic: 'tickers.BTCUSDT', type, data: { symbol: 'BTCUSDT', ...data }, cs: 123_456_789_000, ts: 1_700_000_003_000 });

function reasonOf(event: MarketEvent): string {
  if (event.kind !== 'malformed') throw new Error(`expected malformed, got ${event.kind}`);
  return event.reason;
}

describe('parseBybitFrame market data', () => {
  it('parses an order-book frame, converting ms to µs and keeping the level strings', () => {
    const event = parseBybitFrame(book(), RECV);
    expect(event).toEqual({
      kind: 'book',
      frame: {
        type: 'snapshot',
        symbol: 'BTCUSDT',
        u: 7,
        seq: 123_456_789_012,
        ts: 1_700_000_001_000_000,
        cts: 1_700_000_000_998_000,
        recvTime: RECV,
        bids: [['65000.10', '1.500'], ['65000.00', '0.001']],
        asks: [['65000.20', '2.000']],
      },
    });
  });

  it('parses a delta, with empty sides, and takes ts as cts when cts is absent', () => {
    const event = parseBybitFrame(book({ type: 'delta', cts: undefined }, { b: [], a: [['65000.20', '0']] }), RECV);
    expect(event).toMatchObject({ kind: 'book', frame: { type: 'delta', cts: 1_700_000_001_000_000, bids: [], asks: [['65000.20', '0']] } });
  });

  it('parses public trades', () => {
    const event = parseBybitFrame(trades(), RECV);
    expect(event).toEqual({
      kind: 'trades',
      trades: [
        { tradeId: 'trade-1', symbol: 'BTCUSDT', price: '65000.20', size: '0.010', takerSide: 'Buy', ts: 1_700_000_002_000_000, recvTime: RECV, blockTrade: false },
        { tradeId: 'trade-2', symbol: 'BTCUSDT', price: '65000.10', size: '0.002', takerSide: 'Sell', ts: 1_700_000_002_000_000, recvTime: RECV, blockTrade: true },
      ],
    });
  });

  it('parses a ticker snapshot and a ticker delta, absent fields as null', () => {
    const full = { bid1Price: '65000.10', ask1Price: '65000.20', lastPrice: '65000.20', fundingRate: '0.0001', markPrice: '65001.00' };
    expect(parseBybitFrame(ticker('snapshot', full), RECV)).toEqual({
      kind: 'ticker',
      ticker: { symbol: 'BTCUSDT', bid1Price: '65000.10', ask1Price: '65000.20', lastPrice: '65000.20', fundingRate: '0.0001', cs: 123_456_789_000, ts: 1_700_000_003_000_000, recvTime: RECV },
    });
    expect(parseBybitFrame(ticker('delta', { bid1Price: '65000.00', bid1Size: '3.000' }), RECV)).toMatchObject({
      kind: 'ticker',
      ticker: { bid1Price: '65000.00', ask1Price: null, lastPrice: null, fundingRate: null },
    });
  });
});

describe('parseBybitFrame topics the system does not use', () => {
  it('reads kline and liquidation frames as ignored, not malformed', () => {
    for (const topic of ['kline.1.BTCUSDT', 'allLiquidation.BTCUSDT', 'liquidation.BTCUSDT']) {
      expect(parseBybitFrame(JSON.stringify({ topic, type: 'snapshot', ts: 1, data: [] }), RECV)).toEqual({ kind: 'ignored', topic, recvTime: RECV });
    }
  });
});

describe('parseBybitFrame control replies', () => {
  it('reads subscribe acknowledgements, failures and pongs as control events', () => {
    const ack = '{"success":true,"ret_msg":"","conn_id":"c1","req_id":"","op":"subscribe"}';
    const refused = '{"success":false,"ret_msg":"error:handler not found","conn_id":"c1","req_id":"","op":"subscribe"}';
    const pong = '{"success":true,"ret_msg":"pong","conn_id":"c1","req_id":"","op":"ping"}';
    const spotPong = '{"req_id":"r1","op":"pong","args":["1700000000000"],"conn_id":"c2"}';
    expect(parseBybitFrame(ack, RECV)).toEqual({ kind: 'control', op: 'subscribe', success: true, message: '', recvTime: RECV });
    expect(parseBybitFrame(refused, RECV)).toEqual({ kind: 'control', op: 'subscribe', success: false, message: 'error:handler not found', recvTime: RECV });
    expect(parseBybitFrame(pong, RECV)).toEqual({ kind: 'control', op: 'ping', success: true, message: 'pong', recvTime: RECV });
    expect(parseBybitFrame(spotPong, RECV)).toEqual({ kind: 'control', op: 'pong', success: true, message: '', recvTime: RECV });
  });
});

describe('parseBybitFrame malformed frames', () => {
  it('carries the original text and the receive time', () => {
    expect(parseBybitFrame('{"topic":', RECV)).toEqual({ kind: 'malformed', reason: 'not JSON', text: '{"topic":', recvTime: RECV });
  });

  it.each([
    ['', 'not JSON'],
    ['[1,2]', 'not a JSON object'],
    ['null', 'not a JSON object'],
    ['"orderbook"', 'not a JSON object'],
    ['{"hello":1}', 'neither a topic frame nor an op reply'],
    ['{"success":true}', 'op reply without a string op'],
    ['{"op":"ping","success":"yes"}', 'op reply whose success is not a boolean'],
    [JSON.stringify({ topic: 'foo.BTCUSDT', type: 'snapshot', data: {} }), "unknown topic 'foo.BTCUSDT'"],
    [JSON.stringify({ topic: 'candles.1.BTCUSDT', type: 'snapshot', data: [] }), "unknown topic 'candles.1.BTCUSDT'"],
    ['{"op":"subscribe","success":true,"ret_msg":5}', 'op reply whose ret_msg is not a string'],
    [JSON.stringify({ topic: 7 }), 'neither a topic frame nor an op reply'],
  ])('%s -> %s', (text, reason) => {
    expect(reasonOf(parseBybitFrame(text, RECV))).toBe(reason);
  });

  it.each([
    ['unknown type', book({ type: 'partial' }), 'orderbook frame with unknown type "partial"'],
    ['missing type', book({ type: undefined }), 'orderbook frame with unknown type (absent)'],
    ['a long unknown type', book({ type: 'x'.repeat(60) }), `orderbook frame with unknown type "${'x'.repeat(39)}...`],
    ['string ts', book({ ts: '1700000001000' }), 'orderbook frame without an integer ts'],
    ['fractional cts', book({ cts: 1.5 }), 'orderbook frame whose cts is not an integer'],
    ['no data', book({ data: null }), 'orderbook frame without a data object'],
    ['numeric symbol', book({}, { s: 1 }), 'orderbook frame without a string data.s'],
    ['no bids', book({}, { b: undefined }), 'orderbook frame without data.b'],
    ['asks as an object', book({}, { a: {} }), 'orderbook frame whose data.a is not an array'],
    ['a level of one element', book({}, { b: [['65000.10']] }), 'orderbook frame whose data.b[0] is not a [price, size] pair'],
    ['a numeric price', book({}, { a: [['65000.20', '1.000'], [65000.3, '1.000']] }), 'orderbook frame whose price is not a string at data.a[1]'],
    ['a null size', book({}, { b: [['65000.10', null]] }), 'orderbook frame whose size is not a string at data.b[0]'],
    ['a string u', book({}, { u: '7' }), 'orderbook frame without an integer data.u'],
    ['no seq', book({}, { seq: undefined }), 'orderbook frame without an integer data.seq'],
  ])('rejects an order-book frame with %s', (_name, text, reason) => {
    expect(reasonOf(parseBybitFrame(text, RECV))).toBe(reason);
  });

  it.each([
    ['data as an object', JSON.stringify({ topic: 'publicTrade.BTCUSDT', type: 'snapshot', ts: 1, data: {} }), 'publicTrade frame without a data array'],
    ['an entry that is not an object', JSON.stringify({ topic: 'publicTrade.BTCUSDT', type: 'snapshot', ts: 1, data: [1] }), 'publicTrade frame whose data[0] is not an object'],
    ['an unknown side', trades({ S: 'Short' }), 'publicTrade frame whose data[0] has unknown taker side S "Short"'],
    ['a numeric price', trades({ p: 65000.2 }), 'publicTrade frame whose data[0] price is not a string (p)'],
    ['a numeric size', trades({ v: 0.01 }), 'publicTrade frame whose data[0] size is not a string (v)'],
    ['a numeric id', trades({ i: 42 }), 'publicTrade frame whose data[0] has no string trade id i'],
    ['a string time', trades({ T: '1700000002000' }), 'publicTrade frame whose data[0] has no integer time T'],
    ['no symbol', trades({ s: undefined }), 'publicTrade frame whose data[0] has no string symbol s'],
    ['no block flag', trades({ BT: undefined }), 'publicTrade frame whose data[0] has no boolean block-trade flag BT'],
  ])('rejects a trade frame with %s', (_name, text, reason) => {
    expect(reasonOf(parseBybitFrame(text, RECV))).toBe(reason);
  });

  it.each([
    ['a numeric bid1Price', ticker('delta', { bid1Price: 65000.1 }), 'tickers frame whose bid1Price is not a string'],
    ['a null ask1Price', ticker('delta', { ask1Price: null }), 'tickers frame whose ask1Price is not a string'],
    ['a numeric lastPrice', ticker('delta', { lastPrice: 1 }), 'tickers frame whose lastPrice is not a string'],
    ['a numeric fundingRate', ticker('delta', { fundingRate: 0.0001 }), 'tickers frame whose fundingRate is not a string'],
    ['an unknown type', ticker('update', {}), 'tickers frame with unknown type "update"'],
    ['no cs', JSON.stringify({ topic: 'tickers.BTCUSDT', type: 'delta', data: { symbol: 'BTCUSDT' }, ts: 1 }), 'tickers frame without an integer cs'],
    ['no ts', JSON.stringify({ topic: 'tickers.BTCUSDT', type: 'delta', data: { symbol: 'BTCUSDT' }, cs: 1 }), 'tickers frame without an integer ts'],
    ['no symbol', ticker('delta', { symbol: undefined }), 'tickers frame without a string data.symbol'],
    ['data as an array', JSON.stringify({ topic: 'tickers.BTCUSDT', type: 'delta', data: [], cs: 1, ts: 1 }), 'tickers frame without a data object'],
  ])('rejects a ticker frame with %s', (_name, text, reason) => {
    expect(reasonOf(parseBybitFrame(text, RECV))).toBe(reason);
  });
});

describe('parser and book together', () => {
  it('passes a non-numeric price string through to the book, which rejects it as BadLevel', () => {
    const event = parseBybitFrame(book({}, { b: [['abc', '1.000']] }), RECV);
    if (event.kind !== 'book') throw new Error(`expected a book frame, got ${event.kind}`);
    expect(event.frame.bids).toEqual([['abc', '1.000']]);
    const orderBook = new OrderBook(unwrap(createInstrument(BTCUSDT_SPEC)));
    expect(orderBook.apply(event.frame)).toMatchObject({ ok: false, error: { kind: 'BadLevel', side: 'bid', price: 'abc', field: 'price' } });
    expect(orderBook.hasSnapshot).toBe(false);
  });
});
