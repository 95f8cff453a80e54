import { LevelBuffer } from '../../domain/market/level-buffer.ts';
import type { BookFrame, MarketEvent } from '../../domain/market/market-event.ts';
import type { Micros } from '../../domain/values/units.ts';
import type { DepthDiff, DepthSnapshot } from './parse.ts';

/** USD-M futures diffs chain by `pu`; spot diffs by `U` = previous `u` + 1. */
export type BinanceMarket = 'usdm' | 'spot';

export interface DepthSyncCounters {
  /** Diffs of the synced symbol seen. */
  diffs: number;
  snapshots: number;
  /** Diffs handed on as book frames. */
  applied: number;
  /** Diffs older than the snapshot they met (`u` < lastUpdateId; spot: `u` <= lastUpdateId), or than the book. */
  dropped: number;
  /** Chain breaks: a diff whose `pu` (spot: `U` − 1) is not the previous diff's `u`, or a first diff that does not bridge the snapshot. */
  breaks: number;
}

/** Recent diffs kept for the next snapshot; a REST snapshot is taken within a second of subscribing. */
const RECENT_DIFFS = 1024;

/**
 * Binance's documented way to keep a local order book from the diff depth stream ("How to manage a
 * local order book correctly", USD-M futures and spot), turned into the frames the domain's book and
 * its integrity state machine read:
 * 1. diffs are buffered from the start (here: the last 1024 diffs are always kept);
 * 2. the REST snapshot, lastUpdateId L, becomes a `snapshot` frame with `u` = L (the book is LIVE);
 * 3. the buffered diffs, then the live ones, go through the rule: a diff with `u` < L (spot: `u` <= L)
 *    is dropped; the first one applied must bridge the snapshot, `U` <= L <= `u` (spot:
 *    `U` <= L + 1 <= `u`); a USD-M diff whose `pu` is L also continues it exactly and is taken;
 * 4. every later diff must chain: `pu` = the previous diff's `u` (spot: `U` = previous `u` + 1).
 * An applied diff is a `delta` frame with `u` = its `u` and `prevU` = the id it follows, so the book
 * checks the chain itself: a break goes to the book as the one diff that breaks it, which the book
 * refuses as a `SequenceGap` (LIVE → RESYNCING, a resync asked), and the sync waits for the next
 * snapshot, buffering (step 1 again). A diff applied from the buffer is stamped with the snapshot's
 * receive time if it arrived before it: the book holds it only from then on.
 * Diffs of another symbol are handed on as they are, for the book to count as another symbol's.
 */
export class BinanceDepthSync {
  readonly counters: DepthSyncCounters = { diffs: 0, snapshots: 0, applied: 0, dropped: 0, breaks: 0 };
  /** 'awaiting': no snapshot yet, or the chain broke; 'bridging': a snapshot, no diff applied on it yet. */
  private state: 'awaiting' | 'bridging' | 'synced' = 'awaiting';
  /** The snapshot's lastUpdateId while bridging, the last applied diff's `u` once synced. */
  private lastId = 0;
  private readonly recent: DepthDiff[] = [];
  private next = 0;

  constructor(
    readonly market: BinanceMarket,
    /** The symbol of the REST snapshots in the stream (a snapshot line does not name it). */
    readonly symbol: string,
  ) {}

  onDiff(diff: DepthDiff, out: MarketEvent[]): void {
    if (diff.symbol !== this.symbol) {
      out.push(deltaEvent(diff, diff.recvTime, diff.prevId ?? diff.firstId - 1));
      return;
    }
    this.counters.diffs++;
    this.remember(diff);
    this.take(diff, diff.recvTime, out);
  }

  onSnapshot(snapshot: DepthSnapshot, out: MarketEvent[]): void {
    this.counters.snapshots++;
    const L = snapshot.lastUpdateId;
    const ts = snapshot.eventTime ?? snapshot.recvTime;
    const frame: BookFrame = {
      type: 'snapshot', symbol: this.symbol, u: L, seq: L, ts, cts: snapshot.txTime ?? ts, recvTime: snapshot.recvTime, bids: snapshot.bids, asks: snapshot.asks,
    };
    out.push({ kind: 'book', frame });
    this.state = 'bridging';
    this.lastId = L;
    // The buffered diffs, oldest first, through the same rule as the live ones.
    const n = this.recent.length;
    for (let k = 0; k < n; k++) {
      const diff = this.recent[(this.next + k) % n];
      this.take(diff, diff.recvTime > snapshot.recvTime ? diff.recvTime : snapshot.recvTime, out);
    }
  }

  private take(diff: DepthDiff, recvTime: Micros, out: MarketEvent[]): void {
    if (this.state === 'awaiting') return;
    const prev = this.market === 'usdm' ? diff.prevId : diff.firstId - 1;
    if (prev === null) {
      // A USD-M diff must say what it follows; without it the chain cannot be checked.
      out.push({ kind: 'malformed', reason: 'depthUpdate without pu on a USD-M stream', text: `U ${diff.firstId} u ${diff.lastId}`, recvTime });
      return;
    }
    if (this.state === 'bridging') {
      const L = this.lastId;
      if (this.market === 'usdm' ? diff.lastId < L : diff.lastId <= L) {
        this.counters.dropped++;
        return;
      }
      const bridges = this.market === 'usdm' ? (diff.firstId <= L && L <= diff.lastId) || prev === L : diff.firstId <= L + 1;
      this.emit(diff, recvTime, bridges ? L : prev, out);
      return;
    }
    // Synced: an id at or below the book's is old news (a repeated frame); anything else must chain.
    if (diff.lastId <= this.lastId) {
      this.counters.dropped++;
      return;
    }
    this.emit(diff, recvTime, prev, out);
  }

  /** Hands the diff on as a delta following `prevU`; a `prevU` that is not the book's id is a break. */
  private emit(diff: DepthDiff, recvTime: Micros, prevU: number, out: MarketEvent[]): void {
    out.push(deltaEvent(diff, recvTime, prevU));
    if (prevU === this.lastId) {
      this.counters.applied++;
      this.state = 'synced';
      this.lastId = diff.lastId;
    } else {
      this.counters.breaks++;
      this.state = 'awaiting';
    }
  }

  private remember(diff: DepthDiff): void {
    if (this.recent.length < RECENT_DIFFS) {
      this.recent.push(diff);
      return;
    }
    this.recent[this.next] = diff;
    this.next = (this.next + 1) % RECENT_DIFFS;
  }
}

/**
 * The diff as a delta following `prevU`: a `gridBook` frame where the line was read onto the
 * instrument's grid (both sides are then, and the symbol is the instrument's), else a `book` frame.
 */
function deltaEvent(diff: DepthDiff, recvTime: Micros, prevU: number): MarketEvent {
  const { bids, asks } = diff;
  const header = { type: 'delta', symbol: diff.symbol, u: diff.lastId, prevU, seq: diff.lastId, ts: diff.eventTime, cts: diff.txTime, recvTime } as const;
  if (bids instanceof LevelBuffer && asks instanceof LevelBuffer) return { kind: 'gridBook', frame: { ...header, bids, asks } };
  return { kind: 'book', frame: { ...header, bids: bids as BookFrame['bids'], asks: asks as BookFrame['asks'] } };
}
