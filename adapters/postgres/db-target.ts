import { err, ok, type Result } from '../../domain/result.ts';

/** Where the store lives: embedded PGlite (in memory or in a directory) or a Postgres server. */
export type DbTarget =
  | { readonly kind: 'pglite'; readonly dataDir: string | null }
  | { readonly kind: 'postgres'; readonly url: string };

const ACCEPTED = 'use pglite:memory, pglite:<directory> or postgres://user@host:port/database';

/**
 * Reads a database target as written on the command line or in `DATABASE_URL`:
 * `pglite:memory`, `pglite:<directory>` (relative or absolute), `postgres://…` or `postgresql://…`.
 * Error messages never repeat the text after the scheme, which may hold a password.
 */
export function parseDbTarget(text: string): Result<DbTarget, string> {
  const trimmed = text.trim();
  if (trimmed.startsWith('pglite:')) return parsePglite(trimmed.slice('pglite:'.length));
  if (trimmed.startsWith('postgres://') || trimmed.startsWith('postgresql://')) return parsePostgres(trimmed);
  if (trimmed.length === 0) return err(`empty database target: ${ACCEPTED}`);
  const colon = trimmed.indexOf(':');
  const scheme = colon > 0 ? `"${trimmed.slice(0, colon + 1)}"` : 'without a scheme';
  return err(`unrecognised database target ${scheme}: ${ACCEPTED}`);
}

function parsePglite(rest: string): Result<DbTarget, string> {
  if (rest === 'memory') return ok({ kind: 'pglite', dataDir: null });
  if (rest.length === 0) return err(`pglite: needs "memory" or a directory: ${ACCEPTED}`);
  // PGlite reads `memory://` and `idb://` in a data directory as storage kinds of its own; a
  // directory here is always a directory on disk.
  if (rest.includes('://')) return err(`pglite: takes a directory, not a URL: ${ACCEPTED}`);
  return ok({ kind: 'pglite', dataDir: rest });
}

function parsePostgres(url: string): Result<DbTarget, string> {
  try {
    new URL(url);
  } catch {
    return err(`invalid postgres URL: ${ACCEPTED}`);
  }
  return ok({ kind: 'postgres', url });
}

/** The target for messages and logs, with any password replaced by `***`. */
export function describeDbTarget(target: DbTarget): string {
  switch (target.kind) {
    case 'pglite':
      return target.dataDir === null ? 'pglite:memory' : `pglite:${target.dataDir}`;
    case 'postgres': {
      const url = new URL(target.url);
      if (url.password !== '') url.password = '***';
      return url.toString();
    }
  }
}
