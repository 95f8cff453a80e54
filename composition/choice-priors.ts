import { basename } from 'node:path';
import { CAPTURE_PROBES, pooledPriors, type ChoicePriors } from '../domain/execution/choice-priors.ts';

/**
 * `--chooser-priors`: `held-out` (the default) pools the execution probes of every real capture but
 * the one the run reads, so that no run is judged on data its expectations were measured on
 * (leave-one-capture-out); `all` pools every capture's, the run's own among them (in-sample, to show
 * what holding out changes).
 */
export type PriorsChoice = 'held-out' | 'all';

export const PRIORS_CHOICES = ['held-out', 'all'] as const satisfies readonly PriorsChoice[];

/** The chooser's priors for a run over `paths` (none: synthetic or live data, which no probe measured). */
export function priorsFor(paths: readonly string[], choice: PriorsChoice): ChoicePriors {
  if (choice === 'all') return pooledPriors();
  const names = new Set(paths.map((p) => basename(p)));
  const own = CAPTURE_PROBES.filter((c) => c.files.some((f) => names.has(f))).map((c) => c.capture);
  return pooledPriors(own);
}
