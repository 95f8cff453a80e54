import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { readSchemaStamp, pgliteRelease } from '../adapters/postgres/schema-stamp.ts';
import { migrations } from '../migrations/index.ts';
import type { PaperConfig } from './config.ts';
import { storeDirProblem } from './input-check.ts';

export type Verdict = 'ok' | 'warn' | 'FAIL';

export interface Check {
  readonly name: string;
  readonly verdict: Verdict;
  readonly text: string;
  readonly fix?: string;
}

/** The files and folders every PostgreSQL data directory has; one missing is a directory PGlite cannot open. */
const DATA_DIR_PARTS = ['base', 'global', 'pg_wal', 'global/pg_control'];

/**
 * `ladder doctor`'s store check. An on-disk PGlite store is judged from its files, without starting
 * PGlite (seconds): the directory can be written, it is a PostgreSQL data directory of the major
 * version PGlite wrote it with, and the migrations its stamp records (schema-stamp.ts) are the
 * code's, or older. Without a stamp (a store migrated before stamps), or one written by another PGlite
 * release, and for a Postgres server, the database is opened and its migrations read; nothing is
 * migrated.
 */
export async function checkDatabase(config: PaperConfig): Promise<Check> {
  // `none` is a store in memory: nothing to reach, and no reason to start PGlite to say so.
  if (config.dbText === 'none') return { name: 'database', verdict: 'ok', text: 'none: runs keep nothing (a store in memory, dropped at the end)' };
  const known = Object.keys(migrations).sort();
  if (config.db.kind === 'pglite') {
    // A new database in memory holds no migration: a run applies them all.
    if (config.db.dataDir === null) return pending(config.dbText, known.length, known.length);
    const judged = judgeDataDir(config.dbText, config.db.dataDir, known);
    if (judged !== null) return judged;
  }
  return openAndRead(config, known);
}

function pending(dbText: string, count: number, of: number): Check {
  return count === 0
    ? { name: 'database', verdict: 'ok', text: `${dbText}: ${of} migrations applied` }
    : { name: 'database', verdict: 'warn', text: `${dbText}: ${count} of ${of} migrations pending`, fix: 'none needed: a run applies them at start ("ladder db migrate" does it now)' };
}

const FIX_DIR = 'choose another directory with --db pglite:DIR, or move this one aside (a run creates a new store)';

/** The verdict on an on-disk PGlite store read from its files, or null when only opening it can tell. */
function judgeDataDir(dbText: string, dataDir: string, known: readonly string[]): Check | null {
  const problem = storeDirProblem(dataDir);
  if (problem !== null) return { name: 'database', verdict: 'FAIL', text: `${dbText}: ${problem}`, fix: `make it writable for this user, or ${FIX_DIR}` };
  const dir = resolve(dataDir);
  if (!existsSync(dir) || readdirSync(dir).length === 0) {
    return { name: 'database', verdict: 'ok', text: `${dbText}: not created yet; the first run creates it and applies the ${known.length} migrations` };
  }
  const missing = ['PG_VERSION', ...DATA_DIR_PARTS].filter((part) => !existsSync(join(dir, part)));
  if (missing.length > 0) {
    return { name: 'database', verdict: 'FAIL', text: `${dbText}: not a PostgreSQL data directory, or a damaged one (no ${missing.join(', ')})`, fix: FIX_DIR };
  }
  if (statSync(join(dir, 'global/pg_control')).size !== 8192) {
    return { name: 'database', verdict: 'FAIL', text: `${dbText}: damaged (global/pg_control is not PostgreSQL's 8 KiB control file)`, fix: FIX_DIR };
  }
  const stamp = readSchemaStamp(dir);
  if (stamp === null || stamp.pglite !== pgliteRelease()) return null;
  const pgVersion = readFileSync(join(dir, 'PG_VERSION'), 'utf8').trim();
  if (pgVersion !== stamp.pgVersion) {
    return { name: 'database', verdict: 'FAIL', text: `${dbText}: a PostgreSQL ${pgVersion} data directory; this PGlite writes ${stamp.pgVersion}`, fix: FIX_DIR };
  }
  const newer = stamp.migrations.filter((m) => !known.includes(m));
  if (newer.length > 0) return newerSchema(dbText, newer);
  return pending(dbText, known.filter((m) => !stamp.migrations.includes(m)).length, known.length);
}

function newerSchema(dbText: string, newer: readonly string[]): Check {
  return {
    name: 'database', verdict: 'FAIL', text: `${dbText}: its schema is newer than this code (migrations ${newer.join(', ')} unknown here)`,
    fix: 'run the version of Ladder that migrated it, or choose another store with --db',
  };
}

/** Opens the database and reads which migrations it holds (kysely's own table); migrates nothing. */
async function openAndRead(config: PaperConfig, known: readonly string[]): Promise<Check> {
  const [{ openDatabase }, { createMigrator, migrationStates }, { writeSchemaStamp }] = await Promise.all([
    import('../adapters/postgres/connect.ts'), import('../adapters/postgres/migrate.ts'), import('../adapters/postgres/schema-stamp.ts'),
  ]);
  try {
    const db = await openDatabase(config.db);
    try {
      const applied = await db
        .selectFrom('kysely_migration' as never)
        .select('name' as never)
        .execute()
        .then((rows) => (rows as { name: string }[]).map((r) => r.name), () => [] as string[]);
      const newer = applied.filter((m) => !known.includes(m));
      if (newer.length > 0) return newerSchema(config.dbText, newer);
      const states = await migrationStates(createMigrator(db, undefined));
      // What was read is stamped, so that the next check needs no PGlite.
      if (config.db.kind === 'pglite' && config.db.dataDir !== null) {
        try {
          writeSchemaStamp(config.db.dataDir, states.filter((s) => s.appliedAt !== null).map((s) => s.name));
        } catch {
          // The next check opens the database again.
        }
      }
      return pending(config.dbText, states.filter((s) => s.appliedAt === null).length, states.length);
    } finally {
      await db.destroy();
    }
  } catch (error) {
    return { name: 'database', verdict: 'FAIL', text: `${config.dbText}: ${(error as Error).message}`, fix: 'start the server, or correct --db / DATABASE_URL (pglite:./data/ladder needs no server)' };
  }
}
