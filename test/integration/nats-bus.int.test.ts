import 'reflect-metadata';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStore } from '../../adapters/postgres/connect.ts';
import { runLedger } from '../support/run-ledger.ts';
import { parseDbTarget } from '../../adapters/postgres/db-target.ts';
import { backtestCommand } from '../../composition/backtest-command.ts';
import { paperConfig } from '../../composition/config.ts';
import { runPaper, type PaperResult } from '../../composition/paper.ts';
import { publishCommand } from '../../composition/publish-command.ts';
import { replayCommand } from '../../composition/replay-command.ts';
import { unwrap } from '../../domain/result.ts';
import { eventually } from '../support/builders.ts';
import { RecordingLogger } from '../support/fakes.ts';
import { natsAdmin, natsAnswers, NATS_SERVER, uniqueStream } from '../support/nats.ts';
import { freshDatabase, postgresAnswers } from '../support/postgres.ts';

/*
 * The market-data bus against the real NATS server: a recording published to a JetStream stream and
 * read back by a backtest trades as the file does, and a durable consumer restarted halfway neither
 * loses nor repeats a frame.
 */

const root = fileURLToPath(new URL('../..', import.meta.url));
const sample = join(root, 'test/fixtures/btcusdt-sample.jsonl');
const sampleLines = readFileSync(sample, 'utf8').split('\n').filter((l) => l.length > 0);
const baselineModel = join(root, 'models/baseline');
const tmp = mkdtempSync(join(tmpdir(), 'ladder-nats-'));
const available = await natsAnswers();
if (!available) console.warn(`skipping the NATS bus tests: no NATS server with JetStream answers at ${NATS_SERVER} (start one with nats-server -js)`);

const streams: string[] = [];
// The Postgres server when it answers (a run opens it much faster than PGlite starts), else PGlite.
const postgres = await postgresAnswers();
const drops: (() => Promise<void>)[] = [];
async function database(name: string): Promise<string> {
  if (!postgres) return `pglite:${join(tmp, name)}`;
  const db = await freshDatabase(`ladder_bus_${name}`);
  drops.push(db.drop);
  return db.url;
}
afterAll(async () => {
  rmSync(tmp, { recursive: true, force: true });
  if (available) await (await natsAdmin()).drop(...streams);
  for (const drop of drops) await drop();
});

async function publishSample(): Promise<string> {
  const stream = uniqueStream('bus');
  streams.push(stream);
  const out: string[] = [];
  expect(await publishCommand(['--input', sample, '--publish', `nats://${NATS_SERVER}/${stream}`], (t) => out.push(t))).toBe(0);
  expect(JSON.parse(out[0])).toMatchObject({ published: { frames: sampleLines.length, published: sampleLines.length, unconfirmed: 0, dropped: 0 } });
  return stream;
}


async function backtest(db: string, ...args: string[]): Promise<{ run: string; trades: number }> {
  const out = join(tmp, `report-${Math.random().toString(36).slice(2)}.json`);
  const code = await backtestCommand([...args, '--model', baselineModel, '--db', db, '--report', out, '--quiet', '--log-level', 'silent'], () => undefined);
  expect(code).toBe(0);
  return JSON.parse(readFileSync(out, 'utf8')) as { run: string; trades: number };
}

describe.skipIf(!available)('the market-data bus (NATS JetStream)', () => {
  let stream = '';
  beforeAll(async () => {
    stream = await publishSample();
  }, 60_000);

  it('ladder replay over the stream prints what it prints over the file, line for line', { timeout: 120_000 }, async () => {
    const fromFile: string[] = [];
    const fromBus: string[] = [];
    expect(await replayCommand(['--input', sample, '--log-level', 'silent'], (t) => fromFile.push(t))).toBe(0);
    expect(await replayCommand(['--source', `nats://${NATS_SERVER}/${stream}`, '--log-level', 'silent'], (t) => fromBus.push(t))).toBe(0);
    expect(fromBus.join('\n').split('\n').length).toBeGreaterThan(1500);
    expect(fromBus).toEqual(fromFile);
  });

  it('a backtest over the stream sends the same orders and gets the same fills as over the file', { timeout: 300_000 }, async () => {
    const fileDb = await database('file');
    const busDb = await database('bus');
    const fromFile = await backtest(fileDb, '--input', sample);
    const fromBus = await backtest(busDb, '--source', `nats://${NATS_SERVER}/${stream}`);
    const a = await runLedger(fileDb, fromFile.run);
    const b = await runLedger(busDb, fromBus.run);
    expect(a.orders.length).toBeGreaterThan(0);
    expect(a.fills.length).toBeGreaterThan(0);
    expect(b.orders).toEqual(a.orders);
    expect(b.fills).toEqual(a.fills);
    expect(fromBus.trades).toBe(fromFile.trades);
  });

  it('a paper run on a durable consumer, stopped halfway and started again, sees every frame once', { timeout: 300_000 }, async () => {
    const db = await database('paper');
    const source = `nats://${NATS_SERVER}/${stream}?start=first&durable=paper1`;
    const admin = await natsAdmin();
    try {
      // The first run is stopped (as by SIGTERM) in the middle of the stream, at its 100th public trade;
      // its consumer has fetched frames beyond the one in hand.
      const first = await paperRun(db, source, { stopAtTrade: 100 });
      const acked = (await admin.jsm.consumers.info(stream, 'paper1')).ack_floor.stream_seq;
      expect(acked).toBeGreaterThan(0);
      expect(acked).toBeLessThan(sampleLines.length);
      // The second goes on after the last acknowledged frame, and is stopped once every frame is acknowledged.
      const second = await paperRun(db, source, {
        done: async () => (await admin.jsm.consumers.info(stream, 'paper1')).ack_floor.stream_seq === sampleLines.length,
      });
      const bookLines = sampleLines.filter((l) => l.includes('"topic":"orderbook.')).length;
      expect(first.summary.counters.bookFrames).toBe(sampleLines.slice(0, acked).filter((l) => l.includes('"topic":"orderbook.')).length);
      expect(first.summary.counters.bookFrames + second.summary.counters.bookFrames).toBe(bookLines);
      // Every public trade of the recording was stored once, by one run or the other.
      const store = await createStore(unwrap(parseDbTarget(db)));
      try {
        const ids = [...(await store.readTrades(first.runId)), ...(await store.readTrades(second.runId))].map((t) => t.tradeId);
        const expected = sampleLines.flatMap((l) => (l.includes('"topic":"publicTrade.') ? (JSON.parse(l.slice(l.indexOf(' ') + 1)) as { data: { i: string }[] }).data.map((d) => d.i) : []));
        expect(expected.length).toBeGreaterThan(100);
        expect(ids.length).toBe(expected.length);
        expect(ids.sort()).toEqual(expected.sort());
      } finally {
        await store.close();
      }
    } finally {
      await admin.jsm.consumers.delete(stream, 'paper1').catch(() => false);
      await admin.nc.close();
    }
  });
});

/** One paper run on `source`, stopped (as by SIGTERM) at its n-th public trade, or once `done` says so. */
async function paperRun(db: string, source: string, when: { stopAtTrade?: number; done?: () => Promise<boolean> }): Promise<PaperResult> {
  let stop: (() => void) | null = null;
  let trades = 0;
  const run = runPaper(paperConfig({ source, db, model: baselineModel, 'log-level': 'silent', 'no-dashboard': true }, {}), {
    logger: new RecordingLogger(),
    env: {},
    onStop: (s) => (stop = s),
    onRunning: (parts) => {
      // Called as each row is handed to the writer, inside the loop: the stop lands in the middle of the stream.
      const end = parts.writer.observe((row) => {
        if (row.kind === 'trades' && ++trades === when.stopAtTrade) stop?.();
      });
      return Promise.resolve(() => {
        end();
        return Promise.resolve();
      });
    },
  });
  if (when.done !== undefined) {
    await eventually(async () => stop !== null && (await when.done!()), 120_000, 20);
    stop!();
  }
  return run;
}
