import { sql, type Kysely } from 'kysely';
import type { ModelRecord, StoredInstrument } from '../../application/ports/trading-store.ts';
import type { FeatureSchema } from '../../domain/features/feature-vector.ts';
import type { InstrumentSpec } from '../../domain/values/instrument.ts';
import type { Micros } from '../../domain/values/units.ts';
import { insertSchemaIds } from './append-rows.ts';
import { checkedInt4, checkedInteger, exactInt8, exactIntegers, jsonRecord, textArray, textArrayLiteral } from './row-checks.ts';
import type { Database } from './schema.ts';

/**
 * Instruments, feature schemas and models: rows written once under their key and read by it.
 * Registering a key again changes nothing (`on conflict do nothing`), so callers may register at
 * every start. Invalid input throws: these calls come from start-up code, not from the market.
 */

export async function registerInstrumentRow(db: Kysely<Database>, spec: InstrumentSpec, seenAt: Micros): Promise<void> {
  await db
    .insertInto('instruments')
    .values({
      symbol: spec.symbol,
      tick_size: spec.tickSize,
      lot_size: spec.lotSize,
      min_qty: spec.minQty,
      first_seen_us: checkedInteger(seenAt, 'seenAt', 0),
    })
    .onConflict((oc) => oc.column('symbol').doNothing())
    .execute();
}

export async function readInstrumentRow(db: Kysely<Database>, symbol: string): Promise<StoredInstrument | null> {
  const row = await db.selectFrom('instruments').selectAll().where('symbol', '=', symbol).executeTakeFirst();
  if (row === undefined) return null;
  return {
    symbol: row.symbol,
    tickSize: row.tick_size,
    lotSize: row.lot_size,
    minQty: row.min_qty,
    firstSeen: exactInt8(row.first_seen_us, 'instruments.first_seen_us') as Micros,
  };
}

/**
 * Stores a schema's names and versions. A row that holds an id without names (written for vectors
 * or runs before the schema was registered, or by migration 0003 for older data) gets them; a row
 * with names keeps them, the id being a hash of the names and versions.
 */
export async function registerFeatureSchemaRow(db: Kysely<Database>, schema: FeatureSchema, registeredAt: Micros): Promise<void> {
  if (schema.names.length !== schema.versions.length) {
    throw new RangeError(`feature schema ${schema.id}: ${schema.names.length} names but ${schema.versions.length} versions`);
  }
  const versions = `{${schema.versions.map((v, i) => checkedInt4(v, `versions[${i}]`, 1)).join(',')}}`;
  await db
    .insertInto('feature_schemas')
    .values({
      schema_id: schema.id,
      names: textArrayLiteral(schema.names),
      versions,
      created_at_us: checkedInteger(registeredAt, 'registeredAt', 0),
    })
    .onConflict((oc) =>
      oc
        .column('schema_id')
        .doUpdateSet((eb) => ({ names: eb.ref('excluded.names'), versions: eb.ref('excluded.versions') }))
        .where(sql<boolean>`cardinality(feature_schemas.names) = 0`),
    )
    .execute();
}

export async function readFeatureSchemaRow(db: Kysely<Database>, id: string): Promise<FeatureSchema | null> {
  const row = await db.selectFrom('feature_schemas').selectAll().where('schema_id', '=', id).executeTakeFirst();
  if (row === undefined) return null;
  return {
    id: row.schema_id,
    names: textArray(row.names, 'feature_schemas.names'),
    versions: exactIntegers(row.versions, 'feature_schemas.versions'),
  };
}

/** A row for the run's schema id, so that every schema id in `runs` is in `feature_schemas` as 0003 left it. */
export const registerRunSchemaId = (db: Kysely<Database>, schemaId: string, startedAt: Micros): Promise<void> =>
  insertSchemaIds(db, new Map([[schemaId, checkedInteger(startedAt, 'startedAt', 0)]]));

const SHA256_HEX = /^[0-9a-f]{64}$/;

export async function registerModelRow(db: Kysely<Database>, model: ModelRecord): Promise<void> {
  if (!SHA256_HEX.test(model.fileSha256)) throw new RangeError(`model ${model.id}: fileSha256 is not 64 lowercase hex digits`);
  await db
    .insertInto('models')
    .values({
      id: model.id,
      file_sha256: model.fileSha256,
      manifest: JSON.stringify(model.manifest),
      validation: model.validation === null ? null : JSON.stringify(model.validation),
      created_at_us: checkedInteger(model.createdAt, 'createdAt', 0),
    })
    .onConflict((oc) => oc.column('id').doNothing())
    .execute();
}

export async function readModelRow(db: Kysely<Database>, id: string): Promise<ModelRecord | null> {
  const row = await db.selectFrom('models').selectAll().where('id', '=', id).executeTakeFirst();
  if (row === undefined) return null;
  return {
    id: row.id,
    fileSha256: row.file_sha256,
    manifest: jsonRecord(row.manifest, 'models.manifest'),
    validation: row.validation === null ? null : jsonRecord(row.validation, 'models.validation'),
    createdAt: exactInt8(row.created_at_us, 'models.created_at_us') as Micros,
  };
}
