import { parseCommandLine } from './args.ts';
import type { Kysely } from 'kysely';
import { openDatabase } from '../adapters/postgres/connect.ts';
import { writeSchemaStamp } from '../adapters/postgres/schema-stamp.ts';
import {
  createMigrator, migrateToLatest, migrationStates, rollBack, type MigrationOutcome, type MigrationState,
} from '../adapters/postgres/migrate.ts';
import type { Ticks } from '../domain/values/units.ts';
import { ConfigError, DEFAULT_DB, dbTarget } from './config.ts';
import { flag, helpLines, int, optionTable, readSettings, setting, text } from './settings.ts';

/** `ladder db`'s settings, declared as the other commands' are (settings.ts). */
const DB_SETTINGS = {
  db: setting(text(), { arg: 'TARGET', help: `${DEFAULT_DB} (default), pglite:memory, or postgres://user@host:port/db; DATABASE_URL is used when --db is absent` }),
  steps: setting(int(1, 1_000), { arg: 'N', default: '1', help: 'rollback: how many migrations to undo' }),
  help: flag('this text', 'h'),
};

const DB_HELP = `ladder db migrate|status|rollback [--db TARGET] [--steps N]

  migrate      apply every pending migration and list them
  status       list every migration, applied (with when) or pending
  rollback     undo the last N applied migrations, newest first, and list them

Flags:
${helpLines(DB_SETTINGS, ['db', 'steps'])}

A failed migration changes nothing: the migrations of one command run in one transaction.`;

/** `ladder db migrate|status|rollback [--db TARGET] [--steps N]` */
export async function dbCommand(args: string[]): Promise<number> {
  const { values: parsed, positionals } = parseCommandLine('db', { args, options: optionTable(DB_SETTINGS), allowPositionals: true });
  const [sub, ...extra] = positionals;
  if (parsed.help === true || sub === undefined) {
    console.log(DB_HELP);
    return sub === undefined && parsed.help !== true ? 2 : 0;
  }
  if (sub !== 'migrate' && sub !== 'status' && sub !== 'rollback') {
    throw new ConfigError('db', `unknown subcommand "${sub}"; use migrate, status or rollback`);
  }
  if (extra.length > 0) throw new ConfigError('db', `unexpected argument "${extra[0]}"`);
  if (parsed.steps !== undefined && sub !== 'rollback') throw new ConfigError('--steps', 'only goes with "ladder db rollback"');
  const values = readSettings(DB_SETTINGS, parsed);
  const steps = values.steps;
  const { text, target, field } = dbTarget(values.db, process.env);
  let db;
  try {
    db = await openDatabase(target);
  } catch (error) {
    throw new ConfigError(field, (error as Error).message);
  }
  try {
    const migrator = createMigrator(db, undefined);
    switch (sub) {
      case 'status':
        console.log(formatStates(await migrationStates(migrator)));
        return 0;
      case 'migrate':
        return report(`migrate ${text}`, await migrateToLatest(migrator), 'applied', 'nothing to apply: the schema is up to date');
      case 'rollback':
        return report(`rollback ${text}`, await rollBack(migrator, steps), 'rolled back', 'nothing to roll back');
      default:
        throw new Error(`unknown subcommand ${String(sub satisfies never)}`);
    }
  } finally {
    if (target.kind === 'pglite' && target.dataDir !== null) await restamp(db, target.dataDir);
    await db.destroy();
  }
}

/** An embedded store's stamp says what it holds now, for `ladder doctor` (schema-stamp.ts). */
async function restamp<DB>(db: Kysely<DB>, dataDir: string): Promise<void> {
  try {
    const states = await migrationStates(createMigrator(db, undefined));
    writeSchemaStamp(dataDir, states.filter((s) => s.appliedAt !== null).map((s) => s.name));
  } catch {
    // Without a stamp, doctor opens the store to read it.
  }
}

function formatStates(states: readonly MigrationState[]): string {
  const width = Math.max(...states.map((s) => s.name.length));
  const lines = states.map((s) => `${s.name.padEnd(width)}  ${s.appliedAt === null ? 'pending' : `applied ${s.appliedAt.toISOString()}`}`);
  const pending = states.filter((s) => s.appliedAt === null).length;
  return [...lines, pending === 0 ? 'up to date' : `${pending} pending`].join('\n');
}

/** Prints what a migration run did; on failure, the migration and the error on standard error, exit 1. */
function report(what: string, outcome: MigrationOutcome, verb: string, none: string): number {
  if (!outcome.ok) {
    const where = outcome.failed === null ? '' : ` at ${outcome.failed}`;
    console.error(`ladder: db ${what} failed${where}: ${outcome.message}\nno migration was applied or undone`);
    return 1;
  }
  console.log(outcome.names.length === 0 ? none : outcome.names.map((name) => `${verb} ${name}`).join('\n'));
  return 0;
}

/**
 * The sample the quick start replays: 1,500 book frames (150 s) of the earlier, simpler synthetic
 * generator (adapters/replay/synthetic-frames.ts), seed 7.
 */
export const SAMPLE = { seed: 7, bookFrames: 1500, startMs: 1_767_225_600_000, startPrice: 900_000 as Ticks, depth: 50 };

export { synthCommand } from './synth-command.ts';
