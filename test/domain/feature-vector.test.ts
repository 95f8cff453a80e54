import { describe, expect, it } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { createSchema } from '../../domain/features/feature-vector.ts';

/** Names as the schema allows them: identifiers. */
const featureName = fc.stringMatching(/^[a-z][a-z0-9_]{0,11}$/);

const MASK = (1n << 64n) - 1n;

/** FNV-1a 64 over bytes, in arbitrary precision: the reference the schema id must match. */
function fnv1a64(bytes: readonly number[]): string {
  let h = 0xcbf29ce484222325n;
  for (const b of bytes) h = ((h ^ BigInt(b)) * 0x100000001b3n) & MASK;
  return h.toString(16).padStart(16, '0');
}

/** A text as UTF-16 code units, two bytes each, low byte first: what the schema id hashes. */
function utf16le(text: string): number[] {
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) bytes.push(text.charCodeAt(i) & 0xff, text.charCodeAt(i) >>> 8);
  return bytes;
}

describe('the FNV-1a 64 reference', () => {
  it('matches the published test vectors', () => {
    // From the FNV reference test suite (draft-eastlake-fnv): "" and "a" and "foobar".
    expect(fnv1a64([])).toBe('cbf29ce484222325');
    expect(fnv1a64([...'a'].map((c) => c.charCodeAt(0)))).toBe('af63dc4c8601ec8c');
    expect(fnv1a64([...'foobar'].map((c) => c.charCodeAt(0)))).toBe('85944171f73967e8');
  });
});

describe('createSchema', () => {
  it('derives the id from the names and versions in order, as FNV-1a 64 of the UTF-16 lines name@version', () => {
    const names = ['ofi_1s', 'microprice_dev', 'spread_ticks'];
    expect(createSchema(names).id).toBe(`fs-${fnv1a64(utf16le('ofi_1s@1\nmicroprice_dev@1\nspread_ticks@1'))}`);
    expect(createSchema(names, [1, 2, 1]).id).toBe(`fs-${fnv1a64(utf16le('ofi_1s@1\nmicroprice_dev@2\nspread_ticks@1'))}`);
    expect(createSchema(names, [1, 2, 1]).versions).toEqual([1, 2, 1]);
  });

  it('changes the id when one definition version changes, and refuses versions that do not fit', () => {
    const names = ['spread_ticks', 'ofi_1s'];
    expect(createSchema(names, [1, 2]).id).not.toBe(createSchema(names).id);
    expect(() => createSchema(names, [1])).toThrow(/2 feature names but 1 versions/);
    expect(() => createSchema(names, [1, 0])).toThrow(/"ofi_1s" has version 0/);
    expect(() => createSchema(names, [1, 1.5])).toThrow(/not a positive integer/);
  });

  test.prop([fc.uniqueArray(featureName, { minLength: 1, maxLength: 8 })])(
    'gives the reference id for any names, and the same id every time',
    (names) => {
      const id = createSchema(names).id;
      expect(id).toBe(`fs-${fnv1a64(utf16le(names.map((n) => `${n}@1`).join('\n')))}`);
      expect(createSchema([...names]).id).toBe(id);
    },
  );

  test.prop([fc.uniqueArray(featureName, { minLength: 2, maxLength: 8 })])(
    'changes the id when the order of the names changes',
    (names) => {
      const reversed = [...names].reverse();
      expect(createSchema(reversed).id).not.toBe(createSchema(names).id);
    },
  );

  it('rejects duplicate names and an empty list', () => {
    expect(() => createSchema(['a', 'b', 'a'])).toThrow(/duplicate/);
    expect(() => createSchema([])).toThrow();
  });

  it('copies the names, so changing the caller array later changes nothing', () => {
    const names = ['a', 'b'];
    const schema = createSchema(names);
    names.push('c');
    expect(schema.names).toEqual(['a', 'b']);
  });

  // Known defect: names are joined with '\n' without escaping, so a name containing a newline
  // gives the same id as the two names around it. Kept as an expected failure until fixed.
  it('refuses names that are not identifiers, so ["a\\nb"] cannot collide with ["a", "b"]', () => {
    expect(() => createSchema(['a\nb'])).toThrow(/must match/);
    expect(() => createSchema(['Spread'])).toThrow(/must match/);
    expect(() => createSchema(['1x'])).toThrow(/must match/);
    expect(createSchema(['a', 'b']).id).not.toBe(createSchema(['ab']).id);
  });
});
