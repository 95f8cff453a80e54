import { Migrator, type Kysely, type MigrationProvider } from 'kysely';
import { migrations } from '../../migrations/index.ts';

const provider: MigrationProvider = { getMigrations: () => Promise.resolve(migrations) };

/**
 * A kysely Migrator over the project's migrations. With a schema, the tables and kysely's own
 * bookkeeping tables live in that schema (created if missing); without, in the connection's default.
 */
export function createMigrator<DB>(db: Kysely<DB>, schema: string | undefined): Migrator {
  return schema === undefined
    ? new Migrator({ db, provider })
    : new Migrator({ db: db.withSchema(schema), provider, migrationTableSchema: schema });
}
