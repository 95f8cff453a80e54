import type { Insertable, Selectable } from 'kysely';
import type { FeatureVectorRecord } from '../../application/ports/trading-store.ts';
import type { Micros } from '../../domain/values/units.ts';
import { RowFieldError } from './row-checks.ts';
import { assertInteger, exactInteger } from './rows.ts';
import type { FeatureVectorsTable } from './schema.ts';

/**
 * A float8 array literal (`{0.1,-0,1e-300}`) that Postgres reads back as exactly these numbers.
 * `String(x)` is the shortest decimal that reads back to the same double, except that it prints -0
 * as `0`; pg's and PGlite's array serialisers share that flaw, which is why the store writes this
 * text rather than a JavaScript array. Throws a `RowFieldError` naming the feature index
 * (`vector.values[3]`) for a value that is not finite: float8 would keep NaN and ±Infinity, but no
 * model was fed one.
 */
export function float8ArrayLiteral(values: Float64Array): string {
  const parts = new Array<string>(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) {
      throw new RowFieldError(`vector.values[${i}]`, `is ${v}, not a finite number`);
    }
    parts[i] = Object.is(v, -0) ? '-0' : String(v);
  }
  return `{${parts.join(',')}}`;
}

export const featureVectorToRow = ({ runId, seq, vector }: FeatureVectorRecord): Insertable<FeatureVectorsTable> => ({
  run_id: runId,
  seq: assertInteger(seq, 'seq', 1),
  ts_us: assertInteger(vector.ts, 'vector.ts', 0),
  schema_id: vector.schemaId,
  values: float8ArrayLiteral(vector.values),
});

export function featureVectorFromRow(row: Selectable<FeatureVectorsTable>): FeatureVectorRecord {
  const seq = exactInteger(row.seq, 'feature_vectors.seq');
  const stored = row.values;
  if (!Array.isArray(stored) || !stored.every((v): v is number => typeof v === 'number')) {
    throw new TypeError(`feature_vectors.values of run "${row.run_id}" seq ${seq} is not an array of numbers`);
  }
  return {
    runId: row.run_id,
    seq,
    vector: {
      schemaId: row.schema_id,
      ts: exactInteger(row.ts_us, 'feature_vectors.ts_us') as Micros,
      values: Float64Array.from(stored),
    },
  };
}
