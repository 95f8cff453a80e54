import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../composition/cli.ts';
import { ConfigError } from '../../composition/config.ts';
import { KILL_REASON, killCommand, onKillSignal } from '../../composition/kill-command.ts';
import { eventually } from '../support/builders.ts';

const dir = mkdtempSync(join(tmpdir(), 'ladder-kill-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

/** The error `killCommand(args)` throws; fails the test when it returns instead. */
function refusal(args: string[]): ConfigError {
  try {
    killCommand(args, () => undefined);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error(`killCommand(${JSON.stringify(args)}) did not refuse`);
}

/**
 * A node process that prints `ready` once it listens for SIGUSR2, then `got SIGUSR2` and exits 0
 * when the signal comes. Resolves once it is ready, with its output so far and its exit.
 */
async function listener(): Promise<{ child: ChildProcess; output: () => string; exited: Promise<number | null> }> {
  const script = "process.on('SIGUSR2', () => { console.log('got SIGUSR2'); process.exit(0); }); console.log('ready'); setInterval(() => {}, 1000);";
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('ready\n')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`the listener exited (${code}) before it was ready`)));
  });
  return { child, output: () => output, exited };
}

describe('ladder kill', () => {
  it('sends SIGUSR2 to the process named by --pid, which takes it', async () => {
    const { child, output, exited } = await listener();
    const out: string[] = [];
    expect(killCommand(['--pid', String(child.pid)], (text) => out.push(text))).toBe(0);
    expect(await exited).toBe(0);
    expect(output()).toBe('ready\ngot SIGUSR2\n');
    expect(out).toEqual([`sent SIGUSR2 to process ${child.pid}: it cancels its orders, flattens and stays halted until stopped`]);
  });

  it('reads the process id from --pid-file, as a paper run writes it', async () => {
    const { child, output, exited } = await listener();
    const file = join(dir, 'paper.pid');
    writeFileSync(file, `${child.pid}\n`);
    expect(killCommand(['--pid-file', file], () => undefined)).toBe(0);
    expect(await exited).toBe(0);
    expect(output()).toContain('got SIGUSR2');
  });

  it('asks for exactly one of --pid and --pid-file', () => {
    expect(refusal([]).message).toBe('kill: give one of --pid PID or --pid-file FILE');
    expect(refusal(['--pid', '1234', '--pid-file', join(dir, 'x.pid')]).message).toBe('kill: give one of --pid PID or --pid-file FILE');
    expect(refusal(['1234']).message).toBe('kill: unexpected argument "1234"; use --pid PID or --pid-file FILE');
  });

  it('names a process id that is not one, from the flag or from the file', () => {
    for (const bad of ['abc', '0', '-5', '12.5', '99999999999', '']) {
      expect(refusal([`--pid=${bad}`]).message).toBe(`--pid: "${bad}", not a process id`);
    }
    const file = join(dir, 'garbage.pid');
    writeFileSync(file, 'not a pid\n');
    expect(refusal(['--pid-file', file]).message).toBe(`--pid-file: ${file} holds "not a pid", not a process id`);
    const missing = join(dir, 'missing.pid');
    expect(refusal(['--pid-file', missing]).message).toBe(
      `--pid-file: file not found: ${missing} (is the paper run under way, started with --pid-file?)`,
    );
  });

  it('names a process that has ended', async () => {
    const { child, exited } = await listener();
    child.kill('SIGKILL');
    await exited;
    expect(refusal(['--pid', String(child.pid)]).message).toBe(`kill: no process ${child.pid}: the run has ended, or the id is wrong`);
  });

  it('refuses a pid file left by a run that was killed: the id names no process, or one that is not a run', async () => {
    const { child, exited } = await listener();
    const file = join(dir, 'stale.pid');
    writeFileSync(file, `${child.pid}\n`);
    child.kill('SIGKILL');
    await exited;
    expect(refusal(['--pid-file', file]).message).toBe(`kill: no process ${child.pid}: the run has ended, or the id is wrong`);
    // The id taken since by another program: SIGUSR2 would end it, so nothing is sent.
    const other = spawn('sleep', ['30'], { stdio: 'ignore' });
    children.push(other);
    await eventually(() => other.pid !== undefined);
    writeFileSync(file, `${other.pid}\n`);
    expect(refusal(['--pid-file', file]).message).toMatch(new RegExp(`^kill: process ${other.pid} is not a ladder run \\(sleep 30\\): .*; nothing sent$`));
    expect(other.exitCode).toBeNull();
    expect(other.signalCode).toBeNull();
  });

  it('a run removes its pid file when it exits, even through an uncaught exception', async () => {
    const root = fileURLToPath(new URL('../../', import.meta.url));
    const file = join(dir, 'crash.pid');
    const script = `
      import { writePidFile } from '${root}composition/pid-file.ts';
      import { existsSync } from 'node:fs';
      await writePidFile(${JSON.stringify(file)});
      console.log(existsSync(${JSON.stringify(file)}) ? 'written' : 'missing');
      setTimeout(() => { throw new Error('boom'); }, 10);`;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(out).toContain('written');
    expect(out).toContain('boom');
    expect(code).not.toBe(0);
    expect(existsSync(file)).toBe(false);
  }, 60_000);

  it('refuses on Windows, which has no SIGUSR2, and signals nothing', async () => {
    const { child, output } = await listener();
    const platform = Object.getOwnPropertyDescriptor(process, 'platform')!;
    Object.defineProperty(process, 'platform', { ...platform, value: 'win32' });
    try {
      expect(refusal(['--pid', String(child.pid)]).message).toBe('kill: Windows has no SIGUSR2; stop the paper run with Ctrl-C');
    } finally {
      Object.defineProperty(process, 'platform', platform);
    }
    expect(child.exitCode).toBeNull();
    expect(output()).toBe('ready\n');
  });

  it('pulls the kill switch of the receiving process on each SIGUSR2 until it stops listening', async () => {
    const reasons: string[] = [];
    // A listener of its own keeps this process alive should the signal arrive after the one under test is gone.
    const keep = (): void => undefined;
    process.on('SIGUSR2', keep);
    const stop = onKillSignal((reason) => reasons.push(reason));
    try {
      process.kill(process.pid, 'SIGUSR2');
      await eventually(() => reasons.length === 1);
      process.kill(process.pid, 'SIGUSR2');
      await eventually(() => reasons.length === 2);
      stop();
      expect(process.listeners('SIGUSR2')).toEqual([keep]);
      expect(reasons).toEqual([KILL_REASON, KILL_REASON]);
      expect(KILL_REASON).toBe('SIGUSR2 from the operator');
    } finally {
      stop();
      process.off('SIGUSR2', keep);
    }
  });

  it('is a command of the ladder CLI: help, and an error as exit status 2', async () => {
    const printed: string[] = [];
    const log = vi.spyOn(console, 'log').mockImplementation((text: string) => void printed.push(text));
    const error = vi.spyOn(console, 'error').mockImplementation((text: string) => void printed.push(text));
    const write = vi.spyOn(process.stdout, 'write').mockImplementation((text: string | Uint8Array) => printed.push(String(text)) > 0);
    try {
      expect(await main(['help'])).toBe(0);
      expect(printed.join('')).toMatch(/^ {2}kill {16}pull the kill switch of a running paper or live process \(SIGUSR2\)/m);
      printed.length = 0;
      expect(await main(['kill', '--help'])).toBe(0);
      expect(printed.join('')).toMatch(/^ladder kill --pid PID \| --pid-file FILE/);
      printed.length = 0;
      expect(await main(['kill', '--pid', 'abc'])).toBe(2);
      expect(printed).toEqual(['ladder: --pid: "abc", not a process id']);
      printed.length = 0;
      expect(await main(['paper', '--help'])).toBe(0);
      expect(printed.join('')).toMatch(/On SIGUSR2 \("ladder kill" sends it\) the run pulls its kill switch/);
    } finally {
      log.mockRestore();
      error.mockRestore();
      write.mockRestore();
    }
  });
});
