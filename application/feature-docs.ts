import type { FeatureDefinition } from '../domain/features/definitions.ts';

/** A span of venue time for a person: `—` for none, `100 ms`, `1 s`, `102.4 s`. */
export function formatSpan(micros: number): string {
  if (micros === 0) return '—';
  if (micros < 1_000_000) return `${micros / 1000} ms`;
  return `${micros / 1_000_000} s`;
}

/** A table cell: a pipe would end the cell and a line break the row. */
function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

/**
 * The feature table of docs/features.md (and `ladder features --list`): one row per feature, in the
 * order given, with its name, group, unit, window, warm-up, whether it is stationary (see
 * `FeatureDefinition.stationary`) and one-line definition.
 */
export function renderFeatureTable(definitions: readonly FeatureDefinition[]): string {
  const lines = ['| name | group | unit | window | warm-up | stationary | definition |', '|---|---|---|---|---|---|---|'];
  for (const d of definitions) {
    lines.push(`| \`${d.name}\` | ${d.group} | ${cell(d.unit)} | ${formatSpan(d.windowMicros)} | ${formatSpan(d.warmupMicros)} | ${d.stationary ? 'yes' : 'no (price level)'} | ${cell(d.definition)} |`);
  }
  return lines.join('\n');
}

/** The markers around the generated table in docs/features.md. */
export const TABLE_BEGIN = '<!-- features:begin -->';
export const TABLE_END = '<!-- features:end -->';

/** The text between the markers of a document, trimmed; null when either marker is missing. */
export function tableInDocument(document: string): string | null {
  const begin = document.indexOf(TABLE_BEGIN);
  const end = document.indexOf(TABLE_END);
  if (begin < 0 || end < begin) return null;
  return document.slice(begin + TABLE_BEGIN.length, end).trim();
}
