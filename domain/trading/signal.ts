import { err, ok, type Result } from '../result.ts';
import type { Micros } from '../values/units.ts';

/**
 * A model's view of where the price goes: `score` is the predicted move over `horizonMs` (sign is
 * direction; units are the model's, e.g. bps), `confidence` in [0, 1] how far to trust it.
 */
export interface Signal {
  readonly ts: Micros;
  readonly score: number;
  readonly confidence: number;
  readonly horizonMs: number;
  readonly modelId: string;
  readonly schemaId: string;
}

export type SignalError =
  | { readonly kind: 'ConfidenceOutOfRange'; readonly confidence: number }
  | { readonly kind: 'ScoreNotFinite'; readonly score: number }
  | { readonly kind: 'BadHorizon'; readonly horizonMs: number };

export function createSignal(fields: Signal): Result<Signal, SignalError> {
  if (!Number.isFinite(fields.score)) return err({ kind: 'ScoreNotFinite', score: fields.score });
  if (!(fields.confidence >= 0 && fields.confidence <= 1)) {
    return err({ kind: 'ConfidenceOutOfRange', confidence: fields.confidence });
  }
  if (!(fields.horizonMs > 0)) return err({ kind: 'BadHorizon', horizonMs: fields.horizonMs });
  return ok(fields);
}

/** +1 long, -1 short, 0 no view. */
export const signalDirection = (s: Signal): -1 | 0 | 1 => (s.score > 0 ? 1 : s.score < 0 ? -1 : 0);
