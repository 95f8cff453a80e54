import 'reflect-metadata';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backtestCommand } from '../../composition/backtest-command.ts';
import { REPORT_HELP, reportCommand } from '../../composition/report-command.ts';

/*
 * `ladder report RUN_ID --html` over a short synthetic backtest and its baseline twin, both stored in
 * one PGlite directory, as `ladder backtest --against-baseline --db …` leaves them.
 */

const tmp = mkdtempSync(join(tmpdir(), 'ladder-report-'));
const db = `pglite:${join(tmp, 'db')}`;
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('ladder report', { timeout: 120_000 }, () => {
  let smart: string;
  let baseline: string;

  beforeAll(async () => {
    const json = join(tmp, 'backtest.json');
    const code = await backtestCommand(
      ['--source', 'synthetic', '--seed', '5', '--duration', '2m', '--against-baseline', '--db', db, '--report', json, '--quiet', '--log-level', 'silent'],
      () => undefined,
    );
    expect(code).toBe(0);
    const report = JSON.parse(readFileSync(json, 'utf8')) as { run: string; trades: number; against_baseline: { run: string } };
    smart = report.run;
    baseline = report.against_baseline.run;
    expect(report.trades).toBeGreaterThan(0);
  }, 120_000);

  it('writes one self-contained HTML page with every section, and the baseline beside the run', async () => {
    const file = join(tmp, 'report.html');
    const lines: string[] = [];
    expect(await reportCommand([smart, '--html', file, '--baseline', baseline, '--db', db], (t) => lines.push(t))).toBe(0);
    expect(lines).toEqual([`report of run ${smart} written to ${file}`]);
    expect(existsSync(file)).toBe(true);
    const html = readFileSync(file, 'utf8');
    for (const section of ['summary', 'equity', 'drawdown', 'slippage', 'reliability', 'baseline']) expect(html).toContain(`<section id="${section}">`);
    expect(html).toContain(smart);
    expect(html).toContain(baseline);
    expect(html).toMatch(/Slippage (reduced|increased) by <b class="(good|bad)">(\d+\.\d%|n\/a)<\/b>/);
    // Execution quality of both runs: markouts, shortfall, cost a lot, feed integrity, the end position.
    const summary = html.slice(html.indexOf('<section id="baseline">'));
    expect(summary).toMatch(/<td>taker markout 1s · 5s · 30s, bps<\/td><td>(-?\d+\.\d{3}|n\/a) · [^<]+<\/td><td>-?\d+\.\d{3} · /);
    expect(summary).toMatch(/<td>shortfall a decision, bps<\/td><td>-?\d+\.\d{3}<\/td><td>-?\d+\.\d{3}<\/td>/);
    expect(summary).toMatch(/<td>feed: gaps · resyncs · malformed · not LIVE<\/td><td>0 · 0 · 0 · 0\.0 s<\/td>/);
    expect(html).toContain('<td>market time</td><td>2m 0s</td>');
    // Charts drawn inline: the equity curve, the drawdown, both slippage histograms.
    expect(html.match(/<svg /g)?.length).toBe(4);
    expect(html).toMatch(/<polyline points="[\d., ]+"/);
    expect(html.match(/<rect /g)?.length).toBeGreaterThan(10);
    // The reliability table of the run's own signals holds at least one judged bin.
    const reliability = html.slice(html.indexOf('<section id="reliability">'), html.indexOf('<section id="baseline">'));
    expect(reliability).toMatch(/<tr><td>0\.\d–\d\.\d<\/td><td>[1-9]\d*<\/td>/);
    // Readable offline: nothing is fetched, nothing runs.
    expect(html).not.toMatch(/https?:\/\//);
    expect(html).not.toMatch(/<script|<link|<img|src=|@import|url\(/i);
  });

  it('finds the baseline the backtest recorded, without --baseline', async () => {
    const file = join(tmp, 'linked.html');
    expect(await reportCommand([smart, '--html', file, '--db', db], () => undefined)).toBe(0);
    const html = readFileSync(file, 'utf8');
    expect(html).toContain('<section id="baseline">');
    expect(html).toContain(baseline);
    // The baseline run itself records no twin: its report has no comparison.
    const lines: string[] = [];
    expect(await reportCommand([baseline, '--db', db], (t) => lines.push(t))).toBe(0);
    expect(lines[0]).toContain(`Ladder report ${baseline} (backtest)`);
    expect(lines[0]).not.toContain('baseline  ');
  });

  it('prints the report as text without --html, and says so for an unknown run', async () => {
    const lines: string[] = [];
    expect(await reportCommand([smart, '--db', db, '--baseline', baseline], (t) => lines.push(t))).toBe(0);
    expect(lines[0]).toContain(`Ladder report ${smart} (backtest)`);
    expect(lines[0]).toContain(`baseline  ${baseline}`);
    const missing: string[] = [];
    expect(await reportCommand(['no-such-run', '--db', db], (t) => missing.push(t))).toBe(1);
    expect(missing[0]).toMatch(/no run no-such-run/);
    await expect(reportCommand([], () => undefined)).rejects.toThrow(/RUN_ID/);
    const help: string[] = [];
    expect(await reportCommand(['--help'], (t) => help.push(t))).toBe(0);
    expect(help).toEqual([REPORT_HELP]);
  });
});
