import { accessSync, constants, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Micros } from '../domain/values/units.ts';
import { jsonDecoder } from '../adapters/bybit/frame-decoder.ts';
import { readFrameLines } from '../adapters/replay/frame-reader.ts';
import { detectInputFormat } from '../adapters/replay/input-format.ts';
import { ConfigError } from './config-error.ts';
import { printable, reasonOf } from './user-error.ts';

/**
 * Checks an input file before anything heavy loads: it exists, is a file, can be read and is not
 * empty. The first problem throws a `ConfigError` naming `field` (`--input`) and the file.
 */
export function checkInputFile(field: string, path: string): void {
  let size: number;
  try {
    const stat = statSync(path);
    if (!stat.isFile()) throw new ConfigError(field, `not a file: ${printable(path)}`);
    size = stat.size;
    accessSync(path, constants.R_OK);
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new ConfigError(field, `file not found: ${printable(path)}`);
    throw new ConfigError(field, `cannot read ${printable(path)}: ${reasonOf(error)}`);
  }
  if (size === 0) throw new ConfigError(field, `empty file: ${printable(path)} holds no frame`);
}

/** Lines the pre-scan reads at most: a file whose first lines are all garbage may still hold frames later. */
const PRESCAN_LINES = 20_000;

/**
 * Reads the first lines of an input file and refuses it, at once, when every line of a file read to
 * its end is malformed (not a frame at all: garbage, a binary file, the wrong file). A file with
 * frames of another kind passes: the run itself counts what it can use.
 */
export async function prescanInput(field: string, path: string): Promise<void> {
  // A Binance capture is told from its frames (adapters/replay/input-format.ts): it has usable ones.
  try {
    if (detectInputFormat(path).venue === 'binance') return;
  } catch (error) {
    throw new ConfigError(field, printable((error as Error).message, 300));
  }
  let lines = 0;
  let malformed = 0;
  let ended = true;
  try {
    for await (const line of readFrameLines(path, { truncated: 'end' })) {
      lines++;
      if (jsonDecoder(line.text, 0 as Micros).kind === 'malformed') malformed++;
      else return;
      if (lines >= PRESCAN_LINES) {
        ended = false;
        break;
      }
    }
  } catch (error) {
    throw new ConfigError(field, printable((error as Error).message, 300));
  }
  if (ended) throw noUsableFrame(field, path, lines, malformed);
}

/** The refusal of an input without one usable frame, with what was read. */
export function noUsableFrame(field: string, path: string, lines: number, malformed: number): ConfigError {
  return new ConfigError(field, `${printable(path)} holds no usable frame: ${lines} line${lines === 1 ? '' : 's'} read, ${malformed} malformed (Bybit v5 frames or recorder lines expected)`);
}

/**
 * Checks that an output file can be written before the work that fills it: opens it for appending
 * (creating it, then removing it, when it did not exist). A problem throws a `ConfigError` naming
 * `field` and the reason (permission denied, no such directory).
 */
export async function checkWritable(field: string, path: string): Promise<void> {
  const { open, rm } = await import('node:fs/promises');
  let existed = true;
  try {
    statSync(path);
  } catch {
    existed = false;
  }
  try {
    const handle = await open(path, 'a');
    await handle.close();
    if (!existed) await rm(path, { force: true });
  } catch (error) {
    throw new ConfigError(field, `cannot write ${printable(path)}: ${reasonOf(error)}`);
  }
}

/**
 * Why an embedded store cannot live in `dataDir`, or null when it can as far as the file system
 * tells: the directory (or the nearest folder above it that exists) must be a writable directory.
 * PGlite itself only says that it "failed to initialize".
 */
export function storeDirProblem(dataDir: string): string | null {
  let dir = resolve(dataDir);
  for (;;) {
    let stat;
    try {
      stat = statSync(dir);
    } catch {
      const up = dirname(dir);
      if (up === dir) return null;
      dir = up;
      continue;
    }
    if (!stat.isDirectory()) return `${printable(dir)} is not a directory`;
    try {
      accessSync(dir, constants.W_OK | constants.X_OK);
    } catch (error) {
      return `cannot write in ${printable(dir)}: ${reasonOf(error)}`;
    }
    return null;
  }
}
