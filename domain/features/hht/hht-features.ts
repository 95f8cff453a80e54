import { createSchema, type FeatureSchema } from '../feature-vector.ts';
import { Emd, type EmdOptions } from './emd.ts';
import { AnalyticSignal, instantaneousAmplitude, instantaneousFrequency, instantaneousPhase } from './hilbert.ts';

/**
 * Hilbert–Huang features of a window of mid prices, in this order (the schema):
 * - `hht_imf{k}_amp` for k = 1..3: the mean instantaneous amplitude |z| of IMF k over the read segment,
 *   in the units of the input (ticks for a mid in ticks).
 * - `hht_imf{k}_freq`: the mean instantaneous frequency of IMF k over the read segment, in cycles per
 *   sample (multiply by the sampling rate for hertz: `cyclesPerSampleToHz`). A plain mean, so noise can
 *   make it slightly negative.
 * - `hht_trend_energy_share`: Σ (r_t - r̄)^2 / Σ (x_t - x̄)^2 over the whole window, where x is the window
 *   and r the EMD residue (the trend), each about its own mean; clamped to [0, 1]. It is 1 for a pure
 *   trend (a line has no extrema, so it is all residue), near 0 for pure oscillation, and 0 for a
 *   constant window (no energy at all).
 * An IMF that the decomposition did not produce (a smooth window has fewer) reads 0 amplitude, 0 frequency.
 *
 * The read segment: the features should describe the recent end of the window, but the last samples
 * of every IMF are the least reliable (the spline envelopes are extrapolated there and the FFT-based
 * Hilbert transform rings at the edge). So amplitude and frequency are averaged over the last
 * `tailFraction` of the window (10% by default: 102 of 1,024 samples) short of the final
 * `endGuardFraction` (2% by default: 20 samples, 2 s at 100 ms a sample). With the guard set to 0 the
 * segment runs to the last sample.
 *
 * The window is decomposed about its mean and scaled to a unit largest deviation, so a mid near 1e6
 * ticks keeps full precision and no finite window overflows; amplitudes are scaled back. Pure and
 * deterministic: buffers are allocated once for the window length and `compute` allocates nothing
 * but its output (or none, given `out`). Meant for its own cadence (once a second), not every event.
 */
export const HHT_IMF_FEATURES = 3;

export const HHT_FEATURE_NAMES = [
  'hht_imf1_amp',
  'hht_imf1_freq',
  'hht_imf2_amp',
  'hht_imf2_freq',
  'hht_imf3_amp',
  'hht_imf3_freq',
  'hht_trend_energy_share',
] as const;

export interface HhtOptions extends EmdOptions {
  /** The fraction of the window, at its end, that amplitude and frequency are averaged over; 0.1 by default. */
  readonly tailFraction?: number;
  /** The fraction of the window, at its very end, left out of that average; 0.02 by default. */
  readonly endGuardFraction?: number;
}

export class HhtFeatures {
  readonly schema: FeatureSchema = createSchema(HHT_FEATURE_NAMES);
  readonly length: number;
  /** The read segment is [segmentStart, segmentEnd). */
  readonly segmentStart: number;
  readonly segmentEnd: number;
  private readonly emd: Emd;
  private readonly analytic: AnalyticSignal;
  private readonly centred: Float64Array;
  private readonly re: Float64Array;
  private readonly im: Float64Array;
  private readonly amp: Float64Array;
  private readonly phase: Float64Array;
  private readonly freq: Float64Array;

  constructor(length: number, options: HhtOptions = {}) {
    const tail = options.tailFraction ?? 0.1;
    const guard = options.endGuardFraction ?? 0.02;
    if (!(tail > 0 && guard >= 0 && tail + guard <= 1)) throw new Error('HhtFeatures: need 0 < tailFraction, 0 ≤ endGuardFraction, and their sum ≤ 1');
    this.emd = new Emd(length, options);
    this.length = length;
    this.segmentEnd = length - Math.floor(guard * length);
    this.segmentStart = Math.max(0, Math.min(this.segmentEnd - 1, this.segmentEnd - Math.round(tail * length)));
    this.analytic = new AnalyticSignal(length);
    this.centred = new Float64Array(length);
    this.re = new Float64Array(length);
    this.im = new Float64Array(length);
    this.amp = new Float64Array(length);
    this.phase = new Float64Array(length);
    this.freq = new Float64Array(length);
  }

  /**
   * The features of `window` (evenly sampled, oldest first, finite, of the constructed length) in
   * schema order, written into `out` when given.
   */
  compute(window: Float64Array, out: Float64Array = new Float64Array(HHT_FEATURE_NAMES.length)): Float64Array {
    const n = this.length;
    if (window.length !== n) throw new Error(`HhtFeatures: expected ${n} samples, got ${window.length}`);
    // Scale to |x| ≤ 1 (when larger) before centring and again to a unit largest deviation after, so that no finite
    // window can overflow (squares of 1e200) or lose its ticks to a large level (a mid near 1e6).
    let peak = 0;
    let constant = true;
    for (let t = 0; t < n; t++) {
      peak = Math.max(peak, Math.abs(window[t]));
      constant &&= window[t] === window[0];
    }
    if (constant) {
      // No oscillation and no energy. Tested before scaling, whose rounding could fake a deviation.
      out.fill(0, 0, HHT_FEATURE_NAMES.length);
      return out;
    }
    // Only a large window is scaled down: 1 / peak of a subnormal peak would be infinite.
    const scale = peak > 1 ? peak : 1;
    const s1 = 1 / scale;
    let mean = 0;
    for (let t = 0; t < n; t++) mean += window[t] * s1;
    mean /= n;
    let dev = 0;
    for (let t = 0; t < n; t++) {
      const d = window[t] * s1 - mean;
      this.centred[t] = d;
      dev = Math.max(dev, Math.abs(d));
    }
    if (!(dev > 0)) {
      // Values a few ulps apart can round to one after scaling: constant at float resolution.
      out.fill(0, 0, HHT_FEATURE_NAMES.length);
      return out;
    }
    let total = 0;
    for (let t = 0; t < n; t++) {
      const d = this.centred[t] / dev;
      this.centred[t] = d;
      total += d * d;
    }
    // Amplitudes come back in the input's units.
    const unit = scale * dev;
    const result = this.emd.decompose(this.centred);
    for (let k = 0; k < HHT_IMF_FEATURES; k++) {
      if (k < result.imfCount) this.readImf(result.imf(k), out, 2 * k, unit);
      else out[2 * k] = out[2 * k + 1] = 0;
    }
    out[2 * HHT_IMF_FEATURES] = energyShare(result.residue, total);
    return out;
  }

  /** Mean amplitude and frequency of one IMF over the read segment, into out[at] and out[at + 1]. */
  private readImf(imf: Float64Array, out: Float64Array, at: number, unit: number): void {
    this.analytic.compute(imf, this.re, this.im);
    instantaneousAmplitude(this.re, this.im, this.amp);
    instantaneousPhase(this.re, this.im, this.phase);
    instantaneousFrequency(this.phase, this.freq);
    let a = 0;
    let f = 0;
    for (let t = this.segmentStart; t < this.segmentEnd; t++) {
      a += this.amp[t];
      f += this.freq[t];
    }
    const count = this.segmentEnd - this.segmentStart;
    out[at] = (a / count) * unit;
    out[at + 1] = f / count;
  }
}

/** Σ (r - r̄)^2 / total, clamped to [0, 1]; 0 when the window has no energy. */
function energyShare(residue: Float64Array, total: number): number {
  if (!(total > 0)) return 0;
  const n = residue.length;
  let mean = 0;
  for (let t = 0; t < n; t++) mean += residue[t];
  mean /= n;
  let e = 0;
  for (let t = 0; t < n; t++) {
    const d = residue[t] - mean;
    e += d * d;
  }
  return Math.min(1, e / total);
}
