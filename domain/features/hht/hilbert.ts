/**
 * The analytic signal z = x + i H[x] by FFT (Marple 1999, "Computing the discrete-time analytic signal
 * via FFT", IEEE Trans. Signal Process. 47): transform, zero the negative frequencies, double the
 * positive ones, keep DC and Nyquist, transform back. From z come the instantaneous amplitude |z|, the
 * unwrapped phase arg z and the instantaneous frequency dφ/dt / 2π in cycles per sample.
 *
 * Everything is allocated once per length; the per-call methods allocate nothing.
 */

const TWO_PI = 2 * Math.PI;

/** The smallest power of two ≥ n (n ≥ 1). */
export function nextPowerOfTwo(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

/** In-place iterative radix-2 complex FFT for a power-of-two size, twiddles and bit reversal precomputed. */
export class Fft {
  readonly size: number;
  private readonly cos: Float64Array;
  private readonly sin: Float64Array;
  private readonly rev: Uint32Array;

  constructor(size: number) {
    if (!Number.isInteger(size) || size < 1 || (size & (size - 1)) !== 0) {
      throw new Error(`Fft: the size must be a power of two, got ${size}`);
    }
    this.size = size;
    const half = size >> 1;
    this.cos = new Float64Array(half);
    this.sin = new Float64Array(half);
    for (let k = 0; k < half; k++) {
      this.cos[k] = Math.cos((TWO_PI * k) / size);
      this.sin[k] = Math.sin((TWO_PI * k) / size);
    }
    this.rev = new Uint32Array(size);
    const bits = Math.round(Math.log2(size));
    for (let i = 0; i < size; i++) {
      let r = 0;
      for (let b = 0; b < bits; b++) r |= ((i >>> b) & 1) << (bits - 1 - b);
      this.rev[i] = r;
    }
  }

  /** X[k] = Σ x[t] e^{-2πi kt/N}, in place. */
  forward(re: Float64Array, im: Float64Array): void {
    this.transform(re, im, -1);
  }

  /** x[t] = (1/N) Σ X[k] e^{+2πi kt/N}, in place. */
  inverse(re: Float64Array, im: Float64Array): void {
    this.transform(re, im, 1);
    const scale = 1 / this.size;
    for (let i = 0; i < this.size; i++) {
      re[i] *= scale;
      im[i] *= scale;
    }
  }

  private transform(re: Float64Array, im: Float64Array, sign: 1 | -1): void {
    const n = this.size;
    if (re.length < n || im.length < n) throw new Error(`Fft: buffers shorter than ${n}`);
    const { rev, cos, sin } = this;
    for (let i = 0; i < n; i++) {
      const j = rev[i];
      if (j > i) {
        const tr = re[i];
        re[i] = re[j];
        re[j] = tr;
        const ti = im[i];
        im[i] = im[j];
        im[j] = ti;
      }
    }
    for (let len = 2; len <= n; len <<= 1) {
      const half = len >> 1;
      const step = n / len;
      // Twiddle outermost, so each is loaded once per stage.
      for (let k = 0; k < half; k++) {
        const wr = cos[k * step];
        const wi = sign * sin[k * step];
        for (let a = k; a < n; a += len) {
          const b = a + half;
          const xr = re[b] * wr - im[b] * wi;
          const xi = re[b] * wi + im[b] * wr;
          re[b] = re[a] - xr;
          im[b] = im[a] - xi;
          re[a] += xr;
          im[a] += xi;
        }
      }
    }
  }
}

/**
 * The discrete analytic signal of real windows of a fixed length. A length that is not a power of two
 * is zero-padded to the next one; the padding adds end effects of its own, so prefer 1,024 and friends.
 */
export class AnalyticSignal {
  readonly length: number;
  readonly fftSize: number;
  private readonly fft: Fft;
  private readonly re: Float64Array;
  private readonly im: Float64Array;

  constructor(length: number) {
    if (!Number.isInteger(length) || length < 2) throw new Error(`AnalyticSignal: the length must be an integer ≥ 2, got ${length}`);
    this.length = length;
    this.fftSize = nextPowerOfTwo(length);
    this.fft = new Fft(this.fftSize);
    this.re = new Float64Array(this.fftSize);
    this.im = new Float64Array(this.fftSize);
  }

  /** Writes z = x + i H[x] into (outRe, outIm), each of `length`; outRe equals x up to rounding. */
  compute(x: Float64Array, outRe: Float64Array, outIm: Float64Array): void {
    const n = this.length;
    const size = this.fftSize;
    if (x.length !== n || outRe.length < n || outIm.length < n) throw new Error(`AnalyticSignal: expected ${n} samples`);
    const { re, im } = this;
    re.set(x);
    re.fill(0, n);
    im.fill(0);
    this.fft.forward(re, im);
    // h[k] = 1 at DC and Nyquist, 2 for 0 < k < N/2, 0 above (Marple 1999, eq. 9). Size 1 cannot occur.
    const half = size >> 1;
    for (let k = 1; k < half; k++) {
      re[k] *= 2;
      im[k] *= 2;
    }
    re.fill(0, half + 1);
    im.fill(0, half + 1);
    this.fft.inverse(re, im);
    for (let t = 0; t < n; t++) {
      outRe[t] = re[t];
      outIm[t] = im[t];
    }
  }
}

/** out[t] = |z[t]|. */
export function instantaneousAmplitude(re: Float64Array, im: Float64Array, out: Float64Array): void {
  // Math.sqrt over Math.hypot: hypot is several times slower in V8, and these values cannot overflow.
  for (let t = 0; t < out.length; t++) out[t] = Math.sqrt(re[t] * re[t] + im[t] * im[t]);
}

/** out[t] = arg z[t], unwrapped so that consecutive samples never differ by more than π. */
export function instantaneousPhase(re: Float64Array, im: Float64Array, out: Float64Array): void {
  let offset = 0;
  let prev = 0;
  for (let t = 0; t < out.length; t++) {
    const p = Math.atan2(im[t], re[t]);
    if (t > 0) {
      const d = p - prev;
      if (d > Math.PI || d < -Math.PI) offset -= TWO_PI * Math.round(d / TWO_PI);
    }
    prev = p;
    out[t] = p + offset;
  }
}

/**
 * Instantaneous frequency in cycles per sample from an unwrapped phase: central differences inside,
 * one-sided at the two ends. Negative where the phase runs backwards (noise, riding waves).
 */
export function instantaneousFrequency(phase: Float64Array, out: Float64Array): void {
  const n = phase.length;
  if (n < 2) {
    out.fill(0);
    return;
  }
  out[0] = (phase[1] - phase[0]) / TWO_PI;
  for (let t = 1; t < n - 1; t++) out[t] = (phase[t + 1] - phase[t - 1]) / (2 * TWO_PI);
  out[n - 1] = (phase[n - 1] - phase[n - 2]) / TWO_PI;
}

/** Cycles per sample to hertz, for samples `sampleIntervalSeconds` apart (0.1 for every 100 ms). */
export function cyclesPerSampleToHz(cyclesPerSample: number, sampleIntervalSeconds: number): number {
  return cyclesPerSample / sampleIntervalSeconds;
}
