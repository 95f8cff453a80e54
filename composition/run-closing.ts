import { closeSync, fdatasyncSync, existsSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import type { Logger } from '../application/ports/logger.ts';
import type { RunEnd, StoredRun, TradingStore } from '../application/ports/trading-store.ts';
import type { Micros } from '../domain/values/units.ts';

/**
 * Runs that end while the database cannot be reached, and runs a dead process left open.
 *
 * A run records in its config which process on which host ran it with which spill file (`owner`).
 * At the end, when `finishRun` fails (an outage), the run's end (time, summary, reason
 * `stopped-during-outage`) is appended to a file beside the spill file, synced, and the next start
 * using that spill file finishes the run with it once its spilled rows are written back. A run still
 * open at the next start whose owner used the same spill file on this host and is no longer alive
 * died without an end (kill -9, a power cut): it is closed with reason `crashed` and the time of
 * that start. A run whose process is alive (another run, a worker thread of this one) is left alone.
 */

/** Who ran a run, as its config records it. */
export interface RunOwner {
  readonly spill: string;
  readonly host: string;
  readonly pid: number;
}

/** The config fields that name this process as the owner of a run using `spillPath`. */
export function ownerFields(spillPath: string | null): { owner?: RunOwner } {
  return spillPath === null ? {} : { owner: { spill: resolve(spillPath), host: hostname(), pid: process.pid } };
}

/** The file beside the spill file where ends of runs wait for the store. */
export function pendingEndsPath(spillPath: string): string {
  return `${spillPath}.run-ends.jsonl`;
}

interface PendingEnd extends RunEnd {
  readonly runId: string;
}

/**
 * Finishes the run; when the store cannot take it, keeps its end for the next start (synced to the
 * disk before this returns) and resolves false. Without a spill file there is nowhere to keep it:
 * the error is thrown.
 */
export async function finishOrKeep(store: TradingStore, runId: string, end: RunEnd, spillPath: string | null, logger: Logger): Promise<boolean> {
  try {
    await store.finishRun(runId, end);
    return true;
  } catch (error) {
    if (spillPath === null) throw error;
    const kept: PendingEnd = { runId, ...end, endReason: 'stopped-during-outage' };
    const fd = openSync(pendingEndsPath(spillPath), 'a');
    try {
      writeSync(fd, `${JSON.stringify(kept)}\n`);
      fdatasyncSync(fd);
    } finally {
      closeSync(fd);
    }
    logger.warn({ err: String(error), file: pendingEndsPath(spillPath) }, 'database unreachable at the end of the run: its end is kept for the next start, which closes it');
    return false;
  }
}

/**
 * Start-up, after the writer wrote back what the spill file held: finishes the runs whose end
 * waited beside it, then closes as `crashed` the runs this host's dead processes left open with the
 * same spill file. Returns the ids of both.
 */
export async function closeLeftRuns(
  store: TradingStore, spillPath: string, now: Micros, logger: Logger,
): Promise<{ readonly stoppedDuringOutage: readonly string[]; readonly crashed: readonly string[] }> {
  const pendingFile = pendingEndsPath(spillPath);
  const stoppedDuringOutage: string[] = [];
  if (existsSync(pendingFile)) {
    for (const line of readFileSync(pendingFile, 'utf8').split('\n')) {
      const end = parsePendingEnd(line);
      if (end === null) continue;
      const { runId, ...rest } = end;
      const run = await store.readRun(runId);
      if (run === null || run.endedAt !== null) continue;
      await store.finishRun(runId, rest);
      stoppedDuringOutage.push(runId);
    }
    rmSync(pendingFile, { force: true });
  }
  const crashed: string[] = [];
  for (const run of await store.readOpenRuns()) {
    if (!leftByDeadProcess(run, resolve(spillPath))) continue;
    await store.finishRun(run.id, { endedAt: now, summary: { closedAtNextStart: true }, endReason: 'crashed' });
    crashed.push(run.id);
  }
  if (stoppedDuringOutage.length > 0) logger.info({ runs: stoppedDuringOutage }, 'runs stopped during a database outage closed');
  if (crashed.length > 0) logger.warn({ runs: crashed }, 'runs left open by a process that died closed as crashed');
  return { stoppedDuringOutage, crashed };
}

/** A line of the pending-ends file, or null for one cut short by a crash. */
function parsePendingEnd(line: string): PendingEnd | null {
  if (line.trim() === '') return null;
  try {
    const value = JSON.parse(line) as Partial<PendingEnd>;
    if (typeof value.runId !== 'string' || typeof value.endedAt !== 'number' || typeof value.summary !== 'object' || value.summary === null) return null;
    return value as PendingEnd;
  } catch {
    return null;
  }
}

function leftByDeadProcess(run: StoredRun, spill: string): boolean {
  const owner = run.config.owner as Partial<RunOwner> | undefined;
  if (owner === undefined || owner.spill !== spill || owner.host !== hostname() || typeof owner.pid !== 'number') return false;
  if (owner.pid === process.pid) return false;
  try {
    process.kill(owner.pid, 0);
    return false;
  } catch (error) {
    // EPERM: a process of another user has that id now; only ESRCH says it is gone.
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
