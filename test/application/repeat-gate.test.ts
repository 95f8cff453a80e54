import { describe, expect, it } from 'vitest';
import { logGated, RepeatGate } from '../../application/repeat-gate.ts';
import { RiskEpisodes } from '../../application/risk-episodes.ts';
import type { Micros } from '../../domain/values/units.ts';
import { RecordingLogger } from '../support/fakes.ts';

describe('RepeatGate', () => {
  it('logs the first line of a key, counts repeats within the interval, and logs the next one with their number', () => {
    const gate = new RepeatGate(1_000);
    const logger = new RecordingLogger();
    // 48,000 refusals 10 µs apart: one line, then one a millisecond, each standing for the lines held back.
    for (let i = 0; i < 48_000; i++) logGated(gate, logger, 'info', 'reducing', i * 10, { i }, 'order refused by risk');
    expect(logger.lines).toHaveLength(480);
    expect(logger.lines[0]).toMatchObject({ level: 'info', message: 'order refused by risk', fields: { i: 0 } });
    expect(logger.lines[1]).toMatchObject({ fields: { i: 100, repeated: 100 } });
    expect(logger.lines.slice(1).every((l) => l.fields.repeated === 100)).toBe(true);
    // Another key is gated on its own.
    logGated(gate, logger, 'warn', 'malformed', 480_000, {}, 'malformed frame skipped');
    expect(logger.lines.at(-1)).toMatchObject({ level: 'warn', message: 'malformed frame skipped' });
    const held: [string, number][] = [];
    gate.flush((key, n) => held.push([key, n]));
    expect(held).toEqual([['reducing', 99]]);
  });
});

describe('RiskEpisodes', () => {
  const refusal = (ts: number, cause = 'reducing') => ({ ts: ts as Micros, state: 'REDUCING' as const, kind: 'refusal' as const, cause, reason: `at ${ts}` });

  it('folds repeats of one decision into one episode, and starts another when anything else is decided', () => {
    const episodes = new RiskEpisodes('r');
    expect(episodes.add({ ts: 1 as Micros, state: 'REDUCING', kind: 'trip', cause: 'drawdown', reason: 'dd' })).toMatchObject({ seq: 1, count: 1 });
    for (let ts = 2; ts < 10_002; ts++) episodes.add(refusal(ts));
    expect(episodes.add(refusal(10_002))).toEqual({ runId: 'r', seq: 2, ts: 2, lastTs: 10_002, count: 10_001, state: 'REDUCING', kind: 'refusal', cause: 'reducing', reason: 'at 2' });
    expect(episodes.add(refusal(10_003, 'maxPosition'))).toMatchObject({ seq: 3, count: 1 });
    expect(episodes.add(refusal(10_004))).toMatchObject({ seq: 4, count: 1 });
    expect(episodes.add({ ...refusal(10_005), state: 'HALTED' })).toMatchObject({ seq: 5, count: 1 });
    expect(episodes.episodes).toBe(5);
  });
});
