import type { TradingStore } from '../application/ports/trading-store.ts';
import type { Logger } from '../application/ports/logger.ts';
import { parseArgs } from 'node:util';
import { ConfigError, DEFAULT_DASHBOARD_PORT, DEFAULT_DB, dbTarget, isLoopback } from './config.ts';
import { normalizeArgs } from './args.ts';
import { PAPER_SETTINGS } from './run-settings.ts';
import { flag, helpLines, int, named, optionTable, readSettings, setting, text } from './settings.ts';
import { openStoreOfRun } from './stored-run.ts';
import { EXIT } from './user-error.ts';

/** `ladder dashboard`'s settings, declared as the trading commands' are (run-settings.ts). */
const DASHBOARD_SETTINGS = {
  run: setting(named('a stored run'), { arg: 'RUN_ID', help: 'the run ("ladder runs" lists them)' }),
  db: setting(text(), { arg: 'TARGET', help: `where it is stored: DATABASE_URL when --db is absent, else ${DEFAULT_DB}` }),
  port: setting(int(0, 65_535), { arg: 'N', default: String(DEFAULT_DASHBOARD_PORT), help: 'where to listen; a free one if taken, and 0 picks one' }),
  host: setting(named('a host or address'), {
    arg: 'HOST', default: '127.0.0.1', help: 'any address but a loopback one needs LADDER_DASHBOARD_TOKEN (16 characters or more), which every request must then carry',
  }),
  capital: setting(PAPER_SETTINGS.capital.schema.unwrap(), { arg: 'USDT', default: '10000', help: 'the starting equity the equity curve adds to the PnL, as the run commands' }),
  help: flag('this text', 'h'),
};

export const DASHBOARD_HELP = `ladder dashboard --run RUN_ID [--db TARGET] [--port N] [--host HOST] [--capital USDT]

Serves the dashboard of a stored run, read-only (no kill switch): the mid a second with the run's orders
and fills marked on it, equity, position and the confidence of its signals, on one time axis, and its
report. The dashboard of a run under way is served by the run itself (ladder paper/live --dashboard PORT).
Stops on Ctrl-C.

${helpLines(DASHBOARD_SETTINGS, ['run', 'db', 'port', 'host', 'capital'])}`;

const OPTIONS = optionTable(DASHBOARD_SETTINGS);

/** `ladder dashboard --run ID …`: see DASHBOARD_HELP. Serves until SIGINT or SIGTERM; an unknown run returns 1. */
export async function dashboardCommand(args: string[], out: (text: string) => void): Promise<number> {
  const { values, positionals } = parseArgs({ args: normalizeArgs(args, OPTIONS, 'dashboard'), options: OPTIONS, strict: true, allowPositionals: true });
  if (values.help === true) {
    out(DASHBOARD_HELP);
    return 0;
  }
  if (positionals.length > 0) throw new ConfigError('dashboard', `unexpected argument "${positionals[0]}"; give the run as --run RUN_ID`);
  const { run: runId, port, host, capital: capitalUsdt } = readSettings(DASHBOARD_SETTINGS, values);
  if (runId === undefined) {
    throw new ConfigError('--run', 'give the id of a stored run ("ladder runs" lists them); a run under way serves its own dashboard (ladder paper --dashboard PORT)');
  }
  const given = process.env.LADDER_DASHBOARD_TOKEN;
  const token = given === undefined || given === '' ? null : given;
  if (token !== null && token.length < 16) throw new ConfigError('LADDER_DASHBOARD_TOKEN', 'must be at least 16 characters');
  if (token === null && !isLoopback(host)) {
    throw new ConfigError('--host', `${host} is reachable from other machines: set LADDER_DASHBOARD_TOKEN (16 characters or more) so that the dashboard asks for it`);
  }
  const { text, target, field } = dbTarget(values.db, process.env);
  if (text === 'none') throw new ConfigError(field, 'none keeps no run: name the store the run is in');
  const opened = await openStoreOfRun(runId, target, field, out);
  if (opened === null) return EXIT.failed;
  const { store, run: known } = opened;
  try {
    const { createPinoLogger } = await import('../adapters/log/pino-logger.ts');
    // Only a request that fails is logged, on standard error.
    const logger = createPinoLogger({ level: 'warn', format: process.stderr.isTTY ? 'pretty' : 'json' });
    let served: { url: string; close(): Promise<void> };
    try {
      served = await serveStoredRun(store, runId, { host, port, token, capitalUsdt, logger });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
      out(`port ${port} is in use; serving on a free port instead`);
      served = await serveStoredRun(store, runId, { host, port: 0, token, capitalUsdt, logger });
    }
    out(`dashboard of run ${runId} (${known.mode}, stored, read-only) at ${served.url}${token === null ? '' : ' (LADDER_DASHBOARD_TOKEN required)'}; Ctrl-C stops it`);
    const signal = await new Promise<'SIGINT' | 'SIGTERM'>((resolve) => {
      process.once('SIGINT', () => resolve('SIGINT'));
      process.once('SIGTERM', () => resolve('SIGTERM'));
    });
    await served.close();
    return EXIT[signal];
  } finally {
    await store.close();
  }
}

export interface StoredRunServing {
  readonly host: string;
  /** 0: any free port. */
  readonly port: number;
  readonly token: string | null;
  readonly capitalUsdt: number;
  readonly logger: Logger;
}

/**
 * Serves the dashboard of a run the store holds (see adapters/dashboard/server.ts): its history is
 * read again at each request of the page, so that a run still being written shows what is stored by
 * then. The store stays the caller's to close, after `close()`.
 */
export async function serveStoredRun(store: TradingStore, runId: string, options: StoredRunServing): Promise<{ url: string; close(): Promise<void> }> {
  const [{ startDashboardServer }, { readRunHistory }, { renderRunReport }] = await Promise.all([
    import('../adapters/dashboard/server.ts'), import('../adapters/dashboard/run-history.ts'), import('../adapters/dashboard/report-page.ts'),
  ]);
  return startDashboardServer(
    {
      runId,
      history: async () => {
        const history = await readRunHistory(store, runId, options.capitalUsdt);
        if (history === null) throw new Error(`run ${runId} vanished from the store while being served`);
        return history;
      },
      report: (id) => renderRunReport(store, id, { capitalUsdt: options.capitalUsdt }),
    },
    { host: options.host, port: options.port, token: options.token, logger: options.logger },
  );
}
