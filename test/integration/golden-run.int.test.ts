import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { synthCommand } from '../../composition/synth-command.ts';
import { GOLDEN_FILE, goldenFileLines, goldenLines } from '../support/golden-run.ts';

function expectGolden(actual: readonly string[]): void {
  const expected = readFileSync(GOLDEN_FILE, 'utf8').trimEnd().split('\n');
  expect(actual.filter((l) => l.startsWith('{"fill"')).length).toBeGreaterThan(50);
  // Line by line, so that a difference names the first row that moved rather than a 400 kB diff.
  for (let i = 0; i < Math.max(expected.length, actual.length); i++) {
    if (actual[i] !== expected[i]) expect({ line: i + 1, row: actual[i] }).toEqual({ line: i + 1, row: expected[i] });
  }
}

/*
 * The golden run (test/support/golden-run.ts) recorded the decisions, orders and fills of a short
 * synthetic backtest before any speed or memory work. The code must still make exactly those: the
 * same signals with the same scores, the same orders with the same events, the same fills.
 */
describe('the golden run', () => {
  it('makes the same decisions, orders and fills as the recorded ones', { timeout: 180_000 }, async () => {
    const actual = await goldenLines();
    // Every resting order is placed as its stored choice says: the reason's placement is the chooser's.
    const choices = actual.flatMap((l) => /passive \d+: (join|improve) [^;]*; chose (\w+)/.exec(l)?.slice(1) ?? []);
    expect(choices.length).toBeGreaterThan(20);
    for (let i = 0; i < choices.length; i += 2) expect(choices[i + 1]).toBe(choices[i]);
    expectGolden(actual);
  });

  it('makes them too from a recording of the same market, through the file replay', { timeout: 180_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ladder-golden-'));
    try {
      const file = join(dir, 'golden.jsonl');
      expect(await synthCommand(['--out', file, '--seed', '7', '--duration', '10m'], () => undefined)).toBe(0);
      expectGolden(await goldenFileLines(file));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
