import { existsSync, readFileSync, statSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isTrainingReport, renderTrainingReportHtml, type TrainingReportJson } from '../adapters/dashboard/training-report-html.ts';
import { ConfigError } from './config.ts';
import { checkWritable } from './input-check.ts';
import { printable } from './user-error.ts';

/** True when `path` names a directory: `ladder report DIR` then means a training run, not a stored run's id. */
export function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/**
 * `ladder report --model DIR [--html FILE]`: the training run `ladder train --out DIR` left, read from
 * its report.json (and the manifest beside it for the model's id and command), as an HTML page or a
 * few lines of text. Each way the directory can be wrong is one line naming the file.
 */
export async function trainingReportCommand(dir: string, html: string | undefined, out: (text: string) => void): Promise<number> {
  if (!isDirectory(dir)) throw new ConfigError('--model', `directory not found: ${printable(dir)}`);
  const file = join(dir, 'report.json');
  if (!existsSync(file)) throw new ConfigError('--model', `${printable(file)} not found: give the directory ladder train --out DIR wrote`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ConfigError('--model', `${printable(file)} is not readable JSON: ${printable((error as Error).message, 120)}`);
  }
  if (!isTrainingReport(parsed)) throw new ConfigError('--model', `${printable(file)} is not the report of a ladder train run (no holdout figures)`);
  const meta = { dir, ...manifestFacts(join(dir, 'manifest.json')) };
  if (html === undefined) {
    out(formatTrainingText(parsed, meta.modelId ?? dir));
    return 0;
  }
  await checkWritable('--html', html);
  await writeFile(html, renderTrainingReportHtml(parsed, meta));
  out(`training report of ${dir} written to ${html}`);
  return 0;
}

/** The model's id and training command from its manifest; nulls when it is absent or says nothing. */
function manifestFacts(file: string): { modelId: string | null; command: string | null } {
  try {
    const m = JSON.parse(readFileSync(file, 'utf8')) as { id?: unknown; training?: { command?: unknown } };
    return { modelId: typeof m.id === 'string' ? m.id : null, command: typeof m.training?.command === 'string' ? m.training.command : null };
  } catch {
    return { modelId: null, command: null };
  }
}

function formatTrainingText(r: TrainingReportJson, name: string): string {
  const h = r.holdout;
  const n = (x: number | null, digits: number): string => (x === null ? 'n/a' : x.toFixed(digits));
  const pct = (x: number | null): string => (x === null ? 'n/a' : `${(x * 100).toFixed(1)}%`);
  const base = (label: string, b: TrainingReportJson['baselines']['obi_sign']): string =>
    b === null ? `    ${label}  n/a (the data lacks the feature)` : `    ${label}  AUC ${n(b.auc, 3)}  hit ${pct(b.hit_rate)}  ${b.signals} signals, false ${pct(b.false_signal_rate)}, edge ${n(b.edge_bps, 2)} bps`;
  return [
    `Ladder training report ${name}`,
    `  HOLDOUT   ${h.rows} rows, cost ${n(h.cost_bps, 2)} bps: AUC ${n(h.auc, 3)}, IC ${n(h.ic, 3)}, hit rate ${pct(h.hit_rate)} (rows that moved)`,
    h.abstain
      ? `  ABSTAINS  the model never signals: ${h.abstain_reason ?? 'no reason recorded'}`
      : `  signals   ${h.signals} at threshold ${n(h.threshold, 4)}: false-signal rate ${pct(h.false_signal_rate)}, edge ${n(h.edge_bps, 2)} bps a signal net of cost`,
    '  baselines on the same rows',
    base('obi_sign', r.baselines.obi_sign),
    base('ofi_sign', r.baselines.ofi_sign),
    '  ladder report --model DIR --html FILE writes the whole report (per horizon, reliability, importance, false signals, folds)',
  ].join('\n');
}
