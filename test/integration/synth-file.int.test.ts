import 'reflect-metadata';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { runLedger } from '../support/run-ledger.ts';
import { backtestCommand } from '../../composition/backtest-command.ts';
import { synthCommand } from '../../composition/synth-command.ts';

/*
 * One synthetic market, file or not: `ladder synth` writes the frames `--source synthetic` plays, with
 * the same receive times, so a backtest of the file sends the same orders and gets the same fills.
 */

const root = fileURLToPath(new URL('../..', import.meta.url));
const baselineModel = join(root, 'models/baseline');
const tmp = mkdtempSync(join(tmpdir(), 'ladder-synth-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function backtest(db: string, ...args: string[]): Promise<string> {
  const report = join(tmp, `report-${Math.random().toString(36).slice(2)}.json`);
  const code = await backtestCommand([...args, '--model', baselineModel, '--db', db, '--report', report, '--quiet', '--log-level', 'silent'], () => undefined);
  expect(code).toBe(0);
  return (JSON.parse(readFileSync(report, 'utf8')) as { run: string }).run;
}


describe('ladder synth', () => {
  it('writes what --source synthetic plays: a backtest of the file sends the same orders and gets the same fills', { timeout: 300_000 }, async () => {
    const file = join(tmp, 'seed5.jsonl.gz');
    expect(await synthCommand(['--out', file, '--duration', '60s', '--seed', '5'], () => undefined)).toBe(0);
    const sourceDb = `pglite:${join(tmp, 'source')}`;
    const fileDb = `pglite:${join(tmp, 'file')}`;
    const fromSource = await backtest(sourceDb, '--source', 'synthetic', '--seed', '5', '--duration', '60s');
    const fromFile = await backtest(fileDb, '--input', file, '--seed', '5');
    const a = await runLedger(sourceDb, fromSource);
    const b = await runLedger(fileDb, fromFile);
    expect(a.orders.length).toBeGreaterThan(0);
    expect(a.fills.length).toBeGreaterThan(0);
    expect(b.orders).toEqual(a.orders);
    expect(b.fills).toEqual(a.fills);
  });
});
