import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { ScannedPayload, scanCombinedLine } from '../../adapters/binance/line-scanner.ts';
import { parseBinanceJson, parseBinanceLine } from '../../adapters/binance/parse.ts';
import type { Micros } from '../../domain/values/units.ts';

const captures = fileURLToPath(new URL('../../../shared/data/binance/', import.meta.url));
const RECV = 1_723_161_255_030_314 as Micros;

/** Values Binance sends, and the odd ones a line may hold instead. */
const decimal = fc.oneof(fc.constantFrom('61800.30', '0.000', '61837.63000000', '12.111', ''), fc.float({ noNaN: true, noDefaultInfinity: true }).map(String));
const id = fc.oneof(fc.nat(), fc.constantFrom(0, 5123107852948, 999999999999999, 1000000000000000, 2 ** 53 + 2));
const odd = fc.constantFrom('null', '1.5', '-3', '1e3', '01', '"a\\"b"', '"\\u0041"', '{}', '[1]', 'tru', ' 1', '"x\ty"', '[["1"]]', '[["1","2","3"]]');
const raw = (v: fc.Arbitrary<unknown>): fc.Arbitrary<string> => fc.oneof({ weight: 6, arbitrary: v.map((x) => JSON.stringify(x)) }, { weight: 1, arbitrary: odd });
const levels = fc.array(fc.tuple(decimal, decimal), { maxLength: 6 });

/** A payload's fields as `key:text` pairs, in Binance's order, some dropped, repeated or added. */
function payload(kind: 'depthUpdate' | 'trade' | 'bookTicker' | 'spotTicker'): fc.Arbitrary<[string, string][]> {
  const fields: Record<string, fc.Arbitrary<string>> = {
    depthUpdate: { e: raw(fc.constant('depthUpdate')), E: raw(id), T: raw(id), s: raw(fc.constant('BTCUSDT')), U: raw(id), u: raw(id), pu: raw(id), b: raw(levels), a: raw(levels) },
    trade: { e: raw(fc.constant('trade')), E: raw(id), T: raw(id), s: raw(fc.constantFrom('BTCUSDT', 'ETHUSDT')), t: raw(id), p: raw(decimal), q: raw(decimal), X: raw(fc.constantFrom('MARKET', 'ADL')), m: raw(fc.boolean()), M: raw(fc.boolean()) },
    bookTicker: { e: raw(fc.constant('bookTicker')), u: raw(id), s: raw(fc.constant('BTCUSDT')), b: raw(decimal), B: raw(decimal), a: raw(decimal), A: raw(decimal), T: raw(id), E: raw(id) },
    spotTicker: { u: raw(id), s: raw(fc.constant('BTCUSDT')), b: raw(decimal), B: raw(decimal), a: raw(decimal), A: raw(decimal) },
  }[kind];
  return fc.tuple(fc.record(fields), fc.subarray(Object.keys(fields), { maxLength: 3 }), fc.option(fc.constantFrom('e', 'u', 'b', 'zz', 'pu')))
    .map(([values, dropped, repeated]) => {
      const entries = Object.entries(values).filter(([k]) => !dropped.includes(k));
      if (repeated !== null) entries.push([repeated, repeated === 'b' ? '[]' : '7']);
      return entries;
    });
}

const streamOf = { depthUpdate: 'btcusdt@depth@0ms', trade: 'btcusdt@trade', bookTicker: 'btcusdt@bookTicker', spotTicker: 'btcusdt@bookTicker' } as const;

/** A combined-stream line as Binance writes it, or close to it. */
const line = fc.constantFrom('depthUpdate', 'trade', 'bookTicker', 'spotTicker').chain((kind) =>
  fc.tuple(payload(kind), fc.constantFrom(streamOf[kind], 'btcusdt@kline_1m', 'a"b')).map(
    ([fields, stream]) => `{"stream":${JSON.stringify(stream)},"data":{${fields.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}}`,
  ),
);

/** The line with one character inserted, removed or replaced, anywhere: whitespace, quotes, brackets, digits. */
const edited = fc.tuple(line, fc.nat(), fc.constantFrom('insert', 'remove', 'replace'), fc.constantFrom(' ', '"', ',', ':', '[', ']', '{', '}', '0', '9', '.', '-', '\\', 'x', '\n')).map(
  ([text, at, how, c]) => {
    const i = at % (text.length + 1);
    if (how === 'insert') return text.slice(0, i) + c + text.slice(i);
    if (how === 'remove') return text.slice(0, i) + text.slice(i + 1);
    return text.slice(0, i) + c + text.slice(i + 1);
  },
);

function expectSameAsJson(text: string): void {
  expect(parseBinanceLine(text, RECV)).toStrictEqual(parseBinanceJson(text, RECV));
}

describe('the Binance line scanner', () => {
  test.prop([line], { numRuns: 3000 })('gives exactly what JSON.parse gives on any combined-stream line', expectSameAsJson);

  test.prop([edited], { numRuns: 3000 })('gives exactly what JSON.parse gives on a line one character off', expectSameAsJson);

  it('reads the lines Binance writes itself, and refuses what it leaves to JSON.parse', () => {
    const out = new ScannedPayload();
    const ticker = '{"stream":"btcusdt@bookTicker","data":{"e":"bookTicker","u":5123107839020,"s":"BTCUSDT","b":"61800.20","B":"2.507","a":"61800.30","A":"2.510","T":1723161256313,"E":1723161256313}}';
    expect(scanCombinedLine(ticker, out)).toBe('btcusdt@bookTicker');
    expect([out.u, out.b, out.E]).toEqual([5123107839020, '61800.20', 1723161256313]);
    const diff = '{"stream":"btcusdt@depth@0ms","data":{"e":"depthUpdate","E":1,"T":1,"s":"BTCUSDT","U":5,"u":6,"pu":4,"b":[["1.0","2"]],"a":[]}}';
    expect(scanCombinedLine(diff, out)).toBe('btcusdt@depth@0ms');
    expect([out.pu, out.b, out.a]).toEqual([4, [['1.0', '2']], []]);
    for (const refused of [
      `${ticker} `,
      ticker.replace('"u":5123107839020', '"u":5123107839020.0'),
      ticker.replace('"u":5123107839020', '"u":9007199254740993'),
      ticker.replace('"s":"BTCUSDT"', '"s":"BTC\\u0055SDT"'),
      ticker.replace('"s":"BTCUSDT"', '"s":null'),
      ticker.replace('"E":1723161256313', '"E":1723161256313,"E":1'),
      '{"lastUpdateId":1,"bids":[],"asks":[]}',
      '{"e":"trade"}',
    ]) expect(scanCombinedLine(refused, out)).toBeNull();
  });

  for (const file of ['usdm-btcusdt-20240808-depth-trade-bookticker.gz', 'usdm-btcusdt-20240719.gz', 'spot-btcusdt-20240808.gz']) {
    it.skipIf(!existsSync(join(captures, file)))(`gives exactly what JSON.parse gives on every line of ${file} (../shared/data)`, () => {
      const lines = gunzipSync(readFileSync(join(captures, file))).toString('utf8').split('\n').filter((l) => l !== '');
      let scanned = 0;
      const out = new ScannedPayload();
      for (const l of lines) {
        const text = l.slice(l.indexOf(' ') + 1);
        if (scanCombinedLine(text, out) !== null) scanned++;
        // Deep equality by hand: expect() on every one of ~10^5 lines would take most of a minute.
        if (!isDeepStrictEqual(parseBinanceLine(text, RECV), parseBinanceJson(text, RECV))) expect.fail(`differs on ${text.slice(0, 200)}`);
      }
      // All but the REST snapshots go through the scanner.
      expect(scanned).toBeGreaterThan(lines.length - 10);
    });
  }
});
