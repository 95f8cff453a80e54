import type { Micros } from '../../domain/values/units.ts';

/** Wall-clock time for the local receive stamp and run records; replay and tests pass their own. */
export interface Clock {
  /** Microseconds since the Unix epoch; never decreases within one run. */
  nowMicros(): Micros;
}
