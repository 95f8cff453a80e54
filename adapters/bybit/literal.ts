/**
 * A fixed ASCII word, as a test of whether the bytes of a frame at `i` spell it: true only when all
 * of them lie before `end` (the frame's end) and equal the word's. Made once per word, for the
 * fixed-order fast paths, which compare most of a frame's bytes against such words.
 */
export type Literal = (d: DataView<ArrayBufferLike>, i: number, end: number) => boolean;

/** The most bytes one test compares in its unrolled words; a longer word is tested in parts. */
const UNROLLED = 32;

/**
 * The test for `word`, reading the frame four bytes at a time through a DataView over it: V8 checks
 * the array and the index at every typed-array read, so a word read costs about what a byte read
 * does, and the test about a fifth of a byte loop's (`spells`). A word whose length is not a multiple
 * of four ends with a read that overlaps the one before it. Nothing at or past `end` is read, so the
 * frame needs no room after it.
 */
export function literal(word: string): Literal {
  const bytes = Uint8Array.from(word, (ch) => ch.charCodeAt(0));
  const n = bytes.length;
  if (n > UNROLLED) {
    const head = literal(word.slice(0, UNROLLED));
    const rest = literal(word.slice(UNROLLED));
    return (d, i, end) => head(d, i, end) && rest(d, i + UNROLLED, end);
  }
  if (n < 4) {
    return (d, i, end) => {
      if (i + n > end) return false;
      for (let k = 0; k < n; k++) if (d.getUint8(i + k) !== bytes[k]) return false;
      return true;
    };
  }
  // The k-th read starts at 4k, the last one at n - 4 (overlapping the one before where n % 4 !== 0).
  const words = Math.ceil(n / 4);
  const at = (k: number): number => Math.min(4 * k, n - 4);
  const word32 = (k: number): number => {
    const o = at(Math.min(k, words - 1));
    return bytes[o] | (bytes[o + 1] << 8) | (bytes[o + 2] << 16) | (bytes[o + 3] << 24);
  };
  const [w0, w1, w2, w3, w4, w5, w6, w7] = [0, 1, 2, 3, 4, 5, 6, 7].map(word32);
  const [o1, o2, o3, o4, o5, o6, o7] = [1, 2, 3, 4, 5, 6, 7].map((k) => at(Math.min(k, words - 1)));
  // One function a number of reads, each as short as it can be: the fast paths call a dozen of them
  // per frame, and V8 inlines a call only while the inlined code stays within a budget.
  switch (words) {
    case 1:
      return (d, i, end) => i + n <= end && d.getInt32(i, true) === w0;
    case 2:
      return (d, i, end) => i + n <= end && d.getInt32(i, true) === w0 && d.getInt32(i + o1, true) === w1;
    case 3:
      return (d, i, end) => i + n <= end && d.getInt32(i, true) === w0 && d.getInt32(i + o1, true) === w1 && d.getInt32(i + o2, true) === w2;
    case 4:
      return (d, i, end) =>
        i + n <= end && d.getInt32(i, true) === w0 && d.getInt32(i + o1, true) === w1 && d.getInt32(i + o2, true) === w2 && d.getInt32(i + o3, true) === w3;
    case 5:
      return (d, i, end) =>
        i + n <= end &&
        d.getInt32(i, true) === w0 &&
        d.getInt32(i + o1, true) === w1 &&
        d.getInt32(i + o2, true) === w2 &&
        d.getInt32(i + o3, true) === w3 &&
        d.getInt32(i + o4, true) === w4;
    case 6:
      return (d, i, end) =>
        i + n <= end &&
        d.getInt32(i, true) === w0 &&
        d.getInt32(i + o1, true) === w1 &&
        d.getInt32(i + o2, true) === w2 &&
        d.getInt32(i + o3, true) === w3 &&
        d.getInt32(i + o4, true) === w4 &&
        d.getInt32(i + o5, true) === w5;
    case 7:
      return (d, i, end) =>
        i + n <= end &&
        d.getInt32(i, true) === w0 &&
        d.getInt32(i + o1, true) === w1 &&
        d.getInt32(i + o2, true) === w2 &&
        d.getInt32(i + o3, true) === w3 &&
        d.getInt32(i + o4, true) === w4 &&
        d.getInt32(i + o5, true) === w5 &&
        d.getInt32(i + o6, true) === w6;
    default:
      return (d, i, end) =>
        i + n <= end &&
        d.getInt32(i, true) === w0 &&
        d.getInt32(i + o1, true) === w1 &&
        d.getInt32(i + o2, true) === w2 &&
        d.getInt32(i + o3, true) === w3 &&
        d.getInt32(i + o4, true) === w4 &&
        d.getInt32(i + o5, true) === w5 &&
        d.getInt32(i + o6, true) === w6 &&
        d.getInt32(i + o7, true) === w7;
  }
}

/** A test that nothing passes: for a word that cannot be spelled in plain ASCII (a symbol with other characters). */
export const NEVER: Literal = () => false;
