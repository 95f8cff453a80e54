import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStore } from '../../adapters/postgres/connect.ts';
import { FileSpillLog } from '../../adapters/spill/file-spill.ts';
import { BatchedWriter } from '../../application/batched-writer.ts';
import type { TradingStore } from '../../application/ports/trading-store.ts';
import { closeLeftRuns } from '../../composition/run-closing.ts';
import type { Micros } from '../../domain/values/units.ts';
import { eventually } from '../support/builders.ts';
import { RecordingLogger } from '../support/fakes.ts';
import { defaultModelAt } from '../support/models.ts';
import { freshDatabase, postgresAnswers } from '../support/postgres.ts';
import { TcpProxy } from '../support/tcp-proxy.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const up = await postgresAnswers();
if (!up) console.warn('outage-crash: no Postgres server on 127.0.0.1:5432; skipped');

/** `ladder paper` in its own process, its log lines parsed as they come. */
class Paper {
  readonly lines: Record<string, unknown>[] = [];
  stdout = '';
  stderr = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  #watchers: (() => void)[] = [];

  constructor(readonly child: ChildProcess) {
    let partial = '';
    child.stdout!.on('data', (chunk: Buffer) => (this.stdout += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => {
      const text = chunk.toString();
      this.stderr += text;
      partial += text;
      const complete = partial.split('\n');
      partial = complete.pop()!;
      for (const line of complete) {
        try {
          this.lines.push(JSON.parse(line) as Record<string, unknown>);
        } catch {
          // Not a log line.
        }
      }
      for (const watch of this.#watchers) watch();
    });
    this.exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  }

  /** Calls `act` from the stream handler itself, as soon as `when` holds: no turn of the event loop in between. */
  onceLog(when: () => boolean, act: () => void): void {
    const watch = (): void => {
      if (!when()) return;
      this.#watchers = this.#watchers.filter((w) => w !== watch);
      act();
    };
    this.#watchers.push(watch);
    watch();
  }

  count(msg: string): number {
    return this.lines.filter((l) => l.msg === msg).length;
  }

  /** Ids of the orders this run logged as sent. */
  ordersSent(): string[] {
    return this.lines.filter((l) => l.msg === 'order sent').map((l) => String(l.orderId));
  }

  runId(): string {
    return String(this.lines.find((l) => l.msg === 'paper run started')!.runId);
  }
}

describe.skipIf(!up)('a database outage: kill -9, then SIGTERM, with a real Postgres server cut through a proxy', () => {
  let db: Awaited<ReturnType<typeof freshDatabase>>;
  let proxy: TcpProxy;
  let dir: string;
  let model: string;
  let direct: TradingStore;
  const running: ChildProcess[] = [];

  beforeAll(async () => {
    db = await freshDatabase('ladder_crash');
    proxy = await TcpProxy.start();
    dir = await mkdtemp(join(tmpdir(), 'ladder-crash-'));
    // A threshold every prediction passes: the run trades all the time.
    model = defaultModelAt(0);
    direct = await createStore({ kind: 'postgres', url: db.url });
  });

  afterAll(async () => {
    for (const child of running) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await direct.close();
    await proxy.close();
    await db.drop();
    await rm(dir, { recursive: true, force: true });
    await rm(model, { recursive: true, force: true });
  });

  const spill = (): string => join(dir, 'spill.jsonl');
  const start = (seed: number): Paper => {
    const child = spawn(process.execPath, [join(root, 'bin/ladder.js'), 'paper', '--source', 'synthetic', '--speed', '20', '--seed', String(seed),
      '--db', proxy.urlFor(db.url), '--spill', spill(), '--model', model, '--no-dashboard', '--json', '--log-level', 'info'],
    { cwd: root, env: { ...process.env, DATABASE_URL: '', OTEL_EXPORTER_OTLP_ENDPOINT: '' } });
    running.push(child);
    return new Paper(child);
  };

  /** Every order the run sent is stored, with its events, and the fills its stored state counts. */
  async function expectLedger(runId: string, sent: readonly string[]): Promise<void> {
    const orders = await direct.readOrders(runId);
    expect(orders.map((o) => o.id).sort()).toEqual(expect.arrayContaining([...sent].sort()));
    const events = await direct.readOrderEvents(runId);
    const fills = await direct.readFills(runId);
    for (const o of orders) {
      const mine = events.filter((e) => e.orderId === o.id);
      // Each stored state is the outcome of stored events, the last of which left it.
      expect(mine.length).toBeGreaterThan(0);
      expect(mine.map((e) => e.seq)).toEqual(mine.map((_, i) => i + 1));
      // Fills are pushed before the state they lead to: a stored state's filled size is covered.
      const filled = fills.filter((f) => f.fill.orderId === o.id).reduce((sum, f) => sum + f.fill.qty, 0);
      expect(filled).toBeGreaterThanOrEqual(o.filledQty);
    }
  }

  it('loses no order, order event or fill to a kill -9 during an outage; a SIGTERM during one prints the summary, exits 143, and the next start closes both runs', async () => {
    // Run A: trades, loses its database, sends more orders, and is killed with SIGKILL.
    const a = start(3);
    await eventually(() => a.count('paper run started') === 1 && a.ordersSent().length >= 1, 150_000, 100);
    proxy.cut();
    let failedAt = -1;
    const killed = new Promise<void>((resolve) => {
      a.onceLog(() => {
        if (failedAt < 0) failedAt = a.lines.findIndex((l) => l.msg === 'store write failed; rows kept for retry');
        return failedAt >= 0 && a.lines.slice(failedAt).filter((l) => l.msg === 'order sent').length >= 2;
      }, () => {
        a.child.kill('SIGKILL');
        resolve();
      });
    });
    await killed;
    expect((await a.exited).signal).toBe('SIGKILL');
    const sentA = a.ordersSent();
    const runA = a.runId();
    expect(sentA.length).toBeGreaterThanOrEqual(3);
    proxy.restore();

    // Run B: its start writes back A's spill file and closes A as crashed.
    const b = start(4);
    await eventually(() => b.count('paper run started') === 1, 150_000, 100);
    expect((await direct.readRun(runA))?.endReason).toBe('crashed');
    await expectLedger(runA, sentA);
    await eventually(() => b.ordersSent().length >= 1, 60_000, 100);
    proxy.cut();
    await eventually(() => b.count('store write failed; rows kept for retry') >= 1, 30_000, 50);
    const before = b.ordersSent().length;
    await eventually(() => b.ordersSent().length > before, 60_000, 50);
    b.child.kill('SIGTERM');
    const { code } = await b.exited;
    expect(code).toBe(143);
    expect(b.stderr).not.toMatch(/\n\s+at /);
    expect(b.count('database unreachable at the end of the run: its end is kept for the next start, which closes it')).toBe(1);
    const summary = JSON.parse(b.stdout.trim().split('\n').at(-1)!) as { stored: unknown; store: { spilled: number }; orders: { orders: number } };
    expect(summary.stored).toBeNull();
    expect(summary.store.spilled).toBeGreaterThan(0);
    const runB = b.runId();
    expect((await direct.readRun(runB))?.endedAt).toBeNull();
    proxy.restore();

    // The next start, as runPaper begins: the spill file written back, then the runs left open closed.
    const store = await createStore({ kind: 'postgres', url: db.url });
    const writer = new BatchedWriter(store, new RecordingLogger(), { spill: new FileSpillLog(spill()) });
    expect((await writer.recover()).pending).toBe(0);
    const closed = await closeLeftRuns(store, spill(), 1 as Micros, new RecordingLogger());
    expect(closed).toEqual({ stoppedDuringOutage: [runB], crashed: [] });
    const stored = await direct.readRun(runB);
    expect(stored).toMatchObject({ endReason: 'stopped-during-outage', summary: { orders: { orders: summary.orders.orders } } });
    await expectLedger(runB, b.ordersSent());
    expect((await direct.readOrders(runB)).length).toBe(summary.orders.orders);
    await writer.close();
    await store.close();
  }, 400_000);
});
