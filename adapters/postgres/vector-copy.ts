import { finished } from 'node:stream/promises';
import copyStreams from 'pg-copy-streams';
import type { FeatureVectorRecord } from '../../application/ports/trading-store.ts';
import { RowFieldError } from './row-checks.ts';
import { assertInteger } from './rows.ts';

/**
 * Feature vectors through `COPY … FROM STDIN (FORMAT binary)` on a Postgres server: the fastest way
 * in, several times an `insert … select unnest(…)`, because the server neither parses text nor plans
 * a statement per batch. Binary float8 keeps every double bit for bit, -0 and subnormals included.
 * PostgreSQL's binary COPY format: https://www.postgresql.org/docs/current/sql-copy.html#id-1.9.3.55.9.4
 */

/** The slice of a pg client the copy uses: `query` of a submittable, as pg-copy-streams needs. */
export interface CopyClient {
  query<T extends NodeJS.WritableStream>(stream: T): T;
}

const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');
const FLOAT8_OID = 701;
const FIELDS = 5;

/**
 * Checks a record the way the text path does: positive safe-integer seq, non-negative safe-integer
 * time, every value finite. Throws a `RowFieldError` naming the field (`vector.values[3]`).
 */
export function checkFeatureVector(record: FeatureVectorRecord): FeatureVectorRecord {
  assertInteger(record.seq, 'seq', 1);
  assertInteger(record.vector.ts, 'vector.ts', 0);
  const values = record.vector.values;
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) throw new RowFieldError(`vector.values[${i}]`, `is ${values[i]}, not a finite number`);
  }
  return record;
}

/**
 * The COPY payload of checked records, columns (run_id, seq, ts_us, schema_id, values): the header,
 * one tuple a record, the trailer, in one buffer sized up front.
 */
export function encodeFeatureVectors(records: readonly FeatureVectorRecord[]): Buffer {
  let size = SIGNATURE.length + 8 + 2;
  for (const r of records) {
    size += 2 + 4 + Buffer.byteLength(r.runId) + 12 + 12 + 4 + Buffer.byteLength(r.vector.schemaId) + 4 + 20 + 12 * r.vector.values.length;
  }
  const buf = Buffer.allocUnsafe(size);
  let at = SIGNATURE.copy(buf, 0);
  at = buf.writeInt32BE(0, at); // flags: no OIDs
  at = buf.writeInt32BE(0, at); // header extension length
  for (const r of records) {
    at = buf.writeInt16BE(FIELDS, at);
    at = writeText(buf, at, r.runId);
    at = writeInt8(buf, at, r.seq);
    at = writeInt8(buf, at, r.vector.ts);
    at = writeText(buf, at, r.vector.schemaId);
    const values = r.vector.values;
    at = buf.writeInt32BE(20 + 12 * values.length, at);
    at = buf.writeInt32BE(1, at); // dimensions
    at = buf.writeInt32BE(0, at); // no nulls
    at = buf.writeInt32BE(FLOAT8_OID, at);
    at = buf.writeInt32BE(values.length, at);
    at = buf.writeInt32BE(1, at); // lower bound
    for (let i = 0; i < values.length; i++) {
      at = buf.writeInt32BE(8, at);
      at = buf.writeDoubleBE(values[i], at);
    }
  }
  at = buf.writeInt16BE(-1, at);
  if (at !== size) throw new Error(`feature vector COPY payload is ${at} bytes, sized ${size}`);
  return buf;
}

function writeText(buf: Buffer, at: number, text: string): number {
  const length = buf.write(text, at + 4, 'utf8');
  buf.writeInt32BE(length, at);
  return at + 4 + length;
}

/** A safe integer as int8: high and low words, exact for |n| < 2^53. */
function writeInt8(buf: Buffer, at: number, n: number): number {
  buf.writeInt32BE(8, at);
  buf.writeInt32BE(Math.floor(n / 2 ** 32), at + 4);
  buf.writeUInt32BE(n >>> 0, at + 8);
  return at + 12;
}

/**
 * Copies checked records into `table` (schema-qualified and quoted by the caller) on the client's
 * current transaction. Rejects with the server's error, its SQLSTATE intact (23505 when a (run,
 * seq) is already stored: COPY has no `on conflict`).
 */
export async function copyFeatureVectors(client: CopyClient, table: string, records: readonly FeatureVectorRecord[]): Promise<void> {
  if (records.length === 0) return;
  const stream = client.query(copyStreams.from(`copy ${table} (run_id, seq, ts_us, schema_id, values) from stdin (format binary)`));
  stream.end(encodeFeatureVectors(records));
  await finished(stream);
}
