import type { Rng } from '../../domain/model/gbdt/rng.ts';

/**
 * A latency in microseconds: a number is a constant; an array is a recorded distribution (measured
 * latencies, e.g. from `recvTime - ts` of captured frames or from order round trips) from which each
 * delay is drawn uniformly with the simulator's seeded generator.
 */
export type LatencySpec = number | readonly number[];

/** Draws delays; the same seed and the same sequence of calls give the same delays. */
export class LatencyModel {
  private readonly values: readonly number[];

  /** `name` says which latency a bad spec belongs to, in the error. */
  constructor(
    name: string,
    spec: LatencySpec,
    private readonly rng: Rng,
  ) {
    const values = typeof spec === 'number' ? [spec] : spec;
    if (values.length === 0) throw new RangeError(`${name} latency: the recorded distribution is empty`);
    for (const v of values) {
      if (!Number.isSafeInteger(v) || v < 0) {
        throw new RangeError(`${name} latency: ${v} is not a non-negative integer of microseconds`);
      }
    }
    this.values = values;
  }

  /** One delay in microseconds. A constant draws nothing from the generator. */
  sample(): number {
    if (this.values.length === 1) return this.values[0];
    return this.values[this.rng.int(this.values.length)];
  }
}
