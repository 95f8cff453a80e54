import { checkCalibration, type Calibration } from '../../domain/model/calibration.ts';
import { checkEnsemble, type HorizonEnsemble } from '../../domain/model/ensemble.ts';
import { ok, type Result } from '../../domain/result.ts';
import {
  bad,
  domainProblem,
  isRecord,
  missing,
  readEnum,
  readNumber,
  readNumberArray,
  readString,
  rejectUnknownKeys,
  type ManifestError,
} from './manifest-fields.ts';

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
  | { readonly kind: 'classProbabilities'; readonly tensor: string; readonly classes: readonly ClassLabel[] }
  /**
   * One regressor per horizon in one tensor [N, H], column h the predicted mid move over
   * `ensemble.horizonsMs[h]`, bps; read with `combineHorizons` (score = weighted mean, bps; confidence
   * = the calibrated agreement of the members). In the JSON the ensemble's fields sit in `output`
   * itself: `{ "kind": "horizons", "tensor", "horizonsMs", "weights", "calibration" }`.
   */
  | { readonly kind: 'horizons'; readonly tensor: string; readonly ensemble: HorizonEnsemble };

const CLASS_LABELS = ['down', 'flat', 'up'] as const;

export function readOutput(v: unknown): Result<ManifestOutput, ManifestError> {
  if (v === undefined) return missing('', 'output');
  if (!isRecord(v)) return bad('output', 'must be an object');
  const kind = readEnum(v, 'kind', 'output', ['score', 'classProbabilities', 'horizons'] as const);
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
    case 'horizons': return readHorizons(v);
  }
}

/** The output as JSON-ready data with a fixed key order. */
export function canonicalOutput(o: ManifestOutput): object {
  switch (o.kind) {
    case 'score': {
      const c = o.confidence;
      return { kind: o.kind, score: o.score, confidence: typeof c === 'string' ? c : { kind: c.kind, scale: c.scale } };
    }
    case 'classProbabilities': return { kind: o.kind, tensor: o.tensor, classes: o.classes };
    case 'horizons': return {
      kind: o.kind,
      tensor: o.tensor,
      horizonsMs: o.ensemble.horizonsMs,
      weights: o.ensemble.weights,
      calibration: o.ensemble.calibration.map(canonicalCalibration),
      combined: o.ensemble.combined === undefined ? undefined : canonicalCalibration(o.ensemble.combined),
    };
  }
}

const canonicalCalibration = (c: Calibration): object => (c.kind === 'platt' ? { kind: c.kind, a: c.a, b: c.b } : { kind: c.kind, x: c.x, y: c.y });

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

/** The JSON shapes are read here; the domain's checks (ordering, counts, ranges) then run on the values. */
function readHorizons(v: Readonly<Record<string, unknown>>): Result<ManifestOutput, ManifestError> {
  const unknown = rejectUnknownKeys(v, ['kind', 'tensor', 'horizonsMs', 'weights', 'calibration', 'combined'], 'output');
  if (!unknown.ok) return unknown;
  const tensor = readString(v, 'tensor', 'output', { nonEmpty: true });
  if (!tensor.ok) return tensor;
  const horizonsMs = readNumberArray(v.horizonsMs, 'output.horizonsMs');
  if (!horizonsMs.ok) return horizonsMs;
  const weights = readNumberArray(v.weights, 'output.weights');
  if (!weights.ok) return weights;
  if (v.calibration === undefined) return missing('output', 'calibration');
  if (!Array.isArray(v.calibration)) return bad('output.calibration', 'must be an array with one calibration per horizon');
  const calibration: Calibration[] = [];
  for (let i = 0; i < v.calibration.length; i++) {
    const c = readCalibration(v.calibration[i] as unknown, `output.calibration[${i}]`);
    if (!c.ok) return c;
    calibration.push(c.value);
  }
  const combined = v.combined === undefined ? ok(undefined) : readCalibration(v.combined, 'output.combined');
  if (!combined.ok) return combined;
  const ensemble: HorizonEnsemble = {
    horizonsMs: horizonsMs.value, weights: weights.value, calibration, ...(combined.value === undefined ? {} : { combined: combined.value }),
  };
  const problem = checkEnsemble(ensemble);
  if (problem !== null) return domainProblem('output', problem);
  return ok({ kind: 'horizons', tensor: tensor.value, ensemble });
}

function readCalibration(v: unknown, field: string): Result<Calibration, ManifestError> {
  if (!isRecord(v)) return bad(field, 'must be an object: { "kind": "isotonic", "x", "y" } or { "kind": "platt", "a", "b" }');
  const kind = readEnum(v, 'kind', field, ['isotonic', 'platt'] as const);
  if (!kind.ok) return kind;
  let c: Calibration;
  if (kind.value === 'platt') {
    const unknown = rejectUnknownKeys(v, ['kind', 'a', 'b'], field);
    if (!unknown.ok) return unknown;
    const a = readNumber(v, 'a', field);
    if (!a.ok) return a;
    const b = readNumber(v, 'b', field);
    if (!b.ok) return b;
    c = { kind: 'platt', a: a.value, b: b.value };
  } else {
    const unknown = rejectUnknownKeys(v, ['kind', 'x', 'y'], field);
    if (!unknown.ok) return unknown;
    const x = readNumberArray(v.x, `${field}.x`);
    if (!x.ok) return x;
    const y = readNumberArray(v.y, `${field}.y`);
    if (!y.ok) return y;
    c = { kind: 'isotonic', x: x.value, y: y.value };
  }
  const problem = checkCalibration(c);
  return problem === null ? ok(c) : domainProblem(field, problem);
}
