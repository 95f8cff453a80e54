import type { RiskRecord } from '../domain/risk/circuit-breaker.ts';
import type { RiskEventKind, RiskEventRecord } from './ports/trading-store.ts';

/** A decision to store: the risk manager's, or the kill switch's. */
export type RiskDecision = Omit<RiskRecord, 'kind'> & { readonly kind: RiskEventKind };

/**
 * Folds the risk manager's decisions into episodes: a decision of the same kind, cause and state as
 * the one before it (nothing else decided between) adds to that episode (count, last time) instead
 * of making a row. Each decision returns the episode's record as it now stands, to be pushed: the
 * writer and the store keep the latest record of a seq, so a refusal repeated 10,000 times is one
 * row with count 10,000, and an episode cut short by the end of the run is stored as far as it went.
 */
export class RiskEpisodes {
  #current: RiskEventRecord | null = null;
  #seq = 0;

  constructor(private readonly runId: string) {}

  /** Episodes begun so far (rows). */
  get episodes(): number {
    return this.#seq;
  }

  add(decision: RiskDecision): RiskEventRecord {
    const c = this.#current;
    if (c !== null && c.kind === decision.kind && c.cause === decision.cause && c.state === decision.state) {
      this.#current = { ...c, lastTs: decision.ts, count: c.count + 1 };
    } else {
      this.#current = { runId: this.runId, seq: ++this.#seq, ...decision, lastTs: decision.ts, count: 1 };
    }
    return this.#current;
  }
}
