import { describe, expect, it } from 'vitest';
import { createSignal, signalDirection, type Signal } from '../../domain/trading/signal.ts';
import { unwrap } from '../../domain/result.ts';
import { micros } from '../../domain/values/units.ts';

const base: Signal = { ts: micros(1_700_000_000_000_000), score: 1.5, confidence: 0.7, horizonMs: 1_000, modelId: 'm-1', schemaId: 'fs-1' };

describe('createSignal', () => {
  it('accepts a valid signal unchanged, including the bounds of confidence', () => {
    expect(unwrap(createSignal(base))).toEqual(base);
    expect(createSignal({ ...base, confidence: 0 }).ok).toBe(true);
    expect(createSignal({ ...base, confidence: 1 }).ok).toBe(true);
    expect(createSignal({ ...base, score: 0 }).ok).toBe(true);
  });

  it.each([Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY])('refuses a score of %s', (score) => {
    expect(createSignal({ ...base, score })).toEqual({ ok: false, error: { kind: 'ScoreNotFinite', score } });
  });

  it.each([-0.01, 1.01, Number.NaN, Number.POSITIVE_INFINITY])('refuses a confidence of %s', (confidence) => {
    expect(createSignal({ ...base, confidence })).toEqual({ ok: false, error: { kind: 'ConfidenceOutOfRange', confidence } });
  });

  it.each([0, -1, Number.NaN])('refuses a horizon of %s ms', (horizonMs) => {
    expect(createSignal({ ...base, horizonMs })).toEqual({ ok: false, error: { kind: 'BadHorizon', horizonMs } });
  });

  it('reports a bad score before a bad confidence', () => {
    const result = createSignal({ ...base, score: Number.NaN, confidence: 2 });
    expect(result.ok ? null : result.error.kind).toBe('ScoreNotFinite');
  });
});

describe('signalDirection', () => {
  it('is the sign of the score, 0 for no view', () => {
    expect(signalDirection({ ...base, score: 0.0001 })).toBe(1);
    expect(signalDirection({ ...base, score: -3 })).toBe(-1);
    expect(signalDirection({ ...base, score: 0 })).toBe(0);
    expect(signalDirection({ ...base, score: -0 })).toBe(0);
  });
});
