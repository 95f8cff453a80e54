import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/**
 * A file in an on-disk PGlite data directory where the store records, after each successful
 * `migrate()`, the migrations the database holds, the PGlite release that wrote it and the data
 * directory's PostgreSQL major version. `ladder doctor` reads it to judge the store without starting
 * PGlite (which takes seconds); PostgreSQL ignores files it does not know in its data directory.
 */
export const SCHEMA_STAMP = 'ladder-schema.json';

export interface SchemaStamp {
  /** Every migration applied, by name, in order. */
  readonly migrations: readonly string[];
  /** The @electric-sql/pglite release that applied them. */
  readonly pglite: string;
  /** The data directory's PG_VERSION when they were applied. */
  readonly pgVersion: string;
}

/** The installed @electric-sql/pglite release, read from its package.json (the module itself is not loaded). */
export function pgliteRelease(): string {
  const require = createRequire(import.meta.url);
  let dir = dirname(require.resolve('@electric-sql/pglite'));
  for (;;) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === '@electric-sql/pglite' && typeof pkg.version === 'string') return pkg.version;
    } catch {
      // Not the package's own folder yet.
    }
    const up = dirname(dir);
    if (up === dir) return 'unknown';
    dir = up;
  }
}

/** Records the stamp, replacing the file whole (written beside it, then renamed). */
export function writeSchemaStamp(dataDir: string, migrations: readonly string[]): void {
  const stamp: SchemaStamp = { migrations, pglite: pgliteRelease(), pgVersion: readFileSync(join(dataDir, 'PG_VERSION'), 'utf8').trim() };
  const file = join(dataDir, SCHEMA_STAMP);
  writeFileSync(`${file}.tmp`, `${JSON.stringify(stamp)}\n`);
  renameSync(`${file}.tmp`, file);
}

/** The stamp of `dataDir`, or null when there is none or it cannot be read (a store migrated before stamps). */
export function readSchemaStamp(dataDir: string): SchemaStamp | null {
  try {
    const value = JSON.parse(readFileSync(join(dataDir, SCHEMA_STAMP), 'utf8')) as Partial<SchemaStamp>;
    if (!Array.isArray(value.migrations) || !value.migrations.every((m) => typeof m === 'string')) return null;
    if (typeof value.pglite !== 'string' || typeof value.pgVersion !== 'string') return null;
    return { migrations: value.migrations, pglite: value.pglite, pgVersion: value.pgVersion };
  } catch {
    return null;
  }
}
