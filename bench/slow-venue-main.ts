import { fileURLToPath } from 'node:url';
import { executionSettings } from '../composition/execution-settings.ts';
import { unwrap } from '../domain/result.ts';
import { BTCUSDT_SPEC, createInstrument } from '../domain/values/instrument.ts';
import type { Lots } from '../domain/values/units.ts';
import { benchDecisionSlowVenue } from './decision-bench.ts';

/**
 * Only the tick-to-decision figure with a venue that answers 5 s late (`npx tsx bench/slow-venue-main.ts`),
 * the same section `npm run bench` runs among the others.
 */
const root = fileURLToPath(new URL('..', import.meta.url));
const instrument = unwrap(createInstrument(BTCUSDT_SPEC));
const slow = await benchDecisionSlowVenue(
  `${root}models/synthetic-gbdt`,
  instrument,
  executionSettings({ policy: 'smart', capitalUsdt: 100_000, maxPositionLots: 1000 as Lots, threshold: 0.5362 }),
);
console.log(`tick to decision in the paper loop with a venue that answers ${slow.answerMs} ms late, behind the outbox: ${slow.p50Us} µs p50, ${slow.p99Us} µs p99 over ${slow.ticks} ticks that reached inference, ${slow.orders} orders, ${slow.unanswered} requests unanswered at the end (goal p99 ≤ 1 ms)`);
console.log(JSON.stringify({ tick_to_decision_slow_venue_p99_us: { value: slow.p99Us, unit: 'µs' }, tick_to_decision_slow_venue_p50_us: { value: slow.p50Us, unit: 'µs' } }));
