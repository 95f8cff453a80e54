import { describe, expect, it } from 'vitest';
import { SignalColumns } from '../../adapters/memory/signal-columns.ts';
import type { SignalRecord } from '../../application/ports/trading-store.ts';
import type { Micros, Ticks } from '../../domain/values/units.ts';

const record = (seq: number, over: Partial<SignalRecord> = {}): SignalRecord => ({
  runId: 'run-1',
  seq,
  signal: { ts: (1_767_225_600_000_000 + seq * 20_000) as Micros, score: -0.1 * seq + 1 / 3, confidence: 0.5 + seq / 1e4, horizonMs: 5000, modelId: 'm', schemaId: 's' },
  midTicks: (899_939 + seq) as Ticks,
  acted: seq % 3 === 0,
  ...over,
});

describe('SignalColumns', () => {
  it('gives back the records written, equal, in the order written, each seq once', () => {
    const columns = new SignalColumns();
    const rows = Array.from({ length: 3000 }, (_, k) => record(k + 1, k === 7 ? { midTicks: null, signal: { ...record(8).signal, score: -0, modelId: 'other' } } : {}));
    columns.add(rows.slice(0, 2000));
    // A batch written again, in part or whole, stores nothing twice.
    columns.add(rows.slice(1500, 3000));
    columns.add(rows.slice(0, 10));
    expect(columns.count).toBe(3000);
    expect(columns.list).toEqual(rows);
    expect(Object.is(columns.list[7].signal.score, -0)).toBe(true);
  });

  it('keeps seqs that arrive out of order, once each', () => {
    const columns = new SignalColumns();
    columns.add([record(5), record(9)]);
    columns.add([record(2), record(9), record(5), record(7), record(2)]);
    expect(columns.list.map((r) => r.seq)).toEqual([5, 9, 2, 7]);
    expect(columns.list[2]).toEqual(record(2));
  });
});
