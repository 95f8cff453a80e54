/*
 * The feature engine as it was before the calculators shared one walk over the book's levels (and
 * before the other speed work of that change), kept whole as the reference the property test
 * `features-reference.prop.test.ts` holds the engine to: every value, after every event, bit for bit.
 * Only the calculators' registry is kept of registry.ts; definitions and schemas are the domain's.
 */
import type { CalculatorId, CalculatorLookup, FeatureCalculator, Units, WantedOutput } from './calculator.ts';
import { HhtCalculator } from './calculators/hht.ts';
import { LiquidityCalculator } from './calculators/liquidity.ts';
import { MicroPriceCalculator } from './calculators/microprice.ts';
import { MlofiCalculator } from './calculators/mlofi.ts';
import { OfiCalculator } from './calculators/ofi.ts';
import { PRESSURE_READS, PressureCalculator } from './calculators/pressure.ts';
import { QueueCalculator } from './calculators/queue.ts';
import { ReturnsCalculator } from './calculators/returns.ts';
import { ShapeCalculator } from './calculators/shape.ts';
import { TradesCalculator } from './calculators/trades.ts';
import type { FeatureDefinition } from '../../../domain/features/definitions.ts';
import { createSchema, type FeatureSchema } from '../../../domain/features/feature-vector.ts';

interface CalculatorEntry {
  /** Calculators whose values this one reads; they run before it. */
  readonly requires: readonly CalculatorId[];
  /** Outputs of those calculators this one reads: they are computed even where no feature names them. */
  readonly reads: readonly string[];
  create(units: Units, lookup: CalculatorLookup, wanted: WantedOutput): FeatureCalculator;
}

/** How each calculator is built, in an order where every calculator comes after those it reads. */
export const CALCULATORS: Readonly<Record<CalculatorId, CalculatorEntry>> = {
  shape: { requires: [], reads: [], create: (u) => new ShapeCalculator(u) },
  liquidity: { requires: [], reads: [], create: (u, _, wanted) => new LiquidityCalculator(u, wanted) },
  queue: { requires: [], reads: [], create: (u) => new QueueCalculator(u) },
  microprice: { requires: [], reads: [], create: () => new MicroPriceCalculator() },
  ofi: { requires: [], reads: [], create: (u, _, wanted) => new OfiCalculator(u, wanted) },
  mlofi: { requires: [], reads: [], create: (u, _, wanted) => new MlofiCalculator(u, wanted) },
  trades: { requires: [], reads: [], create: (u, _, wanted) => new TradesCalculator(u, wanted) },
  returns: { requires: [], reads: [], create: (_, __, wanted) => new ReturnsCalculator(wanted) },
  pressure: {
    requires: ['shape', 'trades', 'ofi'],
    reads: PRESSURE_READS,
    create: (_, lookup) => new PressureCalculator(lookup),
  },
  hht: { requires: [], reads: [], create: () => new HhtCalculator() },
};

/** The schema of a list of definitions: their names and versions, in order. */
export function schemaOf(definitions: readonly FeatureDefinition[]): FeatureSchema {
  return createSchema(
    definitions.map((d) => d.name),
    definitions.map((d) => d.version),
  );
}
