import 'reflect-metadata';
import { parentPort, workerData } from 'node:worker_threads';
import { createPinoLogger } from '../adapters/log/pino-logger.ts';
import { runBacktest } from './backtest-command.ts';
import type { JobAnswer, JobRequest } from './backtest-jobs.ts';

/* One run of `ladder backtest --jobs N`, in a worker thread: the run's report goes back as a message. */
const { config } = workerData as JobRequest;
let answer: JobAnswer;
try {
  const logger = createPinoLogger({ level: config.logLevel });
  answer = { ok: true, report: await runBacktest(config, true, logger, {}) };
} catch (error) {
  answer = { ok: false, error: error instanceof Error ? error.message : String(error) };
}
parentPort?.postMessage(answer);
