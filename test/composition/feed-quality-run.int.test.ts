import 'reflect-metadata';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { DashboardSnapshot } from '../../adapters/dashboard/snapshot.ts';
import { paperConfig } from '../../composition/config.ts';
import { startDashboard } from '../../composition/dashboard.ts';
import { runPaper } from '../../composition/paper.ts';
import { reportCommand } from '../../composition/report-command.ts';
import { eventually } from '../support/builders.ts';
import { RecordingLogger } from '../support/fakes.ts';

/*
 * The feed-quality score where an operator sees it: a paper run on the synthetic market at fifty
 * times real time with --feed-quality-floor 70, its dashboard's status JSON over HTTP while it runs,
 * and `ladder report` on the stored run afterwards.
 */

const tmp = mkdtempSync(join(tmpdir(), 'ladder-fq-'));
const db = `pglite:${join(tmp, 'db')}`;
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('the feed-quality score of a paper run', () => {
  it('is in the dashboard\'s status JSON while the run goes on, and the report names the lowest stored minute', async () => {
    const config = paperConfig({ source: 'synthetic', seed: '7', duration: '5m', speed: '50', db, 'feed-quality-floor': '70', 'log-level': 'silent' }, {});
    const logger = new RecordingLogger();
    let dashboard: Awaited<ReturnType<typeof startDashboard>> | null = null;
    let seen: DashboardSnapshot['feedQuality'] | null = null;
    let watching: Promise<void> = Promise.resolve();
    const result = await runPaper(config, {
      logger,
      env: {},
      onStop: () => undefined,
      onKill: () => () => undefined,
      onRunning: async (parts) => {
        dashboard = await startDashboard(parts, { host: '127.0.0.1', port: 0, token: null, logger });
        const url = new URL('api/snapshot', dashboard.url);
        watching = eventually(async () => {
          seen = ((await (await fetch(url)).json()) as DashboardSnapshot).feedQuality;
          return seen.minutes >= 2;
        }, 120_000, 100);
        return async () => {
          await dashboard?.close();
        };
      },
    });
    await watching;
    const fq = seen!;
    expect(fq.floor).toBe(70);
    expect(fq.recent).toHaveLength(fq.minutes);
    expect(fq.last).toBe(fq.recent.at(-1)!.score);
    expect(fq.lowest).toBe(Math.min(...fq.recent.map((m) => m.score)));
    for (const m of fq.recent) expect(Number.isInteger(m.score) && m.score >= 0 && m.score <= 100).toBe(true);
    expect(typeof fq.tripped).toBe('boolean');

    // Five minutes of market: four whole ones scored, each stored.
    const final = result.summary.feedQuality;
    expect(final.minutes).toBe(4);
    expect(result.stored?.feedQuality).toBe(final.minutes);
    const lines: string[] = [];
    expect(await reportCommand([result.runId, '--db', db], (t) => lines.push(t))).toBe(0);
    const line = lines[0].split('\n').find((l) => l.trimStart().startsWith('feed'));
    expect(line).toMatch(new RegExp(`^  feed      quality lowest ${final.lowest}/100 in the minute from \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d UTC \\(.+\\), mean \\d+\\.\\d over ${final.minutes} minutes$`));
  }, 240_000);
});
