import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));

interface Running {
  readonly pidFile: string;
  readonly stderr: () => string;
  readonly done: Promise<{ code: number | null; stdout: string }>;
  signal(name: NodeJS.Signals): void;
}

/** Starts `ladder paper` on the synthetic market in real time, as a user would, in its own process. */
function startPaper(): Running {
  const pidFile = join(mkdtempSync(join(tmpdir(), 'ladder-stop-')), 'paper.pid');
  const child = spawn(process.execPath, [join(root, 'bin/ladder.js'), 'paper', '--source', 'synthetic', '--speed', '20', '--seed', '3', '--db', 'pglite:memory',
    '--no-dashboard', '--pid-file', pidFile, '--json', '--log-level', 'info'], { cwd: root, env: { ...process.env, DATABASE_URL: '' } });
  let out = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => (out += String(c)));
  child.stderr.on('data', (c: Buffer) => (err += String(c)));
  const done = new Promise<{ code: number | null; stdout: string }>((resolve) => child.on('close', (code) => resolve({ code, stdout: out })));
  return { pidFile, stderr: () => err, done, signal: (name) => child.kill(name) };
}

async function until(what: string, check: () => boolean, ms = 90_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('graceful shutdown and exit codes', { timeout: 180_000 }, () => {
  it('stops on SIGTERM: the store flushed, the summary printed, exit code 143', async () => {
    const run = startPaper();
    await until('the run to start', () => existsSync(run.pidFile) && run.stderr().includes('"msg":"paper run started"'));
    await new Promise((r) => setTimeout(r, 3000));
    run.signal('SIGTERM');
    const { code, stdout } = await run.done;
    expect(code).toBe(143);
    const summary = JSON.parse(stdout.trim().split('\n').at(-1)!) as { counters: { predictions: number; signals: number }; stored: { signals: number; orders: number }; orders: { orders: number } };
    expect(summary.counters.predictions).toBeGreaterThan(0);
    // Everything queued was written before the exit.
    expect(summary.stored.signals).toBe(summary.counters.signals);
    expect(summary.stored.orders).toBe(summary.orders.orders);
    expect(run.stderr()).toContain('"signal":"SIGTERM"');
    expect(existsSync(run.pidFile)).toBe(false);
  });

  it('ends halted after the kill switch: Ctrl-C then stops it cleanly with exit code 3', async () => {
    const run = startPaper();
    await until('the run to start', () => existsSync(run.pidFile) && run.stderr().includes('"msg":"paper run started"'));
    run.signal('SIGUSR2');
    await until('the kill switch', () => run.stderr().includes('kill switch pulled'));
    await new Promise((r) => setTimeout(r, 1500));
    // A Ctrl-C sent twice at once (the kernel may merge the two): neither cuts the shutdown short.
    run.signal('SIGINT');
    run.signal('SIGINT');
    const { code, stdout } = await run.done;
    expect(code).toBe(3);
    const summary = JSON.parse(stdout.trim().split('\n').at(-1)!) as { execution: { riskState: string } };
    expect(summary.execution.riskState).toBe('HALTED');
  });
});
