import type { Lots, Ticks } from '../values/units.ts';

/**
 * Stoikov's micro-price, estimated online. Stoikov (2018), "The micro-price: a high-frequency estimator
 * of future prices", Quantitative Finance 18(12):1959-1966 (see FORMULAS.md, section Micro-price).
 *
 * State x = (imbalance bucket i, spread s): I = qb / (qb + qa) falls in bucket i when i/n < I < (i+1)/n,
 * and s is the spread in ticks clipped to 1..maxSpreadTicks. Between consecutive observations an
 * unchanged mid is a Q-transition x -> y; a mid change dM (a multiple of half a tick, clipped to
 * ±maxMoveTicks) is an R-transition, counted in R1 (x -> dM) and R2 (x -> y). Every transition also counts
 * its mirror (bucket i -> n-1-i, dM -> -dM), as the paper symmetrises its data. After every
 * `refreshEvery` accepted observations the counts become probabilities and
 *   g1 = (1 - Q)^-1 R1 K,  B = (1 - Q)^-1 R2,  P^m - M = g1 + B g1 + ... + B^(m-1) g1  (m = iterations).
 *
 * Choices beyond the paper, each keeping the output finite and exactly antisymmetric:
 * - An imbalance exactly on a bucket boundary (n qb / (qb + qa) an integer, e.g. I = 1/2 with n even)
 *   belongs half to each neighbouring bucket: its transitions are counted with weight 1/2 (1/4 when both
 *   ends are on a boundary) and its offset is the mean of the two buckets'. Any fixed tie rule would
 *   break the mirror symmetry. Counts are multiples of 1/4, so they add exactly in any order.
 * - A state from which no mid move is reachable through observed Q-transitions (never observed as a
 *   source, or only seen to move among such states) makes 1 - Q singular. It is treated as absorbing
 *   into no move: g = 0 and its row of B is 0. Q-transitions into such states are dropped likewise.
 * - The solved table is projected onto its antisymmetric part, t(x) = (t(x) - t(mirror x)) / 2, which
 *   changes it only by rounding and makes offset(mirror) === -offset exactly.
 * - Moves are clipped, not discarded (the paper drops moves beyond one tick). `maxMoveTicks` defaults
 *   to maxSpreadTicks / 2, so the default maxSpreadTicks = 2 gives the paper's K = {±0.5, ±1} ticks.
 * - Observations with an empty side (size ≤ 0) or a locked or crossed touch are skipped: they neither
 *   count nor break the chain of consecutive observations.
 *
 * Bound: rows of (1 - Q)^-1 R1 and of B are sub-probabilities, so |offset| ≤ iterations * maxMoveTicks.
 * `observe` is O(1) and `offsetTicks` a table lookup, neither allocates; a refresh is O(states^3) with
 * buffers allocated once in the constructor.
 */
export interface MicroPriceOptions {
  /** The number n of equal-width imbalance buckets on [0, 1]; a positive integer. */
  readonly imbalanceBuckets: number;
  /** Spreads above this many ticks count as this many; a positive integer. */
  readonly maxSpreadTicks: number;
  /** Rebuild the table after every this many accepted observations; a positive integer. */
  readonly refreshEvery: number;
  /** The number of terms m of P^m - M; a positive integer (the paper uses 6). */
  readonly iterations: number;
  /** Mid moves are clipped to ±this many ticks, a positive multiple of 0.5; maxSpreadTicks / 2 by default. */
  readonly maxMoveTicks?: number;
}

/** Top-of-book imbalance I = qb / (qb + qa), in [0, 1] for non-negative sizes (NaN when both are 0). */
export function imbalance(bidSize: number, askSize: number): number {
  return bidSize / (bidSize + askSize);
}

/** Stoikov's weighted mid W = Pb (1 - I) + Pa I with I = qb / (qb + qa), in the units of the prices. */
export function weightedMid(bid: number, bidSize: number, ask: number, askSize: number): number {
  const i = imbalance(bidSize, askSize);
  return bid * (1 - i) + ask * i;
}

/** Singular-pivot threshold of the elimination; pivots of 1 - Q on reachable states are far above it. */
const TINY_PIVOT = 1e-300;

export class MicroPriceEstimator {
  readonly imbalanceBuckets: number;
  readonly maxSpreadTicks: number;
  readonly refreshEvery: number;
  readonly iterations: number;
  readonly maxMoveTicks: number;
  /** The number of states n * maxSpreadTicks; state index x = (s - 1) * n + i. */
  readonly states: number;
  /** The number of move classes |K| = 2 * (2 * maxMoveTicks): -H..-1, 1..H in half ticks. */
  private readonly moves: number;
  private readonly halfTicksMax: number;
  // Symmetrised counts, multiples of 1/4: Q (states x states), R1 (states x moves), R2 (states x states),
  // and each source state's total over Q and R.
  private readonly qCounts: Float64Array;
  private readonly r1Counts: Float64Array;
  private readonly r2Counts: Float64Array;
  private readonly rowTotals: Float64Array;
  /** P^m - M in ticks per state; all zeros until the first refresh. */
  private readonly table: Float64Array;
  // Refresh scratch: the system matrix, its right-hand sides [R1 K | R2], reachability, power iteration.
  private readonly system: Float64Array;
  private readonly rhs: Float64Array;
  private readonly reaches: Uint8Array;
  private readonly term: Float64Array;
  private readonly nextTerm: Float64Array;
  private observations = 0;
  private hasPrev = false;
  private prevSpread = 0;
  private prevPosition = 0;
  private prevMidHalfTicks = 0;

  constructor(options: MicroPriceOptions) {
    const { imbalanceBuckets: n, maxSpreadTicks, refreshEvery, iterations } = options;
    const maxMoveTicks = options.maxMoveTicks ?? maxSpreadTicks / 2;
    for (const [name, v] of [['imbalanceBuckets', n], ['maxSpreadTicks', maxSpreadTicks], ['refreshEvery', refreshEvery], ['iterations', iterations]] as const) {
      if (!Number.isInteger(v) || v < 1) throw new Error(`MicroPriceEstimator: ${name} must be a positive integer, got ${v}`);
    }
    if (!Number.isInteger(2 * maxMoveTicks) || maxMoveTicks < 0.5) {
      throw new Error(`MicroPriceEstimator: maxMoveTicks must be a positive multiple of 0.5, got ${maxMoveTicks}`);
    }
    this.imbalanceBuckets = n;
    this.maxSpreadTicks = maxSpreadTicks;
    this.refreshEvery = refreshEvery;
    this.iterations = iterations;
    this.maxMoveTicks = maxMoveTicks;
    this.states = n * maxSpreadTicks;
    this.halfTicksMax = 2 * maxMoveTicks;
    this.moves = 2 * this.halfTicksMax;
    const N = this.states;
    this.qCounts = new Float64Array(N * N);
    this.r1Counts = new Float64Array(N * this.moves);
    this.r2Counts = new Float64Array(N * N);
    this.rowTotals = new Float64Array(N);
    this.table = new Float64Array(N);
    this.system = new Float64Array(N * N);
    this.rhs = new Float64Array(N * (N + 1));
    this.reaches = new Uint8Array(N);
    this.term = new Float64Array(N);
    this.nextTerm = new Float64Array(N);
  }

  /** Counts the transition from the previous accepted observation; call on every book event in order. */
  observe(bid: Ticks, bidLots: Lots, ask: Ticks, askLots: Lots): void {
    if (!isValidTouch(bid, bidLots, ask, askLots)) return;
    const spread = Math.min(ask - bid, this.maxSpreadTicks);
    const position = bucketPosition(this.imbalanceBuckets, bidLots, askLots);
    const midHalfTicks = bid + ask;
    if (this.hasPrev) this.countTransition(position, spread, midHalfTicks - this.prevMidHalfTicks);
    this.hasPrev = true;
    this.prevSpread = spread;
    this.prevPosition = position;
    this.prevMidHalfTicks = midHalfTicks;
    this.observations++;
    if (this.observations % this.refreshEvery === 0) this.refresh();
  }

  /** The micro-price minus the mid, in ticks, for this touch; 0 before the first refresh or for an invalid touch. */
  offsetTicks(bid: Ticks, bidLots: Lots, ask: Ticks, askLots: Lots): number {
    if (!isValidTouch(bid, bidLots, ask, askLots)) return 0;
    const base = (Math.min(ask - bid, this.maxSpreadTicks) - 1) * this.imbalanceBuckets;
    const position = bucketPosition(this.imbalanceBuckets, bidLots, askLots);
    if (position & 1) return this.table[base + (position >> 1)];
    return (this.table[base + (position >> 1) - 1] + this.table[base + (position >> 1)]) / 2;
  }

  /** The number of accepted observations since construction or the last reset. */
  get observed(): number {
    return this.observations;
  }

  /** Forgets every count, the table and the previous observation (after a resync). */
  reset(): void {
    this.qCounts.fill(0);
    this.r1Counts.fill(0);
    this.r2Counts.fill(0);
    this.rowTotals.fill(0);
    this.table.fill(0);
    this.observations = 0;
    this.hasPrev = false;
  }

  /** Spreads the transition from the previous observation over the (one or two) buckets of each end. */
  private countTransition(position: number, spread: number, dMidHalfTicks: number): void {
    const H = this.halfTicksMax;
    let move = -1;
    if (dMidHalfTicks !== 0) {
      const h = Math.max(-H, Math.min(H, dMidHalfTicks));
      move = h < 0 ? h + H : h + H - 1;
    }
    const n = this.imbalanceBuckets;
    const fromBase = (this.prevSpread - 1) * n;
    const toBase = (spread - 1) * n;
    const fromCount = this.prevPosition & 1 ? 1 : 2;
    const toCount = position & 1 ? 1 : 2;
    const fromFirst = (this.prevPosition >> 1) + 1 - fromCount;
    const toFirst = (position >> 1) + 1 - toCount;
    const w = 1 / (fromCount * toCount);
    for (let a = 0; a < fromCount; a++) {
      for (let b = 0; b < toCount; b++) {
        const i = fromFirst + a;
        const j = toFirst + b;
        this.count(fromBase + i, toBase + j, move, w);
        this.count(fromBase + n - 1 - i, toBase + n - 1 - j, move < 0 ? -1 : this.moves - 1 - move, w);
      }
    }
  }

  private count(from: number, to: number, move: number, w: number): void {
    const N = this.states;
    this.rowTotals[from] += w;
    if (move < 0) {
      this.qCounts[from * N + to] += w;
    } else {
      this.r1Counts[from * this.moves + move] += w;
      this.r2Counts[from * N + to] += w;
    }
  }

  /** Rebuilds the table from the counts: solve (1 - Q) [g1 | B] = [R1 K | R2], then sum m terms. */
  private refresh(): void {
    const N = this.states;
    const W = N + 1;
    const { qCounts, r1Counts, r2Counts, rowTotals, system, rhs, reaches } = this;
    this.markStatesThatReachAMove();
    system.fill(0);
    rhs.fill(0);
    for (let x = 0; x < N; x++) {
      system[x * N + x] = 1;
      if (!reaches[x]) continue;
      const total = rowTotals[x];
      for (let y = 0; y < N; y++) {
        if (reaches[y]) system[x * N + y] -= qCounts[x * N + y] / total;
        rhs[x * W + 1 + y] = r2Counts[x * N + y] / total;
      }
      let drift = 0;
      for (let k = 0; k < this.moves; k++) drift += (r1Counts[x * this.moves + k] / total) * this.moveTicks(k);
      rhs[x * W] = drift;
    }
    solveInPlace(system, rhs, N, W);

    // term = B^k g1, table = sum over k < m of term.
    const { term, nextTerm, table } = this;
    for (let x = 0; x < N; x++) term[x] = table[x] = Number.isFinite(rhs[x * W]) ? rhs[x * W] : 0;
    for (let k = 1; k < this.iterations; k++) {
      for (let x = 0; x < N; x++) {
        let v = 0;
        for (let y = 0; y < N; y++) v += rhs[x * W + 1 + y] * term[y];
        nextTerm[x] = Number.isFinite(v) ? v : 0;
      }
      for (let x = 0; x < N; x++) {
        term[x] = nextTerm[x];
        table[x] += nextTerm[x];
      }
    }
    const n = this.imbalanceBuckets;
    for (let base = 0; base < N; base += n) {
      for (let i = 0; 2 * i < n; i++) {
        // Adding and subtracting from +0 keeps a zero offset +0 on both sides, never -0.
        const a = (table[base + i] - table[base + n - 1 - i]) / 2 + 0;
        table[base + i] = a;
        table[base + n - 1 - i] = 0 - a;
      }
    }
  }

  /** Marks the states with a path of observed Q-transitions to an observed move. */
  private markStatesThatReachAMove(): void {
    const N = this.states;
    const { reaches, rowTotals, qCounts, r1Counts } = this;
    for (let x = 0; x < N; x++) {
      let moved = 0;
      for (let k = 0; k < this.moves; k++) moved += r1Counts[x * this.moves + k];
      reaches[x] = moved > 0 ? 1 : 0;
    }
    for (let changed = true; changed; ) {
      changed = false;
      for (let x = 0; x < N; x++) {
        if (reaches[x] || rowTotals[x] === 0) continue;
        for (let y = 0; y < N; y++) {
          if (reaches[y] && qCounts[x * N + y] > 0) {
            reaches[x] = 1;
            changed = true;
            break;
          }
        }
      }
    }
  }

  /** The mid move of class k in ticks: classes -H..-1, 1..H in half ticks. */
  private moveTicks(k: number): number {
    const H = this.halfTicksMax;
    return (k < H ? k - H : k - H + 1) / 2;
  }
}

function isValidTouch(bid: number, bidLots: number, ask: number, askLots: number): boolean {
  return Number.isSafeInteger(bid) && Number.isSafeInteger(ask) && ask > bid && bidLots > 0 && askLots > 0 && Number.isFinite(bidLots + askLots);
}

/**
 * Where I = qb / (qb + qa) falls among n equal buckets, doubled: 2i + 1 strictly inside bucket i, 2i on the
 * boundary between buckets i - 1 and i. Computed with an integer-exact floor, so the mirror (sizes swapped)
 * is exactly 2n minus it. Sizes must be positive.
 */
function bucketPosition(n: number, bidLots: number, askLots: number): number {
  const num = n * bidLots;
  const den = bidLots + askLots;
  let q = Math.floor(num / den);
  if (q * den > num) q--;
  else if ((q + 1) * den <= num) q++;
  return q * den === num ? 2 * q : 2 * q + 1;
}

/**
 * Solves A X = B in place by Gaussian elimination with partial pivoting: A is n x n row-major, B is
 * n x w row-major and receives X. A pivot below TINY_PIVOT (a singular system) leaves its unknowns 0.
 */
function solveInPlace(a: Float64Array, b: Float64Array, n: number, w: number): void {
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(a[r * n + c]) > Math.abs(a[p * n + c])) p = r;
    if (Math.abs(a[p * n + c]) < TINY_PIVOT) continue;
    if (p !== c) {
      for (let k = 0; k < n; k++) swap(a, c * n + k, p * n + k);
      for (let k = 0; k < w; k++) swap(b, c * w + k, p * w + k);
    }
    const pivot = a[c * n + c];
    for (let r = c + 1; r < n; r++) {
      const f = a[r * n + c] / pivot;
      if (f === 0) continue;
      for (let k = c; k < n; k++) a[r * n + k] -= f * a[c * n + k];
      for (let k = 0; k < w; k++) b[r * w + k] -= f * b[c * w + k];
    }
  }
  for (let c = n - 1; c >= 0; c--) {
    const pivot = a[c * n + c];
    for (let k = 0; k < w; k++) {
      if (Math.abs(pivot) < TINY_PIVOT) {
        b[c * w + k] = 0;
        continue;
      }
      let v = b[c * w + k];
      for (let j = c + 1; j < n; j++) v -= a[c * n + j] * b[j * w + k];
      b[c * w + k] = v / pivot;
    }
  }
}

function swap(xs: Float64Array, i: number, j: number): void {
  const t = xs[i];
  xs[i] = xs[j];
  xs[j] = t;
}
