import { basename } from 'node:path';
import type { Clock } from '../../application/ports/clock.ts';
import type { MarketDataFeed } from '../../application/ports/market-data-feed.ts';
import type { MarketEvent } from '../../domain/market/market-event.ts';
import type { Instrument } from '../../domain/values/instrument.ts';
import type { Micros } from '../../domain/values/units.ts';
import { jsonDecoder, LevelPool, type BytesDecoder, type FrameDecoder } from '../bybit/frame-decoder.ts';
import { BinanceLineDecoder } from '../binance/line-decoder.ts';
import { InputCutShort, readFrameChunks, type FrameLine } from './frame-reader.ts';
import type { InputFormat } from './input-format.ts';
import { readInputBatches } from './input-lines.ts';
import { millisFieldMicros } from './millis-field.ts';
import { pace, receiveTime, timerSleep, type Sleep, type Speed } from './pacing.ts';

export interface ReplayOptions {
  /** How frame texts become events; the scanning decoder for the instrument being replayed, ideally. */
  readonly decoder?: FrameDecoder;
  /** N × the recorded speed, or 'max' (the default): as fast as the consumer takes the events. */
  readonly speed?: Speed;
  readonly sleep?: Sleep;
  /** What the files hold (`detectInputFormat`); Bybit frames when absent. Binance's go through its depth sync. */
  readonly format?: InputFormat;
  /** The instrument replayed: Binance diffs of its symbol are then read straight into ticks and lots. */
  readonly instrument?: Instrument;
}

/**
 * Replays recorded frames from a file, or from several files read in order as one stream, through the
 * Bybit parser: the recorder's lines (`<receive µs> <frame>`), bare frame lines (captures without
 * receive times) and Bybit's historical dumps (`.data`, plain, gzip or zip; see `readFrameLines`); or,
 * with a Binance `format`, Binance captures through `BinanceLineDecoder`. A bare line is stamped with
 * its own venue time (`ts`, Binance's `E`) as its receive time, never with the wall clock, so that a
 * replay gives the same staleness judgements and the same results however fast the machine runs it.
 * The files are streamed: memory does not grow with their length.
 */
export class FileReplayFeed implements MarketDataFeed {
  readonly description: string;
  /** Set when the file turned out cut short: the events before the cut were all delivered. */
  incomplete: string | null = null;
  private closedFlag = false;
  private readonly decode: FrameDecoder;

  private readonly paths: readonly string[];

  constructor(
    path: string | readonly string[],
    private readonly clock: Clock,
    private readonly options: ReplayOptions = {},
  ) {
    this.paths = typeof path === 'string' ? [path] : path;
    if (this.paths.length === 0) throw new RangeError('a replay needs at least one file');
    const more = this.paths.length - 1;
    this.description = `replay:${basename(this.paths[0])}${more > 0 ? ` and ${more} more` : ''}`;
    this.decode = options.decoder ?? jsonDecoder;
  }

  /** Set by `close`: a consumer of `eventBatches` stops at the event in hand. */
  get closeAsked(): boolean {
    return this.closedFlag;
  }

  /**
   * At speed `max`, the events of each read chunk as one array, in order: the same events as
   * `events()`, one turn of the event loop a chunk rather than one an event. Null when paced.
   */
  eventBatches(): AsyncIterable<readonly MarketEvent[]> | null {
    if ((this.options.speed ?? 'max') !== 'max') return null;
    return this.decodedBatches();
  }

  private async *decodedBatches(): AsyncGenerator<readonly MarketEvent[]> {
    try {
      // The consumer is done with a batch when it asks for the next: its book levels can be lent again.
      for await (const events of this.decoded(new LevelPool())) {
        if (this.closedFlag) return;
        yield events;
      }
    } catch (error) {
      if (!(error instanceof InputCutShort)) throw error;
      this.incomplete = error.message;
    }
  }

  /** The files' events a read chunk at a time; with a `pool`, book levels are lent from it, each batch's until the next is asked for. */
  private decoded(pool?: LevelPool): AsyncGenerator<MarketEvent[]> {
    const format = this.options.format;
    if (format?.venue === 'binance') return this.parseBinance(readInputBatches(this.paths), new BinanceLineDecoder(format.market, format.symbol ?? '', this.options.instrument ?? null));
    const bytes = this.decode.bytes;
    return bytes === undefined ? this.parse(readInputBatches(this.paths)) : this.parseBytes(bytes, pool);
  }

  /**
   * `parse` for a decoder that reads bytes: each line is scanned where the read chunk holds it, and
   * made a string only where the decoder needs the text (a bare line's receive time, the JSON path).
   */
  private async *parseBytes(decode: BytesDecoder, pool: LevelPool | undefined): AsyncGenerator<MarketEvent[]> {
    let lastTime = 0 as Micros;
    for (const path of this.paths) {
      for await (const chunk of readFrameChunks(path)) {
        if (this.closedFlag) return;
        pool?.reset();
        const { bytes, count, starts, ends, recvTimes } = chunk;
        const events: MarketEvent[] = [];
        for (let k = 0; k < count; k++) {
          const start = starts[k];
          const end = ends[k];
          if (start === end) continue;
          const recorded = recvTimes[k];
          if (recorded >= 0) {
            lastTime = recorded as Micros;
            events.push(decode(bytes, start, end, lastTime, pool));
          } else {
            const text = bytes.toString('utf8', start, end);
            lastTime = receiveTimeOf(text, null, lastTime);
            events.push(this.decode(text, lastTime));
          }
        }
        yield events;
      }
    }
  }

  async *events(): AsyncGenerator<MarketEvent> {
    const speed = this.options.speed ?? 'max';
    const decoded = this.decoded();
    try {
      if (speed === 'max') {
        // As fast as taken: the events of a read chunk are decoded and handed over in one go, without
        // a pacing stage between, so that an event costs this generator's one turn and no more.
        for await (const events of decoded) {
          for (const event of events) {
            if (this.closedFlag) return;
            yield event;
          }
        }
        return;
      }
      const paced = pace(flatten(decoded), { speed, clock: this.clock, sleep: this.options.sleep ?? timerSleep, timeOf: receiveTime });
      for await (const event of paced) {
        if (this.closedFlag) return;
        yield event;
      }
    } catch (error) {
      if (!(error instanceof InputCutShort)) throw error;
      this.incomplete = error.message;
    }
  }

  /** A read chunk's lines decoded into its events, in order. */
  private async *parse(batches: AsyncIterable<readonly FrameLine[]>): AsyncGenerator<MarketEvent[]> {
    let lastTime = 0 as Micros;
    for await (const lines of batches) {
      if (this.closedFlag) return;
      const events: MarketEvent[] = [];
      for (const line of lines) {
        if (line.text.length === 0) continue;
        lastTime = receiveTimeOf(line.text, line.recvTime, lastTime);
        events.push(this.decode(line.text, lastTime));
      }
      yield events;
    }
  }

  private async *parseBinance(batches: AsyncIterable<readonly FrameLine[]>, decoder: BinanceLineDecoder): AsyncGenerator<MarketEvent[]> {
    for await (const lines of batches) {
      if (this.closedFlag) return;
      const events: MarketEvent[] = [];
      for (const line of lines) {
        if (line.text.length === 0) continue;
        decoder.decode(line.text, line.recvTime, events);
      }
      yield events;
    }
  }

  resync(): void {
    // A file holds what was recorded; the next snapshot in it, if any, restores the book.
  }

  close(): Promise<void> {
    this.closedFlag = true;
    return Promise.resolve();
  }
}

async function* flatten<T>(batches: AsyncIterable<readonly T[]>): AsyncGenerator<T> {
  for await (const batch of batches) yield* batch;
}

/** The first `"ts":<digits>` of a frame text (Bybit's top-level service time, ms) in µs, or null. */
export function venueMicros(text: string): Micros | null {
  return millisFieldMicros(text, '"ts":');
}

/**
 * The receive time a replay gives a line: the recorded one, else the frame's own venue time, else
 * (a frame without `ts`, such as a pong) the time of the line before it.
 */
export function receiveTimeOf(text: string, recorded: Micros | null, previous: Micros): Micros {
  return recorded ?? venueMicros(text) ?? previous;
}

/**
 * Decodes one line of a frame file on its own — `<receive µs> <frame>` or a bare frame — stamped as
 * the feed stamps it (`previous` stands for the line before). For tools, benches and tests that hold
 * lines rather than a file.
 */
export function parseLine(line: string, decode: FrameDecoder = jsonDecoder, previous = 0 as Micros): MarketEvent {
  const space = line.indexOf(' ');
  if (space > 0 && space <= 19 && /^\d+$/.test(line.slice(0, space))) {
    // 17 to 19 digits are a ns stamp, read as the µs it falls in (see readFrameLines).
    const recorded = Number(line.slice(0, space > 16 ? space - 3 : space));
    if (Number.isSafeInteger(recorded)) return decode(line.slice(space + 1), recorded as Micros);
  }
  return decode(line, receiveTimeOf(line, null, previous));
}
