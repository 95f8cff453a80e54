import type { FeedQualityRecord } from '../application/ports/trading-store.ts';

/**
 * The report's line on the feed's quality from the run's stored minutes: the lowest minute, when it
 * began (UTC, to the minute) and what cost it points, then the mean over the minutes scored. A run
 * shorter than a minute, or stored before the score was, has none.
 */
export function feedQualityLine(minutes: readonly FeedQualityRecord[]): string {
  const row = (text: string): string => `  ${'feed'.padEnd(10)}${text}`;
  if (minutes.length === 0) return row('quality not scored (no whole minute of market data stored for the run)');
  let worst = minutes[0];
  let sum = 0;
  for (const m of minutes) {
    sum += m.score;
    if (m.score < worst.score) worst = m;
  }
  const faults = [
    [worst.gaps, 'gaps'], [worst.resyncs, 'resyncs'], [worst.crossed, 'crossed books'], [worst.stalePeriods, 'stale periods'],
    [worst.malformed, 'malformed frames'], [worst.tickerMismatches, 'ticker mismatches'],
  ].filter(([n]) => (n as number) > 0).map(([n, what]) => `${n as number} ${what as string}`);
  if (worst.notLive > 0) faults.push(`${(worst.notLive / 1e6).toFixed(1)} s not LIVE`);
  const at = new Date(Math.floor(worst.start / 1000)).toISOString().slice(0, 16).replace('T', ' ');
  return row(
    `quality lowest ${worst.score}/100 in the minute from ${at} UTC (${faults.length === 0 ? 'no fault counted' : faults.join(', ')}), ` +
      `mean ${(sum / minutes.length).toFixed(1)} over ${minutes.length} minutes`,
  );
}
