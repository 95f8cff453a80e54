import 'reflect-metadata';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { SweepStore, type StoredSweepResult } from '../../adapters/postgres/sweep-store.ts';
import { parseDbTarget } from '../../adapters/postgres/db-target.ts';
import { backtestCommand } from '../../composition/backtest-command.ts';
import { sweepCommand } from '../../composition/sweep-command.ts';
import { backtestArgs, parseJob } from '../../composition/sweep-grid.ts';
import { unwrap } from '../../domain/result.ts';
import { eventually } from '../support/builders.ts';
import { natsAdmin, natsAnswers, NATS_SERVER, uniqueStream } from '../support/nats.ts';
import { freshDatabase, postgresAnswers } from '../support/postgres.ts';

/*
 * A sweep as a work queue on the real NATS server and the real Postgres: two workers (child
 * processes) share eight jobs; one is killed in the middle of its first job, whose job another worker
 * gets after the ack deadline. Exactly eight results are stored, each the report of the same backtest
 * run on its own.
 */

const root = fileURLToPath(new URL('../..', import.meta.url));
const nats = await natsAnswers();
const postgres = await postgresAnswers();
if (!nats) console.warn(`skipping the sweep test: no NATS server with JetStream answers at ${NATS_SERVER}`);
if (!postgres) console.warn('skipping the sweep test: no Postgres server answers at 127.0.0.1:5432');
const tmp = mkdtempSync(join(tmpdir(), 'ladder-sweep-'));
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  rmSync(tmp, { recursive: true, force: true });
});

function worker(name: string, queue: string, db: string): { child: ChildProcess; out: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [join(root, 'bin/ladder.js'), 'worker', '--nats', queue, '--db', db, '--name', name, '--log-level', 'error'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, out: () => out, exited };
}

describe.skipIf(!nats || !postgres)('ladder sweep and ladder worker', () => {
  it('stores exactly one result per job, equal to the run on its own, when a worker is killed mid-job', { timeout: 400_000 }, async () => {
    const database = await freshDatabase('ladder_sweep');
    const stream = uniqueStream('sweep');
    const queue = `nats://${NATS_SERVER}/${stream}`;
    const admin = await natsAdmin();
    try {
      const grid = join(tmp, 'grid.json');
      writeFileSync(grid, JSON.stringify({ policy: ['smart', 'baseline'], capital: ['10000', '50000'] }));
      const said: string[] = [];
      const code = await sweepCommand(
        ['--grid', grid, '--seeds', '1,2', '--duration', '10s', '--nats', queue, '--db', database.url, '--name', 'test-sweep', '--ack-wait', '4s', '--log-level', 'silent'],
        (t) => said.push(t),
      );
      expect(code).toBe(0);
      expect(said[0]).toMatch(/^sweep test-sweep: 8 jobs published \(2 inputs × 4 parameter sets\); ack deadline 4 s/);

      const a = worker('wA', queue, database.url);
      const b = worker('wB', queue, database.url);
      // A is killed as soon as it says it has started a job: it never acknowledges it.
      await eventually(() => /job test-sweep\/j\d+ started/.test(a.out()), 180_000, 20);
      a.child.kill('SIGKILL');
      await a.exited;
      const held = /job test-sweep\/(j\d+) started/.exec(a.out())![1];

      const store = await SweepStore.open(unwrap(parseDbTarget(database.url)));
      let results: StoredSweepResult[] = [];
      try {
        await eventually(async () => (results = await store.readResults('test-sweep')).length === 8, 300_000, 250);
        b.child.kill('SIGTERM');
        expect(await b.exited).toBe(143);
        results = await store.readResults('test-sweep');
      } finally {
        await store.close();
      }
      expect(results.map((r) => r.jobId)).toEqual(['j0001', 'j0002', 'j0003', 'j0004', 'j0005', 'j0006', 'j0007', 'j0008']);
      expect(results.every((r) => r.report !== null && r.error === null && r.worker === 'wB')).toBe(true);
      // The job A held was given to B after the deadline: its second delivery stored the result.
      const redelivered = results.find((r) => r.jobId === held)!;
      expect(redelivered.delivery).toBeGreaterThanOrEqual(2);
      expect((await admin.jsm.streams.info(stream)).state.messages).toBe(0);

      // Each stored report is the report of the same backtest run on its own.
      for (const r of results) {
        const job = parseJob(JSON.stringify(r.job))!;
        const file = join(tmp, `${job.id}.json`);
        expect(await backtestCommand([...backtestArgs(job), '--db', database.url, '--report', file, '--quiet', '--log-level', 'silent'], () => undefined)).toBe(0);
        const alone = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
        expect({ ...r.report, run: null }).toEqual({ ...alone, run: null });
      }
      // The parameters matter: no two jobs of one seed gave the same report.
      expect(new Set(results.map((r) => JSON.stringify({ ...r.report, run: null }))).size).toBe(8);

      const status: string[] = [];
      expect(await sweepCommand(['--status', '--name', 'test-sweep', '--db', database.url, '--nats', queue, '--html', join(tmp, 'sweep.html')], (t) => status.push(t))).toBe(0);
      expect(status[0]).toMatch(/^Ladder sweep test-sweep: 8 of 8 jobs done; queue: 0 waiting, 0 in work, \d+ redelivered/);
      expect(readFileSync(join(tmp, 'sweep.html'), 'utf8')).toContain('<h2>Parameter sets, best first</h2>');
    } finally {
      await admin.drop(stream);
      await database.drop();
    }
  });
});
