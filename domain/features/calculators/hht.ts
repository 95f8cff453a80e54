import type { BookEvent, FeatureCalculator } from '../calculator.ts';
import { HHT_REFRESH_MICROS, HHT_SAMPLE_MICROS, HHT_SAMPLES } from '../definitions.ts';
import { HHT_FEATURE_NAMES, HhtFeatures } from '../hht/hht-features.ts';

const SAMPLES_PER_REFRESH = HHT_REFRESH_MICROS / HHT_SAMPLE_MICROS;
const SAMPLE_HZ = 1_000_000 / HHT_SAMPLE_MICROS;

/**
 * Hilbert–Huang regime features of the mid on their own cadence: the mid is sampled on a 100 ms grid
 * of venue time (each grid point takes the last mid at or before it), the last 1,024 samples form the
 * window, and the decomposition runs once a second of venue time, not on every event; between
 * refreshes the values hold. Zero until the window first fills (102.4 s). Frequencies are converted
 * from cycles per sample to hertz; amplitudes are in ticks.
 */
export class HhtCalculator implements FeatureCalculator {
  readonly outputs: readonly string[] = HHT_FEATURE_NAMES;
  readonly values = new Float64Array(HHT_FEATURE_NAMES.length);
  private readonly hht = new HhtFeatures(HHT_SAMPLES);
  private readonly ring = new Float64Array(HHT_SAMPLES);
  private readonly window = new Float64Array(HHT_SAMPLES);
  private readonly raw = new Float64Array(HHT_FEATURE_NAMES.length);
  private next = 0; // ring slot of the next sample
  private filled = 0;
  private sinceRefresh = 0;
  private nextSampleTs = -1;
  private lastMid = 0;

  onBook(e: BookEvent): void {
    const mid = e.mid2 / 2;
    if (this.nextSampleTs < 0) {
      // The grid starts at the first event's time.
      this.nextSampleTs = e.ts;
      this.lastMid = mid;
    }
    let gridPoints = Math.floor((e.ts - this.nextSampleTs) / HHT_SAMPLE_MICROS) + 1;
    if (gridPoints > 0) {
      // A silence longer than the window fills it with the mid that held; no need to walk every point.
      const skip = Math.max(0, gridPoints - HHT_SAMPLES - SAMPLES_PER_REFRESH);
      this.nextSampleTs += skip * HHT_SAMPLE_MICROS;
      gridPoints -= skip;
      for (let g = 0; g < gridPoints; g++) {
        // A grid point at exactly this event's time takes this event's mid.
        this.sample(this.nextSampleTs === e.ts ? mid : this.lastMid);
        this.nextSampleTs += HHT_SAMPLE_MICROS;
      }
      // One decomposition however many refresh points the samples passed: only the latest is read.
      if (this.sinceRefresh >= SAMPLES_PER_REFRESH && this.filled === HHT_SAMPLES) {
        this.sinceRefresh = 0;
        this.refresh();
      }
    }
    this.lastMid = mid;
  }

  private sample(mid: number): void {
    this.ring[this.next] = mid;
    this.next = (this.next + 1) % HHT_SAMPLES;
    if (this.filled < HHT_SAMPLES) this.filled++;
    this.sinceRefresh++;
  }

  private refresh(): void {
    // Oldest first: the ring's next slot holds the oldest sample once the window is full.
    const head = this.next;
    this.window.set(this.ring.subarray(head), 0);
    this.window.set(this.ring.subarray(0, head), HHT_SAMPLES - head);
    this.hht.compute(this.window, this.raw);
    for (let k = 0; k < this.values.length; k++) {
      // Amplitude, frequency pairs first, then the energy share.
      const isFreq = k < this.values.length - 1 && k % 2 === 1;
      this.values[k] = isFreq ? this.raw[k] * SAMPLE_HZ : this.raw[k];
    }
  }

  reset(): void {
    this.next = 0;
    this.filled = 0;
    this.sinceRefresh = 0;
    this.nextSampleTs = -1;
    this.lastMid = 0;
    this.values.fill(0);
  }
}
