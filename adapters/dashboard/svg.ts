/** Inline SVG charts for the HTML report: drawn as text, no library, no script. */

const W = 900;
const H = 220;
const PAD = { left: 64, right: 12, top: 12, bottom: 28 };

export interface LineOptions {
  readonly color: string;
  /** Draw the y = 0 line and keep 0 in the range. */
  readonly zero?: boolean;
  readonly digits: number;
  /** Label y as a percentage of 1. */
  readonly percent?: boolean;
}

/** A line of [t µs, y] points, time along x. */
export function lineChart(points: readonly (readonly [number, number])[], o: LineOptions): string {
  const ts = points.map((p) => p[0]);
  const ys = points.map((p) => p[1]);
  const [t0, t1] = range(ts);
  const [y0, y1] = range(o.zero === true ? [0, ...ys] : ys);
  const x = scale(t0, t1, PAD.left, W - PAD.right);
  const y = scale(y0, y1, H - PAD.bottom, PAD.top);
  const label = (v: number): string => (o.percent === true ? `${(v * 100).toFixed(2)}%` : v.toFixed(o.digits));
  const line = points.map(([t, v]) => `${x(t).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
  return `<svg viewBox="0 0 ${W} ${H}" role="img">
${o.zero === true ? `<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${y(0).toFixed(1)}" y2="${y(0).toFixed(1)}" stroke="#c8ced6"/>` : ''}
<polyline points="${line}" fill="none" stroke="${o.color}" stroke-width="1.6"/>
<text x="${PAD.left - 6}" y="${PAD.top + 8}" text-anchor="end">${label(y1)}</text>
<text x="${PAD.left - 6}" y="${H - PAD.bottom}" text-anchor="end">${label(y0)}</text>
<text x="${PAD.left}" y="${H - 8}">${clock(t0)}</text>
<text x="${W - PAD.right}" y="${H - 8}" text-anchor="end">${clock(t1)}</text>
</svg>`;
}

export interface HistogramOptions {
  readonly color: string;
  readonly label: string;
  /** Bars; 24 when absent. */
  readonly bins?: number;
}

/** Counts of values in equal bins between the smallest and the largest. */
export function histogram(values: readonly number[], o: HistogramOptions): string {
  const bins = o.bins ?? 24;
  const [lo, hi0] = range(values);
  const hi = hi0 === lo ? lo + 1 : hi0;
  const counts = new Array<number>(bins).fill(0);
  for (const v of values) counts[Math.min(bins - 1, Math.floor(((v - lo) / (hi - lo)) * bins))]++;
  const most = Math.max(...counts);
  const x = scale(0, bins, PAD.left, W - PAD.right);
  const y = scale(0, most, H - PAD.bottom, PAD.top);
  const bars = counts
    .map((c, k) => `<rect x="${x(k).toFixed(1)}" y="${y(c).toFixed(1)}" width="${(x(k + 1) - x(k) - 1).toFixed(1)}" height="${(H - PAD.bottom - y(c)).toFixed(1)}" fill="${o.color}"><title>${(lo + ((hi - lo) * k) / bins).toFixed(2)} to ${(lo + ((hi - lo) * (k + 1)) / bins).toFixed(2)} ${o.label}: ${c}</title></rect>`)
    .join('');
  const zero = lo < 0 && hi > 0 ? `<line x1="${scale(lo, hi, PAD.left, W - PAD.right)(0).toFixed(1)}" x2="${scale(lo, hi, PAD.left, W - PAD.right)(0).toFixed(1)}" y1="${PAD.top}" y2="${H - PAD.bottom}" stroke="#1d2430" stroke-dasharray="3 3"/>` : '';
  return `<svg viewBox="0 0 ${W} ${H}" role="img">${bars}${zero}
<text x="${PAD.left - 6}" y="${PAD.top + 8}" text-anchor="end">${most}</text>
<text x="${PAD.left - 6}" y="${H - PAD.bottom}" text-anchor="end">0</text>
<text x="${PAD.left}" y="${H - 8}">${lo.toFixed(2)} ${o.label}</text>
<text x="${W - PAD.right}" y="${H - 8}" text-anchor="end">${hi.toFixed(2)} ${o.label}</text>
</svg>`;
}

function range(values: readonly number[]): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  return lo === Infinity ? [0, 1] : [lo, hi];
}

function scale(lo: number, hi: number, a: number, b: number): (v: number) => number {
  return (v) => (hi === lo ? (a + b) / 2 : a + ((v - lo) / (hi - lo)) * (b - a));
}

/** `HH:MM:SS` UTC of a time in µs. */
const clock = (us: number): string => new Date(us / 1000).toISOString().slice(11, 19);
