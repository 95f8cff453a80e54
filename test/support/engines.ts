import { PGlite } from '@electric-sql/pglite';
import type { Kysely } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe } from 'vitest';
import { createPgliteStore, createStore, openDatabase, openPgliteKysely } from '../../adapters/postgres/connect.ts';
import { parseDbTarget } from '../../adapters/postgres/db-target.ts';
import type { Database } from '../../adapters/postgres/schema.ts';
import type { TradingStore } from '../../application/ports/trading-store.ts';
import { unwrap } from '../../domain/result.ts';
import { freshDatabase, POSTGRES_URL, postgresAnswers } from './postgres.ts';

/** One database engine as a store suite uses it; every table lives in the schema the suite names. */
export interface Engine {
  openStore(schema: string): Promise<TradingStore>;
  openKysely(): Promise<Kysely<Database>>;
  /** Runs a statement as the database's owner: DDL a test sets up by hand. */
  sql(text: string): Promise<void>;
  dropSchema(schema: string): Promise<void>;
}

/**
 * Defines `suite` twice: on the Postgres server, in a database of this file's own (kysely's migrator
 * introspects every table of its database, so another file dropping a schema meanwhile would fail
 * it), skipped with a message when no server answers; and on one PGlite instance for the whole file
 * (each costs hundreds of MB and seconds to start). Call it at the top level of a test file.
 */
export async function onBothEngines(title: string, prefix: string, suite: (engine: () => Engine) => void): Promise<void> {
  const up = await postgresAnswers(POSTGRES_URL);
  if (!up) console.warn(`${title} on Postgres skipped: no server answered at ${POSTGRES_URL} within 2 s`);
  const own = up ? await freshDatabase(prefix) : null;
  afterAll(async () => {
    await own?.drop();
  });

  describe.skipIf(own === null)(`${title} on Postgres`, () => {
    const url = own?.url ?? POSTGRES_URL;
    const target = unwrap(parseDbTarget(url));
    const sql = async (text: string): Promise<void> => {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        await client.query(text);
      } finally {
        await client.end();
      }
    };
    suite(() => ({
      openStore: (schema) => createStore(target, { schema }),
      openKysely: () => openDatabase(target),
      sql,
      dropSchema: (schema) => sql(`drop schema if exists "${schema}" cascade`),
    }));
  });

  describe(`${title} on PGlite`, () => {
    let pglite: PGlite;
    beforeAll(async () => {
      pglite = await PGlite.create();
    });
    afterAll(async () => {
      await pglite.close();
    });
    const sql = async (text: string): Promise<void> => {
      await pglite.query(text);
    };
    suite(() => ({
      openStore: (schema) => Promise.resolve(createPgliteStore(pglite, { schema })),
      openKysely: () => Promise.resolve(openPgliteKysely(pglite)),
      sql,
      dropSchema: (schema) => sql(`drop schema if exists "${schema}" cascade`),
    }));
  });
}
