/**
 * A histogram of non-negative values kept to three significant digits (a relative error under 0.5%):
 * values in a plain object from the rounded value to its count, so that it is stored and read back as
 * JSON. Its size is bounded by the distinct rounded values (900 a power of ten), not by how many were
 * recorded. Domain-pure; used for the time from a decision to its last fill.
 */
export type ValueCounts = Record<string, number>;

/** Records `value` (≥ 0, finite) in `counts`; anything else is ignored. */
export function recordValue(counts: ValueCounts, value: number): void {
  if (!(value >= 0 && Number.isFinite(value))) return;
  const key = String(Number(value.toPrecision(3)));
  counts[key] = (counts[key] ?? 0) + 1;
}

/**
 * The smallest recorded value with at least `q` of the values at or below it; null when empty. Takes
 * a plain array too (runs stored before the histogram kept every value).
 */
export function valueQuantile(counts: ValueCounts | readonly number[], q: number): number | null {
  const entries: [number, number][] = Array.isArray(counts)
    ? (counts as readonly number[]).map((v) => [v, 1])
    : Object.entries(counts as ValueCounts).map(([k, n]) => [Number(k), n]);
  if (entries.length === 0) return null;
  entries.sort((a, b) => a[0] - b[0]);
  const total = entries.reduce((s, [, n]) => s + n, 0);
  const rank = Math.max(1, Math.ceil(q * total));
  let seen = 0;
  for (const [value, n] of entries) {
    seen += n;
    if (seen >= rank) return value;
  }
  return entries[entries.length - 1][0];
}
