import { createSchema } from '../../domain/features/feature-vector.ts';
import { err, ok, type Result } from '../../domain/result.ts';
import {
  bad,
  isRecord,
  missing,
  readEnum,
  readInteger,
  readNumber,
  readString,
  rejectUnknownKeys,
  type ManifestError,
} from './manifest-fields.ts';

export type { ManifestError } from './manifest-fields.ts';
export { describeManifestError } from './manifest-fields.ts';

/** The file beside `model.onnx` that says what the model eats and how to read what it returns. */
export const MANIFEST_FILE = 'manifest.json';
export const MODEL_FILE = 'model.onnx';

export type ClassLabel = 'down' | 'flat' | 'up';

/**
 * Where confidence comes from for a model that outputs a score: a tensor of the model (name), or
 * computed here as |tanh(score / scale)| for a plain regressor that has no confidence output.
 */
export type ConfidenceSource = string | { readonly kind: 'tanh'; readonly scale: number };

export type ManifestOutput =
  /** The model outputs the score itself, [N, 1] or [N]. */
  | { readonly kind: 'score'; readonly score: string; readonly confidence: ConfidenceSource }
  /**
   * The model outputs class probabilities [N, C], column j for `classes[j]`, which must name 'down'
   * and 'up' once each ('flat' is optional). Then score = P(up) − P(down) in [−1, 1] and
   * confidence = the largest probability, so a confident 'flat' gives a high confidence but a score
   * near zero.
   */
  | { readonly kind: 'classProbabilities'; readonly tensor: string; readonly classes: readonly ClassLabel[] };

export interface TrainedOn {
  /** Where the rows came from, e.g. a recording id or a data set file. */
  readonly source: string;
  /** ISO-8601 bounds of the training window. */
  readonly from?: string;
  readonly to?: string;
  readonly rows?: number;
}

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
  readonly horizonMs: number;
  readonly output: ManifestOutput;
  readonly scoreMeaning: string;
  /** Minimum confidence to trade, in [0, 1]. */
  readonly threshold: number;
  /** True for a hand-set model that was not trained. */
  readonly baseline?: boolean;
  readonly trainedOn?: TrainedOn;
}

const MANIFEST_KEYS = [
  'id', 'description', 'featureNames', 'featureVersions', 'schemaId', 'horizonMs', 'output', 'scoreMeaning', 'threshold',
  'baseline', 'trainedOn',
] as const;
const CLASS_LABELS = ['down', 'flat', 'up'] as const;

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
  if (json.baseline !== undefined && typeof json.baseline !== 'boolean') return bad('baseline', 'must be a boolean');
  const trainedOn = json.trainedOn === undefined ? ok(undefined) : readTrainedOn(json.trainedOn);
  if (!trainedOn.ok) return trainedOn;
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
    ...(json.baseline === undefined ? {} : { baseline: json.baseline }),
    ...(trainedOn.value === undefined ? {} : { trainedOn: trainedOn.value }),
  });
}

/** The manifest as JSON text with a fixed key order, so the same manifest always gives the same bytes. */
export function formatManifest(m: Manifest): string {
  const output = m.output.kind === 'score'
    ? { kind: m.output.kind, score: m.output.score, confidence: canonicalConfidence(m.output.confidence) }
    : { kind: m.output.kind, tensor: m.output.tensor, classes: m.output.classes };
  const trainedOn = m.trainedOn === undefined ? undefined : {
    source: m.trainedOn.source, from: m.trainedOn.from, to: m.trainedOn.to, rows: m.trainedOn.rows,
  };
  const canonical = {
    id: m.id,
    description: m.description,
    featureNames: m.featureNames,
    featureVersions: m.featureVersions,
    schemaId: m.schemaId,
    horizonMs: m.horizonMs,
    output,
    scoreMeaning: m.scoreMeaning,
    threshold: m.threshold,
    baseline: m.baseline,
    trainedOn,
  };
  return `${JSON.stringify(canonical, null, 2)}\n`;
}

const canonicalConfidence = (c: ConfidenceSource): ConfidenceSource =>
  (typeof c === 'string' ? c : { kind: c.kind, scale: c.scale });

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

function readOutput(v: unknown): Result<ManifestOutput, ManifestError> {
  if (v === undefined) return missing('', 'output');
  if (!isRecord(v)) return bad('output', 'must be an object');
  const kind = readEnum(v, 'kind', 'output', ['score', 'classProbabilities'] as const);
  if (!kind.ok) return kind;
  switch (kind.value) {
    case 'score': {
      const unknown = rejectUnknownKeys(v, ['kind', 'score', 'confidence'], 'output');
      if (!unknown.ok) return unknown;
      const score = readString(v, 'score', 'output', { nonEmpty: true });
      if (!score.ok) return score;
      const confidence = readConfidence(v.confidence);
      if (!confidence.ok) return confidence;
      return ok({ kind: 'score', score: score.value, confidence: confidence.value });
    }
    case 'classProbabilities': {
      const unknown = rejectUnknownKeys(v, ['kind', 'tensor', 'classes'], 'output');
      if (!unknown.ok) return unknown;
      const tensor = readString(v, 'tensor', 'output', { nonEmpty: true });
      if (!tensor.ok) return tensor;
      const classes = readClasses(v.classes);
      if (!classes.ok) return classes;
      return ok({ kind: 'classProbabilities', tensor: tensor.value, classes: classes.value });
    }
  }
}

function readConfidence(v: unknown): Result<ConfidenceSource, ManifestError> {
  if (v === undefined) return missing('output', 'confidence');
  if (typeof v === 'string' && v !== '') return ok(v);
  if (!isRecord(v)) return bad('output.confidence', 'must be an output name or { "kind": "tanh", "scale": number }');
  const unknown = rejectUnknownKeys(v, ['kind', 'scale'], 'output.confidence');
  if (!unknown.ok) return unknown;
  const kind = readEnum(v, 'kind', 'output.confidence', ['tanh'] as const);
  if (!kind.ok) return kind;
  const scale = readNumber(v, 'scale', 'output.confidence', { min: Number.MIN_VALUE });
  if (!scale.ok) return scale;
  return ok({ kind: kind.value, scale: scale.value });
}

function readClasses(v: unknown): Result<ClassLabel[], ManifestError> {
  if (v === undefined) return missing('output', 'classes');
  if (!Array.isArray(v)) return bad('output.classes', "must be an array of 'down', 'flat', 'up'");
  const classes: ClassLabel[] = [];
  for (let i = 0; i < v.length; i++) {
    const label: unknown = v[i];
    const known = CLASS_LABELS.find((c) => c === label);
    if (known === undefined) return bad(`output.classes[${i}]`, "must be one of 'down', 'flat', 'up'");
    if (classes.includes(known)) return bad(`output.classes[${i}]`, `must be unique, but '${known}' appears twice`);
    classes.push(known);
  }
  if (!classes.includes('down') || !classes.includes('up')) return bad('output.classes', "must include 'down' and 'up'");
  return ok(classes);
}

function readTrainedOn(v: unknown): Result<TrainedOn, ManifestError> {
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
