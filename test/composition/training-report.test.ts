import 'reflect-metadata';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../composition/config.ts';
import { featuresCommand } from '../../composition/features-command.ts';
import { REPORT_HELP, reportCommand } from '../../composition/report-command.ts';
import { trainCommand } from '../../composition/train-command.ts';

/*
 * `ladder report --model DIR --html FILE`: a training run's report.json as a page. The page's figure
 * cells carry the report's key and exact value; they are read back out and compared with the JSON,
 * for the shipped model (which abstains) and for a model trained here on the synthetic market.
 */

const root = fileURLToPath(new URL('../..', import.meta.url));
const SHIPPED = join(root, 'models/binance-gbdt');
const tmp = mkdtempSync(join(tmpdir(), 'ladder-training-report-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Every `data-key`/`data-value` pair of the page. */
function cells(html: string): Map<string, string> {
  const found = new Map<string, string>();
  for (const m of html.matchAll(/<td data-key="([^"]+)" data-value="([^"]*)">([^<]*)<\/td>/g)) found.set(m[1], m[2]);
  return found;
}

/** The value at a dotted path of the report ("per_horizon.0.holdout.auc"). */
function at(report: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((x, k) => (x === null || x === undefined ? undefined : (x as Record<string, unknown>)[k]), report);
}

const REQUIRED = [
  'holdout.auc', 'holdout.ic', 'holdout.hit_rate', 'holdout.false_signal_rate', 'holdout.threshold', 'holdout.signals', 'holdout.edge_bps', 'holdout.cost_bps',
  'baselines.obi_sign.auc', 'baselines.obi_sign.hit_rate', 'baselines.ofi_sign.auc', 'baselines.ofi_sign.edge_bps', 'baselines.no_trade.signals',
  'per_horizon.0.holdout.auc', 'per_horizon.0.validation_ic', 'holdout.reliability.0.count', 'importance.0.permutation', 'importance.0.gain',
  'false_signals.breakdowns.0.buckets.0.count', 'false_signals.breakdowns.0.buckets.0.falseSignals', 'folds.0.figures.auc', 'split.holdoutRows',
];

async function pageOf(dir: string, name: string): Promise<{ html: string; report: Record<string, unknown>; lines: string[] }> {
  const file = join(tmp, name);
  const lines: string[] = [];
  expect(await reportCommand(['--model', dir, '--html', file], (t) => lines.push(t))).toBe(0);
  return { html: readFileSync(file, 'utf8'), report: JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as Record<string, unknown>, lines };
}

function expectFiguresOf(html: string, report: unknown): void {
  const found = cells(html);
  for (const key of REQUIRED) expect(found.has(key), key).toBe(true);
  // Every figure on the page is the report's, exactly (a JSON null is a rate without a denominator).
  for (const [key, value] of found) {
    const expected = at(report, key);
    if (value === 'null') expect(expected === null || expected === undefined, key).toBe(true);
    else expect(Number(value), key).toBe(expected);
  }
  // The importance table lists every feature of the report, in its order.
  const features = (at(report, 'importance') as { feature: string }[]).map((f) => f.feature);
  expect(features.every((f) => html.includes(`<td>${f}</td>`))).toBe(true);
}

describe('ladder report --model DIR --html FILE', () => {
  it("writes the shipped model's training report: every figure is report.json's, and the verdict says it abstains and why", async () => {
    const { html, report, lines } = await pageOf(SHIPPED, 'shipped.html');
    expect(lines).toEqual([`training report of ${SHIPPED} written to ${join(tmp, 'shipped.html')}`]);
    expectFiguresOf(html, report);
    expect(html).toMatch(/<b>Abstains<\/b>: the model never signals\. no member predicts its horizon/);
    expect(html).toContain('binance-gbdt-v1');
    expect(html).toMatch(/Dropped, too few windows in the holdout: 30 s \(2 of 10\)/);
    // Shown rounded where a reader looks: the holdout AUC to three places.
    expect(html).toContain(`data-key="holdout.auc" data-value="${String(at(report, 'holdout.auc'))}">${(at(report, 'holdout.auc') as number).toFixed(3)}</td>`);
    expect(html).not.toMatch(/<script|https?:\/\//);
    // A directory in place of a run's id is read the same way; without --html, a few lines of text.
    const text: string[] = [];
    expect(await reportCommand([SHIPPED], (t) => text.push(t))).toBe(0);
    expect(text.join('\n')).toMatch(/HOLDOUT {3}1595 rows, cost 4\.00 bps: AUC 0\.551/);
    expect(text.join('\n')).toMatch(/ABSTAINS {2}the model never signals/);
  });

  it('writes the report of a model that trades, trained on the synthetic market at no cost', { timeout: 120_000 }, async () => {
    const data = join(tmp, 'synthetic.csv');
    const dir = join(tmp, 'model');
    const features = ['depth_imbalance_1', 'depth_imbalance_3', 'ofi_100ms', 'ofi_1s', 'trade_imbalance_1s', 'rv_30s_bps'];
    expect(await featuresCommand(['--source', 'synthetic', '--seed', '3', '--duration', '20m', '--features', features.join(','), '--labels', '--horizons', '1s,5s',
      '--out', data, '--quiet'], () => undefined)).toBe(0);
    expect(await trainCommand(['--data', data, '--out', dir, '--cost-bps', '0', '--target-fsr', '0.49', '--rounds', '60', '--folds', '2', '--leaves', '4',
      '--min-data-in-leaf', '1000', '--min-signals', '20', '--quiet'], () => undefined)).toBe(0);
    const { html, report } = await pageOf(dir, 'trained.html');
    expectFiguresOf(html, report);
    const holdout = report.holdout as { abstain: boolean; signals: number };
    expect(html).toContain(holdout.abstain ? '<b>Abstains</b>' : `<b>Trades</b> at confidence`);
    expect(cells(html).get('per_horizon.1.holdout.auc') ?? cells(html).get('per_horizon.0.holdout.auc')).toBeDefined();
  });

  it('refuses in one line naming the file: a directory without report.json, a report.json that is not one, an unwritable --html', async () => {
    const empty = join(tmp, 'empty');
    mkdirSync(empty);
    const run = (args: string[]): Promise<number> => reportCommand(args, () => undefined);
    await expect(run(['--model', empty, '--html', join(tmp, 'x.html')])).rejects.toThrow(ConfigError);
    await expect(run(['--model', empty])).rejects.toThrow(`--model: ${join(empty, 'report.json')} not found`);
    await expect(run(['--model', join(tmp, 'absent')])).rejects.toThrow(/--model: directory not found: .*absent/);
    const other = join(tmp, 'other');
    mkdirSync(other);
    writeFileSync(join(other, 'report.json'), '{"pnl": 1}');
    await expect(run(['--model', other])).rejects.toThrow(/--model: .*other\/report\.json is not the report of a ladder train run/);
    writeFileSync(join(other, 'report.json'), '{"pnl": ');
    await expect(run(['--model', other])).rejects.toThrow(/--model: .*other\/report\.json is not readable JSON/);
    await expect(run(['--model', SHIPPED, '--html', join(tmp, 'no-such-dir', 'r.html')])).rejects.toThrow(/--html: cannot write .*no-such-dir\/r\.html/);
    await expect(run(['--model', SHIPPED, '--db', 'none'])).rejects.toThrow(/--db: goes with a stored run/);
    expect(REPORT_HELP).toMatch(/ladder report --model DIR \[--html out\.html\]/);

    // Through the real command line: one line on standard error, no trace, the usage exit code.
    const cli = spawnSync(process.execPath, [join(root, 'bin/ladder.js'), 'report', '--model', empty, '--html', join(tmp, 'y.html')], { encoding: 'utf8', timeout: 60_000 });
    expect(cli.stderr.trim().split('\n')).toEqual([`ladder: --model: ${join(empty, 'report.json')} not found: give the directory ladder train --out DIR wrote`]);
    expect(cli.status).toBe(2);
  }, 90_000);
});
