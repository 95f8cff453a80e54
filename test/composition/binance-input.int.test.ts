import 'reflect-metadata';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { backtestCommand } from '../../composition/backtest-command.ts';
import { ConfigError } from '../../composition/config.ts';
import { replayCommand } from '../../composition/replay-command.ts';
import { trainCommand } from '../../composition/train-command.ts';

/* ladder replay and ladder backtest over the real Binance captures: the format is told from the data. */

const root = fileURLToPath(new URL('../..', import.meta.url));
const data = join(root, '../shared/data/binance');
const present = existsSync(data);
if (!present) console.warn(`skipping ladder replay and backtest over the Binance captures: ${data} is absent`);
const USDM_480 = [join(data, 'usdm-btcusdt-20240718.gz'), join(data, 'usdm-btcusdt-20240719.gz')];
const tmp = mkdtempSync(join(tmpdir(), 'ladder-binance-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe.skipIf(!present)('Binance captures through the commands', () => {
  it('ladder replay reads the two 480 s files as one stream: LIVE to the end, no gap', { timeout: 120_000 }, async () => {
    const out: string[] = [];
    const code = await replayCommand(['--input', ...USDM_480, '--emit', 'none', '--log-level', 'silent'], (text) => out.push(text));
    expect(code).toBe(0);
    const { summary } = JSON.parse(out.at(-1)!) as { summary: Record<string, number | string> };
    expect(summary).toMatchObject({ gaps: 0, resyncs: 0, malformed: 0, crossed: 0, state: 'LIVE' });
    expect(summary.bookUpdates).toBeGreaterThan(9_000);
  });

  it('a glob in --input stands for its files in name order', { timeout: 120_000 }, async () => {
    const out: string[] = [];
    await replayCommand(['--input', join(data, 'usdm-btcusdt-2024071?.gz'), '--emit', 'none', '--log-level', 'silent'], (text) => out.push(text));
    const { summary } = JSON.parse(out.at(-1)!) as { summary: Record<string, number | string> };
    expect(summary).toMatchObject({ gaps: 0, state: 'LIVE' });
    expect(summary.bookUpdates).toBeGreaterThan(9_000);
  });

  it('refuses files of two venues as one stream, naming them', async () => {
    const bybit = join(root, 'test/fixtures/btcusdt-sample.jsonl');
    await expect(replayCommand(['--input', USDM_480[0], bybit], () => undefined)).rejects.toThrow(ConfigError);
    await expect(replayCommand(['--input', USDM_480[0], bybit], () => undefined)).rejects.toThrow(/btcusdt-sample.jsonl holds Bybit v5 frames/);
  });

  it('ladder backtest --input <both 480 s files> runs the trading path on them', { timeout: 300_000 }, async () => {
    const report = join(tmp, 'report.json');
    const out: string[] = [];
    const code = await backtestCommand(['--input', ...USDM_480, '--db', 'none', '--report', report, '--quiet', '--log-level', 'silent'], (text) => out.push(text));
    expect(code).toBe(0);
    const r = JSON.parse(readFileSync(report, 'utf8')) as { source: string; hours: number; orders: number; trades: number; fees: number };
    expect(r.source).toBe('replay:usdm-btcusdt-20240718.gz and 1 more');
    // 480 s of market time, give or take the equity intervals at its ends.
    expect(r.hours).toBeGreaterThan(0.12);
    expect(r.hours).toBeLessThan(0.2);
    expect(out.join('\n')).toMatch(/Ladder backtest/);
  });

  it('ladder train --input exports the capture features and trains on them', { timeout: 300_000 }, async () => {
    const dir = join(tmp, 'model');
    const out: string[] = [];
    const code = await trainCommand(['--input', ...USDM_480, '--out', dir, '--folds', '2', '--min-signals', '5', '--rounds', '20', '--quiet'], (text) => out.push(text));
    expect(code).toBe(0);
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { featureNames: unknown[] };
    expect(manifest.featureNames.length).toBeGreaterThan(0);
    expect(out.join('\n')).toMatch(/rows × \d+ features from 1 file/);
  });
});
