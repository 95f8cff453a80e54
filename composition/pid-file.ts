import { readFileSync, rmSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';

/** A pid file this process wrote; `remove` deletes it if it still names this process. */
export interface PidFile {
  remove(): void;
}

/**
 * Writes this process's id to `path` (aside, then renamed, so that a reader never finds the file
 * empty) and removes it when the process exits by any path that runs exit handlers: the end of the
 * run, an error that escapes it, an uncaught exception or `process.exit`. Only kill -9 and a power
 * cut leave it behind; `ladder kill` then finds no process of that id, or one that is not a run, and
 * says so instead of signalling.
 */
export async function writePidFile(path: string): Promise<PidFile> {
  const aside = `${path}.${process.pid}`;
  await writeFile(aside, `${process.pid}\n`);
  await rename(aside, path);
  const remove = (): void => {
    process.off('exit', remove);
    removeIfOurs(path);
  };
  process.on('exit', remove);
  return { remove };
}

/** Removes the file if it still names this process (a later run may have written its own). Synchronous: it runs at exit too. */
function removeIfOurs(path: string): void {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return;
  }
  if (text.trim() === String(process.pid)) rmSync(path, { force: true });
}
