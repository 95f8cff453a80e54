import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { literal } from '../../adapters/bybit/literal.ts';
import { ascii, spells } from '../../adapters/bybit/scan-primitives.ts';

describe('a literal against the byte loop it replaces', () => {
  // Words of every length up to past the unrolled reads, from a small alphabet so that frames spell them often.
  const alphabet = fc.constantFrom(...'{}",:ab0'.split(''));
  const word = fc.array(alphabet, { minLength: 1, maxLength: 40 }).map((cs) => cs.join(''));

  test.prop([word, fc.array(alphabet, { maxLength: 60 }), fc.nat(), fc.boolean(), fc.nat(8)], { numRuns: 3000 })(
    'is true exactly where spells is, at any place of a zero-terminated frame, with or without room after it',
    (w, frame, at, prefix, room) => {
      // The word itself at `at` half of the time, so that a match is tested as often as a mismatch.
      const text = prefix ? frame.join('').slice(0, at % (frame.length + 1)) + w + frame.join('').slice(at % (frame.length + 1)) : frame.join('');
      const bytes = new Uint8Array(text.length + 1 + room);
      bytes.set(ascii(text));
      const view = new DataView(bytes.buffer);
      const is = literal(w);
      for (let i = 0; i <= text.length; i++) expect(is(view, i, text.length)).toBe(spells(bytes, i, ascii(w)));
    },
  );
});
