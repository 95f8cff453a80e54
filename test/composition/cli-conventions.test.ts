import type { Micros } from '../../domain/values/units.ts';
import { describe, expect, it } from 'vitest';
import { normalizeArgs } from '../../composition/args.ts';
import { main } from '../../composition/cli.ts';
import { ConfigError } from '../../composition/config-error.ts';
import { parseDuration } from '../../composition/duration.ts';
import { describeError, printable } from '../../composition/user-error.ts';
import { describeEnd, tripsInForce } from '../../composition/run-end.ts';

/** Runs `main` with console.log and console.error captured. */
async function ladder(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const { log, error } = console;
  console.log = (...a: unknown[]) => out.push(a.join(' '));
  console.error = (...a: unknown[]) => err.push(a.join(' '));
  try {
    const code = await main(argv);
    return { code, out: out.join('\n'), err: err.join('\n') };
  } finally {
    console.log = log;
    console.error = error;
  }
}

describe('durations', () => {
  it('take ms, s, m, h and d', () => {
    expect(parseDuration('--duration', '500ms')).toBe(500);
    expect(parseDuration('--duration', '90s')).toBe(90_000);
    expect(parseDuration('--duration', '1.5m')).toBe(90_000);
    expect(parseDuration('--duration', '2h')).toBe(7_200_000);
    expect(parseDuration('--duration', '1d')).toBe(86_400_000);
  });

  it('refuse a number without a unit, an unknown unit and zero, naming the field', () => {
    expect(() => parseDuration('--duration', '10')).toThrow(/^--duration: "10" has no unit/);
    expect(() => parseDuration('x.json: duration', '10')).toThrow(/^x\.json: duration: /);
    expect(() => parseDuration('--duration', '10y')).toThrow(/"y" is not a unit of time/);
    expect(() => parseDuration('--duration', '0s')).toThrow(/not a positive duration/);
    expect(() => parseDuration('--duration', '-5s')).toThrow(/is not a duration/);
  });
});

describe('the command line', () => {
  const options = { capital: { type: 'string' }, input: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } as const;

  it('joins a negative number to its flag, so that the flag refuses it by name', () => {
    expect(normalizeArgs(['--capital', '-5', '--json'], options, 'paper')).toEqual(['--capital=-5', '--json']);
    expect(normalizeArgs(['--capital', '-0.5'], options, 'paper')).toEqual(['--capital=-0.5']);
  });

  it('suggests the nearest flag for an unknown one', () => {
    expect(() => normalizeArgs(['--inptu', 'x'], options, 'paper')).toThrow('--inptu: unknown flag; did you mean --input? ("ladder help paper" lists the flags)');
    expect(() => normalizeArgs(['-x'], options, 'paper')).toThrow(/^-x: unknown flag/);
    expect(normalizeArgs(['-h', '--', '--anything'], options, 'paper')).toEqual(['-h', '--', '--anything']);
  });

  it('suggests the nearest command, prints a command\'s help for "help CMD", and the version', async () => {
    const typo = await ladder('bakctest');
    expect(typo).toMatchObject({ code: 2 });
    expect(typo.err).toBe('ladder: bakctest: unknown command; did you mean "backtest"? ("ladder help" lists the commands)');
    const help = await ladder('help', 'db');
    expect(help.code).toBe(0);
    expect(help.out).toMatch(/^ladder db migrate\|status\|rollback/);
    const version = await ladder('--version');
    expect(version.out).toMatch(/^ladder \d+\.\d+\.\d+/);
  });
});

describe('errors', () => {
  it('are one line: a ConfigError names its field (exit 2), anything else says how to see the trace (exit 1)', () => {
    expect(describeError(new ConfigError('--input', 'empty file: x'), {})).toEqual({ line: 'ladder: --input: empty file: x', code: 2, trace: null });
    const failure = describeError(new Error('boom\n    at somewhere'), {});
    expect(failure).toEqual({ line: 'ladder: failed: boom (LADDER_DEBUG=1 prints the trace)', code: 1, trace: null });
    expect(describeError(new Error('boom'), { LADDER_DEBUG: '1' }).trace).toMatch(/^Error: boom\n {4}at /);
    const denied = Object.assign(new Error('EACCES: permission denied, open /x'), { code: 'EACCES' });
    expect(describeError(denied, {}).line).toContain('permission denied (EACCES)');
  });

  it('never echo raw bytes: control characters and undecodable bytes escaped, long text cut', () => {
    expect(printable('a\u0000b\u001b[31m\ufffd\n')).toBe('a\\x00b\\x1b[31m\\ufffd\\n');
    expect(printable('x'.repeat(500), 10)).toBe(`${'x'.repeat(10)}…`);
  });
});

describe('how a run ended', () => {
  const trip = (cause: string, ts: number, reason: string, kind: 'trip' | 'clear' = 'trip') => ({ kind, cause, reason, ts: ts as Micros, state: 'HALTED' as const });

  it('names the kill switch before other trips, and forgets a trip once cleared', () => {
    const trips = tripsInForce([trip('staleFeed', 1e15, 'no book for 2 s'), trip('kill', 2e15, 'kill switch: SIGUSR2'), trip('staleFeed', 3e15, 'book back', 'clear')]);
    expect(trips.map((t) => t.cause)).toEqual(['kill']);
    expect(describeEnd('completed', 'HALTED', trips)).toBe(`ended halted (kill switch: SIGUSR2, at ${new Date(2e12).toISOString()})`);
    expect(describeEnd('stopped by SIGINT', 'ACTIVE', [])).toBe('ended stopped by SIGINT');
    expect(describeEnd('completed', 'HALTED', [])).toMatch(/no LIVE order book was ever built/);
  });
});
