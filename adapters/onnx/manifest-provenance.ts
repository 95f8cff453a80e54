import { ok, type Result } from '../../domain/result.ts';
import {
  bad,
  isRecord,
  readInteger,
  readOptionalNullableNumber,
  readString,
  rejectUnknownKeys,
  type JsonRecord,
  type ManifestError,
} from './manifest-fields.ts';

export interface TrainedOn {
  /** Where the rows came from, e.g. a recording id or a data set file. */
  readonly source: string;
  /** ISO-8601 bounds of the training window. */
  readonly from?: string;
  readonly to?: string;
  readonly rows?: number;
}

/** The trainer's hyper-parameters, by name. */
export type Training = Readonly<Record<string, number | string | boolean>>;

/** One horizon's out-of-fold figures; null where a figure could not be measured. */
export interface HorizonValidation {
  readonly horizonMs: number;
  readonly ic?: number | null;
  readonly hitRate?: number | null;
}

/**
 * How the model did on out-of-fold validation, as the trainer measured it. Every field is optional;
 * a rate or coefficient is null where it could not be measured (no signals, a constant prediction),
 * since JSON has no NaN.
 */
export interface Validation {
  /** Round-trip cost a signal had to cover to count as right, bps. */
  readonly costBps?: number | null;
  /** The false-signal rate the threshold was chosen for, in [0, 1]. */
  readonly targetFalseSignalRate?: number | null;
  readonly folds?: number;
  readonly rows?: number;
  /** Information coefficient (rank correlation of score and realized move), in [−1, 1]. */
  readonly ic?: number | null;
  /** Share of signals whose sign matched the realized move, in [0, 1]. */
  readonly hitRate?: number | null;
  /** Share of signals that did not cover the cost in their direction, in [0, 1]. */
  readonly falseSignalRate?: number | null;
  readonly signals?: number;
  /** Whether a threshold meeting the target false-signal rate was found. */
  readonly thresholdMet?: boolean;
  readonly perHorizon?: readonly HorizonValidation[];
  /**
   * The final model, calibration and threshold scored once on the untouched holdout (the last rows,
   * never used to fit anything): rows with a known move, AUC, IC, hit rate on rows that moved, signals,
   * their false-signal rate and their mean move net of `costBps`. Absent in manifests older than the holdout.
   */
  readonly holdoutRows?: number;
  readonly holdoutAuc?: number | null;
  readonly holdoutIc?: number | null;
  readonly holdoutHitRate?: number | null;
  readonly holdoutFalseSignalRate?: number | null;
  readonly holdoutSignals?: number;
  readonly holdoutEdgeBps?: number | null;
}

/** Keys in the order `formatManifest` writes them. */
const RATE_FIELDS = {
  costBps: { min: 0 },
  targetFalseSignalRate: { min: 0, max: 1 },
  ic: { min: -1, max: 1 },
  hitRate: { min: 0, max: 1 },
  falseSignalRate: { min: 0, max: 1 },
  holdoutAuc: { min: 0, max: 1 },
  holdoutIc: { min: -1, max: 1 },
  holdoutHitRate: { min: 0, max: 1 },
  holdoutFalseSignalRate: { min: 0, max: 1 },
  holdoutEdgeBps: {},
} as const;
const COUNT_FIELDS = { folds: 1, rows: 0, signals: 0, holdoutRows: 0, holdoutSignals: 0 } as const;
const VALIDATION_KEYS = [
  'costBps', 'targetFalseSignalRate', 'folds', 'rows', 'ic', 'hitRate', 'falseSignalRate', 'signals', 'thresholdMet', 'perHorizon',
  'holdoutRows', 'holdoutAuc', 'holdoutIc', 'holdoutHitRate', 'holdoutFalseSignalRate', 'holdoutSignals', 'holdoutEdgeBps',
] as const;

export function readTrainedOn(v: unknown): Result<TrainedOn, ManifestError> {
  if (!isRecord(v)) return bad('trainedOn', 'must be an object');
  const unknown = rejectUnknownKeys(v, ['source', 'from', 'to', 'rows'], 'trainedOn');
  if (!unknown.ok) return unknown;
  const source = readString(v, 'source', 'trainedOn', { nonEmpty: true });
  if (!source.ok) return source;
  const trainedOn: { source: string; from?: string; to?: string; rows?: number } = { source: source.value };
  for (const key of ['from', 'to'] as const) {
    if (v[key] === undefined) continue;
    const s = readString(v, key, 'trainedOn', { nonEmpty: true });
    if (!s.ok) return s;
    trainedOn[key] = s.value;
  }
  if (v.rows !== undefined) {
    const rows = readInteger(v, 'rows', 'trainedOn', { min: 0 });
    if (!rows.ok) return rows;
    trainedOn.rows = rows.value;
  }
  return ok(trainedOn);
}

export function readTraining(v: unknown): Result<Training, ManifestError> {
  if (!isRecord(v)) return bad('training', 'must be an object of hyper-parameters');
  for (const [key, value] of Object.entries(v)) {
    const fine = typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value));
    if (!fine) return bad(`training.${key}`, 'must be a finite number, a string or a boolean');
  }
  return ok(v as Training);
}

export function readValidation(v: unknown): Result<Validation, ManifestError> {
  if (!isRecord(v)) return bad('validation', 'must be an object');
  const unknown = rejectUnknownKeys(v, VALIDATION_KEYS, 'validation');
  if (!unknown.ok) return unknown;
  const out: Record<string, unknown> = {};
  for (const [key, range] of Object.entries(RATE_FIELDS)) {
    const n = readOptionalNullableNumber(v, key, 'validation', range);
    if (!n.ok) return n;
    if (n.value !== undefined) out[key] = n.value;
  }
  for (const [key, min] of Object.entries(COUNT_FIELDS)) {
    if (v[key] === undefined) continue;
    const n = readInteger(v, key, 'validation', { min });
    if (!n.ok) return n;
    out[key] = n.value;
  }
  if (v.thresholdMet !== undefined) {
    if (typeof v.thresholdMet !== 'boolean') return bad('validation.thresholdMet', 'must be a boolean');
    out.thresholdMet = v.thresholdMet;
  }
  if (v.perHorizon !== undefined) {
    const perHorizon = readPerHorizon(v.perHorizon);
    if (!perHorizon.ok) return perHorizon;
    out.perHorizon = perHorizon.value;
  }
  return ok(out as Validation);
}

function readPerHorizon(v: unknown): Result<HorizonValidation[], ManifestError> {
  if (!Array.isArray(v)) return bad('validation.perHorizon', 'must be an array of { horizonMs, ic, hitRate }');
  const rows: HorizonValidation[] = [];
  for (let i = 0; i < v.length; i++) {
    const field = `validation.perHorizon[${i}]`;
    const item: unknown = v[i];
    if (!isRecord(item)) return bad(field, 'must be an object { horizonMs, ic, hitRate }');
    const unknown = rejectUnknownKeys(item, ['horizonMs', 'ic', 'hitRate'], field);
    if (!unknown.ok) return unknown;
    const horizonMs = readInteger(item, 'horizonMs', field, { min: 1 });
    if (!horizonMs.ok) return horizonMs;
    const row: { horizonMs: number; ic?: number | null; hitRate?: number | null } = { horizonMs: horizonMs.value };
    for (const key of ['ic', 'hitRate'] as const) {
      const n = readOptionalNullableNumber(item, key, field, RATE_FIELDS[key]);
      if (!n.ok) return n;
      if (n.value !== undefined) row[key] = n.value;
    }
    rows.push(row);
  }
  return ok(rows);
}

/** JSON-ready forms with a fixed key order; absent fields stay absent (JSON.stringify drops undefined). */
export const canonicalTrainedOn = (t: TrainedOn): object => ({ source: t.source, from: t.from, to: t.to, rows: t.rows });

export const canonicalTraining = (t: Training): object =>
  Object.fromEntries(Object.keys(t).sort().map((k) => [k, t[k]]));

export function canonicalValidation(v: Validation): object {
  const pick = v as JsonRecord;
  const out: Record<string, unknown> = {};
  for (const key of VALIDATION_KEYS) out[key] = pick[key];
  if (v.perHorizon !== undefined) out.perHorizon = v.perHorizon.map((h) => ({ horizonMs: h.horizonMs, ic: h.ic, hitRate: h.hitRate }));
  return out;
}
