import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

// Each case starts the command in a process of its own (tsx, onnxruntime, PGlite): allow for a busy machine.
const SLOW = { timeout: 120_000 };

const root = fileURLToPath(new URL('../..', import.meta.url));
const sample = join(root, 'test/fixtures/btcusdt-sample.jsonl');
const run = promisify(execFile);

/** Runs the `ladder` command as a user would; resolves with the exit code and both streams. */
async function ladder(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [join(root, 'bin/ladder.js'), ...args], { cwd: root, env: { ...process.env, DATABASE_URL: '' } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('the ladder command', () => {
  it('runs app:paper out of the box: the default model on the synthetic market trades', SLOW, async () => {
    const { code, stdout, stderr } = await ladder('paper', '--source', 'synthetic', '--duration', '2m', '--speed', 'max', '--db', 'pglite:memory', '--json', '--log-level', 'info');
    expect(stderr).toMatch(/"model":"synthetic-gbdt-v1"/);
    expect(code).toBe(0);
    const summary = JSON.parse(stdout.trim().split('\n').at(-1)!);
    expect(summary.counters.predictions).toBeGreaterThan(1000);
    expect(summary.counters.signals).toBeGreaterThan(0);
    expect(summary.counters.invalidPredictions).toBe(0);
    expect(summary.stored.signals).toBe(summary.counters.signals);
  });

  it('runs app:paper on the sample and stores what it reports', SLOW, async () => {
    const { code, stdout } = await ladder('paper', '--source', 'replay', '--input', sample, '--model', join(root, 'models/baseline'), '--db', 'pglite:memory', '--json', '--log-level', 'warn');
    expect(code).toBe(0);
    const summary = JSON.parse(stdout.trim().split('\n').at(-1)!);
    const lines = readFileSync(sample, 'utf8').trim().split('\n').length;
    expect(summary.counters).toMatchObject({ frames: lines, bookFrames: 1500, bookUpdates: 1500, malformed: 0, gaps: 0 });
    expect(summary.counters.signals).toBeGreaterThan(0);
    expect(summary.orders.orders).toBeGreaterThan(0);
    const stored = summary.stored as { positionSnapshots: number };
    expect(stored.positionSnapshots).toBeGreaterThan(0);
    expect(stored.positionSnapshots).toBeLessThanOrEqual(summary.orders.fills);
    expect(summary.stored).toEqual({
      signals: summary.counters.signals,
      orders: summary.orders.orders,
      fills: summary.orders.fills,
      featureVectors: summary.counters.predictions + summary.counters.invalidPredictions + summary.counters.coldVectors,
      // The sample spans 150 s of venue time from a whole second: one snapshot a second; 423 public trades;
      // every order's submit, acceptance, fills, cancel or rejection is an event; a position snapshot
      // follows each book event that brought fills; three minutes begun, the two ended scored for feed quality.
      bookSnapshots: 150,
      trades: summary.counters.trades,
      orderEvents: summary.orders.orders + summary.orders.accepted + summary.orders.fills + summary.orders.canceled + summary.orders.rejected,
      positionSnapshots: stored.positionSnapshots,
      equity: 3,
      // Every decision of the risk manager, in episodes of repeated decisions: at most one row a decision.
      riskEvents: expect.any(Number),
      feedQuality: 2,
    });
    expect((summary.stored as { riskEvents: number }).riskEvents).toBeLessThanOrEqual((summary.execution?.riskRefusals ?? 0) + (summary.execution?.riskStateChanges ?? 0));
  });

  it('stops with a message naming --input when the file is missing', SLOW, async () => {
    const { code, stderr } = await ladder('paper', '--input', 'no/such/file.jsonl');
    expect(code).toBe(2);
    expect(stderr).toContain('--input: file not found: no/such/file.jsonl');
  });

  it('stops with a message naming --db when the target is bad', SLOW, async () => {
    const { code, stderr } = await ladder('paper', '--input', sample, '--db', 'mysql://localhost/x');
    expect(code).toBe(2);
    expect(stderr).toMatch(/^ladder: --db: /m);
  });

  it('stops with a message naming --db when the server cannot be reached', SLOW, async () => {
    const { code, stderr } = await ladder('paper', '--input', sample, '--db', 'postgres://postgres@127.0.0.1:1/none');
    expect(code).toBe(2);
    expect(stderr).toMatch(/--db: cannot open/);
  });

  it('prints help, and each command listed has its own', SLOW, async () => {
    const { code, stdout } = await ladder('--help');
    expect(code).toBe(0);
    const commands = [...stdout.matchAll(/^ {2}([a-z]+) {2,}/gm)].map((m) => m[1]).filter((c) => c !== 'help');
    expect(commands).toEqual(expect.arrayContaining(['paper', 'live', 'backtest', 'kill', 'doctor', 'record', 'replay', 'synth', 'features', 'train', 'model', 'report', 'db']));
    const helps = await Promise.all(commands.map((c) => ladder(c, '--help')));
    helps.forEach((h, i) => {
      expect({ command: commands[i], code: h.code }).toEqual({ command: commands[i], code: 0 });
      expect(h.stdout).toMatch(new RegExp(`ladder ${commands[i]}`));
    });
    const paper = helps[commands.indexOf('paper')];
    expect(paper.stdout).toContain('--input FILE');
    expect(helps[commands.indexOf('live')].stdout).toContain('BYBIT_API_KEY');
  });

  it('says within seconds that Bybit cannot be reached, naming the offline sources', SLOW, async () => {
    const { code, stderr } = await ladder('paper', '--url', 'ws://127.0.0.1:1/v5/public/linear', '--db', 'pglite:memory', '--no-dashboard', '--log-level', 'silent');
    expect(code).toBe(2);
    expect(stderr).toContain("Bybit's market data cannot be reached");
    expect(stderr).toContain('--source synthetic');
    expect(stderr).toContain('--source replay');
  });

  it('refuses an unknown flag with its name', SLOW, async () => {
    const { code, stderr } = await ladder('paper', '--inptu', sample);
    expect(code).toBe(2);
    expect(stderr).toContain('--inptu');
  });
});
