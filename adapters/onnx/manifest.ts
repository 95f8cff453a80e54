import { createSchema } from '../../domain/features/feature-vector.ts';
import { err, ok, type Result } from '../../domain/result.ts';
import {
  bad,
  isRecord,
  missing,
  readInteger,
  readNumber,
  readString,
  rejectUnknownKeys,
  type ManifestError,
} from './manifest-fields.ts';
import { canonicalOutput, readOutput, type ManifestOutput } from './manifest-output.ts';
import {
  canonicalTrainedOn,
  canonicalTraining,
  canonicalValidation,
  readTrainedOn,
  readTraining,
  readValidation,
  type TrainedOn,
  type Training,
  type Validation,
} from './manifest-provenance.ts';

export type { ManifestError } from './manifest-fields.ts';
export { describeManifestError } from './manifest-fields.ts';

/** The file beside `model.onnx` that says what the model eats and how to read what it returns. */
export const MANIFEST_FILE = 'manifest.json';
export const MODEL_FILE = 'model.onnx';

export type { ClassLabel, ConfidenceSource, ManifestOutput } from './manifest-output.ts';
export type { HorizonValidation, TrainedOn, Training, Validation } from './manifest-provenance.ts';

export interface Manifest {
  readonly id: string;
  readonly description: string;
  /** In model input order. */
  readonly featureNames: readonly string[];
  /**
   * The definition version of each feature the model was trained on, in `featureNames` order; 1 for
   * every feature when absent. A feature whose definition has changed since gives another schema id.
   */
  readonly featureVersions?: readonly number[];
  /** Must equal `createSchema(featureNames, featureVersions).id`. */
  readonly schemaId: string;
  /** The signal's horizon; for a horizons ensemble, its primary horizon. */
  readonly horizonMs: number;
  readonly output: ManifestOutput;
  readonly scoreMeaning: string;
  /** Minimum confidence to trade, in [0, 1]. */
  readonly threshold: number;
  /** True for a hand-set model that was not trained. */
  readonly baseline?: boolean;
  readonly trainedOn?: TrainedOn;
  /** True when the model was trained on the synthetic market, not on recorded data. */
  readonly synthetic?: boolean;
  readonly training?: Training;
  readonly validation?: Validation;
  /**
   * Why the model must never signal (no threshold met its false-signal target on validation data, or
   * no member predicted its horizon); absent for a model that may trade.
   */
  readonly abstain?: string;
}

const MANIFEST_KEYS = [
  'id', 'description', 'featureNames', 'featureVersions', 'schemaId', 'horizonMs', 'output', 'scoreMeaning', 'threshold',
  'baseline', 'trainedOn', 'synthetic', 'training', 'validation', 'abstain',
] as const;

/**
 * What a trading run should say about a model's validation before it trades: that it abstains (and
 * never signals), or that its holdout edge is not positive. Empty for a model with a positive holdout
 * edge and for one without holdout figures (trained before the holdout existed, or hand-set).
 */
export function validationProblems(m: Manifest): string[] {
  const problems: string[] = [];
  if (m.abstain !== undefined) problems.push(`model ${m.id} abstains and will never signal: ${m.abstain}`);
  const edge = m.validation?.holdoutEdgeBps;
  if (m.abstain === undefined && m.validation?.holdoutRows !== undefined && !(typeof edge === 'number' && edge > 0)) {
    problems.push(`model ${m.id} has no positive edge on its holdout (${typeof edge === 'number' ? `${edge.toFixed(2)} bps a signal net of cost` : 'no signal'})`);
  }
  return problems;
}

/** Parses and validates a manifest; every error names the offending field. */
export function readManifest(text: string): Result<Manifest, ManifestError> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    return err({ kind: 'ManifestNotJson', message: e instanceof Error ? e.message : String(e) });
  }
  if (!isRecord(json)) return bad('', 'must be a JSON object');
  const unknown = rejectUnknownKeys(json, MANIFEST_KEYS, '');
  if (!unknown.ok) return unknown;
  const id = readString(json, 'id', '', { nonEmpty: true });
  if (!id.ok) return id;
  const description = readString(json, 'description', '');
  if (!description.ok) return description;
  const featureNames = readFeatureNames(json.featureNames);
  if (!featureNames.ok) return featureNames;
  const featureVersions = json.featureVersions === undefined ? ok(undefined) : readFeatureVersions(json.featureVersions, featureNames.value.length);
  if (!featureVersions.ok) return featureVersions;
  const schemaId = readString(json, 'schemaId', '', { nonEmpty: true });
  if (!schemaId.ok) return schemaId;
  const computed = schemaIdOf(featureNames.value, featureVersions.value);
  if (!computed.ok) return computed;
  if (schemaId.value !== computed.value) {
    return err({ kind: 'ManifestSchemaIdMismatch', declared: schemaId.value, computed: computed.value });
  }
  const horizonMs = readInteger(json, 'horizonMs', '', { min: 1 });
  if (!horizonMs.ok) return horizonMs;
  const output = readOutput(json.output);
  if (!output.ok) return output;
  const scoreMeaning = readString(json, 'scoreMeaning', '', { nonEmpty: true });
  if (!scoreMeaning.ok) return scoreMeaning;
  const threshold = readNumber(json, 'threshold', '', { min: 0, max: 1 });
  if (!threshold.ok) return threshold;
  for (const flag of ['baseline', 'synthetic'] as const) {
    if (json[flag] !== undefined && typeof json[flag] !== 'boolean') return bad(flag, 'must be a boolean');
  }
  const trainedOn = json.trainedOn === undefined ? ok(undefined) : readTrainedOn(json.trainedOn);
  if (!trainedOn.ok) return trainedOn;
  const training = json.training === undefined ? ok(undefined) : readTraining(json.training);
  if (!training.ok) return training;
  const validation = json.validation === undefined ? ok(undefined) : readValidation(json.validation);
  if (!validation.ok) return validation;
  const abstain = json.abstain === undefined ? ok(undefined) : readString(json, 'abstain', '', { nonEmpty: true });
  if (!abstain.ok) return abstain;
  return ok({
    id: id.value,
    description: description.value,
    featureNames: featureNames.value,
    ...(featureVersions.value === undefined ? {} : { featureVersions: featureVersions.value }),
    schemaId: schemaId.value,
    horizonMs: horizonMs.value,
    output: output.value,
    scoreMeaning: scoreMeaning.value,
    threshold: threshold.value,
    ...(typeof json.baseline === 'boolean' ? { baseline: json.baseline } : {}),
    ...(trainedOn.value === undefined ? {} : { trainedOn: trainedOn.value }),
    ...(typeof json.synthetic === 'boolean' ? { synthetic: json.synthetic } : {}),
    ...(training.value === undefined ? {} : { training: training.value }),
    ...(validation.value === undefined ? {} : { validation: validation.value }),
    ...(abstain.value === undefined ? {} : { abstain: abstain.value }),
  });
}

/** The manifest as JSON text with a fixed key order, so the same manifest always gives the same bytes. */
export function formatManifest(m: Manifest): string {
  const canonical = {
    id: m.id,
    description: m.description,
    featureNames: m.featureNames,
    featureVersions: m.featureVersions,
    schemaId: m.schemaId,
    horizonMs: m.horizonMs,
    output: canonicalOutput(m.output),
    scoreMeaning: m.scoreMeaning,
    threshold: m.threshold,
    baseline: m.baseline,
    trainedOn: m.trainedOn === undefined ? undefined : canonicalTrainedOn(m.trainedOn),
    synthetic: m.synthetic,
    training: m.training === undefined ? undefined : canonicalTraining(m.training),
    validation: m.validation === undefined ? undefined : canonicalValidation(m.validation),
    abstain: m.abstain,
  };
  return `${JSON.stringify(canonical, null, 2)}\n`;
}

function readFeatureNames(v: unknown): Result<string[], ManifestError> {
  if (v === undefined) return missing('', 'featureNames');
  if (!Array.isArray(v) || v.length === 0) return bad('featureNames', 'must be a non-empty array of strings');
  const names: string[] = [];
  for (let i = 0; i < v.length; i++) {
    const name: unknown = v[i];
    if (typeof name !== 'string' || name === '') return bad(`featureNames[${i}]`, 'must be a non-empty string');
    const first = names.indexOf(name);
    if (first >= 0) return bad(`featureNames[${i}]`, `must be unique, but '${name}' is also featureNames[${first}]`);
    names.push(name);
  }
  return ok(names);
}

function readFeatureVersions(v: unknown, count: number): Result<number[], ManifestError> {
  if (!Array.isArray(v) || v.length !== count) return bad('featureVersions', `must be an array of ${count} positive integers, one per feature name`);
  for (let i = 0; i < v.length; i++) {
    const version: unknown = v[i];
    if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) return bad(`featureVersions[${i}]`, 'must be a positive integer');
  }
  return ok(v as number[]);
}

/** The domain owns the rules for feature names (createSchema throws on a name it refuses). */
function schemaIdOf(names: readonly string[], versions: readonly number[] | undefined): Result<string, ManifestError> {
  try {
    return ok(createSchema(names, versions).id);
  } catch (e) {
    return bad('featureNames', `do not form a feature schema: ${e instanceof Error ? e.message : String(e)}`);
  }
}
