import { existsSync } from 'node:fs';
import { ConfigError, DEFAULT_DB, dbTarget } from './config.ts';
import { flag, helpLines, int, oneOf, optionTable, readSettings, setting, text } from './settings.ts';
import { parseCommandLine } from './args.ts';
import { isoMicros } from './run-end.ts';

/** `ladder runs`' settings, declared as the trading commands' are (run-settings.ts). */
const RUNS_SETTINGS = {
  db: setting(text(), { arg: 'TARGET', help: `where to look: ${DEFAULT_DB} (default), pglite:DIR or postgres://…; DATABASE_URL is used when --db is absent (the same store paper and backtest use)` }),
  kind: setting(oneOf(['paper', 'live', 'backtest']), { arg: 'K', help: 'only paper, live or backtest runs' }),
  limit: setting(int(1, 100_000), { arg: 'N', default: '20', help: 'at most N runs' }),
  json: flag('one JSON line per run'),
  help: flag('this text', 'h'),
};

export const RUNS_HELP = `ladder runs [--db TARGET] [--kind paper|live|backtest] [--limit N] [--json]

Lists the runs stored in a database, newest first: id, kind, source, start, the market time covered,
net PnL and how each ended. "ladder report RUN_ID" reports one of them.

${helpLines(RUNS_SETTINGS, ['db', 'kind', 'limit', 'json'])}`;

const OPTIONS = optionTable(RUNS_SETTINGS);

/** `ladder runs`: see RUNS_HELP. */
export async function runsCommand(args: string[], out: (text: string) => void): Promise<number> {
  const { values, positionals } = parseCommandLine('runs', { args, options: OPTIONS, strict: true, allowPositionals: true });
  if (values.help === true) {
    out(RUNS_HELP);
    return 0;
  }
  if (positionals.length > 0) throw new ConfigError('runs', `unexpected argument "${positionals[0]}"; "ladder report RUN_ID" reports one run`);
  const { kind, limit } = readSettings(RUNS_SETTINGS, values);
  const { text, target, field } = dbTarget(values.db, process.env);
  if (text === 'none') throw new ConfigError(field, 'none keeps no run: name the store to list');
  const [{ openDatabase }, { listRuns }, { describeDbTarget }] = await Promise.all([
    import('../adapters/postgres/connect.ts'), import('../adapters/postgres/run-list.ts'), import('../adapters/postgres/db-target.ts'),
  ]);
  const where = describeDbTarget(target);
  if (target.kind === 'pglite' && target.dataDir !== null && !existsSync(target.dataDir)) {
    out(`no run stored in ${where}: there is no store there yet (a paper run or a backtest creates it)`);
    return 0;
  }
  const db = await openDatabase(target).catch((error: unknown) => {
    throw new ConfigError(field, (error as Error).message);
  });
  try {
    const tables = await db.introspection.getTables();
    if (!tables.some((t) => t.name === 'runs')) {
      out(`no run stored in ${where}: no run has used it yet ("ladder db migrate" prepares it)`);
      return 0;
    }
    const runs = await listRuns(db, { limit, ...(kind === undefined ? {} : { mode: kind }) });
    if (runs.length === 0) {
      out(`no ${kind ?? ''}${kind === undefined ? '' : ' '}run stored in ${where}`);
      return 0;
    }
    if (values.json === true) {
      for (const r of runs) out(JSON.stringify({ id: r.id, kind: r.mode, source: r.source, started: isoMicros(r.startedAt), marketSeconds: r.marketMicros === null ? null : r.marketMicros / 1e6, netPnl: netPnl(r.summary), ended: endState(r.endedAt, r.summary) }));
      return 0;
    }
    const rows = runs.map((r) => [
      r.id, r.mode, r.source, isoMicros(r.startedAt).replace('T', ' ').slice(0, 19), marketTime(r.marketMicros), netPnl(r.summary) ?? 'n/a', endState(r.endedAt, r.summary),
    ]);
    out(`runs in ${where}, newest first${runs.length === limit ? ` (the last ${limit}; --limit N for more)` : ''}`);
    out(table([['RUN', 'KIND', 'SOURCE', 'STARTED (UTC)', 'MARKET', 'NET USDT', 'ENDED'], ...rows]));
    return 0;
  } finally {
    await db.destroy();
  }
}

function netPnl(summary: Readonly<Record<string, unknown>> | null): string | null {
  const position = summary?.position as { netPnl?: string } | undefined;
  return position?.netPnl ?? null;
}

/** How a stored run ended: completed, halted, or not at all (still running, or a crash). */
function endState(endedAt: number | null, summary: Readonly<Record<string, unknown>> | null): string {
  if (endedAt === null || summary === null) return 'running or crashed';
  const execution = summary.execution as { riskState?: string } | null | undefined;
  return execution?.riskState === 'HALTED' ? 'halted' : 'completed';
}

/** µs of market time as `2h05m`, `12m30s` or `45.2s`. */
function marketTime(micros: number | null): string {
  if (micros === null) return 'n/a';
  const s = micros / 1e6;
  if (s < 60) return `${s.toFixed(1)}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(Math.floor(s % 60)).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

function table(rows: readonly (readonly string[])[]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]))).join('  ')).join('\n');
}
