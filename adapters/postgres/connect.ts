import { mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import type { TradingStore } from '../../application/ports/trading-store.ts';
import { describeDbTarget, type DbTarget } from './db-target.ts';
import { KyselyStore } from './kysely-store.ts';
import { PgliteDialect, type PgliteLike, type PgliteParsers } from './pglite-dialect.ts';
import type { Database } from './schema.ts';

export interface StoreOptions {
  /** Postgres schema for the tables, created by `migrate()` if missing; `public` when absent. */
  readonly schema?: string;
  /** How long to wait for a Postgres server to accept a connection; 5 s when absent. */
  readonly connectTimeoutMs?: number;
}

const INT8_OID = 20;
const int8AsText = (text: string): string => text;

// int8 is read as decimal text on both engines and converted in `rows.ts` with an exactness
// check. A per-pool parser table, not `pg.types.setTypeParser`, so that another module changing
// the process-wide table cannot change what this store reads.
const pgTypes: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID ? int8AsText : (pg.types.getTypeParser(oid, format) as (text: string) => unknown)) as pg.CustomTypesConfig['getTypeParser'],
};

/** PGlite returns int8 as a number when it is safe and a bigint otherwise; text keeps one path. */
const pgliteParsers: PgliteParsers = { [INT8_OID]: int8AsText };

/**
 * Opens a Kysely instance on the target and checks that it answers. Rejects, naming the target
 * (never its password) and the cause, when it cannot connect.
 */
export async function openDatabase(target: DbTarget, options: StoreOptions = {}): Promise<Kysely<Database>> {
  return (await openConnection(target, options)).db;
}

interface Connection {
  readonly db: Kysely<Database>;
  /** The pool under `db` on a Postgres server; null on PGlite. */
  readonly pool: pg.Pool | null;
}

async function openConnection(target: DbTarget, options: StoreOptions): Promise<Connection> {
  let db: Kysely<Database> | null = null;
  try {
    const opened = await openKysely(target, options);
    db = opened.db;
    await sql`select 1`.execute(db);
    return opened;
  } catch (cause) {
    await db?.destroy().catch(() => undefined);
    const message = cause instanceof Error ? cause.message : String(cause);
    throw new Error(`cannot open database ${describeDbTarget(target)}: ${message}`, { cause });
  }
}

async function openKysely(target: DbTarget, options: StoreOptions): Promise<Connection> {
  switch (target.kind) {
    case 'postgres': {
      const pool = new pg.Pool({
        connectionString: target.url,
        connectionTimeoutMillis: options.connectTimeoutMs ?? 5_000,
        types: pgTypes,
      });
      // An idle client's error (the server restarted) surfaces again on the next query that uses
      // the pool; without a listener Node would end the process on the emitted 'error'.
      pool.on('error', () => undefined);
      // The same for a checked-out client between two queries (a transaction in progress when the
      // connection is cut): the error reaches the next query on it, which fails, and the pool
      // discards the client; unheard, it would end the process.
      pool.on('connect', (client) => client.on('error', () => undefined));
      return { db: new Kysely<Database>({ dialect: new PostgresDialect({ pool }) }), pool };
    }
    case 'pglite': {
      // Imported on demand: the module is large and a Postgres deployment never needs it.
      const { PGlite } = await import('@electric-sql/pglite');
      // PGlite creates its own directory but not the folders above it (`./data` on a fresh clone).
      if (target.dataDir !== null) await mkdir(dirname(resolve(target.dataDir)), { recursive: true });
      const pglite = await PGlite.create(target.dataDir === null ? {} : { dataDir: target.dataDir });
      return { db: pgliteKysely(pglite, true), pool: null };
    }
  }
}

const pgliteKysely = (pglite: PgliteLike, closeOnDestroy: boolean): Kysely<Database> =>
  new Kysely<Database>({ dialect: new PgliteDialect({ pglite, parsers: pgliteParsers, closeOnDestroy }) });

/** Opens the store on a target (see `parseDbTarget`); call `migrate()` before the first run. */
export async function createStore(target: DbTarget, options: StoreOptions = {}): Promise<TradingStore> {
  const { db, pool } = await openConnection(target, options);
  return new KyselyStore(db, {
    ...(options.schema === undefined ? {} : { schema: options.schema }),
    ...(pool === null ? {} : { pool }),
    ...(target.kind === 'pglite' && target.dataDir !== null && options.schema === undefined ? { stampDir: target.dataDir } : {}),
  });
}

/**
 * A store on a PGlite instance the caller owns and may share (each store in its own schema);
 * `close()` leaves the instance open.
 */
export function createPgliteStore(pglite: PgliteLike, options: Pick<StoreOptions, 'schema'> = {}): TradingStore {
  return new KyselyStore(pgliteKysely(pglite, false), options);
}

/** Kysely on a caller-owned PGlite instance, configured as the store's (int8 as text). */
export const openPgliteKysely = (pglite: PgliteLike): Kysely<Database> => pgliteKysely(pglite, false);
