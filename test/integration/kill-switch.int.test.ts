import 'reflect-metadata';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createStore } from '../../adapters/postgres/connect.ts';
import { parseDbTarget } from '../../adapters/postgres/db-target.ts';
import { paperConfig } from '../../composition/config.ts';
import { runPaper } from '../../composition/paper.ts';
import { formatSummary } from '../../composition/format-summary.ts';
import { reportCommand } from '../../composition/report-command.ts';
import { unwrap } from '../../domain/result.ts';
import { RecordingLogger } from '../support/fakes.ts';

/*
 * The kill switch pulled in the middle of a paper run on the synthetic market: every working order
 * is canceled, the position is flattened by reduce-only market orders, nothing else is sent, and the
 * decision is stored with its reason.
 */

const tmp = mkdtempSync(join(tmpdir(), 'ladder-kill-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('the kill switch', () => {
  it('cancels everything, flattens, sends nothing new, and stores the decision', { timeout: 240_000 }, async () => {
    const db = `pglite:${join(tmp, 'db')}`;
    const config = paperConfig(
      { source: 'synthetic', seed: '3', duration: '10m', speed: 'max', db, capital: '100000', 'max-position': '1', 'log-level': 'silent' },
      {},
    );
    let kill: ((reason: string) => void) | null = null;
    let killedAt: number | null = null;
    const result = await runPaper(config, {
      logger: new RecordingLogger(),
      env: {},
      onKill: (k) => {
        kill = k;
        return () => undefined;
      },
      // Pulled once the run has traded for a while: about two thirds of the way through.
      onProgress: (p) => {
        if (killedAt === null && p.bookFrames > 18_000 && kill !== null) {
          killedAt = p.venueMicros;
          kill('test: operator pulls the switch');
        }
      },
    });
    expect(killedAt).not.toBeNull();
    const summary = result.summary;
    expect(summary.execution?.riskState).toBe('HALTED');
    expect(summary.position.qty).toBe('0.000');
    expect(summary.openOrders).toBe(0);
    // The flatten's fills belong to no decision: the fill rate of a killed run stays a share.
    expect(summary.execution!.filledLots).toBeLessThanOrEqual(summary.execution!.targetLots);
    // The summary's first line says the run ended halted, by the kill switch, with its reason.
    expect(result.trips.map((t) => t.cause)).toContain('kill');
    expect(formatSummary(result).split('\n')[0]).toMatch(/ended halted \(kill switch: test: operator pulls the switch, at \d{4}-\d\d-\d\dT/);

    const store = await createStore(unwrap(parseDbTarget(db)));
    try {
      const orders = await store.readOrders(result.runId);
      const after = orders.filter((o) => o.createdAt > killedAt!);
      // After the kill only reduce-only market orders (the flatten) were created.
      expect(after.every((o) => o.reduceOnly && o.type === 'market')).toBe(true);
      const before = orders.filter((o) => o.createdAt <= killedAt!);
      expect(before.length).toBeGreaterThan(10);
      const events = await store.readRiskEvents(result.runId);
      const trip = events.find((e) => e.kind === 'trip' && e.cause === 'kill');
      expect(trip).toMatchObject({ state: 'HALTED' });
      expect(trip?.reason).toMatch(/test: operator pulls the switch/);
    } finally {
      await store.close();
    }
    const report: string[] = [];
    expect(await reportCommand([result.runId, '--db', db], (t) => report.push(t))).toBe(0);
    expect(report.join('\n')).toMatch(/^ {2}ended +halted \(kill switch: test: operator pulls the switch/m);
    expect(report.join('\n')).toMatch(/^ {2}halts +trips during the run: .*kill switch 1/m);
    expect(report.join('\n')).toMatch(/^ {2}left +position 0\.000 BTC$/m);
    expect(report.join('\n')).not.toMatch(/fill rate [2-9]\d\d\.\d%|fill rate 1\d\d\.[1-9]%/);
  });
});
