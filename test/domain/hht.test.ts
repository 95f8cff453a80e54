import { describe, expect, test } from 'vitest';
import { Emd } from '../../domain/features/hht/emd.ts';
import { HHT_FEATURE_NAMES, HhtFeatures } from '../../domain/features/hht/hht-features.ts';
import {
  AnalyticSignal,
  cyclesPerSampleToHz,
  Fft,
  instantaneousAmplitude,
  instantaneousFrequency,
  instantaneousPhase,
  nextPowerOfTwo,
} from '../../domain/features/hht/hilbert.ts';

const N = 1024;

/** A seeded linear congruential generator in [0, 1): tests need repeatable noise, and domain/ has none. */
function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function randomWalk(n: number, seed: number, start = 1_000_000): Float64Array {
  const next = seeded(seed);
  const out = new Float64Array(n);
  let p = start;
  for (let t = 0; t < n; t++) {
    p += Math.round((next() - 0.5) * 4);
    out[t] = p;
  }
  return out;
}

/** Two sines, periods 16 and 128 samples, amplitudes 1 and 4. */
function twoSines(n: number): Float64Array {
  const x = new Float64Array(n);
  for (let t = 0; t < n; t++) x[t] = Math.sin((2 * Math.PI * t) / 16) + 4 * Math.sin((2 * Math.PI * t) / 128 + 0.3);
  return x;
}

/** Mean instantaneous amplitude and frequency of `x` over [from, to). */
function meanAmpFreq(x: Float64Array, from: number, to: number): { amp: number; freq: number } {
  const n = x.length;
  const analytic = new AnalyticSignal(n);
  const re = new Float64Array(n);
  const im = new Float64Array(n);
  const amp = new Float64Array(n);
  const phase = new Float64Array(n);
  const freq = new Float64Array(n);
  analytic.compute(x, re, im);
  instantaneousAmplitude(re, im, amp);
  instantaneousPhase(re, im, phase);
  instantaneousFrequency(phase, freq);
  let a = 0;
  let f = 0;
  for (let t = from; t < to; t++) {
    a += amp[t];
    f += freq[t];
  }
  return { amp: a / (to - from), freq: f / (to - from) };
}

describe('Fft', () => {
  test('matches a naive DFT and round-trips', () => {
    const next = seeded(7);
    const n = 16;
    const re = Float64Array.from({ length: n }, () => next() - 0.5);
    const im = Float64Array.from({ length: n }, () => next() - 0.5);
    const re0 = re.slice();
    const im0 = im.slice();
    const fft = new Fft(n);
    fft.forward(re, im);
    for (let k = 0; k < n; k++) {
      let sr = 0;
      let si = 0;
      for (let t = 0; t < n; t++) {
        const w = (-2 * Math.PI * k * t) / n;
        sr += re0[t] * Math.cos(w) - im0[t] * Math.sin(w);
        si += re0[t] * Math.sin(w) + im0[t] * Math.cos(w);
      }
      expect(re[k]).toBeCloseTo(sr, 12);
      expect(im[k]).toBeCloseTo(si, 12);
    }
    fft.inverse(re, im);
    for (let t = 0; t < n; t++) {
      expect(re[t]).toBeCloseTo(re0[t], 14);
      expect(im[t]).toBeCloseTo(im0[t], 14);
    }
  });

  test('round-trips 1,024 samples', () => {
    const x = randomWalk(N, 3, 0);
    const re = x.slice();
    const im = new Float64Array(N);
    const fft = new Fft(N);
    fft.forward(re, im);
    fft.inverse(re, im);
    for (let t = 0; t < N; t++) {
      expect(Math.abs(re[t] - x[t])).toBeLessThan(1e-9);
      expect(Math.abs(im[t])).toBeLessThan(1e-9);
    }
  });

  test('rejects a size that is not a power of two, and short buffers', () => {
    expect(() => new Fft(12)).toThrow(/power of two/);
    expect(() => new Fft(8).forward(new Float64Array(4), new Float64Array(4))).toThrow(/shorter/);
    expect([nextPowerOfTwo(1), nextPowerOfTwo(1000), nextPowerOfTwo(1024)]).toEqual([1, 1024, 1024]);
  });
});

describe('analytic signal', () => {
  test('the Hilbert transform of cos is sin, away from the ends', () => {
    // 1/37 cycles a sample: not periodic in the window, so the ends ring and only the interior is exact.
    const f = 1 / 37;
    const x = Float64Array.from({ length: N }, (_, t) => Math.cos(2 * Math.PI * f * t));
    const re = new Float64Array(N);
    const im = new Float64Array(N);
    new AnalyticSignal(N).compute(x, re, im);
    for (let t = 128; t < N - 128; t++) {
      expect(Math.abs(re[t] - x[t])).toBeLessThan(1e-12);
      expect(Math.abs(im[t] - Math.sin(2 * Math.PI * f * t))).toBeLessThan(0.02);
    }
    const m = meanAmpFreq(x, 128, N - 128);
    expect(m.amp).toBeCloseTo(1, 2);
    expect(m.freq).toBeCloseTo(f, 4);
  });

  test('zero-pads a length that is not a power of two', () => {
    const n = 1000;
    const f = 1 / 25;
    const x = Float64Array.from({ length: n }, (_, t) => 2 * Math.cos(2 * Math.PI * f * t));
    expect(new AnalyticSignal(n).fftSize).toBe(1024);
    const m = meanAmpFreq(x, 200, 800);
    expect(Math.abs(m.freq / f - 1)).toBeLessThan(0.01);
    expect(Math.abs(m.amp / 2 - 1)).toBeLessThan(0.01);
  });

  test('unwraps the phase and converts to hertz', () => {
    const re = Float64Array.from({ length: 64 }, (_, t) => Math.cos(2 * Math.PI * 0.3 * t));
    const im = Float64Array.from({ length: 64 }, (_, t) => Math.sin(2 * Math.PI * 0.3 * t));
    const phase = new Float64Array(64);
    const freq = new Float64Array(64);
    instantaneousPhase(re, im, phase);
    instantaneousFrequency(phase, freq);
    for (let t = 0; t < 64; t++) {
      expect(phase[t]).toBeCloseTo(2 * Math.PI * 0.3 * t, 9);
      expect(freq[t]).toBeCloseTo(0.3, 9);
    }
    expect(cyclesPerSampleToHz(0.3, 0.1)).toBeCloseTo(3, 12);
    const one = new Float64Array(1);
    instantaneousFrequency(new Float64Array(1), one);
    expect(one[0]).toBe(0);
    expect(() => new AnalyticSignal(1)).toThrow(/≥ 2/);
    expect(() => new AnalyticSignal(8).compute(new Float64Array(7), re, im)).toThrow(/8 samples/);
  });
});

describe('Emd', () => {
  test('separates two sines into IMFs whose instantaneous frequencies match within 5%', () => {
    const x = twoSines(N);
    const result = new Emd(N).decompose(x);
    expect(result.imfCount).toBeGreaterThanOrEqual(2);
    // The middle half of the window, away from the end effects.
    const fast = meanAmpFreq(result.imf(0), N / 4, (3 * N) / 4);
    const slow = meanAmpFreq(result.imf(1), N / 4, (3 * N) / 4);
    expect(Math.abs(fast.freq * 16 - 1)).toBeLessThan(0.05);
    expect(Math.abs(slow.freq * 128 - 1)).toBeLessThan(0.05);
    expect(Math.abs(fast.amp - 1)).toBeLessThan(0.05);
    expect(Math.abs(slow.amp / 4 - 1)).toBeLessThan(0.05);
  });

  test('IMFs and residue sum back to the signal', () => {
    for (const x of [twoSines(N), randomWalk(N, 11)]) {
      const result = new Emd(N).decompose(x);
      expect(result.imfCount).toBeGreaterThan(0);
      for (let t = 0; t < N; t++) {
        let sum = result.residue[t];
        for (let k = 0; k < result.imfCount; k++) sum += result.imf(k)[t];
        expect(Math.abs(sum - x[t])).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(x[t])));
      }
    }
  });

  test('leaves a line in the residue, with no IMF', () => {
    const x = Float64Array.from({ length: N }, (_, t) => 5 + 0.25 * t);
    const result = new Emd(N).decompose(x);
    expect(result.imfCount).toBe(0);
    expect(Array.from(result.residue)).toEqual(Array.from(x));
  });

  test('stops at maxImfs, counts a plateau once, and checks its arguments', () => {
    const emd = new Emd(N, { maxImfs: 2, maxSifts: 4, sdThreshold: 0.3 });
    expect(emd.decompose(randomWalk(N, 5)).imfCount).toBe(2);
    expect(() => emd.imf(2)).toThrow(/out of range/);
    expect(() => emd.decompose(new Float64Array(10))).toThrow(/1024 samples/);
    expect(() => new Emd(3)).toThrow(/≥ 4/);
    expect(() => new Emd(8, { maxImfs: 0 })).toThrow(/maxImfs/);
    expect(() => new Emd(8, { maxSifts: 1.5 })).toThrow(/maxSifts/);
    expect(() => new Emd(8, { sdThreshold: 0 })).toThrow(/sdThreshold/);
    // Flat-topped square-ish wave: each plateau is one extremum, so it is one oscillation, not noise.
    const square = Float64Array.from({ length: 64 }, (_, t) => (Math.floor(t / 8) % 2 === 0 ? 1 : -1));
    const sq = new Emd(64).decompose(square);
    expect(sq.imfCount).toBeGreaterThan(0);
    expect(meanAmpFreq(sq.imf(0), 16, 48).freq).toBeGreaterThan(1 / 24);
  });
});

describe('HhtFeatures', () => {
  test('names its features as identifiers, in the documented order', () => {
    const hht = new HhtFeatures(N);
    expect(hht.schema.names).toEqual([...HHT_FEATURE_NAMES]);
    for (const name of HHT_FEATURE_NAMES) expect(name).toMatch(/^[a-z][a-z0-9_]*$/);
    expect([hht.segmentStart, hht.segmentEnd]).toEqual([1024 - 20 - 102, 1024 - 20]);
  });

  test('reads the two sines at the end of the window, at a price level', () => {
    const x = twoSines(N).map((v) => v + 1_000_000);
    const f = new HhtFeatures(N).compute(x);
    expect(Math.abs(f[0] - 1)).toBeLessThan(0.05);
    expect(Math.abs(f[1] * 16 - 1)).toBeLessThan(0.05);
    expect(Math.abs(f[2] / 4 - 1)).toBeLessThan(0.05);
    expect(Math.abs(f[3] * 128 - 1)).toBeLessThan(0.05);
    expect(f[6]).toBeLessThan(0.01);
  });

  test('gives a linear trend an energy share of 1 and a trend with a ripple nearly 1', () => {
    const line = Float64Array.from({ length: N }, (_, t) => 1_000_000 + 3 * t);
    const f = new HhtFeatures(N).compute(line);
    expect(f[6]).toBeCloseTo(1, 12);
    expect(Array.from(f.subarray(0, 6))).toEqual([0, 0, 0, 0, 0, 0]);
    const ripple = Float64Array.from({ length: N }, (_, t) => 0.5 * t + Math.sin((2 * Math.PI * t) / 32));
    expect(new HhtFeatures(N).compute(ripple)[6]).toBeGreaterThan(0.99);
  });

  test('is all zeros on a constant window and writes into a given buffer', () => {
    const out = new Float64Array(7).fill(9);
    const same = new HhtFeatures(N).compute(new Float64Array(N).fill(1_000_000), out);
    expect(same).toBe(out);
    expect(Array.from(out)).toEqual([0, 0, 0, 0, 0, 0, 0]);
  });

  test('is deterministic, finite on a random walk and checks its arguments', () => {
    const x = randomWalk(N, 42);
    const a = new HhtFeatures(N).compute(x);
    const hht = new HhtFeatures(N);
    hht.compute(twoSines(N));
    const b = hht.compute(x);
    expect(Array.from(b)).toEqual(Array.from(a));
    for (const v of a) expect(Number.isFinite(v)).toBe(true);
    expect(a[6]).toBeGreaterThanOrEqual(0);
    expect(a[6]).toBeLessThanOrEqual(1);
    expect(() => hht.compute(new Float64Array(5))).toThrow(/1024 samples/);
    expect(() => new HhtFeatures(N, { tailFraction: 0 })).toThrow(/tailFraction/);
    expect(() => new HhtFeatures(N, { tailFraction: 0.9, endGuardFraction: 0.2 })).toThrow(/sum/);
  });
});

describe('HhtFeatures at the edges of float range', () => {
  test('tiny, huge and ulp-apart windows stay finite', () => {
    const hht = new HhtFeatures(64);
    const ulps = Float64Array.from({ length: 64 }, (_, t) => (t % 2 === 0 ? 1 : 1 + Number.EPSILON));
    const tiny = Float64Array.from({ length: 64 }, (_, t) => (t % 3) * Number.MIN_VALUE);
    const huge = Float64Array.from({ length: 64 }, (_, t) => (t % 2 === 0 ? 1e308 : -1e308));
    for (const x of [ulps, tiny, huge]) for (const v of hht.compute(x)) expect(Number.isFinite(v)).toBe(true);
  });
});
