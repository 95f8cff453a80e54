import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { freshDatabase, postgresAnswers } from '../support/postgres.ts';

// Each case starts the command in a process of its own (tsx, PGlite): allow for a busy machine.
const SLOW = { timeout: 300_000 };
const ALL = ['0001-initial', '0002-feature-vectors', '0003-market-and-ledger', '0004-vectors-without-foreign-keys', '0005-risk-events', '0006-run-end-reason', '0007-risk-episodes', '0008-sweep-results', '0009-feed-quality', '0010-order-amend'];

const root = fileURLToPath(new URL('../..', import.meta.url));
const run = promisify(execFile);

/** Runs `ladder db …` as a user would, without DATABASE_URL; resolves with the exit code and both streams. */
async function ladderDb(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => key !== 'DATABASE_URL'));
  try {
    const { stdout, stderr } = await run(process.execPath, [join(root, 'bin/ladder.js'), 'db', ...args], { cwd: root, env });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** The status lines as [name, state], without the applied time; the summary line apart. */
function statusOf(stdout: string): { rows: [string, string][]; summary: string } {
  const lines = stdout.trim().split('\n');
  const rows = lines.slice(0, -1).map((line): [string, string] => {
    const [name, state, at] = line.trim().split(/\s+/);
    if (state === 'applied') expect(new Date(at).toISOString()).toBe(at);
    return [name, state];
  });
  return { rows, summary: lines.at(-1) ?? '' };
}

/** status, migrate, status, migrate again, rollback 1, status, rollback beyond what is applied, rollback the rest. */
async function lifecycle(db: string): Promise<void> {
  const empty = await ladderDb('status', '--db', db);
  expect(empty.code).toBe(0);
  expect(statusOf(empty.stdout)).toEqual({ rows: ALL.map((n) => [n, 'pending']), summary: `${ALL.length} pending` });

  const migrate = await ladderDb('migrate', '--db', db);
  expect(migrate).toMatchObject({ code: 0, stdout: `${ALL.map((n) => `applied ${n}`).join('\n')}\n` });
  const applied = await ladderDb('status', '--db', db);
  expect(statusOf(applied.stdout)).toEqual({ rows: ALL.map((n) => [n, 'applied']), summary: 'up to date' });
  expect(await ladderDb('migrate', '--db', db)).toMatchObject({ code: 0, stdout: 'nothing to apply: the schema is up to date\n' });

  const last = ALL.at(-1)!;
  expect(await ladderDb('rollback', '--db', db)).toMatchObject({ code: 0, stdout: `rolled back ${last}\n` });
  const rolled = await ladderDb('status', '--db', db);
  expect(statusOf(rolled.stdout)).toEqual({
    rows: [...ALL.slice(0, -1).map((n): [string, string] => [n, 'applied']), [last, 'pending']],
    summary: '1 pending',
  });

  const rest = ALL.length - 1;
  const tooFar = await ladderDb('rollback', '--steps', String(rest + 1), '--db', db);
  expect(tooFar.code).toBe(1);
  expect(tooFar.stderr).toMatch(new RegExp(`^ladder: db rollback .* failed: cannot roll back ${rest + 1} migration\\(s\\): ${rest} applied$`, 'm'));
  expect(await ladderDb('rollback', '--steps', String(rest), '--db', db)).toMatchObject({
    code: 0, stdout: ALL.slice(0, -1).reverse().map((n) => `rolled back ${n}\n`).join(''),
  });
  expect(statusOf((await ladderDb('status', '--db', db)).stdout).summary).toBe(`${ALL.length} pending`);
}

describe('ladder db on PGlite', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ladder-db-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('migrates, reports status and rolls back a directory database', SLOW, async () => {
    await lifecycle(`pglite:${join(dir, 'data')}`);
  });

  it('names --db when the target is bad, and --steps outside rollback', SLOW, async () => {
    const bad = await ladderDb('status', '--db', 'mysql://localhost/x');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^ladder: --db: unrecognised database target/m);
    const steps = await ladderDb('migrate', '--steps', '2', '--db', 'pglite:memory');
    expect(steps.code).toBe(2);
    expect(steps.stderr).toMatch(/^ladder: --steps: only goes with "ladder db rollback"/m);
    const zero = await ladderDb('rollback', '--steps', '0', '--db', 'pglite:memory');
    expect(zero.code).toBe(2);
    expect(zero.stderr).toMatch(/^ladder: --steps: 0 is outside 1\.\.1000/m);
    const unknown = await ladderDb('upgrade', '--db', 'pglite:memory');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^ladder: db: unknown subcommand "upgrade"/m);
  });

  it('prints its help', SLOW, async () => {
    const help = await ladderDb('--help');
    expect(help.code).toBe(0);
    for (const word of ['migrate', 'status', 'rollback', '--db TARGET', '--steps N']) expect(help.stdout).toContain(word);
  });
});

const postgresUp = await postgresAnswers();
if (!postgresUp) console.warn('ladder db tests on Postgres skipped: no server answered');

describe.skipIf(!postgresUp)('ladder db on Postgres', () => {
  it('migrates, reports status and rolls back a server database', SLOW, async () => {
    const fresh = await freshDatabase('ladder_db_cmd');
    try {
      await lifecycle(fresh.url);
    } finally {
      await fresh.drop();
    }
  });

  it('names --db when the server cannot be reached', SLOW, async () => {
    const down = await ladderDb('status', '--db', 'postgres://postgres@127.0.0.1:1/none');
    expect(down.code).toBe(2);
    expect(down.stderr).toMatch(/^ladder: --db: cannot open database/m);
  });
});
