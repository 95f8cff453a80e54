import type { Migration } from 'kysely';
import * as initial from './0001-initial.ts';
import * as featureVectors from './0002-feature-vectors.ts';
import * as marketAndLedger from './0003-market-and-ledger.ts';
import * as vectorsWithoutKeys from './0004-vectors-without-foreign-keys.ts';
import * as riskEvents from './0005-risk-events.ts';
import * as runEndReason from './0006-run-end-reason.ts';
import * as riskEpisodes from './0007-risk-episodes.ts';
import * as sweepResults from './0008-sweep-results.ts';
import * as feedQuality from './0009-feed-quality.ts';
import * as orderAmend from './0010-order-amend.ts';

/** Every migration, by name; kysely applies them in name order, so names start with a sequence number. */
export const migrations: Record<string, Migration> = {
  '0001-initial': initial,
  '0002-feature-vectors': featureVectors,
  '0003-market-and-ledger': marketAndLedger,
  '0004-vectors-without-foreign-keys': vectorsWithoutKeys,
  '0005-risk-events': riskEvents,
  '0006-run-end-reason': runEndReason,
  '0007-risk-episodes': riskEpisodes,
  '0008-sweep-results': sweepResults,
  '0009-feed-quality': feedQuality,
  '0010-order-amend': orderAmend,
};
