import { err, ok, type Result } from '../result.ts';
import type { CalculatorId, CalculatorLookup, FeatureCalculator, Units, WantedOutput } from './calculator.ts';
import { HhtCalculator } from './calculators/hht.ts';
import { LevelsCalculator } from './calculators/levels.ts';
import { LiquidityCalculator } from './calculators/liquidity.ts';
import { MicroPriceCalculator } from './calculators/microprice.ts';
import { MlofiCalculator } from './calculators/mlofi.ts';
import { OfiCalculator } from './calculators/ofi.ts';
import { PRESSURE_READS, PressureCalculator } from './calculators/pressure.ts';
import { QueueCalculator } from './calculators/queue.ts';
import { ReturnsCalculator } from './calculators/returns.ts';
import { ShapeCalculator } from './calculators/shape.ts';
import { TradesCalculator } from './calculators/trades.ts';
import { FEATURE_GROUPS, FEATURES, type FeatureDefinition, type FeatureGroup } from './definitions.ts';
import { createSchema, type FeatureSchema } from './feature-vector.ts';

interface CalculatorEntry {
  /** Calculators whose values this one reads; they run before it. */
  readonly requires: readonly CalculatorId[];
  /** Outputs of those calculators this one reads: they are computed even where no feature names them. */
  readonly reads: readonly string[];
  create(units: Units, lookup: CalculatorLookup, wanted: WantedOutput): FeatureCalculator;
}

/** How each calculator is built, in an order where every calculator comes after those it reads. */
export const CALCULATORS: Readonly<Record<CalculatorId, CalculatorEntry>> = {
  // The walk over the book's levels that shape, liquidity and mlofi share; no feature names it.
  levels: { requires: [], reads: [], create: (u, _, wanted) => new LevelsCalculator(u, wanted) },
  shape: { requires: ['levels'], reads: [], create: (u, lookup) => new ShapeCalculator(u, lookup) },
  liquidity: { requires: ['levels'], reads: [], create: (u, lookup) => new LiquidityCalculator(u, lookup) },
  queue: { requires: [], reads: [], create: (u) => new QueueCalculator(u) },
  microprice: { requires: [], reads: [], create: () => new MicroPriceCalculator() },
  ofi: { requires: [], reads: [], create: (u, _, wanted) => new OfiCalculator(u, wanted) },
  mlofi: { requires: ['levels'], reads: [], create: (u, lookup, wanted) => new MlofiCalculator(u, lookup, wanted) },
  trades: { requires: [], reads: [], create: (u, _, wanted) => new TradesCalculator(u, wanted) },
  returns: { requires: [], reads: [], create: (_, __, wanted) => new ReturnsCalculator(wanted) },
  pressure: {
    requires: ['shape', 'trades', 'ofi'],
    reads: PRESSURE_READS,
    create: (_, lookup) => new PressureCalculator(lookup),
  },
  hht: { requires: [], reads: [], create: () => new HhtCalculator() },
};

const BY_NAME = new Map(FEATURES.map((f) => [f.name, f]));

/**
 * Which features a run computes: whole groups, single features, or both (the union). With `features`
 * alone, the vector keeps their order, which is how a model's manifest lays out its input; otherwise
 * the registry's order. An empty selection means every feature.
 */
export interface FeatureSelection {
  readonly groups?: readonly string[];
  readonly features?: readonly string[];
}

export type SelectionError =
  | { readonly kind: 'UnknownFeature'; readonly name: string }
  | { readonly kind: 'UnknownGroup'; readonly name: string }
  | { readonly kind: 'DuplicateFeature'; readonly name: string };

export function describeSelectionError(e: SelectionError): string {
  switch (e.kind) {
    case 'UnknownFeature':
      return `unknown feature "${e.name}" (see docs/features.md or \`ladder features --list\`)`;
    case 'UnknownGroup':
      return `unknown feature group "${e.name}"; the groups are ${FEATURE_GROUPS.join(', ')}`;
    case 'DuplicateFeature':
      return `feature "${e.name}" is named twice`;
  }
}

/** The enabled definitions, in vector order. */
export function selectFeatures(selection: FeatureSelection = {}): Result<readonly FeatureDefinition[], SelectionError> {
  const groups = selection.groups ?? [];
  const names = selection.features ?? [];
  for (const g of groups) if (!(FEATURE_GROUPS as readonly string[]).includes(g)) return err({ kind: 'UnknownGroup', name: g });
  const seen = new Set<string>();
  for (const n of names) {
    if (!BY_NAME.has(n)) return err({ kind: 'UnknownFeature', name: n });
    if (seen.has(n)) return err({ kind: 'DuplicateFeature', name: n });
    seen.add(n);
  }
  if (groups.length === 0 && names.length === 0) return ok(FEATURES);
  if (groups.length === 0) return ok(names.map((n) => BY_NAME.get(n)!));
  const wanted = new Set<FeatureGroup>(groups as FeatureGroup[]);
  return ok(FEATURES.filter((f) => wanted.has(f.group) || seen.has(f.name)));
}

/** The schema of a list of definitions: their names and versions, in order. */
export function schemaOf(definitions: readonly FeatureDefinition[]): FeatureSchema {
  return createSchema(
    definitions.map((d) => d.name),
    definitions.map((d) => d.version),
  );
}

/**
 * The schema of features named in order, at the registry's current versions; an error names the first
 * feature the registry does not know. A model manifest's schema id is checked against this.
 */
export function schemaForNames(names: readonly string[]): Result<FeatureSchema, SelectionError> {
  const selected = selectFeatures({ features: names });
  return selected.ok ? ok(schemaOf(selected.value)) : selected;
}

/**
 * The features a model trains on by default: the stationary ones of `definitions` (see
 * `FeatureDefinition.stationary`), in order, and those left out.
 */
export function trainingSelection(definitions: readonly FeatureDefinition[]): { readonly kept: readonly FeatureDefinition[]; readonly left: readonly FeatureDefinition[] } {
  return { kept: definitions.filter((d) => d.stationary), left: definitions.filter((d) => !d.stationary) };
}

/** The venue time after a start or reset before every feature of a selection is warm, µs. */
export function selectionWarmupMicros(definitions: readonly FeatureDefinition[]): number {
  return definitions.reduce((w, d) => Math.max(w, d.warmupMicros), 0);
}
