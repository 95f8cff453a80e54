/*
 * One file for every property of the order-book scanner, because they share its frame generator
 * (`render`, `frameArb`, the tweaks and mutations): against the JSON path, against the bytes decoder
 * with its pool, and the fixed-order fast path against the general scanner.
 */
import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { parseAndApply } from '../../adapters/bybit/book-reader.ts';
import { scanBookInBybitOrder } from '../../adapters/bybit/book-fast-path.ts';
import { scanBookBytes, scanBookFrame, scanBookInAnyOrder, ScannedBook } from '../../adapters/bybit/book-scanner.ts';
import { LevelPool, scanningDecoder } from '../../adapters/bybit/frame-decoder.ts';
import { parseBybitFrame } from '../../adapters/bybit/parse.ts';
import { readDecimal, readInteger, scanDecimal, scanInteger } from '../../adapters/bybit/scan-primitives.ts';
import type { LevelBuffer } from '../../domain/market/level-buffer.ts';
import type { MarketEvent } from '../../domain/market/market-event.ts';
import { OrderBook, type BookError, type BookUpdate } from '../../domain/market/order-book.ts';
import { unwrap, type Result } from '../../domain/result.ts';
import { createInstrument, type Instrument, type InstrumentSpec } from '../../domain/values/instrument.ts';
import { formatScaled } from '../../domain/values/decimal.ts';
import { micros } from '../../domain/values/units.ts';

/** Grids Bybit really lists (linear BTCUSDT, spot BTCUSDT, linear XRPUSDT), and steps that are not powers of ten. */
const SPECS: InstrumentSpec[] = [
  { symbol: 'BTCUSDT', tickSize: '0.10', lotSize: '0.001', minQty: '0.001' },
  { symbol: 'BTCUSDT', tickSize: '0.01', lotSize: '0.000001', minQty: '0.000001' },
  { symbol: 'XRPUSDT', tickSize: '0.0001', lotSize: '1', minQty: '1' },
  { symbol: 'ETHPERP', tickSize: '0.5', lotSize: '0.05', minQty: '0.05' },
];
const INSTRUMENTS = SPECS.map((spec) => unwrap(createInstrument(spec)));

type DecimalStyle = 'exact' | 'padded' | 'trimmed';

interface LevelSpec {
  readonly ticks: number;
  readonly lots: number;
  readonly priceStyle: DecimalStyle;
  readonly sizeStyle: DecimalStyle;
}

/** One order-book frame to render as text: values, key orders and the whitespace between tokens. */
interface FrameSpec {
  readonly type: 'snapshot' | 'delta';
  readonly depth: number;
  /** Added to the book's last u: 1 is in sequence. */
  readonly uStep: number;
  readonly seq: number;
  readonly tsMs: number;
  readonly ctsMs: number | null;
  readonly bids: readonly LevelSpec[];
  readonly asks: readonly LevelSpec[];
  readonly topOrder: readonly string[];
  readonly dataOrder: readonly string[];
  /** Whitespace put at token boundaries in turn; mostly empty, as Bybit sends. */
  readonly spaces: readonly string[];
}

/** A change that makes a frame text unusual or wrong, applied while rendering. */
type Tweak =
  | { readonly kind: 'level'; readonly side: 'bids' | 'asks'; readonly index: number; readonly field: 0 | 1; readonly text: string }
  | { readonly kind: 'drop'; readonly key: string }
  | { readonly kind: 'value'; readonly key: string; readonly text: string }
  /** The key a second time, with `text` as its value: JSON.parse keeps the last. */
  | { readonly kind: 'repeat'; readonly key: string; readonly text: string };

function decimalText(units: number, scale: number, style: DecimalStyle, pad: number): string {
  const exact = formatScaled(units, scale);
  switch (style) {
    case 'exact':
      return exact;
    case 'padded':
      return scale === 0 ? `${exact}.${'0'.repeat(pad)}` : exact + '0'.repeat(pad);
    case 'trimmed':
      return scale === 0 ? exact : exact.replace(/\.?0+$/, '');
  }
}

/** Renders a frame as Bybit would, with the spec's key orders and whitespace, applying `tweak`. */
function render(spec: FrameSpec, instrument: Instrument, u: number, tweak?: Tweak): string {
  let turn = 0;
  const w = (): string => spec.spaces[turn++ % spec.spaces.length];
  const level = (l: LevelSpec, side: 'bids' | 'asks', index: number): string => {
    let price = `"${decimalText(l.ticks * instrument.tickUnits, instrument.priceScale, l.priceStyle, 1 + (index % 3))}"`;
    let size = `"${decimalText(l.lots * instrument.lotUnits, instrument.qtyScale, l.sizeStyle, 1 + (index % 2))}"`;
    if (tweak?.kind === 'level' && tweak.side === side && tweak.index % spec[side].length === index) {
      if (tweak.field === 0) price = tweak.text;
      else size = tweak.text;
    }
    return `[${w()}${price}${w()},${w()}${size}${w()}]`;
  };
  const levels = (side: 'bids' | 'asks'): string => `[${w()}${spec[side].map((l, k) => level(l, side, k)).join(`${w()},${w()}`)}${w()}]`;
  const object = (order: readonly string[], values: Record<string, string | null>): string => {
    const members = order
      .filter((key) => values[key] !== null && !(tweak?.kind === 'drop' && tweak.key === key))
      .flatMap((key) => {
        const member = `"${key}"${w()}:${w()}${tweak?.kind === 'value' && tweak.key === key ? tweak.text : values[key]}`;
        return tweak?.kind === 'repeat' && tweak.key === key ? [member, `"${key}":${tweak.text}`] : [member];
      });
    return `{${w()}${members.join(`${w()},${w()}`)}${w()}}`;
  };
  const data = object(spec.dataOrder, { s: `"${instrument.symbol}"`, b: levels('bids'), a: levels('asks'), u: String(u), seq: String(spec.seq) });
  const top = {
    topic: `"orderbook.${spec.depth}.${instrument.symbol}"`,
    type: `"${spec.type}"`,
    ts: String(spec.tsMs),
    cts: spec.ctsMs === null ? null : String(spec.ctsMs),
    data,
  };
  return w() + object(spec.topOrder, top) + w();
}

const LARGEST = Math.floor(Number.MAX_SAFE_INTEGER / 5);
const style = fc.constantFrom<DecimalStyle>('exact', 'padded', 'trimmed');
const levelArb = fc.record({
  // Prices mostly near one another (so books cross and levels repeat), sometimes up to the largest
  // exact integer (a step is at most 5 units of the last decimal on these grids).
  ticks: fc.oneof({ arbitrary: fc.integer({ min: 1, max: 60 }), weight: 6 }, fc.integer({ min: 1, max: LARGEST })),
  lots: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 5000 }), fc.integer({ min: 1, max: LARGEST })),
  priceStyle: style,
  sizeStyle: style,
});
const spaceArb = fc.oneof({ arbitrary: fc.constant(''), weight: 12 }, fc.constantFrom(' ', '\n', '\t', '\r\n', '  '));
const frameArb: fc.Arbitrary<FrameSpec> = fc.record({
  type: fc.oneof({ arbitrary: fc.constant('delta' as const), weight: 5 }, fc.constant('snapshot' as const)),
  depth: fc.constantFrom(1, 50, 200, 500, 1000),
  uStep: fc.oneof({ arbitrary: fc.constant(1), weight: 10 }, fc.integer({ min: -3, max: 1_000_000 })),
  seq: fc.maxSafeNat(),
  tsMs: fc.integer({ min: 0, max: 4_000_000_000_000 }),
  ctsMs: fc.option(fc.integer({ min: 0, max: 4_000_000_000_000 }), { nil: null, freq: 5 }),
  bids: fc.array(levelArb, { maxLength: 8 }),
  asks: fc.array(levelArb, { maxLength: 8 }),
  topOrder: fc.oneof({ arbitrary: fc.constant(['topic', 'type', 'ts', 'data', 'cts']), weight: 2 }, fc.shuffledSubarray(['topic', 'type', 'ts', 'data', 'cts'], { minLength: 5 })),
  dataOrder: fc.oneof({ arbitrary: fc.constant(['s', 'b', 'a', 'u', 'seq']), weight: 2 }, fc.shuffledSubarray(['s', 'b', 'a', 'u', 'seq'], { minLength: 5 })),
  spaces: fc.array(spaceArb, { minLength: 1, maxLength: 12 }),
});
const instrumentArb = fc.constantFrom(...INSTRUMENTS);

/** The book's whole observable state. */
function stateOf(book: OrderBook): unknown {
  return {
    bids: book.topN('bid', 100_000),
    asks: book.topN('ask', 100_000),
    flags: [book.usable, book.hasSnapshot, book.lastU, book.lastSeq, book.lastTs],
  };
}

/** The JSON path: what a frame text does to a book today. Null when it is not an order-book frame. */
function viaJson(text: string, book: OrderBook): Result<BookUpdate, BookError> | null {
  const event = parseBybitFrame(text, micros(7));
  return event.kind === 'book' ? book.apply(event.frame) : null;
}

describe('the scanner path against the JSON path', () => {
  test.prop([instrumentArb, fc.array(frameArb, { minLength: 1, maxLength: 25 })], { numRuns: 300 })(
    'every valid frame is scanned, and leaves the same book with the same result, frame after frame',
    (instrument, specs) => {
      const scanned = new OrderBook(instrument);
      const parsed = new OrderBook(instrument);
      const scratch = new ScannedBook(instrument);
      for (const spec of specs) {
        const text = render(spec, instrument, Math.max(0, scanned.lastU + spec.uStep));
        const read = parseAndApply(text, micros(7), scanned, scratch);
        expect(read.kind === 'book' && read.via).toBe('scanner');
        if (read.kind === 'book') expect(read.result).toEqual(viaJson(text, parsed));
        expect(stateOf(scanned)).toEqual(stateOf(parsed));
      }
    },
  );

  test.prop([instrumentArb, frameArb])('bytes and text scan alike', (instrument, spec) => {
    const text = render(spec, instrument, 9);
    const fromText = new ScannedBook(instrument);
    const fromBytes = new ScannedBook(instrument);
    expect(scanBookBytes(new TextEncoder().encode(text), micros(7), fromBytes)).toBe(scanBookFrame(text, micros(7), fromText));
    const levels = (s: ScannedBook): unknown => [s.type, s.u, s.seq, s.ts, s.cts, s.recvTime, Array.from(s.bids.prices.subarray(0, s.bids.count)), Array.from(s.bids.sizes.subarray(0, s.bids.count)), Array.from(s.asks.prices.subarray(0, s.asks.count)), Array.from(s.asks.sizes.subarray(0, s.asks.count))];
    expect(levels(fromBytes)).toEqual(levels(fromText));
  });
});

/** Prices and sizes that are wrong, or unusual, in the ways a decimal string can be. */
const oddDecimal = fc.oneof(
  fc.constantFrom('', '1.', '.5', '1e5', '-1', '-0', '-0.001', '+1', ' 1', '1 ', '0', '0.0', '00.10', 'NaN', 'abc', '1,5', '1.2.3',
    '0.05', '0.00001', '0.0000001', '12.35', '99999999999999999999', '9007199254740993', '1\\u0030', '\\u0031'),
  fc.stringMatching(/^-?[0-9]{0,6}(\.[0-9]{0,9})?$/),
).map((text) => `"${text}"`);
/** Values of the wrong kind, or right in a way the scanner leaves to JSON.parse, for any key. */
const oddValue = fc.constantFrom('null', 'true', '"1"', '1.0', '1e3', '-1', '-0', '01', '00', '9007199254740993', '[]', '{}',
  '"snapshot "', '"Delta"', '"delt\\u0061"', '"orderbook"', '"tickers.BTCUSDT"', '"orderbook.1.BTCUSDT', '"BTCUSDT"', '"XRPUSDT"', '""');
const tweakArb: fc.Arbitrary<Tweak> = fc.oneof(
  fc.record({ kind: fc.constant('level' as const), side: fc.constantFrom('bids' as const, 'asks' as const), index: fc.nat(7), field: fc.constantFrom(0 as const, 1 as const), text: oddDecimal }),
  fc.record({ kind: fc.constant('drop' as const), key: fc.constantFrom('topic', 'type', 'ts', 'cts', 'data', 's', 'b', 'a', 'u', 'seq') }),
  fc.record({ kind: fc.constant('value' as const), key: fc.constantFrom('topic', 'type', 'ts', 'cts', 'data', 's', 'b', 'a', 'u', 'seq'), text: oddValue }),
  fc.record({
    kind: fc.constant('repeat' as const),
    key: fc.constantFrom('topic', 'type', 'ts', 'cts', 'data', 's', 'b', 'a', 'u', 'seq'),
    text: fc.constantFrom('"delta"', '"snapshot"', '5', '101', '[]', '[["1","1"]]', '"BTCUSDT"', '"orderbook.1.BTCUSDT"', '"tickers.BTCUSDT"', '{"s":"BTCUSDT","b":[],"a":[],"u":101,"seq":1}'),
  }),
);
const garbage = fc.oneof(
  fc.constantFrom(',', '"', '[', ']', '{', '}', ':', '0', '-', '.', ' ', '\\', '\u0000', '\u001f', '\f', '\v', '\u00a0', 'é', '\ud800', '\\u0030', 'null', '"x":1,', '["1","2"],', ',"u":5', 'e'),
  fc.string({ maxLength: 4 }),
);

/** A text mutated the ways transport and bugs mangle frames. */
const mutation = fc.oneof(
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('replace' as const), at: fc.nat(), text: garbage }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), text: garbage }),
);

function mutate(text: string, m: { kind: 'truncate' | 'replace' | 'insert'; at: number; text?: string }): string {
  const at = m.at % (text.length + 1);
  switch (m.kind) {
    case 'truncate':
      return text.slice(0, at);
    case 'replace':
      return text.slice(0, at) + (m.text ?? '') + text.slice(at + 1);
    case 'insert':
      return text.slice(0, at) + (m.text ?? '') + text.slice(at);
  }
}

/**
 * Applies one frame text to three books that hold the same snapshot: by the scanner alone, by the
 * JSON path, and by `parseAndApply`. Checks what the scanner's outcome promises.
 */
function checkAgainstJson(instrument: Instrument, snapshot: string, text: string): void {
  const scanned = new OrderBook(instrument);
  const parsed = new OrderBook(instrument);
  const combined = new OrderBook(instrument);
  const scratch = new ScannedBook(instrument);
  for (const book of [scanned, parsed, combined]) expect(viaJson(snapshot, book)?.ok).toBe(true);

  const outcome = scanBookFrame(text, micros(7), scratch);
  const json = viaJson(text, parsed);
  switch (outcome) {
    case 'book':
      // The scanner took it: the JSON path must take it too and do exactly the same.
      expect(json).not.toBeNull();
      expect(scanned.applyLevels(scratch)).toEqual(json);
      expect(stateOf(scanned)).toEqual(stateOf(parsed));
      break;
    case 'malformed':
      // Refused with a reason, and the JSON path applies nothing either.
      expect(scratch.reason).not.toBe('');
      expect(json === null || !json.ok).toBe(true);
      break;
    case 'fallback':
      expect(scratch.reason).not.toBe('');
      break;
  }
  const read = parseAndApply(text, micros(7), combined, scratch);
  expect(read.kind === 'book' ? read.result : null).toEqual(json);
  expect(stateOf(combined)).toEqual(stateOf(parsed));
}

describe('the scanner on malformed frames', () => {
  const snapshotSpec = (instrument: Instrument): string =>
    `{"topic":"orderbook.50.${instrument.symbol}","type":"snapshot","ts":1,"data":{"s":"${instrument.symbol}","b":[["${formatScaled(30 * instrument.tickUnits, instrument.priceScale)}","${formatScaled(instrument.lotUnits, instrument.qtyScale)}"]],"a":[["${formatScaled(31 * instrument.tickUnits, instrument.priceScale)}","${formatScaled(instrument.lotUnits, instrument.qtyScale)}"]],"u":100,"seq":1},"cts":1}`;

  test.prop([instrumentArb, frameArb, tweakArb], { numRuns: 1000 })(
    'an odd value, an off-grid or non-numeric level, or a missing key is refused or left to JSON.parse, never taken wrongly',
    (instrument, spec, tweak) => {
      checkAgainstJson(instrument, snapshotSpec(instrument), render(spec, instrument, 101, tweak));
    },
  );

  test.prop([instrumentArb, frameArb, mutation], { numRuns: 1000 })(
    'a truncated, flipped or garbage-injected frame is refused or left to JSON.parse, never taken wrongly',
    (instrument, spec, m) => {
      checkAgainstJson(instrument, snapshotSpec(instrument), mutate(render(spec, instrument, 101), m));
    },
  );

  test.prop([instrumentArb, frameArb])('every truncation of a frame is refused, never taken', (instrument, spec) => {
    const text = render({ ...spec, spaces: [''] }, instrument, 101);
    const scratch = new ScannedBook(instrument);
    for (let end = 0; end < text.length; end++) {
      expect(scanBookFrame(text.slice(0, end), micros(7), scratch)).not.toBe('book');
    }
    expect(scanBookFrame(text, micros(7), scratch)).toBe('book');
  });
});

/** An event as the rest of the system reads it: a grid book's levels up to their count, nothing past it. */
function eventView(event: MarketEvent): unknown {
  if (event.kind !== 'gridBook') return event;
  const side = (b: LevelBuffer): unknown => [b.count, Array.from(b.prices.subarray(0, b.count)), Array.from(b.sizes.subarray(0, b.count))];
  return { ...event, frame: { ...event.frame, bids: side(event.frame.bids), asks: side(event.frame.asks) } };
}

describe('the bytes decoder, levels scanned straight into a pool', () => {
  test.prop([instrumentArb, fc.array(fc.tuple(frameArb, fc.option(fc.oneof(tweakArb.map((t) => ({ t })), mutation.map((m) => ({ m }))), { freq: 2 })), { minLength: 1, maxLength: 20 })], { numRuns: 300 })(
    "gives each frame of a read chunk the text decoder's event, every event of the chunk intact until the pool is reset",
    (instrument, frames) => {
      const texts = frames.map(([spec, change], k) => {
        if (change === null) return render(spec, instrument, 101 + k);
        return 't' in change ? render(spec, instrument, 101 + k, change.t) : mutate(render(spec, instrument, 101 + k), change.m);
      });
      // Frames as a file can hold them, one a line with a stamp before each: no line ending inside, and
      // text that survives UTF-8 (a lone surrogate does not).
      const lines = texts.filter((t) => !t.includes('\n') && !t.includes('\r') && Buffer.from(t).toString() === t);
      const text = scanningDecoder(instrument);
      const bytes = scanningDecoder(instrument).bytes;
      if (bytes === undefined) throw new Error('the scanning decoder reads bytes');
      const chunk = Buffer.from(lines.map((l) => `123 ${l}\n`).join(''));
      const pool = new LevelPool();
      for (let round = 0; round < 2; round++) {
        pool.reset();
        const events: MarketEvent[] = [];
        let start = 0;
        for (const line of lines) {
          const end = start + 4 + Buffer.byteLength(line);
          events.push(bytes(chunk, start + 4, end, micros(7), pool));
          start = end + 1;
        }
        expect(events.map(eventView)).toEqual(lines.map((l) => eventView(text(l, micros(7)))));
      }
    },
  );
});

/** Everything a scan leaves for its caller: the frame on `book`, why and where it stopped otherwise. */
function scanView(s: ScannedBook, outcome: string): unknown {
  const side = (b: LevelBuffer): unknown => [Array.from(b.prices.subarray(0, b.count)), Array.from(b.sizes.subarray(0, b.count))];
  const stopped = { outcome, reason: s.reason, at: s.at, isBook: s.isBook };
  return outcome === 'book' ? { ...stopped, frame: [s.type, s.u, s.seq, s.ts, s.cts, s.recvTime, side(s.bids), side(s.asks)] } : stopped;
}

describe("the fast path for Bybit's own spelling against the general scanner", () => {
  // Frames mostly spelled as Bybit spells them (its key order, no whitespace), so that the fast path
  // meets them and every way one can go wrong; zero prices and sizes among the odd decimals.
  const zeroDecimal = fc.constantFrom('"0"', '"0.0"', '"0.00"', '"00"', '"0.000000"', '"-0"');
  const fastTweak = fc.oneof(
    tweakArb,
    fc.record({ kind: fc.constant('level' as const), side: fc.constantFrom('bids' as const, 'asks' as const), index: fc.nat(7), field: fc.constantFrom(0 as const, 1 as const), text: zeroDecimal }),
  );
  test.prop([instrumentArb, frameArb, fc.option(fc.oneof(fastTweak.map((t) => ({ t })), mutation.map((m) => ({ m }))), { freq: 2 }), fc.nat(7)], { numRuns: 3000 })(
    'gives every frame, in any order, odd or broken, what the general scanner gives it',
    (instrument, spec, change, shape) => {
      const bybit = { topOrder: ['topic', 'type', 'ts', 'data', 'cts'], dataOrder: ['s', 'b', 'a', 'u', 'seq'] };
      const s = shape === 0 ? spec : shape === 1 ? { ...spec, spaces: [''] } : shape === 2 ? { ...spec, ...bybit } : { ...spec, ...bybit, spaces: [''] };
      const text = change === null ? render(s, instrument, 101) : 't' in change ? render(s, instrument, 101, change.t) : mutate(render(s, instrument, 101), change.m);
      const fast = new ScannedBook(instrument);
      const general = new ScannedBook(instrument);
      const outcome = scanBookFrame(text, micros(7), fast);
      const expected = scanBookInAnyOrder(text, micros(7), general);
      expect(scanView(fast, outcome)).toEqual(scanView(general, expected));
    },
  );

  test.prop([instrumentArb, frameArb])('takes every frame spelled as Bybit spells it', (instrument, spec) => {
    const text = render({ ...spec, spaces: [''], topOrder: ['topic', 'type', 'ts', 'data', 'cts'], dataOrder: ['s', 'b', 'a', 'u', 'seq'] }, instrument, 101);
    const scratch = new ScannedBook(instrument);
    scratch.loadText(text);
    expect(scanBookInBybitOrder(scratch.bytes, scratch)).toBe(scratch.length);
  });

  const decimalText = fc.oneof(
    oddDecimal.map((quoted) => quoted.slice(1)),
    fc.stringMatching(/^[0-9]{0,20}(\.[0-9]{0,12})?"?$/),
    fc.tuple(fc.nat(), fc.nat(12)).map(([n, zeros]) => `${n}.${'0'.repeat(zeros)}"`),
  );
  test.prop([instrumentArb, decimalText, fc.boolean()], { numRuns: 2000 })('reads a decimal exactly as scanDecimal does, or leaves it', (instrument, text, isPrice) => {
    const [scale, units] = isPrice ? [instrument.priceScale, instrument.tickUnits] : [instrument.qtyScale, instrument.lotUnits];
    const scanned = new ScannedBook(instrument);
    const read = new ScannedBook(instrument);
    scanned.loadText(text);
    read.loadText(text);
    const general = scanDecimal(scanned.bytes, 0, scanned, scale, units);
    const fast = readDecimal(read.bytes, 0, read, scale, units);
    expect(fast).toBe(general < 0 ? -1 : general);
    if (fast >= 0) expect(read.num).toBe(scanned.num);
  });

  test.prop([fc.oneof(fc.stringMatching(/^[0-9]{0,20}[.eE,}\- ]?/), fc.maxSafeNat().map(String), fc.constantFrom('9007199254740991', '9007199254740992', '0', '00', '01'))], { numRuns: 1000 })(
    'reads an integer exactly as scanInteger does, or leaves it',
    (text) => {
      const scanned = new ScannedBook(INSTRUMENTS[0]);
      const read = new ScannedBook(INSTRUMENTS[0]);
      scanned.loadText(text);
      read.loadText(text);
      const general = scanInteger(scanned.bytes, 0, scanned);
      const fast = readInteger(read.bytes, 0, read);
      // The fast path checks the byte after the digits itself, against `,` or `}`: a point or an exponent there is refused.
      const next = fast < 0 ? '' : text[fast] ?? '';
      if (general >= 0) expect(fast).toBe(general);
      else if (fast >= 0) expect(['.', 'e', 'E', '-']).toContain(next);
      if (fast >= 0 && general >= 0) expect(read.num).toBe(scanned.num);
    },
  );
});
