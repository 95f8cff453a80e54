import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from '../application/ports/logger.ts';
import { createPinoLogger } from '../adapters/log/pino-logger.ts';
import type { QueuedJob } from '../adapters/nats/work-queue.ts';
import { ConfigError, dbTarget, DEFAULT_DB } from './config.ts';
import { parseCommandLine } from './args.ts';
import { LOG_LEVELS } from './run-settings.ts';
import { duration, flag, helpLines, int, named, oneOf, optionTable, readSettings, setting, text } from './settings.ts';
import { backtestArgs, parseJob, type SweepJob } from './sweep-grid.ts';
import { openQueue, openStore } from './sweep-command.ts';

/** `ladder worker`'s settings, declared as the trading commands' are (run-settings.ts). */
const WORKER_SETTINGS = {
  nats: setting(text(), { arg: 'URL', help: 'nats://HOST:PORT[/STREAM]: the work-queue stream "ladder sweep" publishes to' }),
  db: setting(text(), { arg: 'TARGET', help: `the shared database: each job's run and its result (default DATABASE_URL, else ${DEFAULT_DB}); several workers need a Postgres server (postgres://…), not PGlite` }),
  'idle-exit': setting(duration(), { arg: 'D', help: 'stop after D without a job, with its unit (default: wait for jobs until stopped)' }),
  'max-jobs': setting(int(1, 1_000_000_000), { arg: 'N', help: 'stop after N jobs' }),
  name: setting(named('the worker'), { arg: 'NAME', help: 'how results name this worker (default HOST-PID)' }),
  'log-level': setting(oneOf(LOG_LEVELS), { arg: 'LEVEL', default: 'warn', help: 'logs on standard error' }),
  help: flag('this text', 'h'),
};

export const WORKER_HELP = `ladder worker — take sweep jobs from the work queue, backtest them, store the results

Usage: ladder worker --nats URL [--db TARGET] [--idle-exit D] [--max-jobs N] [--name NAME]

${helpLines(WORKER_SETTINGS, ['nats', 'db', 'idle-exit', 'max-jobs', 'name', 'log-level'])}

Each job is acknowledged once its result is stored; a worker that dies holding a job has it given to
another after the sweep's ack deadline, and a job finished twice keeps one result. SIGINT or SIGTERM
stops the worker after the job in hand. One line per job on standard output.`;

const OPTIONS = optionTable(WORKER_SETTINGS);

/** `ladder worker …`: see WORKER_HELP. */
export async function workerCommand(args: string[], out: (text: string) => void): Promise<number> {
  const { values } = parseCommandLine('worker', { args, options: OPTIONS, strict: true, allowPositionals: false });
  if (values.help === true) {
    out(WORKER_HELP);
    return 0;
  }
  if (values.nats === undefined) throw new ConfigError('--nats', 'required: nats://HOST:PORT[/STREAM], where the jobs are');
  const settings = readSettings(WORKER_SETTINGS, values);
  const idleMs = settings['idle-exit'] ?? null;
  const maxJobs = settings['max-jobs'] ?? Infinity;
  const name = settings.name ?? `${hostname()}-${process.pid}`;
  const logger = createPinoLogger({ level: settings['log-level'] });
  const { text: db } = dbTarget(values.db, process.env);
  // The database must answer (and be migrated) before a job is taken.
  await (await openStore(db)).close();
  const queue = await openQueue(values.nats, null, logger, `ladder worker ${name}`);
  let stopped: NodeJS.Signals | null = null;
  const stop = (signal: NodeJS.Signals): void => {
    stopped = signal;
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  let done = 0;
  let outages = 0;
  let idleSince = Date.now();
  try {
    while (stopped === null && done < maxJobs) {
      let job: QueuedJob | null;
      try {
        job = await queue.next(2_000);
      } catch (error) {
        // The server away (the client reconnects by itself): counted, logged, asked again shortly.
        outages++;
        logger.warn({ outages, error: String(error) }, 'cannot take a job from the queue; retrying');
        await new Promise((resolve) => setTimeout(resolve, 1_000));
        continue;
      }
      if (job === null) {
        if (idleMs !== null && Date.now() - idleSince >= idleMs) break;
        continue;
      }
      await work(job, { name, db, logLevel: settings['log-level'], logger, out });
      done++;
      idleSince = Date.now();
    }
  } finally {
    process.removeListener('SIGINT', stop);
    process.removeListener('SIGTERM', stop);
    await queue.close();
  }
  out(`worker ${name}: ${done} jobs done`);
  return stopped === null ? 0 : stopped === 'SIGINT' ? 130 : 143;
}

interface WorkContext {
  readonly name: string;
  readonly db: string;
  readonly logLevel: string;
  readonly logger: Logger;
  readonly out: (text: string) => void;
}

/**
 * Runs one job and stores its result, holding the job with heartbeats meanwhile; acknowledges once
 * stored. A job that cannot run (a refused setting: a file absent on this machine, a bad value) is
 * stored as failed and acknowledged; any other failure (the database down) gives the job back.
 */
async function work(queued: QueuedJob, ctx: WorkContext): Promise<void> {
  const job = parseJob(queued.text);
  if (job === null) {
    ctx.logger.error({ text: queued.text.slice(0, 200) }, 'a message in the work queue is not a sweep job; dropped');
    await queued.ack();
    return;
  }
  ctx.out(`job ${job.sweep}/${job.id} started (delivery ${queued.delivery})`);
  const release = queued.keepAlive();
  try {
    const outcome = await runJob(job, ctx);
    const store = await openStore(ctx.db);
    try {
      const stored = await store.storeResult(job.sweep, {
        jobId: job.id,
        job,
        report: outcome.ok ? outcome.report : null,
        error: outcome.ok ? null : outcome.error,
        runId: outcome.ok ? String(outcome.report.run) : null,
        worker: ctx.name,
        delivery: queued.delivery,
        finishedAtMicros: Date.now() * 1000,
      });
      ctx.out(`job ${job.sweep}/${job.id} ${outcome.ok ? 'done' : `failed: ${outcome.error}`}${stored ? '' : ' (a result was stored already; kept)'}`);
    } finally {
      await store.close();
    }
    await queued.ack();
  } catch (error) {
    ctx.logger.error({ job: `${job.sweep}/${job.id}`, error: String(error) }, 'job not finished; given back to the queue');
    queued.retryLater(5_000);
  } finally {
    release();
  }
}

type Outcome = { ok: true; report: Record<string, unknown> } | { ok: false; error: string };

async function runJob(job: SweepJob, ctx: WorkContext): Promise<Outcome> {
  const { backtestCommand } = await import('./backtest-command.ts');
  const dir = await mkdtemp(join(tmpdir(), 'ladder-job-'));
  const report = join(dir, 'report.json');
  try {
    await backtestCommand([...backtestArgs(job), '--db', ctx.db, '--report', report, '--quiet', '--log-level', ctx.logLevel], () => undefined);
    return { ok: true, report: JSON.parse(await readFile(report, 'utf8')) as Record<string, unknown> };
  } catch (error) {
    if (error instanceof ConfigError) return { ok: false, error: error.message };
    if (error instanceof TypeError && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS')) return { ok: false, error: error.message };
    throw error;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
