import type { MarketEvent } from '../../domain/market/market-event.ts';
import type { Instrument } from '../../domain/values/instrument.ts';
import type { Micros } from '../../domain/values/units.ts';
import { BinanceDepthSync, type BinanceMarket } from './depth-sync.ts';
import { parseBinanceLine } from './parse.ts';
import { millisFieldMicros } from '../replay/millis-field.ts';

/**
 * One Binance capture line (its frame text and recorded receive time) into market events: trades and
 * book tickers as they come, depth diffs and REST snapshots through `BinanceDepthSync`, which may turn
 * one line into none (a diff buffered before the snapshot) or many (a snapshot and the diffs it bridges).
 * A line without a receive time is stamped with its event time `E`, else the previous line's time.
 */
export class BinanceLineDecoder {
  readonly sync: BinanceDepthSync;
  private lastTime = 0 as Micros;
  /** The instrument diffs of the synced symbol are read onto (ticks and lots), or null to keep the strings. */
  private readonly grid: Instrument | null;

  constructor(market: BinanceMarket, symbol: string, instrument: Instrument | null = null) {
    this.sync = new BinanceDepthSync(market, symbol);
    this.grid = instrument !== null && instrument.symbol === symbol ? instrument : null;
  }

  decode(text: string, recorded: Micros | null, out: MarketEvent[]): void {
    const recvTime = recorded ?? eventMicros(text) ?? this.lastTime;
    this.lastTime = recvTime;
    const message = parseBinanceLine(text, recvTime, this.grid);
    switch (message.kind) {
      case 'diff':
        this.sync.onDiff(message.diff, out);
        return;
      case 'snapshot':
        this.sync.onSnapshot(message.snapshot, out);
        return;
      case 'event':
        out.push(message.event);
        return;
    }
  }
}

/** The first `"E":<digits>` of a frame text (Binance's event time, ms) in µs, or null. */
export function eventMicros(text: string): Micros | null {
  return millisFieldMicros(text, '"E":');
}
