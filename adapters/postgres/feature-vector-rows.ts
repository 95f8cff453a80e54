import { sql, type Insertable, type Kysely, type Selectable } from 'kysely';
import type { FeatureVectorRecord } from '../../application/ports/trading-store.ts';
import type { Micros } from '../../domain/values/units.ts';
import { RowFieldError } from './row-checks.ts';
import { assertInteger, exactInteger } from './rows.ts';
import type { Database, FeatureVectorsTable } from './schema.ts';

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

/**
 * Inserts vectors as one statement of five array parameters unnested server-side, whatever their
 * number: a multi-row VALUES list would take five parameters a row, and building and parsing a
 * statement of tens of thousands of parameters cost more than the insert itself. Each vector's values
 * travel as the exact float8 array literal of `float8ArrayLiteral`. Rows already stored under their
 * (run, seq) are skipped, so a retried batch lands once.
 */
export async function insertFeatureVectors(db: Kysely<Database>, schema: string | undefined, rows: readonly Insertable<FeatureVectorsTable>[]): Promise<void> {
  if (rows.length === 0) return;
  const table = sql.table(schema === undefined ? 'feature_vectors' : `${schema}.feature_vectors`);
  const runIds = rows.map((r) => r.run_id);
  const seqs = rows.map((r) => String(r.seq));
  const times = rows.map((r) => String(r.ts_us));
  const schemaIds = rows.map((r) => r.schema_id);
  const values = rows.map((r) => r.values);
  await sql`insert into ${table} (run_id, seq, ts_us, schema_id, values)
    select u.run_id, u.seq, u.ts_us, u.schema_id, u.v::double precision[]
    from unnest(${runIds}::text[], ${seqs}::bigint[], ${times}::bigint[], ${schemaIds}::text[], ${values}::text[]) as u(run_id, seq, ts_us, schema_id, v)
    on conflict (run_id, seq) do nothing`.execute(db);
}
