import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { summarizeSweep, type SweepReportFields, type SweepResultRow } from '../application/sweep-summary.ts';
import type { Logger } from '../application/ports/logger.ts';
import { createPinoLogger } from '../adapters/log/pino-logger.ts';
import { parseNatsAddress } from '../adapters/nats/nats-address.ts';
import { DEFAULT_QUEUE_STREAM, NatsWorkQueue, type QueueProgress } from '../adapters/nats/work-queue.ts';
import { SweepStore } from '../adapters/postgres/sweep-store.ts';
import { z } from 'zod';
import { ConfigError, dbTarget, DEFAULT_DB, intFlag } from './config.ts';
import { parseCommandLine } from './args.ts';
import { LOG_LEVELS } from './run-settings.ts';
import { duration, flag, helpLines, oneOf, optionTable, readSettings, setting, text, type Setting } from './settings.ts';
import { describeInput, expandJobs, GRID_FLAGS, parseJob, readGrid, type JobInput } from './sweep-grid.ts';
import { formatSweep, sweepPage, type SweepView } from './sweep-page.ts';

/** `ladder sweep`'s settings, declared as the other commands' are (settings.ts). */
const SWEEP_SETTINGS = {
  grid: setting(text(), {
    arg: 'FILE',
    help: `JSON: backtest flags (without --) and the values to try, e.g. {"policy": ["smart", "baseline"], "order-size": ["0.002", "0.004"]}; flags: ${GRID_FLAGS.join(', ')}`,
  }),
  input: {
    type: 'string',
    multiple: true,
    schema: z.array(z.string()).optional(),
    arg: 'X',
    help: 'a recording every worker can read (a shared path), or a stream nats://HOST:PORT/STREAM; repeat for several. One job per input × parameter set',
  } as Setting<z.ZodOptional<z.ZodArray<z.ZodString>>> & { readonly multiple: true },
  seeds: setting(text(), { arg: 'LIST', help: 'synthetic markets instead (1,2,3), each --duration D of market time' }),
  duration: setting(duration(), { arg: 'D', help: 'with --seeds: the market time of each synthetic run' }),
  nats: setting(text(), { arg: 'URL', help: `nats://HOST:PORT[/STREAM]: the work-queue stream (default ${DEFAULT_QUEUE_STREAM})` }),
  db: setting(text(), { arg: 'TARGET', help: `the shared database the workers write results to (default DATABASE_URL, else ${DEFAULT_DB})` }),
  name: setting(text(), { arg: 'ID', help: "the sweep's id (default: sweep-<date>-<random>); publishing it again adds no job twice" }),
  'ack-wait': setting(duration(), {
    arg: 'D',
    help: 'how long a worker may hold a job without a sign of life before it is given to another (default 30s; workers send in-progress heartbeats every third of it)',
  }),
  status: flag('progress and the summary: parameter sets best first (mean PnL over their inputs, then mean Sharpe); --html FILE writes it as one page. Without --name: the latest sweep'),
  html: setting(text(), { arg: 'FILE', help: 'with --status: the summary as one HTML page' }),
  'log-level': setting(oneOf(LOG_LEVELS), { arg: 'LEVEL', default: 'warn', help: 'logs on standard error' }),
  help: flag('this text', 'h'),
};

export const SWEEP_HELP = `ladder sweep — a parameter sweep of backtests, run by any number of "ladder worker"s

Usage: ladder sweep --grid grid.json (--input FILE|nats://… ... | --seeds 1,2,3 --duration D) --nats URL [--db TARGET]
       ladder sweep --status [--name ID] [--db TARGET] [--nats URL] [--html FILE]

${helpLines(SWEEP_SETTINGS, Object.keys(SWEEP_SETTINGS).filter((k) => k !== 'help'))}`;

const OPTIONS = optionTable(SWEEP_SETTINGS);

/** `ladder sweep …`: see SWEEP_HELP. */
export async function sweepCommand(args: string[], out: (text: string) => void): Promise<number> {
  const { values: parsed } = parseCommandLine('sweep', { args, options: OPTIONS, strict: true, allowPositionals: false });
  if (parsed.help === true) {
    out(SWEEP_HELP);
    return 0;
  }
  const values = readSettings(SWEEP_SETTINGS, parsed);
  const logger = createPinoLogger({ level: values['log-level'] });
  if (values.status) return status(values, logger, out);
  if (values.grid === undefined) throw new ConfigError('--grid', 'required: the parameters to try (or --status)');
  if (values.nats === undefined) throw new ConfigError('--nats', 'required: nats://HOST:PORT[/STREAM], where the jobs go');
  const grid = readGrid(values.grid);
  const inputs = sweepInputs(parsed);
  const id = values.name ?? `sweep-${new Date().toISOString().slice(0, 19).replace(/[-:T]/g, '')}-${randomBytes(3).toString('hex')}`;
  if (!/^[A-Za-z0-9_.-]{1,100}$/.test(id)) throw new ConfigError('--name', `"${id}" is not a sweep id (letters, digits, ., _ and -)`);
  const jobs = expandJobs(id, inputs, grid);
  const ackWaitMs = values['ack-wait'] ?? null;
  const store = await openStore(values.db);
  try {
    const queue = await openQueue(values.nats, ackWaitMs, logger, 'ladder sweep');
    try {
      await store.recordSweep({ id, createdAtMicros: Date.now() * 1000, grid: Object.fromEntries(grid), jobs: jobs.length });
      let added = 0;
      for (const job of jobs) if (await queue.publish(`${id}/${job.id}`, JSON.stringify(job))) added++;
      out(`sweep ${id}: ${added} jobs published (${inputs.length} inputs × ${jobs.length / inputs.length} parameter sets${added < jobs.length ? `; ${jobs.length - added} were there already` : ''}); ack deadline ${queue.ackWaitMs / 1000} s`);
      out(`follow it with: ladder sweep --status --name ${id}`);
    } finally {
      await queue.close();
    }
  } finally {
    await store.close();
  }
  return 0;
}

function sweepInputs(values: { input?: string[]; seeds?: string; duration?: string }): JobInput[] {
  if (values.seeds !== undefined) {
    if (values.input !== undefined) throw new ConfigError('--seeds', 'give --input or --seeds, not both');
    if (values.duration === undefined) throw new ConfigError('--duration', 'required with --seeds: the market time of each synthetic run');
    const seeds = values.seeds.split(',').map((s) => intFlag('--seeds', s.trim(), 0, 2 ** 32 - 1));
    if (new Set(seeds).size !== seeds.length) throw new ConfigError('--seeds', 'lists a seed twice');
    return seeds.map((seed) => ({ kind: 'synthetic', seed, duration: values.duration! }));
  }
  if (values.input === undefined || values.input.length === 0) throw new ConfigError('--input', 'required: recordings or streams (or --seeds with --duration)');
  if (values.duration !== undefined) throw new ConfigError('--duration', 'only goes with --seeds');
  return values.input.map((input): JobInput => {
    if (input.startsWith('nats://')) {
      const address = parseNatsAddress(input);
      if (!address.ok) throw new ConfigError('--input', address.error);
      return { kind: 'nats', source: input };
    }
    // Workers elsewhere read the path as given: it must name the same file on every machine.
    if (!existsSync(input)) throw new ConfigError('--input', `file not found: ${input}`);
    return { kind: 'file', path: input };
  });
}

async function status(values: { name?: string; db?: string; nats?: string; html?: string }, logger: Logger, out: (text: string) => void): Promise<number> {
  const store = await openStore(values.db);
  let view: SweepView;
  try {
    const sweep = values.name === undefined ? await store.latestSweep() : await store.readSweep(values.name);
    if (sweep === null) throw new ConfigError('--name', values.name === undefined ? 'no sweep recorded in this database' : `no sweep "${values.name}" in this database`);
    const rows: SweepResultRow[] = (await store.readResults(sweep.id)).map((r) => {
      const job = parseJob(JSON.stringify(r.job));
      return {
        jobId: r.jobId,
        params: job?.params ?? {},
        input: job === null ? '?' : describeInput(job.input),
        report: r.report as SweepReportFields | null,
        error: r.error,
        delivery: r.delivery,
      };
    });
    let queue: QueueProgress | null = null;
    if (values.nats !== undefined) {
      const q = await openQueue(values.nats, null, logger, 'ladder sweep --status');
      try {
        queue = await q.progress();
      } finally {
        await q.close();
      }
    }
    const failed = rows.filter((r) => r.report === null).length;
    view = { id: sweep.id, jobs: sweep.jobs, done: rows.length, failed, sets: summarizeSweep(rows), rows, queue };
  } finally {
    await store.close();
  }
  out(formatSweep(view));
  if (values.html !== undefined) {
    await writeFile(values.html, sweepPage(view));
    out(`wrote ${values.html}`);
  }
  return 0;
}

export async function openStore(db: string | undefined): Promise<SweepStore> {
  const { target } = dbTarget(db, process.env);
  try {
    return await SweepStore.open(target);
  } catch (error) {
    throw new ConfigError(db === undefined && process.env.DATABASE_URL !== undefined ? 'DATABASE_URL' : '--db', (error as Error).message);
  }
}

export async function openQueue(text: string, ackWaitMs: number | null, logger: Logger, name: string): Promise<NatsWorkQueue> {
  const address = parseNatsAddress(text);
  if (!address.ok) throw new ConfigError('--nats', address.error);
  if (address.value.startGiven || address.value.endGiven || address.value.durable !== null) throw new ConfigError('--nats', 'the work queue takes no start=, end= or durable=');
  try {
    return await NatsWorkQueue.open({ server: address.value.server, stream: address.value.streamGiven ? address.value.stream : DEFAULT_QUEUE_STREAM, logger, ackWaitMs, name });
  } catch (error) {
    throw new ConfigError('--nats', (error as Error).message);
  }
}
