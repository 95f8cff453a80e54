import type { Micros } from '../values/units.ts';

/**
 * Feature values in a fixed order. The schema id is derived from the names, in order, so a model
 * can never be fed a vector laid out for another schema: compare ids, not names, on the hot path.
 */
export interface FeatureSchema {
  readonly id: string;
  readonly names: readonly string[];
  /** The definition version of each feature, in the order of `names`; a changed definition bumps it. */
  readonly versions: readonly number[];
}

export interface FeatureVector {
  readonly schemaId: string;
  /** Venue time of the event the vector was computed on. */
  readonly ts: Micros;
  readonly values: Float64Array;
}

/** 64-bit FNV-1a over the UTF-16 code units (two bytes each), on 16-bit limbs; pure and stable. */
function fnv1a64(text: string): string {
  // Offset basis 0xcbf29ce484222325 and prime 0x100000001b3, split into 16-bit limbs.
  let h0 = 0x2325, h1 = 0x8422, h2 = 0x9ce4, h3 = 0xcbf2;
  for (let i = 0; i < text.length; i++) {
    // Each UTF-16 code unit as two bytes, low then high.
    const c = text.charCodeAt(i);
    h0 ^= c & 0xff;
    [h0, h1, h2, h3] = mulPrime(h0, h1, h2, h3);
    h0 ^= c >>> 8;
    [h0, h1, h2, h3] = mulPrime(h0, h1, h2, h3);
  }
  const hex = (n: number): string => n.toString(16).padStart(4, '0');
  return hex(h3) + hex(h2) + hex(h1) + hex(h0);
}

/** (h * 0x100000001b3) mod 2^64 on 16-bit limbs: prime = 2^40 + 0x1b3. */
function mulPrime(h0: number, h1: number, h2: number, h3: number): [number, number, number, number] {
  const p = 0x1b3;
  let t0 = h0 * p;
  let t1 = h1 * p;
  let t2 = h2 * p;
  let t3 = h3 * p;
  // + h << 40: limb k moves to limb k + 2 with an 8-bit shift.
  t2 += (h0 << 8) & 0xffff;
  t3 += ((h0 >>> 8) | (h1 << 8)) & 0xffff;
  t1 += t0 >>> 16; t0 &= 0xffff;
  t2 += t1 >>> 16; t1 &= 0xffff;
  t3 += t2 >>> 16; t2 &= 0xffff;
  t3 &= 0xffff;
  return [t0, t1, t2, t3];
}

/**
 * Feature names are identifiers (`ofi_1s_norm`): lower-case letters, digits and underscores, starting
 * with a letter. That keeps them safe as column names and makes the text hashed for the id
 * unambiguous: no name can contain the separators.
 */
const FEATURE_NAME = /^[a-z][a-z0-9_]*$/;

/**
 * The schema of `names` in this order, each at its definition version (1 for every feature when
 * `versions` is absent). The id hashes the lines `name@version`, so a model trained on a feature whose
 * definition has since changed is refused as surely as one trained on other features or another order.
 * Throws on a bad or repeated name, or a version that is not a positive integer.
 */
export function createSchema(names: readonly string[], versions?: readonly number[]): FeatureSchema {
  if (names.length === 0) throw new Error('a feature schema needs at least one feature');
  for (const name of names) {
    if (!FEATURE_NAME.test(name)) throw new Error(`feature name "${name}" must match ${String(FEATURE_NAME)}`);
  }
  if (new Set(names).size !== names.length) throw new Error(`duplicate feature name in ${names.join(',')}`);
  const vs = versions ?? names.map(() => 1);
  if (vs.length !== names.length) throw new Error(`${names.length} feature names but ${vs.length} versions`);
  vs.forEach((v, i) => {
    if (!Number.isInteger(v) || v < 1) throw new Error(`feature "${names[i]}" has version ${v}, not a positive integer`);
  });
  const text = names.map((name, i) => `${name}@${vs[i]}`).join('\n');
  return { id: `fs-${fnv1a64(text)}`, names: [...names], versions: [...vs] };
}
