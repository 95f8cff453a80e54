/**
 * Where false signals happen: the signals of a scored set of rows split by market conditions, each
 * bucket with its count of signals, of false ones and their rate. Terciles are cut at the signals' own
 * 1/3 and 2/3 quantiles; a condition whose feature the data lacks is listed as missing.
 */
export interface BreakdownBucket {
  readonly bucket: string;
  readonly count: number;
  readonly falseSignals: number;
  /** falseSignals / count; NaN for an empty bucket. */
  readonly rate: number;
}

export interface Breakdown {
  readonly by: string;
  /** The feature the condition reads, or a derived quantity ('confidence', 'hour (UTC)'). */
  readonly source: string;
  readonly buckets: readonly BreakdownBucket[];
}

export interface FalseSignalBreakdown {
  /** `signals`: the signals at the threshold; `every row`: the model abstains, so every nonzero score counts as one. */
  readonly basis: 'signals' | 'every row';
  readonly signals: number;
  readonly breakdowns: readonly Breakdown[];
  readonly missing: readonly string[];
}

export interface BreakdownInput {
  /** Per signal: its venue time (µs), confidence, whether it was false, and a feature reader. */
  readonly ts: readonly number[];
  readonly confidence: readonly number[];
  readonly isFalse: readonly boolean[];
  /** The value of the named feature for signal k, or null when the data has no such feature. */
  readonly feature: (name: string) => ((k: number) => number) | null;
  readonly basis: 'signals' | 'every row';
}

type Bucketer = (value: number) => string;

const fixed = (edges: readonly number[], labels: readonly string[]): Bucketer => (v) => {
  for (let b = 0; b < edges.length; b++) if (v < edges[b]) return labels[b];
  return labels[labels.length - 1];
};

/** Tercile labels cut at the values' 1/3 and 2/3 quantiles. */
function terciles(values: readonly number[]): { bucket: Bucketer; labels: string[] } {
  const sorted = [...values].sort((a, b) => a - b);
  const q = (p: number): number => (sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]);
  const [a, b] = [q(1 / 3), q(2 / 3)];
  const fmt = (x: number): string => (Math.abs(x) >= 100 ? x.toFixed(0) : x.toPrecision(3));
  const labels = [`low (< ${fmt(a)})`, `mid (${fmt(a)}–${fmt(b)})`, `high (≥ ${fmt(b)})`];
  return { bucket: (v) => (v < a ? labels[0] : v < b ? labels[1] : labels[2]), labels };
}

const CONDITIONS: readonly { by: string; feature: string; kind: 'fixed' | 'tercile'; abs?: boolean; edges?: number[]; labels?: string[] }[] = [
  { by: 'spread', feature: 'spread_ticks', kind: 'fixed', edges: [1.5, 2.5], labels: ['1 tick', '2 ticks', '3+ ticks'] },
  { by: 'volatility tercile', feature: 'rv_30s_bps', kind: 'tercile' },
  { by: 'imbalance tercile', feature: 'depth_imbalance_1', kind: 'tercile', abs: true },
  { by: 'trade-rate tercile', feature: 'trade_rate_5s', kind: 'tercile' },
  { by: 'time since mid change', feature: 'time_since_mid_change_s', kind: 'fixed', edges: [0.1, 1, 10], labels: ['< 0.1 s', '0.1–1 s', '1–10 s', '≥ 10 s'] },
];

export function falseSignalBreakdown(input: BreakdownInput): FalseSignalBreakdown {
  const n = input.ts.length;
  const breakdowns: Breakdown[] = [];
  const missing: string[] = [];
  for (const c of CONDITIONS) {
    const read = input.feature(c.feature);
    if (read === null) {
      missing.push(`${c.by} (${c.feature})`);
      continue;
    }
    const values = Array.from({ length: n }, (_, k) => (c.abs === true ? Math.abs(read(k)) : read(k)));
    if (c.kind === 'fixed') {
      breakdowns.push({ by: c.by, source: c.feature, buckets: tally(values.map(fixed(c.edges!, c.labels!)), input.isFalse, c.labels!) });
    } else {
      const t = terciles(values);
      breakdowns.push({ by: c.by + (c.abs === true ? ' (|value|)' : ''), source: c.feature, buckets: tally(values.map(t.bucket), input.isFalse, t.labels) });
    }
  }
  const confidenceLabels = Array.from({ length: 10 }, (_, b) => `${(b / 10).toFixed(1)}–${((b + 1) / 10).toFixed(1)}`);
  breakdowns.push({
    by: 'confidence', source: 'confidence',
    buckets: tally(input.confidence.map((c) => confidenceLabels[Math.min(9, Math.floor(c * 10))]), input.isFalse, confidenceLabels),
  });
  const hourLabels = Array.from({ length: 24 }, (_, h) => `${String(h).padStart(2, '0')}h`);
  breakdowns.push({
    by: 'hour of day (UTC)', source: 'ts',
    // Venue time is µs since the Unix epoch; an hour is 3.6e9 µs and a day 24 of them.
    buckets: tally(input.ts.map((t) => hourLabels[Math.floor(t / 3.6e9) % 24]), input.isFalse, hourLabels),
  });
  return { basis: input.basis, signals: n, breakdowns, missing };
}

/** Counts per bucket, in the order of `labels`, leaving out empty buckets. */
function tally(buckets: readonly string[], isFalse: readonly boolean[], labels: readonly string[]): BreakdownBucket[] {
  const count = new Map<string, number>();
  const falses = new Map<string, number>();
  buckets.forEach((b, k) => {
    count.set(b, (count.get(b) ?? 0) + 1);
    if (isFalse[k]) falses.set(b, (falses.get(b) ?? 0) + 1);
  });
  return labels.filter((l) => (count.get(l) ?? 0) > 0).map((l) => {
    const c = count.get(l)!;
    const f = falses.get(l) ?? 0;
    return { bucket: l, count: c, falseSignals: f, rate: f / c };
  });
}
