import { Migrator, NO_MIGRATIONS, type Kysely, type MigrationProvider, type MigrationResultSet } from 'kysely';
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

/** One migration and whether it is applied; kysely records when (its `kysely_migration` table). */
export interface MigrationState {
  readonly name: string;
  readonly appliedAt: Date | null;
}

/** What a migration run did: the migrations it applied or undid, in order, or where it failed. */
export type MigrationOutcome =
  | { readonly ok: true; readonly names: readonly string[] }
  | { readonly ok: false; readonly failed: string | null; readonly message: string };

/** Every migration in name order, applied or pending. */
export async function migrationStates(migrator: Migrator): Promise<readonly MigrationState[]> {
  const infos = await migrator.getMigrations();
  return infos.map((info) => ({ name: info.name, appliedAt: info.executedAt ?? null }));
}

/** Applies every pending migration. */
export const migrateToLatest = async (migrator: Migrator): Promise<MigrationOutcome> => outcome(await migrator.migrateToLatest());

/**
 * Undoes the last `steps` applied migrations (at least 1), newest first. Refuses, changing nothing,
 * when fewer than `steps` are applied.
 */
export async function rollBack(migrator: Migrator, steps: number): Promise<MigrationOutcome> {
  if (!Number.isSafeInteger(steps) || steps < 1) throw new RangeError(`steps = ${steps} is not a positive integer`);
  const applied = (await migrationStates(migrator)).filter((m) => m.appliedAt !== null);
  if (steps > applied.length) {
    return { ok: false, failed: null, message: `cannot roll back ${steps} migration(s): ${applied.length} applied` };
  }
  const keep = applied.length - steps;
  return outcome(await migrator.migrateTo(keep === 0 ? NO_MIGRATIONS : applied[keep - 1].name));
}

/**
 * Kysely runs a whole migrateTo or migrateToLatest in one transaction on Postgres (and PGlite),
 * so a failure leaves the schema as it was: the migrations before the failing one, although
 * reported as successful, are undone with it.
 */
function outcome({ error, results = [] }: MigrationResultSet): MigrationOutcome {
  if (error === undefined) return { ok: true, names: results.filter((r) => r.status === 'Success').map((r) => r.migrationName) };
  const failed = results.find((r) => r.status === 'Error')?.migrationName ?? null;
  return { ok: false, failed, message: error instanceof Error ? error.message : JSON.stringify(error) };
}
