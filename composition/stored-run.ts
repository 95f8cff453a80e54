import { existsSync } from 'node:fs';
import type { StoredRun, TradingStore } from '../application/ports/trading-store.ts';
import type { DbTarget } from '../adapters/postgres/db-target.ts';
import { ConfigError } from './config-error.ts';

/** A run not found: the store searched (and where its choice came from), and how to look elsewhere. */
export function notFound(runId: string, store: string, field: string): string {
  const how = field === '--db' ? 'another with --db TARGET' : `${field} chose it; --db TARGET chooses another`;
  return `no run ${runId} in ${store}: "ladder runs --db ${store}" lists the runs stored there; ${how} (a backtest run with --db none kept nothing)`;
}

/**
 * The store a stored run is read from, with the run's record, for `ladder report` and `ladder dashboard
 * --run`; null, once `out` has said where it searched, when the run is not there. The store is the
 * caller's to close. An embedded store that does not exist is only searched in words (opening it would
 * create it), and a database no run has used (no runs table) holds no run either.
 */
export async function openStoreOfRun(runId: string, target: DbTarget, field: string, out: (line: string) => void): Promise<{ store: TradingStore; run: StoredRun } | null> {
  const [{ createStore }, { describeDbTarget }] = await Promise.all([import('../adapters/postgres/connect.ts'), import('../adapters/postgres/db-target.ts')]);
  if (target.kind === 'pglite' && target.dataDir !== null && !existsSync(target.dataDir)) {
    out(notFound(runId, describeDbTarget(target), field));
    return null;
  }
  const store = await createStore(target).catch((error: unknown) => {
    throw new ConfigError(field, (error as Error).message);
  });
  try {
    const run = await store.readRun(runId).catch((error: unknown) => {
      if (/relation "?[a-z_.]*runs"? does not exist/.test((error as Error).message)) return null;
      throw error;
    });
    if (run !== null) return { store, run };
    out(notFound(runId, describeDbTarget(target), field));
  } catch (error) {
    await store.close();
    throw error;
  }
  await store.close();
  return null;
}
