import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { FileSpillLog } from '../../adapters/spill/file-spill.ts';
import { decodeRow, encodeRow } from '../../adapters/spill/row-codec.ts';
import { BatchedWriter } from '../../application/batched-writer.ts';
import { RiskEpisodes } from '../../application/risk-episodes.ts';
import type { RiskEventRecord, RunRecord, StoreBatch, TradingStore } from '../../application/ports/trading-store.ts';
import type { BreakerState } from '../../domain/risk/circuit-breaker.ts';
import { BTCUSDT_SPEC } from '../../domain/values/instrument.ts';
import { micros } from '../../domain/values/units.ts';
import { onBothEngines, type Engine } from '../support/engines.ts';
import { RecordingLogger } from '../support/fakes.ts';

const MAX = Number.MAX_SAFE_INTEGER; // 2^53 - 1
const T0 = 1_718_000_000_000_000; // µs, June 2024

const run = (id: string): RunRecord => ({
  id, mode: 'paper', instrument: BTCUSDT_SPEC, source: 'synthetic:7', venue: 'sim', modelId: 'baseline-v1',
  schemaId: 'features-v1', config: {}, codeVersion: 'abc123', startedAt: micros(T0),
});
const batch = (parts: Partial<StoreBatch>): StoreBatch => ({ signals: [], orders: [], fills: [], featureVectors: [], ...parts });

/** A session's decisions as the risk manager makes them: a trip, refusals under it, the kill switch, a clear. */
const session = (runId: string): RiskEventRecord[] => [
  { runId, seq: 1, ts: micros(T0), lastTs: micros(T0), count: 1, state: 'REDUCING', kind: 'trip', cause: 'staleFeed', reason: 'no book frame for 1.2 s' },
  { runId, seq: 2, ts: micros(T0 + 1), lastTs: micros(T0 + 1_000_001), count: 37, state: 'REDUCING', kind: 'refusal', cause: 'staleFeed', reason: 'buy 0.002 BTC would not reduce |position| 0.004' },
  { runId, seq: 3, ts: micros(T0 + 2), lastTs: micros(T0 + 2), count: 1, state: 'HALTED', kind: 'kill', cause: 'kill', reason: 'SIGUSR2 from the operator' },
  { runId, seq: 4, ts: micros(T0 + 3), lastTs: micros(MAX), count: MAX, state: 'HALTED', kind: 'refusal', cause: 'kill', reason: 'halted: only the flatten orders pass' },
  { runId, seq: 5, ts: micros(MAX), lastTs: micros(MAX), count: 1, state: 'HALTED', kind: 'clear', cause: 'staleFeed', reason: 'book frames again; « kill » still holds' },
];

function defineSuite(engine: () => Engine): void {
  const schema = `ladder_risk_${randomBytes(6).toString('hex')}`;
  let store: TradingStore;

  beforeAll(async () => {
    store = await engine().openStore(schema);
    await store.migrate();
  });
  afterAll(async () => {
    await store.close();
    await engine().dropSchema(schema);
  });

  it('reads back every decision of a run in seq order, exactly, and a repeated batch stores nothing twice', async () => {
    await store.startRun(run('a'));
    await store.startRun(run('b'));
    const a = session('a');
    expect(await store.write(batch({ riskEvents: [a[4], a[2], a[0]] }))).toEqual({ rejected: [] });
    // The writer retries a batch whose commit acknowledgement was lost: the repeats are skipped.
    expect(await store.write(batch({ riskEvents: [a[0], a[1], a[3], a[4]] }))).toEqual({ rejected: [] });
    expect(await store.write(batch({ riskEvents: session('b').slice(0, 2) }))).toEqual({ rejected: [] });
    expect(await store.readRiskEvents('a')).toEqual(a);
    expect(await store.readRiskEvents('b')).toEqual(session('b').slice(0, 2));
    expect((await store.rowCounts('a')).riskEvents).toBe(5);
    expect((await store.rowCounts('b')).riskEvents).toBe(2);
    expect(await store.readRiskEvents('no-such-run')).toEqual([]);
  });

  it('grows an episode under its seq: count and last time move forward only, the first reason stays', async () => {
    await store.startRun(run('dup'));
    const [, first] = session('dup');
    const grown = { ...first, lastTs: micros(T0 + 2_000_000), count: 50, reason: 'another reason' };
    await store.write(batch({ riskEvents: [first] }));
    await store.write(batch({ riskEvents: [grown] }));
    expect(await store.readRiskEvents('dup')).toEqual([{ ...first, lastTs: grown.lastTs, count: 50 }]);
    // An older record written again (a retried batch) takes nothing back.
    await store.write(batch({ riskEvents: [first] }));
    expect(await store.readRiskEvents('dup')).toEqual([{ ...first, lastTs: grown.lastTs, count: 50 }]);
    // Within one batch the latest record of a seq is the one written.
    await store.write(batch({ riskEvents: [{ ...grown, seq: 9, count: 2 }, { ...grown, seq: 9, count: 3 }] }));
    expect((await store.readRiskEvents('dup')).map((r) => [r.seq, r.count])).toEqual([[2, 50], [9, 3]]);
  });

  it('stores a refusal repeated 10,000 times as one row with count 10,000, through the episodes and the writer', async () => {
    await store.startRun(run('flood'));
    const episodes = new RiskEpisodes('flood');
    const writer = new BatchedWriter(store, new RecordingLogger(), { batchRows: 500 });
    writer.riskEvent(episodes.add({ ts: micros(T0), state: 'REDUCING', kind: 'trip', cause: 'drawdown', reason: 'drawdown 2.1% > 2%' }));
    for (let i = 0; i < 10_000; i++) {
      writer.riskEvent(episodes.add({ ts: micros(T0 + 1 + i), state: 'REDUCING', kind: 'refusal', cause: 'reducing', reason: `order L-${i}: does not reduce` }));
    }
    writer.riskEvent(episodes.add({ ts: micros(T0 + 20_000), state: 'ACTIVE', kind: 'clear', cause: 'drawdown', reason: 'recovered' }));
    await writer.close();
    const rows = await store.readRiskEvents('flood');
    expect(rows.map((r) => [r.seq, r.kind, r.count])).toEqual([[1, 'trip', 1], [2, 'refusal', 10_000], [3, 'clear', 1]]);
    expect(rows[1]).toMatchObject({ ts: T0 + 1, lastTs: T0 + 10_000, reason: 'order L-0: does not reduce' });
    expect((await store.rowCounts('flood')).riskEvents).toBe(3);
  });

  it('refuses a decision no row can hold, naming its field, and writes the rest of the batch', async () => {
    await store.startRun(run('bad'));
    const good = session('bad');
    const outcome = await store.write(batch({
      riskEvents: [
        good[0],
        { ...good[1], seq: 1.5 },
        { ...good[1], seq: 0 },
        { ...good[1], ts: micros(-1) },
        { ...good[1], count: 0 },
        { ...good[1], lastTs: micros(T0) },
        { ...good[1], state: 'PAUSED' as BreakerState },
        { ...good[1], kind: 'flatten' as RiskEventRecord['kind'] },
        { ...good[1], cause: 'kill\u0000' },
        { ...good[1], reason: 42 as unknown as string },
        { ...good[2], runId: 'no-such-run' },
        good[3],
      ],
    }));
    expect(outcome.rejected.map((r) => [r.kind, r.key, r.field])).toEqual([
      ['riskEvents', 'bad/1.5', 'seq'],
      ['riskEvents', 'bad/0', 'seq'],
      ['riskEvents', 'bad/2', 'ts'],
      ['riskEvents', 'bad/2', 'count'],
      ['riskEvents', 'bad/2', 'lastTs'],
      ['riskEvents', 'bad/2', 'state'],
      ['riskEvents', 'bad/2', 'kind'],
      ['riskEvents', 'bad/2', 'cause'],
      ['riskEvents', 'bad/2', 'reason'],
      ['riskEvents', 'no-such-run/3', 'runId'],
    ]);
    expect(outcome.rejected[5].reason).toBe('state = "PAUSED" is not a breaker state (ACTIVE, REDUCING, HALTED)');
    expect(outcome.rejected[7].reason).toMatch(/NUL/);
    expect(await store.readRiskEvents('bad')).toEqual([good[0], good[3]]);
  });

  it('takes decisions from the batched writer, through a spill file left by a store outage', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ladder-risk-spill-'));
    try {
      const spillPath = join(dir, 'spill.jsonl');
      await store.startRun(run('spilled'));
      const decisions = session('spilled');
      // The store is down for the whole first process: everything goes to the spill file at close.
      const down = { write: () => Promise.reject(new Error('connection refused')) };
      const first = new BatchedWriter(down, new RecordingLogger(), { spill: new FileSpillLog(spillPath), finalAttempts: 1, flushEveryMs: 1 });
      for (const d of decisions) first.riskEvent(d);
      expect(await first.close()).toEqual({ written: 0, spilled: decisions.length });
      const lines = (await readFile(spillPath, 'utf8')).trim().split('\n');
      expect(lines.map((line) => decodeRow(line))).toEqual(decisions.map((record) => ({ kind: 'riskEvents', record })));

      const second = new BatchedWriter(store, new RecordingLogger(), { spill: new FileSpillLog(spillPath) });
      expect(await second.recover()).toEqual({ found: decisions.length, skippedLines: 0, pending: 0 });
      expect(second.stats.byKind.riskEvents).toEqual({ written: decisions.length, rejected: 0 });
      await second.close();
      expect(await store.readRiskEvents('spilled')).toEqual(decisions);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
}

it('a risk decision survives the spill codec unchanged', () => {
  for (const record of session('r')) {
    const line = encodeRow({ kind: 'riskEvents', record });
    expect(line).not.toContain('\n');
    expect(decodeRow(line)).toEqual({ kind: 'riskEvents', record });
  }
});

await onBothEngines('risk events', 'ladder_risk_t', (engine) => defineSuite(engine));
