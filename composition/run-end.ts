import type { RiskEventRecord } from '../application/ports/trading-store.ts';

/** A circuit-breaker trip still in force when a run ended: what tripped, why and when. */
export interface EndTrip {
  /** The trip: `kill`, `drawdown`, `dataIntegrity`, `staleFeed`… */
  readonly cause: string;
  readonly reason: string;
  /** When it tripped, µs since the Unix epoch (the run's clock). */
  readonly ts: number;
  /** HALTED or REDUCING. */
  readonly level: string;
}

/** The trips in force after the run's risk events (a trip stays until the same cause clears it), oldest first. */
export function tripsInForce(events: readonly Pick<RiskEventRecord, 'kind' | 'cause' | 'reason' | 'ts' | 'state'>[]): EndTrip[] {
  const trips = new Map<string, EndTrip>();
  for (const e of events) {
    if (e.kind === 'trip') {
      trips.delete(e.cause);
      trips.set(e.cause, { cause: e.cause, reason: e.reason, ts: e.ts, level: e.state });
    } else if (e.kind === 'clear') {
      trips.delete(e.cause);
    }
  }
  return [...trips.values()];
}

/** How a run ended, in the words of the summary's first line. */
export type EndState = 'completed' | 'halted' | 'input cut short' | 'stopped by SIGINT' | 'stopped by SIGTERM';

/**
 * The end state and, for a halted run, what held it: the kill switch first (an operator's act),
 * else the most recent HALTED trip; a run that never saw a LIVE book says so.
 */
export function describeEnd(state: EndState, riskState: string | null, trips: readonly EndTrip[]): string {
  const halted = riskState === 'HALTED';
  const head = state === 'completed' && halted ? 'ended halted' : `ended ${state}`;
  if (!halted) return head;
  const halting = trips.filter((t) => t.level === 'HALTED');
  const trip = halting.find((t) => t.cause === 'kill') ?? halting.at(-1) ?? null;
  if (trip === null) return `${head} (risk HALTED: no LIVE order book was ever built from the input)`;
  const others = halting.length - 1;
  // The risk manager words a kill as "kill switch: <reason>"; the label says it once.
  const reason = trip.reason.replace(/^kill switch: /, '');
  return `${head} (${trip.cause === 'kill' ? 'kill switch' : `${trip.cause} trip`}: ${reason}, at ${isoMicros(trip.ts)}${others > 0 ? `; ${others} more trip${others === 1 ? '' : 's'} in force` : ''})`;
}

/** µs since the epoch as an ISO time (ms precision); `before the first event` for the zero time. */
export function isoMicros(micros: number): string {
  if (micros <= 0) return 'the start';
  return new Date(Math.floor(micros / 1000)).toISOString();
}

/**
 * The report's lines on how a stored run ended: its end state with the trip that held it, every trip
 * set during the run by cause, and the position it was left with (a killed run's should be flat).
 */
export function endLines(summary: Readonly<Record<string, unknown>> | null, ended: boolean, events: readonly RiskEventRecord[]): string[] {
  const row = (label: string, text: string): string => `  ${label.padEnd(10)}${text}`;
  if (summary === null) return [row('ended', ended ? 'no summary stored' : 'not ended: still running, or stopped without its summary (a crash)')];
  const execution = summary.execution as { riskState?: string } | null | undefined;
  const position = summary.position as { qty?: string; avgEntry?: string | null } | undefined;
  const counts = new Map<string, number>();
  for (const e of events) if (e.kind === 'trip') counts.set(e.cause, (counts.get(e.cause) ?? 0) + 1);
  const trips = [...counts].map(([cause, n]) => `${cause === 'kill' ? 'kill switch' : cause} ${n}`).join(', ');
  return [
    row('ended', describeEnd('completed', execution?.riskState ?? null, tripsInForce(events)).replace(/^ended /, '')),
    row('halts', trips === '' ? 'no circuit-breaker trip' : `trips during the run: ${trips}`),
    row('left', `position ${position?.qty ?? 'n/a'} BTC${position?.avgEntry === null || position?.avgEntry === undefined ? '' : ` @ ${position.avgEntry}`}`),
  ];
}
