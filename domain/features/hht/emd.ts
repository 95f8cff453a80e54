/**
 * Empirical mode decomposition (Huang et al. 1998, "The empirical mode decomposition and the Hilbert
 * spectrum for nonlinear and non-stationary time series analysis", Proc. R. Soc. A 454).
 *
 * A signal is split into intrinsic mode functions (IMFs), fastest first, and a residue (the trend):
 * signal = imf_1 + ... + imf_k + residue, exactly up to float rounding, because each IMF is subtracted
 * from the running residue. Each IMF is found by sifting: subtract the mean of the upper and lower
 * envelopes (natural cubic splines through the maxima and the minima) until the Cauchy-type criterion
 * SD = Σ (h_prev - h)^2 / Σ h_prev^2 falls below `sdThreshold` (Huang's 0.2–0.3) or `maxSifts` is reached.
 *
 * Ends: the envelopes are pinned beyond the window by mirroring the two extrema nearest each end about
 * the end sample (a simplified form of Rilling, Flandrin and Gonçalves 2003, "On empirical mode
 * decomposition and its algorithms"). This keeps the splines from swinging wildly at the edges, but the
 * last few samples of each IMF are still the least reliable: read features away from the very end.
 *
 * `Emd` allocates all of its buffers once for a window length; `decompose` allocates nothing.
 */

export interface EmdOptions {
  /** The most IMFs to extract before the rest is left in the residue; 5 by default. */
  readonly maxImfs?: number;
  /** The most sifting iterations per IMF; 10 by default. */
  readonly maxSifts?: number;
  /** Sifting stops once SD = Σ (h_prev - h)^2 / Σ h_prev^2 is below this; 0.2 by default. */
  readonly sdThreshold?: number;
}

/**
 * The outcome of one `decompose` call. It views the `Emd`'s own buffers: the next call overwrites it,
 * so copy what must outlive it.
 */
export interface EmdResult {
  /** The number of IMFs found, 0..maxImfs. */
  readonly imfCount: number;
  /** IMF `k` (0-based, fastest first), `k < imfCount`; a view of length n. */
  imf(k: number): Float64Array;
  /** What is left after the IMFs: the trend; a view of length n. */
  readonly residue: Float64Array;
}

/** Extra knots mirrored beyond each end of the window. */
const MIRRORED = 2;

export class Emd implements EmdResult {
  readonly length: number;
  readonly maxImfs: number;
  readonly maxSifts: number;
  readonly sdThreshold: number;
  readonly residue: Float64Array;
  private count = 0;
  private readonly imfs: Float64Array;
  private readonly h: Float64Array;
  private readonly mean: Float64Array;
  private readonly maxIdx: Int32Array;
  private readonly minIdx: Int32Array;
  // Spline scratch: knots (x, y), second derivatives and the tridiagonal sweep's factors.
  private readonly kx: Float64Array;
  private readonly ky: Float64Array;
  private readonly m: Float64Array;
  private readonly cp: Float64Array;
  private nMax = 0;
  private nMin = 0;

  constructor(length: number, options: EmdOptions = {}) {
    if (!Number.isInteger(length) || length < 4) throw new Error(`Emd: the window length must be an integer ≥ 4, got ${length}`);
    this.length = length;
    this.maxImfs = options.maxImfs ?? 5;
    this.maxSifts = options.maxSifts ?? 10;
    this.sdThreshold = options.sdThreshold ?? 0.2;
    if (!Number.isInteger(this.maxImfs) || this.maxImfs < 1) throw new Error('Emd: maxImfs must be a positive integer');
    if (!Number.isInteger(this.maxSifts) || this.maxSifts < 1) throw new Error('Emd: maxSifts must be a positive integer');
    if (!(this.sdThreshold > 0)) throw new Error('Emd: sdThreshold must be positive');
    this.imfs = new Float64Array(this.maxImfs * length);
    this.residue = new Float64Array(length);
    this.h = new Float64Array(length);
    this.mean = new Float64Array(length);
    // At most every other interior sample is a maximum (or a minimum).
    const extrema = (length >> 1) + 1;
    this.maxIdx = new Int32Array(extrema);
    this.minIdx = new Int32Array(extrema);
    const knots = extrema + 2 * MIRRORED;
    this.kx = new Float64Array(knots);
    this.ky = new Float64Array(knots);
    this.m = new Float64Array(knots);
    this.cp = new Float64Array(knots);
  }

  get imfCount(): number {
    return this.count;
  }

  imf(k: number): Float64Array {
    if (!(k >= 0 && k < this.count)) throw new Error(`Emd: IMF ${k} out of range (${this.count} found)`);
    return this.imfs.subarray(k * this.length, (k + 1) * this.length);
  }

  /** Decomposes `signal` (length n, finite values) into IMFs and a residue; returns this. */
  decompose(signal: Float64Array): EmdResult {
    const n = this.length;
    if (signal.length !== n) throw new Error(`Emd: expected ${n} samples, got ${signal.length}`);
    const r = this.residue;
    const h = this.h;
    r.set(signal);
    this.count = 0;
    while (this.count < this.maxImfs) {
      // A residue with too few extrema for two envelopes is the trend: stop.
      this.findExtrema(r);
      if (this.nMax + this.nMin < 3 || this.nMax === 0 || this.nMin === 0) break;
      h.set(r);
      this.sift(h);
      const imf = this.imfs.subarray(this.count * n, (this.count + 1) * n);
      imf.set(h);
      for (let i = 0; i < n; i++) r[i] -= h[i];
      this.count++;
    }
    return this;
  }

  /** Sifts `h` in place until the stopping rule holds or it has no extrema to envelope. */
  private sift(h: Float64Array): void {
    const n = this.length;
    const mean = this.mean;
    for (let it = 0; it < this.maxSifts; it++) {
      this.findExtrema(h);
      if (this.nMax === 0 || this.nMin === 0) return;
      this.envelope(h, this.maxIdx, this.nMax, mean, false);
      this.envelope(h, this.minIdx, this.nMin, mean, true);
      // mean now holds upper + lower; h_new = h - (upper + lower) / 2.
      let num = 0;
      let den = 0;
      for (let i = 0; i < n; i++) {
        const d = 0.5 * mean[i];
        num += d * d;
        den += h[i] * h[i];
        h[i] -= d;
      }
      if (den === 0 || num / den < this.sdThreshold) return;
    }
  }

  /**
   * Interior local maxima and minima of `x`. A flat run counts once, at its middle, when both of its
   * neighbours lie on the same side (integer-tick prices have many such plateaus).
   */
  private findExtrema(x: Float64Array): void {
    const n = this.length;
    let nMax = 0;
    let nMin = 0;
    let i = 1;
    while (i < n - 1) {
      const prev = x[i - 1];
      const v = x[i];
      if (v === prev) {
        i++;
        continue;
      }
      let j = i;
      while (j + 1 < n - 1 && x[j + 1] === v) j++;
      // j + 1 ≤ n - 1 always: the run stops before the last sample.
      const next = x[j + 1];
      const mid = (i + j) >> 1;
      if (v > prev && v > next) this.maxIdx[nMax++] = mid;
      else if (v < prev && v < next) this.minIdx[nMin++] = mid;
      i = j + 1;
    }
    this.nMax = nMax;
    this.nMin = nMin;
  }

  /**
   * Adds to `out` (or sets, for the first envelope) the natural cubic spline through the extrema `idx`
   * of `x`, with the `MIRRORED` extrema nearest each end reflected about the end sample.
   */
  private envelope(x: Float64Array, idx: Int32Array, count: number, out: Float64Array, add: boolean): void {
    const n = this.length;
    const kx = this.kx;
    const ky = this.ky;
    let k = 0;
    const left = Math.min(MIRRORED, count);
    for (let q = left - 1; q >= 0; q--) {
      kx[k] = -idx[q];
      ky[k++] = x[idx[q]];
    }
    for (let q = 0; q < count; q++) {
      kx[k] = idx[q];
      ky[k++] = x[idx[q]];
    }
    for (let q = count - 1; q >= count - left; q--) {
      kx[k] = 2 * (n - 1) - idx[q];
      ky[k++] = x[idx[q]];
    }
    this.splineSecondDerivatives(k);
    this.splineEvaluate(k, out, add);
  }

  /** Natural spline: solves for the second derivatives m[0..k) with m[0] = m[k-1] = 0 (Thomas algorithm). */
  private splineSecondDerivatives(k: number): void {
    const { kx, ky, m, cp } = this;
    m[0] = 0;
    m[k - 1] = 0;
    if (k < 3) return;
    // Row i (1..k-2): a m[i-1] + b m[i] + c m[i+1] = d; forward sweep keeps c' in cp and d' in m.
    cp[0] = 0;
    for (let i = 1; i < k - 1; i++) {
      const h0 = kx[i] - kx[i - 1];
      const h1 = kx[i + 1] - kx[i];
      const a = i > 1 ? h0 : 0;
      const b = 2 * (h0 + h1);
      const c = i < k - 2 ? h1 : 0;
      const d = 6 * ((ky[i + 1] - ky[i]) / h1 - (ky[i] - ky[i - 1]) / h0);
      const denom = b - a * cp[i - 1];
      cp[i] = c / denom;
      m[i] = (d - a * m[i - 1]) / denom;
    }
    for (let i = k - 3; i >= 1; i--) m[i] -= cp[i] * m[i + 1];
  }

  /**
   * Evaluates the spline at the integer points 0..n-1, which the knots always span. Each segment
   * [x0, x1] becomes y0 + b (c1 + b (c2 + b c3)) in b = t - x0, so the inner loop has no division.
   */
  private splineEvaluate(k: number, out: Float64Array, add: boolean): void {
    const { kx, ky, m } = this;
    const last = this.length - 1;
    let t = 0;
    for (let s = 0; s < k - 1 && t <= last; s++) {
      const x0 = kx[s];
      const x1 = kx[s + 1];
      const hs = x1 - x0;
      const m0 = m[s];
      const m1 = m[s + 1];
      const y0 = ky[s];
      const c1 = (ky[s + 1] - y0) / hs - (hs * (2 * m0 + m1)) / 6;
      const c2 = m0 / 2;
      const c3 = (m1 - m0) / (6 * hs);
      // The last segment takes every remaining point; the others stop at their right knot.
      const end = s === k - 2 ? last : Math.min(last, Math.floor(x1));
      if (add) {
        for (; t <= end; t++) {
          const b = t - x0;
          out[t] += y0 + b * (c1 + b * (c2 + b * c3));
        }
      } else {
        for (; t <= end; t++) {
          const b = t - x0;
          out[t] = y0 + b * (c1 + b * (c2 + b * c3));
        }
      }
    }
  }
}
