import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { jsonDecoder, scanningDecoder } from '../../adapters/bybit/frame-decoder.ts';
import { ScannedBook } from '../../adapters/bybit/scanned-book.ts';
import { scanTradesInBybitOrder } from '../../adapters/bybit/trade-fast-path.ts';
import { scanTradesIn, scanTradesInAnyOrder } from '../../adapters/bybit/trade-scanner.ts';
import type { GridTrade, MarketEvent } from '../../domain/market/market-event.ts';
import { tradeFromRaw } from '../../domain/market/trade.ts';
import { formatScaled } from '../../domain/values/decimal.ts';
import type { Micros } from '../../domain/values/units.ts';
import { btc } from '../support/builders.ts';

/*
 * The trade scanner against the JSON path on generated `publicTrade` frames: keys in any order,
 * keys it does not read, whitespace, and values that are odd or wrong in the ways a frame can be.
 * Whatever the scanner reads must be exactly what `parseBybitFrame` and `tradeFromRaw` make of the
 * frame; whatever it leaves goes through the JSON path itself.
 */

const decodeBytes = scanningDecoder(btc).bytes;

/** The event the bytes decoder makes of `text`, given inside a larger buffer as a read chunk holds it. */
function fromBytes(text: string): MarketEvent {
  if (decodeBytes === undefined) throw new Error('the scanning decoder reads bytes');
  const buf = Buffer.from(`123 ${text}\n{"x":1}`);
  return decodeBytes(buf, 4, 4 + Buffer.byteLength(text), 5 as Micros);
}

/** What the rest of the system sees of a trades event: the JSON path's trades as MarketData converts them. */
function seen(e: MarketEvent): unknown {
  switch (e.kind) {
    case 'gridTrades':
      return { trades: e.trades };
    case 'trades':
      return { trades: e.trades.map((r) => tradeFromRaw(btc, r)).map((r) => (r.ok ? r.value : r.error)) };
    default:
      return e;
  }
}

const ENTRY_KEYS = ['T', 's', 'S', 'v', 'p', 'L', 'i', 'BT', 'RPI', 'seq'] as const;
type EntryKey = (typeof ENTRY_KEYS)[number];

/** Values that are wrong, or right in a way the scanner leaves to JSON.parse, for any key. */
const oddValue = fc.constantFrom('null', 'true', 'false', '"1"', '1.0', '1e3', '-1', '-0', '01', '0', '9007199254740993', '9007199254740991',
  '[]', '{}', '[1]', '{"a":1}', '""', '"Buy "', '"buy"', '"Sel\\u006c"', '"BTCUSDT"', '"BTCUSD"', '"ETHUSDT"', '"\\u0042TCUSDT"',
  '"0.001"', '"0.0001"', '"0"', '"0.000"', '"-0.001"', '"1."', '".5"', '"90000.15"', '"90000.1000"', '"1e3"', '"a-é"', '"a\\"b"',
  '"\u0001"', 'tru', 'nul', '1.', '-', '1e', '"publicTrade.BTCUSDT"', '"orderbook.1.BTCUSDT"');
/** Keys the scanner does not read, some of them close to ones it reads. */
const otherKey = fc.constantFrom('TT', 'B', 'BTX', 'Bt', '', 'x', 'mP', 'T ', ' T', 'b', '\\u0054', 'ts', 'topic', 'data', 'é', 'S\\"');

interface EntrySpec {
  readonly ticks: number;
  readonly lots: number;
  readonly trimmed: boolean;
  readonly side: 'Buy' | 'Sell';
  readonly ms: number;
  readonly id: string;
  readonly block: boolean;
  readonly order: readonly EntryKey[];
  readonly extra: readonly (readonly [string, string])[];
  /** One key's value made odd, the key given twice or left out, or its name changed slightly (`value` ignored). */
  readonly odd: { readonly key: EntryKey; readonly value: string; readonly how: 'replace' | 'repeat' | 'drop' | 'rename'; readonly variant: number } | null;
}

const entryArb: fc.Arbitrary<EntrySpec> = fc.record({
  ticks: fc.oneof(fc.integer({ min: 1, max: 2_000_000 }), fc.integer({ min: 1, max: 2 ** 40 })),
  lots: fc.oneof(fc.integer({ min: 1, max: 5000 }), fc.integer({ min: 1, max: 2 ** 40 })),
  trimmed: fc.boolean(),
  side: fc.constantFrom('Buy' as const, 'Sell' as const),
  ms: fc.oneof(fc.integer({ min: 1_600_000_000_000, max: 1_900_000_000_000 }), fc.maxSafeNat()),
  id: fc.oneof(fc.uuid(), fc.stringMatching(/^[\x20-\x21\x23-\x5b\x5d-\x7e]{0,12}$/)),
  block: fc.boolean(),
  order: fc.oneof({ arbitrary: fc.constant([...ENTRY_KEYS]), weight: 2 }, fc.shuffledSubarray([...ENTRY_KEYS], { minLength: ENTRY_KEYS.length })),
  extra: fc.array(fc.tuple(otherKey, fc.oneof(oddValue, fc.constant('"PlusTick"'))), { maxLength: 2 }),
  odd: fc.option(
    fc.record({ key: fc.constantFrom(...ENTRY_KEYS), value: oddValue, how: fc.constantFrom('replace' as const, 'repeat' as const, 'drop' as const, 'rename' as const), variant: fc.nat(4) }),
    { freq: 3 },
  ),
});

const spaceArb = fc.oneof({ arbitrary: fc.constant(''), weight: 12 }, fc.constantFrom(' ', '\n', '\t', '\r\n'));

function renderEntry(e: EntrySpec, w: () => string): string {
  const values: Record<EntryKey, string> = {
    T: String(e.ms),
    s: '"BTCUSDT"',
    S: `"${e.side}"`,
    v: `"${trim(formatScaled(e.lots * btc.lotUnits, btc.qtyScale), e.trimmed)}"`,
    p: `"${trim(formatScaled(e.ticks * btc.tickUnits, btc.priceScale), e.trimmed)}"`,
    L: '"PlusTick"',
    i: JSON.stringify(e.id),
    BT: String(e.block),
    RPI: 'false',
    seq: '400689473819',
  };
  const members: string[] = [];
  for (const key of e.order) {
    const odd = e.odd?.key === key ? e.odd : null;
    if (odd?.how === 'drop') continue;
    const name = odd?.how === 'rename' ? nearMiss(key, odd.variant) : key;
    members.push(`"${name}"${w()}:${w()}${odd?.how === 'replace' ? odd.value : values[key]}`);
    if (odd?.how === 'repeat') members.push(`"${key}":${odd.value}`);
  }
  for (const [key, value] of e.extra) members.splice(members.length > 0 ? e.ms % (members.length + 1) : 0, 0, `"${key}":${value}`);
  return `{${w()}${members.join(`${w()},${w()}`)}${w()}}`;
}

/** A name one byte away from `key`: longer, shorter, or with a letter's case changed. */
function nearMiss(key: string, variant: number): string {
  const swap = (c: string): string => (c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase());
  const names = [`${key}X`, key.length > 1 ? key.slice(0, -1) : 'X', swap(key[0]) + key.slice(1), key.slice(0, -1) + swap(key[key.length - 1]), `X${key}`];
  return names[variant % names.length];
}

function trim(decimal: string, trimmed: boolean): string {
  return trimmed ? decimal.replace(/\.?0+$/, '') : decimal;
}

const frameArb: fc.Arbitrary<FrameSpec> = fc.record({
  entries: fc.array(entryArb, { maxLength: 4 }),
  topOrder: fc.oneof({ arbitrary: fc.constant(['topic', 'type', 'ts', 'data']), weight: 2 }, fc.shuffledSubarray(['topic', 'type', 'ts', 'data'], { minLength: 4 })),
  topic: fc.oneof({ arbitrary: fc.constant('"publicTrade.BTCUSDT"'), weight: 8 }, fc.constantFrom('"publicTrade.ETHUSDT"', '"publicTrades.BTCUSDT"', '"publicTrade"', '"tickers.BTCUSDT"', '1', '"publicTrade.\\u0042TCUSDT"')),
  spaces: fc.array(spaceArb, { minLength: 1, maxLength: 8 }),
});

interface FrameSpec {
  readonly entries: readonly EntrySpec[];
  readonly topOrder: readonly string[];
  readonly topic: string;
  /** Whitespace put at token boundaries in turn; mostly empty, as Bybit sends. */
  readonly spaces: readonly string[];
}

function renderFrame(spec: FrameSpec): string {
  let turn = 0;
  const w = (): string => spec.spaces[turn++ % spec.spaces.length];
  const values: Record<string, string> = {
    topic: spec.topic,
    type: '"snapshot"',
    ts: '1767225600108',
    data: `[${w()}${spec.entries.map((e) => renderEntry(e, w)).join(`${w()},${w()}`)}${w()}]`,
  };
  return `${w()}{${w()}${spec.topOrder.map((key) => `"${key}"${w()}:${w()}${values[key]}`).join(`${w()},${w()}`)}${w()}}${w()}`;
}

const mutation = fc.record({ at: fc.nat(), cut: fc.boolean(), text: fc.constantFrom('', ',', '"', '{', '}', '[', ']', ':', '\\', '\u0000', 'é', ' ', '0') });

describe('the trade scanner against the JSON path', () => {
  test.prop([frameArb], { numRuns: 1000 })('reads every plain frame, and gives what the JSON path and the trade conversion give for any frame', (spec) => {
    const text = renderFrame(spec);
    const event = fromBytes(text);
    const json = jsonDecoder(text, 5 as Micros);
    expect(seen(event)).toEqual(seen(json));
    if (event.kind === 'gridTrades') {
      // Taken only where the JSON path reads trades that all convert.
      expect(json.kind).toBe('trades');
      if (json.kind === 'trades') expect(json.trades.every((r) => tradeFromRaw(btc, r).ok)).toBe(true);
    } else {
      expect(event).toEqual(json);
    }
    const plain = spec.topic === '"publicTrade.BTCUSDT"' && spec.entries.every((e) => e.odd === null && e.extra.length === 0);
    if (plain && Buffer.from(text).toString() === text) expect(event.kind).toBe('gridTrades');
  });

  test.prop([frameArb, mutation], { numRuns: 1000 })('a truncated or garbled frame is left to the JSON path or read as it reads it', (spec, m) => {
    const whole = renderFrame(spec);
    const at = m.at % (whole.length + 1);
    const text = m.cut ? whole.slice(0, at) : whole.slice(0, at) + m.text + whole.slice(at + 1);
    const event = fromBytes(text);
    const json = jsonDecoder(text, 5 as Micros);
    expect(seen(event)).toEqual(seen(json));
    if (event.kind !== 'gridTrades') expect(event).toEqual(json);
  });
});

describe("the trade fast path for Bybit's own spelling against the general scanner", () => {
  /** `scan` on `text` given inside a larger buffer as a read chunk holds it. */
  function scanWith(scan: typeof scanTradesIn, text: string): GridTrade[] | null {
    const buf = Buffer.from(`123 ${text}\n{"x":1}`);
    return scan(buf, new Uint8Array(buf.buffer, buf.byteOffset, buf.length), 4, 4 + Buffer.byteLength(text), 5 as Micros, new ScannedBook(btc));
  }
  /** Zero prices and sizes, and ids of bytes beyond printable ASCII, besides the odd values of any key. */
  const oddEntryValue = fc.oneof(oddValue, { arbitrary: fc.constantFrom('"0"', '"0.0"', '"0.000"', '"00"', '"-0"', '"é"', '"a\u007fb"', '"\u0080"', '"\u00ff"'), weight: 3 });

  test.prop([frameArb, fc.option(mutation, { freq: 2 }), fc.nat(3), fc.array(fc.tuple(fc.nat(3), fc.constantFrom(...ENTRY_KEYS), oddEntryValue), { maxLength: 2 })], { numRuns: 3000 })(
    'gives every frame, in any order, odd or broken, the trades the general scanner gives it',
    (spec, m, shape, odds) => {
      // Mostly in Bybit's order without whitespace, so that the fast path meets the frame.
      const plain = (e: EntrySpec): EntrySpec => ({ ...e, order: [...ENTRY_KEYS], extra: [] });
      let s = shape === 0 ? spec : shape === 1 ? { ...spec, spaces: [''] } : { ...spec, spaces: [''], topOrder: ['topic', 'type', 'ts', 'data'], entries: spec.entries.map(plain) };
      for (const [index, key, text] of odds) {
        const at = index % Math.max(1, s.entries.length);
        if (s.entries.length > 0) s = { ...s, entries: s.entries.map((e, k) => (k === at ? { ...e, odd: { key, value: text, how: 'replace', variant: 0 } } : e)) };
      }
      const whole = renderFrame(s);
      const text = m === null ? whole : m.cut ? whole.slice(0, m.at % (whole.length + 1)) : whole.slice(0, m.at % (whole.length + 1)) + m.text + whole.slice((m.at % (whole.length + 1)) + 1);
      expect(scanWith(scanTradesIn, text)).toEqual(scanWith(scanTradesInAnyOrder, text));
    },
  );

  test.prop([fc.array(entryArb, { maxLength: 4 })])('takes every frame spelled as Bybit spells it', (entries) => {
    const text = renderFrame({ entries: entries.map((e) => ({ ...e, order: [...ENTRY_KEYS], extra: [], odd: null })), topOrder: ['topic', 'type', 'ts', 'data'], topic: '"publicTrade.BTCUSDT"', spaces: [''] });
    const buf = Buffer.from(`${text}\u0000`);
    const trades = scanTradesInBybitOrder(buf, new Uint8Array(buf.buffer, buf.byteOffset, buf.length), 0, buf.length - 1, 5 as Micros, new ScannedBook(btc));
    expect(trades).not.toBeNull();
    expect(trades).toEqual(scanWith(scanTradesInAnyOrder, text));
  });
});
