import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { jsonDecoder, scanningDecoder } from '../../adapters/bybit/frame-decoder.ts';
import type { MarketEvent } from '../../domain/market/market-event.ts';
import { tradeFromRaw } from '../../domain/market/trade.ts';
import type { Micros } from '../../domain/values/units.ts';
import { btc } from '../support/builders.ts';

const shared = ['linear', 'spot'].map((m) => fileURLToPath(new URL(`../../../shared/data/bybit/${m}-BTCUSDT-orderbook200-trades-tickers.jsonl`, import.meta.url)));
const sample = fileURLToPath(new URL('../fixtures/btcusdt-sample.jsonl', import.meta.url));
const present = shared.filter((p) => existsSync(p));
if (present.length < shared.length) console.warn(`the trade scanner test reads only the project's frames: ${shared.filter((p) => !existsSync(p)).join(', ')} absent`);

const framesOf = (path: string): string[] => readFileSync(path, 'utf8').split('\n').filter((l) => l.length > 0).map((l) => (/^\d+ /.test(l) ? l.slice(l.indexOf(' ') + 1) : l));

/** The event the bytes decoder makes of `text`, given inside a larger buffer as a read chunk holds it. */
function fromBytes(text: string, recvTime: Micros): MarketEvent {
  const bytes = scanningDecoder(btc).bytes;
  if (bytes === undefined) throw new Error('the scanning decoder reads bytes');
  const buf = Buffer.from(`123 ${text}\n{"x":1}`);
  return bytes(buf, 4, 4 + Buffer.byteLength(text), recvTime);
}

/**
 * What the rest of the system sees of an event: grid trades as they are, the JSON path's trades as
 * MarketData converts them (all of them must convert: the scanner takes no frame with a bad trade),
 * a book event by its header (the book scanner's own tests compare levels).
 */
function seen(e: MarketEvent): unknown {
  switch (e.kind) {
    case 'gridTrades':
      return { trades: e.trades };
    case 'trades':
      return { trades: e.trades.map((r) => tradeFromRaw(btc, r)).map((r) => (r.ok ? r.value : r.error)) };
    case 'book':
    case 'gridBook':
      return { kind: 'book', type: e.frame.type, u: e.frame.u, ts: e.frame.ts };
    default:
      return e;
  }
}

const trade = (fields: string): string => `{"topic":"publicTrade.BTCUSDT","type":"snapshot","ts":1700000000001,"data":[{${fields}}]}`;
const FIELDS = '"T":1700000000000,"s":"BTCUSDT","S":"Buy","v":"0.010","p":"90000.10","L":"PlusTick","i":"abc-1","BT":false,"RPI":false,"seq":12';

describe('the trade scanner, from bytes', () => {
  for (const path of [sample, ...present]) {
    it(`gives every frame's trades as the JSON path and the trade conversion give them (${path.split('/').at(-1)})`, () => {
      const frames = framesOf(path);
      let scanned = 0;
      frames.forEach((f, k) => {
        const event = fromBytes(f, k as Micros);
        if (event.kind === 'gridTrades') scanned++;
        expect(seen(event)).toEqual(seen(jsonDecoder(f, k as Micros)));
      });
      // Every trade frame whose trades are all on the instrument's grid is read by the scanner (the spot
      // capture's sizes are finer than the linear instrument's lots: those go to the JSON path).
      const onGrid = frames.filter((f, k) => {
        const e = jsonDecoder(f, k as Micros);
        return e.kind === 'trades' && e.trades.every((r) => tradeFromRaw(btc, r).ok);
      });
      expect(scanned).toBe(onGrid.length);
    });
  }

  it('reads plain frames to the grid, and leaves to the JSON path every frame it does not read in full', () => {
    const read = [
      trade(FIELDS),
      trade(`${FIELDS},"mP":"1.5","x":null,"y":-1.5e-3,"z":true`),
      `{"data":[{${FIELDS}},{${FIELDS.replace('"Buy"', '"Sell"').replace('false', 'true')}}], "topic" : "publicTrade.BTCUSDT"}`,
      '{"topic":"publicTrade.BTCUSDT","data":[]}',
      trade(FIELDS.replace('"90000.10"', '"90000.1000"')),
    ];
    const left = [
      trade(FIELDS.replace('"BTCUSDT"', '"ETHUSDT"')),
      trade(FIELDS.replace('"Buy"', '"Hold"')),
      trade(FIELDS.replace('"BT":false', '"BT":0')),
      trade(FIELDS.replace('1700000000000', '1700000000000.0')),
      trade(FIELDS.replace('1700000000000', '01700000000000')),
      trade(FIELDS.replace('1700000000000', '17000000000000000000')),
      trade(FIELDS.replace('"abc-1"', '"abc\\u002d1"')),
      trade(FIELDS.replace('"abc-1"', '"abc-é"')),
      trade(FIELDS.replace('"0.010"', '"0.000"')),
      trade(FIELDS.replace('"0.010"', '"0.0105"')),
      trade(FIELDS.replace('"90000.10"', '"90000.15"')),
      trade(FIELDS.replace('"90000.10"', '"-90000.10"')),
      trade(FIELDS.replace('"90000.10"', '90000.10')),
      trade(FIELDS.replace(',"i":"abc-1"', '')),
      trade(`${FIELDS},"i":"abc-2"`),
      trade(`${FIELDS},"nested":{"a":1}`),
      trade(FIELDS).replace('"type":"snapshot"', '"type":{"a":[1]}'),
      `${trade(FIELDS)} x`,
      trade(FIELDS).slice(0, -2),
      trade(FIELDS).replace('publicTrade', 'publicTrades'),
      '{"topic":"tickers.BTCUSDT","type":"snapshot","ts":1,"cs":1,"data":{"symbol":"BTCUSDT"}}',
      '{"topic":"publicTrade.BTCUSDT","data":[1]}',
      '{"topic":"publicTrade.BTCUSDT","topic":"publicTrade.BTCUSDT","data":[]}',
      '{}',
    ];
    for (const text of read) {
      const event = fromBytes(text, 5 as Micros);
      expect({ text, kind: event.kind }).toEqual({ text, kind: 'gridTrades' });
      expect(seen(event)).toEqual(seen(jsonDecoder(text, 5 as Micros)));
    }
    for (const text of left) expect({ text, event: fromBytes(text, 5 as Micros) }).toEqual({ text, event: jsonDecoder(text, 5 as Micros) });
    expect(fromBytes(trade(FIELDS), 5 as Micros)).toMatchObject({
      kind: 'gridTrades', trades: [{ tradeId: 'abc-1', symbol: 'BTCUSDT', price: 900001, size: 10, takerSide: 'Buy', ts: 1_700_000_000_000_000, recvTime: 5, blockTrade: false }],
    });
  });
});
