import 'reflect-metadata';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MemoryStore } from '../../adapters/memory/memory-store.ts';
import { paperConfig } from '../../composition/config.ts';
import { runPaper } from '../../composition/paper.ts';
import { describeError, EXIT } from '../../composition/user-error.ts';
import { eventually } from '../support/builders.ts';
import { RecordingLogger } from '../support/fakes.ts';

/*
 * A paper run takes its first frame before its store is open (composition/paper.ts): the rows made
 * meanwhile wait in the writer and are all stored once the store opens, and nothing is traded before;
 * a store that fails to open stops the run with one line naming it, the reason and the rows not stored.
 */
const dir = mkdtempSync(join(tmpdir(), 'ladder-late-store-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const config = (name: string) =>
  paperConfig(
    { source: 'synthetic', seed: '7', duration: '5m', speed: '50', db: `pglite:${join(dir, name)}`, spill: join(dir, `${name}.spill.jsonl`), 'log-level': 'silent' },
    {},
  );
const said = (logger: RecordingLogger, message: string): number => logger.lines.filter((l) => l.message === message).length;

describe('app:paper with a store that opens late', { timeout: 180_000 }, () => {
  it('takes its first frame before the store opens, its first order after, and stores every row of the run', async () => {
    const logger = new RecordingLogger();
    const store = new MemoryStore();
    let ordersBeforeOpen = -1;
    const result = await runPaper(config('late'), {
      logger,
      env: {},
      openStore: async () => {
        // The store answers only once the book is live: the first frame's rows waited in the writer.
        await eventually(() => said(logger, 'book LIVE') >= 1, 150_000, 20);
        ordersBeforeOpen = said(logger, 'order sent');
        return store;
      },
    });
    // Nothing is traded on before the run is registered.
    expect(ordersBeforeOpen).toBe(0);
    const { summary } = result;
    expect(summary.orders.orders).toBeGreaterThan(0);
    expect(summary.store).toMatchObject({ queued: 0, spilled: 0, rejected: 0, writeErrors: 0 });
    expect(result.stored).toMatchObject({ signals: summary.counters.signals, orders: summary.orders.orders, fills: summary.orders.fills });
    expect(result.stored?.bookSnapshots).toBeGreaterThan(0);
    expect((await store.readRun(result.runId))?.endReason).toBe('completed');
    const live = logger.lines.findIndex((l) => l.message === 'book LIVE');
    const started = logger.lines.findIndex((l) => l.message === 'paper run started');
    const firstOrder = logger.lines.findIndex((l) => l.message === 'order sent');
    expect(live).toBeGreaterThanOrEqual(0);
    expect(started).toBeGreaterThan(live);
    expect(firstOrder).toBeGreaterThan(started);
  });

  it('stops a run whose store fails to open after frames flowed, with one line naming the store, the reason and the rows not stored', async () => {
    const logger = new RecordingLogger();
    const failed = await runPaper(config('broken'), {
      logger,
      env: {},
      openStore: async () => {
        await eventually(() => said(logger, 'book LIVE') >= 1, 150_000, 20);
        throw new Error('PGlite failed to initialize properly');
      },
    }).then(
      () => null,
      (error: unknown) => error,
    );
    expect(failed).not.toBeNull();
    const { line, code, trace } = describeError(failed, {});
    expect(code).toBe(EXIT.refused);
    expect(trace).toBeNull();
    expect(line).not.toContain('\n');
    expect(line).toContain(`pglite:${join(dir, 'broken')}`);
    expect(line).toContain('PGlite failed to initialize properly');
    const lost = /stopped after (\d+) book frames?, and its (\d+) rows? were not stored/.exec(line);
    expect(lost).not.toBeNull();
    expect(Number(lost![1])).toBeGreaterThan(0);
    expect(Number(lost![2])).toBeGreaterThan(0);
  });
});
