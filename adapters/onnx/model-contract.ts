import { FEATURES } from '../../domain/features/definitions.ts';
import { err, ok, type Result } from '../../domain/result.ts';
import type { Manifest } from './manifest.ts';
import type { ModelLoadProblem } from './model-load-problem.ts';
import { opsetVersion, type OnnxInspection } from './onnx-inspect.ts';
import { describeType, type ValueSpec, type ValueType } from './onnx-types.ts';
import type { Readout } from './output-readout.ts';

/**
 * The newest ai.onnx.ml opset accepted. The exporters in use (onnxmltools, skl2onnx) target at most 4.
 * onnxruntime-node 1.30 also loads opset 5 (where TreeEnsemble v5 replaces TreeEnsembleRegressor and
 * -Classifier) and refuses 6, but no opset-5 model has been run through this adapter yet.
 */
export const MAX_ML_OPSET = 4;

/** What the adapter feeds: the one graph input, a float32 row of the manifest's features. */
export interface ModelInput {
  readonly name: string;
  readonly features: number;
}

/** What loading settled: the input to feed, how to read the outputs, and what the caller should log. */
export interface ModelContract {
  readonly input: ModelInput;
  readonly readout: Readout;
  /** Things that load but deserve a line in the log (a ZipMap output read through its tensor). */
  readonly warnings: readonly string[];
}

/**
 * Checks a model file's declared interface against its manifest before any session exists, so a
 * mismatch is refused with a reason instead of failing on the first prediction.
 *
 * ZipMap: onnxruntime-node cannot return a sequence of maps. When the manifest names such an output
 * and the model also returns the probabilities as a float tensor of the right width — the ZipMap
 * node's own input when that is a graph output, else the only fitting float tensor — the model loads
 * and reads that tensor, with a warning saying so. Otherwise it is refused with advice on exporting
 * without ZipMap.
 */
export function checkModelContract(
  model: OnnxInspection,
  manifest: Manifest,
  file: string,
): Result<ModelContract, ModelLoadProblem> {
  const ml = opsetVersion(model, 'ai.onnx.ml');
  if (ml !== undefined && ml > MAX_ML_OPSET) {
    return err({ kind: 'OpsetUnsupported', file, domain: 'ai.onnx.ml', version: ml, max: MAX_ML_OPSET });
  }
  const input = checkInput(model.inputs, manifest.featureNames.length, file);
  if (!input.ok) return input;
  const warnings: string[] = [];
  const readout = resolveReadout(manifest, (name, perRow) => {
    const resolved = resolveRowOutput(model, name, perRow, file);
    if (resolved.ok && resolved.value !== name) {
      const type = describeType(model.outputs.find((o) => o.name === name)?.type ?? { kind: 'other' });
      warnings.push(`${file}: output '${name}' is ${type} (a ZipMap-style output), which onnxruntime-node cannot `
        + `return; reading the tensor output '${resolved.value}' instead`);
    }
    return resolved;
  });
  if (!readout.ok) return readout;
  return ok({ input: input.value, readout: readout.value, warnings });
}

/**
 * Trading feeds the model the feature engine's vectors, so every manifest feature must be a registry
 * feature at the registry's definition version. Not needed to inspect or run a model by hand.
 */
export function checkFeatureRegistry(manifest: Manifest, file: string): Result<void, ModelLoadProblem> {
  for (let i = 0; i < manifest.featureNames.length; i++) {
    const name = manifest.featureNames[i];
    const definition = REGISTRY.get(name);
    if (definition === undefined) return err({ kind: 'FeatureUnknown', file, index: i, name, near: nearNames(name) });
    const version = manifest.featureVersions?.[i] ?? 1;
    if (version !== definition.version) {
      return err({ kind: 'FeatureVersionMismatch', file, index: i, name, version, current: definition.version });
    }
  }
  return ok(undefined);
}

const REGISTRY = new Map(FEATURES.map((f) => [f.name, f]));

/** Up to three registry names within a few edits of `name`, or containing it, nearest first. */
function nearNames(name: string): string[] {
  const limit = Math.max(2, Math.floor(name.length / 4));
  return FEATURES
    .map((f) => ({ name: f.name, d: f.name.includes(name) || name.includes(f.name) ? 0.5 : editDistance(name, f.name) }))
    .filter((c) => c.d <= limit)
    .sort((a, b) => a.d - b.d || a.name.localeCompare(b.name))
    .slice(0, 3)
    .map((c) => c.name);
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row.push(Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1)));
    }
    prev = row;
  }
  return prev[b.length];
}

function checkInput(inputs: readonly ValueSpec[], features: number, file: string): Result<ModelInput, ModelLoadProblem> {
  const want = `one float input of shape [N or 1, ${features}] (the manifest's ${features} features)`;
  const refuse = (detail: string): Result<never, ModelLoadProblem> => err({ kind: 'InputMismatch', file, detail });
  if (inputs.length !== 1) {
    return refuse(`the model has ${inputs.length} inputs (${inputs.map((i) => i.name).join(', ')}); expected ${want}`);
  }
  const [input] = inputs as [ValueSpec];
  const t = input.type;
  const got = `input '${input.name}' is ${describeType(t)}; expected ${want}`;
  if (t.kind !== 'tensor' || t.elemType !== 'float' || t.shape === null || t.shape.length !== 2) return refuse(got);
  const [rows, cols] = t.shape;
  // The batch dimension may be symbolic ("N"), left unknown, or fixed at 1: the adapter feeds one row.
  if (typeof rows === 'number' && rows !== 1) return refuse(got);
  if (cols !== features) return refuse(got);
  return ok({ name: input.name, features });
}

type RowOutput = (name: string, perRow: number) => Result<string, ModelLoadProblem>;

function resolveReadout(manifest: Manifest, rowOutput: RowOutput): Result<Readout, ModelLoadProblem> {
  const o = manifest.output;
  switch (o.kind) {
    case 'score': {
      const score = rowOutput(o.score, 1);
      if (!score.ok) return score;
      if (typeof o.confidence !== 'string') return ok({ kind: 'score', score: score.value, confidence: o.confidence });
      const confidence = rowOutput(o.confidence, 1);
      if (!confidence.ok) return confidence;
      return ok({ kind: 'score', score: score.value, confidence: { kind: 'tensor', tensor: confidence.value } });
    }
    case 'classProbabilities': {
      const probabilities = rowOutput(o.tensor, o.classes.length);
      if (!probabilities.ok) return probabilities;
      return ok({
        kind: 'classProbabilities',
        tensor: probabilities.value,
        columns: o.classes.length,
        up: o.classes.indexOf('up'),
        down: o.classes.indexOf('down'),
      });
    }
    case 'horizons': {
      const scores = rowOutput(o.tensor, o.ensemble.horizonsMs.length);
      if (!scores.ok) return scores;
      return ok({ kind: 'horizons', tensor: scores.value, ensemble: o.ensemble });
    }
  }
}

/**
 * The tensor output to read for a named output holding `perRow` values a row: the output itself when
 * it is a float tensor [N, perRow] (or [N] when 1), or a tensor that carries the same values when it
 * is a ZipMap (see checkModelContract).
 */
function resolveRowOutput(model: OnnxInspection, name: string, perRow: number, file: string): Result<string, ModelLoadProblem> {
  const outputs = model.outputs;
  const out = outputs.find((x) => x.name === name);
  if (out === undefined) return err({ kind: 'OutputMissing', file, output: name, available: outputs.map((x) => x.name) });
  const t = out.type;
  if (t.kind !== 'tensor') {
    const source = model.nodes.find((n) => n.opType === 'ZipMap' && n.outputs.includes(name))?.inputs[0];
    const fitting = outputs.filter((x) => x.name !== name && fitsRow(x.type, perRow)).map((x) => x.name);
    if (source !== undefined && fitting.includes(source)) return ok(source);
    if (fitting.length === 1) return ok(fitting[0]);
    return err({ kind: 'OutputNotTensor', file, output: name, type: describeType(t), candidates: fitting });
  }
  if (!fitsRow(t, perRow)) {
    const detail = `is ${describeType(t)}; expected a float tensor [N, ${perRow}]${perRow === 1 ? ' or [N]' : ''}`;
    return err({ kind: 'OutputUnusable', file, output: name, detail });
  }
  return ok(name);
}
function fitsRow(t: ValueType, perRow: number): boolean {
  if (t.kind !== 'tensor' || (t.elemType !== 'float' && t.elemType !== 'double')) return false;
  // An undeclared shape or dimension is checked on the first prediction instead.
  if (t.shape === null) return true;
  if (t.shape.length === 1) return perRow === 1;
  if (t.shape.length !== 2) return false;
  const last = t.shape[1];
  return typeof last !== 'number' || last === perRow;
}
