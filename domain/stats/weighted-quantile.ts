/** The smallest value with at least `q` of the lots at or below it, over values sorted ascending. */
export function weightedQuantile(sorted: readonly { readonly bps: number; readonly lots: number }[], total: number, q: number): number {
  let seen = 0;
  for (const x of sorted) {
    seen += x.lots;
    if (seen >= q * total) return x.bps;
  }
  return sorted[sorted.length - 1].bps;
}
