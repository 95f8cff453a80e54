import type { Micros } from '../values/units.ts';

/**
 * Training labels: the forward mid return over fixed horizons, in basis points, and a direction class
 * with a dead zone, computed incrementally from a stream of (venue time, mid) events.
 *
 * The rule: the label of horizon h for a row at time t is the mid of the LAST event at or before
 * t + h (in stream order, so among events sharing a timestamp the latest pushed wins). It uses no data
 * from after t + h. That mid is only known for sure once an event with a time strictly after t + h
 * arrives (another event at exactly t + h could still change it), so the labeller is a delayed
 * emitter: `push` returns the rows whose every horizon the stream has passed, and `flush` ends the
 * stream, returning the rest.
 *
 * A label depends only on the row's own (base) mid and the mids of the events pushed after the row
 * with times at most t + h: never on events pushed before the row, never on anything after t + h.
 */

/** One labelled row. Horizons in the order of `LabelConfig.horizonsMicros`. */
export interface LabelledRow {
  readonly rowId: number;
  readonly ts: Micros;
  /** (mid(t + h) - mid(t)) / mid(t) x 1e4; NaN where the horizon was not reached. */
  readonly returnsBps: Float64Array;
  /** +1 above the dead zone, -1 below it, 0 inside it (bounds included) and where not reached. */
  readonly classes: Int8Array;
  /** 1 where the horizon was reached and the label is real, 0 where `flush` cut the stream short. */
  readonly reached: Uint8Array;
}

export interface LabelConfig {
  /** Positive and strictly increasing, in microseconds. */
  readonly horizonsMicros: readonly number[];
  /** A return r is class 0 when |r| <= deadZoneBps; non-negative. */
  readonly deadZoneBps: number;
}

/** 1 s, 5 s and 30 s. */
export const DEFAULT_HORIZONS_MICROS: readonly number[] = [1_000_000, 5_000_000, 30_000_000];

/** 5 s, 30 s, 2 min and 5 min: the horizons `ladder features --labels` and `ladder train --input` label by default. */
export const TRAINING_HORIZONS_MICROS: readonly number[] = [5_000_000, 30_000_000, 120_000_000, 300_000_000];

/** Parts per million in one basis point. */
const PPM_PER_BPS = 100;

/**
 * The dead zone that covers a taker round trip, in bps: the fee is charged on entry and on exit, so
 * 2 x takerPpm / 100 (Bybit's non-VIP linear taker 550 ppm gives 11 bps). A taker also buys at the ask
 * and sells at the bid, half the spread away from the mid on each side, so a mid return must also
 * beat one full quoted spread: pass it as `spreadBps` (default 0, the quoted spread, not the half).
 * Throws a RangeError for a non-integer or negative fee or a negative or non-finite spread.
 */
export function roundTripDeadZoneBps(takerPpm: number, spreadBps = 0): number {
  if (!Number.isInteger(takerPpm) || takerPpm < 0) throw new RangeError(`taker fee ${takerPpm} ppm is not a non-negative integer`);
  if (!(spreadBps >= 0) || !Number.isFinite(spreadBps)) throw new RangeError(`spread ${spreadBps} bps is not a non-negative number`);
  return (2 * takerPpm) / PPM_PER_BPS + spreadBps;
}

/** The class of a return: 0 inside the closed dead zone [-deadZoneBps, +deadZoneBps]. */
export function directionClass(returnBps: number, deadZoneBps: number): -1 | 0 | 1 {
  if (returnBps > deadZoneBps) return 1;
  if (returnBps < -deadZoneBps) return -1;
  return 0;
}

/** The forward return in bps between two mids; twice-the-mid values give the same ratio. */
export function returnBps(baseMid: number, laterMid: number): number {
  return ((laterMid - baseMid) * 10_000) / baseMid;
}

/**
 * The incremental labeller. Pending rows sit in a ring buffer (doubling when full) holding at most the
 * events of the longest horizon plus one; each horizon keeps a cursor to its oldest unresolved row, so
 * each event is resolved once per horizon (O(1) amortised) and nothing is rescanned.
 */
export class Labeller {
  readonly horizons: readonly number[];
  readonly deadZoneBps: number;
  private cap: number;
  private times: Float64Array;
  private mids: Float64Array;
  private ids: Float64Array;
  /** Label mid of horizon k for ring slot i at i * H + k. */
  private labels: Float64Array;
  /** Sequence numbers: rows [head, tail) are pending; row s lives at slot s % cap. */
  private head = 0;
  private tail = 0;
  /** Per horizon, the first pending row whose label for that horizon is not known yet. */
  private readonly cursors: number[];
  private lastTs = -Infinity;
  private lastMid = NaN;

  constructor(config: LabelConfig = { horizonsMicros: DEFAULT_HORIZONS_MICROS, deadZoneBps: 0 }, initialCapacity = 64) {
    const hs = config.horizonsMicros;
    if (hs.length === 0) throw new RangeError('at least one horizon is required');
    hs.forEach((h, k) => {
      if (!(h > 0) || !Number.isFinite(h)) throw new RangeError(`horizon ${h} µs is not positive`);
      if (k > 0 && !(h > hs[k - 1])) throw new RangeError(`horizons must be strictly increasing, got ${hs.join(', ')}`);
    });
    if (!(config.deadZoneBps >= 0) || !Number.isFinite(config.deadZoneBps)) {
      throw new RangeError(`dead zone ${config.deadZoneBps} bps is not a non-negative number`);
    }
    this.horizons = [...hs];
    this.deadZoneBps = config.deadZoneBps;
    this.cap = Math.max(1, initialCapacity);
    this.times = new Float64Array(this.cap);
    this.mids = new Float64Array(this.cap);
    this.ids = new Float64Array(this.cap);
    this.labels = new Float64Array(this.cap * hs.length);
    this.cursors = hs.map(() => 0);
  }

  /** Rows pushed and not yet emitted. */
  get pending(): number {
    return this.tail - this.head;
  }

  /**
   * Adds the event at venue time `ts` with mid `midTimesTwo` (best bid + best ask in ticks, see
   * `OrderBook.midTimesTwo`) as the row `rowId`, and returns the rows, oldest first, whose every
   * horizon the stream has now passed (t + h < ts). Throws a RangeError when time goes backwards or the
   * mid is not a positive finite number: the caller skips events with an empty side.
   */
  push(ts: Micros, midTimesTwo: number, rowId: number): LabelledRow[] {
    if (!Number.isFinite(ts) || ts < this.lastTs) throw new RangeError(`time ${ts} µs goes back before ${this.lastTs} µs`);
    if (!(midTimesTwo > 0) || !Number.isFinite(midTimesTwo)) throw new RangeError(`mid ${midTimesTwo} is not positive`);
    // Every pending row not yet resolved has t + h >= lastTs, so the last mid is the last at or before
    // its t + h whenever t + h < ts.
    this.resolveBefore(ts);
    const out = this.emitComplete();
    if (this.tail - this.head === this.cap) this.grow();
    const slot = this.tail % this.cap;
    this.times[slot] = ts;
    this.mids[slot] = midTimesTwo;
    this.ids[slot] = rowId;
    this.tail++;
    this.lastTs = ts;
    this.lastMid = midTimesTwo;
    return out;
  }

  /**
   * Ends the stream (say at the end of a recording or at a book resync) and returns every pending row.
   * A horizon counts as reached when the last event's time is at or after t + h: no later event can
   * arrive, so the last mid is the last at or before t + h. Otherwise the label is NaN with
   * `reached` 0: it is never extrapolated. The labeller is then empty and accepts any time again.
   */
  flush(): LabelledRow[] {
    const H = this.horizons.length;
    for (let k = 0; k < H; k++) {
      for (let s = this.cursors[k]; s < this.tail; s++) {
        const slot = s % this.cap;
        const reached = this.times[slot] + this.horizons[k] <= this.lastTs;
        this.labels[slot * H + k] = reached ? this.lastMid : NaN;
      }
      this.cursors[k] = this.tail;
    }
    const out = this.emitComplete();
    this.head = this.tail = 0;
    this.cursors.fill(0);
    this.lastTs = -Infinity;
    this.lastMid = NaN;
    return out;
  }

  /** Sets the label of every pending row whose t + h lies before `ts`, horizon by horizon. */
  private resolveBefore(ts: number): void {
    const H = this.horizons.length;
    for (let k = 0; k < H; k++) {
      const h = this.horizons[k];
      let s = this.cursors[k];
      while (s < this.tail && this.times[s % this.cap] + h < ts) {
        this.labels[(s % this.cap) * H + k] = this.lastMid;
        s++;
      }
      this.cursors[k] = s;
    }
  }

  /** Removes and returns the rows resolved for every horizon; the longest resolves last. */
  private emitComplete(): LabelledRow[] {
    const H = this.horizons.length;
    const done = this.cursors[H - 1];
    if (done === this.head) return [];
    const out: LabelledRow[] = [];
    for (; this.head < done; this.head++) {
      const slot = this.head % this.cap;
      const base = this.mids[slot];
      const returnsBps = new Float64Array(H);
      const classes = new Int8Array(H);
      const reached = new Uint8Array(H);
      for (let k = 0; k < H; k++) {
        const label = this.labels[slot * H + k];
        if (Number.isNaN(label)) {
          returnsBps[k] = NaN;
          continue;
        }
        const r = returnBps(base, label);
        returnsBps[k] = r;
        classes[k] = directionClass(r, this.deadZoneBps);
        reached[k] = 1;
      }
      out.push({ rowId: this.ids[slot], ts: this.times[slot] as Micros, returnsBps, classes, reached });
    }
    return out;
  }

  /** Doubles the ring, moving the pending rows so that sequence s stays at slot s % cap. */
  private grow(): void {
    const H = this.horizons.length;
    const cap = this.cap * 2;
    const times = new Float64Array(cap);
    const mids = new Float64Array(cap);
    const ids = new Float64Array(cap);
    const labels = new Float64Array(cap * H);
    for (let s = this.head; s < this.tail; s++) {
      const from = s % this.cap;
      const to = s % cap;
      times[to] = this.times[from]!;
      mids[to] = this.mids[from]!;
      ids[to] = this.ids[from]!;
      for (let k = 0; k < H; k++) labels[to * H + k] = this.labels[from * H + k]!;
    }
    this.cap = cap;
    this.times = times;
    this.mids = mids;
    this.ids = ids;
    this.labels = labels;
  }
}
