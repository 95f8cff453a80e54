/**
 * Checks the venue's ticker against the book built from the depth stream: Bybit's `tickers` topic
 * carries the best bid and ask (`bid1Price`, `ask1Price`) and the cross sequence `cs` of the book
 * state they were taken from; the depth stream's frames carry the same sequence (`seq`). The top of
 * the book after the last frame with `seq <= cs` must show the ticker's prices. A ticker that
 * disagrees says the local book has gone wrong without a sequence gap showing it (a lost level, a
 * wrong size applied), or that the venue's two streams disagree: either way the feed is worse.
 *
 * A ticker can arrive before the depth frame it refers to (the streams are separate), so one whose
 * `cs` is beyond the last frame waits until a frame at or beyond its `cs` has come; the last
 * `MAX_PENDING` wait, older ones are dropped unchecked. Tops are kept for the last `MAX_TOPS` frames
 * (at Bybit's 20 ms push for 50 levels, over a second); a ticker older than that is not checked.
 * `reset` forgets everything: call it when the book leaves LIVE, whose tops say nothing then.
 * Prices are integer ticks; a side the ticker leaves out (a delta) is not compared.
 */
export class TickerCheck {
  static readonly MAX_TOPS = 64;
  static readonly MAX_PENDING = 32;
  readonly #seq = new Float64Array(TickerCheck.MAX_TOPS);
  /** Best bid and ask of each kept frame, ticks; -1 for an empty side. */
  readonly #bid = new Float64Array(TickerCheck.MAX_TOPS);
  readonly #ask = new Float64Array(TickerCheck.MAX_TOPS);
  /** Frames kept so far, up to MAX_TOPS; the newest is at (#next - 1) mod MAX_TOPS. */
  #kept = 0;
  #next = 0;
  #pending: { readonly cs: number; readonly bid: number | null; readonly ask: number | null }[] = [];
  /** Tickers compared with the book. */
  checked = 0;
  /** Of them, those whose best bid or ask was not the book's. */
  mismatches = 0;

  /** A LIVE book after a frame of cross sequence `seq`: its best bid and ask, ticks (null for an empty side). */
  onBook(seq: number, bid: number | null, ask: number | null): void {
    if (this.#pending.length > 0 && this.#kept > 0) this.#settle((cs) => cs < seq, this.#newest());
    const i = this.#next;
    this.#seq[i] = seq;
    this.#bid[i] = bid ?? -1;
    this.#ask[i] = ask ?? -1;
    this.#next = (i + 1) % TickerCheck.MAX_TOPS;
    this.#kept = Math.min(TickerCheck.MAX_TOPS, this.#kept + 1);
    if (this.#pending.length > 0) this.#settle((cs) => cs === seq, i);
  }

  /** A ticker of cross sequence `cs` showing `bid` and `ask` (ticks; null where the ticker leaves the side out). */
  onTicker(cs: number, bid: number | null, ask: number | null): void {
    if (this.#kept === 0 || (bid === null && ask === null)) return;
    const newest = this.#newest();
    if (cs > this.#seq[newest]) {
      if (this.#pending.length >= TickerCheck.MAX_PENDING) this.#pending.shift();
      this.#pending.push({ cs, bid, ask });
      return;
    }
    for (let k = 0, i = newest; k < this.#kept; k++, i = (i - 1 + TickerCheck.MAX_TOPS) % TickerCheck.MAX_TOPS) {
      if (this.#seq[i] <= cs) {
        this.#compare(i, bid, ask);
        return;
      }
    }
  }

  /** Forgets the kept tops and the waiting tickers (the book left LIVE). */
  reset(): void {
    this.#kept = 0;
    this.#pending = [];
  }

  #newest(): number {
    return (this.#next - 1 + TickerCheck.MAX_TOPS) % TickerCheck.MAX_TOPS;
  }

  /** Compares the waiting tickers `due` picks with the top at `i`, and stops them waiting. */
  #settle(due: (cs: number) => boolean, i: number): void {
    const waiting = this.#pending;
    this.#pending = [];
    for (const t of waiting) {
      if (due(t.cs)) this.#compare(i, t.bid, t.ask);
      else this.#pending.push(t);
    }
  }

  #compare(i: number, bid: number | null, ask: number | null): void {
    this.checked++;
    if ((bid !== null && bid !== this.#bid[i]) || (ask !== null && ask !== this.#ask[i])) this.mismatches++;
  }
}
