import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { backtestArgs, describeInput, expandJobs, parameterSets, parseGrid, parseJob, readGrid } from '../../composition/sweep-grid.ts';
import { formatSweep, sweepPage } from '../../composition/sweep-page.ts';
import { summarizeSweep } from '../../application/sweep-summary.ts';

describe('sweep grids and jobs', () => {
  it('expands every input × every combination, the first flag varying slowest', () => {
    const grid = parseGrid({ policy: ['smart', 'baseline'], 'order-size': ['0.002', 0.004] }, 'g.json');
    expect(parameterSets(grid)).toEqual([
      { policy: 'smart', 'order-size': '0.002' },
      { policy: 'smart', 'order-size': '0.004' },
      { policy: 'baseline', 'order-size': '0.002' },
      { policy: 'baseline', 'order-size': '0.004' },
    ]);
    const jobs = expandJobs('s1', [{ kind: 'synthetic', seed: 1, duration: '10s' }, { kind: 'file', path: '/data/a.jsonl' }], grid);
    expect(jobs.map((j) => j.id)).toEqual(['j0001', 'j0002', 'j0003', 'j0004', 'j0005', 'j0006', 'j0007', 'j0008']);
    expect(backtestArgs(jobs[0])).toEqual(['--source', 'synthetic', '--seed', '1', '--duration', '10s', '--policy', 'smart', '--order-size', '0.002']);
    expect(backtestArgs(jobs[7])).toEqual(['--input', '/data/a.jsonl', '--policy', 'baseline', '--order-size', '0.004']);
    expect(backtestArgs({ ...jobs[0], input: { kind: 'nats', source: 'nats://h:4222/MD' } }).slice(0, 2)).toEqual(['--source', 'nats://h:4222/MD']);
    // A job survives the queue unchanged.
    expect(parseJob(JSON.stringify(jobs[5]))).toEqual(jobs[5]);
    expect(describeInput(jobs[7].input)).toBe('a.jsonl');
  });

  it('refuses a grid it cannot run, naming the file and the key', () => {
    expect(() => parseGrid([], 'g.json')).toThrow(/--grid: g\.json must hold an object/);
    expect(() => parseGrid({}, 'g.json')).toThrow(/names no flag/);
    expect(() => parseGrid({ db: ['x'] }, 'g.json')).toThrow(/"db" is not a flag a sweep can vary/);
    expect(() => parseGrid({ policy: [] }, 'g.json')).toThrow(/"policy" must be a non-empty array/);
    expect(() => parseGrid({ policy: [{}] }, 'g.json')).toThrow(/policy\[0\] = \{\} is not a string or a number/);
    expect(() => parseGrid({ policy: ['smart', 'smart'] }, 'g.json')).toThrow(/lists a value twice/);
    const dir = mkdtempSync(join(tmpdir(), 'ladder-grid-'));
    writeFileSync(join(dir, 'bad.json'), '{nope');
    expect(() => readGrid(join(dir, 'bad.json'))).toThrow(/--grid: cannot read .*bad\.json as JSON/);
  });

  it('drops a message that is not a job', () => {
    expect(parseJob('garbage')).toBeNull();
    expect(parseJob('{"sweep":"s","id":"j1","params":{},"input":{"kind":"tape"}}')).toBeNull();
    expect(parseJob('{"sweep":"s","id":"j1","params":{"a":1},"input":{"kind":"file","path":"x"}}')).toBeNull();
  });

  it('shows the summary as a table and a page, best first', () => {
    const report = { pnl: 1.5, sharpe: 2, trades: 3, orders: 4, fill_rate: 1, slippage_bps_mean: 0.5, max_drawdown: 0.02 };
    const rows = [
      { jobId: 'j0001', params: { policy: 'smart' }, input: 'a', report, error: null, delivery: 2 },
      { jobId: 'j0002', params: { policy: 'baseline' }, input: 'a', report: null, error: 'file <x> not found', delivery: 1 },
    ];
    const view = { id: 's1', jobs: 3, done: 2, failed: 1, sets: summarizeSweep(rows), rows, queue: { waiting: 1, inProgress: 0, redelivered: 0 } };
    const text = formatSweep(view).split('\n');
    expect(text[0]).toBe('Ladder sweep s1: 2 of 3 jobs done (1 failed); queue: 1 waiting, 0 in work, 0 redelivered');
    expect(text[3]).toMatch(/^1 {2}policy=smart +1 +1\.5000 +2\.00 +3 +100\.0% +0\.500 +2\.0%$/);
    expect(text[4]).toMatch(/^2 {2}policy=baseline +0 \(\+1 failed\) +n\/a/);
    const html = sweepPage(view);
    expect(html).toContain('file &#60;x&#62; not found');
    expect(html.indexOf('policy=smart')).toBeLessThan(html.indexOf('policy=baseline'));
  });
});
