import 'reflect-metadata';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { backtestCommand } from '../../composition/backtest-command.ts';
import { ConfigError } from '../../composition/config.ts';
import type { MergedReport } from '../../composition/backtest-jobs.ts';

/* ladder backtest --jobs N: independent seeds in worker threads, merged as the runs one by one are. */

const root = fileURLToPath(new URL('../..', import.meta.url));
const baselineModel = join(root, 'models/baseline');
const tmp = mkdtempSync(join(tmpdir(), 'ladder-jobs-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function merged(...args: string[]): Promise<MergedReport> {
  const report = join(tmp, `report-${Math.random().toString(36).slice(2)}.json`);
  const code = await backtestCommand([...args, '--model', baselineModel, '--report', report, '--quiet', '--log-level', 'silent'], () => undefined);
  expect(code).toBe(0);
  return JSON.parse(readFileSync(report, 'utf8')) as MergedReport;
}

/** The report without the runs' own ids, which differ by construction. */
const withoutIds = (m: MergedReport): unknown => ({ ...m, runs: m.runs.map((r) => ({ ...r, run: null })) });

describe('ladder backtest --jobs', () => {
  it('--jobs 2 on two seeds gives the same merged report as the two runs one by one', { timeout: 600_000 }, async () => {
    const market = ['--source', 'synthetic', '--seed', '11,12', '--duration', '20s', '--db', 'none'];
    const parallel = await merged(...market, '--jobs', '2');
    const oneByOne = await merged(...market, '--jobs', '1');
    expect(parallel.merged).toBe(2);
    expect(parallel.runs.map((r) => r.seed)).toEqual([11, 12]);
    expect(parallel.orders).toBeGreaterThan(0);
    expect(parallel.orders).toBe(parallel.runs[0].orders + parallel.runs[1].orders);
    expect(withoutIds(parallel)).toEqual(withoutIds(oneByOne));
  });

  it('refuses several runs at once on one embedded database directory', async () => {
    const args = ['--source', 'synthetic', '--seed', '1,2', '--duration', '1s', '--jobs', '2', '--db', `pglite:${join(tmp, 'db')}`];
    await expect(backtestCommand(args, () => undefined)).rejects.toThrow(ConfigError);
  });
});
