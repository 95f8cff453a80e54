import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Every case is the `ladder` command in a process of its own, as a user runs it: each one pays tsx's
// start and, for those that get as far as a run, onnxruntime and PGlite. Two at a time, with deadlines
// meant for a loaded machine.
const CONCURRENCY = 2;
const CASE_DEADLINE_MS = 180_000;

const root = fileURLToPath(new URL('../..', import.meta.url));
const sample = join(root, 'test/fixtures/btcusdt-sample.jsonl');
const dir = mkdtempSync(join(tmpdir(), 'ladder-bad-input-'));
const file = (name: string): string => join(dir, name);

interface Case {
  readonly name: string;
  readonly args: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
  readonly code: number;
  /** What the one `ladder:` line on standard error must contain: the flag or file, and the reason. */
  readonly line: readonly string[];
}

/** The bad inputs of the issue, and a few neighbours: each ends in one line naming what was wrong. */
const CASES: readonly Case[] = [
  { name: 'paper on a garbage file', args: ['paper', '--input', file('garbage.txt')], code: 2, line: ['--input', 'garbage.txt', 'no usable frame', '3 malformed'] },
  { name: 'backtest on a garbage file', args: ['backtest', '--input', file('garbage.txt'), '--quiet'], code: 2, line: ['--input', 'garbage.txt', '3 malformed'] },
  { name: 'features on a garbage file', args: ['features', '--input', file('garbage.txt'), '--out', file('g.csv')], code: 2, line: ['--input', 'garbage.txt', '3 malformed'] },
  { name: 'replay on a garbage file', args: ['replay', '--input', file('garbage.txt')], code: 2, line: ['--input', 'garbage.txt', '3 malformed'] },
  { name: 'paper on a binary file', args: ['paper', '--input', file('binary.bin')], code: 2, line: ['--input', 'binary.bin', 'no usable frame'] },
  { name: 'paper on an empty file', args: ['paper', '--input', file('empty.jsonl')], code: 2, line: ['--input', 'empty file', 'empty.jsonl'] },
  { name: 'backtest on an empty file', args: ['backtest', '--input', file('empty.jsonl')], code: 2, line: ['--input', 'empty file'] },
  { name: 'replay on an empty file', args: ['replay', '--input', file('empty.jsonl')], code: 2, line: ['--input', 'empty file'] },
  { name: 'features on an empty file', args: ['features', '--input', file('empty.jsonl'), '--out', file('e.csv')], code: 2, line: ['--input', 'empty file'] },
  { name: 'paper on a missing file', args: ['paper', '--input', file('missing.jsonl')], code: 2, line: ['--input', 'file not found', 'missing.jsonl'] },
  { name: 'paper on a truncated gzip', args: ['paper', '--input', file('cut.jsonl.gz'), '--db', 'pglite:memory', '--no-dashboard'], code: 4, line: ['--input', 'cut short', 'cut.jsonl.gz'] },
  { name: 'backtest on a truncated gzip', args: ['backtest', '--input', file('cut.jsonl.gz'), '--db', 'none', '--quiet'], code: 4, line: ['--input', 'cut short', 'cut.jsonl.gz'] },
  { name: 'replay on a truncated gzip', args: ['replay', '--input', file('cut.jsonl.gz'), '--emit', 'none'], code: 4, line: ['--input', 'cut short', 'cut.jsonl.gz'] },
  { name: 'features on a truncated gzip', args: ['features', '--input', file('cut.jsonl.gz'), '--out', file('cut.csv'), '--quiet'], code: 4, line: ['--input', 'cut short', 'cut.jsonl.gz'] },
  {
    name: 'paper with a refused DATABASE_URL', args: ['paper', '--input', sample, '--no-dashboard'], env: { DATABASE_URL: 'postgres://postgres@127.0.0.1:1/none' },
    code: 2, line: ['DATABASE_URL', 'cannot open database'],
  },
  { name: 'report with a refused DATABASE_URL', args: ['report', 'some-run'], env: { DATABASE_URL: 'postgres://postgres@127.0.0.1:1/none' }, code: 2, line: ['DATABASE_URL', 'cannot open database'] },
  { name: 'paper with a store under a file', args: ['paper', '--input', sample, '--no-dashboard', '--db', `pglite:${file('plain-file')}/db`], code: 2, line: ['--db', 'not a directory'] },
  { name: 'features to an unwritable --out', args: ['features', '--input', sample, '--out', `${file('plain-file')}/f.csv`], code: 2, line: ['--out', 'plain-file'] },
  { name: 'backtest to an unwritable --report', args: ['backtest', '--input', sample, '--report', `${file('plain-file')}/r.json`], code: 2, line: ['--report', 'cannot write', 'not a directory'] },
  { name: 'a config file that is not JSON', args: ['paper', '--source', 'synthetic', '--config', file('bad.json')], code: 2, line: ['--config', 'bad.json', 'not JSON'] },
  { name: 'a config file with a unitless duration', args: ['paper', '--source', 'synthetic', '--config', file('unitless.json')], code: 2, line: ['unitless.json: duration', 'no unit'] },
  { name: 'a negative --capital', args: ['paper', '--source', 'synthetic', '--capital', '-5'], code: 2, line: ['--capital', '"-5"'] },
  { name: 'a --capital beyond exact cash', args: ['backtest', '--source', 'synthetic', '--seed', '1', '--duration', '1m', '--db', 'none', '--capital', '100000000'], code: 2, line: ['--capital', 'at most 9,000,000 USDT'] },
  { name: 'a duration without its unit', args: ['backtest', '--source', 'synthetic', '--duration', '10'], code: 2, line: ['--duration', 'no unit'] },
  { name: 'a misspelt flag', args: ['backtest', '--inptu', sample], code: 2, line: ['--inptu', 'did you mean --input?'] },
  { name: 'a misspelt command', args: ['bakctest'], code: 2, line: ['bakctest', 'did you mean "backtest"?'] },
  { name: 'synth over an existing file', args: ['synth', '--out', file('plain-file')], code: 2, line: ['--out', 'plain-file', '--force'] },
];

interface Outcome {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function ladder(args: readonly string[], env: Readonly<Record<string, string>> = {}): Promise<Outcome> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [join(root, 'bin/ladder.js'), ...args],
      { cwd: dir, env: { ...process.env, DATABASE_URL: '', LADDER_DEBUG: '', ...env }, timeout: CASE_DEADLINE_MS, maxBuffer: 64 << 20 },
      (error, stdout, stderr) => resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : -1, stdout, stderr }),
    );
  });
}

const outcomes = new Map<string, Outcome>();

beforeAll(async () => {
  writeFileSync(file('garbage.txt'), 'hello\nworld\nfoo\n');
  writeFileSync(file('empty.jsonl'), '');
  // Bytes of every value, control characters and invalid UTF-8 among them, a few newlines included.
  writeFileSync(file('binary.bin'), Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 7919 + 13) % 256)));
  const gz = gzipSync(readFileSync(sample));
  writeFileSync(file('cut.jsonl.gz'), gz.subarray(0, Math.floor(gz.length / 2)));
  writeFileSync(file('plain-file'), 'a file where a directory is expected\n');
  writeFileSync(file('bad.json'), '{"source": synthetic');
  writeFileSync(file('unitless.json'), '{"duration": 10}');
  const queue = [...CASES];
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    for (let c = queue.shift(); c !== undefined; c = queue.shift()) outcomes.set(c.name, await ladder(c.args, c.env));
  }));
}, CASES.length * CASE_DEADLINE_MS);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('one line per user error, never a trace', () => {
  it.each(CASES)('$name', (c) => {
    const o = outcomes.get(c.name)!;
    const all = `${o.stdout}${o.stderr}`;
    expect(all).not.toContain('    at ');
    const lines = o.stderr.split('\n').filter((l) => l.startsWith('ladder:'));
    expect({ code: o.code, lines: lines.length }, all.slice(-2000)).toEqual({ code: c.code, lines: 1 });
    for (const part of c.line) expect(lines[0]).toContain(part);
    // Nothing from a user's file reaches the screen unescaped: no control character, no undecodable byte.
    const raw = [...all].filter((ch) => { const c = ch.codePointAt(0)!; return (c < 0x20 && c !== 9 && c !== 10) || c === 0x7f || c === 0xfffd; });
    expect(raw).toEqual([]);
  });

  it('processes what a truncated gzip holds before the cut, and says so in the summary', () => {
    const paper = outcomes.get('paper on a truncated gzip')!;
    expect(paper.stdout).toMatch(/ended input cut short/);
    const frames = Number(/(\d+) frames in/.exec(paper.stdout)?.[1]);
    expect(frames).toBeGreaterThan(100);
    const replay = outcomes.get('replay on a truncated gzip')!;
    const summary = JSON.parse(replay.stdout.trim().split('\n').at(-1)!) as { summary: { frames: number; incomplete: string } };
    expect(summary.summary.frames).toBe(frames);
    expect(summary.summary.incomplete).toContain('cut short');
  });
});
