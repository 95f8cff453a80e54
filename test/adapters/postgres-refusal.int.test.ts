import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { SignalRecord, StoreBatch, TradingStore } from '../../application/ports/trading-store.ts';
import { unwrap } from '../../domain/result.ts';
import { createSignal } from '../../domain/trading/signal.ts';
import { BTCUSDT_SPEC } from '../../domain/values/instrument.ts';
import type { Micros } from '../../domain/values/units.ts';
import { onBothEngines } from '../support/engines.ts';

const T0 = 1_700_000_000_000_000;

function signal(runId: string, seq: number, score: number): SignalRecord {
  const s = unwrap(createSignal({ ts: (T0 + seq) as Micros, score, confidence: 0.5, horizonMs: 1000, modelId: 'm', schemaId: 'fs-x' }));
  return { runId, seq, signal: s, midTicks: null, acted: false };
}

const batch = (signals: SignalRecord[]): StoreBatch => ({ signals, orders: [], fills: [], featureVectors: [] });

/**
 * A refusal the store's checks cannot foresee: a constraint added to the table by hand. The batch
 * holding the refused row must still land, but for that row, which comes back named.
 */
function defineSuite(open: (schema: string) => Promise<{ store: TradingStore; sql: (text: string) => Promise<unknown> }>, drop: (schema: string) => Promise<void>): void {
  const schema = `ladder_refusal_${randomBytes(6).toString('hex')}`;
  let store: TradingStore;
  let sql: (text: string) => Promise<unknown>;
  beforeAll(async () => {
    ({ store, sql } = await open(schema));
    await store.migrate();
    await store.startRun({
      id: 'r', mode: 'paper', instrument: BTCUSDT_SPEC, source: 's', venue: 'sim', modelId: 'm', schemaId: 'fs-x', config: {}, codeVersion: 'test', startedAt: T0 as Micros,
    });
    await sql(`alter table "${schema}".signals add constraint signals_score_sane check (abs(score) < 1000)`);
  });
  afterAll(async () => {
    await store.close();
    await drop(schema);
  });

  it('writes every row of a batch but the one the database refuses, which comes back with the constraint named', async () => {
    const outcome = await store.write(batch([signal('r', 1, 1), signal('r', 2, 5000), signal('r', 3, -2)]));
    expect(outcome.rejected).toEqual([
      { kind: 'signals', key: 'r/2', field: 'signals_score_sane', reason: expect.stringMatching(/^refused by the database \(SQLSTATE 23514\): /) as string },
    ]);
    expect((await store.readSignals('r')).map((s) => [s.seq, s.signal.score])).toEqual([[1, 1], [3, -2]]);
    // Written again, the batch changes nothing and is refused the same way.
    expect((await store.write(batch([signal('r', 1, 1), signal('r', 2, 5000), signal('r', 3, -2)]))).rejected.map((r) => r.key)).toEqual(['r/2']);
    expect((await store.rowCounts('r')).signals).toBe(2);
  });
}

await onBothEngines('a row the database refuses', 'ladder_refusal', (engine) =>
  defineSuite(
    async (schema) => ({ store: await engine().openStore(schema), sql: (text: string) => engine().sql(text) }),
    (schema) => engine().dropSchema(schema),
  ),
);
