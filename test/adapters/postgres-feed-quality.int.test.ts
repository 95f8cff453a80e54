import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { FeedQualityRecord, RunRecord, StoreBatch, TradingStore } from '../../application/ports/trading-store.ts';
import { BTCUSDT_SPEC } from '../../domain/values/instrument.ts';
import { micros } from '../../domain/values/units.ts';
import { onBothEngines, type Engine } from '../support/engines.ts';

const MINUTE = 60_000_000;
const T0 = 1_718_000_040_000_000; // µs, a whole minute of June 2024

const run = (id: string): RunRecord => ({
  id, mode: 'paper', instrument: BTCUSDT_SPEC, source: 'synthetic:7', venue: 'sim', modelId: 'baseline-v1',
  schemaId: 'features-v1', config: {}, codeVersion: 'abc123', startedAt: micros(T0),
});
const batch = (parts: Partial<StoreBatch>): StoreBatch => ({ signals: [], orders: [], fills: [], featureVectors: [], ...parts });

/** Three minutes: clean, faulty (every count and a latency beyond an int4), clean without a frame. */
const minutes = (runId: string): FeedQualityRecord[] => [
  { runId, start: micros(T0), window: micros(MINUTE), score: 100, notLive: micros(0), gaps: 0, crossed: 0, resyncs: 0, stalePeriods: 0, malformed: 0, tickerMismatches: 0, latencyP99: micros(1_800) },
  {
    runId, start: micros(T0 + MINUTE), window: micros(MINUTE), score: 7, notLive: micros(12_500_000), gaps: 6, crossed: 1, resyncs: 6, stalePeriods: 2,
    malformed: 3, tickerMismatches: 4, latencyP99: micros(2 ** 40),
  },
  { runId, start: micros(T0 + 2 * MINUTE), window: micros(MINUTE), score: 0, notLive: micros(MINUTE), gaps: 0, crossed: 0, resyncs: 0, stalePeriods: 1, malformed: 0, tickerMismatches: 0, latencyP99: null },
];

function defineSuite(engine: () => Engine): void {
  const schema = `ladder_fq_${randomBytes(6).toString('hex')}`;
  let store: TradingStore;

  beforeAll(async () => {
    store = await engine().openStore(schema);
    await store.migrate();
  });
  afterAll(async () => {
    await store.close();
    await engine().dropSchema(schema);
  });

  it('reads back each scored minute of a run by start, exactly, and a repeated batch stores nothing twice', async () => {
    await store.startRun(run('a'));
    await store.startRun(run('b'));
    const a = minutes('a');
    expect(await store.write(batch({ feedQuality: [a[2], a[0]] }))).toEqual({ rejected: [] });
    // A batch written again after a lost commit acknowledgement: the minutes already held are skipped.
    expect(await store.write(batch({ feedQuality: [a[0], a[1], a[2]] }))).toEqual({ rejected: [] });
    expect(await store.write(batch({ feedQuality: minutes('b').slice(0, 1) }))).toEqual({ rejected: [] });
    expect(await store.readFeedQuality('a')).toEqual(a);
    expect(await store.readFeedQuality('b')).toEqual(minutes('b').slice(0, 1));
    expect((await store.rowCounts('a')).feedQuality).toBe(3);
    expect(await store.readFeedQuality('no-such-run')).toEqual([]);
  });

  it('refuses, row by row, a score outside 0–100, a negative count and a minute of a run never started; keeps the rest', async () => {
    await store.startRun(run('c'));
    const [good, faulty] = minutes('c');
    const outcome = await store.write(batch({
      feedQuality: [good, { ...faulty, score: 101 }, { ...faulty, start: micros(T0 + 5 * MINUTE), gaps: -1 }, { ...good, runId: 'never-started' }],
    }));
    expect(outcome.rejected.map((r) => [r.key, r.field])).toEqual([
      ['c/' + String(T0 + MINUTE), 'score'],
      ['c/' + String(T0 + 5 * MINUTE), 'gaps'],
      ['never-started/' + String(T0), expect.any(String)],
    ]);
    expect(await store.readFeedQuality('c')).toEqual([good]);
  });
}

await onBothEngines('feed-quality minutes', 'ladder_fq_t', (engine) => defineSuite(engine));
