import 'reflect-metadata';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { silentLogger } from '../../application/ports/logger.ts';
import { paperConfig } from '../../composition/config.ts';
import { runPaper } from '../../composition/paper.ts';

/*
 * --duration of the synthetic market is market time, which the feed counts: a run on a machine slower
 * than the market (loaded, or held up by its store) plays the whole of it. It was a wall-clock timer
 * as well, and a backtest of 20 s of market that took longer than 20 s of wall time ended early and
 * quietly, with fewer decisions and orders than the same backtest on a quiet machine.
 */

const root = fileURLToPath(new URL('../..', import.meta.url));
const config = paperConfig(
  { source: 'synthetic', seed: '11', duration: '60s', speed: 'max', db: 'none', model: join(root, 'models/baseline'), 'log-level': 'silent' },
  {},
);

afterEach(() => vi.useRealTimers());

describe('a synthetic backtest with --duration', { timeout: 120_000 }, () => {
  it('plays all of its market time however long the wall clock takes', async () => {
    const quiet = await runPaper(config, { logger: silentLogger, env: {}, mode: 'backtest' });
    expect(quiet.summary.counters.bookFrames).toBeGreaterThan(2_000);

    // The same run, with the wall clock jumping past the duration while the loop is a third of the way in.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    let jumped = false;
    const slow = await runPaper(config, {
      logger: silentLogger, env: {}, mode: 'backtest',
      onProgress: () => {
        if (jumped) return;
        jumped = true;
        vi.advanceTimersByTime(61_000);
      },
    });
    expect(jumped).toBe(true);
    expect(slow.summary.counters).toEqual(quiet.summary.counters);
    expect(slow.summary.orders).toEqual(quiet.summary.orders);
  });
});
