import { basename } from 'node:path';
import { exportColumns, horizonLabel, type ExportSummary } from '../application/feature-export.ts';
import type { HorizonSupport } from '../application/horizon-support.ts';
import type { ExportLabels } from '../application/ports/feature-sink.ts';
import { formatSpan } from '../application/report-facts.ts';
import type { FeatureDefinition } from '../domain/features/definitions.ts';
import { schemaPathOf } from '../adapters/export/csv-sink.ts';

export interface SummaryContext {
  readonly out: string;
  readonly definitions: readonly FeatureDefinition[];
  readonly added: readonly string[];
  readonly labels: ExportLabels | null;
  /** The horizons kept and dropped for want of windows; null when none was checked. */
  readonly support?: HorizonSupport | null;
  readonly minWindows?: number;
}

/** The one-screen end-of-export summary, for a person. */
export function formatExportSummary(s: ExportSummary, c: SummaryContext): string {
  const seconds = s.elapsedMicros / 1e6;
  const rate = seconds > 0 ? Math.round(s.rows / seconds) : 0;
  const n = (x: number): string => x.toLocaleString('en-US');
  const row = (label: string, text: string): string => `  ${label.padEnd(10)}${text}`;
  const columns = exportColumns(c.definitions, c.labels).length;
  const labels = c.labels === null ? 'none' : `${c.labels.horizonsMicros.map(horizonLabel).join(', ')}; dead zone ±${c.labels.deadZoneBps} bps`;
  return [
    `Ladder feature export → ${c.out}`,
    row('rows', `${n(s.rows)} (${n(s.warmRows)} warm) from ${n(s.bookFrames)} book frames of ${n(s.frames)} frames`),
    row('schema', `${s.schemaId}: ${c.definitions.length} features, ${columns} columns${c.added.length === 0 ? '' : ` (added: ${c.added.join(', ')})`}`),
    row('labels', labels),
    ...dropLines(c, row),
    row('files', `${c.out}, ${basename(schemaPathOf(c.out))}`),
    row('time', `${seconds.toFixed(2)} s (${n(rate)} rows/s)`),
    row('integrity', `malformed ${s.malformed}, sequence gaps ${s.gaps}, resyncs ${s.resyncs}`),
  ].join('\n');
}

/** A line for each horizon dropped for want of windows, or one saying none had them (then all were kept). */
function dropLines(c: SummaryContext, row: (label: string, text: string) => string): string[] {
  const s = c.support ?? null;
  if (s === null) return [];
  const span = formatSpan(s.spanMicros);
  if (s.noneSupported) {
    const shortest = c.labels?.horizonsMicros[0] ?? 0;
    return [row('horizons', `none has ${c.minWindows} windows in the data's ${span} (the shortest, ${horizonText(shortest)}, needs ${formatSpan(shortest * (c.minWindows ?? 0))}); every horizon kept`)];
  }
  return s.dropped.map((d) => row('dropped', `horizon ${horizonText(d.horizonMicros)}: ${d.windows} windows in the data's ${span}, fewer than ${c.minWindows}`));
}

/** A horizon as the trainer prints it: `5 s`, `2 min`. */
function horizonText(micros: number): string {
  return micros >= 60_000_000 && micros % 60_000_000 === 0 ? `${micros / 60_000_000} min` : `${micros / 1e6} s`;
}
