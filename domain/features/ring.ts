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
