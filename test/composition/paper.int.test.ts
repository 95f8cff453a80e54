import 'reflect-metadata';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDbTarget } from '../../adapters/postgres/db-target.ts';
import { createStore } from '../../adapters/postgres/connect.ts';
import { paperConfig } from '../../composition/config.ts';
import { formatSummary } from '../../composition/format-summary.ts';
import { runPaper } from '../../composition/paper.ts';
import { unwrap } from '../../domain/result.ts';
import { sideSign } from '../../domain/trading/side.ts';
import { RecordingLogger } from '../support/fakes.ts';
import { freshDatabase, postgresAnswers } from '../support/postgres.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const capture = join(root, '../shared/data/bybit/linear-BTCUSDT-orderbook200-trades-tickers.jsonl');
const sample = join(root, 'test/fixtures/btcusdt-sample.jsonl');
const hasShared = existsSync(capture);
if (!hasShared) console.warn(`skipping the end-to-end run over the real Bybit capture: ${capture} is absent`);
const pgUp = await postgresAnswers();
if (!pgUp) console.warn('skipping app:paper on the Postgres server: nothing answers on 127.0.0.1:5432 (.ci/run starts it)');

const config = (input: string, db: string) => paperConfig({ input, db, model: join(root, 'models/baseline'), 'log-level': 'silent' }, {});

describe.skipIf(!hasShared || !pgUp)('app:paper over the real Bybit capture, stored on the Postgres server', { timeout: 120_000 }, () => {
  let db: { url: string; drop: () => Promise<void> };
  beforeAll(async () => {
    db = await freshDatabase('ladder_e2e');
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('processes every frame, and the store holds exactly what the run reports', async () => {
    const result = await runPaper(config(capture, db.url), { logger: new RecordingLogger(), env: {} });
    const c = result.summary.counters;
    // 637 frames: 1 snapshot + 413 deltas, 16 trade frames with 56 trades, 185 tickers, 22 kline.1.
    expect(c).toMatchObject({ frames: 637, bookFrames: 414, bookUpdates: 414, trades: 56, tickers: 185, ignored: 22, malformed: 0, gaps: 0, crossed: 0 });
    // Every LIVE book gives a stored vector; those of the first second (ofi_1s_norm's warm-up) are not predicted on.
    expect(c.coldVectors).toBeGreaterThan(0);
    expect(c.predictions + c.coldVectors).toBe(414);
    expect(result.stored).toEqual({ signals: c.signals, orders: result.summary.orders.orders, fills: result.summary.orders.fills, featureVectors: 414,
      // Book frames from 18.129 s to 61.629 s past the minute: a snapshot at the first and at each of the
      // 43 whole seconds after it; every public trade; submit, accept and fills of each order, one
      // position snapshot an order (each fills at once); two minutes begun, the first scored for feed quality.
      bookSnapshots: 44, trades: 56, orderEvents: 2 * result.summary.orders.orders + result.summary.orders.fills,
      positionSnapshots: result.summary.orders.orders, equity: 2,
      riskEvents: expect.any(Number), feedQuality: 1 });

    // Read the run back through a second connection, as a report would.
    const store = await createStore(unwrap(parseDbTarget(db.url)));
    try {
      // Risk decisions are stored in episodes: their counts add up to the decisions.
      const risk = await store.readRiskEvents(result.runId);
      expect(risk.reduce((n, e) => n + e.count, 0)).toBe((result.summary.execution?.riskRefusals ?? 0) + (result.summary.execution?.riskStateChanges ?? 0));
      const run = await store.readRun(result.runId);
      expect(run).toMatchObject({ mode: 'paper', venue: 'sim-exchange', source: 'replay:linear-BTCUSDT-orderbook200-trades-tickers.jsonl', modelId: result.model.id });
      expect(run?.endedAt).toBeGreaterThan(run!.startedAt);
      const fills = await store.readFills(result.runId);
      const net = fills.reduce((q, f) => q + sideSign(f.fill.side) * f.fill.qty, 0);
      expect(net / 1000).toBeCloseTo(Number(result.summary.position.qty), 9);
      const fees = fills.reduce((x, f) => x + f.fill.fee, 0);
      expect((fees / 1e8).toFixed(8)).toBe(result.summary.position.fees);
    } finally {
      await store.close();
    }
  });
});

describe('app:paper in process on PGlite', { timeout: 120_000 }, () => {
  it('runs the sample and reports, on one screen, what it stored', async () => {
    const result = await runPaper(config(sample, 'pglite:memory'), { logger: new RecordingLogger(), env: {} });
    const stored = result.stored!;
    expect(stored.signals).toBe(result.summary.counters.signals);
    expect(stored.fills).toBe(result.summary.orders.fills);
    const screen = formatSummary(result);
    expect(screen).toContain(`Ladder paper run ${result.runId}`);
    expect(screen).toContain(`book 1500 (applied 1500)`);
    expect(screen).toContain(`stored    signals ${stored.signals}, orders ${stored.orders}, fills ${stored.fills}, feature vectors ${stored.featureVectors}`);
    expect(screen.split('\n').length).toBeLessThanOrEqual(12);
  });

  it('counts and logs frames that are not JSON, of an unknown topic or with a non-numeric price, and goes on', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ladder-paper-'));
    const file = join(dir, 'bad.jsonl');
    const good = readFileSync(sample, 'utf8').trim().split('\n').slice(0, 40);
    const snapshotText = good[0].slice(good[0].indexOf(' ') + 1);
    const badPrice = snapshotText.replace('"type":"snapshot"', '"type":"delta"').replace('"u":1', '"u":2').replace('["90000.0",', '["abc",');
    const bad = ['this is not json', '{"topic":"candles.1.BTCUSDT","type":"snapshot","ts":1,"data":[]}', `123 ${badPrice}`];
    writeFileSync(file, [good[0], ...bad, ...good.slice(1)].join('\n'));
    const logger = new RecordingLogger();
    const result = await runPaper(config(file, 'pglite:memory'), { logger, env: {} });
    expect(result.summary.counters).toMatchObject({ frames: 43, malformed: 3 });
    // Every book frame but the one with the bad price applied.
    expect(result.summary.counters.bookUpdates).toBe(result.summary.counters.bookFrames - 1);
    const warned = JSON.stringify(logger.lines.filter((l) => l.level === 'warn'));
    expect(warned).toMatch(/not JSON/i);
    expect(warned).toContain('candles.1.BTCUSDT');
    expect(warned).toContain('abc');
  });
});
