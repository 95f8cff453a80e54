import 'reflect-metadata';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backtestCommand } from '../../composition/backtest-command.ts';
import { reportCommand } from '../../composition/report-command.ts';
import { runsCommand } from '../../composition/runs-command.ts';

/*
 * A backtest stores its run where it is told, `ladder runs` finds it there, and `ladder report` of it
 * says how it ended; a run asked for in the wrong store names the store searched.
 */

const tmp = mkdtempSync(join(tmpdir(), 'ladder-runs-'));
const db = `pglite:${join(tmp, 'db')}`;
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const collect = async (run: (out: (t: string) => void) => Promise<number>): Promise<{ code: number; text: string }> => {
  const lines: string[] = [];
  const code = await run((t) => lines.push(t));
  return { code, text: lines.join('\n') };
};

describe('ladder runs', { timeout: 180_000 }, () => {
  let runId: string;

  beforeAll(async () => {
    const { code, text } = await collect((out) => backtestCommand(['--source', 'synthetic', '--seed', '4', '--duration', '90s', '--db', db, '--quiet', '--log-level', 'silent'], out));
    expect(code).toBe(0);
    runId = /^Ladder backtest (\S+) ended completed$/m.exec(text)![1];
  }, 180_000);

  it('lists the backtest with its kind, source, market time, PnL and end state', async () => {
    const { code, text } = await collect((out) => runsCommand(['--db', db], out));
    expect(code).toBe(0);
    const row = text.split('\n').find((l) => l.startsWith(runId));
    expect(row).toMatch(/ backtest +synthetic:seed=4 +\d{4}-\d\d-\d\d \d\d:\d\d:\d\d +\d+m\d\ds +-?\d+\.\d{8} +completed$/);
    const json = await collect((out) => runsCommand(['--db', db, '--json', '--kind', 'backtest'], out));
    const listed = json.text.split('\n').map((l) => JSON.parse(l) as { id: string; kind: string; marketSeconds: number });
    expect(listed.map((r) => r.id)).toEqual([runId]);
    // The market the run covered, as its summary states it (90 s of synthetic market; the first book
    // comes at its start), not the minute-aligned equity intervals around it (which gave 2m00s).
    expect(listed[0].marketSeconds).toBeGreaterThan(85);
    expect(listed[0].marketSeconds).toBeLessThanOrEqual(90);
    expect(row).toMatch(/ 1m(2\d|30)s /);
    expect((await collect((out) => runsCommand(['--db', db, '--kind', 'live'], out))).text).toMatch(/^no live run stored in pglite:/);
  });

  it('reports the stored backtest, with how it ended and the position left', async () => {
    const { code, text } = await collect((out) => reportCommand([runId, '--db', db], out));
    expect(code).toBe(0);
    expect(text).toContain(`Ladder report ${runId} (backtest)`);
    // Market time as a person reads it, the same as the backtest's own summary, not "0.02 h".
    expect(text).toMatch(/^ {2}data +synthetic:seed=4; model [^;]+; 1m (2\d|30)s of market time$/m);
    // Acted signals judged as the backtest judged them; the model's reliability over all of them apart.
    expect(text).toMatch(/^ {2}signals +\d+ cleared the threshold \(acted \d+\); \d+ acted signals judged at their horizon: hit rate (\d+\.\d%|n\/a), false-signal rate (\d+\.\d%|n\/a)$/m);
    expect(text).toMatch(/^ {2}model +reliability over all \d+ signals judged at their horizon, acted or not: hit rate (\d+\.\d%|n\/a)$/m);
    expect(text).toMatch(/^ {2}ended +completed$/m);
    expect(text).toMatch(/^ {2}left +position -?\d+\.\d{3} BTC/m);
  });

  it('names the store searched when a run is not there', async () => {
    const other = `pglite:${join(tmp, 'other')}`;
    const { code, text } = await collect((out) => reportCommand([runId, '--db', other], out));
    expect(code).toBe(1);
    expect(text).toContain(`no run ${runId} in ${other}`);
    expect(text).toContain('ladder runs --db');
  });
});
