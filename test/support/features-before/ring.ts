/**
 * The contents of ring buffers of equal capacity, oldest first, copied into arrays of twice the
 * capacity: what a rolling window does when it fills. `head` is the oldest slot, `size` the entries.
 */
export function doubled(rings: readonly Float64Array[], head: number, size: number): Float64Array[] {
  return rings.map((ring) => {
    const cap = ring.length;
    const out = new Float64Array(cap * 2);
    for (let k = 0; k < size; k++) out[k] = ring[(head + k) % cap];
    return out;
  });
}

/**
 * `i % cap` for `0 <= i < 2 * cap`, which is every index a ring computes from its head (below `cap`)
 * plus an offset no larger than `cap`: a compare instead of an integer division, on every push.
 */
export function wrap(i: number, cap: number): number {
  return i < cap ? i : i - cap;
}
