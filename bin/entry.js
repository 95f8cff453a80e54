// Which code the scripts in bin/ run: the compiled JavaScript in dist/ (written by `npm run build`, which
// `npm ci` runs as its prepare step) when it is at least as new as every source file; otherwise the
// TypeScript sources through tsx's loader, so that an edited source is never shadowed by an old build.
// LADDER_DEBUG=1 says which, and why.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The folders compiled into dist/ (tsconfig.build.json's "include"). */
export const SOURCE_DIRS = ['domain', 'application', 'adapters', 'composition', 'migrations', 'bench'];
/** Written last by the build: the time (ms since the epoch) the build started. */
export const STAMP = '.build-stamp';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/**
 * Whether dist/ under `root` may be run: built to the end (its stamp is there) and no source file changed
 * since the build started. Walking the sources costs a few milliseconds, the price of never running
 * stale code after an edit, a pull or a branch switch.
 */
export function compiledState(root = ROOT) {
  const stampFile = join(root, 'dist', STAMP);
  if (!existsSync(stampFile)) return { fresh: false, reason: 'dist/ is not built (npm run build)' };
  const builtAt = Number(readFileSync(stampFile, 'utf8'));
  if (!Number.isFinite(builtAt)) return { fresh: false, reason: `dist/${STAMP} is unreadable (npm run build)` };
  for (const dir of SOURCE_DIRS) {
    const newer = newerThan(join(root, dir), builtAt);
    if (newer !== null) return { fresh: false, reason: `${newer.slice(root.length)} changed after the build (npm run build)` };
  }
  return { fresh: true, reason: 'dist/ is up to date' };
}

function newerThan(dir, time) {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return null;
  }
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      const found = newerThan(path, time);
      if (found !== null) return found;
    } else if (statSync(path).mtimeMs > time) {
      return path;
    }
  }
  return null;
}

const debug = () => process.env.LADDER_DEBUG !== undefined && process.env.LADDER_DEBUG !== '' && process.env.LADDER_DEBUG !== '0';

/**
 * Imports `module` (a path from the repository root without extension, e.g. 'composition/cli'): from
 * dist/ when it is fresh, else the TypeScript source through tsx.
 */
export async function importEntry(module) {
  const state = compiledState();
  if (debug()) process.stderr.write(`ladder: running ${state.fresh ? 'the compiled dist/' : 'the TypeScript sources through tsx'}: ${state.reason}\n`);
  if (state.fresh) {
    // Stack traces then point into the TypeScript sources.
    if (debug()) process.setSourceMapsEnabled(true);
    return import(pathToFileURL(join(ROOT, 'dist', `${module}.js`)).href);
  }
  const { register } = await import('tsx/esm/api');
  register();
  return import(pathToFileURL(join(ROOT, `${module}.ts`)).href);
}
